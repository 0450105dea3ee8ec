import { EVENTBRIDGE_SERVICE } from "../shared/footprint";
import { policyDocument, PolicyDocument, PolicyStatement, sourceCondition } from "../shared/policyDocument";

/**
 * What the account may do with the stack key, listed rather than `kms:*` so that the key policy
 * passes the same least-privilege review as every other document. It covers administration
 * (so the key can never become unmanageable) and use; IAM policies then decide which role may
 * do which part of it.
 */
export const KEY_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListGrants",
  "kms:ListKeyPolicies",
  "kms:ListKeyRotations",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:RevokeGrant",
  "kms:RotateKeyOnDemand",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateAlias",
  "kms:UpdateKeyDescription",
] as const;

export const KEY_USE_ACTIONS = [
  "kms:CreateGrant",
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:RetireGrant",
] as const;

export interface KeyPolicyScope {
  readonly partition: string;
  /** The key's region, which is that of the buckets it encrypts. */
  readonly region: string;
  readonly accountId: string;
  /** Other accounts that read objects the key encrypts in some of the stack's buckets. @default nobody */
  readonly consumers?: KeyConsumers;
  /** The stack's log groups (IAM wildcards allowed), which CloudWatch Logs encrypts with the key. @default none */
  readonly logGroupPattern?: string;
}

/** Other accounts that read objects of the stack's buckets, and which buckets. */
export interface KeyConsumers {
  /** Accounts (12 digits); each account's own IAM policies then decide which of its principals. */
  readonly accounts: readonly string[];
  /** Names of the buckets whose objects they may decrypt, IAM wildcards allowed (`mlops-staging-*-artifacts-*`). */
  readonly bucketPattern: string;
}

/** CloudWatch alarms publish alerts to the stack's encrypted SNS topics. */
export const CLOUDWATCH_SERVICE = "cloudwatch.amazonaws.com";

/**
 * What a service that publishes to an encrypted topic or queue needs of the key: SNS and SQS
 * encrypt each message with the publisher's permission ("Enable compatibility between event sources
 * from AWS services and encrypted topics", SNS developer guide,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
 */
export const PUBLISHER_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"] as const;

/**
 * Key policy of the stack key: the account administers and uses it through IAM; this account's
 * CloudWatch alarms may encrypt messages with it for this account's topics, and EventBridge for
 * this account's topics and queues (whose policies accept only the stack's alarms and rules);
 * consumer accounts, if any, may decrypt objects of the shared buckets through S3; and nobody else
 * may do anything.
 */
export function platformKeyPolicy(scope: KeyPolicyScope): PolicyDocument {
  const consumers = scope.consumers;
  return policyDocument(
    {
      Sid: "AccountAdministersAndUsesKeyThroughIam",
      Effect: "Allow",
      Principal: { AWS: `arn:${scope.partition}:iam::${scope.accountId}:root` },
      Action: [...KEY_ADMIN_ACTIONS, ...KEY_USE_ACTIONS],
      // In a key policy, "*" means this key and nothing else.
      Resource: "*",
    },
    ...publisherStatements(scope),
    ...(consumers && consumers.accounts.length > 0 ? [consumerDecryptStatement(scope, consumers)] : []),
    ...(scope.logGroupPattern !== undefined ? [logsStatement(scope, scope.logGroupPattern)] : []),
  );
}

/**
 * The services that publish to the stack's encrypted topics and queues, each for this account
 * only. SNS and SQS ask KMS for the key with the topic's or queue's ARN as encryption context, so
 * each statement names this account's topics or queues in this region: `aws:sns:topicArn` (AWS's
 * key statement for a service publishing to an encrypted topic conditions on it: "Set up an SNS
 * topic with server-side encryption", GameLift guide,
 * https://docs.aws.amazon.com/gamelift/latest/flexmatchguide/queue-notification-sns-sse.html) and
 * `aws:sqs:arn` (the context SQS's KMS requests carry in CloudTrail; SQS's key management page,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html,
 * gives the service statement without naming it).
 *
 * CloudWatch alarms: the request also carries `aws:SourceAccount` and the alarm's ARN as
 * `aws:SourceArn`, the keys alarm actions send to SNS ("Example cases for Amazon SNS access
 * control", https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html), so only
 * this account's alarms may use the key. Which alarm may publish to which topic is the topic
 * policy's decision (`alertTopicPolicy`).
 *
 * EventBridge: no `aws:SourceAccount` or `aws:SourceArn`. AWS documents neither key for the KMS
 * request SNS or SQS makes when a rule delivers to an encrypted target: the service statements on
 * the SNS and SQS key pages above name the service alone, and EventBridge's confused deputy page
 * covers the topic, queue and role policies of rule targets, not key policies
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html).
 * A condition on a key the request lacks would drop every alert and every undelivered event. The
 * encryption context keeps the key to this account's topics and queues; which rule may deliver to
 * them is the topic and queue policies' decision (`alertTopicPolicy`, `eventRulesDeadLetterPolicy`),
 * which do check the rule's ARN.
 */
function publisherStatements(scope: KeyPolicyScope): PolicyStatement[] {
  const { partition, region, accountId } = scope;
  const topics = {
    "kms:EncryptionContext:aws:sns:topicArn": `arn:${partition}:sns:${region}:${accountId}:*`,
  };
  return [
    {
      Sid: "CloudWatchAlarmsEncryptAlertMessages",
      Effect: "Allow",
      Principal: { Service: CLOUDWATCH_SERVICE },
      Action: [...PUBLISHER_KEY_ACTIONS],
      Resource: "*",
      Condition: {
        ...sourceCondition({
          accountId,
          sourceArn: `arn:${partition}:cloudwatch:${region}:${accountId}:alarm:*`,
        }),
        StringLike: topics,
      },
    },
    {
      Sid: "EventBridgeRulesEncryptAlertMessages",
      Effect: "Allow",
      Principal: { Service: EVENTBRIDGE_SERVICE },
      Action: [...PUBLISHER_KEY_ACTIONS],
      Resource: "*",
      Condition: { StringLike: topics },
    },
    {
      Sid: "EventBridgeRulesEncryptUndeliveredEvents",
      Effect: "Allow",
      Principal: { Service: EVENTBRIDGE_SERVICE },
      Action: [...PUBLISHER_KEY_ACTIONS],
      Resource: "*",
      Condition: {
        StringLike: { "kms:EncryptionContext:aws:sqs:arn": `arn:${partition}:sqs:${region}:${accountId}:*` },
      },
    },
  ];
}

/**
 * CloudWatch Logs encrypts a log group's events with the key, within this account's named log
 * groups only: the service passes the log group's ARN as encryption context ("Encrypt log data in
 * CloudWatch Logs using AWS Key Management Service", CloudWatch Logs user guide,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
 */
function logsStatement(scope: KeyPolicyScope, logGroupPattern: string): PolicyStatement {
  const { partition, region, accountId } = scope;
  return {
    Sid: "CloudWatchLogsEncryptStackLogGroups",
    Effect: "Allow",
    Principal: { Service: `logs.${region}.amazonaws.com` },
    Action: [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
      "kms:GenerateDataKey",
      "kms:DescribeKey",
    ],
    Resource: "*",
    Condition: {
      ArnLike: {
        "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${accountId}:log-group:${logGroupPattern}`,
      },
    },
  };
}

/**
 * Consumer accounts decrypt what they read from the shared buckets: only S3 may use the key for
 * them (`kms:ViaService`), and only for those buckets. With S3 Bucket Keys, which SecureBucket
 * enables, "the encryption context will be the bucket Amazon Resource Name (ARN) and not the object
 * ARN" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-bucket-key.html); a
 * pattern ending in a wildcard also matches the object ARNs of objects written without one. Reading
 * an object needs `kms:Decrypt` only (https://repost.aws/knowledge-center/decrypt-kms-encrypted-objects-s3).
 */
function consumerDecryptStatement(scope: KeyPolicyScope, consumers: KeyConsumers): PolicyStatement {
  return {
    Sid: "ConsumerAccountsDecryptSharedObjectsThroughS3",
    Effect: "Allow",
    Principal: { AWS: consumers.accounts.map((account) => `arn:${scope.partition}:iam::${account}:root`) },
    Action: "kms:Decrypt",
    Resource: "*",
    Condition: {
      StringEquals: { "kms:ViaService": `s3.${scope.region}.amazonaws.com` },
      StringLike: {
        "kms:EncryptionContext:aws:s3:arn": `arn:${scope.partition}:s3:::${consumers.bucketPattern}`,
      },
    },
  };
}
