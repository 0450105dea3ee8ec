/** Thresholds of an endpoint variant's alarms. */
export interface AlarmThresholds {
  /** p99 of ModelLatency above this, in milliseconds, is an alarm. */
  readonly latencyP99Milliseconds: number;
  /** Share of requests answered 4XX above this percentage is an alarm. */
  readonly errorRate4xxPercent: number;
  /** This many 5XX answers in a minute is an alarm. */
  readonly errors5xxPerMinute: number;
  /** Serverless only: cold starts (ModelSetupTime) above this, in milliseconds, are an alarm. */
  readonly modelSetupTimeMilliseconds: number;
  /** Consecutive one-minute periods that must breach before the alarm fires. */
  readonly evaluationPeriods: number;
}

export type AlarmKind = "5xx-errors" | "4xx-error-rate" | "model-latency-p99" | "model-setup-time";

/** A CloudWatch metric as MetricAlarm and metric queries name it. */
interface Metric {
  readonly namespace: "AWS/SageMaker";
  readonly metricName: string;
  readonly dimensions: { readonly EndpointName: string; readonly VariantName: string };
  readonly period: number;
}

/** One alarm, as the arguments of `aws.cloudwatch.MetricAlarm` (actions and tags are added by the caller). */
export interface VariantAlarm {
  readonly kind: AlarmKind;
  readonly name: string;
  readonly description: string;
  readonly comparisonOperator: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold";
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  /** No traffic is not a failure: an idle endpoint must not page anyone or roll back a deployment. */
  readonly treatMissingData: "notBreaching";
  readonly namespace?: string;
  readonly metricName?: string;
  readonly dimensions?: Metric["dimensions"];
  readonly period?: number;
  readonly statistic?: "Sum" | "Maximum";
  readonly extendedStatistic?: string;
  readonly metricQueries?: readonly {
    readonly id: string;
    readonly expression?: string;
    readonly label?: string;
    readonly returnData: boolean;
    readonly metric?: Metric & { readonly stat: string };
  }[];
}

const PERIOD_SECONDS = 60;
/** SageMaker reports ModelLatency and ModelSetupTime in microseconds. */
const MICROSECONDS_PER_MILLISECOND = 1000;

/** Name of a variant's alarm; stable, because the endpoint's rollback configuration lists it. */
export function alarmName(endpointName: string, variantName: string, kind: AlarmKind): string {
  return `${endpointName}-${variantName}-${kind}`;
}

/**
 * The alarms that watch one production variant: 5XX errors, 4XX error rate and p99 model
 * latency, plus cold-start time for serverless variants. Each uses the EndpointName and
 * VariantName dimensions SageMaker publishes its invocation metrics with.
 */
export function variantAlarms(
  endpointName: string,
  variantName: string,
  serverless: boolean,
  thresholds: AlarmThresholds,
): VariantAlarm[] {
  const dimensions = { EndpointName: endpointName, VariantName: variantName };
  const where = `endpoint ${endpointName}, variant ${variantName}`;
  const common = {
    evaluationPeriods: thresholds.evaluationPeriods,
    datapointsToAlarm: thresholds.evaluationPeriods,
    treatMissingData: "notBreaching" as const,
  };
  const metric = (metricName: string) => ({
    namespace: "AWS/SageMaker" as const,
    metricName,
    dimensions,
    period: PERIOD_SECONDS,
  });
  const alarms: VariantAlarm[] = [
    {
      kind: "5xx-errors",
      name: alarmName(endpointName, variantName, "5xx-errors"),
      description: `${where}: ${thresholds.errors5xxPerMinute} or more 5XX errors a minute. The model or its container is failing; check the endpoint's CloudWatch logs. Rolls back a deployment in progress.`,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: thresholds.errors5xxPerMinute,
      ...metric("Invocation5XXErrors"),
      statistic: "Sum",
      ...common,
    },
    {
      kind: "4xx-error-rate",
      name: alarmName(endpointName, variantName, "4xx-error-rate"),
      description: `${where}: more than ${thresholds.errorRate4xxPercent}% of requests answered 4XX. Callers send requests the model rejects (payload or content type). Rolls back a deployment in progress.`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: thresholds.errorRate4xxPercent,
      metricQueries: [
        {
          id: "errors",
          returnData: false,
          metric: { ...metric("Invocation4XXErrors"), stat: "Sum" },
        },
        {
          id: "invocations",
          returnData: false,
          metric: { ...metric("Invocations"), stat: "Sum" },
        },
        {
          id: "rate",
          // Minutes without invocations have no rate rather than a division by zero.
          expression: "100 * FILL(errors, 0) / invocations",
          label: "4XX error rate (%)",
          returnData: true,
        },
      ],
      ...common,
    },
    {
      kind: "model-latency-p99",
      name: alarmName(endpointName, variantName, "model-latency-p99"),
      description: `${where}: p99 model latency above ${thresholds.latencyP99Milliseconds} ms. Scale out, or look for a slower model version. Rolls back a deployment in progress.`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: thresholds.latencyP99Milliseconds * MICROSECONDS_PER_MILLISECOND,
      ...metric("ModelLatency"),
      extendedStatistic: "p99",
      ...common,
    },
  ];
  if (serverless) {
    alarms.push({
      kind: "model-setup-time",
      name: alarmName(endpointName, variantName, "model-setup-time"),
      description: `${where}: serverless cold starts take longer than ${thresholds.modelSetupTimeMilliseconds} ms. Add provisioned concurrency or more memory. Rolls back a deployment in progress.`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: thresholds.modelSetupTimeMilliseconds * MICROSECONDS_PER_MILLISECOND,
      ...metric("ModelSetupTime"),
      statistic: "Maximum",
      ...common,
    });
  }
  return alarms;
}
