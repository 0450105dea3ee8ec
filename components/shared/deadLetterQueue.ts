import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { MetricAlarmDefinition, metricAlarmArgs } from "./metricAlarm";

/** SQS's longest retention: time to read why a delivery failed and to act on it. */
export const MAX_QUEUE_RETENTION_SECONDS = 14 * 24 * 3600;

export interface DeadLetterQueueArgs {
  /** The stack key: queued events hold what the failed delivery carried. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** @default 14 days, SQS's longest */
  readonly retentionSeconds?: pulumi.Input<number>;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * A KMS-encrypted queue for what could not be delivered, named `name`: a fixed name, since its
 * alarm's `QueueName` dimension and the alarm's description refer to it.
 */
export function deadLetterQueue(
  name: string,
  args: DeadLetterQueueArgs,
  opts: pulumi.CustomResourceOptions,
): aws.sqs.Queue {
  return new aws.sqs.Queue(
    name,
    {
      name,
      kmsMasterKeyId: args.kmsKeyArn,
      messageRetentionSeconds: args.retentionSeconds ?? MAX_QUEUE_RETENTION_SECONDS,
      tags: args.tags,
    },
    opts,
  );
}

/**
 * The alarm of a dead-letter queue (`queueNotEmptyAlarm`), paging the topic when the queue fills
 * and again when it is empty, once the queue exists.
 */
export function deadLetterAlarm(
  definition: MetricAlarmDefinition,
  queue: aws.sqs.Queue,
  alertTopicArn: pulumi.Input<string>,
  tags: Readonly<Record<string, string>>,
  parent: pulumi.Resource,
): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(
    definition.name,
    { ...metricAlarmArgs(definition), alarmActions: [alertTopicArn], okActions: [alertTopicArn], tags },
    { parent, dependsOn: [queue] },
  );
}
