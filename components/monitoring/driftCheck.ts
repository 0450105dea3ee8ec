import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ProcessingInstanceType } from "@aws-sdk/client-sagemaker";
import type { AccountContext } from "../shared/account";
import {
  DeployFootprint,
  LAMBDA_SERVICE,
  SAGEMAKER_SERVICE,
  SCHEDULER_SERVICE,
  TYPES,
} from "../shared/footprint";
import { policyDocument } from "../shared/policyDocument";
import { lambdaTrustPolicy, sageMakerAssumeRolePolicy } from "../shared/serviceTrust";
import { queueTlsOnlyStatement } from "../shared/queuePolicy";
import { deadLetterAlarm, deadLetterQueue } from "../shared/deadLetterQueue";
import { S3_URI_PATTERN } from "../shared/s3Uri";
import { metricAlarmArgs } from "../shared/metricAlarm";
import { ML_DIR, scriptKey } from "../shared/scripts";
import { functionLogGroup, pythonFunctionArgs } from "../shared/pythonFunction";
import { problemList, settingProblem } from "../shared/settings";
import { DATA_BUCKET_PREFIXES } from "../foundation/retention";
import { STORAGE_DEFAULTS, STORAGE_SETTINGS } from "../foundation/settings";
import type { NetworkScope } from "../shared/vpc";
import {
  driftCheckFailureRule,
  driftCheckFailureRuleName,
  driftCheckFailureUndeliveredAlarm,
  failedStartsAlarm,
  psiAlarms,
} from "./driftCheckAlerts";
import { alertRule } from "../shared/alertRule";
import { buildDriftCheckDefinition, DRIFT_CHECK_PARAMETERS, DriftThresholds } from "./driftCheckDefinition";
import { driftCheckPolicy, driftStepsPolicy } from "./driftCheckPolicy";
import { pipelineStartSchedule } from "../shared/pipelineStartSchedule";
import { driftCheckScheduleExpression, driftWindow } from "./schedule";
import {
  DRIFT_DEFAULTS,
  DRIFT_SETTINGS,
  DRIFT_THRESHOLD_SETTINGS,
  FEATURE_SETTING,
  MONITORING_DEFAULTS,
  MONITORING_SETTINGS,
  repeatedFeatureProblems,
} from "./settings";

/** The function of the check's Lambda steps. */
const FUNCTION_FILE = path.join(__dirname, "functions", "drift_steps.py");

export interface DriftCheckArgs {
  /** Where the stack deploys, looked up once per stack (`lookupAccountContext`). */
  readonly account: AccountContext;
  /** The monitored endpoint; its captured traffic is what the check reads. */
  readonly endpointName: pulumi.Input<string>;
  /** Where the endpoint captures data (`s3://bucket/prefix`); SageMaker adds `<endpoint>/<variant>/yyyy/mm/dd/hh/`. */
  readonly captureUri: pulumi.Input<string>;
  /** Bucket of the reports, and of the uploaded check script. */
  readonly outputBucketName: pulumi.Input<string>;
  /**
   * Key prefix of the reports; each check writes under `<prefix>/<check name>/yyyy/mm/dd/hh/`. Its
   * retention is the bucket's (`storage.reportRetentionDays` for the stack's data buckets). @default "monitoring"
   */
  readonly outputPrefix?: string;
  /** S3 URI of the served version's drift_baseline.json (ml/baseline.py). */
  readonly baselineUri: string;
  /**
   * The account that built the version (a model promoted from another stack): the baseline is in
   * its artifacts bucket, under its key. @default the stack's own account
   */
  readonly baselineAccountId?: string;
  /** KMS key for the job's volume, the reports and the function's logs. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** The permissions boundary the check's roles carry (the stack's: every role carries it). */
  readonly permissionsBoundaryArn: pulumi.Input<string>;
  /** SNS topic that drift and failed runs notify. */
  readonly alertTopicArn: pulumi.Input<string>;
  /**
   * The model's name in the stack config: drift puts a `mlops.drift` event about it on the
   * account's default bus, which retraining listens to. @default no event
   */
  readonly modelName?: string;
  /**
   * When runs start, as Model Monitor schedules are written: `cron(0 <hours> ? * * *)`. Each run
   * starts 15 minutes past and checks the hours since the previous one. @default "cron(0 0 ? * * *)"
   */
  readonly scheduleExpression?: string;
  /** Instance type of the check's processing job. @default "ml.m5.large" */
  readonly instanceType?: string;
  /** Disk of the instance in GB, encrypted with the key: it holds the window's capture files. @default 20 */
  readonly volumeSizeInGb?: number;
  /** Run-time limit of the check's job. @default 1800 */
  readonly maxRuntimeSeconds?: number;
  /** What a feature is judged by. @default PSI 0.1 warn, 0.25 drift; KS 0.2; missing-rate change 0.1; unseen share 0.01 */
  readonly thresholds?: Partial<DriftThresholds>;
  /** Rows a window needs before its statistics are judged. @default 200 */
  readonly minRows?: number;
  /** Per-feature thresholds replacing `thresholds`. @default none */
  readonly featureThresholds?: Readonly<Record<string, Partial<DriftThresholds>>>;
  /** CloudWatch alarms on the PSI of chosen features; the threshold defaults to each feature's psiDrift. @default none */
  readonly driftAlarms?: { readonly features: readonly string[]; readonly threshold?: number };
  /** Days the function's log group keeps its events (`storage.logRetentionDays`). @default 90 */
  readonly logRetentionDays?: number;
  /** Run the processing job in these subnets and security groups. @default no VPC */
  readonly network?: NetworkScope;
  /** Tags for every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
}

interface ResolvedArgs {
  readonly outputPrefix: string;
  readonly scheduleExpression: string;
  readonly instanceType: string;
  readonly volumeSizeInGb: number;
  readonly maxRuntimeSeconds: number;
  readonly thresholds: DriftThresholds;
  readonly minRows: number;
  readonly featureThresholds: Readonly<Record<string, Partial<DriftThresholds>>>;
  readonly driftAlarms: { readonly features: readonly string[]; readonly threshold?: number };
  readonly logRetentionDays: number;
}

/** Applies every default in one place. Pure. */
export function withDefaults(args: DriftCheckArgs): ResolvedArgs {
  const { minRows, ...thresholdDefaults } = DRIFT_DEFAULTS;
  return {
    outputPrefix: args.outputPrefix ?? DATA_BUCKET_PREFIXES.reports,
    scheduleExpression: args.scheduleExpression ?? MONITORING_DEFAULTS.scheduleExpression,
    instanceType: args.instanceType ?? MONITORING_DEFAULTS.instanceType,
    volumeSizeInGb: args.volumeSizeInGb ?? 20,
    maxRuntimeSeconds: args.maxRuntimeSeconds ?? MONITORING_DEFAULTS.maxRuntimeSeconds,
    thresholds: { ...thresholdDefaults, ...args.thresholds },
    minRows: args.minRows ?? minRows,
    featureThresholds: args.featureThresholds ?? {},
    driftAlarms: { features: args.driftAlarms?.features ?? [], threshold: args.driftAlarms?.threshold },
    logRetentionDays: args.logRetentionDays ?? STORAGE_DEFAULTS.logRetentionDays,
  };
}

/** Names: `<name>-scheduler-role` must fit IAM's 64 characters. */
const CHECK_NAME = /^[a-z0-9](-*[a-z0-9]){0,48}$/;

/** Every problem with the arguments, so that nothing is created from a half-valid request. */
export function validateArgs(name: string, args: DriftCheckArgs, resolved: ResolvedArgs): string[] {
  const { problems, check, setting } = problemList();
  check(CHECK_NAME.test(name), `name "${name}" must be 1-49 lowercase letters, digits and hyphens`);
  for (const key of ["scheduleExpression", "instanceType", "maxRuntimeSeconds"] as const) {
    setting(key, MONITORING_SETTINGS[key], resolved[key]);
  }
  const window = driftWindow(resolved.scheduleExpression);
  if (
    "problem" in window &&
    !settingProblem("", MONITORING_SETTINGS.scheduleExpression, resolved.scheduleExpression)
  ) {
    problems.push(`scheduleExpression "${resolved.scheduleExpression}" ${window.problem}`);
  }
  check(
    Number.isInteger(resolved.volumeSizeInGb) &&
      resolved.volumeSizeInGb >= 1 &&
      resolved.volumeSizeInGb <= 16384,
    `volumeSizeInGb ${resolved.volumeSizeInGb} must be a whole number from 1 to 16384`,
  );
  check(
    S3_URI_PATTERN.test(args.baselineUri) && args.baselineUri.endsWith("/drift_baseline.json"),
    `baselineUri "${args.baselineUri}" must be the S3 URI of a drift_baseline.json (ml/baseline.py writes it)`,
  );
  check(
    args.baselineAccountId === undefined || /^\d{12}$/.test(args.baselineAccountId),
    `baselineAccountId "${args.baselineAccountId}" is not an AWS account id (12 digits)`,
  );
  check(
    /^[a-zA-Z0-9!_.*'()-]+(\/[a-zA-Z0-9!_.*'()-]+)*$/.test(resolved.outputPrefix),
    `outputPrefix "${resolved.outputPrefix}" must be a key prefix without leading or trailing "/"`,
  );
  for (const [key, schema] of Object.entries(DRIFT_THRESHOLD_SETTINGS)) {
    setting(`thresholds.${key}`, schema, resolved.thresholds[key as keyof DriftThresholds]);
  }
  check(
    resolved.thresholds.psiWarn <= resolved.thresholds.psiDrift,
    `thresholds.psiWarn ${resolved.thresholds.psiWarn} must not be above thresholds.psiDrift ${resolved.thresholds.psiDrift}`,
  );
  setting("minRows", DRIFT_SETTINGS.minRows, resolved.minRows);
  for (const [feature, overrides] of Object.entries(resolved.featureThresholds)) {
    setting(`featureThresholds key`, FEATURE_SETTING, feature);
    for (const [key, value] of Object.entries(overrides)) {
      const schema = DRIFT_THRESHOLD_SETTINGS[key as keyof DriftThresholds];
      if (schema) setting(`featureThresholds.${feature}.${key}`, schema, value);
      else
        problems.push(
          `featureThresholds.${feature}.${key} is not a threshold (allowed: ${Object.keys(DRIFT_THRESHOLD_SETTINGS).join(", ")})`,
        );
    }
  }
  const { features, threshold } = resolved.driftAlarms;
  features.forEach((feature, index) => setting(`driftAlarms.features[${index}]`, FEATURE_SETTING, feature));
  for (const { index, value, message } of repeatedFeatureProblems(features)) {
    problems.push(`driftAlarms.features[${index}] ${JSON.stringify(value)} ${message}`);
  }
  if (threshold !== undefined) setting("driftAlarms.threshold", DRIFT_THRESHOLD_SETTINGS.psiDrift, threshold);
  setting("logRetentionDays", STORAGE_SETTINGS.logRetentionDays, resolved.logRetentionDays);
  return problems;
}

/** Physical names, fixed so that the deploy role can be given the roles before the check exists. */
export function driftCheckRoleNames(name: string) {
  return { check: `${name}-role`, steps: `${name}-steps-role`, scheduler: `${name}-scheduler-role` };
}

export function driftCheckFootprint(
  roleArns: {
    readonly check: pulumi.Input<string>;
    readonly steps: pulumi.Input<string>;
    readonly scheduler: pulumi.Input<string>;
  },
  roleNames?: ReturnType<typeof driftCheckRoleNames>,
): DeployFootprint {
  return {
    types: [
      TYPES.role,
      TYPES.rolePolicy,
      TYPES.logGroup,
      TYPES.lambdaFunction,
      TYPES.bucketObject,
      TYPES.pipeline,
      TYPES.schedule,
      TYPES.queue,
      TYPES.queuePolicy,
      TYPES.eventRule,
      TYPES.eventTarget,
      TYPES.metricAlarm,
    ],
    passedRoles: [
      { service: SAGEMAKER_SERVICE, roleArn: roleArns.check, roleName: roleNames?.check },
      { service: LAMBDA_SERVICE, roleArn: roleArns.steps, roleName: roleNames?.steps },
      { service: SCHEDULER_SERVICE, roleArn: roleArns.scheduler, roleName: roleNames?.scheduler },
    ],
  };
}

/**
 * Drift monitoring of one endpoint that any AWS account can deploy (SageMaker Model Monitor is
 * closed to new customers): a SageMaker pipeline that checks each window of captured traffic
 * against the served version's baseline with ml/drift_check.py on SageMaker Processing, started by
 * an EventBridge Scheduler schedule; a Lambda function lists the window's capture files before the
 * isolated job, and publishes its scores and drift alerts after it.
 */
export class DriftCheck extends pulumi.ComponentResource {
  public readonly pipelineName: pulumi.Output<string>;
  public readonly pipelineArn: pulumi.Output<string>;
  public readonly scheduleName: pulumi.Output<string>;
  public readonly scheduleArn: pulumi.Output<string>;
  public readonly functionName: pulumi.Output<string>;
  /** The check's folder: each window's drift_report.json and drift_summary.txt are under `yyyy/mm/dd/hh/`. */
  public readonly reportUri: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly eventRuleNames: pulumi.Output<string[]>;
  public readonly alarmNames: pulumi.Output<string[]>;
  /** The resource types it creates and the roles it hands to services, for the deploy role. */
  public readonly footprint: DeployFootprint;

  constructor(name: string, args: DriftCheckArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before the component registers: a bad request leaves nothing behind.
    const config = withDefaults(args);
    const problems = validateArgs(name, args, config);
    if (problems.length > 0) throw new Error(`DriftCheck ${name}: ${problems.join("; ")}.`);
    super("mlops:sagemaker:DriftCheck", name, {}, opts);

    const parent = { parent: this };
    const { partition, region, accountId } = args.account;
    const image = args.account.images.sklearn;
    const windowHours = (driftWindow(config.scheduleExpression) as { hours: number }).hours;
    const reportUri = pulumi.interpolate`s3://${args.outputBucketName}/${config.outputPrefix}/${name}`;
    // SageMaker writes an endpoint's capture files under <destination>/<endpoint>/.
    const endpointCaptureUri = pulumi.interpolate`${pulumi
      .output(args.captureUri)
      .apply((uri) => uri.replace(/\/+$/, ""))}/${args.endpointName}`;
    const roleNames = driftCheckRoleNames(name);
    const functionName = `${name}-steps`;

    const role = (key: keyof typeof roleNames, description: string, trust: pulumi.Input<string>) =>
      new aws.iam.Role(
        `${name}-${key === "check" ? "role" : `${key}-role`}`,
        {
          name: roleNames[key],
          description,
          assumeRolePolicy: trust,
          permissionsBoundary: args.permissionsBoundaryArn,
          tags: args.tags,
        },
        parent,
      );
    const checkRole = role(
      "check",
      `Runs the drift check pipeline of ${name} and its job`,
      sageMakerAssumeRolePolicy(args.account),
    );
    const stepsRole = role(
      "steps",
      `Finds capture files and publishes results for ${name}`,
      JSON.stringify(lambdaTrustPolicy()),
    );
    const script = path.join(ML_DIR, "drift_check.py");
    const code = new aws.s3.BucketObjectv2(
      `${name}-drift-check-py`,
      {
        bucket: args.outputBucketName,
        key: scriptKey(script),
        source: new pulumi.asset.FileAsset(script),
        serverSideEncryption: "aws:kms",
        kmsKeyId: args.kmsKeyArn,
        tags: args.tags,
      },
      parent,
    );
    const codeUri = pulumi.interpolate`s3://${code.bucket}/${code.key}`;

    const logGroup = functionLogGroup(
      `${name}-steps-logs`,
      functionName,
      { kmsKeyArn: args.kmsKeyArn, retentionInDays: config.logRetentionDays, tags: args.tags },
      parent,
    );
    const stepsPolicy = new aws.iam.RolePolicy(
      `${name}-steps-role-policy`,
      {
        role: stepsRole.name,
        policy: pulumi
          .all([
            partition,
            region,
            accountId,
            endpointCaptureUri,
            reportUri,
            args.kmsKeyArn,
            args.alertTopicArn,
          ])
          .apply(([p, r, account, captureUri, report, kmsKeyArn, alertTopicArn]) =>
            JSON.stringify(
              driftStepsPolicy({
                partition: p,
                region: r,
                accountId: account,
                functionName,
                captureUri,
                reportUri: report,
                kmsKeyArn,
                alertTopicArn,
                putsDriftEvents: args.modelName !== undefined,
              }),
            ),
          ),
      },
      parent,
    );
    const steps = new aws.lambda.Function(
      `${name}-steps`,
      {
        name: functionName,
        description: `Lists each window's capture files and publishes the drift check results of ${name}`,
        role: stepsRole.arn,
        ...pythonFunctionArgs(FUNCTION_FILE, logGroup.name),
        // Listing a day of capture files of a busy endpoint takes some seconds; reports are small.
        timeout: 300,
        memorySize: 256,
        tags: args.tags,
      },
      // Its permissions and log group exist before the first invocation.
      { parent: this, dependsOn: [stepsPolicy, logGroup] },
    );

    const checkPolicy = new aws.iam.RolePolicy(
      `${name}-role-policy`,
      {
        role: checkRole.name,
        policy: pulumi
          .all([
            partition,
            region,
            accountId,
            checkRole.arn,
            steps.arn,
            endpointCaptureUri,
            reportUri,
            codeUri,
            args.kmsKeyArn,
            image.repositoryArn,
          ])
          .apply(
            ([
              p,
              r,
              account,
              roleArn,
              functionArn,
              captureUri,
              report,
              codeLocation,
              kmsKeyArn,
              repositoryArn,
            ]) =>
              JSON.stringify(
                driftCheckPolicy({
                  partition: p,
                  region: r,
                  accountId: account,
                  roleArn,
                  functionArn,
                  captureUri,
                  reportUri: report,
                  codeUri: codeLocation,
                  baselineUri: args.baselineUri,
                  baselineAccountId: args.baselineAccountId,
                  kmsKeyArn,
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
        checkRole.arn,
        args.kmsKeyArn,
        steps.arn,
        args.endpointName,
        endpointCaptureUri,
        reportUri,
        codeUri,
        image.uri,
        args.alertTopicArn,
      ])
      .apply(
        ([
          roleArn,
          kmsKeyArn,
          functionArn,
          endpointName,
          captureUri,
          report,
          codeLocation,
          imageUri,
          topicArn,
        ]) =>
          JSON.stringify(
            buildDriftCheckDefinition({
              checkName: name,
              roleArn,
              kmsKeyArn,
              functionArn,
              endpointName,
              captureUri,
              reportUri: report,
              codeUri: codeLocation,
              baselineUri: args.baselineUri,
              imageUri,
              instanceType: config.instanceType as ProcessingInstanceType,
              volumeSizeInGB: config.volumeSizeInGb,
              maxRuntimeSeconds: config.maxRuntimeSeconds,
              windowHours,
              thresholds: config.thresholds,
              minRows: config.minRows,
              featureThresholds: config.featureThresholds,
              alertTopicArn: topicArn,
              modelName: args.modelName,
              network: args.network,
            }),
          ),
      );
    const pipeline = new aws.sagemaker.Pipeline(
      name,
      {
        pipelineName: name,
        pipelineDisplayName: name,
        pipelineDescription: pulumi.interpolate`Checks the traffic to endpoint ${args.endpointName} for drift`,
        roleArn: checkRole.arn,
        pipelineDefinition: definition,
        tags: args.tags,
      },
      // The role needs its permissions before the first run starts.
      { parent: this, dependsOn: [checkPolicy] },
    );

    // A start that still fails after the schedule's retries lands here, and its alarm pages someone:
    // otherwise a window would go unchecked without a word.
    const deadLetters = deadLetterQueue(
      `${name}-dlq`,
      { kmsKeyArn: args.kmsKeyArn, tags: args.tags },
      parent,
    );
    new aws.sqs.QueuePolicy(
      `${name}-dlq-policy`,
      {
        queueUrl: deadLetters.url,
        policy: deadLetters.arn.apply((arn) => JSON.stringify(policyDocument(queueTlsOnlyStatement(arn)))),
      },
      parent,
    );
    const { role: schedulerRole, schedule } = pipelineStartSchedule(
      name,
      {
        account: args.account,
        scheduleName: name,
        roleName: roleNames.scheduler,
        roleDescription: `Starts the drift check of ${name}`,
        description: pulumi.interpolate`Starts the drift check of endpoint ${args.endpointName}`,
        scheduleExpression: driftCheckScheduleExpression(config.scheduleExpression),
        pipelineName: pipeline.pipelineName,
        pipelineArn: pipeline.arn,
        // A late or retried start still checks the window before the time the run was due.
        request: {
          PipelineParameters: [
            { Name: DRIFT_CHECK_PARAMETERS.scheduledTime, Value: "<aws.scheduler.scheduled-time>" },
          ],
        },
        deadLetterQueueArn: deadLetters.arn,
        kmsKeyArn: args.kmsKeyArn,
        permissionsBoundaryArn: args.permissionsBoundaryArn,
        tags: args.tags,
      },
      this,
    );

    const failures = pulumi
      .all([args.endpointName, pipeline.arn, reportUri])
      .apply(([endpointName, pipelineArn, report]) =>
        driftCheckFailureRule({ endpointName, checkName: name, pipelineArn, reportUri: report }),
      );
    // Named after the check: the alert topic accepts events only from rules with its prefix. An
    // alert that cannot be delivered lands in the rule's own dead-letter queue, whose alarm pages.
    const { rule: failureRule } = alertRule(
      driftCheckFailureRuleName(name),
      {
        accountId,
        description: failures.description,
        eventPattern: failures.apply((rule) => JSON.stringify(rule.eventPattern)),
        inputPaths: failures.inputPathsMap,
        inputTemplate: failures.inputTemplate,
        alertTopicArn: args.alertTopicArn,
        kmsKeyArn: args.kmsKeyArn,
        undeliveredAlarm: driftCheckFailureUndeliveredAlarm(name),
        tags: args.tags,
      },
      this,
    );

    deadLetterAlarm(failedStartsAlarm(name, `${name}-dlq`), deadLetters, args.alertTopicArn, args.tags, this);

    const alarmFeatures = config.driftAlarms.features.map((feature) => ({
      feature,
      threshold:
        config.driftAlarms.threshold ??
        config.featureThresholds[feature]?.psiDrift ??
        config.thresholds.psiDrift,
    }));
    const alarms = pulumi
      .output(args.endpointName)
      .apply((endpointName) => psiAlarms(name, endpointName, alarmFeatures));
    const alarmResources = alarmFeatures.map(({ feature }, index) => {
      return new aws.cloudwatch.MetricAlarm(
        `${name}-psi-${feature}`,
        {
          ...metricAlarmArgs(alarms.apply((all) => all[index])),
          // No OK action: the alarm clears when the data point ages out, not when the drift is fixed.
          alarmActions: [args.alertTopicArn],
          tags: args.tags,
        },
        parent,
      );
    });

    this.footprint = driftCheckFootprint(
      {
        check: checkRole.arn,
        steps: stepsRole.arn,
        scheduler: schedulerRole.arn,
      },
      roleNames,
    );
    this.pipelineName = pipeline.pipelineName;
    this.pipelineArn = pipeline.arn;
    this.scheduleName = schedule.name;
    this.scheduleArn = schedule.arn;
    this.functionName = steps.name;
    this.reportUri = reportUri;
    this.roleArn = checkRole.arn;
    this.eventRuleNames = pulumi.all([failureRule.name]);
    this.alarmNames = pulumi.all(alarmResources.map((alarm) => alarm.name));
    this.registerOutputs({
      pipelineName: this.pipelineName,
      pipelineArn: this.pipelineArn,
      scheduleName: this.scheduleName,
      scheduleArn: this.scheduleArn,
      functionName: this.functionName,
      reportUri: this.reportUri,
      roleArn: this.roleArn,
      eventRuleNames: this.eventRuleNames,
      alarmNames: this.alarmNames,
    });
  }
}
