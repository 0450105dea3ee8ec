import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  BatchInference,
  batchInferenceFootprint,
  batchOutputExpiry,
  batchRoleNames,
  batchSchemaProblems,
} from "./components/batch";
import { GithubDeployAccess, ModelApprovalDispatch } from "./components/delivery";
import { LiveFleet, ModelEndpoint, modelEndpointFootprint, modelRoleName } from "./components/endpoint";
import {
  AccessLogBucket,
  AlertTopic,
  DATA_BUCKET_PREFIXES,
  dataBucketExpiry,
  PermissionsBoundary,
  PlatformKey,
  SecureBucket,
} from "./components/foundation";
import { DriftForwarding, driftForwardingFootprint, TrainingTriggers } from "./components/retraining";
import {
  DriftCheck,
  driftCheckFootprint,
  driftCheckRoleNames,
  MonitoringSchedule,
  monitoringRoleName,
  monitoringScheduleFootprint,
} from "./components/monitoring";
import { artifactsBucketPattern, ML_DIR, MlPipeline } from "./components/pipeline";
import {
  accountOfArn,
  AccountContext,
  combineFootprints,
  DeployFootprint,
  lookupAccountContext,
} from "./components/shared";
import {
  CONCURRENT_LOOKUPS,
  EndpointPackages,
  EndpointPlan,
  mapWithConcurrency,
  modelBaseName,
  PackageResolver,
  planEndpoints,
} from "./registry/endpointPackages";
import type { LiveFleetReader } from "./registry/liveEndpoints";
import { checkExpectedPackages, ExpectedPackages } from "./registry/expectedPackages";
import { ModelPackageLookupError } from "./registry/errors";
import { DriftCheckBaseline, engineBaselines, ModelMonitorBaseline } from "./registry/monitoringBaselines";
import type { StackConfig } from "./stacks/config";
import { ConfigError } from "./stacks/errors";
import { loadStackConfig } from "./stacks/load";

type ModelConfig = StackConfig["models"][number];

/** What every component of the stack shares: where it deploys, its key and its roles' boundary. */
interface StackContext {
  readonly account: AccountContext;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly permissionsBoundaryArn: pulumi.Input<string>;
}

/** The key named in config, or the stack's own. */
function stackKey(
  config: StackConfig,
  account: AccountContext,
): { readonly keyArn: pulumi.Input<string>; readonly footprint?: DeployFootprint } {
  const { kmsKeyArn, keyDeletionWindowDays } = config.encryption;
  if (kmsKeyArn !== undefined) return { keyArn: kmsKeyArn };
  const key = new PlatformKey(`${config.namePrefix}-platform`, {
    account,
    // EventBridge encrypts a connection's credentials with a customer managed key only when the
    // key carries this tag.
    tags: config.delivery?.approvalDispatch
      ? { ...config.tags, EventBridgeApiDestinations: "true" }
      : config.tags,
    deletionWindowDays: keyDeletionWindowDays,
    protect: config.storage.protectFromDeletion,
    // Stacks that serve this stack's models decrypt their artifacts and baselines, through S3 only.
    consumerAccounts: config.promotion.consumerAccounts,
    sharedBucketPattern: artifactsBucketPattern(config.namePrefix),
    // The drift checks' functions log to groups of their own names, encrypted with the key.
    logGroupPattern: `/aws/lambda/${config.namePrefix}-*`,
  });
  return { keyArn: key.keyArn, footprint: key.footprint };
}

/** The permissions boundary named in config, or the stack's own: every role of the stack carries it. */
function stackBoundary(
  config: StackConfig,
  account: AccountContext,
): { readonly arn: pulumi.Input<string>; readonly footprint?: DeployFootprint } {
  const { permissionsBoundaryArn } = config.security;
  if (permissionsBoundaryArn !== undefined) return { arn: permissionsBoundaryArn };
  const boundary = new PermissionsBoundary(`${config.namePrefix}-permissions-boundary`, {
    account,
    namePrefix: config.namePrefix,
    tags: config.tags,
    protect: config.storage.protectFromDeletion,
  });
  return { arn: boundary.policyArn, footprint: boundary.footprint };
}

/** The endpoint's settings with the packages the registry resolved for its variants. */
function endpointArgs(
  config: StackConfig,
  model: ModelConfig,
  packages: EndpointPackages,
  live: LiveFleet,
  resources: StackContext & { alerts: AlertTopic; dataBucketName: pulumi.Input<string> },
) {
  const { enabled, modelPackage, variantName, challengers, shadow, dataCapture, ...rest } = model.endpoint;
  const { deployment, alarms, ...primary } = rest;
  return {
    account: resources.account,
    variants: [
      { ...primary, name: variantName, modelPackage: packages.primary },
      ...challengers.map((challenger, index) => ({
        ...challenger,
        modelPackage: packages.challengers[index],
      })),
    ],
    shadow: shadow && packages.shadow ? { ...shadow, modelPackage: packages.shadow } : undefined,
    kmsKeyArn: resources.kmsKeyArn,
    permissionsBoundaryArn: resources.permissionsBoundaryArn,
    alertTopicArn: resources.alerts.topicArn,
    // Under the prefix whose retention is storage.captureRetentionDays.
    dataCapture: {
      ...dataCapture,
      bucketName: resources.dataBucketName,
      prefix: DATA_BUCKET_PREFIXES.capture,
    },
    deployment,
    alarms,
    network: config.network,
    tags: { ...config.tags, Model: model.name },
    live,
  };
}

/** The model's schema: `pipeline.schemaFile`, or the one committed for it, `ml/schemas/<model>.json`. */
function schemaFileOf(model: ModelConfig): { readonly schemaFile: string; readonly resolved: string } {
  const schemaFile = model.pipeline.schemaFile ?? path.join("ml", "schemas", `${model.name}.json`);
  return { schemaFile, resolved: path.resolve(ML_DIR, "..", schemaFile) };
}

/** Name of a model's batch inference: `<namePrefix>-<model>-batch`. */
const batchName = (name: string) => `${name}-batch`;

/** Batch inference's settings with the version the model's endpoint serves, in the model's data bucket. */
function batchArgs(
  config: StackConfig,
  model: ModelConfig & { batch: NonNullable<ModelConfig["batch"]> },
  packages: EndpointPackages,
  resources: StackContext & { alerts: AlertTopic; dataBucketName: pulumi.Input<string> },
) {
  const { maxMissingRate, columnMaxMissing } = model.pipeline.dataChecks;
  return {
    ...model.batch,
    account: resources.account,
    modelName: model.name,
    stack: pulumi.getStack(),
    modelPackage: packages.primary,
    dataBucketName: resources.dataBucketName,
    // Inputs are held to the model's schema and its training data's missing-value limits.
    schemaFile: schemaFileOf(model).resolved,
    targetColumn: model.pipeline.targetColumn,
    dataChecks: { maxMissingRate, columnMaxMissing },
    outputRetentionDays: config.storage.batchOutputRetentionDays,
    logRetentionDays: config.storage.logRetentionDays,
    kmsKeyArn: resources.kmsKeyArn,
    permissionsBoundaryArn: resources.permissionsBoundaryArn,
    alertTopicArn: resources.alerts.topicArn,
    network: config.network,
    tags: { ...config.tags, Model: model.name },
  };
}

/** Name of a model's Model Monitor schedule: `<namePrefix>-<model>-data-quality`. */
const scheduleName = (name: string) => `${name}-data-quality`;
/** Name of a model's drift check: `<namePrefix>-<model>-drift`. */
const driftCheckName = (name: string) => `${name}-drift`;

/**
 * What serving a model will create, stated before any version is served: the deploy role is an
 * administrator's to change, so the first approval's deploy must already be allowed to create the
 * endpoint, its autoscaling and its monitoring, and to pass their roles (fixed names). Once they
 * exist, their components state exactly this, so the deploy role does not change.
 */
function plannedServingFootprint(model: ModelConfig, name: string, account: AccountContext): DeployFootprint {
  const roleArn = (roleName: string) =>
    pulumi.interpolate`arn:${account.partition}:iam::${account.accountId}:role/${roleName}`;
  const { endpoint, monitoring } = model;
  const footprints = [
    modelEndpointFootprint(
      { variants: [endpoint, ...endpoint.challengers] },
      roleArn(modelRoleName(name)),
      modelRoleName(name),
    ),
  ];
  if (monitoring.enabled && endpoint.dataCapture.enabled && endpoint.serverless === undefined) {
    if (monitoring.engine === "model-monitor") {
      const role = monitoringRoleName(scheduleName(name));
      footprints.push(monitoringScheduleFootprint(roleArn(role), role));
    } else {
      const roles = driftCheckRoleNames(driftCheckName(name));
      footprints.push(
        driftCheckFootprint(
          { check: roleArn(roles.check), steps: roleArn(roles.steps), scheduler: roleArn(roles.scheduler) },
          roles,
        ),
      );
      const forwarding = `${name}-drift-forwarding-role`;
      if (model.source) footprints.push(driftForwardingFootprint(roleArn(forwarding), forwarding));
    }
  }
  if (model.batch) {
    const roles = batchRoleNames(batchName(name));
    footprints.push(
      batchInferenceFootprint(
        model.batch,
        {
          model: roleArn(roles.model),
          pipeline: roleArn(roles.pipeline),
          trigger: roleArn(roles.trigger),
          scheduler: roleArn(roles.scheduler),
        },
        roles,
      ),
    );
  }
  return combineFootprints(...footprints);
}

/** What both engines take: where the traffic is, where reports go, the key, the alerts and the network. */
interface MonitorResources extends StackContext {
  alerts: AlertTopic;
  dataBucketName: pulumi.Input<string>;
  endpoint: ModelEndpoint;
  /** The account of the served version's registry, when the model is served from a source. */
  builtBy?: string;
}

function sharedMonitorArgs(config: StackConfig, model: ModelConfig, resources: MonitorResources) {
  const { scheduleExpression, instanceType, maxRuntimeSeconds, driftAlarms } = model.monitoring;
  return {
    scheduleExpression,
    instanceType,
    maxRuntimeSeconds,
    driftAlarms,
    account: resources.account,
    endpointName: resources.endpoint.endpointName,
    // Monitoring is only planned for endpoints that capture, so the URI is always set here.
    captureUri: resources.endpoint.dataCaptureUri.apply((uri) => uri ?? ""),
    outputBucketName: resources.dataBucketName,
    kmsKeyArn: resources.kmsKeyArn,
    permissionsBoundaryArn: resources.permissionsBoundaryArn,
    alertTopicArn: resources.alerts.topicArn,
    network: config.network,
    tags: { ...config.tags, Model: model.name },
  };
}

/** Model Monitor's settings with the baseline of the served version. */
function modelMonitorArgs(
  config: StackConfig,
  model: ModelConfig,
  baseline: ModelMonitorBaseline,
  resources: MonitorResources,
) {
  return {
    ...sharedMonitorArgs(config, model, resources),
    baseline: {
      statisticsUri: baseline.statisticsUri,
      constraintsUri: baseline.constraintsUri,
      // Registered with a version another account built: in that account's bucket, under its key.
      accountId: baseline.source === "config" ? undefined : resources.builtBy,
    },
  };
}

/** The drift check's settings with the drift baseline of the served version. */
function driftCheckArgs(
  config: StackConfig,
  model: ModelConfig,
  baseline: DriftCheckBaseline,
  resources: MonitorResources,
) {
  const { features, minRows, ...thresholds } = model.monitoring.drift;
  return {
    ...sharedMonitorArgs(config, model, resources),
    baselineUri: baseline.uri,
    baselineAccountId: baseline.source === "config" ? undefined : resources.builtBy,
    // Drift is an event about the model too: retraining, here or where it is built, listens to it.
    modelName: model.name,
    thresholds,
    minRows,
    featureThresholds: features,
    logRetentionDays: config.storage.logRetentionDays,
  };
}

/** The model's monitor, of the engine its config names. */
function monitor(
  config: StackConfig,
  model: ModelConfig,
  name: string,
  baseline: DriftCheckBaseline | ModelMonitorBaseline,
  resources: MonitorResources,
) {
  return baseline.engine === "model-monitor"
    ? new MonitoringSchedule(scheduleName(name), modelMonitorArgs(config, model, baseline, resources))
    : new DriftCheck(driftCheckName(name), driftCheckArgs(config, model, baseline, resources));
}

/** A built model's retraining triggers, when any is on. */
function retrainingTriggers(
  config: StackConfig,
  model: ModelConfig,
  name: string,
  resources: StackContext & { pipeline: MlPipeline; alerts: AlertTopic },
) {
  const { newData, schedule, drift } = model.retraining;
  if (!newData.enabled && !drift.enabled && schedule === undefined) return undefined;
  return new TrainingTriggers(`${name}-retraining`, {
    account: resources.account,
    modelName: model.name,
    pipelineName: resources.pipeline.pipelineName,
    pipelineArn: resources.pipeline.pipelineArn,
    // The registry is named after the model, as the pipeline's other resources are.
    modelPackageGroupName: name,
    dataBucketName: resources.pipeline.dataBucketName,
    newData,
    schedule,
    drift,
    consumerAccounts: config.promotion.consumerAccounts,
    kmsKeyArn: resources.kmsKeyArn,
    permissionsBoundaryArn: resources.permissionsBoundaryArn,
    alertTopicArn: resources.alerts.topicArn,
    logRetentionDays: config.storage.logRetentionDays,
    tags: { ...config.tags, Model: model.name },
  });
}

/** What a stack's outputs say of a model's monitor: its engine, where it runs and reports, its baseline. */
function monitoringOutputs(
  baseline: DriftCheckBaseline | ModelMonitorBaseline,
  monitor: MonitoringSchedule | DriftCheck,
) {
  const common = {
    engine: baseline.engine,
    scheduleName: monitor.scheduleName,
    reportUri: monitor.reportUri,
  };
  return monitor instanceof DriftCheck
    ? {
        ...common,
        pipelineName: monitor.pipelineName,
        baselineUri: baseline.engine === "drift-check" ? baseline.uri : null,
      }
    : {
        ...common,
        baselineStatisticsUri: baseline.engine === "model-monitor" ? baseline.statisticsUri : null,
        baselineConstraintsUri: baseline.engine === "model-monitor" ? baseline.constraintsUri : null,
      };
}

/**
 * Delivery: a model approval dispatches a deploy to GitHub, and GitHub Actions deploys and
 * previews the stack with roles of its own. The deploy role's permissions are the footprint of
 * the stack's other components, handed over explicitly.
 */
function delivery(
  config: StackConfig,
  context: StackContext & {
    pipelines: readonly { readonly model: string; readonly pipeline: MlPipeline }[];
    footprint: DeployFootprint;
  },
) {
  const { github, approvalDispatch } = config.delivery ?? {};
  const { account, kmsKeyArn, permissionsBoundaryArn } = context;
  // A topic of the stack, not a model's: a failed dispatch concerns the delivery of every model,
  // and each model's topic only accepts alarms named after that model.
  const dispatchName = `${config.namePrefix}-approvals`;
  const alerts =
    approvalDispatch &&
    new AlertTopic(`${config.namePrefix}-delivery-alerts`, {
      account,
      kmsKeyArn,
      emails: config.alerts.emails,
      alarmNamePrefix: dispatchName,
      eventRuleNamePrefix: dispatchName,
      tags: config.tags,
    });
  const dispatch =
    approvalDispatch &&
    alerts &&
    new ModelApprovalDispatch(dispatchName, {
      ...approvalDispatch,
      account,
      stack: pulumi.getStack(),
      models: context.pipelines.map(({ model, pipeline }) => ({
        name: model,
        modelPackageGroupName: pipeline.modelPackageGroupName,
      })),
      alertTopicArn: alerts.topicArn,
      kmsKeyArn,
      permissionsBoundaryArn,
      tags: config.tags,
    });
  if (!github) return null;
  const access = new GithubDeployAccess(`${config.namePrefix}-github`, {
    ...github,
    account,
    namePrefix: config.namePrefix,
    footprint: combineFootprints(
      context.footprint,
      ...(alerts ? [alerts.footprint] : []),
      ...(dispatch ? [dispatch.footprint] : []),
    ),
    // Key ids cannot be scoped by name: the stack key is recognised by the stack's environment and project.
    resourceTags: { Environment: config.environment, Project: config.tags.Project },
    kmsKeyArn,
    permissionsBoundaryArn,
    sourceModelPackageGroupArns: config.models.flatMap((model) =>
      model.source ? [model.source.modelPackageGroupArn] : [],
    ),
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
  /** Reads an endpoint's live fleet by name: SageMaker, or nothing offline. */
  readonly liveFleet: LiveFleetReader;
  /** The package each named model must serve, or nothing is deployed. @default no expectation */
  readonly expectedPackages?: ExpectedPackages;
  /** Where what was found is told (the version served, each variant's instance count). @default Pulumi's info log */
  readonly info?: (message: string) => void;
}

/**
 * The live fleet of each endpoint the plans deploy, read a few at a time, by model. An endpoint a
 * plan leaves out (nothing approved or verified to serve) must not be serving already: leaving it
 * out of the program would make `pulumi up` delete it, so the run stops instead, creating nothing.
 */
async function liveFleets(
  config: StackConfig,
  plans: readonly EndpointPlan[],
  read: LiveFleetReader,
): Promise<Map<string, LiveFleet>> {
  const fleets = await mapWithConcurrency(plans, CONCURRENT_LOOKUPS, (plan) =>
    read(modelBaseName(config, plan.model), plan.packages ? "size" : "guard"),
  );
  const serving = plans.flatMap((plan, index) => {
    if (plan.packages || fleets[index].source !== "endpoint") return [];
    const at = config.models.findIndex((model) => model.name === plan.model);
    return [
      `  - models[${at}] "${plan.model}": endpoint "${modelBaseName(config, plan.model)}" is serving, but ${plan.skipped}`,
    ];
  });
  if (serving.length > 0) {
    throw new ModelPackageLookupError(
      [
        "Nothing was changed: these endpoints serve traffic, and the registry gives them nothing to serve, so " +
          "`pulumi up` would delete them:",
        ...serving,
        "Approve (or verify) a version, or pin the one they serve in models[].endpoint.modelPackage; to delete an " +
          "endpoint on purpose, set models[].endpoint.enabled: false.",
      ].join("\n"),
    );
  }
  return new Map(plans.map((plan, index) => [plan.model, fleets[index]]));
}

/**
 * The platform for one stack. Config is read and validated, and the model registry consulted,
 * before any resource exists: a mistake or a failed look-up creates nothing.
 */
export async function platform(options: PlatformOptions) {
  const config = loadStackConfig();
  const info = options.info ?? ((message: string) => void pulumi.log.info(message));
  const plans = await planEndpoints(config, options.resolve);
  checkExpectedPackages(config, plans, options.expectedPackages);
  const fleets = await liveFleets(config, plans, options.liveFleet);
  const baselines = engineBaselines(config, plans);
  // A model with batch inference needs its schema, even one served from another stack's registry.
  const schemaProblems = batchSchemaProblems(
    config.models.flatMap((model, index) =>
      model.batch ? [{ path: `models[${index}]`, ...schemaFileOf(model) }] : [],
    ),
  );
  if (schemaProblems.length > 0) throw new ConfigError(pulumi.getStack(), schemaProblems);
  const account = lookupAccountContext();

  const key = stackKey(config, account);
  const boundary = stackBoundary(config, account);
  const context: StackContext = { account, kmsKeyArn: key.keyArn, permissionsBoundaryArn: boundary.arn };
  const footprints: DeployFootprint[] = [key.footprint, boundary.footprint].flatMap((f) => f ?? []);
  const pipelines: { model: string; pipeline: MlPipeline }[] = [];
  /** The buckets whose S3 server access logs go to the stack's log bucket, by label. */
  const loggedBuckets: Record<string, pulumi.Input<string>> = {};

  const models = config.models.map((model) => {
    const name = modelBaseName(config, model.name);
    const tags = { ...config.tags, Model: model.name };
    // Alarms and rules named after the model may publish to its topic.
    const alerts = new AlertTopic(`${name}-alerts`, {
      ...context,
      emails: config.alerts.emails,
      alarmNamePrefix: name,
      eventRuleNamePrefix: name,
      tags,
    });
    // A model is built here, or served from the registry of the stack that builds it (its source).
    const pipeline = model.source
      ? undefined
      : new MlPipeline(name, {
          ...model.pipeline,
          // Model Monitor's baseline only for a model that Model Monitor watches, unless asked for.
          modelMonitorBaseline:
            model.pipeline.modelMonitorBaseline ?? model.monitoring.engine === "model-monitor",
          // The data gate checks each dataset against the schema committed for the model.
          schemaFile: schemaFileOf(model).resolved,
          ...config.storage,
          // Captured traffic and monitoring reports expire; training data does not.
          dataExpireByPrefix: {
            ...dataBucketExpiry(config.storage),
            ...batchOutputExpiry(model.batch, config.storage),
          },
          ...context,
          tags,
          description: model.description,
          network: config.network,
          consumerAccounts: config.promotion.consumerAccounts,
          // A run that stops at a gate, fails otherwise or is stopped pages the model's topic.
          alertTopicArn: alerts.topicArn,
        });
    if (pipeline) pipelines.push({ model: model.name, pipeline });
    // A served model still captures its traffic and keeps its monitoring reports: in a bucket of its own.
    const servingData = pipeline
      ? undefined
      : new SecureBucket(`${name}-data`, {
          kmsKeyArn: context.kmsKeyArn,
          tags,
          protect: config.storage.protectFromDeletion,
          noncurrentVersionRetentionDays: config.storage.noncurrentVersionRetentionDays,
          expireByPrefix: {
            ...dataBucketExpiry(config.storage),
            ...batchOutputExpiry(model.batch, config.storage),
          },
        });
    const dataBucketName = pipeline?.dataBucketName ?? servingData?.bucketName ?? pulumi.output("");
    loggedBuckets[`${model.name}-data`] = dataBucketName;
    if (pipeline) loggedBuckets[`${model.name}-artifacts`] = pipeline.artifactsBucketName;
    footprints.push(pipeline?.footprint ?? servingData?.footprint ?? { types: [], passedRoles: [] });
    footprints.push(alerts.footprint);
    const triggers = pipeline && retrainingTriggers(config, model, name, { ...context, pipeline, alerts });
    if (triggers) footprints.push(triggers.footprint);

    const plan = plans.find((p) => p.model === model.name);
    if (plan && !plan.packages) pulumi.log.warn(`Model "${model.name}": ${plan.skipped}`);
    for (const note of plan?.packages ? plan.notes : []) pulumi.log.warn(`Model "${model.name}": ${note}`);
    for (const fact of plan?.packages ? (plan.info ?? []) : []) info(`Model "${model.name}": ${fact}`);
    const live = fleets.get(model.name) ?? { source: "none" };
    const endpoint =
      plan?.packages &&
      new ModelEndpoint(
        name,
        endpointArgs(config, model, plan.packages, live, { ...context, alerts, dataBucketName }),
      );
    // Offline, the preview's notes say it once per endpoint; online, each variant's count and why.
    for (const choice of endpoint && live.source !== "offline" ? endpoint.instanceCounts : []) {
      info(`Model "${model.name}": variant ${choice.variant} starts with ${choice.reason}`);
    }
    const baseline = baselines.get(model.name);
    const monitoring =
      endpoint && baseline
        ? {
            baseline,
            monitor: monitor(config, model, name, baseline, {
              ...context,
              alerts,
              dataBucketName,
              endpoint,
              builtBy: model.source && plan?.packages ? accountOfArn(plan.packages.primary.arn) : undefined,
            }),
          }
        : undefined;
    if (endpoint) footprints.push(endpoint.footprint);
    if (monitoring) footprints.push(monitoring.monitor.footprint);
    // A served model's drift retrains it where it is built.
    const forwarding =
      monitoring?.monitor instanceof DriftCheck && model.source
        ? new DriftForwarding(`${name}-drift-forwarding`, {
            account,
            modelName: model.name,
            sourceModelPackageGroupArn: model.source.modelPackageGroupArn,
            kmsKeyArn: context.kmsKeyArn,
            permissionsBoundaryArn: context.permissionsBoundaryArn,
            alertTopicArn: alerts.topicArn,
            tags,
          })
        : undefined;
    if (forwarding) footprints.push(forwarding.footprint);
    if (!endpoint && model.endpoint.enabled) footprints.push(plannedServingFootprint(model, name, account));
    // Scored with the version the endpoint serves: none before one is approved (or verified).
    const batch =
      model.batch && plan?.packages
        ? new BatchInference(
            batchName(name),
            batchArgs(config, { ...model, batch: model.batch }, plan.packages, {
              ...context,
              alerts,
              dataBucketName,
            }),
          )
        : undefined;
    if (model.batch && !batch) {
      pulumi.log.warn(
        `Model "${model.name}": batch inference is not deployed either: it scores with the version the endpoint serves`,
      );
    }
    if (batch) footprints.push(batch.footprint);

    return [
      model.name,
      {
        // A served model's pipeline and registry are its source's: null here.
        pipelineName: pipeline?.pipelineName ?? null,
        pipelineArn: pipeline?.pipelineArn ?? null,
        dataBucket: dataBucketName,
        artifactsBucket: pipeline?.artifactsBucketName ?? null,
        inputDataUri: pipeline?.inputDataUri ?? null,
        executionRoleArn: pipeline?.roleArn ?? null,
        modelPackageGroupName: pipeline?.modelPackageGroupName ?? null,
        source: model.source?.modelPackageGroupArn ?? null,
        alertTopicArn: alerts.topicArn,
        endpoint: endpoint
          ? {
              name: endpoint.endpointName,
              arn: endpoint.endpointArn,
              configName: endpoint.endpointConfigName,
              modelPackageArn: endpoint.modelPackageArn,
              monitoring: monitoring ? monitoringOutputs(monitoring.baseline, monitoring.monitor) : null,
            }
          : null,
        // Where datasets to score go and runs write; null without models[].batch or a served version.
        batch: batch
          ? {
              pipelineName: batch.pipelineName,
              inputUrl: batch.inputUrl,
              outputUrl: batch.outputUrl,
              modelName: batch.modelName,
            }
          : null,
      },
    ] as const;
  });

  // Audit: every request to the training data, the models and the captured traffic is logged.
  const accessLogs = config.storage.accessLogs
    ? new AccessLogBucket(`${config.namePrefix}-access-logs`, {
        account,
        sources: loggedBuckets,
        retentionDays: config.storage.accessLogRetentionDays,
        noncurrentVersionRetentionDays: config.storage.noncurrentVersionRetentionDays,
        protect: config.storage.protectFromDeletion,
        tags: config.tags,
      })
    : undefined;
  if (accessLogs) footprints.push(accessLogs.footprint);

  return {
    environment: config.environment,
    platformKeyArn: key.keyArn,
    /** The bucket the S3 server access logs of the data and artifacts buckets go to; null without `storage.accessLogs`. */
    accessLogBucket: accessLogs?.bucketName ?? null,
    /**
     * Per model: its pipeline, data, artifacts, registry, alert topic, endpoint (null until one is
     * approved) with its monitor, and batch inference (null without it, or until one is approved).
     */
    models: Object.fromEntries(models),
    /** The GitHub Actions roles and the approval dispatch; null without `mlops:delivery.github`. */
    delivery: delivery(config, { ...context, pipelines, footprint: combineFootprints(...footprints) }),
  };
}
