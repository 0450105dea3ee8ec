import assert from "node:assert/strict";
import {
  DATA_QUALITY_JOB_DEFINITION_TYPE,
  ENDPOINT_CONFIGURATION_TYPE,
  ENDPOINT_TYPE,
  MONITORING_SCHEDULE_TYPE,
  PIPELINE_TYPE,
  SCHEDULE_TYPE,
} from "../../../policies/lib/sagemakerResources";
import { requireEndpointSafeguards as rule } from "../../../policies/rules/require-endpoint-safeguards";
import { StackResourceInput, UNKNOWN, usePolicyDay } from "../../helpers/policyArgs";
import {
  edited,
  modelMonitorStacks,
  previewStacks,
  programStacks,
  propsOf,
  stackCheck,
  without,
} from "../../helpers/programStacks";
import { checkDriftStep, DriftDefinitionJson, StepJson } from "./driftFixtures";

const ENDPOINT = "mlops-prod-diagnosis";
const CONFIG = `${ENDPOINT}-config`;
/** The drift check's pipeline and its schedule share the check's name. */
const DRIFT = `${ENDPOINT}-drift`;
const JOB = `${ENDPOINT}-data-quality-job`;
const SCHEDULE = `${ENDPOINT}-data-quality`;
const ENDPOINT_URN = `urn:pulumi:prod::mlops::mlops:sagemaker:ModelEndpoint$${ENDPOINT_TYPE}::${ENDPOINT}`;
const NONE = { violations: [], urns: [], unknown: [] };
const NOT_MONITORED = `Endpoint "${ENDPOINT}" is not monitored for drift: no aws.sagemaker.MonitoringSchedule runs a job whose endpointInput is this endpoint, and no pipeline runs drift_check.py with --endpoint set to it; add one (the DriftCheck component, or the MonitoringSchedule component where Model Monitor is available) so that drift is detected.`;
const NOT_STARTED = `Endpoint "${ENDPOINT}": its drift check pipeline "${DRIFT}" is started by no schedule: no enabled aws.scheduler.Schedule targets StartPipelineExecution with its name as PipelineName; add one (the DriftCheck component creates it) so that drift is checked.`;

type Stacks = Awaited<ReturnType<typeof programStacks>>;

describe("require-endpoint-safeguards", () => {
  let stacks: Stacks;
  let modelMonitor: Stacks;
  before(async () => {
    stacks = await programStacks();
    modelMonitor = await modelMonitorStacks();
  });
  usePolicyDay("2026-11-22");

  const check = stackCheck(rule);
  /** The shipped prod stack, whose endpoint the drift check monitors, changed by `change`. */
  const prodWith = (change: (resources: StackResourceInput[]) => unknown) => edited(stacks.prod, change);
  /** The prod stack with Model Monitor (monitoring.engine model-monitor), changed by `change`. */
  const modelMonitorWith = (change: (resources: StackResourceInput[]) => unknown) =>
    edited(modelMonitor.prod, change);
  const props = propsOf;
  /** The drift check pipeline's definition in a copy, changed by `change`. */
  const editDefinition = (r: StackResourceInput[], change: (definition: DriftDefinitionJson) => void) => {
    const pipeline = props(r, PIPELINE_TYPE, DRIFT);
    const definition = JSON.parse(pipeline.pipelineDefinition) as DriftDefinitionJson;
    change(definition);
    pipeline.pipelineDefinition = JSON.stringify(definition);
  };
  const editCheckStep = (r: StackResourceInput[], change: (step: StepJson) => void) =>
    editDefinition(r, (definition) => change(checkDriftStep(definition)));

  it("passes the endpoints of both shipped stacks, deployed and in a first preview, and with Model Monitor", async () => {
    const previews = await previewStacks();
    for (const [label, resources] of [
      ["staging", stacks.staging],
      ["prod", stacks.prod],
      ["staging preview", previews.staging],
      ["prod preview", previews.prod],
      ["staging with Model Monitor", modelMonitor.staging],
      ["prod with Model Monitor", modelMonitor.prod],
    ] as const) {
      assert.equal(resources.filter((r) => r.type === ENDPOINT_TYPE).length, 1, label);
      assert.deepEqual(await check(resources), NONE, label);
    }
  });

  describe("with the drift check", () => {
    it("requires a pipeline that runs drift_check.py on the endpoint", async () => {
      const outcome = await check(prodWith(without(PIPELINE_TYPE, DRIFT)));
      assert.deepEqual(outcome.violations, [NOT_MONITORED]);
      assert.deepEqual(outcome.urns, [ENDPOINT_URN]);
      // A check of another endpoint, or a Processing step that runs another script, does not count.
      const otherEndpoint = prodWith((r) =>
        editCheckStep(r, (step) => {
          const args = step.Arguments.AppSpecification.ContainerArguments as unknown[];
          args[args.indexOf("--endpoint") + 1] = "mlops-prod-other";
        }),
      );
      assert.deepEqual((await check(otherEndpoint)).violations, [NOT_MONITORED]);
      const otherScript = prodWith((r) =>
        editCheckStep(r, (step) => {
          step.Arguments.AppSpecification.ContainerEntrypoint = [
            "python3",
            "/opt/ml/processing/input/code/evaluate.py",
          ];
        }),
      );
      assert.deepEqual((await check(otherScript)).violations, [NOT_MONITORED]);
    });

    it("finds the check at any depth, with --endpoint=<name> or a parameter's default", async () => {
      const nested = prodWith((r) =>
        editDefinition(r, (definition) => {
          // CheckDrift moved from HasTraffic's IfSteps into the ElseSteps of a Condition inside them.
          const step = checkDriftStep(definition);
          const condition = definition.Steps.find((s) => s.Name === "HasTraffic") as StepJson;
          condition.Arguments.IfSteps = [
            {
              Name: "Inner",
              Type: "Condition",
              Arguments: { Conditions: [], IfSteps: [], ElseSteps: [step] },
            },
          ];
          const args = step.Arguments.AppSpecification.ContainerArguments as unknown[];
          args.splice(args.indexOf("--endpoint"), 2, `--endpoint=${ENDPOINT}`);
        }),
      );
      assert.deepEqual(await check(nested), NONE);
      const parameter = prodWith((r) =>
        editDefinition(r, (definition) => {
          definition.Parameters.push({ Name: "Endpoint", Type: "String", DefaultValue: ENDPOINT });
          const args = checkDriftStep(definition).Arguments.AppSpecification.ContainerArguments as unknown[];
          args[args.indexOf("--endpoint") + 1] = { Get: "Parameters.Endpoint" };
        }),
      );
      assert.deepEqual(await check(parameter), NONE);
    });

    it("requires an enabled schedule that starts the pipeline", async () => {
      assert.deepEqual((await check(prodWith(without(SCHEDULE_TYPE, DRIFT)))).violations, [NOT_STARTED]);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const changes: ((schedule: Record<string, any>) => void)[] = [
        (schedule) => (schedule.state = "DISABLED"),
        (schedule) => (schedule.target.arn = "arn:aws:scheduler:::aws-sdk:sagemaker:describePipeline"),
        (schedule) => (schedule.target.input = JSON.stringify({ PipelineName: "mlops-prod-other-drift" })),
        (schedule) => (schedule.target.input = "{ not json"),
        (schedule) => delete schedule.target.input,
      ];
      for (const change of changes) {
        const outcome = await check(prodWith((r) => change(props(r, SCHEDULE_TYPE, DRIFT))));
        assert.deepEqual(outcome.violations, [NOT_STARTED], change.toString());
      }
      // The pipeline's ARN names it as well as its name.
      const byArn = prodWith((r) => {
        const arn = props(r, PIPELINE_TYPE, DRIFT).arn as string;
        props(r, SCHEDULE_TYPE, DRIFT).target.input = JSON.stringify({ PipelineName: arn });
      });
      assert.deepEqual(await check(byArn), NONE);
    });

    it("links by dependency while the definition, the endpoint's name and the schedule's input are unknown", async () => {
      const preview = () =>
        prodWith((r) => {
          props(r, PIPELINE_TYPE, DRIFT).pipelineDefinition = UNKNOWN.string;
          props(r, ENDPOINT_TYPE, ENDPOINT).name = UNKNOWN.string;
          props(r, SCHEDULE_TYPE, DRIFT).target.input = UNKNOWN.string;
          props(r, SCHEDULE_TYPE, DRIFT).state = UNKNOWN.string;
        });
      assert.deepEqual(await check(preview()), NONE);
      // Without its dependency on the endpoint the pipeline checks nothing; without the schedule's on
      // the pipeline, nothing starts it.
      const drop = (type: string, name: string) =>
        preview().map((r) => (r.type === type && r.name === name ? { ...r, dependencies: [] } : r));
      assert.deepEqual((await check(drop(PIPELINE_TYPE, DRIFT))).violations, [NOT_MONITORED]);
      assert.deepEqual((await check(drop(SCHEDULE_TYPE, DRIFT))).violations, [NOT_STARTED]);
      // A known definition with an unknown endpoint name links by dependency too.
      const name = prodWith((r) => {
        props(r, ENDPOINT_TYPE, ENDPOINT).name = UNKNOWN.string;
      });
      assert.deepEqual(await check(name), NONE);
    });
  });

  describe("with Model Monitor", () => {
    it("requires a monitoring schedule that reads the endpoint's traffic", async () => {
      const outcome = await check(modelMonitorWith(without(MONITORING_SCHEDULE_TYPE, SCHEDULE)));
      assert.deepEqual(outcome.violations, [NOT_MONITORED]);
      assert.deepEqual(outcome.urns, [ENDPOINT_URN]);
      // A schedule whose job reads another endpoint does not count, nor one whose job is not in the stack.
      const otherEndpoint = modelMonitorWith((r) => {
        props(r, DATA_QUALITY_JOB_DEFINITION_TYPE, JOB).dataQualityJobInput.endpointInput.endpointName =
          "other";
      });
      assert.deepEqual((await check(otherEndpoint)).violations, [NOT_MONITORED]);
      assert.deepEqual(
        (await check(modelMonitorWith(without(DATA_QUALITY_JOB_DEFINITION_TYPE, JOB)))).violations,
        [NOT_MONITORED],
      );
    });

    it("accepts a schedule with an inline job definition that reads the endpoint", async () => {
      const inline = modelMonitorWith((r) => {
        const schedule = props(r, MONITORING_SCHEDULE_TYPE, SCHEDULE);
        schedule.monitoringScheduleConfig = {
          monitoringType: "DataQuality",
          monitoringJobDefinition: { monitoringInputs: { endpointInput: { endpointName: ENDPOINT } } },
        };
        return without(DATA_QUALITY_JOB_DEFINITION_TYPE, JOB)(r);
      });
      assert.deepEqual(await check(inline), NONE);
    });

    it("links by dependency while names are unknown, without the engine's advisory", async () => {
      const preview = () =>
        modelMonitorWith((r) => {
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
      assert.deepEqual(await check(preview()), NONE);
      // The link is real: the configuration found by dependency is checked.
      const captureOff = preview();
      props(captureOff, ENDPOINT_CONFIGURATION_TYPE, CONFIG).dataCaptureConfig.enableCapture = false;
      assert.equal((await check(captureOff)).violations.length, 1);
      // Without the dependencies there is nothing to link the schedule to the endpoint.
      const unlinked = preview().map((r) => (r.name === JOB ? { ...r, dependencies: [] } : r));
      assert.deepEqual((await check(unlinked)).violations, [NOT_MONITORED]);
    });
  });

  it("requires data capture in the endpoint configuration the endpoint uses", async () => {
    const off = await check(
      prodWith((r) => {
        props(r, ENDPOINT_CONFIGURATION_TYPE, CONFIG).dataCaptureConfig.enableCapture = false;
      }),
    );
    assert.deepEqual(off.violations, [
      `Endpoint "${ENDPOINT}": its endpoint configuration "${CONFIG}" does not capture data (dataCaptureConfig.enableCapture is false); enable capture so that its traffic can be checked for drift against the baseline.`,
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
      return without(PIPELINE_TYPE, DRIFT)(r);
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
    const unmonitored = () => prodWith(without(PIPELINE_TYPE, DRIFT));
    it("set aside an endpoint's finding while in force", async () => {
      const waivers = [{ resource: ENDPOINT, reason: "serverless endpoint", expires: "2026-12-31" }];
      assert.deepEqual(await check(unmonitored(), { waivers }), NONE);
    });
    it("add the expiry to the finding once expired", async () => {
      const waivers = [{ resource: ENDPOINT_URN, reason: "serverless endpoint", expires: "2026-11-21" }];
      assert.deepEqual((await check(unmonitored(), { waivers })).violations, [
        `${NOT_MONITORED} (The waiver for "${ENDPOINT_URN}" expired on 2026-11-21: serverless endpoint.)`,
      ]);
    });
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
