import { undeliveredAlertsAlarm } from "../shared/alertRule";
import type { MetricAlarmDefinition } from "../shared/metricAlarm";
import { DATA_METRICS_NAMESPACE } from "./monitoringSchedulePolicy";

/** What a monitoring execution reports that a person must hear about. */
export type MonitoringEventKind = "violations" | "failures";

/** An EventBridge rule and the message its SNS target sends, as plain values. */
export interface MonitoringEventRule {
  readonly kind: MonitoringEventKind;
  readonly description: string;
  readonly eventPattern: Record<string, unknown>;
  readonly inputPathsMap: Record<string, string>;
  /** A JSON string: SNS delivers its text as the message. */
  readonly inputTemplate: string;
}

/** What the alert messages say about the monitor, besides what each event carries. */
export interface MonitorDescription {
  readonly endpointName: string;
  readonly scheduleName: string;
  readonly scheduleArn: string;
  /** Where the executions write statistics.json and constraint_violations.json. */
  readonly reportUri: string;
}

/** Monitoring executions run as processing jobs; their state changes carry the schedule's ARN. */
const PROCESSING_JOB_STATE_CHANGE = "SageMaker Processing Job State Change";

const EVENT_FIELDS = {
  job: "$.detail.ProcessingJobName",
  status: "$.detail.ProcessingJobStatus",
  exitMessage: "$.detail.ExitMessage",
  failureReason: "$.detail.FailureReason",
  time: "$.time",
};

/**
 * The two rules of a monitor: executions that completed with violations (the analyzer's exit message
 * starts with `CompletedWithViolations`), and executions that failed or were stopped, after which
 * the window's traffic went unchecked.
 */
export function monitoringEventRules(monitor: MonitorDescription): MonitoringEventRule[] {
  const base = { source: ["aws.sagemaker"], "detail-type": [PROCESSING_JOB_STATE_CHANGE] };
  const where = `endpoint ${monitor.endpointName} (monitoring schedule ${monitor.scheduleName})`;
  return [
    {
      kind: "violations",
      description: `Data-quality violations found by Model Monitor on ${where}`,
      eventPattern: {
        ...base,
        detail: {
          MonitoringScheduleArn: [monitor.scheduleArn],
          ProcessingJobStatus: ["Completed"],
          ExitMessage: [{ prefix: "CompletedWithViolations" }],
        },
      },
      inputPathsMap: {
        job: EVENT_FIELDS.job,
        exitMessage: EVENT_FIELDS.exitMessage,
        time: EVENT_FIELDS.time,
      },
      inputTemplate: JSON.stringify(
        `Model Monitor found data-quality violations on ${where} in the run of <time>: <exitMessage> ` +
          `The traffic sent to the model no longer matches the data it was trained on. ` +
          `constraint_violations.json under ${monitor.reportUri}/ names each feature and check that failed; ` +
          `compare with the baseline, then retrain on recent data or fix the client sending it. Monitoring job: <job>.`,
      ),
    },
    {
      kind: "failures",
      description: `Failed Model Monitor executions of ${where}`,
      eventPattern: {
        ...base,
        detail: { MonitoringScheduleArn: [monitor.scheduleArn], ProcessingJobStatus: ["Failed", "Stopped"] },
      },
      inputPathsMap: {
        job: EVENT_FIELDS.job,
        status: EVENT_FIELDS.status,
        failureReason: EVENT_FIELDS.failureReason,
        time: EVENT_FIELDS.time,
      },
      inputTemplate: JSON.stringify(
        `A Model Monitor execution for ${where} ended <status> at <time>: <failureReason> ` +
          `This window's traffic was not checked for drift. ` +
          `The job's log is in CloudWatch Logs, group /aws/sagemaker/ProcessingJobs, streams starting <job>/.`,
      ),
    },
  ];
}

/**
 * The alarm on the dead-letter queue of a monitor's rule of `kind` (`<schedule>-<kind>`): alerts of
 * violations found, or of runs that failed, which reached nobody.
 */
export function monitoringUndeliveredAlarm(
  scheduleName: string,
  kind: MonitoringEventKind,
): MetricAlarmDefinition {
  return kind === "violations"
    ? undeliveredAlertsAlarm(
        `${scheduleName}-violations`,
        `data-quality violations Model Monitor found for monitoring schedule ${scheduleName}`,
        `read constraint_violations.json of the monitoring job each message names`,
      )
    : undeliveredAlertsAlarm(
        `${scheduleName}-failures`,
        `failed or stopped Model Monitor runs of monitoring schedule ${scheduleName} (their windows went unchecked)`,
        `see why each job the message names failed in CloudWatch Logs, group /aws/sagemaker/ProcessingJobs`,
      );
}

/** One drift alarm, as the arguments of `aws.cloudwatch.MetricAlarm` (actions and tags are added by the caller). */
export interface DriftAlarm {
  readonly feature: string;
  readonly name: string;
  readonly description: string;
  readonly namespace: typeof DATA_METRICS_NAMESPACE;
  readonly metricName: string;
  readonly dimensions: { readonly Endpoint: string; readonly MonitoringSchedule: string };
  readonly statistic: "Maximum";
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly comparisonOperator: "GreaterThanThreshold";
  readonly threshold: number;
  /** Runs are hours apart: between them there is no data, which is not drift. */
  readonly treatMissingData: "notBreaching";
}

/** Each execution publishes one data point per feature; an hour's period holds it. */
const DRIFT_PERIOD_SECONDS = 3600;

/**
 * Alarms on `feature_baseline_drift_<feature>`, the distance Model Monitor measures between each
 * feature's distribution in the captured traffic and in the baseline. Two periods with one breach
 * are enough: an execution may publish its data point stamped with the hour it analysed.
 */
export function driftAlarms(
  alarmPrefix: string,
  monitor: Pick<MonitorDescription, "endpointName" | "scheduleName">,
  features: readonly string[],
  threshold: number,
): DriftAlarm[] {
  return features.map((feature) => ({
    feature,
    name: `${alarmPrefix}-drift-${feature}`,
    description:
      `Feature "${feature}" of the traffic to endpoint ${monitor.endpointName} has drifted from the model's ` +
      `training data: its baseline distance is above ${threshold}. See the latest report of monitoring ` +
      `schedule ${monitor.scheduleName}. The alarm returns to OK by itself once no new run confirms the drift.`,
    namespace: DATA_METRICS_NAMESPACE,
    metricName: `feature_baseline_drift_${feature}`,
    dimensions: { Endpoint: monitor.endpointName, MonitoringSchedule: monitor.scheduleName },
    statistic: "Maximum",
    period: DRIFT_PERIOD_SECONDS,
    evaluationPeriods: 2,
    datapointsToAlarm: 1,
    comparisonOperator: "GreaterThanThreshold",
    threshold,
    treatMissingData: "notBreaching",
  }));
}
