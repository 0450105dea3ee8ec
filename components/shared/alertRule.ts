import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { deadLetterAlarm, deadLetterQueue } from "./deadLetterQueue";
import { TYPES } from "./footprint";
import { MetricAlarmDefinition, queueNotEmptyAlarm } from "./metricAlarm";
import { eventRulesDeadLetterPolicy } from "./queuePolicy";

/**
 * How long EventBridge retries an alert that SNS refuses: an hour, ten attempts. What still fails
 * then (a deleted topic, a topic or key policy that refuses EventBridge) will not heal by itself, and
 * the dead-letter queue's alarm is the sooner a person hears of it; EventBridge's default would
 * retry for 24 hours, 185 times ("How EventBridge retries delivering events",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html).
 */
export const ALERT_RETRY_POLICY = { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 } as const;

/** An alert rule as plain values: the events it matches and the message its target sends. */
export interface AlertRuleValues {
  readonly description: string;
  readonly eventPattern: Record<string, unknown>;
  readonly inputPathsMap: Record<string, string>;
  /** A JSON string: SNS delivers its text as the message. */
  readonly inputTemplate: string;
}

/**
 * The events of a SageMaker pipeline's runs that failed or were stopped: "SageMaker Model Building
 * Pipeline Execution Status Change" (SageMaker's EventBridge events,
 * https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html). Its
 * detail names the execution but carries no failure reason, neither the execution's nor a step's.
 */
export function pipelineRunFailedPattern(pipelineArn: string): Record<string, unknown> {
  return {
    source: ["aws.sagemaker"],
    "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
    detail: { pipelineArn: [pipelineArn], currentPipelineExecutionStatus: ["Failed", "Stopped"] },
  };
}

/** What an alert on a pipeline run reads from its event: `<execution>`, `<status>` and `<time>`. */
export const PIPELINE_RUN_FIELDS: Readonly<Record<string, string>> = {
  execution: "$.detail.pipelineExecutionArn",
  status: "$.detail.currentPipelineExecutionStatus",
  time: "$.time",
};

/** The physical names of an alert rule `<rule>`'s resources: its dead-letter queue and that queue's alarm. */
export function alertRuleNames(ruleName: string) {
  return { queue: `${ruleName}-dlq`, alarm: `${ruleName}-undelivered` };
}

/** The resource types an alert rule creates, for the deploy role. */
export const ALERT_RULE_TYPES = [
  TYPES.eventRule,
  TYPES.eventTarget,
  TYPES.queue,
  TYPES.queuePolicy,
  TYPES.metricAlarm,
] as const;

/**
 * The alarm on an alert rule's dead-letter queue (`<rule>-dlq`): it holds alerts that reached nobody.
 * EventBridge puts the event the rule matched there, with the rule, the target and the error as the
 * message attributes RULE_ARN, TARGET_ARN, ERROR_CODE and ERROR_MESSAGE ("Using dead-letter queues to
 * process undelivered events", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
 *
 * @param about What the rule's alerts tell of, e.g. "failed or stopped runs of model build pipeline X".
 * @param followUp What to do about each event, once the cause is fixed.
 */
export function undeliveredAlertsAlarm(
  ruleName: string,
  about: string,
  followUp: string,
): MetricAlarmDefinition {
  const names = alertRuleNames(ruleName);
  return queueNotEmptyAlarm(
    names.alarm,
    names.queue,
    `SQS queue ${names.queue} holds alerts of ${about} that EventBridge rule ${ruleName} could not deliver to ` +
      `the alert topic, so nobody was told of them. Each message is the event the rule matched, with the error in ` +
      `its ERROR_CODE and ERROR_MESSAGE attributes: fix the cause (a deleted topic, or a topic or key policy that ` +
      `refuses EventBridge), ${followUp}, then delete the message; the alarm returns to OK once the queue is empty`,
  );
}

export interface AlertRuleArgs {
  /** The stack's account: only this account's rule may put what it could not deliver into the queue. */
  readonly accountId: pulumi.Input<string>;
  readonly description: pulumi.Input<string>;
  /** The rule's event pattern, as JSON. */
  readonly eventPattern: pulumi.Input<string>;
  /** The target's input transformer: the values it reads from the event, and the message it writes. */
  readonly inputPaths: pulumi.Input<Record<string, pulumi.Input<string>>>;
  readonly inputTemplate: pulumi.Input<string>;
  /**
   * The topic the alerts go to; its policy must let this account's rule of that name publish, and
   * its key let EventBridge use it (AlertTopic and PlatformKey do).
   */
  readonly alertTopicArn: pulumi.Input<string>;
  /** The stack key, which encrypts the dead-letter queue; its policy must let EventBridge use it (PlatformKey's does). */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** The alarm on the dead-letter queue (`undeliveredAlertsAlarm(name, ...)`), which pages the same topic. */
  readonly undeliveredAlarm: MetricAlarmDefinition;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * An EventBridge rule `name` that alerts a topic, and never silently fails to: its target
 * `<name>-alert` retries for an hour (`ALERT_RETRY_POLICY`), then puts the event into the
 * dead-letter queue `<name>-dlq` (encrypted with the stack key, kept 14 days, writable by this rule
 * only, TLS only), whose alarm `<name>-undelivered` pages the topic when it fills and again when
 * it is empty. CloudWatch publishes the alarm as itself, not as EventBridge, so a topic that refuses
 * EventBridge still hears of it; one that refuses everyone shows the alarm in CloudWatch and keeps
 * the events in the queue.
 */
export function alertRule(
  name: string,
  args: AlertRuleArgs,
  parent: pulumi.Resource,
): { readonly rule: aws.cloudwatch.EventRule; readonly queue: aws.sqs.Queue } {
  const names = alertRuleNames(name);
  if (args.undeliveredAlarm.dimensions.QueueName !== names.queue) {
    throw new Error(
      `Alert rule ${name}: undeliveredAlarm watches queue "${args.undeliveredAlarm.dimensions.QueueName}", not its dead-letter queue "${names.queue}".`,
    );
  }
  const opts = { parent };
  const queue = deadLetterQueue(names.queue, { kmsKeyArn: args.kmsKeyArn, tags: args.tags }, opts);
  const rule = new aws.cloudwatch.EventRule(
    name,
    {
      // A fixed name: the alert topic accepts events only from rules whose names start with its prefix.
      name,
      description: args.description,
      eventPattern: args.eventPattern,
      tags: args.tags,
    },
    opts,
  );
  const queuePolicy = new aws.sqs.QueuePolicy(
    `${names.queue}-policy`,
    {
      queueUrl: queue.url,
      policy: pulumi.all([args.accountId, rule.arn, queue.arn]).apply(([accountId, ruleArn, queueArn]) =>
        JSON.stringify(
          eventRulesDeadLetterPolicy("AlertRuleSendsUndeliveredAlerts", {
            accountId,
            ruleArns: [ruleArn],
            queueArn,
          }),
        ),
      ),
    },
    opts,
  );
  new aws.cloudwatch.EventTarget(
    `${name}-alert`,
    {
      rule: rule.name,
      arn: args.alertTopicArn,
      inputTransformer: { inputPaths: args.inputPaths, inputTemplate: args.inputTemplate },
      retryPolicy: { ...ALERT_RETRY_POLICY },
      deadLetterConfig: { arn: queue.arn },
    },
    // The queue accepts what the rule cannot deliver before the first alert.
    { parent, dependsOn: [queuePolicy] },
  );
  deadLetterAlarm(args.undeliveredAlarm, queue, args.alertTopicArn, args.tags, parent);
  return { rule, queue };
}
