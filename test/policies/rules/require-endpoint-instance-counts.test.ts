import assert from "node:assert/strict";
import { buildPipelineDefinition } from "../../../components/pipeline/definition";
import { clearWaivedFindings, setPolicyClock } from "../../../policies/lib/rule";
import { requireEndpointInstanceCounts } from "../../../policies/rules/require-endpoint-instance-counts";
import { definitionInput } from "../../helpers/definitionInput";
import { checkResource, configWithDefaults, UNKNOWN } from "../../helpers/policyArgs";
import { modelMonitorStacks, programStacks } from "../../helpers/programStacks";
import { RECOMMENDED_CONFIG } from "../../helpers/recommendedConfig";
import { batchPipelineProps, findStep, transformStep } from "./pipelineSteps";

const STAGING = RECOMMENDED_CONFIG.staging["require-endpoint-instance-counts"];
const PROD = RECOMMENDED_CONFIG.prod["require-endpoint-instance-counts"];
const ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration";
const TARGET = "aws:appautoscaling/target:Target";
const PIPELINE = "aws:sagemaker/pipeline:Pipeline";
const NAME = "mlops-prod-diagnosis-config";

/** An endpoint configuration as ModelEndpoint creates it in prod. */
function endpointConfig(variant: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    productionVariants: [
      {
        variantName: "primary",
        modelName: "mlops-prod-diagnosis-primary-4715b22",
        initialVariantWeight: 1,
        instanceType: "ml.m5.xlarge",
        initialInstanceCount: 2,
        ...variant,
      },
    ],
    ...extra,
  };
}

/** The scaling target ModelEndpoint registers for an autoscaled prod variant. */
function target(overrides: Record<string, unknown> = {}) {
  return {
    serviceNamespace: "sagemaker",
    scalableDimension: "sagemaker:variant:DesiredInstanceCount",
    resourceId: "endpoint/mlops-prod-diagnosis/variant/primary",
    minCapacity: 2,
    maxCapacity: 10,
    ...overrides,
  };
}

type Options = Parameters<typeof checkResource>[3];
const check = (type: string, props: Record<string, unknown>, options: Options = {}) =>
  checkResource(requireEndpointInstanceCounts, type, props, { name: NAME, config: PROD, ...options });

type Definition = { Parameters: Record<string, unknown>[]; Steps: Record<string, unknown>[] };
/** The platform's pipeline definition built by the real builder, then changed by `edit`. */
function pipeline(edit: (definition: Definition) => void = () => undefined) {
  const definition = JSON.parse(JSON.stringify(buildPipelineDefinition(definitionInput()))) as Definition;
  edit(definition);
  return { pipelineName: "mlops-staging-diagnosis", pipelineDefinition: JSON.stringify(definition) };
}
function resources(definition: Definition, step: string): Record<string, unknown> {
  const args = (findStep(definition.Steps, step) ?? assert.fail(`no step ${step}`)).Arguments as {
    ProcessingResources?: { ClusterConfig: Record<string, unknown> };
    ResourceConfig?: Record<string, unknown>;
  };
  return args.ResourceConfig ?? args.ProcessingResources?.ClusterConfig ?? assert.fail("no cluster");
}
const checkPipeline = (props: Record<string, unknown>, options: Options = {}) =>
  check(PIPELINE, props, { name: "mlops-staging-diagnosis-pipeline", config: STAGING, ...options });

describe("require-endpoint-instance-counts", () => {
  afterEach(() => {
    setPolicyClock(() => new Date());
    clearWaivedFindings();
  });

  for (const stack of ["staging", "prod"] as const) {
    it(`passes every resource of the shipped ${stack} stack, with its recommended config and the defaults, with either monitoring engine`, async () => {
      const checked = new Set<string>();
      for (const resource of [...(await programStacks())[stack], ...(await modelMonitorStacks())[stack]]) {
        for (const config of [RECOMMENDED_CONFIG[stack]["require-endpoint-instance-counts"], {}]) {
          const outcome = await check(resource.type, resource.props, { name: resource.name, config });
          assert.deepEqual([...outcome.violations, ...outcome.unknown], [], resource.name);
          if (outcome.notApplicable.length === 0) checked.add(resource.type);
        }
      }
      assert.deepEqual([...checked].sort(), [
        ...(stack === "prod" ? [TARGET] : []),
        "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
        ENDPOINT_CONFIG,
        "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
        // Staging's build pipeline, and in both stacks the drift check's pipeline.
        PIPELINE,
      ]);
    });
  }

  it("defaults to at least 1 instance per variant and at most 20 anywhere", () => {
    assert.deepEqual(configWithDefaults(requireEndpointInstanceCounts.configSchema), {
      minInstancesPerVariant: 1,
      maxInstanceCount: 20,
      waivers: [],
    });
  });

  it("reports a production variant with fewer instances than the stack's minimum", async () => {
    const staging = (await programStacks()).staging.find((r) => r.type === ENDPOINT_CONFIG);
    const outcome = await check(ENDPOINT_CONFIG, staging?.props ?? assert.fail("no endpoint config"), {
      name: "mlops-staging-diagnosis-config",
    });
    assert.deepEqual(outcome.violations, [
      'Endpoint configuration "mlops-staging-diagnosis-config", production variant "primary": initialInstanceCount 1 is below the minimum of 2 instances per variant in this stack; set initialInstanceCount to at least 2.',
    ]);
  });

  it("reports a count above the stack's maximum", async () => {
    const outcome = await check(ENDPOINT_CONFIG, endpointConfig({ initialInstanceCount: 12 }));
    assert.deepEqual(outcome.violations, [
      `Endpoint configuration "${NAME}", production variant "primary": initialInstanceCount 12 is above the maximum of 10 instances in this stack; set initialInstanceCount to at most 10, or raise maxInstanceCount in the policy config.`,
    ]);
  });

  it("holds shadow variants to the maximum only, and skips serverless variants", async () => {
    const shadow = (count: number) =>
      endpointConfig(
        {},
        {
          shadowProductionVariants: [
            { variantName: "shadow", instanceType: "ml.m5.large", initialInstanceCount: count },
          ],
        },
      );
    assert.deepEqual((await check(ENDPOINT_CONFIG, shadow(1))).violations, []);
    const many = await check(ENDPOINT_CONFIG, shadow(11));
    assert.equal(many.violations.length, 1);
    assert.match(
      many.violations[0] ?? "",
      /^Endpoint configuration "[^"]+", shadow variant "shadow": initialInstanceCount 11 is above/,
    );
    const serverless = {
      productionVariants: [
        { variantName: "primary", serverlessConfig: { memorySizeInMb: 2048, maxConcurrency: 5 } },
      ],
    };
    assert.deepEqual((await check(ENDPOINT_CONFIG, serverless)).violations, []);
  });

  it("holds enabled managed instance scaling to both bounds", async () => {
    const managed = (status: string) =>
      endpointConfig({ managedInstanceScaling: { status, minInstanceCount: 0, maxInstanceCount: 40 } });
    const enabled = await check(ENDPOINT_CONFIG, managed("ENABLED"));
    assert.equal(enabled.violations.length, 2);
    assert.match(
      enabled.violations[0] ?? "",
      /managedInstanceScaling\.minInstanceCount 0 is below the minimum of 2/,
    );
    assert.match(
      enabled.violations[1] ?? "",
      /managedInstanceScaling\.maxInstanceCount 40 is above the maximum of 10/,
    );
    assert.deepEqual((await check(ENDPOINT_CONFIG, managed("DISABLED"))).violations, []);
  });

  it("holds a variant's autoscaling target to the bounds, and nothing else Application Auto Scaling scales", async () => {
    const below = await check(TARGET, target({ minCapacity: 1 }), {
      name: "mlops-prod-diagnosis-primary-scaling",
    });
    assert.deepEqual(below.violations, [
      'Autoscaling target "mlops-prod-diagnosis-primary-scaling" (endpoint "mlops-prod-diagnosis", variant "primary"): minCapacity 1 is below the minimum of 2 instances per variant in this stack; set minCapacity to at least 2.',
    ]);
    assert.equal((await check(TARGET, target({ maxCapacity: 11 }))).violations.length, 1);
    assert.equal((await check(TARGET, target({ minCapacity: 1, maxCapacity: 30 }))).violations.length, 2);
    const copies = await check(
      TARGET,
      target({ scalableDimension: "sagemaker:inference-component:DesiredCopyCount", minCapacity: 0 }),
    );
    assert.deepEqual(copies.notApplicable, [
      "the target does not scale a SageMaker endpoint variant's instances",
    ]);
    assert.deepEqual(copies.violations, []);
  });

  it("holds monitoring and training job clusters to the maximum", async () => {
    const cluster = (instanceCount: number) => ({
      clusterConfig: { instanceCount, instanceType: "ml.m5.large", volumeSizeInGb: 20 },
    });
    const job = await check(
      "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
      { jobResources: cluster(3) },
      { name: "mlops-staging-diagnosis-data-quality-job", config: STAGING },
    );
    assert.deepEqual(job.violations, [
      'Data-quality job definition "mlops-staging-diagnosis-data-quality-job": instanceCount 3 is above the maximum of 2 instances in this stack; set instanceCount to at most 2, or raise maxInstanceCount in the policy config.',
    ]);
    const inline = await check("aws:sagemaker/monitoringSchedule:MonitoringSchedule", {
      monitoringScheduleConfig: { monitoringJobDefinition: { monitoringResources: cluster(11) } },
    });
    assert.equal(inline.violations.length, 1);
    const training = await check("aws:sagemaker/trainingJob:TrainingJob", {
      resourceConfig: {
        instanceGroups: [{ instanceGroupName: "gpu", instanceType: "ml.p3.2xlarge", instanceCount: 16 }],
      },
    });
    assert.deepEqual(training.violations, [
      `Training job "${NAME}", instance group "gpu": instanceCount 16 is above the maximum of 10 instances in this stack; set instanceCount to at most 10, or raise maxInstanceCount in the policy config.`,
    ]);
  });

  it("holds the pipeline's step counts to the maximum, through parameter defaults too", async () => {
    assert.deepEqual((await checkPipeline(pipeline())).violations, []);
    const literal = await checkPipeline(pipeline((d) => (resources(d, "Train").InstanceCount = 4)));
    assert.deepEqual(literal.violations, [
      'Pipeline "mlops-staging-diagnosis-pipeline", step "Train": InstanceCount 4 is above the maximum of 2 instances in this stack; set InstanceCount to at most 2, or raise maxInstanceCount in the policy config.',
    ]);
    const parameter = await checkPipeline(
      pipeline((d) => {
        d.Parameters.push({ Name: "JobInstances", Type: "Integer", DefaultValue: 3 });
        for (const step of ["Preprocess", "Evaluate"])
          resources(d, step).InstanceCount = { Get: "Parameters.JobInstances" };
      }),
    );
    assert.deepEqual(parameter.violations, [
      'Pipeline "mlops-staging-diagnosis-pipeline", parameter "JobInstances" (instance count of processing steps Preprocess, Evaluate): the default 3 is above the maximum of 2 instances in this stack; set the default to at most 2, or raise maxInstanceCount in the policy config.',
    ]);
    const undeclared = await checkPipeline(
      pipeline((d) => (resources(d, "Train").InstanceCount = { Get: "Parameters.TrainInstances" })),
    );
    assert.deepEqual(undeclared.violations, [
      'Pipeline "mlops-staging-diagnosis-pipeline", step "Train": the instance count refers to parameter "TrainInstances", which the definition does not declare; declare it with a DefaultValue.',
    ]);
    assert.deepEqual(
      (
        await checkPipeline(
          pipeline((d) => (resources(d, "Train").InstanceCount = 4)),
          { config: {} },
        )
      ).violations,
      [],
    );
  });

  it("holds the batch pipeline's Transform step, inside its Condition step, to each stack's maximum", async () => {
    const batch = { name: "mlops-staging-diagnosis-batch" };
    assert.deepEqual((await checkPipeline(batchPipelineProps(), batch)).violations, []);
    const three = batchPipelineProps(
      (d) => (transformStep(d).Arguments.TransformResources.InstanceCount = 3),
    );
    assert.deepEqual((await checkPipeline(three, batch)).violations, [
      'Pipeline "mlops-staging-diagnosis-batch", step "Score": InstanceCount 3 is above the maximum of 2 instances in this stack; set InstanceCount to at most 2, or raise maxInstanceCount in the policy config.',
    ]);
    // Prod allows up to 10.
    assert.deepEqual((await checkPipeline(three, { ...batch, config: PROD })).violations, []);
  });

  it("leaves a definition that is not JSON to limit-sagemaker-instance-types, without throwing", async () => {
    const outcome = await checkPipeline({ pipelineName: "p", pipelineDefinition: "{ not json" });
    assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
  });

  it("is not applicable to resources without instance counts", async () => {
    const notebook = await check("aws:sagemaker/notebookInstance:NotebookInstance", {
      instanceType: "ml.t3.medium",
    });
    assert.deepEqual(notebook.notApplicable, [
      "aws:sagemaker/notebookInstance:NotebookInstance has no SageMaker instance count",
    ]);
    assert.equal((await check("aws:s3/bucket:Bucket", {})).notApplicable.length, 1);
  });

  it("sets a finding aside while a waiver is in force, and says when it has expired", async () => {
    setPolicyClock(() => new Date("2026-02-10T08:00:00Z"));
    const waivers = [
      {
        resource: "mlops-prod-*-config",
        reason: "one instance while the quota is raised",
        expires: "2026-02-10",
      },
    ];
    const single = endpointConfig({ initialInstanceCount: 1 });
    assert.deepEqual((await check(ENDPOINT_CONFIG, single, { config: { ...PROD, waivers } })).violations, []);
    setPolicyClock(() => new Date("2026-02-11T08:00:00Z"));
    const expired = await check(ENDPOINT_CONFIG, single, { config: { ...PROD, waivers } });
    assert.equal(expired.violations.length, 1);
    assert.ok(
      expired.violations[0]?.endsWith(
        ' (The waiver for "mlops-prod-*-config" expired on 2026-02-10: one instance while the quota is raised.)',
      ),
    );
  });

  it("during preview: an unknown count gets the engine's advisory; an unknown target id only drops the names", async () => {
    const count = await check(ENDPOINT_CONFIG, endpointConfig({ initialInstanceCount: UNKNOWN.number }));
    assert.deepEqual(count.violations, []);
    assert.match(count.unknown[0] ?? "", /^can't run during preview: .*initialInstanceCount/);
    const definition = await checkPipeline({ pipelineName: "p", pipelineDefinition: UNKNOWN.string });
    assert.equal(definition.unknown.length, 1);
    const id = await check(TARGET, target({ resourceId: UNKNOWN.string, minCapacity: 1 }), { name: "t" });
    assert.deepEqual(id.unknown, []);
    assert.match(id.violations[0] ?? "", /^Autoscaling target "t": minCapacity 1 is below/);
  });
});
