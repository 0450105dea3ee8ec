import { policyDocument, PolicyDocument } from "../shared/policyDocument";

/** A model package group and the accounts that serve its versions. */
export interface RegistrySharingScope {
  readonly partition: string;
  readonly region: string;
  /** The account that owns the group (the building stack's). */
  readonly accountId: string;
  readonly groupName: string;
  /** Accounts (12 digits) whose stacks serve the group's versions; each account's own IAM policies decide which principals. */
  readonly consumerAccounts: readonly string[];
}

/**
 * Resource policy of a model package group shared with other accounts: they may describe the group,
 * describe and list its versions, and create SageMaker models from them, and nothing else (no
 * registering, approving or updating: the building stack records promotions with its own role).
 * `DescribeModelPackageGroup` is granted on the group, `DescribeModelPackage` and
 * `ListModelPackages` on the group's versions (`model-package/<group>/*`), as in AWS's example for
 * cross-account discoverability (https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-ram-discover.html).
 */
export function modelPackageGroupSharingPolicy(scope: RegistrySharingScope): PolicyDocument {
  const { partition, region, accountId, groupName } = scope;
  const sagemaker = `arn:${partition}:sagemaker:${region}:${accountId}`;
  const Principal = { AWS: scope.consumerAccounts.map((account) => `arn:${partition}:iam::${account}:root`) };
  return policyDocument(
    {
      Sid: "ConsumerAccountsDescribeGroup",
      Effect: "Allow",
      Principal,
      Action: "sagemaker:DescribeModelPackageGroup",
      Resource: `${sagemaker}:model-package-group/${groupName}`,
    },
    {
      Sid: "ConsumerAccountsReadVersions",
      Effect: "Allow",
      Principal,
      Action: ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"],
      Resource: `${sagemaker}:model-package/${groupName}/*`,
    },
    {
      // A serving stack's endpoint runs models created from these versions (CreateModel with
      // PrimaryContainer.ModelPackageName). AWS's guide to deploying a model version from another
      // account grants exactly this in the group's policy ("Deploy a Model Version from a Different
      // Account": https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-deploy-xaccount.html),
      // although the service authorization reference lists only the `model` resource for CreateModel.
      Sid: "ConsumerAccountsCreateModelsFromVersions",
      Effect: "Allow",
      Principal,
      Action: "sagemaker:CreateModel",
      Resource: `${sagemaker}:model-package/${groupName}/*`,
    },
  );
}
