import assert from "node:assert/strict";
import {
  checksDrift,
  configurationsOf,
  DATA_QUALITY_JOB_DEFINITION_TYPE,
  driftCheckedEndpoints,
  ENDPOINT_CONFIGURATION_TYPE,
  ENDPOINT_TYPE,
  jobVolumeKeyRequired,
  MONITORING_SCHEDULE_TYPE,
  monitors,
  PIPELINE_TYPE,
  SCHEDULE_TYPE,
  startsPipeline,
  volumeKeyNeed,
} from "../../../policies/lib/sagemakerResources";
import { ofTypes, stackItems, UNKNOWN } from "../../../policies/lib/sagemakerValues";
import { policyResources, StackResourceInput, UNKNOWN as SENTINEL } from "../../helpers/policyArgs";
import { checkDriftStep, driftDefinition, StepJson } from "../rules/driftFixtures";

const variant = (instanceType: unknown) => ({ variantName: "v", instanceType, initialInstanceCount: 1 });
const serverless = { variantName: "s", serverlessConfig: { memorySizeInMb: 2048, maxConcurrency: 5 } };

describe("SageMaker resources (lib/sagemakerResources)", () => {
  describe("volumeKeyNeed", () => {
    it("asks for a key when an instance-based variant has an EBS volume", () => {
      assert.deepEqual(volumeKeyNeed({ productionVariants: [variant("ml.m5.large")] }), {
        required: true,
        instanceTypes: ["ml.m5.large"],
      });
      // Shadow variants run on instances too.
      assert.equal(
        volumeKeyNeed({
          productionVariants: [serverless],
          shadowProductionVariants: [variant("ml.c5.xlarge")],
        }).required,
        true,
      );
    });

    it("does not ask for one without volumes, or where SageMaker refuses it (local NVMe storage)", () => {
      assert.equal(volumeKeyNeed({ productionVariants: [serverless] }).required, false);
      assert.equal(volumeKeyNeed({}).required, false);
      assert.equal(volumeKeyNeed({ productionVariants: [variant("ml.g5.xlarge")] }).required, false);
      assert.equal(volumeKeyNeed({ productionVariants: [variant("ml.m5d.large")] }).required, false);
      // One NVMe variant is enough for SageMaker to refuse a key for the whole configuration.
      assert.equal(
        volumeKeyNeed({ productionVariants: [variant("ml.m5.large"), variant("ml.g5.xlarge")] }).required,
        false,
      );
    });

    it("cannot tell while a variant list, kind or instance type is unknown", () => {
      assert.equal(volumeKeyNeed({ productionVariants: UNKNOWN }).required, UNKNOWN);
      assert.equal(volumeKeyNeed({ productionVariants: [variant(UNKNOWN)] }).required, UNKNOWN);
      assert.equal(volumeKeyNeed({ productionVariants: [{ serverlessConfig: UNKNOWN }] }).required, UNKNOWN);
    });
  });

  it("jobVolumeKeyRequired: every processing instance type but those with local NVMe storage", () => {
    assert.deepEqual(
      ["ml.m5.large", "ml.m5d.xlarge", "ml.g5.xlarge", undefined, UNKNOWN].map(jobVolumeKeyRequired),
      [true, false, false, true, UNKNOWN],
    );
  });

  describe("links between endpoints, configurations, job definitions and schedules", () => {
    /** An endpoint with its configuration, a data-quality job and its schedule, names as given. */
    const stack = (names: {
      configName: unknown;
      endpointConfigName: unknown;
      jobName: unknown;
      scheduleJobName: unknown;
      jobEndpointName: unknown;
    }): StackResourceInput[] => [
      { type: ENDPOINT_CONFIGURATION_TYPE, name: "config", props: { name: names.configName } },
      {
        type: ENDPOINT_TYPE,
        name: "endpoint",
        props: { name: "endpoint", endpointConfigName: names.endpointConfigName },
        dependencies: ["config"],
      },
      {
        type: DATA_QUALITY_JOB_DEFINITION_TYPE,
        name: "job",
        props: {
          name: names.jobName,
          dataQualityJobInput: { endpointInput: { endpointName: names.jobEndpointName } },
        },
        dependencies: ["endpoint"],
      },
      {
        type: MONITORING_SCHEDULE_TYPE,
        name: "schedule",
        props: { monitoringScheduleConfig: { monitoringJobDefinitionName: names.scheduleJobName } },
        dependencies: ["job"],
      },
    ];
    const view = (inputs: StackResourceInput[]) => {
      const items = stackItems(policyResources(inputs));
      const [configurations, [endpoint], jobs, [schedule]] = [
        ENDPOINT_CONFIGURATION_TYPE,
        ENDPOINT_TYPE,
        DATA_QUALITY_JOB_DEFINITION_TYPE,
        MONITORING_SCHEDULE_TYPE,
      ].map((type) => ofTypes(items, [type]));
      return {
        configurations: configurationsOf(endpoint, configurations).map((c) => c.resource.name),
        monitored: monitors(schedule, endpoint, jobs),
      };
    };
    const known = {
      configName: "config-1",
      endpointConfigName: "config-1",
      jobName: "job-1",
      scheduleJobName: "job-1",
      jobEndpointName: "endpoint",
    };

    it("follow names when they are known", () => {
      assert.deepEqual(view(stack(known)), { configurations: ["config"], monitored: true });
      assert.deepEqual(view(stack({ ...known, endpointConfigName: "other", jobEndpointName: "other" })), {
        configurations: [],
        monitored: false,
      });
      assert.equal(view(stack({ ...known, scheduleJobName: "other-job" })).monitored, false);
    });

    it("follow dependencies while names are unknown (auto-named resources during preview)", () => {
      const preview = stack({
        configName: SENTINEL.string,
        endpointConfigName: SENTINEL.string,
        jobName: SENTINEL.string,
        scheduleJobName: SENTINEL.string,
        jobEndpointName: SENTINEL.string,
      });
      assert.deepEqual(view(preview), { configurations: ["config"], monitored: true });
      const unlinked = preview.map((input) => ({ ...input, dependencies: [] }));
      assert.deepEqual(view(unlinked), { configurations: [], monitored: false });
    });

    it("find the endpoint in a schedule's inline job definition", () => {
      const inline = (endpointName: unknown, dependencies: string[] = []): StackResourceInput => ({
        type: MONITORING_SCHEDULE_TYPE,
        name: "schedule",
        props: {
          monitoringScheduleConfig: {
            monitoringJobDefinition: { monitoringInputs: { endpointInput: { endpointName } } },
          },
        },
        dependencies,
      });
      const base = stack({ ...known, jobEndpointName: "other" }).slice(0, 3);
      assert.equal(view([...base, inline("endpoint")]).monitored, true);
      assert.equal(view([...base, inline("other")]).monitored, false);
      assert.equal(view([...base, inline(SENTINEL.string, ["endpoint"])]).monitored, true);
      assert.equal(view([...base, inline(SENTINEL.string)]).monitored, false);
    });
  });

  describe("drift check pipelines and their schedules", () => {
    const START = "arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution";
    /** An endpoint, a drift check pipeline of `definition`, and a schedule with `target` (and `state`). */
    const stack = (
      definition: unknown,
      target: Record<string, unknown>,
      options: { state?: string; endpointName?: unknown; dependencies?: boolean } = {},
    ): StackResourceInput[] => [
      {
        type: ENDPOINT_TYPE,
        name: "endpoint",
        props: { name: options.endpointName ?? "mlops-staging-diagnosis" },
      },
      {
        type: PIPELINE_TYPE,
        name: "check",
        props: { pipelineName: "mlops-staging-diagnosis-drift", pipelineDefinition: definition },
        dependencies: options.dependencies === false ? [] : ["endpoint"],
      },
      {
        type: SCHEDULE_TYPE,
        name: "check",
        props: { name: "mlops-staging-diagnosis-drift", state: options.state ?? "ENABLED", target },
        dependencies: options.dependencies === false ? [] : ["check"],
      },
    ];
    const input = (pipelineName: string) =>
      JSON.stringify({ PipelineName: pipelineName, PipelineParameters: [] });
    const target = {
      arn: START,
      roleArn: "arn:aws:iam::123456789012:role/r",
      input: input("mlops-staging-diagnosis-drift"),
    };
    /** What the links make of a stack: the endpoints the pipeline checks, and whether it checks and is started. */
    const view = (inputs: StackResourceInput[]) => {
      const items = stackItems(policyResources(inputs));
      const [endpoint, pipeline, schedule] = [ENDPOINT_TYPE, PIPELINE_TYPE, SCHEDULE_TYPE].map(
        (type) => ofTypes(items, [type])[0] ?? assert.fail(type),
      );
      return {
        endpoints: driftCheckedEndpoints(pipeline),
        checks: checksDrift(pipeline, endpoint),
        started: startsPipeline(schedule, pipeline),
      };
    };

    it("find the endpoint of a Processing step that runs drift_check.py, inside Condition steps too", () => {
      assert.deepEqual(view(stack(driftDefinition(), target)), {
        endpoints: ["mlops-staging-diagnosis"],
        checks: true,
        started: true,
      });
      // Another script, another step type, or no --endpoint: no drift check.
      for (const edit of [
        (args: StepJson["Arguments"]) =>
          (args.AppSpecification.ContainerEntrypoint = ["python3", "/code/evaluate.py"]),
        (args: StepJson["Arguments"]) =>
          (args.AppSpecification.ContainerArguments = ["--window-hours", "24"]),
      ]) {
        const definition = driftDefinition((d) => edit(checkDriftStep(d).Arguments));
        assert.deepEqual(view(stack(definition, target)).endpoints, [], edit.toString());
      }
      const training = driftDefinition((d) => (checkDriftStep(d).Type = "Training"));
      assert.deepEqual(view(stack(training, target)).endpoints, []);
      for (const text of ["{", '{"Steps": {}}', 7]) {
        assert.deepEqual(view(stack(text, target)).endpoints, [], String(text));
      }
    });

    it("follow dependencies while the definition or the endpoint's name is unknown", () => {
      assert.deepEqual(view(stack(SENTINEL.string, target)), {
        endpoints: UNKNOWN,
        checks: true,
        started: true,
      });
      assert.equal(view(stack(SENTINEL.string, target, { dependencies: false })).checks, false);
      const unnamed = { endpointName: SENTINEL.string };
      assert.equal(view(stack(driftDefinition(), target, unnamed)).checks, true);
      assert.equal(view(stack(driftDefinition(), target, { ...unnamed, dependencies: false })).checks, false);
      // A known name decides: another endpoint is not checked whatever the dependencies.
      assert.equal(view(stack(driftDefinition(), target, { endpointName: "other" })).checks, false);
    });

    it("start the pipeline from an enabled schedule of the universal target, by name or ARN", () => {
      const started = (
        t: Record<string, unknown>,
        options: { state?: string; dependencies?: boolean } = {},
      ) => view(stack(driftDefinition(), t, options)).started;
      assert.equal(
        started({ ...target, arn: "arn:aws-cn:scheduler:::aws-sdk:sagemaker:startPipelineExecution" }),
        true,
      );
      assert.equal(started(target, { state: "DISABLED" }), false);
      assert.equal(started({ ...target, arn: "arn:aws:sqs:us-east-1:123456789012:queue" }), false);
      assert.equal(started({ ...target, input: input("other") }), false);
      assert.equal(started({ ...target, input: "not json" }), false);
      assert.equal(started({ ...target, input: undefined }), false);
      // During preview: an unknown input or target follows the schedule's dependency on the pipeline.
      assert.equal(started({ ...target, input: SENTINEL.string }), true);
      assert.equal(started({ ...target, input: SENTINEL.string }, { dependencies: false }), false);
      assert.equal(started({ ...target, arn: SENTINEL.string }), true);
      assert.equal(started(target, { state: SENTINEL.string }), true);
    });
  });
});
