import {
  AlertRuleValues,
  PIPELINE_RUN_FIELDS,
  pipelineRunFailedPattern,
  undeliveredAlertsAlarm,
} from "../shared/alertRule";
import { queueNotEmptyAlarm } from "../shared/metricAlarm";
import { DRIFT_METRICS_NAMESPACE } from "./driftCheckPolicy";

/** The rule that tells the model's alert topic that a drift check run failed, as plain values. */
export type DriftCheckFailureRule = AlertRuleValues;

export interface DriftCheckDescription {
  readonly endpointName: string;
  readonly checkName: string;
  readonly pipelineArn: string;
  /** The check's folder: each window's report is under `<reportUri>/yyyy/mm/dd/hh/`. */
  readonly reportUri: string;
}

/**
 * Failed or stopped runs of the check's pipeline: that window's traffic went unchecked. Drift itself
 * is sent by the check's publish step, which names the features; an empty window sends nothing.
 * Event: "SageMaker Model Building Pipeline Execution Status Change" (SageMaker's EventBridge events,
 * https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html).
 */
export function driftCheckFailureRule(check: DriftCheckDescription): DriftCheckFailureRule {
  const where = `endpoint ${check.endpointName} (drift check ${check.checkName})`;
  return {
    description: `Failed runs of the drift check of ${where}`,
    eventPattern: pipelineRunFailedPattern(check.pipelineArn),
    inputPathsMap: { ...PIPELINE_RUN_FIELDS },
    inputTemplate: JSON.stringify(
      `A drift check run for ${where} ended <status> at <time>. This window's traffic was not checked for drift. ` +
        `See the failed step and its reason in SageMaker Studio or with aws sagemaker list-pipeline-execution-steps ` +
        `--pipeline-execution-arn <execution>; the check's log is in CloudWatch Logs, group /aws/sagemaker/ProcessingJobs. ` +
        `Reports of earlier windows are under ${check.reportUri}/.`,
    ),
  };
}

/** The rule that pages the model's alert topic about the check's failed or stopped runs: `<check>-failures`. */
export function driftCheckFailureRuleName(checkName: string): string {
  return `${checkName}-failures`;
}

/**
 * The alarm on the dead-letter queue of the rule `<check>-failures`: runs whose window went
 * unchecked and whose alert reached nobody. Each message is SageMaker's status change event, whose
 * detail names the execution.
 */
export function driftCheckFailureUndeliveredAlarm(checkName: string) {
  return undeliveredAlertsAlarm(
    driftCheckFailureRuleName(checkName),
    `failed or stopped runs of drift check ${checkName} (their windows went unchecked)`,
    `see why each run its detail.pipelineExecutionArn names stopped with aws sagemaker ` +
      `list-pipeline-execution-steps --pipeline-execution-arn <that ARN>, and check its window again: start ` +
      `pipeline ${checkName} with ScheduledTime set to that run's (aws sagemaker ` +
      `list-pipeline-parameters-for-execution gives it)`,
  );
}

/** One alarm on a feature's population stability index (actions and tags are added by the caller). */
export interface PsiAlarm {
  readonly feature: string;
  readonly name: string;
  readonly description: string;
  readonly namespace: typeof DRIFT_METRICS_NAMESPACE;
  readonly metricName: "PopulationStabilityIndex";
  readonly dimensions: { readonly Endpoint: string; readonly Feature: string };
  readonly statistic: "Maximum";
  readonly period: number;
  readonly evaluationPeriods: 1;
  readonly datapointsToAlarm: 1;
  readonly comparisonOperator: "GreaterThanOrEqualToThreshold";
  readonly threshold: number;
  /** Runs are hours apart: between them there is no data, which is not drift. */
  readonly treatMissingData: "notBreaching";
}

/**
 * Alarms on the PSI the publish step puts for each feature. A run publishes one data point per
 * feature when it ends; an hour's period holds it, so the alarm goes off within the hour of the run
 * and returns to OK an hour later unless the next run confirms the drift.
 */
export function psiAlarms(
  alarmPrefix: string,
  endpointName: string,
  features: readonly { readonly feature: string; readonly threshold: number }[],
): PsiAlarm[] {
  return features.map(({ feature, threshold }) => ({
    feature,
    name: `${alarmPrefix}-psi-${feature}`,
    description:
      `Feature "${feature}" of the traffic to endpoint ${endpointName} has drifted from the model's training ` +
      `data: its population stability index reached ${threshold}. The drift check's report names the cause.`,
    namespace: DRIFT_METRICS_NAMESPACE,
    metricName: "PopulationStabilityIndex",
    dimensions: { Endpoint: endpointName, Feature: feature },
    statistic: "Maximum",
    period: 3600,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    threshold,
    treatMissingData: "notBreaching",
  }));
}

/**
 * Goes off while the check's dead-letter queue holds a start that failed after the schedule's
 * retries (a missing permission, a deleted pipeline, a throttled account): that window was not
 * checked. Each message is the dead-letter event, with the error and the scheduled time.
 */
export function failedStartsAlarm(checkName: string, queueName: string) {
  return queueNotEmptyAlarm(
    `${checkName}-failed-starts`,
    queueName,
    `SQS queue ${queueName} holds runs of drift check ${checkName} that EventBridge Scheduler could not start, ` +
      `so their windows were not checked. Each message names the error and the scheduled time: fix the cause, ` +
      `start pipeline ${checkName} with ScheduledTime set to that time, then delete the message; the alarm ` +
      `returns to OK once the queue is empty`,
  );
}
