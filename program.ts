import * as pulumi from "@pulumi/pulumi";
import { AlertTopic } from "./components/alertTopic";
import { MlPipeline } from "./components/mlPipeline";
import { ModelEndpoint } from "./components/modelEndpoint";
import { MonitoringSchedule } from "./components/monitoringSchedule";
import { PlatformKey } from "./components/platformKey";
import { EndpointPackages, modelBaseName, PackageResolver, planEndpoints } from "./registry/endpointPackages";
import { MonitorBaseline, monitoringBaselines } from "./registry/monitoringBaselines";
import type { StackConfig } from "./stacks/config";
import { loadStackConfig } from "./stacks/load";

type ModelConfig = StackConfig["models"][number];

function endpointArgs(
  config: StackConfig,
  model: ModelConfig,
  packages: EndpointPackages,
  resources: { kmsKeyArn: pulumi.Input<string>; alerts: AlertTopic; pipeline: MlPipeline },
) {
  const { endpoint } = model;
  const capacity = (variant: {
    instanceType?: string;
    initialInstanceCount?: number;
    serverless?: ModelConfig["endpoint"]["serverless"];
    autoscaling?: ModelConfig["endpoint"]["autoscaling"];
  }) => ({
    instanceType: variant.instanceType,
    initialInstanceCount: variant.initialInstanceCount,
    serverless: variant.serverless,
    autoscaling: variant.autoscaling,
  });
  return {
    variants: [
      {
        name: endpoint.variantName,
        modelPackage: packages.primary,
        weight: endpoint.weight,
        ...capacity(endpoint),
      },
      ...endpoint.challengers.map((challenger, index) => ({
        name: challenger.name,
        modelPackage: packages.challengers[index],
        weight: challenger.weight,
        ...capacity(challenger),
      })),
    ],
    shadow:
      endpoint.shadow && packages.shadow
        ? {
            name: endpoint.shadow.name,
            modelPackage: packages.shadow,
            samplingPercentage: endpoint.shadow.samplingPercentage,
            instanceType: endpoint.shadow.instanceType,
            initialInstanceCount: endpoint.shadow.initialInstanceCount,
          }
        : undefined,
    kmsKeyArn: resources.kmsKeyArn,
    alertTopicArn: resources.alerts.topicArn,
    dataCapture: {
      bucketName: resources.pipeline.dataBucketName,
      enabled: endpoint.dataCapture.enabled,
      samplingPercentage: endpoint.dataCapture.samplingPercentage,
    },
    deployment: endpoint.deployment,
    alarms: endpoint.alarms,
    network: config.network,
    tags: { ...config.tags, Model: model.name },
  };
}

function monitoringArgs(
  config: StackConfig,
  model: ModelConfig,
  baseline: MonitorBaseline,
  resources: {
    kmsKeyArn: pulumi.Input<string>;
    alerts: AlertTopic;
    pipeline: MlPipeline;
    endpoint: ModelEndpoint;
  },
) {
  const { monitoring } = model;
  return {
    endpointName: resources.endpoint.endpointName,
    // Monitoring is only planned for endpoints that capture, so the URI is always set here.
    captureUri: resources.endpoint.dataCaptureUri.apply((uri) => uri ?? ""),
    outputBucketName: resources.pipeline.dataBucketName,
    baseline: { statisticsUri: baseline.statisticsUri, constraintsUri: baseline.constraintsUri },
    kmsKeyArn: resources.kmsKeyArn,
    alertTopicArn: resources.alerts.topicArn,
    scheduleExpression: monitoring.scheduleExpression,
    instanceType: monitoring.instanceType,
    maxRuntimeSeconds: monitoring.maxRuntimeSeconds,
    driftAlarms: monitoring.driftAlarms,
    network: config.network,
    tags: { ...config.tags, Model: model.name },
  };
}

/** Where the program finds the model packages endpoints serve. */
export interface PlatformOptions {
  /** Resolves `endpoint.modelPackage` of each model: the registry, or a stand-in offline. */
  readonly resolve: PackageResolver;
}

/**
 * The platform for one stack. Config is read and validated, and the model registry consulted,
 * before any resource exists: a mistake or a failed look-up creates nothing.
 */
export async function platform(options: PlatformOptions) {
  const config = loadStackConfig();
  const plans = await planEndpoints(config, options.resolve);
  const baselines = monitoringBaselines(config, plans);

  const kmsKeyArn: pulumi.Input<string> =
    config.encryption.kmsKeyArn ??
    new PlatformKey(`${config.namePrefix}-platform`, {
      tags: config.tags,
      deletionWindowDays: config.encryption.keyDeletionWindowDays,
      protect: config.storage.protectFromDeletion,
    }).keyArn;

  const models = config.models.map((model) => {
    const name = modelBaseName(config, model.name);
    const tags = { ...config.tags, Model: model.name };
    const pipeline = new MlPipeline(name, {
      kmsKeyArn,
      tags,
      description: model.description,
      inputDataUri: model.pipeline.inputDataUri,
      targetColumn: model.pipeline.targetColumn,
      processingInstanceType: model.pipeline.processingInstanceType,
      trainingInstanceType: model.pipeline.trainingInstanceType,
      accuracyThreshold: model.pipeline.accuracyThreshold,
      modelApprovalStatus: model.pipeline.modelApprovalStatus,
      spotTraining: model.pipeline.spotTraining,
      maxRuntimeSeconds: model.pipeline.maxRuntimeSeconds,
      maxWaitSeconds: model.pipeline.maxWaitSeconds,
      hyperparameters: model.pipeline.hyperparameters,
      network: config.network,
      protectFromDeletion: config.storage.protectFromDeletion,
      noncurrentVersionRetentionDays: config.storage.noncurrentVersionRetentionDays,
      checkpointRetentionDays: config.storage.checkpointRetentionDays,
    });
    // Alarms and rules named after the model may publish to its topic.
    const alerts = new AlertTopic(`${name}-alerts`, {
      kmsKeyArn,
      emails: config.alerts.emails,
      alarmNamePrefix: name,
      eventRuleNamePrefix: name,
      tags,
    });

    const plan = plans.find((p) => p.model === model.name);
    if (plan && !plan.packages) pulumi.log.warn(`Model "${model.name}": ${plan.skipped}`);
    for (const note of plan?.packages ? plan.notes : []) pulumi.log.warn(`Model "${model.name}": ${note}`);
    const endpoint =
      plan?.packages &&
      new ModelEndpoint(name, endpointArgs(config, model, plan.packages, { kmsKeyArn, alerts, pipeline }));
    const baseline = baselines.get(model.name);
    const monitor =
      endpoint && baseline
        ? {
            baseline,
            schedule: new MonitoringSchedule(
              `${name}-data-quality`,
              monitoringArgs(config, model, baseline, { kmsKeyArn, alerts, pipeline, endpoint }),
            ),
          }
        : undefined;

    return [
      model.name,
      {
        pipelineName: pipeline.pipelineName,
        pipelineArn: pipeline.pipelineArn,
        dataBucket: pipeline.dataBucketName,
        artifactsBucket: pipeline.artifactsBucketName,
        inputDataUri: pipeline.inputDataUri,
        executionRoleArn: pipeline.roleArn,
        modelPackageGroupName: pipeline.modelPackageGroupName,
        alertTopicArn: alerts.topicArn,
        endpoint: endpoint
          ? {
              name: endpoint.endpointName,
              arn: endpoint.endpointArn,
              configName: endpoint.endpointConfigName,
              modelPackageArn: endpoint.modelPackageArn,
              monitoring: monitor
                ? {
                    scheduleName: monitor.schedule.scheduleName,
                    reportUri: monitor.schedule.reportUri,
                    baselineStatisticsUri: monitor.baseline.statisticsUri,
                    baselineConstraintsUri: monitor.baseline.constraintsUri,
                  }
                : null,
            }
          : null,
      },
    ] as const;
  });

  return {
    environment: config.environment,
    platformKeyArn: kmsKeyArn,
    /** Per model: its pipeline, data, artifacts, registry, alert topic and endpoint (null until one is approved) with its monitor. */
    models: Object.fromEntries(models),
  };
}
