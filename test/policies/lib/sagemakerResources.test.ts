import assert from "node:assert/strict";
import {
  configurationsOf,
  DATA_QUALITY_JOB_DEFINITION_TYPE,
  ENDPOINT_CONFIGURATION_TYPE,
  ENDPOINT_TYPE,
  jobVolumeKeyRequired,
  MONITORING_SCHEDULE_TYPE,
  monitors,
  volumeKeyNeed,
} from "../../../policies/lib/sagemakerResources";
import { ofTypes, stackItems, UNKNOWN } from "../../../policies/lib/sagemakerValues";
import { policyResources, StackResourceInput, UNKNOWN as SENTINEL } from "../../helpers/policyArgs";

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
});
