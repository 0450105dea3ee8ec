import assert from "node:assert/strict";
import { buildPipelineDefinition } from "../../../components/pipeline/definition";
import {
  DATA_QUALITY_JOB_DEFINITION_TYPE,
  MONITORING_SCHEDULE_TYPE,
} from "../../../policies/lib/sagemakerResources";
import { requireSagemakerNetworkIsolation as rule } from "../../../policies/rules/require-sagemaker-network-isolation";
import { definitionInput } from "../../helpers/definitionInput";
import { checkResource, StackResourceInput, UNKNOWN, usePolicyDay } from "../../helpers/policyArgs";
import { modelMonitorStacks, programStacks, propsOfType } from "../../helpers/programStacks";
import { checkDriftStep, driftPipelineProps, PIPELINE_TYPE, StepJson } from "./driftFixtures";
import { batchPipelineProps, findStep, transformStep } from "./pipelineSteps";

const MODEL = "aws:sagemaker/model:Model";
const NOTHING = { violations: [], unknown: [] };

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Violations and the engine's advisory (the other types' validations are not applicable). */
async function findings(outcome: Promise<{ violations: string[]; unknown: string[] }>) {
  const { violations, unknown } = await outcome;
  return { violations, unknown };
}

describe("require-sagemaker-network-isolation", () => {
  let staging: readonly StackResourceInput[] = [];
  let stacks: readonly StackResourceInput[] = [];
  before(async () => {
    const shipped = await programStacks();
    // The shipped stacks check drift with the drift check; Model Monitor's resources come from both
    // stacks with monitoring.engine model-monitor.
    const modelMonitor = await modelMonitorStacks();
    staging = modelMonitor.staging;
    stacks = [...shipped.staging, ...shipped.prod, ...modelMonitor.staging, ...modelMonitor.prod];
  });
  usePolicyDay("2026-11-22");

  /** A copy of the props of the (Model Monitor) staging resource of that type (there is one of each). */
  const stagingProps = (type: string): Props => propsOfType(staging, type);
  const check = (type: string, props: Props, config?: Record<string, unknown>) =>
    findings(checkResource(rule, type, props, { name: "subject", config }));

  it("passes the models, monitoring jobs and pipelines the stacks create with either engine", async () => {
    const types = [MODEL, DATA_QUALITY_JOB_DEFINITION_TYPE, MONITORING_SCHEDULE_TYPE, PIPELINE_TYPE];
    const checked: Record<string, number> = {};
    for (const resource of stacks.filter((r) => types.includes(r.type))) {
      const outcome = checkResource(rule, resource.type, resource.props, { name: resource.name });
      assert.deepEqual(await findings(outcome), NOTHING, resource.name);
      checked[resource.type] = (checked[resource.type] ?? 0) + 1;
    }
    // Staging's model-build pipeline twice, a drift check pipeline per shipped stack, and a batch
    // inference pipeline in each of the four.
    assert.deepEqual(checked, {
      // The endpoint's model and batch inference's, in each of the four stacks.
      [MODEL]: 8,
      [DATA_QUALITY_JOB_DEFINITION_TYPE]: 2,
      [MONITORING_SCHEDULE_TYPE]: 2,
      [PIPELINE_TYPE]: 8,
    });
  });

  it("requires network isolation of models, and says how to set aside a serverless model", async () => {
    const props = stagingProps(MODEL);
    props.enableNetworkIsolation = false;
    assert.deepEqual((await check(MODEL, props)).violations, [
      'Model "subject": enableNetworkIsolation is false; set it to true so that the container cannot make outbound network calls, or, for a model served only by serverless variants, waive it in the pack config.',
    ]);
    delete props.enableNetworkIsolation;
    assert.deepEqual((await check(MODEL, props)).violations, [
      'Model "subject": enableNetworkIsolation is undefined; set it to true so that the container cannot make outbound network calls, or, for a model served only by serverless variants, waive it in the pack config.',
    ]);
  });

  it("requires isolation and encrypted inter-container traffic of data-quality jobs", async () => {
    const props = stagingProps(DATA_QUALITY_JOB_DEFINITION_TYPE);
    props.networkConfig.enableInterContainerTrafficEncryption = false;
    assert.deepEqual((await check(DATA_QUALITY_JOB_DEFINITION_TYPE, props)).violations, [
      'Data-quality job definition "subject": networkConfig.enableInterContainerTrafficEncryption is false; set it to true so that traffic between the job\'s instances is encrypted.',
    ]);
    delete props.networkConfig;
    assert.equal((await check(DATA_QUALITY_JOB_DEFINITION_TYPE, props)).violations.length, 2);
  });

  it("checks a schedule's inline job definition, and leaves schedules of named definitions to those", async () => {
    const inline: Props = {
      monitoringScheduleConfig: {
        monitoringType: "DataQuality",
        monitoringJobDefinition: { roleArn: "arn:aws:iam::123456789012:role/monitor" },
      },
    };
    const outcome = await check(MONITORING_SCHEDULE_TYPE, inline);
    assert.equal(outcome.violations.length, 2);
    assert.equal(
      outcome.violations[0],
      'Monitoring schedule "subject": monitoringScheduleConfig.monitoringJobDefinition.networkConfig.enableNetworkIsolation is undefined; set it to true so that the container cannot make outbound network calls.',
    );
    inline.monitoringScheduleConfig.monitoringJobDefinition.networkConfig = {
      enableNetworkIsolation: true,
      enableInterContainerTrafficEncryption: true,
    };
    assert.deepEqual(await check(MONITORING_SCHEDULE_TYPE, inline), NOTHING);
  });

  describe("pipelines", () => {
    const checkDrift = (edit: (step: StepJson) => void) => driftPipelineProps((d) => edit(checkDriftStep(d)));

    it("pass the drift check's definition, whose Lambda steps run no job", async () => {
      assert.deepEqual(await check(PIPELINE_TYPE, driftPipelineProps()), NOTHING);
    });

    it("require isolation of a Processing step inside a Condition step's IfSteps", async () => {
      const props = checkDrift((step) => {
        step.Arguments.NetworkConfig.EnableNetworkIsolation = false;
      });
      assert.deepEqual(await check(PIPELINE_TYPE, props), {
        violations: [
          'Pipeline "subject", step "CheckDrift": NetworkConfig.EnableNetworkIsolation is false; set it to true so that the container cannot make outbound network calls.',
        ],
        unknown: [],
      });
      // A parameter would let an execution turn it off; a missing NetworkConfig has neither flag.
      const parameter = checkDrift((step) => {
        step.Arguments.NetworkConfig.EnableInterContainerTrafficEncryption = { Get: "Parameters.Encrypt" };
      });
      assert.deepEqual((await check(PIPELINE_TYPE, parameter)).violations, [
        'Pipeline "subject", step "CheckDrift": NetworkConfig.EnableInterContainerTrafficEncryption is {"Get":"Parameters.Encrypt"}; set it to true so that traffic between the job\'s instances is encrypted.',
      ]);
      const none = checkDrift((step) => delete step.Arguments.NetworkConfig);
      assert.equal((await check(PIPELINE_TYPE, none)).violations.length, 2);
    });

    it("judge the model-build pipeline's training step too", async () => {
      const definition = JSON.parse(JSON.stringify(buildPipelineDefinition(definitionInput())));
      const props = () => ({ pipelineName: "p", pipelineDefinition: JSON.stringify(definition) });
      assert.deepEqual(await check(PIPELINE_TYPE, props()), NOTHING);
      const train = findStep(definition.Steps as StepJson[], "Train");
      delete train?.Arguments.EnableNetworkIsolation;
      assert.deepEqual((await check(PIPELINE_TYPE, props())).violations, [
        'Pipeline "subject", step "Train": EnableNetworkIsolation is undefined; set it to true so that the container cannot make outbound network calls.',
      ]);
    });

    it("judge the batch pipeline's processing steps, and leave its Transform step to require-transform-model-isolation", async () => {
      assert.deepEqual(await check(PIPELINE_TYPE, batchPipelineProps()), NOTHING);
      const open = batchPipelineProps((d) => {
        const summarize = findStep(d.Steps, "Summarize") ?? assert.fail("no Summarize step");
        summarize.Arguments.NetworkConfig.EnableNetworkIsolation = false;
        // A transform job has no isolation flag: one written into its request is not what isolates it.
        transformStep(d).Arguments.EnableNetworkIsolation = false;
      });
      assert.deepEqual((await check(PIPELINE_TYPE, open)).violations, [
        'Pipeline "subject", step "Summarize": NetworkConfig.EnableNetworkIsolation is false; set it to true so that the container cannot make outbound network calls.',
      ]);
    });

    it("report a definition that is not one, skip one kept in S3, and defer an unknown one", async () => {
      const invalid = await check(PIPELINE_TYPE, { pipelineName: "p", pipelineDefinition: "{" });
      assert.deepEqual(invalid.unknown, []);
      assert.equal(invalid.violations.length, 1);
      assert.match(
        invalid.violations[0],
        /^Pipeline "subject": the pipeline definition is not valid JSON \(.+\); the network isolation of its jobs cannot be checked\.$/,
      );
      const s3 = { pipelineName: "p", pipelineDefinitionS3Location: { bucket: "b", objectKey: "k" } };
      assert.deepEqual(await check(PIPELINE_TYPE, s3), NOTHING);
      assert.deepEqual(
        await check(PIPELINE_TYPE, { pipelineName: "p", pipelineDefinition: UNKNOWN.string }),
        {
          violations: [],
          unknown: [
            "can't run during preview: string value at .pipelineDefinition can't be known during preview",
          ],
        },
      );
    });
  });

  describe("waivers", () => {
    const props = () => ({ ...stagingProps(MODEL), enableNetworkIsolation: false });
    it("set aside a serverless model's finding while in force", async () => {
      const waivers = [{ resource: "subject", reason: "serverless variant", expires: "2026-12-31" }];
      assert.deepEqual(await check(MODEL, props(), { waivers }), NOTHING);
    });
    it("add the expiry to the finding once expired", async () => {
      const waivers = [{ resource: "subject", reason: "serverless variant", expires: "2026-11-21" }];
      const [message] = (await check(MODEL, props(), { waivers })).violations;
      assert.ok(
        message.endsWith(
          'waive it in the pack config. (The waiver for "subject" expired on 2026-11-21: serverless variant.)',
        ),
        message,
      );
    });
  });

  describe("during preview", () => {
    it("gives the engine's advisory for an unknown flag, after reporting the known ones", async () => {
      const model = { ...stagingProps(MODEL), enableNetworkIsolation: UNKNOWN.boolean };
      assert.deepEqual(await check(MODEL, model), {
        violations: [],
        unknown: [
          "can't run during preview: boolean value at .enableNetworkIsolation can't be known during preview",
        ],
      });
      const job = stagingProps(DATA_QUALITY_JOB_DEFINITION_TYPE);
      job.networkConfig = {
        enableNetworkIsolation: UNKNOWN.boolean,
        enableInterContainerTrafficEncryption: false,
      };
      const outcome = await check(DATA_QUALITY_JOB_DEFINITION_TYPE, job);
      assert.equal(outcome.violations.length, 1);
      assert.deepEqual(outcome.unknown, [
        "can't run during preview: boolean value at .networkConfig.enableNetworkIsolation can't be known during preview",
      ]);
    });

    it("is not held up by unknown values elsewhere (the program's own preview values)", async () => {
      const job = stagingProps(DATA_QUALITY_JOB_DEFINITION_TYPE);
      job.roleArn = UNKNOWN.string;
      job.dataQualityJobInput = UNKNOWN.object;
      const schedule = stagingProps(MONITORING_SCHEDULE_TYPE);
      schedule.monitoringScheduleConfig.monitoringJobDefinitionName = UNKNOWN.string;
      assert.deepEqual(await check(DATA_QUALITY_JOB_DEFINITION_TYPE, job), NOTHING);
      assert.deepEqual(await check(MONITORING_SCHEDULE_TYPE, schedule), NOTHING);
    });
  });
});
