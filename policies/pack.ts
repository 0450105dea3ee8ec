import type { Policies } from "@pulumi/policy";
import { forbidIamAdminPolicies } from "./rules/forbid-iam-admin-policies";
import { forbidIamUnknownActions } from "./rules/forbid-iam-unknown-actions";
import { forbidIamWildcardActions } from "./rules/forbid-iam-wildcard-actions";
import { forbidIamWildcardResources } from "./rules/forbid-iam-wildcard-resources";
import { limitSagemakerInstanceTypes } from "./rules/limit-sagemaker-instance-types";
import { listPolicyWaivers } from "./rules/list-policy-waivers";
import { requireCloudwatchAlarmActions } from "./rules/require-cloudwatch-alarm-actions";
import { requireDataKmsEncryption } from "./rules/require-data-kms-encryption";
import { requireEndpointInstanceCounts } from "./rules/require-endpoint-instance-counts";
import { requireEndpointRollbackAlarms } from "./rules/require-endpoint-rollback-alarms";
import { requireEndpointSafeguards } from "./rules/require-endpoint-safeguards";
import { requireEventsDeadLetterQueues } from "./rules/require-events-dead-letter-queues";
import { requireIamRoleBoundary } from "./rules/require-iam-role-boundary";
import { requireIamServiceSourceConditions } from "./rules/require-iam-service-source-conditions";
import { requireKmsKeyRotation } from "./rules/require-kms-key-rotation";
import { requireLambdaSupportedRuntimes } from "./rules/require-lambda-supported-runtimes";
import { requireLogGroupRetention } from "./rules/require-log-group-retention";
import { requireResourcesDeletionProtection } from "./rules/require-resources-deletion-protection";
import { requireResourcesTags } from "./rules/require-resources-tags";
import { requireS3BucketProtection } from "./rules/require-s3-bucket-protection";
import { requireSagemakerKmsEncryption } from "./rules/require-sagemaker-kms-encryption";
import { requireSagemakerNetworkIsolation } from "./rules/require-sagemaker-network-isolation";
import { requireTransformModelIsolation } from "./rules/require-transform-model-isolation";
import { restrictIamPassRole } from "./rules/restrict-iam-pass-role";
import { restrictIamResourcePrincipals } from "./rules/restrict-iam-resource-principals";
import { restrictIamTrustPrincipals } from "./rules/restrict-iam-trust-principals";
import { restrictSagemakerModelSources } from "./rules/restrict-sagemaker-model-sources";
import { restrictSnsSubscriptionProtocols } from "./rules/restrict-sns-subscription-protocols";

/** The pack's name, as the Pulumi CLI and `policies/config/<stack>.json` know it. */
export const PACK_NAME = "mlops-guardrails";

export const PACK_DESCRIPTION =
  "Tagging, instance sizes per environment, least-privilege IAM, and the SageMaker and S3 security baseline.";

/**
 * The pack's rules, in the order the pack runs them. Kept apart from `index.ts`, which starts the
 * pack when loaded, so that tools (the docs generator) can read the rules without serving them.
 * The waiver listing comes last: it lists what the rules before it set aside.
 */
export const policies: Policies = [
  // Tagging
  requireResourcesTags,

  // Instance sizes per environment
  limitSagemakerInstanceTypes,
  requireEndpointInstanceCounts,

  // Least-privilege IAM
  forbidIamWildcardActions,
  forbidIamWildcardResources,
  forbidIamUnknownActions,
  restrictIamPassRole,
  forbidIamAdminPolicies,
  restrictIamTrustPrincipals,
  restrictIamResourcePrincipals,
  requireIamServiceSourceConditions,
  requireIamRoleBoundary,

  // SageMaker and data baseline
  requireSagemakerKmsEncryption,
  requireSagemakerNetworkIsolation,
  requireTransformModelIsolation,
  requireS3BucketProtection,
  requireDataKmsEncryption,
  requireKmsKeyRotation,
  requireLogGroupRetention,
  requireLambdaSupportedRuntimes,
  restrictSnsSubscriptionProtocols,
  requireEndpointSafeguards,
  requireEndpointRollbackAlarms,
  requireCloudwatchAlarmActions,
  requireEventsDeadLetterQueues,
  requireResourcesDeletionProtection,
  restrictSagemakerModelSources,

  // Last: lists what the rules above set aside
  listPolicyWaivers,
];
