import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  DELIVERY_PROTOCOLS,
  restrictSnsSubscriptionProtocols as rule,
} from "../../../policies/rules/restrict-sns-subscription-protocols";
import { PackConfigError, parsePackConfig, reconcilePackConfig } from "../../../preview";
import { checkResource, UNKNOWN, usePolicyDay } from "../../helpers/policyArgs";
import { previewStacks, programStacks, propsOfType } from "../../helpers/programStacks";

const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const NOTHING = { violations: [], notApplicable: [], unknown: [] };

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The rule's entry in a stack's pack config. */
function packEntry(stack: string): unknown {
  const text = readFileSync(path.resolve(__dirname, "../../../policies/config", `${stack}.json`), "utf8");
  return JSON.parse(text)["restrict-sns-subscription-protocols"];
}

describe("restrict-sns-subscription-protocols", () => {
  let stacks: Awaited<ReturnType<typeof programStacks>>;
  let previews: Awaited<ReturnType<typeof previewStacks>>;
  before(async () => {
    stacks = await programStacks();
    previews = await previewStacks();
  });
  usePolicyDay("2026-11-22");

  /** A copy of the props of one of staging's alert subscriptions (an email address). */
  const emailSubscription = (): Props => propsOfType(stacks.staging, SUBSCRIPTION);
  const webhook = (endpoint: string, protocol = "https"): Props => ({
    ...emailSubscription(),
    protocol,
    endpoint,
  });
  const check = async (props: Props, config?: Record<string, unknown>) => {
    const { violations, notApplicable, unknown } = await checkResource(rule, SUBSCRIPTION, props, {
      name: "alerts-hook",
      config,
    });
    return { violations, notApplicable, unknown };
  };

  it("passes every subscription of the shipped stacks, deployed and in a first preview, with their pack config", async () => {
    for (const stack of ["staging", "prod"] as const) {
      assert.equal(packEntry(stack), "mandatory", stack);
      for (const resources of [stacks[stack], previews[stack]]) {
        const subscriptions = resources.filter((r) => r.type === SUBSCRIPTION);
        assert.ok(subscriptions.length > 0, stack);
        for (const s of subscriptions) {
          assert.equal(s.props.protocol, "email", s.name);
          assert.deepEqual(await check(s.props), NOTHING, `${stack} ${s.name}`);
        }
      }
    }
  });

  it("applies to SNS subscriptions only", async () => {
    const outcome = await checkResource(rule, "aws:sns/topic:Topic", {});
    assert.deepEqual(outcome.notApplicable, [
      "Policy only applies to resources of type 'aws:sns/topicSubscription:TopicSubscription'",
    ]);
  });

  it("allows every SNS protocol but http by default, and the pack config cannot list http", () => {
    const schema = rule.configSchema?.properties?.allowedProtocols as {
      default: string[];
      items: { enum: string[] };
    };
    const snsProtocols = [
      "http",
      "https",
      "email",
      "email-json",
      "sms",
      "sqs",
      "application",
      "lambda",
      "firehose",
    ];
    assert.deepEqual([...schema.default].sort(), snsProtocols.filter((p) => p !== "http").sort());
    assert.deepEqual(schema.items.enum, [...DELIVERY_PROTOCOLS]);
    // As the preview and the CLI check a pack config against the rule's schema.
    const label = "policies/config/staging.json";
    const entries = parsePackConfig(
      label,
      JSON.stringify({ [rule.name]: { allowedProtocols: ["https", "http"] } }),
    );
    assert.throws(
      () => reconcilePackConfig([{ ...rule, enforcementLevel: "mandatory" }], { label, entries }),
      (error: unknown) => {
        assert.ok(error instanceof PackConfigError);
        assert.equal(error.problems.length, 1);
        assert.match(
          error.problems[0],
          /"restrict-sns-subscription-protocols"\.allowedProtocols\[1\]: must be one of "application", /,
        );
        return true;
      },
    );
  });

  it("passes each allowed protocol, an https endpoint whatever the case of its scheme", async () => {
    for (const protocol of ["email-json", "sqs", "lambda", "firehose", "application", "sms"])
      assert.deepEqual(await check({ ...emailSubscription(), protocol, endpoint: "x" }), NOTHING, protocol);
    assert.deepEqual(await check(webhook("https://hooks.example.com/alerts")), NOTHING);
    assert.deepEqual(await check(webhook("HTTPS://hooks.example.com/alerts")), NOTHING);
  });

  it("reports http, whatever allowedProtocols says", async () => {
    const expected = [
      'Subscription "alerts-hook": protocol "http" has SNS send the topic\'s messages (and any credentials in the endpoint URL) unencrypted; subscribe an https:// endpoint with protocol "https".',
    ];
    const plain = webhook("http://hooks.example.com/alerts", "http");
    assert.deepEqual((await check(plain)).violations, expected);
    assert.deepEqual((await check(plain, { allowedProtocols: ["http", "email"] })).violations, expected);
  });

  it("reports a protocol the stack's allowedProtocols leaves out", async () => {
    const sms = { ...emailSubscription(), protocol: "sms", endpoint: "+15555550100" };
    assert.deepEqual((await check(sms, { allowedProtocols: ["email", "sqs"] })).violations, [
      'Subscription "alerts-hook": protocol "sms" is not one of allowedProtocols ["email","sqs"]; deliver with one of them, or add it to allowedProtocols in the pack config.',
    ]);
    assert.deepEqual(await check(emailSubscription(), { allowedProtocols: ["email", "sqs"] }), NOTHING);
  });

  it("reports an https subscription whose endpoint is not an https:// URL, without its credentials", async () => {
    assert.deepEqual((await check(webhook("http://ops:s3cret@hooks.example.com/alerts"))).violations, [
      'Subscription "alerts-hook": protocol "https" with endpoint "http://***@hooks.example.com/alerts", which is not an https:// URL; use the endpoint\'s https:// URL.',
    ]);
    assert.deepEqual((await check(webhook("hooks.example.com/alerts"))).violations, [
      'Subscription "alerts-hook": protocol "https" with endpoint "hooks.example.com/alerts", which is not an https:// URL; use the endpoint\'s https:// URL.',
    ]);
  });

  describe("waivers", () => {
    const plain = () => webhook("http://hooks.example.com/alerts", "http");
    it("set aside a finding while in force", async () => {
      const waivers = [{ resource: "alerts-hook", reason: "vendor migration", expires: "2026-12-31" }];
      assert.deepEqual((await check(plain(), { waivers })).violations, []);
    });
    it("add the expiry to the finding once expired", async () => {
      const waivers = [{ resource: "alerts-*", reason: "vendor migration", expires: "2026-11-01" }];
      const [message] = (await check(plain(), { waivers })).violations;
      assert.match(
        message,
        /with protocol "https"\. \(The waiver for "alerts-\*" expired on 2026-11-01: vendor migration\.\)$/,
      );
    });
  });

  describe("during preview", () => {
    it("assumes an unknown protocol or endpoint complies, without the engine's advisory", async () => {
      assert.deepEqual(await check({ ...emailSubscription(), protocol: UNKNOWN.string }), NOTHING);
      assert.deepEqual(await check(webhook(UNKNOWN.string)), NOTHING);
    });

    it("still reports a known http protocol", async () => {
      const outcome = await check({ protocol: "http", endpoint: UNKNOWN.string, topic: UNKNOWN.string });
      assert.equal(outcome.violations.length, 1);
      assert.deepEqual(outcome.unknown, []);
    });
  });
});
