import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { functionRule } from "../shared/functionRule";
import type { AccountContext } from "../shared/account";
import { DeployFootprint, LAMBDA_SERVICE, SCHEDULER_SERVICE, TYPES } from "../shared/footprint";
import { pipelineStartSchedule } from "../shared/pipelineStartSchedule";
import { lambdaTrustPolicy } from "../shared/serviceTrust";
import { deadLetterAlarm, deadLetterQueue } from "../shared/deadLetterQueue";
import { queueNotEmptyAlarm } from "../shared/metricAlarm";
import { problemList } from "../shared/settings";
import { STORAGE_DEFAULTS, STORAGE_SETTINGS } from "../foundation/settings";
import { functionLogGroup, pythonFunctionArgs } from "../shared/pythonFunction";
import {
  DRIFT_EVENT_DETAIL_TYPE,
  DRIFT_EVENT_SOURCE,
  driftEventBusName,
  driftEventBusPolicy,
  retrainingQueuePolicy,
} from "./retrainingPolicy";
import { startTrainingPolicy } from "./startTrainingPolicy";
import { DRIFT_RETRAINING_SETTINGS, NEW_DATA_SETTINGS, RETRAINING_SETTINGS } from "./settings";

/** The function that starts a run for new data and for drift (stdlib and boto3 only). */
const FUNCTION_FILE = path.join(__dirname, "functions", "start_training.py");

export interface TrainingTriggersArgs {
  /** Where the stack deploys, looked up once per stack (`lookupAccountContext`). */
  readonly account: AccountContext;
  /** The model's name in the stack config: drift events name it (`detail.model`). */
  readonly modelName: string;
  /** The model's build pipeline, which every trigger starts. */
  readonly pipelineName: pulumi.Input<string>;
  readonly pipelineArn: pulumi.Input<string>;
  /** The model package group: the bus of forwarded drift events is named after it. */
  readonly modelPackageGroupName: string;
  /** The model's data bucket, where datasets arrive. */
  readonly dataBucketName: pulumi.Input<string>;
  readonly newData: { readonly enabled: boolean; readonly inputPrefix: string; readonly marker: string };
  /** EventBridge Scheduler expression of scheduled runs. @default none */
  readonly schedule?: string;
  readonly drift: { readonly enabled: boolean; readonly minIntervalHours: number };
  /** Accounts that serve the model and forward their drift events. @default none */
  readonly consumerAccounts?: readonly string[];
  readonly kmsKeyArn: pulumi.Input<string>;
  /** The permissions boundary the function's and the schedule's roles carry (the stack's: every role carries it). */
  readonly permissionsBoundaryArn: pulumi.Input<string>;
  /** The model's alert topic: failed starts page it. */
  readonly alertTopicArn: pulumi.Input<string>;
  /** Days the function's log group keeps its events (`storage.logRetentionDays`). @default 90 */
  readonly logRetentionDays?: number;
  readonly tags: Readonly<Record<string, string>>;
}

const logRetentionDays = (args: TrainingTriggersArgs) =>
  args.logRetentionDays ?? STORAGE_DEFAULTS.logRetentionDays;

/** Every problem with the arguments, so that nothing is created from a half-valid request. */
export function validateArgs(name: string, args: TrainingTriggersArgs): string[] {
  const { problems, setting } = problemList();
  // `<name>-scheduler-role` fits IAM's 64 characters.
  if (!/^[a-z0-9](-*[a-z0-9]){0,48}$/.test(name)) {
    problems.push(`name "${name}" must be 1-49 lowercase letters, digits and hyphens`);
  }
  setting("newData.inputPrefix", NEW_DATA_SETTINGS.inputPrefix, args.newData.inputPrefix);
  setting("newData.marker", NEW_DATA_SETTINGS.marker, args.newData.marker);
  setting("drift.minIntervalHours", DRIFT_RETRAINING_SETTINGS.minIntervalHours, args.drift.minIntervalHours);
  if (args.schedule !== undefined) setting("schedule", RETRAINING_SETTINGS.schedule, args.schedule);
  setting("logRetentionDays", STORAGE_SETTINGS.logRetentionDays, logRetentionDays(args));
  for (const account of args.consumerAccounts ?? []) {
    if (!/^\d{12}$/.test(account))
      problems.push(`consumerAccounts "${account}" is not an AWS account id (12 digits)`);
  }
  if (!args.newData.enabled && !args.drift.enabled && args.schedule === undefined) {
    problems.push("nothing starts a run: enable newData or drift, or set a schedule");
  }
  return problems;
}

/** The event pattern of a dataset's marker object, written last into `<inputPrefix><dataset>/`. */
export function newDataEventPattern(
  bucket: string,
  inputPrefix: string,
  marker: string,
): Record<string, unknown> {
  return {
    source: ["aws.s3"],
    "detail-type": ["Object Created"],
    // EventBridge's wildcard matches any characters, "/" included: a dataset may sit in subfolders.
    detail: { bucket: { name: [bucket] }, object: { key: [{ wildcard: `${inputPrefix}*/${marker}` }] } },
  };
}

/** The event pattern of the drift checks' findings about one model, from the given accounts. */
export function driftEventPattern(modelName: string, accounts: readonly string[]): Record<string, unknown> {
  return {
    source: [DRIFT_EVENT_SOURCE],
    "detail-type": [DRIFT_EVENT_DETAIL_TYPE],
    account: [...accounts].sort(),
    detail: { model: [modelName] },
  };
}

/** The alarm on the dead-letter queue `<name>-dlq`: a dataset, a finding or a scheduled run that started nothing. */
export function failedTrainingStartsAlarm(name: string, modelName: string) {
  const queueName = `${name}-dlq`;
  return queueNotEmptyAlarm(
    `${name}-failed-starts`,
    queueName,
    `SQS queue ${queueName} holds events that did not start a build of ${modelName}: a dataset, a drift ` +
      `finding or a scheduled run whose start failed after its retries. Each message holds the event (and for the ` +
      `function's failures, the error in its attributes): fix the cause, start the pipeline by hand with ` +
      `npm run ops -- start-pipeline, then delete the message; the alarm returns to OK once the queue is empty`,
  );
}

/** Physical names, fixed so that the deploy role can be given the roles before they exist. */
export function trainingTriggerRoleNames(name: string) {
  return { function: `${name}-role`, scheduler: `${name}-scheduler-role` };
}

export function trainingTriggersFootprint(
  args: Pick<TrainingTriggersArgs, "newData" | "schedule" | "drift" | "consumerAccounts">,
  roleArns: { readonly function: pulumi.Input<string>; readonly scheduler: pulumi.Input<string> },
  roleNames?: ReturnType<typeof trainingTriggerRoleNames>,
): DeployFootprint {
  const forwarded = args.drift.enabled && (args.consumerAccounts ?? []).length > 0;
  const events = args.newData.enabled || args.drift.enabled;
  return {
    types: [
      TYPES.role,
      TYPES.rolePolicy,
      TYPES.logGroup,
      TYPES.lambdaFunction,
      TYPES.queue,
      TYPES.queuePolicy,
      TYPES.metricAlarm,
      ...(events ? [TYPES.eventRule, TYPES.eventTarget, TYPES.lambdaPermission] : []),
      ...(args.newData.enabled ? [TYPES.bucketNotification] : []),
      ...(forwarded ? [TYPES.eventBus, TYPES.eventBusPolicy] : []),
      ...(args.schedule !== undefined ? [TYPES.schedule] : []),
    ],
    passedRoles: [
      { service: LAMBDA_SERVICE, roleArn: roleArns.function, roleName: roleNames?.function },
      ...(args.schedule !== undefined
        ? [{ service: SCHEDULER_SERVICE, roleArn: roleArns.scheduler, roleName: roleNames?.scheduler }]
        : []),
    ],
  };
}

/**
 * What starts a model's build pipeline besides a person: a complete dataset in its data bucket
 * (the marker object written last), drift found by a check of an endpoint serving the model, here
 * or in a consumer account, and a schedule. New data and drift reach a small function that starts
 * one run per dataset and at most one drift-started run per interval; the schedule starts the
 * pipeline itself. A start that fails lands in a dead-letter queue whose alarm pages the model's topic.
 */
export class TrainingTriggers extends pulumi.ComponentResource {
  public readonly functionName: pulumi.Output<string>;
  public readonly deadLetterQueueUrl: pulumi.Output<string>;
  public readonly ruleNames: pulumi.Output<string[]>;
  /** The bus consumer accounts forward their drift events to; null without any. */
  public readonly driftEventBusArn: pulumi.Output<string | null>;
  public readonly footprint: DeployFootprint;

  constructor(name: string, args: TrainingTriggersArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = validateArgs(name, args);
    if (problems.length > 0) throw new Error(`TrainingTriggers ${name}: ${problems.join("; ")}.`);
    super("mlops:sagemaker:TrainingTriggers", name, {}, opts);

    const parent = { parent: this };
    const { partition, region, accountId } = args.account;
    const consumers = args.consumerAccounts ?? [];
    const roleNames = trainingTriggerRoleNames(name);
    const queueName = `${name}-dlq`;

    const deadLetters = deadLetterQueue(queueName, { kmsKeyArn: args.kmsKeyArn, tags: args.tags }, parent);

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: roleNames.function,
        description: `Starts the build pipeline of ${args.modelName} for new data and drift`,
        assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()),
        permissionsBoundary: args.permissionsBoundaryArn,
        tags: args.tags,
      },
      parent,
    );
    const logGroup = functionLogGroup(
      `${name}-logs`,
      name,
      { kmsKeyArn: args.kmsKeyArn, retentionInDays: logRetentionDays(args), tags: args.tags },
      parent,
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-role-policy`,
      {
        role: role.name,
        policy: pulumi
          .all([
            partition,
            region,
            accountId,
            args.pipelineArn,
            args.dataBucketName,
            deadLetters.arn,
            args.kmsKeyArn,
          ])
          .apply(([p, r, account, pipelineArn, dataBucket, queueArn, kmsKeyArn]) =>
            JSON.stringify(
              startTrainingPolicy({
                partition: p,
                region: r,
                accountId: account,
                pipelineArn,
                functionName: name,
                // Drift lists the input prefix for the newest complete dataset.
                inputDatasets: args.drift.enabled
                  ? { bucketArn: `arn:${p}:s3:::${dataBucket}`, prefix: args.newData.inputPrefix }
                  : undefined,
                // Lambda sends an event that still fails after its retries to the dead-letter queue
                // as the function's role ("Asynchronous invocation", Lambda developer guide).
                deadLetterQueue: { queueArn, kmsKeyArn },
              }),
            ),
          ),
      },
      parent,
    );
    const fn = new aws.lambda.Function(
      name,
      {
        name,
        description: `Starts the build pipeline of ${args.modelName} for new data and drift`,
        role: role.arn,
        ...pythonFunctionArgs(FUNCTION_FILE, logGroup.name),
        timeout: 60,
        memorySize: 128,
        // One invocation at a time: two drift events arriving together cannot both see no recent
        // drift-started run and both start one.
        reservedConcurrentExecutions: 1,
        environment: {
          variables: {
            PIPELINE_NAME: args.pipelineName,
            DATA_BUCKET: args.dataBucketName,
            INPUT_PREFIX: args.newData.inputPrefix,
            MARKER_NAME: args.newData.marker,
            DRIFT_MIN_INTERVAL_HOURS: String(args.drift.minIntervalHours),
          },
        },
        deadLetterConfig: { targetArn: deadLetters.arn },
        tags: args.tags,
      },
      { parent: this, dependsOn: [rolePolicy, logGroup] },
    );

    // Each rule delivers to the function; what EventBridge cannot deliver lands in the queue.
    const rules: aws.cloudwatch.EventRule[] = [];
    const rule = (
      suffix: string,
      description: string,
      eventPattern: pulumi.Input<string>,
      eventBusName?: pulumi.Input<string>,
    ) => {
      const eventRule = functionRule(
        `${name}-${suffix}`,
        {
          description,
          eventPattern,
          eventBusName,
          fn,
          accountId,
          deadLetterQueueArn: deadLetters.arn,
          tags: args.tags,
        },
        parent,
      );
      rules.push(eventRule);
    };

    if (args.newData.enabled) {
      // S3 sends the bucket's events to EventBridge ("Using EventBridge", S3 user guide), as S3
      // itself through no policy of ours: "Amazon S3 does not require any additional permissions to
      // deliver events to Amazon EventBridge" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-permissions.html).
      // Kept when deleted: the model's batch inference (components/batch) may turn the same setting
      // on for the same bucket, and deleting this resource would turn its events off too.
      new aws.s3.BucketNotification(
        `${name}-data-events`,
        { bucket: args.dataBucketName, eventbridge: true },
        { parent: this, retainOnDelete: true },
      );
      rule(
        "new-data",
        `A complete dataset (its ${args.newData.marker} marker) under ${args.newData.inputPrefix} starts a build of ${args.modelName}`,
        pulumi
          .output(args.dataBucketName)
          .apply((bucket) =>
            JSON.stringify(newDataEventPattern(bucket, args.newData.inputPrefix, args.newData.marker)),
          ),
      );
    }
    let bus: aws.cloudwatch.EventBus | undefined;
    if (args.drift.enabled) {
      rule(
        "drift",
        `Drift found by this account's checks of ${args.modelName} starts a build, at most every ${args.drift.minIntervalHours} h`,
        pulumi
          .output(accountId)
          .apply((account) => JSON.stringify(driftEventPattern(args.modelName, [account]))),
      );
      if (consumers.length > 0) {
        bus = new aws.cloudwatch.EventBus(
          `${name}-drift-events`,
          { name: driftEventBusName(args.modelPackageGroupName), tags: args.tags },
          parent,
        );
        new aws.cloudwatch.EventBusPolicy(
          `${name}-drift-events-policy`,
          {
            eventBusName: bus.name,
            policy: pulumi
              .all([partition, bus.arn])
              .apply(([p, busArn]) =>
                JSON.stringify(driftEventBusPolicy({ partition: p, busArn, consumerAccounts: consumers })),
              ),
          },
          parent,
        );
        rule(
          "forwarded-drift",
          `Drift found by the checks of ${args.modelName} in ${consumers.join(", ")} starts a build, at most every ${args.drift.minIntervalHours} h`,
          JSON.stringify(driftEventPattern(args.modelName, consumers)),
          bus.name,
        );
      }
    }

    if (args.schedule !== undefined) {
      pipelineStartSchedule(
        name,
        {
          account: args.account,
          scheduleName: `${name}-schedule`,
          roleName: roleNames.scheduler,
          roleDescription: `Starts the build pipeline of ${args.modelName} on a schedule`,
          description: `Starts a build of ${args.modelName} on its current input`,
          scheduleExpression: args.schedule,
          pipelineName: args.pipelineName,
          pipelineArn: args.pipelineArn,
          request: { PipelineExecutionDescription: "Started by schedule for <aws.scheduler.scheduled-time>" },
          deadLetterQueueArn: deadLetters.arn,
          kmsKeyArn: args.kmsKeyArn,
          permissionsBoundaryArn: args.permissionsBoundaryArn,
          tags: args.tags,
        },
        this,
      );
    }

    const ruleArns = pulumi.all(rules.map((r) => r.arn));
    new aws.sqs.QueuePolicy(
      `${name}-dlq-policy`,
      {
        queueUrl: deadLetters.url,
        policy: pulumi
          .all([accountId, ruleArns, deadLetters.arn])
          .apply(([account, arns, queueArn]) =>
            JSON.stringify(retrainingQueuePolicy({ accountId: account, ruleArns: arns, queueArn })),
          ),
      },
      parent,
    );
    deadLetterAlarm(
      failedTrainingStartsAlarm(name, args.modelName),
      deadLetters,
      args.alertTopicArn,
      args.tags,
      this,
    );

    this.footprint = trainingTriggersFootprint(
      args,
      {
        function: role.arn,
        scheduler: pulumi.interpolate`arn:${partition}:iam::${accountId}:role/${roleNames.scheduler}`,
      },
      roleNames,
    );
    this.functionName = fn.name;
    this.deadLetterQueueUrl = deadLetters.url;
    this.ruleNames = pulumi.all(rules.map((r) => r.name));
    this.driftEventBusArn = bus ? bus.arn : pulumi.output(null);
    this.registerOutputs({
      functionName: this.functionName,
      deadLetterQueueUrl: this.deadLetterQueueUrl,
      ruleNames: this.ruleNames,
      driftEventBusArn: this.driftEventBusArn,
    });
  }
}
