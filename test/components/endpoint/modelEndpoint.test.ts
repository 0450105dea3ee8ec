import assert from "node:assert/strict";
import type { PolicyDocument } from "../../../components/shared/policyDocument";
import {
  ModelEndpoint,
  ModelEndpointArgs,
  ServedModelPackage,
} from "../../../components/endpoint/modelEndpoint";
import {
  ACCOUNT_ID,
  named,
  ofType,
  recordResources,
  RecordedResource,
  REGION,
  settle,
  valueOf,
} from "../../helpers/mocks";
import { TEST_ACCOUNT, TEST_BOUNDARY_ARN } from "../../helpers/account";
import { assertFootprint } from "../../helpers/footprint";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666";
const TOPIC = "arn:aws:sns:us-east-1:123456789012:mlops-prod-diagnosis-alerts";
const TAGS = { Environment: "prod", Project: "mlops-platform", Owner: "ml@example.com", CostCenter: "ML-1" };
const NAME = "mlops-prod-diagnosis";
const XGBOOST = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const ARTIFACTS = "s3://mlops-prod-diagnosis-artifacts-1a2b3c4/pipelines/exec7/Train/output";

function modelPackage(version: number): ServedModelPackage {
  return {
    arn: `arn:aws:sagemaker:us-east-1:123456789012:model-package/${NAME}/${version}`,
    containers: [{ image: XGBOOST, modelDataUrl: `${ARTIFACTS}${version}/model.tar.gz` }],
  };
}

/** Prod-like: two instances with autoscaling, canary deployments, 20 % capture. */
function prodArgs(overrides: Partial<ModelEndpointArgs> = {}): ModelEndpointArgs {
  return {
    account: TEST_ACCOUNT,
    variants: [
      {
        name: "primary",
        modelPackage: modelPackage(7),
        instanceType: "ml.m5.xlarge",
        initialInstanceCount: 2,
        autoscaling: { minCapacity: 2, maxCapacity: 10, targetInvocationsPerInstance: 750 },
      },
    ],
    kmsKeyArn: KEY,
    permissionsBoundaryArn: TEST_BOUNDARY_ARN,
    alertTopicArn: TOPIC,
    dataCapture: { bucketName: "mlops-prod-diagnosis-data-1a2b3c4", samplingPercentage: 20 },
    deployment: { strategy: "CANARY", canarySizePercent: 25, waitIntervalSeconds: 600 },
    alarms: { latencyP99Milliseconds: 250 },
    tags: TAGS,
    ...overrides,
  };
}

async function build(args: Omit<ModelEndpointArgs, "account">, name = NAME) {
  const recorded = recordResources();
  const endpoint = new ModelEndpoint(name, { account: TEST_ACCOUNT, ...args });
  await settle(recorded);
  return { recorded, endpoint };
}

const ENDPOINT = "aws:sagemaker/endpoint:Endpoint";
/** An Endpoint's `deploymentConfig` input, as far as these tests read it. */
interface DeploymentConfigInputs {
  readonly blueGreenUpdatePolicy: { readonly trafficRoutingConfiguration: unknown };
  readonly autoRollbackConfiguration: { readonly alarms: readonly { readonly alarmName: string }[] };
}
/** Inputs of the AWS resource with this name (the endpoint shares its name with the component). */
function inputsOf(recorded: RecordedResource[], name: string): Record<string, unknown> {
  const resource = recorded.find((r) => r.custom && r.name === name);
  return (resource ?? assert.fail(`no AWS resource named ${name}`)).inputs;
}
const alarmsOf = (recorded: RecordedResource[]) => ofType(recorded, "aws:cloudwatch/metricAlarm:MetricAlarm");

describe("ModelEndpoint", () => {
  let recorded: RecordedResource[];
  let endpoint: ModelEndpoint;
  before(async () => {
    ({ recorded, endpoint } = await build(prodArgs()));
  });

  it("creates exactly the resources to serve, watch and scale one model, all children of the component", () => {
    const component = named(recorded, NAME);
    assert.equal(component.type, "mlops:sagemaker:ModelEndpoint");
    const children = recorded.filter((r) => r.parent === component.urn).map((r) => `${r.type} ${r.name}`);
    assert.deepEqual(children.sort(), [
      `aws:appautoscaling/policy:Policy ${NAME}-primary-invocations`,
      `aws:appautoscaling/target:Target ${NAME}-primary-scaling`,
      `aws:cloudwatch/metricAlarm:MetricAlarm ${NAME}-primary-4xx-error-rate`,
      `aws:cloudwatch/metricAlarm:MetricAlarm ${NAME}-primary-5xx-errors`,
      `aws:cloudwatch/metricAlarm:MetricAlarm ${NAME}-primary-model-latency-p99`,
      `aws:iam/role:Role ${NAME}-model-role`,
      `aws:iam/rolePolicy:RolePolicy ${NAME}-model-role-policy`,
      `aws:sagemaker/endpoint:Endpoint ${NAME}`,
      `aws:sagemaker/endpointConfiguration:EndpointConfiguration ${NAME}-config`,
      `aws:sagemaker/model:Model ${NAME}-primary`,
    ]);
  });

  it("serves the model package through a network-isolated model with its own role", () => {
    const model = inputsOf(recorded, `${NAME}-primary`);
    assert.deepEqual(model.primaryContainer, { modelPackageName: modelPackage(7).arn });
    assert.equal(model.enableNetworkIsolation, true);
    assert.equal(model.vpcConfig, undefined);
    assert.equal(model.executionRoleArn, named(recorded, `${NAME}-model-role`).outputs.arn);
    // Physical names are left to Pulumi, so that a new version creates a new model before the old goes.
    assert.equal(model.name, undefined);
    const role = inputsOf(recorded, `${NAME}-model-role`);
    assert.deepEqual(JSON.parse(role.assumeRolePolicy as string).Statement, [
      {
        Effect: "Allow",
        Principal: { Service: "sagemaker.amazonaws.com" },
        Action: "sts:AssumeRole",
        // SageMaker, only for this account's SageMaker resources in the stack's region.
        Condition: {
          StringEquals: { "aws:SourceAccount": ACCOUNT_ID },
          ArnLike: { "aws:SourceArn": `arn:aws:sagemaker:${REGION}:${ACCOUNT_ID}:*` },
        },
      },
    ]);
    assert.equal(role.managedPolicyArns, undefined);
    const modelDependencies = named(recorded, `${NAME}-primary`).dependencies;
    assert.ok(modelDependencies.includes(named(recorded, `${NAME}-model-role-policy`).urn));
  });

  it("gives the model role the stack's permissions boundary", () => {
    assert.equal(inputsOf(recorded, `${NAME}-model-role`).permissionsBoundary, TEST_BOUNDARY_ARN);
  });

  it("scopes the model role to the served artifacts, image, capture prefix, key and endpoint logs", () => {
    const policy = JSON.parse(
      inputsOf(recorded, `${NAME}-model-role-policy`).policy as string,
    ) as PolicyDocument;
    const resources = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s.Resource]));
    assert.deepEqual(resources, {
      ReadModelArtifacts: [
        "arn:aws:s3:::mlops-prod-diagnosis-artifacts-1a2b3c4/pipelines/exec7/Train/output7/*",
      ],
      WriteCapturedData: "arn:aws:s3:::mlops-prod-diagnosis-data-1a2b3c4/data-capture/mlops-prod-diagnosis/*",
      UseStackKey: KEY,
      PullModelImages: ["arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-xgboost"],
      GetRegistryToken: "*",
      CreateEndpointLogGroup:
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/mlops-prod-diagnosis",
      WriteEndpointLogs:
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/mlops-prod-diagnosis:log-stream:*",
      PublishEndpointMetrics: "*",
      WatchRollbackAlarms: ["4xx-error-rate", "5xx-errors", "model-latency-p99"].map(
        (kind) => `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${NAME}-primary-${kind}`,
      ),
    });
  });

  it("configures the variant, KMS for the volume, and data capture of inputs and outputs to the model's bucket", () => {
    const config = inputsOf(recorded, `${NAME}-config`);
    assert.equal(
      config.name,
      undefined,
      "auto-named, so that changes replace it before deleting the old one",
    );
    assert.deepEqual(config.productionVariants, [
      {
        variantName: "primary",
        modelName: named(recorded, `${NAME}-primary`).outputs.name,
        initialVariantWeight: 1,
        instanceType: "ml.m5.xlarge",
        initialInstanceCount: 2,
      },
    ]);
    assert.equal(config.kmsKeyArn, KEY);
    assert.deepEqual(config.dataCaptureConfig, {
      enableCapture: true,
      initialSamplingPercentage: 20,
      destinationS3Uri: "s3://mlops-prod-diagnosis-data-1a2b3c4/data-capture",
      kmsKeyId: KEY,
      captureOptions: [{ captureMode: "Input" }, { captureMode: "Output" }],
      captureContentTypeHeader: { csvContentTypes: ["text/csv"], jsonContentTypes: ["application/json"] },
    });
    assert.equal(config.shadowProductionVariants, undefined);
  });

  it("tells a monitor where the traffic is captured", async () => {
    assert.equal(
      await valueOf(endpoint.dataCaptureUri),
      "s3://mlops-prod-diagnosis-data-1a2b3c4/data-capture",
    );
  });

  it("alarms on 5XX errors, 4XX rate and p99 latency with the endpoint's and variant's dimensions", () => {
    const dimensions = { EndpointName: NAME, VariantName: "primary" };
    const byName = Object.fromEntries(alarmsOf(recorded).map((a) => [a.name, a.inputs]));
    const common = {
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
      okActions: [TOPIC],
      tags: TAGS,
    };
    const pick = (inputs: Record<string, unknown>) => {
      const { alarmDescription, ...rest } = inputs;
      assert.match(String(alarmDescription), /endpoint mlops-prod-diagnosis, variant primary/);
      return rest;
    };
    assert.deepEqual(pick(byName[`${NAME}-primary-5xx-errors`]), {
      name: `${NAME}-primary-5xx-errors`,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      namespace: "AWS/SageMaker",
      metricName: "Invocation5XXErrors",
      dimensions,
      period: 60,
      statistic: "Sum",
      ...common,
    });
    assert.deepEqual(pick(byName[`${NAME}-primary-model-latency-p99`]), {
      name: `${NAME}-primary-model-latency-p99`,
      comparisonOperator: "GreaterThanThreshold",
      // ModelLatency is in microseconds: 250 ms.
      threshold: 250_000,
      namespace: "AWS/SageMaker",
      metricName: "ModelLatency",
      dimensions,
      period: 60,
      extendedStatistic: "p99",
      ...common,
    });
    const rate = pick(byName[`${NAME}-primary-4xx-error-rate`]);
    assert.equal(rate.threshold, 5);
    assert.equal(rate.comparisonOperator, "GreaterThanThreshold");
    assert.deepEqual(rate.metricQueries, [
      {
        id: "errors",
        returnData: false,
        metric: {
          namespace: "AWS/SageMaker",
          metricName: "Invocation4XXErrors",
          dimensions,
          period: 60,
          stat: "Sum",
        },
      },
      {
        id: "invocations",
        returnData: false,
        metric: {
          namespace: "AWS/SageMaker",
          metricName: "Invocations",
          dimensions,
          period: 60,
          stat: "Sum",
        },
      },
      {
        id: "rate",
        expression: "100 * FILL(errors, 0) / invocations",
        label: "4XX error rate (%)",
        returnData: true,
      },
    ]);
  });

  it("deploys blue/green with canary traffic shifting and rolls back on every alarm", () => {
    const inputs = inputsOf(recorded, NAME);
    assert.equal(inputs.name, NAME);
    assert.equal(inputs.endpointConfigName, named(recorded, `${NAME}-config`).outputs.name);
    assert.deepEqual(inputs.deploymentConfig, {
      blueGreenUpdatePolicy: {
        trafficRoutingConfiguration: {
          type: "CANARY",
          waitIntervalInSeconds: 600,
          canarySize: { type: "CAPACITY_PERCENT", value: 25 },
        },
        terminationWaitInSeconds: 0,
      },
      autoRollbackConfiguration: {
        alarms: [
          { alarmName: `${NAME}-primary-5xx-errors` },
          { alarmName: `${NAME}-primary-4xx-error-rate` },
          { alarmName: `${NAME}-primary-model-latency-p99` },
        ],
      },
    });
    const alarmUrns = alarmsOf(recorded).map((a) => a.urn);
    for (const urn of alarmUrns) assert.ok(named(recorded, NAME, ENDPOINT).dependencies.includes(urn), urn);
  });

  it("scales the variant between 2 and 10 instances on invocations per instance", () => {
    const target = inputsOf(recorded, `${NAME}-primary-scaling`);
    assert.deepEqual(
      [
        target.serviceNamespace,
        target.scalableDimension,
        target.resourceId,
        target.minCapacity,
        target.maxCapacity,
      ],
      ["sagemaker", "sagemaker:variant:DesiredInstanceCount", `endpoint/${NAME}/variant/primary`, 2, 10],
    );
    assert.ok(
      named(recorded, `${NAME}-primary-scaling`).dependencies.includes(named(recorded, NAME, ENDPOINT).urn),
    );
    const policy = inputsOf(recorded, `${NAME}-primary-invocations`);
    assert.equal(policy.policyType, "TargetTrackingScaling");
    assert.equal(policy.resourceId, `endpoint/${NAME}/variant/primary`);
    assert.deepEqual(policy.targetTrackingScalingPolicyConfiguration, {
      predefinedMetricSpecification: { predefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
      targetValue: 750,
      scaleInCooldown: 300,
      scaleOutCooldown: 60,
    });
  });

  it("tags every taggable resource", () => {
    const taggable = recorded.filter(
      (r) =>
        r.custom &&
        r.type !== "aws:iam/rolePolicy:RolePolicy" &&
        r.type !== "aws:appautoscaling/policy:Policy",
    );
    assert.equal(taggable.length, 8);
    for (const resource of taggable) {
      const { ConfigurationDigest: digest, ...tags } = resource.inputs.tags as Record<string, string>;
      assert.deepEqual(tags, TAGS, resource.name);
      // Only the configuration carries the digest of its settings (fleet.ts).
      if (resource.type === "aws:sagemaker/endpointConfiguration:EndpointConfiguration") {
        assert.match(digest, /^[0-9a-f]{16}$/);
      } else assert.equal(digest, undefined, resource.name);
    }
  });

  it("keeps replaced configurations and models in AWS, and lets Pulumi delete everything else", () => {
    const retained = recorded.filter((r) => r.retainOnDelete).map((r) => `${r.type} ${r.name}`);
    assert.deepEqual(retained.sort(), [
      `aws:sagemaker/endpointConfiguration:EndpointConfiguration ${NAME}-config`,
      `aws:sagemaker/model:Model ${NAME}-primary`,
    ]);
    assert.deepEqual(
      recorded.filter((r) => r.protect || r.deleteBeforeReplace).map((r) => r.name),
      [],
    );
  });

  it("exports the endpoint, its configuration, the served package and the rollback alarms", async () => {
    assert.equal(await valueOf(endpoint.endpointName), NAME);
    assert.equal(
      await valueOf(endpoint.endpointArn),
      `arn:aws:sagemaker:us-east-1:123456789012:endpoint/${NAME}`,
    );
    assert.equal(await valueOf(endpoint.endpointConfigName), named(recorded, `${NAME}-config`).outputs.name);
    assert.equal(await valueOf(endpoint.modelPackageArn), modelPackage(7).arn);
    assert.deepEqual(await valueOf(endpoint.modelPackageArns), { primary: modelPackage(7).arn });
    assert.deepEqual(await valueOf(endpoint.alarmNames), [
      `${NAME}-primary-5xx-errors`,
      `${NAME}-primary-4xx-error-rate`,
      `${NAME}-primary-model-latency-p99`,
    ]);
  });

  it("staging-like: one small instance, all-at-once, 100 % capture by default, no autoscaling", async () => {
    const { recorded: staging } = await build(
      {
        variants: [{ name: "primary", modelPackage: modelPackage(3), instanceType: "ml.t2.medium" }],
        kmsKeyArn: KEY,
        permissionsBoundaryArn: TEST_BOUNDARY_ARN,
        alertTopicArn: TOPIC,
        dataCapture: { bucketName: "mlops-staging-diagnosis-data-1a2b3c4" },
        tags: TAGS,
      },
      "mlops-staging-diagnosis",
    );
    const config = inputsOf(staging, "mlops-staging-diagnosis-config");
    assert.deepEqual(
      (config.productionVariants as Record<string, unknown>[]).map((v) => [
        v.instanceType,
        v.initialInstanceCount,
      ]),
      [["ml.t2.medium", 1]],
    );
    assert.equal((config.dataCaptureConfig as Record<string, unknown>).initialSamplingPercentage, 100);
    const deployment = inputsOf(staging, "mlops-staging-diagnosis")
      .deploymentConfig as DeploymentConfigInputs;
    assert.deepEqual(deployment.blueGreenUpdatePolicy.trafficRoutingConfiguration, {
      type: "ALL_AT_ONCE",
      waitIntervalInSeconds: 300,
    });
    assert.equal(deployment.autoRollbackConfiguration.alarms.length, 3);
    assert.equal(ofType(staging, "aws:appautoscaling/target:Target").length, 0);
  });

  it("serverless: memory and concurrency, a cold-start alarm, no capture, no isolation, no scaling target", async () => {
    const { recorded: serverless, endpoint: withoutCapture } = await build({
      variants: [
        {
          name: "primary",
          modelPackage: modelPackage(3),
          serverless: { memorySizeInMb: 2048, maxConcurrency: 5, provisionedConcurrency: 1 },
        },
      ],
      kmsKeyArn: KEY,
      permissionsBoundaryArn: TEST_BOUNDARY_ARN,
      alertTopicArn: TOPIC,
      dataCapture: { bucketName: "mlops-staging-diagnosis-data-1a2b3c4", enabled: false },
      alarms: { modelSetupTimeMilliseconds: 20_000 },
      tags: TAGS,
    });
    const config = inputsOf(serverless, `${NAME}-config`);
    assert.deepEqual(config.productionVariants, [
      {
        variantName: "primary",
        modelName: named(serverless, `${NAME}-primary`).outputs.name,
        initialVariantWeight: 1,
        serverlessConfig: { memorySizeInMb: 2048, maxConcurrency: 5, provisionedConcurrency: 1 },
      },
    ]);
    assert.equal(config.dataCaptureConfig, undefined);
    assert.equal(await valueOf(withoutCapture.dataCaptureUri), undefined);
    // Serverless Inference does not support network isolation.
    assert.equal(inputsOf(serverless, `${NAME}-primary`).enableNetworkIsolation, false);
    const setup = inputsOf(serverless, `${NAME}-primary-model-setup-time`);
    assert.deepEqual(
      [setup.metricName, setup.statistic, setup.threshold, setup.dimensions],
      ["ModelSetupTime", "Maximum", 20_000_000, { EndpointName: NAME, VariantName: "primary" }],
    );
    const rollback = (inputsOf(serverless, NAME).deploymentConfig as DeploymentConfigInputs)
      .autoRollbackConfiguration;
    assert.ok(
      rollback.alarms.some((a: { alarmName: string }) => a.alarmName === `${NAME}-primary-model-setup-time`),
    );
    const policy = JSON.parse(
      inputsOf(serverless, `${NAME}-model-role-policy`).policy as string,
    ) as PolicyDocument;
    assert.ok(!policy.Statement.some((s) => s.Sid === "WriteCapturedData"), "no capture, no write access");
    assert.equal(ofType(serverless, "aws:appautoscaling/target:Target").length, 0);
  });

  it("A/B: splits traffic by weight across variants, each with its own model and alarms", async () => {
    const args = prodArgs({
      variants: [
        {
          name: "champion",
          modelPackage: modelPackage(7),
          instanceType: "ml.m5.xlarge",
          initialInstanceCount: 2,
          weight: 90,
        },
        {
          name: "challenger",
          modelPackage: modelPackage(8),
          instanceType: "ml.m5.large",
          initialInstanceCount: 2,
          weight: 10,
        },
      ],
    });
    const { recorded: ab, endpoint: abEndpoint } = await build(args);
    const variants = inputsOf(ab, `${NAME}-config`).productionVariants as Record<string, unknown>[];
    assert.deepEqual(
      variants.map((v) => [v.variantName, v.initialVariantWeight, v.modelName]),
      [
        ["champion", 90, named(ab, `${NAME}-champion`).outputs.name],
        ["challenger", 10, named(ab, `${NAME}-challenger`).outputs.name],
      ],
    );
    assert.deepEqual(
      alarmsOf(ab)
        .map((a) => a.name)
        .sort(),
      [
        `${NAME}-challenger-4xx-error-rate`,
        `${NAME}-challenger-5xx-errors`,
        `${NAME}-challenger-model-latency-p99`,
        `${NAME}-champion-4xx-error-rate`,
        `${NAME}-champion-5xx-errors`,
        `${NAME}-champion-model-latency-p99`,
      ],
    );
    assert.deepEqual(inputsOf(ab, `${NAME}-challenger-5xx-errors`).dimensions, {
      EndpointName: NAME,
      VariantName: "challenger",
    });
    assert.deepEqual(await valueOf(abEndpoint.modelPackageArns), {
      champion: modelPackage(7).arn,
      challenger: modelPackage(8).arn,
    });
    const policy = JSON.parse(inputsOf(ab, `${NAME}-model-role-policy`).policy as string) as PolicyDocument;
    assert.deepEqual(policy.Statement.find((s) => s.Sid === "ReadModelArtifacts")?.Resource, [
      "arn:aws:s3:::mlops-prod-diagnosis-artifacts-1a2b3c4/pipelines/exec7/Train/output7/*",
      "arn:aws:s3:::mlops-prod-diagnosis-artifacts-1a2b3c4/pipelines/exec7/Train/output8/*",
    ]);
  });

  it("shadow: mirrors a share of the primary's requests to another version", async () => {
    const { recorded: shadowed } = await build(
      prodArgs({
        shadow: { modelPackage: modelPackage(8), samplingPercentage: 50, instanceType: "ml.m5.large" },
      }),
    );
    assert.deepEqual(inputsOf(shadowed, `${NAME}-config`).shadowProductionVariants, [
      {
        variantName: "shadow",
        modelName: named(shadowed, `${NAME}-shadow`).outputs.name,
        instanceType: "ml.m5.large",
        initialInstanceCount: 1,
        initialVariantWeight: 0.5,
      },
    ]);
    assert.equal(inputsOf(shadowed, `${NAME}-shadow`).enableNetworkIsolation, true);
  });

  it("linear traffic shifting, VPC models, and no volume key for NVMe instance types", async () => {
    const network = { subnetIds: ["subnet-0a1b2c3d"], securityGroupIds: ["sg-0a1b2c3d"] };
    const { recorded: linear } = await build(
      prodArgs({
        variants: [
          {
            name: "primary",
            modelPackage: modelPackage(7),
            instanceType: "ml.m5d.xlarge",
            initialInstanceCount: 4,
          },
        ],
        deployment: {
          strategy: "LINEAR",
          linearStepPercent: 25,
          terminationWaitSeconds: 120,
          maximumExecutionTimeoutSeconds: 3600,
        },
        network,
      }),
    );
    const policy = (inputsOf(linear, NAME).deploymentConfig as DeploymentConfigInputs).blueGreenUpdatePolicy;
    assert.deepEqual(policy, {
      trafficRoutingConfiguration: {
        type: "LINEAR",
        waitIntervalInSeconds: 300,
        linearStepSize: { type: "CAPACITY_PERCENT", value: 25 },
      },
      terminationWaitInSeconds: 120,
      maximumExecutionTimeoutInSeconds: 3600,
    });
    assert.deepEqual(inputsOf(linear, `${NAME}-primary`).vpcConfig, {
      subnets: ["subnet-0a1b2c3d"],
      securityGroupIds: ["sg-0a1b2c3d"],
    });
    assert.equal(inputsOf(linear, `${NAME}-config`).kmsKeyArn, undefined);
    const statements = (
      JSON.parse(inputsOf(linear, `${NAME}-model-role-policy`).policy as string) as PolicyDocument
    ).Statement;
    assert.ok(statements.some((s) => s.Sid === "CreateEndpointNetworkInterfaces"));
  });

  it("refuses bad arguments, listing every problem, before registering anything", async () => {
    const recordedHere = recordResources();
    assert.throws(
      () =>
        new ModelEndpoint("bad_name", {
          ...prodArgs(),
          variants: [
            {
              name: "primary",
              modelPackage: {
                arn: "arn:aws:sagemaker:us-east-1:123456789012:model-package/x/1",
                containers: [{ image: "docker.io/library/nginx" }],
              },
              instanceType: "ml.m5.huge",
              initialInstanceCount: 1,
              autoscaling: { minCapacity: 2, maxCapacity: 1 },
            },
            {
              name: "primary",
              modelPackage: modelPackage(8),
              serverless: { memorySizeInMb: 1500, maxConcurrency: 5 },
            },
          ],
          dataCapture: { bucketName: "b", samplingPercentage: 0 },
        }),
      (error: Error) => {
        assert.equal(
          error.message,
          'ModelEndpoint bad_name: name "bad_name" must be 1-50 letters, digits and hyphens; ' +
            "variants[0].autoscaling.maxCapacity 1 must be at least autoscaling.minCapacity (2); " +
            "variants[0].initialInstanceCount 1 must be at least autoscaling.minCapacity (2) so the endpoint starts within its scaling range; " +
            'deployment.strategy "CANARY" needs at least 2 instances (variants[0].initialInstanceCount) to shift traffic in steps; use ALL_AT_ONCE; ' +
            'variants[1].name "primary" is already used by variants[0].name; variant names must be unique; ' +
            "dataCapture.enabled must be false: serverless endpoints cannot capture data (capture is on by default); " +
            "variants: a serverless endpoint serves one variant, not 2; " +
            'variant "primary": "ml.m5.huge" is not a SageMaker endpoint instance type; ' +
            'variant "primary": serverless memorySizeInMb 1500 must be one of 1024, 2048, 3072, 4096, 5120, 6144; ' +
            "dataCapture samplingPercentage 0 must be from 1 to 100; " +
            'variant "primary": "docker.io/library/nginx" is not an Amazon ECR image URI; SageMaker only pulls from ECR.',
        );
        return true;
      },
    );
    await settle(recordedHere);
    assert.deepEqual(recordedHere, []);
  });

  it("refuses more variants than SageMaker's 10 rollback alarms can watch", () => {
    const variant = (name: string) => ({ ...prodArgs().variants[0], name });
    assert.throws(() => new ModelEndpoint(NAME, prodArgs({ variants: ["a", "b", "c", "d"].map(variant) })), {
      message:
        `ModelEndpoint ${NAME}: the challengers (variants after the first) are too many: with the primary, 4 ` +
        "variants have 3 rollback alarms each (12), and SageMaker takes at most 10 per endpoint; list at most 2 challengers.",
    });
  });

  it("states its footprint: with autoscaling and without", async () => {
    const scaled = await build(prodArgs());
    await assertFootprint(scaled.recorded, scaled.endpoint.footprint, [
      await valueOf(scaled.endpoint.roleArn),
    ]);
    const fixed = await build(
      prodArgs({
        variants: [{ name: "primary", modelPackage: modelPackage(7) }],
        deployment: { strategy: "ALL_AT_ONCE" },
      }),
    );
    await assertFootprint(fixed.recorded, fixed.endpoint.footprint, [await valueOf(fixed.endpoint.roleArn)]);
    assert.ok(!fixed.endpoint.footprint.types.includes("aws:appautoscaling/target:Target"));
  });
});
