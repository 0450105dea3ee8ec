import assert from "node:assert/strict";
import { buildPipelineDefinition } from "../../../components/pipeline/definition";
import type { PipelineDefinition } from "../../../components/pipeline/definitionTypes";
import { clearWaivedFindings, setPolicyClock } from "../../../policies/lib/rule";
import { limitSagemakerInstanceTypes } from "../../../policies/rules/limit-sagemaker-instance-types";
import { definitionInput } from "../../helpers/definitionInput";
import { checkResource, UNKNOWN } from "../../helpers/policyArgs";
import { modelMonitorStacks, programStacks } from "../../helpers/programStacks";
import { RECOMMENDED_CONFIG } from "../../helpers/recommendedConfig";
import { checkDriftStep, driftPipelineProps } from "./driftFixtures";
import { batchPipelineProps, findStep, transformStep } from "./pipelineSteps";

const STAGING = RECOMMENDED_CONFIG.staging["limit-sagemaker-instance-types"];
const PROD = RECOMMENDED_CONFIG.prod["limit-sagemaker-instance-types"];
const ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration";
const PIPELINE = "aws:sagemaker/pipeline:Pipeline";
const STAGING_ENDPOINT_TYPES = "ml.t2.medium, ml.t2.large, ml.m5.large";
const STAGING_PROCESSING_TYPES = "ml.t3.medium, ml.t3.large, ml.m5.large";

/** An endpoint configuration as ModelEndpoint creates it in staging. */
function endpointConfig(variant: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    productionVariants: [
      {
        variantName: "primary",
        modelName: "mlops-staging-diagnosis-primary-4f774c2",
        initialVariantWeight: 1,
        instanceType: "ml.t2.medium",
        initialInstanceCount: 1,
        ...variant,
      },
    ],
    tags: { Environment: "staging" },
    ...extra,
  };
}

type Options = Parameters<typeof checkResource>[3];
const check = (type: string, props: Record<string, unknown>, options: Options = {}) =>
  checkResource(limitSagemakerInstanceTypes, type, props, { name: "subject", config: STAGING, ...options });

/** The platform's pipeline definition built by the real builder, then changed by `edit`. */
function pipeline(
  defaults: Partial<ReturnType<typeof definitionInput>["defaults"]> = {},
  edit: (definition: PipelineDefinition & { Steps: Record<string, unknown>[] }) => void = () => undefined,
) {
  const input = definitionInput();
  const definition = JSON.parse(
    JSON.stringify(buildPipelineDefinition({ ...input, defaults: { ...input.defaults, ...defaults } })),
  ) as PipelineDefinition & { Steps: Record<string, unknown>[] };
  edit(definition);
  return { pipelineName: "mlops-staging-diagnosis", pipelineDefinition: JSON.stringify(definition) };
}
function stepArguments(definition: { Steps: Record<string, unknown>[] }, name: string) {
  const step = findStep(definition.Steps, name) ?? assert.fail(`no step ${name}`);
  return step.Arguments as Record<string, unknown>;
}
/** The job cluster of a step: its ResourceConfig or its ProcessingResources.ClusterConfig. */
function cluster(definition: { Steps: Record<string, unknown>[] }, name: string): Record<string, unknown> {
  const args = stepArguments(definition, name) as {
    ProcessingResources?: { ClusterConfig: Record<string, unknown> };
    ResourceConfig?: Record<string, unknown>;
  };
  return (
    args.ResourceConfig ?? args.ProcessingResources?.ClusterConfig ?? assert.fail(`no cluster in ${name}`)
  );
}
const checkPipeline = (props: Record<string, unknown>, options: Options = {}) =>
  check(PIPELINE, props, { name: "mlops-staging-diagnosis-pipeline", ...options });

describe("limit-sagemaker-instance-types", () => {
  afterEach(() => {
    setPolicyClock(() => new Date());
    clearWaivedFindings();
  });

  for (const stack of ["staging", "prod"] as const) {
    it(`passes every resource of the shipped ${stack} stack, also with Model Monitor, with its recommended config and with none`, async () => {
      const checked = new Set<string>();
      const shipped = (await programStacks())[stack];
      for (const resource of [...shipped, ...(await modelMonitorStacks())[stack]]) {
        for (const config of [RECOMMENDED_CONFIG[stack]["limit-sagemaker-instance-types"], {}]) {
          const outcome = await check(resource.type, resource.props, { name: resource.name, config });
          assert.deepEqual([...outcome.violations, ...outcome.unknown], [], resource.name);
          if (outcome.notApplicable.length === 0) checked.add(resource.type);
        }
      }
      // Prod serves the models staging builds: its only pipeline is the drift check's.
      assert.deepEqual([...checked].sort(), [
        "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
        ENDPOINT_CONFIG,
        "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
        PIPELINE,
      ]);
    });
  }

  it("the recommended lists fail the other stack's instances: staging is smaller than prod", async () => {
    const prodConfig = (await programStacks()).prod.find((r) => r.type === ENDPOINT_CONFIG);
    const outcome = await check(ENDPOINT_CONFIG, prodConfig?.props ?? assert.fail("no endpoint config"), {
      name: "mlops-prod-diagnosis-config",
    });
    assert.deepEqual(outcome.violations, [
      `Endpoint configuration "mlops-prod-diagnosis-config", production variant "primary": instance type "ml.m5.xlarge" is not allowed for endpoints in this stack (allowed: ${STAGING_ENDPOINT_TYPES}); use one of them, or add it to endpointInstanceTypes in the policy config.`,
    ]);
  });

  it("reports endpoint variants of types SageMaker does not offer for endpoints, with the closest", async () => {
    const outcome = await check(ENDPOINT_CONFIG, endpointConfig({ instanceType: "ml.t3.medium" }));
    assert.deepEqual(outcome.violations, [
      'Endpoint configuration "subject", production variant "primary": instance type "ml.t3.medium" is not a valid SageMaker instance type for endpoints (did you mean "ml.t2.medium"?); use a type SageMaker offers for endpoints.',
    ]);
  });

  it("checks shadow variants, skips serverless ones", async () => {
    const shadow = endpointConfig(
      {},
      {
        shadowProductionVariants: [
          { variantName: "shadow", instanceType: "ml.c5.xlarge", initialInstanceCount: 1 },
        ],
      },
    );
    assert.deepEqual((await check(ENDPOINT_CONFIG, shadow)).violations, [
      `Endpoint configuration "subject", shadow variant "shadow": instance type "ml.c5.xlarge" is not allowed for endpoints in this stack (allowed: ${STAGING_ENDPOINT_TYPES}); use one of them, or add it to endpointInstanceTypes in the policy config.`,
    ]);
    const serverless = {
      productionVariants: [
        {
          variantName: "primary",
          modelName: "m",
          serverlessConfig: { memorySizeInMb: 2048, maxConcurrency: 5 },
        },
      ],
    };
    assert.deepEqual(await check(ENDPOINT_CONFIG, serverless), {
      violations: [],
      urns: [],
      notApplicable: [],
      unknown: [],
    });
  });

  it("checks monitoring job clusters, inline monitoring jobs, notebooks, Studio and training jobs", async () => {
    const cluster = (instanceType: string) => ({
      clusterConfig: { instanceCount: 1, instanceType, volumeSizeInGb: 20 },
    });
    const jobDefinition = await check("aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition", {
      jobResources: cluster("ml.m5.xlarge"),
    });
    assert.deepEqual(jobDefinition.violations, [
      `Data-quality job definition "subject": instance type "ml.m5.xlarge" is not allowed for processing jobs in this stack (allowed: ${STAGING_PROCESSING_TYPES}); use one of them, or add it to processingInstanceTypes in the policy config.`,
    ]);
    const inline = await check("aws:sagemaker/monitoringSchedule:MonitoringSchedule", {
      monitoringScheduleConfig: { monitoringJobDefinition: { monitoringResources: cluster("ml.t2.medium") } },
    });
    assert.equal(inline.violations.length, 1);
    assert.match(
      inline.violations[0] ?? "",
      /^Monitoring schedule "subject": instance type "ml.t2.medium" is not a valid/,
    );

    const notebook = await check("aws:sagemaker/notebookInstance:NotebookInstance", {
      instanceType: "ml.m5.xlarge",
    });
    assert.equal(notebook.violations.length, 1);
    const domain = await check("aws:sagemaker/domain:Domain", {
      defaultUserSettings: {
        jupyterLabAppSettings: { defaultResourceSpec: { instanceType: "ml.g5.xlarge" } },
      },
    });
    assert.deepEqual(domain.violations, [
      'Domain "subject", defaultUserSettings.jupyterLabAppSettings.defaultResourceSpec: instance type "ml.g5.xlarge" is not allowed for SageMaker Studio apps in this stack (allowed: ml.t3.medium); use one of them, or add it to notebookInstanceTypes in the policy config.',
    ]);
    const training = await check("aws:sagemaker/trainingJob:TrainingJob", {
      resourceConfig: { instanceType: "ml.p3.2xlarge", instanceCount: 1, volumeSizeInGb: 30 },
    });
    assert.equal(training.violations.length, 1);
    assert.deepEqual(
      (await check("aws:sagemaker/notebookInstance:NotebookInstance", { instanceType: "ml.t3.medium" }))
        .violations,
      [],
    );
  });

  it("passes the pipeline definition of the real builder with staging's instance types", async () => {
    assert.deepEqual((await checkPipeline(pipeline())).violations, []);
  });

  it("checks a pipeline parameter's default once for all the steps that use it", async () => {
    const processing = await checkPipeline(pipeline({ processingInstanceType: "ml.m5.4xlarge" }));
    assert.deepEqual(processing.violations, [
      `Pipeline "mlops-staging-diagnosis-pipeline", parameter "ProcessingInstanceType" (instance type of processing steps ValidateData, Preprocess, DriftBaseline, Evaluate): default "ml.m5.4xlarge" is not allowed for processing jobs in this stack (allowed: ${STAGING_PROCESSING_TYPES}); use one of them, or add it to processingInstanceTypes in the policy config.`,
    ]);
    const training = await checkPipeline(pipeline({ trainingInstanceType: "ml.p3.2xlarge" }));
    assert.equal(training.violations.length, 1);
    assert.match(
      training.violations[0] ?? "",
      /parameter "TrainingInstanceType" \(instance type of training step Train\)/,
    );
    // Valid for endpoints, but not for processing jobs.
    const invalid = await checkPipeline(pipeline({ processingInstanceType: "ml.t2.medium" }));
    assert.deepEqual(invalid.violations, [
      'Pipeline "mlops-staging-diagnosis-pipeline", parameter "ProcessingInstanceType" (instance type of processing steps ValidateData, Preprocess, DriftBaseline, Evaluate): default "ml.t2.medium" is not a valid SageMaker instance type for processing jobs (did you mean "ml.t3.medium"?); use a type SageMaker offers for processing jobs.',
    ]);
  });

  it("checks literal step instance types, also in Condition steps, and parameters the definition lacks", async () => {
    const literal = await checkPipeline(
      pipeline({}, (d) => {
        cluster(d, "Train").InstanceType = "ml.g4dn.xlarge";
      }),
    );
    assert.deepEqual(literal.violations, [
      'Pipeline "mlops-staging-diagnosis-pipeline", step "Train": instance type "ml.g4dn.xlarge" is not allowed for training jobs in this stack (allowed: ml.m5.large, ml.m5.xlarge); use one of them, or add it to trainingInstanceTypes in the policy config.',
    ]);
    const nested = await checkPipeline(
      pipeline({}, (d) => {
        const condition = stepArguments(d, "CheckAccuracy") as { IfSteps: unknown[] };
        const train = findStep(d.Steps, "Train") as { Arguments: { ResourceConfig: object } };
        condition.IfSteps.push({
          ...train,
          Name: "Retrain",
          Arguments: {
            ...train.Arguments,
            ResourceConfig: { ...train.Arguments.ResourceConfig, InstanceType: "ml.p4d.24xlarge" },
          },
        });
      }),
    );
    assert.equal(nested.violations.length, 1);
    assert.match(
      nested.violations[0] ?? "",
      /^Pipeline "[^"]+", step "Retrain": instance type "ml.p4d.24xlarge" is not allowed/,
    );
    const undeclared = await checkPipeline(
      pipeline({}, (d) => {
        cluster(d, "Evaluate").InstanceType = { Get: "Parameters.EvalType" };
      }),
    );
    assert.deepEqual(undeclared.violations, [
      'Pipeline "mlops-staging-diagnosis-pipeline", step "Evaluate": the instance type refers to parameter "EvalType", which the definition does not declare; declare it with a DefaultValue.',
    ]);
  });

  it("checks the drift check's processing job inside its Condition step, and passes its Lambda steps", async () => {
    const drift = { name: "mlops-staging-diagnosis-drift" };
    assert.deepEqual(await check(PIPELINE, driftPipelineProps(), drift), {
      violations: [],
      urns: [],
      notApplicable: [],
      unknown: [],
    });
    const large = driftPipelineProps((d) => {
      checkDriftStep(d).Arguments.ProcessingResources.ClusterConfig.InstanceType = "ml.m5.4xlarge";
    });
    assert.deepEqual((await check(PIPELINE, large, drift)).violations, [
      `Pipeline "mlops-staging-diagnosis-drift", step "CheckDrift": instance type "ml.m5.4xlarge" is not allowed for processing jobs in this stack (allowed: ${STAGING_PROCESSING_TYPES}); use one of them, or add it to processingInstanceTypes in the policy config.`,
    ]);
  });

  it("checks the batch pipeline's Transform step, inside its Condition step, against each stack's transformInstanceTypes", async () => {
    const batch = { name: "mlops-staging-diagnosis-batch" };
    assert.deepEqual((await check(PIPELINE, batchPipelineProps(), batch)).violations, []);
    const xlarge = batchPipelineProps((d) => {
      transformStep(d).Arguments.TransformResources.InstanceType = "ml.m5.xlarge";
    });
    // Staging scores on ml.m5.large only; prod allows ml.m5.xlarge too.
    assert.deepEqual((await check(PIPELINE, xlarge, batch)).violations, [
      'Pipeline "mlops-staging-diagnosis-batch", step "Score": instance type "ml.m5.xlarge" is not allowed for batch transform jobs in this stack (allowed: ml.m5.large); use one of them, or add it to transformInstanceTypes in the policy config.',
    ]);
    assert.deepEqual((await check(PIPELINE, xlarge, { ...batch, config: PROD })).violations, []);
    // An endpoint type that transform jobs do not offer, through a parameter's default.
    const parameter = batchPipelineProps((d) => {
      d.Parameters.push({ Name: "TransformInstanceType", Type: "String", DefaultValue: "ml.t2.medium" });
      transformStep(d).Arguments.TransformResources.InstanceType = {
        Get: "Parameters.TransformInstanceType",
      };
    });
    assert.deepEqual((await check(PIPELINE, parameter, batch)).violations, [
      'Pipeline "mlops-staging-diagnosis-batch", parameter "TransformInstanceType" (instance type of transform step Score): default "ml.t2.medium" is not a valid SageMaker instance type for batch transform jobs (did you mean "ml.p2.xlarge"?); use a type SageMaker offers for batch transform jobs.',
    ]);
  });

  it("does not judge parameters without defaults or other expressions (known only when an execution runs)", async () => {
    const noDefault = await checkPipeline(
      pipeline({}, (d) => {
        const parameters = d.Parameters as unknown as Record<string, unknown>[];
        delete (parameters.find((p) => p.Name === "TrainingInstanceType") ?? {}).DefaultValue;
        cluster(d, "Preprocess").InstanceType = { Get: "Steps.Other.InstanceType" };
      }),
    );
    assert.deepEqual(noDefault.violations, []);
  });

  it("reports a pipeline definition that is not one once, without throwing", async () => {
    const outcome = await checkPipeline({ pipelineName: "p", pipelineDefinition: "{ not json" });
    assert.equal(outcome.violations.length, 1);
    assert.match(
      outcome.violations[0] ?? "",
      /^Pipeline "mlops-staging-diagnosis-pipeline": the pipeline definition is not valid JSON \(.*\); its instance types cannot be checked\.$/,
    );
    assert.deepEqual(
      (await checkPipeline({ pipelineName: "p", pipelineDefinition: '{"Steps": 1}' })).violations,
      [
        'Pipeline "mlops-staging-diagnosis-pipeline": the pipeline definition has no Steps list, so it is not a SageMaker pipeline definition; its instance types cannot be checked.',
      ],
    );
    // A definition kept in S3 is not in the stack.
    const s3 = { pipelineName: "p", pipelineDefinitionS3Location: { bucket: "b", objectKey: "k" } };
    assert.deepEqual((await checkPipeline(s3)).violations, []);
  });

  it("follows the config: prod's larger lists, and empty lists that allow every valid type", async () => {
    const large = endpointConfig({ instanceType: "ml.m5.xlarge" });
    assert.deepEqual((await check(ENDPOINT_CONFIG, large, { config: PROD })).violations, []);
    assert.deepEqual((await check(ENDPOINT_CONFIG, large, { config: {} })).violations, []);
    const huge = endpointConfig({ instanceType: "ml.p4d.24xlarge" });
    assert.equal((await check(ENDPOINT_CONFIG, huge, { config: PROD })).violations.length, 1);
    // Still only valid types.
    const invalid = endpointConfig({ instanceType: "ml.m5.huge" });
    assert.equal((await check(ENDPOINT_CONFIG, invalid, { config: {} })).violations.length, 1);
    assert.deepEqual(
      (await checkPipeline(pipeline({ processingInstanceType: "ml.m5.4xlarge" }), { config: {} })).violations,
      [],
    );
  });

  it("only accepts valid instance types of their use in the allow-lists (a typo fails the pack config)", () => {
    const properties = limitSagemakerInstanceTypes.configSchema?.properties ?? {};
    const items = (key: string) => (properties[key]?.items as { enum: string[] }).enum;
    assert.ok(items("endpointInstanceTypes").includes("ml.t2.medium"));
    assert.ok(!items("endpointInstanceTypes").includes("ml.t3.medium"));
    assert.ok(items("processingInstanceTypes").includes("ml.t3.medium"));
    assert.ok(items("notebookInstanceTypes").includes("system"));
    for (const config of [STAGING, PROD]) {
      for (const [key, list] of Object.entries(config)) {
        for (const type of list as string[]) assert.ok(items(key).includes(type), `${key}: ${type}`);
      }
    }
  });

  it("is not applicable to resources that name no instance type", async () => {
    const outcome = await check("aws:s3/bucket:Bucket", { tags: {} });
    assert.deepEqual(outcome.notApplicable, ["aws:s3/bucket:Bucket names no SageMaker instance type"]);
  });

  it("sets a finding aside while a waiver is in force, and says when it has expired", async () => {
    setPolicyClock(() => new Date("2026-06-30T23:00:00Z"));
    const waivers = [{ resource: "subject", reason: "load test this week", expires: "2026-06-30" }];
    const large = endpointConfig({ instanceType: "ml.m5.xlarge" });
    assert.deepEqual(
      (await check(ENDPOINT_CONFIG, large, { config: { ...STAGING, waivers } })).violations,
      [],
    );
    setPolicyClock(() => new Date("2026-07-01T00:00:00Z"));
    const expired = await check(ENDPOINT_CONFIG, large, { config: { ...STAGING, waivers } });
    assert.equal(expired.violations.length, 1);
    assert.ok(
      expired.violations[0]?.endsWith(
        ' (The waiver for "subject" expired on 2026-06-30: load test this week.)',
      ),
      expired.violations[0],
    );
  });

  it("during preview: an unknown instance type or definition gets the engine's advisory; unknown names do not", async () => {
    const type = await check(ENDPOINT_CONFIG, endpointConfig({ instanceType: UNKNOWN.string }));
    assert.deepEqual(type.violations, []);
    assert.equal(type.unknown.length, 1);
    const definition = await checkPipeline({ pipelineName: "p", pipelineDefinition: UNKNOWN.string });
    assert.deepEqual(definition.violations, []);
    assert.match(definition.unknown[0] ?? "", /^can't run during preview: .*pipelineDefinition/);
    const name = await check(
      ENDPOINT_CONFIG,
      endpointConfig({ variantName: UNKNOWN.string, instanceType: "ml.c5.large" }),
    );
    assert.deepEqual(name.unknown, []);
    assert.match(
      name.violations[0] ?? "",
      /^Endpoint configuration "subject", production variant 1: instance type "ml.c5.large"/,
    );
  });
});
