import assert from "node:assert/strict";
import {
  DATA_QUALITY_JOB_DEFINITION_TYPE,
  ENDPOINT_CONFIGURATION_TYPE,
  ENDPOINT_TYPE,
  MONITORING_SCHEDULE_TYPE,
} from "../../../policies/lib/sagemakerResources";
import { requireEndpointSafeguards as rule } from "../../../policies/rules/require-endpoint-safeguards";
import { StackResourceInput, UNKNOWN, usePolicyDay } from "../../helpers/policyArgs";
import { edited, programStacks, propsOf, stackCheck, without } from "../../helpers/programStacks";

const ENDPOINT = "mlops-prod-diagnosis";
const CONFIG = `${ENDPOINT}-config`;
const JOB = `${ENDPOINT}-data-quality-job`;
const SCHEDULE = `${ENDPOINT}-data-quality`;
const ENDPOINT_URN = `urn:pulumi:prod::mlops::mlops:sagemaker:ModelEndpoint$${ENDPOINT_TYPE}::${ENDPOINT}`;
const NONE = { violations: [], urns: [], unknown: [] };
const NO_SCHEDULE = `Endpoint "${ENDPOINT}" has no monitoring schedule: no aws.sagemaker.MonitoringSchedule runs a job whose endpointInput is this endpoint; add one (e.g. the MonitoringSchedule component) so that drift is detected.`;

describe("require-endpoint-safeguards", () => {
  let stacks: Awaited<ReturnType<typeof programStacks>>;
  before(async () => {
    stacks = await programStacks();
  });
  usePolicyDay("2026-11-22");

  const check = stackCheck(rule);
  const prodWith = (change: (resources: StackResourceInput[]) => unknown) => edited(stacks.prod, change);
  const props = propsOf;

  it("passes the endpoints of both shipped stacks", async () => {
    for (const stack of ["staging", "prod"] as const) {
      assert.equal(stacks[stack].filter((r) => r.type === ENDPOINT_TYPE).length, 1, stack);
      assert.deepEqual(await check(stacks[stack]), NONE, stack);
    }
  });

  it("requires a monitoring schedule that reads the endpoint's traffic", async () => {
    const outcome = await check(prodWith(without(MONITORING_SCHEDULE_TYPE, SCHEDULE)));
    assert.deepEqual(outcome.violations, [NO_SCHEDULE]);
    assert.deepEqual(outcome.urns, [ENDPOINT_URN]);
    // A schedule whose job reads another endpoint does not count, nor one whose job is not in the stack.
    const otherEndpoint = prodWith((r) => {
      props(r, DATA_QUALITY_JOB_DEFINITION_TYPE, JOB).dataQualityJobInput.endpointInput.endpointName =
        "other";
    });
    assert.deepEqual((await check(otherEndpoint)).violations, [NO_SCHEDULE]);
    assert.deepEqual((await check(prodWith(without(DATA_QUALITY_JOB_DEFINITION_TYPE, JOB)))).violations, [
      NO_SCHEDULE,
    ]);
  });

  it("accepts a schedule with an inline job definition that reads the endpoint", async () => {
    const inline = prodWith((r) => {
      const schedule = props(r, MONITORING_SCHEDULE_TYPE, SCHEDULE);
      schedule.monitoringScheduleConfig = {
        monitoringType: "DataQuality",
        monitoringJobDefinition: { monitoringInputs: { endpointInput: { endpointName: ENDPOINT } } },
      };
      return without(DATA_QUALITY_JOB_DEFINITION_TYPE, JOB)(r);
    });
    assert.deepEqual(await check(inline), NONE);
  });

  it("requires data capture in the endpoint configuration the endpoint uses", async () => {
    const off = await check(
      prodWith((r) => {
        props(r, ENDPOINT_CONFIGURATION_TYPE, CONFIG).dataCaptureConfig.enableCapture = false;
      }),
    );
    assert.deepEqual(off.violations, [
      `Endpoint "${ENDPOINT}": its endpoint configuration "${CONFIG}" does not capture data (dataCaptureConfig.enableCapture is false); enable capture so that Model Monitor can compare live traffic with the baseline.`,
    ]);
    const unset = await check(
      prodWith((r) => {
        delete props(r, ENDPOINT_CONFIGURATION_TYPE, CONFIG).dataCaptureConfig;
      }),
    );
    assert.equal(unset.violations.length, 1);
    assert.match(unset.violations[0], /\(dataCaptureConfig is not set\)/);
  });

  it("requires blue/green deployments with rollback alarms", async () => {
    const outcome = await check(
      prodWith((r) => {
        const endpoint = props(r, ENDPOINT_TYPE, ENDPOINT);
        delete endpoint.deploymentConfig.blueGreenUpdatePolicy;
        endpoint.deploymentConfig.autoRollbackConfiguration.alarms = [];
      }),
    );
    assert.deepEqual(outcome.violations, [
      `Endpoint "${ENDPOINT}": deploymentConfig.blueGreenUpdatePolicy is not set, so a new version replaces the old one without a baking period; set it (e.g. trafficRoutingConfiguration type CANARY or ALL_AT_ONCE with waitIntervalInSeconds).`,
      `Endpoint "${ENDPOINT}": deploymentConfig.autoRollbackConfiguration.alarms is empty, so a failing deployment is not rolled back; list the CloudWatch alarms (e.g. 5XX errors, p99 latency) that roll it back.`,
    ]);
    const noDeployment = prodWith((r) => {
      delete props(r, ENDPOINT_TYPE, ENDPOINT).deploymentConfig;
    });
    assert.equal((await check(noDeployment)).violations.length, 2);
  });

  it("checks only what its config requires", async () => {
    const bare = prodWith((r) => {
      props(r, ENDPOINT_CONFIGURATION_TYPE, CONFIG).dataCaptureConfig.enableCapture = false;
      delete props(r, ENDPOINT_TYPE, ENDPOINT).deploymentConfig;
      return without(MONITORING_SCHEDULE_TYPE, SCHEDULE)(r);
    });
    assert.equal((await check(bare)).violations.length, 4);
    const count = async (config: Record<string, boolean>) => (await check(bare, config)).violations.length;
    assert.equal(await count({ requireDataCapture: false }), 3);
    assert.equal(await count({ requireMonitoring: false }), 3);
    assert.equal(await count({ requireBlueGreen: false }), 2);
    assert.equal(
      await count({ requireDataCapture: false, requireMonitoring: false, requireBlueGreen: false }),
      0,
    );
  });

  describe("waivers", () => {
    const unmonitored = () => prodWith(without(MONITORING_SCHEDULE_TYPE, SCHEDULE));
    it("set aside an endpoint's finding while in force", async () => {
      const waivers = [{ resource: ENDPOINT, reason: "serverless endpoint", expires: "2026-12-31" }];
      assert.deepEqual(await check(unmonitored(), { waivers }), NONE);
    });
    it("add the expiry to the finding once expired", async () => {
      const waivers = [{ resource: ENDPOINT_URN, reason: "serverless endpoint", expires: "2026-11-21" }];
      assert.deepEqual((await check(unmonitored(), { waivers })).violations, [
        `${NO_SCHEDULE} (The waiver for "${ENDPOINT_URN}" expired on 2026-11-21: serverless endpoint.)`,
      ]);
    });
  });

  describe("during preview", () => {
    /** The prod stack as a first preview sees it: names of auto-named resources, and references to them, unknown. */
    const preview = () =>
      prodWith((r) => {
        props(r, ENDPOINT_CONFIGURATION_TYPE, CONFIG).name = UNKNOWN.string;
        props(r, ENDPOINT_TYPE, ENDPOINT).endpointConfigName = UNKNOWN.string;
        props(r, DATA_QUALITY_JOB_DEFINITION_TYPE, JOB).name = UNKNOWN.string;
        props(r, DATA_QUALITY_JOB_DEFINITION_TYPE, JOB).dataQualityJobInput.endpointInput.endpointName =
          UNKNOWN.string;
        props(r, MONITORING_SCHEDULE_TYPE, SCHEDULE).monitoringScheduleConfig.monitoringJobDefinitionName =
          UNKNOWN.string;
        props(r, ENDPOINT_TYPE, ENDPOINT).deploymentConfig.autoRollbackConfiguration.alarms = [
          { alarmName: UNKNOWN.string },
        ];
      });

    it("links by dependency while names are unknown, without the engine's advisory", async () => {
      assert.deepEqual(await check(preview()), NONE);
      // The link is real: the configuration found by dependency is checked.
      const captureOff = preview();
      props(captureOff, ENDPOINT_CONFIGURATION_TYPE, CONFIG).dataCaptureConfig.enableCapture = false;
      assert.equal((await check(captureOff)).violations.length, 1);
      // Without the dependencies there is nothing to link the schedule to the endpoint.
      const unlinked = preview().map((r) => (r.name === JOB ? { ...r, dependencies: [] } : r));
      assert.deepEqual((await check(unlinked)).violations, [NO_SCHEDULE]);
    });

    it("assumes unknown capture and deployment settings comply", async () => {
      const unknownSettings = prodWith((r) => {
        props(r, ENDPOINT_CONFIGURATION_TYPE, CONFIG).dataCaptureConfig.enableCapture = UNKNOWN.boolean;
        props(r, ENDPOINT_TYPE, ENDPOINT).deploymentConfig = {
          blueGreenUpdatePolicy: UNKNOWN.object,
          autoRollbackConfiguration: { alarms: UNKNOWN.array },
        };
      });
      assert.deepEqual(await check(unknownSettings), NONE);
    });
  });
});
