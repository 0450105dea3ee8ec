import { policyDocument, PolicyDocument, PolicyStatement } from "../shared/policyDocument";

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

/**
 * Services that publish alerts to the stack's encrypted SNS topics. SNS encrypts each message
 * with the publisher's permission on the key, so they need to use it, and only for that.
 */
export const ALERT_PUBLISHERS = ["cloudwatch.amazonaws.com", "events.amazonaws.com"] as const;

/**
 * Key policy of the stack key: the account administers and uses it through IAM; CloudWatch alarms
 * and EventBridge rules may encrypt messages with it for the alert topics (whose topic policies
 * accept only this account's alarms and rules); consumer accounts, if any, may decrypt objects of
 * the shared buckets through S3; and nobody else may do anything.
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
    {
      Sid: "AlarmsAndRulesEncryptAlertMessages",
      Effect: "Allow",
      Principal: { Service: [...ALERT_PUBLISHERS] },
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: "*",
    },
    ...(consumers && consumers.accounts.length > 0 ? [consumerDecryptStatement(scope, consumers)] : []),
    ...(scope.logGroupPattern !== undefined ? [logsStatement(scope, scope.logGroupPattern)] : []),
  );
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
