import assert from "node:assert/strict";
import { buildPipelineDefinition } from "../../../components/pipeline/definition";
import {
  DATA_QUALITY_JOB_DEFINITION_TYPE,
  ENDPOINT_CONFIGURATION_TYPE,
  MONITORING_SCHEDULE_TYPE,
} from "../../../policies/lib/sagemakerResources";
import { requireSagemakerKmsEncryption as rule } from "../../../policies/rules/require-sagemaker-kms-encryption";
import { definitionInput } from "../../helpers/definitionInput";
import { checkResource, StackResourceInput, UNKNOWN, usePolicyDay } from "../../helpers/policyArgs";
import { modelMonitorStacks, programStacks, propsOfType } from "../../helpers/programStacks";
import { checkDriftStep, driftPipelineProps, PIPELINE_TYPE, StepJson } from "./driftFixtures";
import { batchPipelineProps, findStep, transformStep } from "./pipelineSteps";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/56ad7cdb-b056-cfe0-a245-1f69d7e9a113";
const TYPES = [
  ENDPOINT_CONFIGURATION_TYPE,
  DATA_QUALITY_JOB_DEFINITION_TYPE,
  MONITORING_SCHEDULE_TYPE,
  PIPELINE_TYPE,
];

const NOTHING = { violations: [], unknown: [] };

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("require-sagemaker-kms-encryption", () => {
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
  const config = () => stagingProps(ENDPOINT_CONFIGURATION_TYPE);
  const job = () => stagingProps(DATA_QUALITY_JOB_DEFINITION_TYPE);
  /** Violations and the engine's advisory: other types' validations are not applicable, as expected. */
  const findings = async (outcome: Promise<{ violations: string[]; unknown: string[] }>) => {
    const { violations, unknown } = await outcome;
    return { violations, unknown };
  };
  const check = (type: string, props: Props, ruleConfig?: Record<string, unknown>) =>
    checkResource(rule, type, props, { name: "subject", config: ruleConfig });

  it("passes the endpoint configurations, monitoring jobs and pipelines the stacks create with either engine", async () => {
    const checked: Record<string, number> = {};
    for (const resource of stacks.filter((r) => TYPES.includes(r.type))) {
      const outcome = checkResource(rule, resource.type, resource.props, { name: resource.name });
      assert.deepEqual(await findings(outcome), NOTHING, resource.name);
      checked[resource.type] = (checked[resource.type] ?? 0) + 1;
    }
    // Staging's model-build pipeline twice, a drift check pipeline per shipped stack, and a batch
    // inference pipeline in each of the four.
    assert.deepEqual(checked, {
      [ENDPOINT_CONFIGURATION_TYPE]: 4,
      [DATA_QUALITY_JOB_DEFINITION_TYPE]: 2,
      [MONITORING_SCHEDULE_TYPE]: 2,
      [PIPELINE_TYPE]: 8,
    });
  });

  it("applies to these four types only", async () => {
    const outcome = await check("aws:sagemaker/model:Model", {});
    assert.deepEqual(outcome.notApplicable, [
      `Policy only applies to resources of types ${TYPES.map((type) => `'${type}'`).join(", ")}`,
    ]);
    assert.deepEqual(outcome.violations, []);
  });

  describe("endpoint configurations", () => {
    it("require kmsKeyArn for the instances' storage volumes", async () => {
      const props = config();
      delete props.kmsKeyArn;
      assert.deepEqual((await check(ENDPOINT_CONFIGURATION_TYPE, props)).violations, [
        'Endpoint configuration "subject": kmsKeyArn is not set (instance types ["ml.t2.medium"]); set it to the platform\'s KMS key ARN so that SageMaker encrypts the storage volume of each instance with a key the platform controls.',
      ]);
      props.kmsKeyArn = "";
      assert.equal((await check(ENDPOINT_CONFIGURATION_TYPE, props)).violations.length, 1);
      // A shadow variant on instances has a volume too.
      props.productionVariants = [
        { variantName: "s", serverlessConfig: { memorySizeInMb: 2048, maxConcurrency: 1 } },
      ];
      props.shadowProductionVariants = [{ variantName: "shadow", instanceType: "ml.m5.large" }];
      assert.equal((await check(ENDPOINT_CONFIGURATION_TYPE, props)).violations.length, 1);
    });

    it("do not ask for kmsKeyArn without volumes, or with a local-NVMe instance type SageMaker refuses a key for", async () => {
      const props = config();
      delete props.kmsKeyArn;
      props.productionVariants = [
        { variantName: "s", serverlessConfig: { memorySizeInMb: 2048, maxConcurrency: 1 } },
      ];
      assert.deepEqual((await check(ENDPOINT_CONFIGURATION_TYPE, props)).violations, []);
      for (const types of [["ml.g5.xlarge"], ["ml.m5d.large"], ["ml.m5.large", "ml.g4dn.xlarge"]]) {
        props.productionVariants = types.map((instanceType, index) => ({
          variantName: `v${index}`,
          instanceType,
        }));
        assert.deepEqual((await check(ENDPOINT_CONFIGURATION_TYPE, props)).violations, [], types.join());
      }
    });

    it("require a key for captured data while capture is on", async () => {
      const props = config();
      delete props.dataCaptureConfig.kmsKeyId;
      assert.deepEqual((await check(ENDPOINT_CONFIGURATION_TYPE, props)).violations, [
        'Endpoint configuration "subject": dataCaptureConfig.kmsKeyId is not set while data capture is on; set it to the platform\'s KMS key ARN so that SageMaker encrypts captured requests and responses with a key the platform controls.',
      ]);
      props.dataCaptureConfig.enableCapture = false;
      assert.deepEqual((await check(ENDPOINT_CONFIGURATION_TYPE, props)).violations, []);
      delete props.dataCaptureConfig;
      assert.deepEqual((await check(ENDPOINT_CONFIGURATION_TYPE, props)).violations, []);
    });

    it("require a key for asynchronous inference output", async () => {
      const props = config();
      props.asyncInferenceConfig = { outputConfig: { s3OutputPath: "s3://bucket/async" } };
      assert.deepEqual((await check(ENDPOINT_CONFIGURATION_TYPE, props)).violations, [
        'Endpoint configuration "subject": asyncInferenceConfig.outputConfig.kmsKeyId is not set; set it to the platform\'s KMS key ARN so that SageMaker encrypts asynchronous inference output with a key the platform controls.',
      ]);
      props.asyncInferenceConfig.outputConfig.kmsKeyId = KEY;
      assert.deepEqual((await check(ENDPOINT_CONFIGURATION_TYPE, props)).violations, []);
    });
  });

  describe("monitoring jobs", () => {
    it("require keys for a data-quality job's reports and volume", async () => {
      const props = job();
      delete props.dataQualityJobOutputConfig.kmsKeyId;
      delete props.jobResources.clusterConfig.volumeKmsKeyId;
      assert.deepEqual((await check(DATA_QUALITY_JOB_DEFINITION_TYPE, props)).violations, [
        'Data-quality job definition "subject": dataQualityJobOutputConfig.kmsKeyId is not set; set it to the platform\'s KMS key ARN so that SageMaker encrypts each monitoring report with a key the platform controls.',
        'Data-quality job definition "subject": jobResources.clusterConfig.volumeKmsKeyId is not set (instance type "ml.m5.large"); set it to the platform\'s KMS key ARN so that SageMaker encrypts the job\'s storage volume with a key the platform controls.',
      ]);
      // SageMaker refuses a volume key on instances with local NVMe storage.
      props.jobResources.clusterConfig.instanceType = "ml.m5d.xlarge";
      assert.equal((await check(DATA_QUALITY_JOB_DEFINITION_TYPE, props)).violations.length, 1);
    });

    it("check a schedule's inline job definition, and leave schedules of named definitions to those", async () => {
      const schedule = stagingProps(MONITORING_SCHEDULE_TYPE);
      assert.equal(schedule.monitoringScheduleConfig.monitoringJobDefinition, undefined);
      const definition = {
        roleArn: "arn:aws:iam::123456789012:role/monitor",
        monitoringAppSpecification: { imageUri: "analyzer" },
        monitoringInputs: { endpointInput: { endpointName: "e", localPath: "/opt/ml/processing/input" } },
        monitoringOutputConfig: {
          monitoringOutputs: { s3Output: { s3Uri: "s3://b/m", localPath: "/opt/ml/processing/output" } },
        },
        monitoringResources: {
          clusterConfig: { instanceCount: 1, instanceType: "ml.m5.large", volumeSizeInGb: 20 },
        },
      };
      const inline: Props = {
        monitoringScheduleConfig: { monitoringType: "DataQuality", monitoringJobDefinition: definition },
      };
      const outcome = await check(MONITORING_SCHEDULE_TYPE, inline);
      assert.equal(outcome.violations.length, 2);
      assert.equal(
        outcome.violations[0],
        'Monitoring schedule "subject": monitoringScheduleConfig.monitoringJobDefinition.monitoringOutputConfig.kmsKeyId is not set; set it to the platform\'s KMS key ARN so that SageMaker encrypts each monitoring report with a key the platform controls.',
      );
      definition.monitoringOutputConfig = { ...definition.monitoringOutputConfig, kmsKeyId: KEY } as never;
      definition.monitoringResources.clusterConfig = {
        ...definition.monitoringResources.clusterConfig,
        volumeKmsKeyId: KEY,
      } as never;
      assert.deepEqual((await check(MONITORING_SCHEDULE_TYPE, inline)).violations, []);
    });
  });

  describe("pipelines", () => {
    const drift = (edit?: Parameters<typeof driftPipelineProps>[0]) => driftPipelineProps(edit);
    const checkDrift = (edit: (step: StepJson) => void) => drift((d) => edit(checkDriftStep(d)));

    it("pass the drift check's definition, whose Lambda steps run no job", async () => {
      assert.deepEqual(await findings(check(PIPELINE_TYPE, drift())), NOTHING);
    });

    it("require the volume key of a Processing step inside a Condition step's IfSteps", async () => {
      const props = checkDrift(
        (step) => delete step.Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId,
      );
      assert.deepEqual(await findings(check(PIPELINE_TYPE, props)), {
        violations: [
          'Pipeline "subject", step "CheckDrift": ProcessingResources.ClusterConfig.VolumeKmsKeyId is not set (instance type "ml.m5.large"); set it to the platform\'s KMS key ARN so that SageMaker encrypts the job\'s storage volume with a key the platform controls.',
        ],
        unknown: [],
      });
      // SageMaker refuses a volume key on instances with local NVMe storage.
      const nvme = checkDrift((step) => {
        delete step.Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId;
        step.Arguments.ProcessingResources.ClusterConfig.InstanceType = "ml.m5d.xlarge";
      });
      assert.deepEqual((await check(PIPELINE_TYPE, nvme)).violations, []);
    });

    it("require the key of a Processing step's outputs, in ElseSteps too", async () => {
      const props = drift((d) => {
        const step = checkDriftStep(d);
        delete step.Arguments.ProcessingOutputConfig.KmsKeyId;
        const condition = d.Steps.find((s) => s.Name === "HasTraffic");
        condition?.Arguments.ElseSteps.push({ ...step, Name: "CheckAnyway" });
      });
      assert.deepEqual((await check(PIPELINE_TYPE, props)).violations, [
        'Pipeline "subject", step "CheckDrift": ProcessingOutputConfig.KmsKeyId is not set; set it to the platform\'s KMS key ARN so that SageMaker encrypts the job\'s outputs with a key the platform controls.',
        'Pipeline "subject", step "CheckAnyway": ProcessingOutputConfig.KmsKeyId is not set; set it to the platform\'s KMS key ARN so that SageMaker encrypts the job\'s outputs with a key the platform controls.',
      ]);
    });

    it("judge the model-build pipeline's processing and training steps, by their parameters' defaults", async () => {
      const build = (edit: (steps: StepJson[]) => void = () => undefined) => {
        const definition = JSON.parse(JSON.stringify(buildPipelineDefinition(definitionInput())));
        edit(definition.Steps);
        return { pipelineName: "mlops-staging-diagnosis", pipelineDefinition: JSON.stringify(definition) };
      };
      assert.deepEqual(await findings(check(PIPELINE_TYPE, build())), NOTHING);
      const step = (steps: StepJson[], name: string) =>
        findStep(steps, name) ?? assert.fail(`no step ${name}`);
      const outcome = await check(
        PIPELINE_TYPE,
        build((steps) => {
          delete step(steps, "Preprocess").Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId;
          delete step(steps, "Train").Arguments.OutputDataConfig.KmsKeyId;
        }),
      );
      assert.deepEqual(outcome.violations, [
        'Pipeline "subject", step "Preprocess": ProcessingResources.ClusterConfig.VolumeKmsKeyId is not set (instance type: parameter "ProcessingInstanceType", default "ml.t3.medium"); set it to the platform\'s KMS key ARN so that SageMaker encrypts the job\'s storage volume with a key the platform controls.',
        'Pipeline "subject", step "Train": OutputDataConfig.KmsKeyId is not set; set it to the platform\'s KMS key ARN so that SageMaker encrypts the model artifacts with a key the platform controls.',
      ]);
    });

    describe("Transform steps", () => {
      /** A batch transform step as the SageMaker Python SDK writes one (a CreateTransformJob request). */
      const transform = (): StepJson => ({
        Name: "BatchScore",
        Type: "Transform",
        Arguments: {
          ModelName: "mlops-staging-diagnosis",
          TransformInput: {
            DataSource: {
              S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://mlops-staging-data/batch/in" },
            },
            ContentType: "text/csv",
          },
          TransformOutput: { S3OutputPath: "s3://mlops-staging-data/batch/out", KmsKeyId: KEY },
          TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeKmsKeyId: KEY },
        },
      });
      const withStep = (edit: (step: StepJson) => void) =>
        drift((d) => {
          const step = transform();
          edit(step);
          d.Steps.push(step);
        });

      it("pass with the keys of the volume and the outputs", async () => {
        assert.deepEqual(
          await findings(
            check(
              PIPELINE_TYPE,
              withStep(() => undefined),
            ),
          ),
          NOTHING,
        );
      });

      it("pass the batch pipeline's steps as the component builds them, and require the Score step's keys", async () => {
        assert.deepEqual(await findings(check(PIPELINE_TYPE, batchPipelineProps())), NOTHING);
        const keyless = batchPipelineProps((d) => {
          delete transformStep(d).Arguments.TransformResources.VolumeKmsKeyId;
          delete transformStep(d).Arguments.TransformOutput.KmsKeyId;
        });
        assert.deepEqual((await check(PIPELINE_TYPE, keyless)).violations, [
          'Pipeline "subject", step "Score": TransformResources.VolumeKmsKeyId is not set (instance type "ml.m5.large"); set it to the platform\'s KMS key ARN so that SageMaker encrypts the job\'s storage volume with a key the platform controls.',
          'Pipeline "subject", step "Score": TransformOutput.KmsKeyId is not set; set it to the platform\'s KMS key ARN so that SageMaker encrypts the job\'s outputs with a key the platform controls.',
        ]);
      });

      it("require TransformResources.VolumeKmsKeyId and TransformOutput.KmsKeyId", async () => {
        const outcome = await check(
          PIPELINE_TYPE,
          withStep((step) => {
            delete step.Arguments.TransformResources.VolumeKmsKeyId;
            delete step.Arguments.TransformOutput.KmsKeyId;
          }),
        );
        assert.deepEqual(outcome.violations, [
          'Pipeline "subject", step "BatchScore": TransformResources.VolumeKmsKeyId is not set (instance type "ml.m5.large"); set it to the platform\'s KMS key ARN so that SageMaker encrypts the job\'s storage volume with a key the platform controls.',
          'Pipeline "subject", step "BatchScore": TransformOutput.KmsKeyId is not set; set it to the platform\'s KMS key ARN so that SageMaker encrypts the job\'s outputs with a key the platform controls.',
        ]);
      });

      it("do not ask a volume key on a local-NVMe instance type, and ask one for captured data", async () => {
        const nvme = withStep((step) => {
          delete step.Arguments.TransformResources.VolumeKmsKeyId;
          step.Arguments.TransformResources.InstanceType = "ml.m5d.large";
        });
        assert.deepEqual((await check(PIPELINE_TYPE, nvme)).violations, []);
        const capture = withStep((step) => {
          step.Arguments.DataCaptureConfig = { DestinationS3Uri: "s3://mlops-staging-data/batch/capture" };
        });
        assert.deepEqual((await check(PIPELINE_TYPE, capture)).violations, [
          'Pipeline "subject", step "BatchScore": DataCaptureConfig.KmsKeyId is not set; set it to the platform\'s KMS key ARN so that SageMaker encrypts the captured inputs and outputs with a key the platform controls.',
        ]);
      });
    });

    it("match literal keys against allowedKmsKeyArnPattern, once per pipeline for an invalid pattern", async () => {
      const other = { allowedKmsKeyArnPattern: "^arn:aws:kms:eu-west-1:" };
      const outcome = await check(PIPELINE_TYPE, drift(), other);
      assert.deepEqual(outcome.violations, [
        'Pipeline "subject", step "CheckDrift": ProcessingResources.ClusterConfig.VolumeKmsKeyId "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666" does not match allowedKmsKeyArnPattern "^arn:aws:kms:eu-west-1:"; use a key the pattern allows.',
        'Pipeline "subject", step "CheckDrift": ProcessingOutputConfig.KmsKeyId "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666" does not match allowedKmsKeyArnPattern "^arn:aws:kms:eu-west-1:"; use a key the pattern allows.',
      ]);
      const parameter = checkDrift((step) => {
        step.Arguments.ProcessingOutputConfig.KmsKeyId = { Get: "Parameters.OutputKey" };
        step.Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId = { Get: "Parameters.OutputKey" };
      });
      assert.deepEqual((await check(PIPELINE_TYPE, parameter, other)).violations, []);
      const invalid = await check(PIPELINE_TYPE, drift(), { allowedKmsKeyArnPattern: "key/(" });
      assert.equal(invalid.violations.length, 1);
      assert.match(
        invalid.violations[0],
        /^Pipeline "subject": allowedKmsKeyArnPattern "key\/\(" is not a valid/,
      );
    });

    it("report a definition that is not one, and skip one kept in S3 or unknown during preview", async () => {
      assert.deepEqual(
        (await check(PIPELINE_TYPE, { pipelineName: "p", pipelineDefinition: '{"Steps": 1}' })).violations,
        [
          'Pipeline "subject": the pipeline definition has no Steps list, so it is not a SageMaker pipeline definition; the encryption of its jobs cannot be checked.',
        ],
      );
      const s3 = { pipelineName: "p", pipelineDefinitionS3Location: { bucket: "b", objectKey: "k" } };
      assert.deepEqual(await findings(check(PIPELINE_TYPE, s3)), NOTHING);
      const unknown = { pipelineName: "p", pipelineDefinition: UNKNOWN.string };
      assert.deepEqual(await findings(check(PIPELINE_TYPE, unknown)), NOTHING);
    });
  });

  describe("allowedKmsKeyArnPattern", () => {
    it("allows any key by default, and only matching keys when set", async () => {
      const own = { allowedKmsKeyArnPattern: "^arn:aws:kms:us-east-1:123456789012:key/" };
      assert.deepEqual((await check(ENDPOINT_CONFIGURATION_TYPE, config(), own)).violations, []);
      assert.deepEqual((await check(DATA_QUALITY_JOB_DEFINITION_TYPE, job(), own)).violations, []);
      const other = { allowedKmsKeyArnPattern: "^arn:aws:kms:eu-west-1:" };
      const outcome = await check(ENDPOINT_CONFIGURATION_TYPE, config(), other);
      assert.deepEqual(outcome.violations, [
        `Endpoint configuration "subject": kmsKeyArn "${KEY}" does not match allowedKmsKeyArnPattern "^arn:aws:kms:eu-west-1:"; use a key the pattern allows.`,
        `Endpoint configuration "subject": dataCaptureConfig.kmsKeyId "${KEY}" does not match allowedKmsKeyArnPattern "^arn:aws:kms:eu-west-1:"; use a key the pattern allows.`,
      ]);
      assert.equal((await check(DATA_QUALITY_JOB_DEFINITION_TYPE, job(), other)).violations.length, 2);
    });

    it("reports an invalid pattern instead of failing", async () => {
      const outcome = await check(ENDPOINT_CONFIGURATION_TYPE, config(), {
        allowedKmsKeyArnPattern: "key/(",
      });
      assert.equal(outcome.violations.length, 1);
      assert.match(
        outcome.violations[0],
        /^Endpoint configuration "subject": allowedKmsKeyArnPattern "key\/\(" is not a valid regular expression \(.+\); correct it in the pack config\.$/,
      );
    });
  });

  describe("waivers", () => {
    const props = () => {
      const p = config();
      delete p.kmsKeyArn;
      return p;
    };
    it("set aside a finding while in force", async () => {
      const waivers = [{ resource: "subject", reason: "key migration", expires: "2026-12-31" }];
      assert.deepEqual((await check(ENDPOINT_CONFIGURATION_TYPE, props(), { waivers })).violations, []);
    });
    it("add the expiry to the finding once expired", async () => {
      const waivers = [{ resource: "subj*", reason: "key migration", expires: "2026-11-01" }];
      const [message] = (await check(ENDPOINT_CONFIGURATION_TYPE, props(), { waivers })).violations;
      assert.match(
        message,
        /^Endpoint configuration "subject": kmsKeyArn is not set .* \(The waiver for "subj\*" expired on 2026-11-01: key migration\.\)$/,
      );
    });
  });

  describe("during preview", () => {
    it("counts an unknown key as set, and leaves its pattern for the update, without the engine's advisory", async () => {
      const props = config();
      props.kmsKeyArn = UNKNOWN.string;
      props.dataCaptureConfig.kmsKeyId = UNKNOWN.string;
      const definition = job();
      definition.dataQualityJobOutputConfig = UNKNOWN.object;
      definition.jobResources.clusterConfig.volumeKmsKeyId = UNKNOWN.string;
      const pattern = { allowedKmsKeyArnPattern: "^arn:aws:kms:eu-west-1:" };
      for (const [type, p] of [
        [ENDPOINT_CONFIGURATION_TYPE, props],
        [DATA_QUALITY_JOB_DEFINITION_TYPE, definition],
      ] as const) {
        assert.deepEqual(await findings(check(type, p, pattern)), NOTHING, type);
      }
    });

    it("skips what depends on an unknown instance type, capture flag or variant list, and checks the rest", async () => {
      const props = config();
      delete props.kmsKeyArn;
      props.productionVariants[0].instanceType = UNKNOWN.string;
      props.dataCaptureConfig.enableCapture = UNKNOWN.boolean;
      delete props.dataCaptureConfig.kmsKeyId;
      assert.deepEqual(await findings(check(ENDPOINT_CONFIGURATION_TYPE, props)), NOTHING);
      props.productionVariants = UNKNOWN.array;
      props.asyncInferenceConfig = {};
      assert.equal((await check(ENDPOINT_CONFIGURATION_TYPE, props)).violations.length, 1);
      const definition = job();
      definition.jobResources.clusterConfig.instanceType = UNKNOWN.string;
      delete definition.jobResources.clusterConfig.volumeKmsKeyId;
      assert.deepEqual((await check(DATA_QUALITY_JOB_DEFINITION_TYPE, definition)).violations, []);
    });
  });
});
