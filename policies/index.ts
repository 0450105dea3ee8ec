import { PolicyPack } from "@pulumi/policy";
import { forbidIamAdminPolicies } from "./rules/forbid-iam-admin-policies";
import { forbidIamUnknownActions } from "./rules/forbid-iam-unknown-actions";
import { forbidIamWildcardActions } from "./rules/forbid-iam-wildcard-actions";
import { forbidIamWildcardResources } from "./rules/forbid-iam-wildcard-resources";
import { limitSagemakerInstanceTypes } from "./rules/limit-sagemaker-instance-types";
import { listPolicyWaivers } from "./rules/list-policy-waivers";
import { requireEndpointInstanceCounts } from "./rules/require-endpoint-instance-counts";
import { requireEndpointSafeguards } from "./rules/require-endpoint-safeguards";
import { requireResourcesTags } from "./rules/require-resources-tags";
import { requireS3BucketProtection } from "./rules/require-s3-bucket-protection";
import { requireSagemakerKmsEncryption } from "./rules/require-sagemaker-kms-encryption";
import { requireSagemakerNetworkIsolation } from "./rules/require-sagemaker-network-isolation";
import { restrictIamPassRole } from "./rules/restrict-iam-pass-role";
import { restrictIamTrustPrincipals } from "./rules/restrict-iam-trust-principals";

/**
 * The pack `pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json`
 * runs. Enforcement levels and settings per stack live in the config files; every rule's default
 * is in its own file. The waiver listing comes last: it lists what the rules before it set aside.
 */
new PolicyPack("mlops-guardrails", {
  description:
    "Tagging, instance sizes per environment, least-privilege IAM, and the SageMaker and S3 security baseline.",
  policies: [
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

    // SageMaker and data baseline
    requireSagemakerKmsEncryption,
    requireSagemakerNetworkIsolation,
    requireS3BucketProtection,
    requireEndpointSafeguards,

    // Last: lists what the rules above set aside
    listPolicyWaivers,
  ],
});
