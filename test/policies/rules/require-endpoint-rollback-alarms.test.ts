import assert from "node:assert/strict";
import { COMPOSITE_ALARM_TYPE, METRIC_ALARM_TYPE } from "../../../policies/lib/alarms";
import { ENDPOINT_TYPE } from "../../../policies/lib/sagemakerResources";
import { requireEndpointRollbackAlarms as rule } from "../../../policies/rules/require-endpoint-rollback-alarms";
import {
  checkStack,
  policyResources,
  StackResourceInput,
  UNKNOWN,
  usePolicyDay,
} from "../../helpers/policyArgs";
import {
  edited,
  previewStacks,
  programStacks,
  propsOf,
  stackCheck,
  without,
} from "../../helpers/programStacks";

const ENDPOINT = "mlops-prod-diagnosis";
const ENDPOINT_URN = `urn:pulumi:prod::mlops::mlops:sagemaker:ModelEndpoint$${ENDPOINT_TYPE}::${ENDPOINT}`;
const LATENCY = `${ENDPOINT}-primary-model-latency-p99`;
const NONE = { violations: [], urns: [], unknown: [] };
const MISSING = (name: string, endpoint = `Endpoint "${ENDPOINT}"`) =>
  `${endpoint}: deploymentConfig.autoRollbackConfiguration.alarms names the alarm "${name}", which no aws.cloudwatch.MetricAlarm or CompositeAlarm of the stack is called, so SageMaker watches an alarm that never goes into ALARM and a failing deployment is never rolled back; name an alarm of the stack, create this one in the stack, or, when another stack creates it, add "${name}" to externalAlarmNames.`;

type Stacks = Awaited<ReturnType<typeof programStacks>>;
type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("require-endpoint-rollback-alarms", () => {
  let stacks: Stacks;
  let previews: Stacks;
  before(async () => {
    stacks = await programStacks();
    previews = await previewStacks();
  });
  usePolicyDay("2026-11-22");

  const check = stackCheck(rule);
  const prodWith = (change: (resources: StackResourceInput[]) => unknown) => edited(stacks.prod, change);
  /** The prod endpoint's rollback alarm list in a copy. */
  const alarms = (r: StackResourceInput[]): Props[] =>
    propsOf(r, ENDPOINT_TYPE, ENDPOINT).deploymentConfig.autoRollbackConfiguration.alarms;

  it("passes the endpoints of both shipped stacks, deployed and in a first preview", async () => {
    for (const [label, resources] of [
      ["staging", stacks.staging],
      ["prod", stacks.prod],
      ["staging preview", previews.staging],
      ["prod preview", previews.prod],
    ] as const) {
      const endpoints = resources.filter((r) => r.type === ENDPOINT_TYPE);
      assert.equal(endpoints.length, 1, label);
      // Each rolls back on its 5XX, 4XX and latency alarms.
      assert.equal(
        (endpoints[0]?.props as Props).deploymentConfig.autoRollbackConfiguration.alarms.length,
        3,
        label,
      );
      assert.deepEqual(await check(resources), NONE, label);
    }
  });

  it("reports a name no alarm of the stack has, against the endpoint", async () => {
    const typo = await check(
      prodWith((r) => void (alarms(r)[0].alarmName = `${ENDPOINT}-primary-5xx-error`)),
    );
    assert.deepEqual(typo, {
      violations: [MISSING(`${ENDPOINT}-primary-5xx-error`)],
      urns: [ENDPOINT_URN],
      unknown: [],
    });
  });

  it("reports the alarm the stack no longer creates", async () => {
    const outcome = await check(prodWith(without(METRIC_ALARM_TYPE, LATENCY)));
    assert.deepEqual(outcome.violations, [MISSING(LATENCY)]);
  });

  it("names the endpoint's physical name when it differs from the resource's", async () => {
    const outcome = await check(
      prodWith((r) => {
        propsOf(r, ENDPOINT_TYPE, ENDPOINT).name = "diagnosis-live";
        alarms(r)[1].alarmName = "gone";
      }),
    );
    assert.deepEqual(outcome.violations, [MISSING("gone", `Endpoint "${ENDPOINT}" ("diagnosis-live")`)]);
  });

  it("accepts a composite alarm of the stack by its alarmName", async () => {
    const composite: StackResourceInput = {
      type: COMPOSITE_ALARM_TYPE,
      name: "endpoint-unhealthy",
      props: { alarmName: "mlops-prod-diagnosis-unhealthy", alarmRule: `ALARM("${LATENCY}")` },
    };
    const named = (r: StackResourceInput[]) =>
      void (alarms(r)[2].alarmName = "mlops-prod-diagnosis-unhealthy");
    assert.deepEqual(await check([...prodWith(named), composite]), NONE);
    assert.deepEqual((await check(prodWith(named))).violations, [MISSING("mlops-prod-diagnosis-unhealthy")]);
  });

  it("accepts the names listed in externalAlarmNames, and only those", async () => {
    const external = prodWith((r) => {
      alarms(r)[0].alarmName = "account-wide-5xx";
      alarms(r)[1].alarmName = "team-4xx";
    });
    const outcome = await check(external, { externalAlarmNames: ["account-wide-5xx"] });
    assert.deepEqual(outcome.violations, [MISSING("team-4xx")]);
  });

  it("reports nothing for an endpoint without rollback alarms (require-endpoint-safeguards does)", async () => {
    const outcome = await check(
      prodWith(
        (r) => void delete propsOf(r, ENDPOINT_TYPE, ENDPOINT).deploymentConfig.autoRollbackConfiguration,
      ),
    );
    assert.deepEqual(outcome, NONE);
  });

  it("lets a waiver set the endpoint's finding aside", async () => {
    const waivers = [
      { resource: ENDPOINT, reason: "alarm moves to the shared stack", expires: "2026-12-31" },
    ];
    const outcome = await check(prodWith(without(METRIC_ALARM_TYPE, LATENCY)), { waivers });
    assert.deepEqual(outcome.violations, []);
  });

  describe("during preview", () => {
    const previewWith = (change: (resources: StackResourceInput[]) => unknown) =>
      edited(previews.prod, change);

    it("assumes an unknown list or unknown names comply, without the engine's advisory", async () => {
      const list = previewWith((r) => {
        propsOf(r, ENDPOINT_TYPE, ENDPOINT).deploymentConfig.autoRollbackConfiguration.alarms = UNKNOWN.array;
        return without(METRIC_ALARM_TYPE, LATENCY)(r);
      });
      assert.deepEqual(await check(list), NONE);
      const name = previewWith((r) => {
        alarms(r)[2].alarmName = UNKNOWN.string;
        return without(METRIC_ALARM_TYPE, LATENCY)(r);
      });
      assert.deepEqual(await check(name), NONE);
    });

    it("matches a known name to an auto-named alarm by the endpoint's dependency on it", async () => {
      const autoNamed = (r: StackResourceInput[]) => {
        for (const resource of r.filter((x) => x.type === METRIC_ALARM_TYPE))
          resource.props.name = UNKNOWN.string;
      };
      assert.deepEqual(await check(previewWith(autoNamed)), NONE);
      const ROLLBACK_ALARMS = [
        `${ENDPOINT}-primary-5xx-errors`,
        `${ENDPOINT}-primary-4xx-error-rate`,
        LATENCY,
      ];
      // An auto-named alarm the endpoint does not depend on is not one it names.
      const unlinked = previewWith((r) => {
        autoNamed(r);
        const endpoint = r.find((x) => x.type === ENDPOINT_TYPE && x.name === ENDPOINT);
        Object.assign(endpoint ?? {}, {
          dependencies: endpoint?.dependencies?.filter((d) => !ROLLBACK_ALARMS.includes(d)),
        });
      });
      assert.deepEqual(
        (await check(unlinked)).violations,
        ROLLBACK_ALARMS.map((name) => MISSING(name)),
      );
      // The engine's property dependencies of deploymentConfig, when it gives them, decide: here
      // they name no alarm, whatever else the endpoint depends on.
      const resources = policyResources(previewWith(autoNamed));
      const endpoint = resources.find((r) => r.type === ENDPOINT_TYPE);
      const configuration = resources.find((r) => r.name === `${ENDPOINT}-config`);
      assert.ok(endpoint && configuration);
      endpoint.propertyDependencies = { deploymentConfig: [configuration] };
      assert.deepEqual(
        (await checkStack(rule, resources)).violations,
        ROLLBACK_ALARMS.map((name) => MISSING(name)),
      );
    });
  });
});
