/**
 * What a model-approval dispatch sends, and where, as plain values: GitHub's `repository_dispatch`
 * endpoint and headers, the SageMaker event it reacts to, the payload built from that event, and
 * the alarms on its failures. The component turns these into resources.
 */

import { queueNotEmptyAlarm } from "../shared/metricAlarm";

/** `POST /repos/{owner}/{repo}/dispatches` on GitHub's REST API. */
export function dispatchEndpoint(repository: string): string {
  return `https://api.github.com/repos/${repository}/dispatches`;
}

/** Headers GitHub asks every REST call to send: its JSON media type and a pinned API version. */
export const GITHUB_HEADERS: Readonly<Record<string, string>> = {
  Accept: "application/vnd.github+json",
  "X-GitHub-Api-Version": "2022-11-28",
};

/** The header the connection sends the token in. */
export const TOKEN_HEADER = "Authorization";

/**
 * What the connection holds until a person sets the token. EventBridge refuses ":" in a key value;
 * GitHub answers 401 to it, so every approval lands in the dead-letter queue and the alarms say so.
 */
export const TOKEN_PLACEHOLDER = "Bearer token-not-set-run-aws-events-update-connection";

const MODEL_PACKAGE_STATE_CHANGE = "SageMaker Model Package State Change";

/** Approvals of one model package group: every change that leaves a version Approved. */
export function approvalEventPattern(modelPackageGroupName: string): Record<string, unknown> {
  return {
    source: ["aws.sagemaker"],
    "detail-type": [MODEL_PACKAGE_STATE_CHANGE],
    detail: {
      ModelPackageGroupName: [modelPackageGroupName],
      ModelApprovalStatus: ["Approved"],
    },
  };
}

/** Where the payload's values come from in the event (the detail is the model package's description). */
export const DISPATCH_INPUT_PATHS: Readonly<Record<string, string>> = {
  modelPackageArn: "$.detail.ModelPackageArn",
  modelPackageGroupName: "$.detail.ModelPackageGroupName",
  modelPackageVersion: "$.detail.ModelPackageVersion",
};

/** What the payload says besides what the event carries. */
export interface DispatchPayload {
  /** GitHub's `event_type`, which the workflow's `on.repository_dispatch.types` lists. */
  readonly eventType: string;
  /** The stack whose registry approved the package: the one the workflow deploys. */
  readonly stack: string;
  /** The model, as named in the stack's config. */
  readonly model: string;
}

/**
 * A JSON string literal that EventBridge copies as it is: "<" and ">" are escaped, so that no
 * constant can be read as one of the template's `<placeholder>`s. GitHub's JSON parser reads them back.
 */
function literal(value: string): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e");
}

/**
 * The body of the dispatch: `{"event_type": ..., "client_payload": {...}}`. The placeholders are
 * left unquoted: EventBridge puts each value in as JSON (the ARN and group as strings, the version
 * as a number), so the body is valid JSON for every event.
 */
export function dispatchInputTemplate(payload: DispatchPayload): string {
  const fromEvent = Object.keys(DISPATCH_INPUT_PATHS)
    .map((key) => `${literal(key)}:<${key}>`)
    .join(",");
  return (
    `{"event_type":${literal(payload.eventType)},` +
    `"client_payload":{"stack":${literal(payload.stack)},"model":${literal(payload.model)},${fromEvent}}}`
  );
}

/** Physical names of a dispatch's resources, all derived from the component's name. */
export interface DispatchNames {
  readonly connection: string;
  readonly apiDestination: string;
  readonly deadLetterQueue: string;
  readonly deadLetterAlarm: string;
  rule(model: string): string;
  failedDeliveryAlarm(model: string): string;
}

export function dispatchNames(name: string): DispatchNames {
  return {
    connection: `${name}-github`,
    apiDestination: `${name}-dispatches`,
    deadLetterQueue: `${name}-dlq`,
    deadLetterAlarm: `${name}-dlq-not-empty`,
    rule: (model) => `${name}-${model}`,
    failedDeliveryAlarm: (model) => `${name}-${model}-failed-deliveries`,
  };
}

/** One alarm, as the arguments of `aws.cloudwatch.MetricAlarm` (actions and tags are added by the caller). */
export interface DeliveryAlarm {
  readonly name: string;
  readonly description: string;
  readonly namespace: "AWS/Events" | "AWS/SQS";
  readonly metricName: "FailedInvocations" | "ApproximateNumberOfMessagesVisible";
  readonly dimensions: Readonly<Record<"RuleName", string>> | Readonly<Record<"QueueName", string>>;
  readonly statistic: "Sum" | "Maximum";
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly comparisonOperator: "GreaterThanThreshold";
  readonly threshold: number;
  /** Both metrics are published only while there is something to count: no data is no failure. */
  readonly treatMissingData: "notBreaching";
  /**
   * Whether returning to OK is news: it is for the queue (someone emptied it), not for failed
   * deliveries (the alarm clears when the data point ages out, whether or not anything was fixed).
   */
  readonly notifyOk: boolean;
}

/** EventBridge and SQS publish these metrics every minute; five of them make one data point. */
const PERIOD_SECONDS = 300;

/** Where a dispatch sends its failures, for the alarm descriptions. */
export interface DeliveryDescription {
  readonly names: DispatchNames;
  readonly repository: string;
}

const WHY =
  "Its ERROR_CODE and ERROR_MESSAGE attributes say why: 401, the token in EventBridge connection " +
  "<connection> is not set, expired or was revoked (set it again with aws events update-connection); " +
  '403 or 404, the token may not dispatch to <repository> (it needs "Contents: write" on it); ' +
  "other 4xx, GitHub refused the payload; 429 or 5xx, GitHub failed for longer than the retry window " +
  "(401, 429 and 5xx arrive only once the retries are spent).";

function why(where: DeliveryDescription): string {
  return WHY.replace("<connection>", where.names.connection).replace("<repository>", where.repository);
}

/**
 * Alarm on one rule's `FailedInvocations`: an approval of `model` that EventBridge gave up on (at
 * once for most 4xx answers, after the retries for 401, 407, 409, 429 and 5xx). It fires even when the dead-letter
 * queue refused the event too, when nothing else would tell.
 */
export function failedDeliveryAlarm(where: DeliveryDescription, model: string): DeliveryAlarm {
  const { names } = where;
  return {
    name: names.failedDeliveryAlarm(model),
    description:
      `An approval of model ${model} was not delivered to GitHub repository ${where.repository}, so no deploy ` +
      `started. The event is in SQS queue ${names.deadLetterQueue}. ${why(where)} ` +
      `Fix the cause, send the dispatch again by hand, then delete the message.`,
    namespace: "AWS/Events",
    metricName: "FailedInvocations",
    dimensions: { RuleName: names.rule(model) },
    statistic: "Sum",
    period: PERIOD_SECONDS,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    comparisonOperator: "GreaterThanThreshold",
    threshold: 0,
    treatMissingData: "notBreaching",
    notifyOk: false,
  };
}

/** Alarm on the dead-letter queue holding anything: approvals whose deploy never started. */
export function deadLetterAlarm(where: DeliveryDescription): DeliveryAlarm {
  const { names } = where;
  return {
    ...queueNotEmptyAlarm(
      names.deadLetterAlarm,
      names.deadLetterQueue,
      `SQS queue ${names.deadLetterQueue} holds model approvals that never reached GitHub repository ` +
        `${where.repository}: their deploys did not start. ${why(where)} ` +
        `Fix the cause, send each dispatch again by hand, then delete its message; the alarm returns to OK ` +
        `once the queue is empty.`,
    ),
    notifyOk: true,
  };
}
