import * as pulumi from "@pulumi/pulumi";

/**
 * An alarm on one metric as plain values: what each capability's alarm builders return, so that
 * tests read them without a Pulumi runtime. The component adds the actions and tags.
 */
export interface MetricAlarmDefinition {
  readonly name: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: string;
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly comparisonOperator: string;
  readonly threshold: number;
  readonly treatMissingData: string;
}

/**
 * The arguments of `aws.cloudwatch.MetricAlarm` for a definition, known now or once the values it
 * is built from (an endpoint's name) resolve; the caller adds `alarmActions`, `okActions` and `tags`.
 */
export function metricAlarmArgs(definition: pulumi.Input<MetricAlarmDefinition>) {
  const alarm = pulumi.output(definition);
  return {
    name: alarm.name,
    alarmDescription: alarm.description,
    namespace: alarm.namespace,
    metricName: alarm.metricName,
    dimensions: alarm.apply((values) => ({ ...values.dimensions })),
    statistic: alarm.statistic,
    period: alarm.period,
    evaluationPeriods: alarm.evaluationPeriods,
    datapointsToAlarm: alarm.datapointsToAlarm,
    comparisonOperator: alarm.comparisonOperator,
    threshold: alarm.threshold,
    treatMissingData: alarm.treatMissingData,
  };
}

/**
 * An alarm while a dead-letter queue holds any message: each is an event that did not get where it
 * was going. SQS publishes the metric only while the queue is in use, so no data is an empty queue.
 */
export function queueNotEmptyAlarm(name: string, queueName: string, description: string) {
  return {
    name,
    description,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: queueName },
    statistic: "Maximum",
    period: 300,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    comparisonOperator: "GreaterThanThreshold",
    threshold: 0,
    treatMissingData: "notBreaching",
  } as const;
}
