import * as pulumi from "@pulumi/pulumi";
import { AlertTopic } from "./components/foundation/alertTopic";
import { GithubDeployAccess, ManagedResource } from "./components/delivery/githubDeployAccess";
import { MlPipeline } from "./components/pipeline/mlPipeline";
import { ModelApprovalDispatch } from "./components/delivery/modelApprovalDispatch";
import { ModelEndpoint } from "./components/endpoint/modelEndpoint";
import { MonitoringSchedule } from "./components/monitoring/monitoringSchedule";
import { PlatformKey } from "./components/foundation/platformKey";
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

/**
 * Records the custom resources the components register (type and inputs), through a transformation
 * their children inherit: the deploy role may deploy exactly the types the stack creates, and pass
 * exactly the roles its resources name.
 */
function resourceRecorder() {
  const resources: ManagedResource[] = [];
  const record: pulumi.ResourceTransformation = (args) => {
    if (args.resource instanceof pulumi.CustomResource)
      resources.push({ type: args.type, inputs: args.props });
    return undefined;
  };
  return { resources, opts: { transformations: [record] } };
}

/**
 * Delivery: a model approval dispatches a deploy to GitHub, and GitHub Actions deploys and
 * previews the stack with roles of its own. Created last, so that the deploy role's permissions
 * cover every type the stack created before it.
 */
function delivery(
  config: StackConfig,
  resources: {
    kmsKeyArn: pulumi.Input<string>;
    pipelines: readonly { readonly model: string; readonly pipeline: MlPipeline }[];
    recorder: ReturnType<typeof resourceRecorder>;
  },
) {
  const { github, approvalDispatch } = config.delivery ?? {};
  const { kmsKeyArn, recorder } = resources;
  // A topic of the stack, not a model's: a failed dispatch concerns the delivery of every model,
  // and each model's topic only accepts alarms named after that model.
  const dispatchName = `${config.namePrefix}-approvals`;
  const alerts =
    approvalDispatch &&
    new AlertTopic(
      `${config.namePrefix}-delivery-alerts`,
      {
        kmsKeyArn,
        emails: config.alerts.emails,
        alarmNamePrefix: dispatchName,
        eventRuleNamePrefix: dispatchName,
        tags: config.tags,
      },
      recorder.opts,
    );
  const dispatch =
    approvalDispatch &&
    alerts &&
    new ModelApprovalDispatch(
      dispatchName,
      {
        repository: approvalDispatch.repository,
        eventType: approvalDispatch.eventType,
        stack: pulumi.getStack(),
        models: resources.pipelines.map(({ model, pipeline }) => ({
          name: model,
          modelPackageGroupName: pipeline.modelPackageGroupName,
        })),
        alertTopicArn: alerts.topicArn,
        kmsKeyArn,
        tags: config.tags,
      },
      recorder.opts,
    );
  if (!github) return null;
  const access = new GithubDeployAccess(`${config.namePrefix}-github`, {
    repository: github.repository,
    deployEnvironment: github.deployEnvironment,
    deployBranch: github.deployBranch,
    oidcProviderArn: github.oidcProviderArn,
    previewRole: github.previewRole,
    namePrefix: config.namePrefix,
    managedResources: recorder.resources,
    // Key ids cannot be scoped by name: the stack key is recognised by the stack's environment and project.
    resourceTags: { Environment: config.environment, Project: config.tags.Project },
    kmsKeyArn,
    tags: config.tags,
  });
  return {
    deployRoleArn: access.deployRoleArn,
    previewRoleArn: github.previewRole ? access.previewRoleArn : null,
    oidcProviderArn: access.oidcProviderArn,
    approvalDispatch:
      dispatch && alerts
        ? {
            connectionArn: dispatch.connectionArn,
            connectionName: dispatch.connectionName,
            connectionSecretArn: dispatch.connectionSecretArn,
            apiDestinationArn: dispatch.apiDestinationArn,
            ruleNames: dispatch.ruleNames,
            deadLetterQueueUrl: dispatch.deadLetterQueueUrl,
            deadLetterQueueArn: dispatch.deadLetterQueueArn,
            alertTopicArn: alerts.topicArn,
          }
        : null,
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
  const recorder = resourceRecorder();

  const kmsKeyArn: pulumi.Input<string> =
    config.encryption.kmsKeyArn ??
    new PlatformKey(
      `${config.namePrefix}-platform`,
      {
        // EventBridge encrypts a connection's credentials with a customer managed key only when
        // the key carries this tag.
        tags: config.delivery?.approvalDispatch
          ? { ...config.tags, EventBridgeApiDestinations: "true" }
          : config.tags,
        deletionWindowDays: config.encryption.keyDeletionWindowDays,
        protect: config.storage.protectFromDeletion,
      },
      recorder.opts,
    ).keyArn;
  const pipelines: { model: string; pipeline: MlPipeline }[] = [];

  const models = config.models.map((model) => {
    const name = modelBaseName(config, model.name);
    const tags = { ...config.tags, Model: model.name };
    const pipeline = new MlPipeline(
      name,
      {
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
      },
      recorder.opts,
    );
    pipelines.push({ model: model.name, pipeline });
    // Alarms and rules named after the model may publish to its topic.
    const alerts = new AlertTopic(
      `${name}-alerts`,
      {
        kmsKeyArn,
        emails: config.alerts.emails,
        alarmNamePrefix: name,
        eventRuleNamePrefix: name,
        tags,
      },
      recorder.opts,
    );

    const plan = plans.find((p) => p.model === model.name);
    if (plan && !plan.packages) pulumi.log.warn(`Model "${model.name}": ${plan.skipped}`);
    for (const note of plan?.packages ? plan.notes : []) pulumi.log.warn(`Model "${model.name}": ${note}`);
    const endpoint =
      plan?.packages &&
      new ModelEndpoint(
        name,
        endpointArgs(config, model, plan.packages, { kmsKeyArn, alerts, pipeline }),
        recorder.opts,
      );
    const baseline = baselines.get(model.name);
    const monitor =
      endpoint && baseline
        ? {
            baseline,
            schedule: new MonitoringSchedule(
              `${name}-data-quality`,
              monitoringArgs(config, model, baseline, { kmsKeyArn, alerts, pipeline, endpoint }),
              recorder.opts,
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
    /** The GitHub Actions roles and the approval dispatch; null without `mlops:delivery.github`. */
    delivery: delivery(config, { kmsKeyArn, pipelines, recorder }),
  };
}
