import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { requireLogGroupRetention as rule } from "../../../policies/rules/require-log-group-retention";
import { checkResource, UNKNOWN, usePolicyDay } from "../../helpers/policyArgs";
import { previewStacks, programStacks, propsOfType } from "../../helpers/programStacks";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const NOTHING = { violations: [], unknown: [] };
/** The settings of the staging pack config: a month to a year. */
const STAGING = { minRetentionDays: 30, maxRetentionDays: 365 };

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The rule's settings in a stack's pack config (the level aside). */
function packSettings(stack: string): Record<string, unknown> {
  const text = readFileSync(path.resolve(__dirname, "../../../policies/config", `${stack}.json`), "utf8");
  const { enforcementLevel, ...settings } = JSON.parse(text)["require-log-group-retention"];
  assert.equal(enforcementLevel, "mandatory", stack);
  return settings;
}

describe("require-log-group-retention", () => {
  let stacks: Awaited<ReturnType<typeof programStacks>>;
  let previews: Awaited<ReturnType<typeof previewStacks>>;
  before(async () => {
    stacks = await programStacks();
    previews = await previewStacks();
  });
  usePolicyDay("2026-11-22");

  /** A copy of the props of a log group of staging (the stack's functions' log groups are alike). */
  const group = (): Props => propsOfType(stacks.staging, LOG_GROUP);
  const check = async (props: Props, config: Record<string, unknown> = STAGING) => {
    const { violations, unknown } = await checkResource(rule, LOG_GROUP, props, {
      name: "steps-logs",
      config,
    });
    return { violations, unknown };
  };

  it("passes every log group the shipped stacks create, with the stack's pack config, deployed and in preview", async () => {
    for (const stack of ["staging", "prod"] as const) {
      const config = packSettings(stack);
      for (const resources of [stacks[stack], previews[stack]]) {
        const groups = resources.filter((r) => r.type === LOG_GROUP);
        assert.ok(groups.length > 0, stack);
        for (const g of groups) assert.deepEqual(await check(g.props, config), NOTHING, `${stack} ${g.name}`);
      }
    }
  });

  it("reports a log group that keeps its events forever: no retention, or 0", async () => {
    const unset = group();
    delete unset.retentionInDays;
    assert.deepEqual((await check(unset)).violations, [
      'Log group "steps-logs": retentionInDays is not set, so CloudWatch Logs keeps its events forever; set retentionInDays to a value from 30 to 365 days.',
    ]);
    assert.deepEqual((await check({ ...group(), retentionInDays: 0 })).violations, [
      'Log group "steps-logs": retentionInDays is 0, so CloudWatch Logs keeps its events forever; set retentionInDays to a value from 30 to 365 days.',
    ]);
  });

  it("reports a retention shorter than minRetentionDays or longer than maxRetentionDays", async () => {
    assert.deepEqual((await check({ ...group(), retentionInDays: 14 })).violations, [
      'Log group "steps-logs": retentionInDays 14 is less than minRetentionDays 30, so events expire before the logs are no longer needed; set retentionInDays to a value from 30 to 365 days.',
    ]);
    assert.deepEqual((await check({ ...group(), retentionInDays: 731 })).violations, [
      'Log group "steps-logs": retentionInDays 731 is more than maxRetentionDays 365; set retentionInDays to a value from 30 to 365 days.',
    ]);
    for (const days of [30, 90, 365])
      assert.deepEqual(await check({ ...group(), retentionInDays: days }), NOTHING);
  });

  it("asks a year by default, as Security Hub CloudWatch.16 does, with no maximum below ten years", async () => {
    assert.deepEqual((await check({ ...group(), retentionInDays: 180 }, {})).violations, [
      'Log group "steps-logs": retentionInDays 180 is less than minRetentionDays 365, so events expire before the logs are no longer needed; set retentionInDays to a value from 365 to 3653 days.',
    ]);
    assert.deepEqual(await check({ ...group(), retentionInDays: 3653 }, {}), NOTHING);
  });

  it("names one period when both settings agree, and reports settings no retention meets", async () => {
    assert.deepEqual(
      (await check({ ...group(), retentionInDays: 90 }, { minRetentionDays: 365, maxRetentionDays: 365 }))
        .violations,
      [
        'Log group "steps-logs": retentionInDays 90 is less than minRetentionDays 365, so events expire before the logs are no longer needed; set retentionInDays to 365 days.',
      ],
    );
    assert.deepEqual((await check(group(), { minRetentionDays: 400, maxRetentionDays: 365 })).violations, [
      'Log group "steps-logs": minRetentionDays 400 is more than maxRetentionDays 365, which no retention meets; correct them in the pack config.',
    ]);
  });

  describe("waivers", () => {
    const forever = () => ({ ...group(), retentionInDays: 0 });
    it("set aside a finding while in force", async () => {
      const waivers = [{ resource: "steps-logs", reason: "legal hold", expires: "2026-12-31" }];
      assert.deepEqual((await check(forever(), { ...STAGING, waivers })).violations, []);
    });
    it("add the expiry to the finding once expired", async () => {
      const waivers = [{ resource: "steps-*", reason: "legal hold", expires: "2026-11-01" }];
      const [message] = (await check(forever(), { ...STAGING, waivers })).violations;
      assert.match(
        message,
        /to a value from 30 to 365 days\. \(The waiver for "steps-\*" expired on 2026-11-01: legal hold\.\)$/,
      );
    });
  });

  describe("during preview", () => {
    it("assumes an unknown retention complies, without the engine's advisory", async () => {
      assert.deepEqual(await check({ ...group(), retentionInDays: UNKNOWN.number }), NOTHING);
    });
  });
});
