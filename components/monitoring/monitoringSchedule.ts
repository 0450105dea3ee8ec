import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { sageMakerAssumeRolePolicy } from "../shared/serviceTrust";
import { DATA_BUCKET_PREFIXES } from "../foundation/retention";
import { monitoringJobPolicy } from "./monitoringSchedulePolicy";
import { NetworkScope } from "../shared/vpc";
import { alertRule, ALERT_RULE_TYPES } from "../shared/alertRule";
import { driftAlarms, monitoringEventRules, monitoringUndeliveredAlarm } from "./alerts";
import {
  DRIFT_ALARM_DEFAULTS,
  FEATURE_SETTING,
  MODEL_MONITOR_ALARM_THRESHOLD,
  MONITORING_DEFAULTS,
  MONITORING_SETTINGS,
  repeatedFeatureProblems,
} from "./settings";
import { settingProblem } from "../shared/settings";
import type { AccountContext } from "../shared/account";
import { DeployFootprint, SAGEMAKER_SERVICE, TYPES } from "../shared/footprint";
import { S3_URI_PATTERN } from "../shared/s3Uri";
import { metricAlarmArgs } from "../shared/metricAlarm";

/** The statistics and constraints Model Monitor compares captured traffic with. */
export interface DataQualityBaselineArgs {
  /** S3 URI of statistics.json. */
  readonly statisticsUri: string;
  /** S3 URI of constraints.json. */
  readonly constraintsUri: string;
  /**
   * The account that built the version (a model promoted from another stack): the baseline is in
   * its artifacts bucket, under its key. @default the stack's own account
   */
  readonly accountId?: string;
}

export interface DriftAlarmArgs {
  /** Features to alarm on, as named in the baseline (the training data's column names). */
  readonly features: readonly string[];
  /** Baseline distance above which a feature has drifted. @default 0.1 */
  readonly threshold?: number;
}

export interface MonitoringScheduleArgs {
  /** Where the stack deploys, looked up once per stack (`lookupAccountContext`). */
  readonly account: AccountContext;
  /** The monitored endpoint; its captured traffic is the input. */
  readonly endpointName: pulumi.Input<string>;
  /** Where the endpoint captures data (`s3://bucket/prefix`); SageMaker adds `<endpoint>/<variant>/...`. */
  readonly captureUri: pulumi.Input<string>;
  /** Bucket the reports (statistics.json, constraint_violations.json) are written to. */
  readonly outputBucketName: pulumi.Input<string>;
  /** Key prefix of the reports; each schedule writes under `<prefix>/<schedule name>/`. @default "monitoring" */
  readonly outputPrefix?: string;
  /** The baseline of the served model version. */
  readonly baseline: DataQualityBaselineArgs;
  /** KMS key for the job's volume and its reports. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** The permissions boundary the job role carries (the stack's: every role carries it). */
  readonly permissionsBoundaryArn: pulumi.Input<string>;
  /** SNS topic that violations, failed runs and drift alarms notify. */
  readonly alertTopicArn: pulumi.Input<string>;
  /** When runs start: `cron(0 <hours> ? * * *)`, hourly at most. @default "cron(0 0 ? * * *)" (daily at midnight UTC) */
  readonly scheduleExpression?: string;
  /** Instance type of the monitoring job. @default "ml.m5.large" */
  readonly instanceType?: string;
  /** Instances of the monitoring job. @default 1 */
  readonly instanceCount?: number;
  /** Disk of each instance in GB, encrypted with the key. @default 20 */
  readonly volumeSizeInGb?: number;
  /** Run-time limit of each execution, at most an hour. @default 1800 */
  readonly maxRuntimeSeconds?: number;
  /** CloudWatch alarms on the per-feature drift metrics. @default none */
  readonly driftAlarms?: DriftAlarmArgs;
  /** Run the jobs in these subnets and security groups. @default no VPC */
  readonly network?: NetworkScope;
  /** Tags for every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
}

interface ResolvedArgs {
  readonly outputPrefix: string;
  readonly scheduleExpression: string;
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly volumeSizeInGb: number;
  readonly maxRuntimeSeconds: number;
  readonly driftAlarms: Required<DriftAlarmArgs>;
}

/** Applies every default in one place. Pure. */
export function withDefaults(args: MonitoringScheduleArgs): ResolvedArgs {
  return {
    outputPrefix: args.outputPrefix ?? DATA_BUCKET_PREFIXES.reports,
    scheduleExpression: args.scheduleExpression ?? MONITORING_DEFAULTS.scheduleExpression,
    instanceType: args.instanceType ?? MONITORING_DEFAULTS.instanceType,
    instanceCount: args.instanceCount ?? 1,
    volumeSizeInGb: args.volumeSizeInGb ?? 20,
    maxRuntimeSeconds: args.maxRuntimeSeconds ?? MONITORING_DEFAULTS.maxRuntimeSeconds,
    driftAlarms: {
      features: args.driftAlarms?.features ?? DRIFT_ALARM_DEFAULTS.features,
      threshold: args.driftAlarms?.threshold ?? MODEL_MONITOR_ALARM_THRESHOLD,
    },
  };
}

/** Schedule names: SageMaker's pattern, short enough for `<name>-violations` as an EventBridge rule (64). */
const SCHEDULE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,52}$/;

/** Every problem with the arguments, so that nothing is created from a half-valid request. */
export function validateArgs(name: string, args: MonitoringScheduleArgs, resolved: ResolvedArgs): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => ok || problems.push(message);
  check(SCHEDULE_NAME.test(name), `name "${name}" must be 1-53 letters, digits and hyphens`);
  // The same ranges as the stack config: one definition of each (settings.ts).
  for (const key of ["scheduleExpression", "instanceType", "maxRuntimeSeconds"] as const) {
    const problem = settingProblem(key, MONITORING_SETTINGS[key], resolved[key]);
    if (problem) problems.push(problem);
  }
  check(
    Number.isInteger(resolved.instanceCount) && resolved.instanceCount >= 1 && resolved.instanceCount <= 100,
    `instanceCount ${resolved.instanceCount} must be a whole number from 1 to 100`,
  );
  check(
    Number.isInteger(resolved.volumeSizeInGb) &&
      resolved.volumeSizeInGb >= 1 &&
      resolved.volumeSizeInGb <= 16384,
    `volumeSizeInGb ${resolved.volumeSizeInGb} must be a whole number from 1 to 16384`,
  );
  const { accountId: baselineAccount, ...files } = args.baseline;
  check(
    baselineAccount === undefined || /^\d{12}$/.test(baselineAccount),
    `baseline accountId "${baselineAccount}" is not an AWS account id (12 digits)`,
  );
  for (const [key, uri] of Object.entries(files)) {
    check(
      S3_URI_PATTERN.test(uri) && !uri.endsWith("/"),
      `baseline ${key} "${uri}" is not the S3 URI of a file`,
    );
  }
  check(
    /^[a-zA-Z0-9!_.*'()-]+(\/[a-zA-Z0-9!_.*'()-]+)*$/.test(resolved.outputPrefix),
    `outputPrefix "${resolved.outputPrefix}" must be a key prefix without leading or trailing "/"`,
  );
  const { features, threshold } = resolved.driftAlarms;
  features.forEach((feature, index) => {
    const problem = settingProblem(`driftAlarms.features[${index}]`, FEATURE_SETTING, feature);
    if (problem) problems.push(problem);
  });
  for (const { index, value, message } of repeatedFeatureProblems(features)) {
    problems.push(`driftAlarms.features[${index}] ${JSON.stringify(value)} ${message}`);
  }
  // Model Monitor's distance is at most 1.
  check(
    threshold > 0 && threshold <= 1,
    `driftAlarms.threshold ${threshold} must be a distance above 0, up to 1`,
  );
  return problems;
}

/** Where a monitoring job mounts the captured data and writes its reports (SageMaker's convention). */
const PROCESSING_ROOT = "/opt/ml/processing";

/** The job role, job definition, schedule, alert rules and any drift alarms. */
/**
 * The physical name of a schedule's role: fixed (schedule names have at most 53 characters, so it
 * fits IAM's 64), so that the deploy role can be given it before the schedule exists.
 */
export function monitoringRoleName(scheduleName: string): string {
  return `${scheduleName}-role`;
}

/** What deploying a monitor takes: its alert rules always bring alarms (on their dead-letter queues). */
export function monitoringScheduleFootprint(
  roleArn: pulumi.Input<string>,
  roleName?: string,
): DeployFootprint {
  return {
    types: [
      TYPES.role,
      TYPES.rolePolicy,
      TYPES.dataQualityJobDefinition,
      TYPES.monitoringSchedule,
      ...ALERT_RULE_TYPES,
    ],
    passedRoles: [{ service: SAGEMAKER_SERVICE, roleArn, roleName }],
  };
}

/**
 * Data-quality monitoring of one endpoint: a Model Monitor job definition that compares the
 * endpoint's captured traffic with the served model's baseline, run on a schedule by a
 * least-privilege role, with its violations and failed runs sent to the alert topic by EventBridge
 * and CloudWatch alarms on the drift of chosen features.
 */
export class MonitoringSchedule extends pulumi.ComponentResource {
  public readonly scheduleName: pulumi.Output<string>;
  public readonly scheduleArn: pulumi.Output<string>;
  public readonly jobDefinitionName: pulumi.Output<string>;
  /** Where each execution writes statistics.json and constraint_violations.json. */
  public readonly reportUri: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  /** The rules that forward violations and failed runs to the alert topic. */
  public readonly eventRuleNames: pulumi.Output<string[]>;
  public readonly alarmNames: pulumi.Output<string[]>;
  /** The resource types it creates and the roles it hands to services, for the deploy role. */
  public readonly footprint: DeployFootprint;

  constructor(name: string, args: MonitoringScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before the component registers: a bad request leaves nothing behind.
    const config = withDefaults(args);
    const problems = validateArgs(name, args, config);
    if (problems.length > 0) throw new Error(`MonitoringSchedule ${name}: ${problems.join("; ")}.`);
    super("mlops:sagemaker:MonitoringSchedule", name, {}, opts);

    const parent = { parent: this };
    const { partition, region, accountId } = args.account;
    const analyzer = args.account.images.modelMonitor;
    // Reports of each schedule in a folder of their own: the role may write there and nowhere else.
    const reportUri = pulumi.interpolate`s3://${args.outputBucketName}/${config.outputPrefix}/${name}`;

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        // A fixed name: the deploy role may pass exactly this role, before the schedule exists.
        name: monitoringRoleName(name),
        description: `Runs the data-quality monitoring jobs of ${name}`,
        assumeRolePolicy: sageMakerAssumeRolePolicy(args.account),
        permissionsBoundary: args.permissionsBoundaryArn,
        tags: args.tags,
      },
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
            args.endpointName,
            args.captureUri,
            reportUri,
            args.kmsKeyArn,
            analyzer.repositoryArn,
          ])
          .apply(([p, r, account, endpointName, captureUri, outputUri, kmsKeyArn, analyzerRepositoryArn]) =>
            JSON.stringify(
              monitoringJobPolicy({
                partition: p,
                region: r,
                accountId: account,
                endpointName,
                captureUri,
                baselineUris: [args.baseline.statisticsUri, args.baseline.constraintsUri],
                outputUri,
                kmsKeyArn,
                analyzerRepositoryArn,
                baselineAccountId: args.baseline.accountId,
                network: args.network,
              }),
            ),
          ),
      },
      parent,
    );

    const jobDefinition = new aws.sagemaker.DataQualityJobDefinition(
      // Auto-named: job definitions cannot change, so a new one is created and the schedule moved to it.
      `${name}-job`,
      {
        roleArn: role.arn,
        dataQualityAppSpecification: {
          imageUri: analyzer.uri,
          // Drift metrics are what the alarms watch.
          environment: { publish_cloudwatch_metrics: "Enabled" },
        },
        dataQualityBaselineConfig: {
          statisticsResource: { s3Uri: args.baseline.statisticsUri },
          constraintsResource: { s3Uri: args.baseline.constraintsUri },
        },
        dataQualityJobInput: {
          endpointInput: {
            endpointName: args.endpointName,
            localPath: `${PROCESSING_ROOT}/input/endpoint`,
            s3InputMode: "File",
            s3DataDistributionType: "FullyReplicated",
          },
        },
        dataQualityJobOutputConfig: {
          kmsKeyId: args.kmsKeyArn,
          monitoringOutputs: {
            s3Output: { s3Uri: reportUri, localPath: `${PROCESSING_ROOT}/output`, s3UploadMode: "EndOfJob" },
          },
        },
        jobResources: {
          clusterConfig: {
            instanceCount: config.instanceCount,
            instanceType: config.instanceType,
            volumeSizeInGb: config.volumeSizeInGb,
            volumeKmsKeyId: args.kmsKeyArn,
          },
        },
        networkConfig: {
          // The analyzer reads and writes S3 through SageMaker only; it needs no network of its own.
          enableNetworkIsolation: true,
          enableInterContainerTrafficEncryption: true,
          vpcConfig: args.network && {
            subnets: [...args.network.subnetIds],
            securityGroupIds: [...args.network.securityGroupIds],
          },
        },
        stoppingCondition: { maxRuntimeInSeconds: config.maxRuntimeSeconds },
        tags: args.tags,
      },
      // The role needs its permissions before the first execution starts.
      { parent: this, dependsOn: [rolePolicy] },
    );

    const schedule = new aws.sagemaker.MonitoringSchedule(
      name,
      {
        // A fixed name: the drift metrics carry it as a dimension, and the alarms refer to it.
        name,
        monitoringScheduleConfig: {
          monitoringJobDefinitionName: jobDefinition.name,
          monitoringType: "DataQuality",
          scheduleConfig: { scheduleExpression: config.scheduleExpression },
        },
        tags: args.tags,
      },
      parent,
    );

    const rules = pulumi
      .all([args.endpointName, schedule.arn, reportUri])
      .apply(([endpointName, scheduleArn, report]) =>
        monitoringEventRules({ endpointName, scheduleName: name, scheduleArn, reportUri: report }),
      );
    // Named after the monitor: the alert topic accepts events only from rules with its prefix. An
    // alert that cannot be delivered lands in the rule's own dead-letter queue, whose alarm pages.
    const eventRules = (["violations", "failures"] as const).map((kind, index) => {
      // monitoringEventRules lists the kinds in this order.
      const rule = rules.apply((all) => all[index]);
      return alertRule(
        `${name}-${kind}`,
        {
          accountId,
          description: rule.description,
          eventPattern: rule.apply((r) => JSON.stringify(r.eventPattern)),
          inputPaths: rule.inputPathsMap,
          inputTemplate: rule.inputTemplate,
          alertTopicArn: args.alertTopicArn,
          kmsKeyArn: args.kmsKeyArn,
          undeliveredAlarm: monitoringUndeliveredAlarm(name, kind),
          tags: args.tags,
        },
        this,
      ).rule;
    });

    const alarms = pulumi
      .output(args.endpointName)
      .apply((endpointName) =>
        driftAlarms(
          name,
          { endpointName, scheduleName: name },
          config.driftAlarms.features,
          config.driftAlarms.threshold,
        ),
      );
    const alarmResources = config.driftAlarms.features.map((feature, index) => {
      return new aws.cloudwatch.MetricAlarm(
        `${name}-drift-${feature}`,
        {
          ...metricAlarmArgs(alarms.apply((all) => all[index])),
          // No OK action: the alarm clears when the data point ages out, not when the drift is fixed.
          alarmActions: [args.alertTopicArn],
          tags: args.tags,
        },
        // Alarms on metrics that name the schedule are meaningful once it exists.
        { parent: this, dependsOn: [schedule] },
      );
    });

    this.footprint = monitoringScheduleFootprint(role.arn, monitoringRoleName(name));
    this.scheduleName = schedule.name;
    this.scheduleArn = schedule.arn;
    this.jobDefinitionName = jobDefinition.name;
    this.reportUri = reportUri;
    this.roleArn = role.arn;
    this.eventRuleNames = pulumi.all(eventRules.map((rule) => rule.name));
    this.alarmNames = pulumi.all(alarmResources.map((alarm) => alarm.name));
    this.registerOutputs({
      scheduleName: this.scheduleName,
      scheduleArn: this.scheduleArn,
      jobDefinitionName: this.jobDefinitionName,
      reportUri: this.reportUri,
      roleArn: this.roleArn,
      eventRuleNames: this.eventRuleNames,
      alarmNames: this.alarmNames,
    });
  }
}
