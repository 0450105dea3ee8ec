import assert from "node:assert/strict";
import { COMPOSITE_ALARM_TYPE, METRIC_ALARM_TYPE } from "../../../policies/lib/alarms";
import { ENDPOINT_TYPE } from "../../../policies/lib/sagemakerResources";
import { requireCloudwatchAlarmActions as rule } from "../../../policies/rules/require-cloudwatch-alarm-actions";
import {
  checkStack,
  policyResources,
  StackResourceInput,
  UNKNOWN,
  usePolicyDay,
} from "../../helpers/policyArgs";
import { edited, previewStacks, programStacks, propsOf, stackCheck } from "../../helpers/programStacks";

const ENDPOINT = "mlops-prod-diagnosis";
/** One of the alarms the endpoint's deployments roll back on. */
const ROLLBACK = `${ENDPOINT}-primary-5xx-errors`;
/** A drift alarm: it only pages. */
const DRIFT = `${ENDPOINT}-drift-psi-mean_radius`;
const DRIFT_URN = `urn:pulumi:prod::mlops::mlops:sagemaker:DriftCheck$${METRIC_ALARM_TYPE}::${DRIFT}`;
const NONE = { violations: [], urns: [], unknown: [] };
/** How a finding names an alarm: its resource name, and its name in CloudWatch when that differs. */
const named = (name: string, physical?: string) => `Alarm "${name}"${physical ? ` ("${physical}")` : ""}`;
const DISABLED = (name: string, physical?: string) =>
  `${named(name, physical)} has actionsEnabled false, so CloudWatch runs none of its actions when it changes state; set actionsEnabled to true (its default).`;
const NO_ACTIONS = (name: string, physical?: string) =>
  `${named(name, physical)} has no alarmActions, so nobody is told when it goes into ALARM; add the SNS topic that alerts its owners (e.g. the model's alert topic) to alarmActions.`;

type Stacks = Awaited<ReturnType<typeof programStacks>>;

describe("require-cloudwatch-alarm-actions", () => {
  let stacks: Stacks;
  let previews: Stacks;
  before(async () => {
    stacks = await programStacks();
    previews = await previewStacks();
  });
  usePolicyDay("2026-11-22");

  const check = stackCheck(rule);
  const prodWith = (change: (resources: StackResourceInput[]) => unknown) => edited(stacks.prod, change);
  const alarm = (r: StackResourceInput[], name: string) => propsOf(r, METRIC_ALARM_TYPE, name);
  /** The prod endpoint's rollback configuration in a copy. */
  const rollback = (r: StackResourceInput[]) =>
    propsOf(r, ENDPOINT_TYPE, ENDPOINT).deploymentConfig.autoRollbackConfiguration;

  it("passes every alarm of both shipped stacks, deployed and in a first preview", async () => {
    for (const [label, resources] of [
      ["staging", stacks.staging],
      ["prod", stacks.prod],
      ["staging preview", previews.staging],
      ["prod preview", previews.prod],
    ] as const) {
      assert.ok(resources.filter((r) => r.type === METRIC_ALARM_TYPE).length >= 3, label);
      assert.deepEqual(await check(resources), NONE, label);
    }
  });

  it("reports an alarm whose actions are disabled, against the alarm", async () => {
    const outcome = await check(prodWith((r) => void (alarm(r, DRIFT).actionsEnabled = false)));
    assert.deepEqual(outcome, { violations: [DISABLED(DRIFT)], urns: [DRIFT_URN], unknown: [] });
  });

  it("reports an alarm without alarm actions, whatever its OK actions", async () => {
    const removed = await check(prodWith((r) => void delete alarm(r, DRIFT).alarmActions));
    assert.deepEqual(removed.violations, [NO_ACTIONS(DRIFT)]);
    const empty = await check(
      prodWith((r) => {
        Object.assign(alarm(r, DRIFT), { alarmActions: [], okActions: alarm(r, ROLLBACK).okActions });
      }),
    );
    assert.deepEqual(empty.violations, [NO_ACTIONS(DRIFT)]);
  });

  it("reports both problems of an alarm that has neither", async () => {
    const outcome = await check(
      prodWith((r) => void Object.assign(alarm(r, DRIFT), { actionsEnabled: false, alarmActions: [] })),
    );
    assert.deepEqual(outcome.violations, [DISABLED(DRIFT), NO_ACTIONS(DRIFT)]);
  });

  describe("an alarm an endpoint's deployments roll back on", () => {
    it("needs no action of its own: SageMaker acts on it", async () => {
      const silent = await check(prodWith((r) => void delete alarm(r, ROLLBACK).alarmActions));
      assert.deepEqual(silent, NONE);
      const disabledWithout = await check(
        prodWith((r) => void Object.assign(alarm(r, ROLLBACK), { actionsEnabled: false, alarmActions: [] })),
      );
      assert.deepEqual(disabledWithout, NONE);
    });

    it("is reported when its own actions are disabled", async () => {
      const outcome = await check(prodWith((r) => void (alarm(r, ROLLBACK).actionsEnabled = false)));
      assert.deepEqual(outcome.violations, [DISABLED(ROLLBACK)]);
    });

    it("is judged like any other once no endpoint names it", async () => {
      const outcome = await check(
        prodWith((r) => {
          delete alarm(r, ROLLBACK).alarmActions;
          const config = rollback(r);
          config.alarms = config.alarms.filter((a: { alarmName: string }) => a.alarmName !== ROLLBACK);
        }),
      );
      assert.deepEqual(outcome.violations, [NO_ACTIONS(ROLLBACK)]);
    });
  });

  it("checks composite alarms, by their alarmName", async () => {
    const composite = (props: Record<string, unknown>): StackResourceInput => ({
      type: COMPOSITE_ALARM_TYPE,
      name: "endpoint-unhealthy",
      props: {
        alarmName: "mlops-prod-endpoint-unhealthy",
        alarmRule: `ALARM("${ROLLBACK}") OR ALARM("${DRIFT}")`,
        ...props,
      },
    });
    const topic = stacks.prod.find((r) => r.name === DRIFT)?.props.alarmActions;
    assert.ok(Array.isArray(topic) && topic.length === 1);
    assert.deepEqual(await check([...stacks.prod, composite({ alarmActions: topic })]), NONE);
    const outcome = await check([...stacks.prod, composite({ actionsEnabled: false })]);
    assert.deepEqual(outcome.violations, [
      DISABLED("endpoint-unhealthy", "mlops-prod-endpoint-unhealthy"),
      NO_ACTIONS("endpoint-unhealthy", "mlops-prod-endpoint-unhealthy"),
    ]);
  });

  describe("waivers", () => {
    const silent = () => prodWith((r) => void delete alarm(r, DRIFT).alarmActions);
    it("set aside an alarm's finding while in force, and add the expiry once expired", async () => {
      const waiver = { resource: DRIFT, reason: "dashboard-only alarm" };
      assert.deepEqual(
        (await check(silent(), { waivers: [{ ...waiver, expires: "2026-12-31" }] })).violations,
        [],
      );
      assert.deepEqual(
        (await check(silent(), { waivers: [{ ...waiver, expires: "2026-11-21" }] })).violations,
        [`${NO_ACTIONS(DRIFT)} (The waiver for "${DRIFT}" expired on 2026-11-21: dashboard-only alarm.)`],
      );
    });
  });

  describe("during preview", () => {
    const previewWith = (change: (resources: StackResourceInput[]) => unknown) =>
      edited(previews.prod, change);

    it("assumes unknown actions and an unknown actionsEnabled comply, without the engine's advisory", async () => {
      const outcome = await check(
        previewWith((r) => {
          Object.assign(alarm(r, DRIFT), { alarmActions: UNKNOWN.array, actionsEnabled: UNKNOWN.boolean });
          alarm(r, `${ENDPOINT}-drift-psi-mean_texture`).alarmActions = [UNKNOWN.string];
        }),
      );
      assert.deepEqual(outcome, NONE);
    });

    it("links unknown rollback alarm names by the endpoint's dependencies", async () => {
      /** Auto-named alarms: every alarm's name, and the names the endpoint rolls back on, unknown. */
      const autoNamed = (r: StackResourceInput[]) => {
        for (const resource of r.filter((x) => x.type === METRIC_ALARM_TYPE))
          resource.props.name = UNKNOWN.string;
        for (const entry of rollback(r).alarms) entry.alarmName = UNKNOWN.string;
        delete alarm(r, ROLLBACK).alarmActions;
      };
      assert.deepEqual(await check(previewWith(autoNamed)), NONE);
      // An alarm the endpoint does not depend on is not one it rolls back on.
      const unlinked = previewWith((r) => {
        autoNamed(r);
        const endpoint = r.find((x) => x.type === ENDPOINT_TYPE && x.name === ENDPOINT);
        Object.assign(endpoint ?? {}, {
          dependencies: endpoint?.dependencies?.filter((name) => name !== ROLLBACK),
        });
      });
      assert.deepEqual((await check(unlinked)).violations, [NO_ACTIONS(ROLLBACK)]);
      // The engine's property dependencies of deploymentConfig, when it gives them, decide.
      const resources = policyResources(previewWith(autoNamed));
      const endpoint = resources.find((r) => r.type === ENDPOINT_TYPE);
      const other = resources.find((r) => r.name === `${ENDPOINT}-primary-4xx-error-rate`);
      assert.ok(endpoint && other);
      endpoint.propertyDependencies = { deploymentConfig: [other] };
      assert.deepEqual((await checkStack(rule, resources)).violations, [NO_ACTIONS(ROLLBACK)]);
    });

    it("treats a rollback list that is unknown as naming the alarms the endpoint depends on", async () => {
      const outcome = await check(
        previewWith((r) => {
          rollback(r).alarms = UNKNOWN.array;
          delete alarm(r, ROLLBACK).alarmActions;
        }),
      );
      assert.deepEqual(outcome, NONE);
    });
  });
});
