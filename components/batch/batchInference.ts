import { existsSync } from "node:fs";
import * as path from "node:path";
import type { ProcessingInstanceType, TransformInstanceType } from "@aws-sdk/client-sagemaker";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { functionRule } from "../shared/functionRule";
import type { ServedModelPackage } from "../endpoint/modelEndpoint";
import { STORAGE_DEFAULTS, STORAGE_SETTINGS } from "../foundation/settings";
import { schemaFileProblems } from "../pipeline/mlPipeline";
import { PIPELINE_DEFAULTS } from "../pipeline/settings";
import { startTrainingPolicy } from "../retraining/startTrainingPolicy";
import { newDataEventPattern } from "../retraining/trainingTriggers";
import type { AccountContext } from "../shared/account";
import { ALERT_RULE_TYPES, alertRule } from "../shared/alertRule";
import { ecrRepositoryArn } from "../shared/arn";
import { deadLetterAlarm, deadLetterQueue } from "../shared/deadLetterQueue";
import {
  combineFootprints,
  DeployFootprint,
  LAMBDA_SERVICE,
  SAGEMAKER_SERVICE,
  SCHEDULER_SERVICE,
  TYPES,
} from "../shared/footprint";
import { pipelineStartSchedule } from "../shared/pipelineStartSchedule";
import { policyDocument } from "../shared/policyDocument";
import { functionLogGroup, pythonFunctionArgs } from "../shared/pythonFunction";
import { eventRulesDeadLetterPolicy, queueTlsOnlyStatement } from "../shared/queuePolicy";
import { ML_DIR, scriptKey } from "../shared/scripts";
import { lambdaTrustPolicy, sageMakerAssumeRolePolicy } from "../shared/serviceTrust";
import { problemList } from "../shared/settings";
import { accountOfArn } from "../shared/sourceKeys";
import type { NetworkScope } from "../shared/vpc";
import {
  batchFailedRule,
  batchFailedRuleName,
  batchFailedUndeliveredAlarm,
  failedBatchStartsAlarm,
} from "./batchAlerts";
import { batchModelPolicy, batchPipelinePolicy } from "./batchPolicy";
import { BATCH_PREFIXES, buildBatchDefinition, scheduledInputUri, volumeKey } from "./definition";
import { BATCH_DEFAULTS, BATCH_SETTINGS, payloadProblem, retentionProblem } from "./settings";

/**
 * The function that starts a run for a complete dataset: the retraining trigger's
 * (`functions/start_training.py`), which starts any pipeline with an `InputDataUrl` parameter on a
 * dataset folder under its `INPUT_PREFIX`.
 */
const START_FUNCTION_FILE = path.join(__dirname, "..", "retraining", "functions", "start_training.py");

/** The scripts the pipeline's processing steps run, uploaded from `scriptsDir`. */
const SCRIPTS = { validate: "validate.py", summary: "batch_summary.py" } as const;

export interface BatchInferenceArgs {
  /** Where the stack deploys, looked up once per stack (`lookupAccountContext`). */
  readonly account: AccountContext;
  /** The model's name in the stack config: descriptions and alerts name it. */
  readonly modelName: string;
  /** The stack's name, for the commands alerts suggest (`npm run ops -- batch <stack> <model>`). */
  readonly stack: string;
  /** The version to score with: the one the model's endpoint serves. */
  readonly modelPackage: ServedModelPackage;
  /** The model's data bucket: inputs under `batch/input/`, each run's outputs under `batch/output/`. */
  readonly dataBucketName: pulumi.Input<string>;
  /**
   * The model's schema (`ml/schemas/<model>.json`), which ValidateInput checks each input against
   * without its target column. A path on this machine; uploaded under a content-addressed key.
   */
  readonly schemaFile: string;
  /** The schema's target column, which inputs must not have. @default "target" */
  readonly targetColumn?: string;
  /**
   * The missing-value limits ValidateInput holds the input to: the model's training limits.
   * @default maxMissingRate 0.05, no columnMaxMissing
   */
  readonly dataChecks?: {
    readonly maxMissingRate?: number;
    readonly columnMaxMissing?: Readonly<Record<string, number>>;
  };
  /** Instance type of the transform job. @default "ml.m5.large" */
  readonly instanceType?: string;
  /** Instances of the transform job. @default 1 */
  readonly instanceCount?: number;
  /** Most megabytes of CSV lines in one request to the model. @default 6 */
  readonly maxPayloadInMB?: number;
  /** Requests each instance scores at a time. @default the container's suggestion, else 1 */
  readonly maxConcurrentTransforms?: number;
  /** Write each input row with its prediction rather than the prediction alone. @default true */
  readonly joinInputWithPredictions?: boolean;
  /** EventBridge Scheduler expression of runs that score `batch/input/scheduled/`. @default none */
  readonly schedule?: string;
  /** Score each dataset completed under `batch/input/<dataset>/` by its marker. @default true */
  readonly newData?: boolean;
  /** The object written last into a dataset's folder. @default "_SUCCESS" */
  readonly markerName?: string;
  /** Instance type of the ValidateInput and Summarize jobs. @default "ml.m5.large" */
  readonly processingInstanceType?: string;
  /** Run-time limit of each processing job, in seconds. @default 3600 */
  readonly maxRuntimeSeconds?: number;
  /** Disk of each processing job in GB, encrypted with the key. @default 30 */
  readonly volumeSizeInGB?: number;
  /** Days a run's outputs are kept (`storage.batchOutputRetentionDays`; the bucket's lifecycle). @default 30 */
  readonly outputRetentionDays?: number;
  /** Days the trigger function's log group keeps its events (`storage.logRetentionDays`). @default 90 */
  readonly logRetentionDays?: number;
  /** Folder holding `validate.py` and `batch_summary.py`. @default ml/ */
  readonly scriptsDir?: string;
  /** KMS key of the jobs' volumes and outputs, the uploads, the queue and the function's logs. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** The permissions boundary every role of the component carries (the stack's). */
  readonly permissionsBoundaryArn: pulumi.Input<string>;
  /**
   * The model's alert topic: failed or stopped runs (`<name>-failed`) and starts that failed page
   * it. Its policy must let this account's rules and alarms named after the model publish.
   */
  readonly alertTopicArn: pulumi.Input<string>;
  /** Run the model and the processing jobs in these subnets and security groups. @default no VPC */
  readonly network?: NetworkScope;
  /** Tags for every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
}

interface ResolvedArgs {
  readonly targetColumn: string;
  readonly dataChecks: {
    readonly maxMissingRate: number;
    readonly columnMaxMissing: Readonly<Record<string, number>>;
  };
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly maxPayloadInMB: number;
  readonly maxConcurrentTransforms?: number;
  readonly joinInputWithPredictions: boolean;
  readonly schedule?: string;
  readonly newData: boolean;
  readonly markerName: string;
  readonly processingInstanceType: string;
  readonly maxRuntimeSeconds: number;
  readonly volumeSizeInGB: number;
  readonly outputRetentionDays: number;
  readonly logRetentionDays: number;
  readonly scriptsDir: string;
}

/** Applies every default in one place. Pure. */
export function withDefaults(args: BatchInferenceArgs): ResolvedArgs {
  return {
    targetColumn: args.targetColumn ?? PIPELINE_DEFAULTS.targetColumn,
    dataChecks: {
      maxMissingRate: args.dataChecks?.maxMissingRate ?? PIPELINE_DEFAULTS.dataChecks.maxMissingRate,
      columnMaxMissing: args.dataChecks?.columnMaxMissing ?? PIPELINE_DEFAULTS.dataChecks.columnMaxMissing,
    },
    instanceType: args.instanceType ?? BATCH_DEFAULTS.instanceType,
    instanceCount: args.instanceCount ?? BATCH_DEFAULTS.instanceCount,
    maxPayloadInMB: args.maxPayloadInMB ?? BATCH_DEFAULTS.maxPayloadInMB,
    maxConcurrentTransforms: args.maxConcurrentTransforms,
    joinInputWithPredictions: args.joinInputWithPredictions ?? BATCH_DEFAULTS.joinInputWithPredictions,
    schedule: args.schedule,
    newData: args.newData ?? BATCH_DEFAULTS.newData,
    markerName: args.markerName ?? BATCH_DEFAULTS.markerName,
    processingInstanceType: args.processingInstanceType ?? BATCH_DEFAULTS.processingInstanceType,
    maxRuntimeSeconds: args.maxRuntimeSeconds ?? BATCH_DEFAULTS.maxRuntimeSeconds,
    volumeSizeInGB: args.volumeSizeInGB ?? 30,
    outputRetentionDays: args.outputRetentionDays ?? STORAGE_DEFAULTS.batchOutputRetentionDays,
    logRetentionDays: args.logRetentionDays ?? STORAGE_DEFAULTS.logRetentionDays,
    scriptsDir: args.scriptsDir ?? ML_DIR,
  };
}

/** Names: `<name>-scheduler-role` must fit IAM's 64 characters, and `<name>-model-<suffix>` SageMaker's 63. */
const NAME_PATTERN = /^[a-z0-9](-*[a-z0-9]){0,48}$/;

/** Every problem with the arguments, so that nothing is created from a half-valid request. */
export function validateArgs(name: string, args: BatchInferenceArgs, resolved: ResolvedArgs): string[] {
  const { problems, check, setting } = problemList();
  check(NAME_PATTERN.test(name), `name "${name}" must be 1-49 lowercase letters, digits and hyphens`);
  for (const key of [
    "instanceType",
    "instanceCount",
    "maxPayloadInMB",
    "joinInputWithPredictions",
    "newData",
    "markerName",
    "processingInstanceType",
    "maxRuntimeSeconds",
  ] as const) {
    setting(key, BATCH_SETTINGS[key], resolved[key]);
  }
  if (resolved.maxConcurrentTransforms !== undefined) {
    setting(
      "maxConcurrentTransforms",
      BATCH_SETTINGS.maxConcurrentTransforms,
      resolved.maxConcurrentTransforms,
    );
    const payload = payloadProblem(resolved);
    if (payload) problems.push(`maxConcurrentTransforms ${resolved.maxConcurrentTransforms} ${payload}`);
  }
  if (resolved.schedule !== undefined) setting("schedule", BATCH_SETTINGS.schedule, resolved.schedule);
  setting("outputRetentionDays", STORAGE_SETTINGS.batchOutputRetentionDays, resolved.outputRetentionDays);
  setting("logRetentionDays", STORAGE_SETTINGS.logRetentionDays, resolved.logRetentionDays);
  const retention = retentionProblem(resolved.outputRetentionDays, resolved.maxRuntimeSeconds);
  if (retention) problems.push(`outputRetentionDays ${resolved.outputRetentionDays} ${retention}`);
  check(
    Number.isInteger(resolved.volumeSizeInGB) &&
      resolved.volumeSizeInGB >= 1 &&
      resolved.volumeSizeInGB <= 16384,
    `volumeSizeInGB ${resolved.volumeSizeInGB} must be a whole number from 1 to 16384`,
  );
  for (const file of Object.values(SCRIPTS)) {
    check(existsSync(path.join(resolved.scriptsDir, file)), `${file} not found in ${resolved.scriptsDir}`);
  }
  problems.push(
    ...schemaFileProblems(args.schemaFile, resolved.targetColumn, {
      ...PIPELINE_DEFAULTS.dataChecks,
      ...resolved.dataChecks,
    }),
  );
  const containers = args.modelPackage.containers;
  check(containers.length > 0, `model package ${args.modelPackage.arn} has no inference containers`);
  for (const container of containers) {
    try {
      ecrRepositoryArn("aws", container.image);
    } catch (error) {
      problems.push(`model package ${args.modelPackage.arn}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** Physical names of the roles, fixed so that the deploy role can be given them before they exist. */
export function batchRoleNames(name: string) {
  return {
    model: `${name}-model-role`,
    pipeline: `${name}-role`,
    trigger: `${name}-trigger-role`,
    scheduler: `${name}-scheduler-role`,
  };
}

const none: DeployFootprint = { types: [], passedRoles: [] };

/**
 * The model and its role, the pipeline and its role, the uploads, the alert rule of failed runs
 * with its dead-letter queue and alarm; with new data, the trigger function (its role, log group,
 * rule, permission and the bucket's EventBridge notifications) and a dead-letter queue with its
 * policy and alarm, which a schedule shares. It depends on the settings only, so that it can be
 * stated before any version is served.
 */
export function batchInferenceFootprint(
  settings: { readonly newData?: boolean; readonly schedule?: string },
  roleArns: Readonly<Record<keyof ReturnType<typeof batchRoleNames>, pulumi.Input<string>>>,
  roleNames?: ReturnType<typeof batchRoleNames>,
): DeployFootprint {
  const newData = settings.newData ?? BATCH_DEFAULTS.newData;
  const scheduled = settings.schedule !== undefined;
  return combineFootprints(
    {
      types: [
        TYPES.role,
        TYPES.rolePolicy,
        TYPES.model,
        TYPES.bucketObject,
        TYPES.pipeline,
        ...ALERT_RULE_TYPES,
      ],
      passedRoles: [
        { service: SAGEMAKER_SERVICE, roleArn: roleArns.model, roleName: roleNames?.model },
        { service: SAGEMAKER_SERVICE, roleArn: roleArns.pipeline, roleName: roleNames?.pipeline },
      ],
    },
    newData || scheduled
      ? { types: [TYPES.queue, TYPES.queuePolicy, TYPES.metricAlarm], passedRoles: [] }
      : none,
    newData
      ? {
          types: [
            TYPES.logGroup,
            TYPES.lambdaFunction,
            TYPES.eventRule,
            TYPES.eventTarget,
            TYPES.lambdaPermission,
            TYPES.bucketNotification,
          ],
          passedRoles: [{ service: LAMBDA_SERVICE, roleArn: roleArns.trigger, roleName: roleNames?.trigger }],
        }
      : none,
    scheduled
      ? {
          types: [TYPES.schedule],
          passedRoles: [
            { service: SCHEDULER_SERVICE, roleArn: roleArns.scheduler, roleName: roleNames?.scheduler },
          ],
        }
      : none,
  );
}

/**
 * Batch inference of one model with the version its endpoint serves: a SageMaker Model made from
 * that version's package (network-isolated, in the stack's VPC when it has one, with a role of its
 * own), and a SageMaker pipeline ValidateInput → CheckInput → InputRejected (Fail) or Score (a
 * transform job of the model) → Summarize, which reads a folder of CSV files under `batch/input/`
 * of the model's data bucket and writes the predictions and summary.json under
 * `batch/output/<execution id>/`. Runs start for each dataset completed by its marker object (the
 * retraining trigger's function), on a schedule, or by hand (`npm run ops -- batch`); a start that
 * fails lands in a dead-letter queue whose alarm pages the model's topic, and so does every run
 * that fails or is stopped, rejected inputs included.
 */
export class BatchInference extends pulumi.ComponentResource {
  public readonly pipelineName: pulumi.Output<string>;
  public readonly pipelineArn: pulumi.Output<string>;
  /** The SageMaker model the runs score with. */
  public readonly modelName: pulumi.Output<string>;
  /** `s3://<data bucket>/batch/input/`: where datasets go, each a folder `<dataset>/`. */
  public readonly inputUrl: pulumi.Output<string>;
  /** `s3://<data bucket>/batch/output/`: each run writes under `<execution id>/`. */
  public readonly outputUrl: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  /** The resource types it creates and the roles it hands to services, for the deploy role. */
  public readonly footprint: DeployFootprint;

  constructor(name: string, args: BatchInferenceArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before the component registers: a bad request leaves nothing behind.
    const config = withDefaults(args);
    const problems = validateArgs(name, args, config);
    if (problems.length > 0) throw new Error(`BatchInference ${name}: ${problems.join("; ")}.`);
    super("mlops:sagemaker:BatchInference", name, {}, opts);

    const parent = { parent: this };
    const { partition, region, accountId } = args.account;
    const roleNames = batchRoleNames(name);
    const served = args.modelPackage;
    const bucket = pulumi.output(args.dataBucketName);
    const inputUrl = pulumi.interpolate`s3://${bucket}/${BATCH_PREFIXES.input}`;
    const outputUrl = pulumi.interpolate`s3://${bucket}/${BATCH_PREFIXES.output}`;
    const role = (key: keyof typeof roleNames, description: string, trust: pulumi.Input<string>) =>
      new aws.iam.Role(
        `${name}-${key === "pipeline" ? "role" : `${key}-role`}`,
        {
          name: roleNames[key],
          description,
          assumeRolePolicy: trust,
          permissionsBoundary: args.permissionsBoundaryArn,
          tags: args.tags,
        },
        parent,
      );

    // The model: the served version's containers, as the endpoint's models are made.
    const modelRole = role(
      "model",
      `Scores the batch inputs of ${args.modelName} with the version its endpoint serves`,
      sageMakerAssumeRolePolicy(args.account),
    );
    const modelPolicy = new aws.iam.RolePolicy(
      `${name}-model-role-policy`,
      {
        role: modelRole.name,
        policy: pulumi
          .all([partition, region, accountId, bucket, args.kmsKeyArn])
          .apply(([p, r, account, dataBucket, kmsKeyArn]) =>
            JSON.stringify(
              batchModelPolicy({
                partition: p,
                region: r,
                accountId: account,
                dataBucket,
                kmsKeyArn,
                images: served.containers.map((container) => container.image),
                modelDataUrls: served.containers.flatMap((container) =>
                  container.modelDataUrl !== undefined ? [container.modelDataUrl] : [],
                ),
                // A version promoted from another account: its artifacts are under that account's key.
                sourceAccountId: accountOfArn(served.arn),
                network: args.network,
              }),
            ),
          ),
      },
      parent,
    );
    const model = new aws.sagemaker.Model(
      // Auto-named: a newly served version is a new model, created before the old one is deleted.
      `${name}-model`,
      {
        executionRoleArn: modelRole.arn,
        primaryContainer: { modelPackageName: served.arn },
        // The container never calls out: SageMaker copies the input in and the predictions out.
        enableNetworkIsolation: true,
        vpcConfig: args.network && {
          subnets: [...args.network.subnetIds],
          securityGroupIds: [...args.network.securityGroupIds],
        },
        tags: args.tags,
      },
      // The role needs its permissions before SageMaker pulls the image and the artifacts.
      { parent: this, dependsOn: [modelPolicy] },
    );

    // The scripts and the schema, content-addressed: a changed file changes the definition.
    const upload = (file: string, resourceName: string) => {
      const object = new aws.s3.BucketObjectv2(
        resourceName,
        {
          bucket,
          key: scriptKey(file),
          source: new pulumi.asset.FileAsset(file),
          serverSideEncryption: "aws:kms",
          kmsKeyId: args.kmsKeyArn,
          tags: args.tags,
        },
        parent,
      );
      return pulumi.interpolate`s3://${object.bucket}/${object.key}`;
    };
    const validateUri = upload(path.join(config.scriptsDir, SCRIPTS.validate), `${name}-validate-py`);
    const summaryUri = upload(path.join(config.scriptsDir, SCRIPTS.summary), `${name}-batch-summary-py`);
    const schemaUri = upload(args.schemaFile, `${name}-schema`);

    const image = args.account.images.sklearn;
    const processingVolumeKey = volumeKey(config.processingInstanceType, "key") !== undefined;
    const transformVolumeKey = volumeKey(config.instanceType, "key") !== undefined;
    const pipelineRole = role(
      "pipeline",
      `Runs the batch inference pipeline of ${args.modelName} and its processing jobs`,
      sageMakerAssumeRolePolicy(args.account),
    );
    const pipelinePolicy = new aws.iam.RolePolicy(
      `${name}-role-policy`,
      {
        role: pipelineRole.name,
        policy: pulumi
          .all([
            pulumi.all([partition, region, accountId]),
            pipelineRole.arn,
            model.arn,
            bucket,
            pulumi.all([validateUri, summaryUri, schemaUri]),
            args.kmsKeyArn,
            image.repositoryArn,
          ])
          .apply(([[p, r, account], roleArn, modelArn, dataBucket, codeUris, kmsKeyArn, repositoryArn]) =>
            JSON.stringify(
              batchPipelinePolicy({
                partition: p,
                region: r,
                accountId: account,
                roleArn,
                modelArn,
                dataBucket,
                codeUris,
                kmsKeyArn,
                volumeKeys: { processing: processingVolumeKey, transform: transformVolumeKey },
                imageRepositoryArn: repositoryArn,
                network: args.network,
              }),
            ),
          ),
      },
      parent,
    );

    const definition = pulumi
      .all([
        pipelineRole.arn,
        model.name,
        args.kmsKeyArn,
        bucket,
        image.uri,
        validateUri,
        summaryUri,
        schemaUri,
      ])
      .apply(([roleArn, modelName, kmsKeyArn, dataBucket, imageUri, validate, summary, schema]) =>
        JSON.stringify(
          buildBatchDefinition({
            roleArn,
            modelName,
            kmsKeyArn,
            dataBucket,
            sklearnImage: imageUri,
            scripts: { validate, summary },
            schemaUri: schema,
            dataChecks: config.dataChecks,
            transform: {
              instanceType: config.instanceType as TransformInstanceType,
              instanceCount: config.instanceCount,
              maxPayloadInMB: config.maxPayloadInMB,
              maxConcurrentTransforms: config.maxConcurrentTransforms,
              joinInputWithPredictions: config.joinInputWithPredictions,
            },
            processing: {
              instanceType: config.processingInstanceType as ProcessingInstanceType,
              maxRuntimeSeconds: config.maxRuntimeSeconds,
              volumeSizeInGB: config.volumeSizeInGB,
            },
            network: args.network,
          }),
        ),
      );
    const description = `Scores batch inputs of ${args.modelName} with model package ${served.arn}`;
    const pipeline = new aws.sagemaker.Pipeline(
      `${name}-pipeline`,
      {
        pipelineName: name,
        pipelineDisplayName: name,
        pipelineDescription: description,
        roleArn: pipelineRole.arn,
        pipelineDefinition: definition,
        tags: args.tags,
      },
      // The role needs its permissions before the first run starts a job.
      { parent: this, dependsOn: [pipelinePolicy] },
    );

    // Every run that fails or is stopped, rejected inputs included, pages the model's topic.
    const failed = pulumi.all([pipeline.arn, bucket]).apply(([pipelineArn, dataBucket]) =>
      batchFailedRule({
        modelName: args.modelName,
        pipelineName: name,
        pipelineArn,
        dataBucket,
        outputRetentionDays: config.outputRetentionDays,
        stack: args.stack,
      }),
    );
    alertRule(
      // Named after the model: its alert topic accepts events only from rules with that prefix.
      batchFailedRuleName(name),
      {
        accountId,
        description: failed.description,
        eventPattern: failed.apply((rule) => JSON.stringify(rule.eventPattern)),
        inputPaths: failed.inputPathsMap,
        inputTemplate: failed.inputTemplate,
        alertTopicArn: args.alertTopicArn,
        kmsKeyArn: args.kmsKeyArn,
        undeliveredAlarm: batchFailedUndeliveredAlarm(name),
        tags: args.tags,
      },
      this,
    );

    const starts = this.triggers(name, args, config, { pipeline, bucket, roleNames });

    const roleArn = (roleName: string) =>
      pulumi.interpolate`arn:${partition}:iam::${accountId}:role/${roleName}`;
    this.footprint = batchInferenceFootprint(
      config,
      {
        model: modelRole.arn,
        pipeline: pipelineRole.arn,
        trigger: starts.triggerRoleArn ?? roleArn(roleNames.trigger),
        scheduler: roleArn(roleNames.scheduler),
      },
      roleNames,
    );
    this.pipelineName = pipeline.pipelineName;
    this.pipelineArn = pipeline.arn;
    this.modelName = model.name;
    this.inputUrl = inputUrl;
    this.outputUrl = outputUrl;
    this.roleArn = pipelineRole.arn;
    this.registerOutputs({
      pipelineName: this.pipelineName,
      pipelineArn: this.pipelineArn,
      modelName: this.modelName,
      inputUrl: this.inputUrl,
      outputUrl: this.outputUrl,
      roleArn: this.roleArn,
    });
  }

  /**
   * What starts runs besides a person: the marker of a complete dataset (the retraining trigger's
   * function, with the batch input prefix) and the schedule, sharing one dead-letter queue whose
   * alarm pages the model's topic.
   */
  private triggers(
    name: string,
    args: BatchInferenceArgs,
    config: ResolvedArgs,
    made: {
      readonly pipeline: aws.sagemaker.Pipeline;
      readonly bucket: pulumi.Output<string>;
      readonly roleNames: ReturnType<typeof batchRoleNames>;
    },
  ): { readonly triggerRoleArn?: pulumi.Output<string> } {
    if (!config.newData && config.schedule === undefined) return {};
    const parent = { parent: this };
    const { partition, region, accountId } = args.account;
    const { pipeline, bucket, roleNames } = made;
    const deadLetters = deadLetterQueue(
      `${name}-dlq`,
      { kmsKeyArn: args.kmsKeyArn, tags: args.tags },
      parent,
    );

    let triggerRoleArn: pulumi.Output<string> | undefined;
    let rule: aws.cloudwatch.EventRule | undefined;
    if (config.newData) {
      const functionName = `${name}-trigger`;
      const triggerRole = new aws.iam.Role(
        `${name}-trigger-role`,
        {
          name: roleNames.trigger,
          description: `Starts the batch inference pipeline of ${args.modelName} for each complete dataset`,
          assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()),
          permissionsBoundary: args.permissionsBoundaryArn,
          tags: args.tags,
        },
        parent,
      );
      triggerRoleArn = triggerRole.arn;
      const logGroup = functionLogGroup(
        `${name}-trigger-logs`,
        functionName,
        { kmsKeyArn: args.kmsKeyArn, retentionInDays: config.logRetentionDays, tags: args.tags },
        parent,
      );
      const triggerPolicy = new aws.iam.RolePolicy(
        `${name}-trigger-role-policy`,
        {
          role: triggerRole.name,
          policy: pulumi
            .all([partition, region, accountId, pipeline.arn, deadLetters.arn, args.kmsKeyArn])
            .apply(([p, r, account, pipelineArn, queueArn, kmsKeyArn]) =>
              JSON.stringify(
                // Start this pipeline and log; new data needs no listing, drift never reaches it.
                startTrainingPolicy({
                  partition: p,
                  region: r,
                  accountId: account,
                  pipelineArn,
                  functionName,
                  deadLetterQueue: { queueArn, kmsKeyArn },
                }),
              ),
            ),
        },
        parent,
      );
      const fn = new aws.lambda.Function(
        `${name}-trigger`,
        {
          name: functionName,
          description: `Starts the batch inference pipeline of ${args.modelName} for each complete dataset`,
          role: triggerRole.arn,
          ...pythonFunctionArgs(START_FUNCTION_FILE, logGroup.name),
          timeout: 60,
          memorySize: 128,
          environment: {
            variables: {
              PIPELINE_NAME: pipeline.pipelineName,
              DATA_BUCKET: bucket,
              INPUT_PREFIX: BATCH_PREFIXES.input,
              MARKER_NAME: config.markerName,
            },
          },
          deadLetterConfig: { targetArn: deadLetters.arn },
          tags: args.tags,
        },
        { parent: this, dependsOn: [triggerPolicy, logGroup] },
      );
      // S3 sends the bucket's events to EventBridge as S3 itself, through no policy of ours. The
      // model's retraining may turn the same setting on for the same bucket: both resources only
      // ever set it on, and each is kept when deleted, so removing one never turns the other's
      // events off. Events on the default bus cost nothing.
      new aws.s3.BucketNotification(
        `${name}-data-events`,
        { bucket, eventbridge: true },
        { parent: this, retainOnDelete: true },
      );
      rule = functionRule(
        `${name}-new-data`,
        {
          description: `A complete dataset (its ${config.markerName} marker) under ${BATCH_PREFIXES.input} starts a batch inference run of ${args.modelName}`,
          eventPattern: bucket.apply((dataBucket) =>
            JSON.stringify(newDataEventPattern(dataBucket, BATCH_PREFIXES.input, config.markerName)),
          ),
          fn,
          accountId,
          deadLetterQueueArn: deadLetters.arn,
          tags: args.tags,
        },
        parent,
      );
    }

    if (config.schedule !== undefined) {
      pipelineStartSchedule(
        name,
        {
          account: args.account,
          scheduleName: `${name}-schedule`,
          roleName: roleNames.scheduler,
          roleDescription: `Starts the batch inference pipeline of ${args.modelName} on a schedule`,
          // The pipeline's default input is the scheduled folder: a late or retried start scores
          // what is there when it runs.
          description: bucket.apply(
            (dataBucket) =>
              `Scores ${scheduledInputUri(dataBucket)} with ${args.modelName}, the pipeline's default input`,
          ),
          scheduleExpression: config.schedule,
          pipelineName: pipeline.pipelineName,
          pipelineArn: pipeline.arn,
          request: {
            PipelineExecutionDescription: "Started by schedule for <aws.scheduler.scheduled-time>",
          },
          deadLetterQueueArn: deadLetters.arn,
          kmsKeyArn: args.kmsKeyArn,
          permissionsBoundaryArn: args.permissionsBoundaryArn,
          tags: args.tags,
        },
        this,
      );
    }

    // EventBridge puts what the rule cannot deliver; the function and the schedule send theirs as their roles.
    new aws.sqs.QueuePolicy(
      `${name}-dlq-policy`,
      {
        queueUrl: deadLetters.url,
        policy: pulumi.all([accountId, rule?.arn, deadLetters.arn]).apply(([account, ruleArn, queueArn]) =>
          JSON.stringify(
            ruleArn === undefined
              ? policyDocument(queueTlsOnlyStatement(queueArn))
              : eventRulesDeadLetterPolicy("BatchRulesSendUndeliveredEvents", {
                  accountId: account,
                  ruleArns: [ruleArn],
                  queueArn,
                }),
          ),
        ),
      },
      parent,
    );
    deadLetterAlarm(
      failedBatchStartsAlarm(name, args.modelName),
      deadLetters,
      args.alertTopicArn,
      args.tags,
      this,
    );
    return { triggerRoleArn };
  }
}
