import { policyDocument, PolicyDocument } from "../shared/policyDocument";

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
  readonly accountId: string;
}

/**
 * Services that publish alerts to the stack's encrypted SNS topics. SNS encrypts each message
 * with the publisher's permission on the key, so they need to use it, and only for that.
 */
export const ALERT_PUBLISHERS = ["cloudwatch.amazonaws.com", "events.amazonaws.com"] as const;

/**
 * Key policy of the stack key: the account administers and uses it through IAM; CloudWatch alarms
 * and EventBridge rules may encrypt messages with it for the alert topics (whose topic policies
 * accept only this account's alarms and rules), and nobody else may do anything.
 */
export function platformKeyPolicy(scope: KeyPolicyScope): PolicyDocument {
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
  );
}
