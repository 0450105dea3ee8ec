import {
  EVENTBRIDGE_SERVICE,
  LAMBDA_SERVICE,
  SAGEMAKER_SERVICE,
  SCHEDULER_SERVICE,
} from "../shared/footprint";
import { policyDocument, PolicyDocument } from "../shared/policyDocument";

/**
 * The services the stack's roles act in, whole: a boundary grants nothing, it only caps what the
 * roles' own policies may grant, and those are held to the stack's resources. `sts` is not among
 * them: the calls a role makes (`sts:GetCallerIdentity`) need no permission.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
export const BOUNDARY_SERVICES = [
  "application-autoscaling",
  "cloudwatch",
  "events",
  "kms",
  "lambda",
  "logs",
  "s3",
  "sagemaker",
  "scheduler",
  "sns",
  "sqs",
] as const;

/** SageMaker pulls the jobs' and models' images as their roles: reads of a repository, and the registry token. */
export const IMAGE_PULL_ACTIONS = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:BatchGetImage",
  "ecr:GetAuthorizationToken",
  "ecr:GetDownloadUrlForLayer",
] as const;

/** Jobs and endpoints in a VPC (`network`) get network interfaces in it as their roles. */
export const NETWORK_INTERFACE_ACTIONS = [
  "ec2:CreateNetworkInterface",
  "ec2:CreateNetworkInterfacePermission",
  "ec2:DeleteNetworkInterface",
  "ec2:DeleteNetworkInterfacePermission",
  "ec2:DescribeDhcpOptions",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeSubnets",
  "ec2:DescribeVpcs",
] as const;

/** What deploying and previewing the stack reads of IAM: its roles, its managed policies, the OIDC provider. */
export const IAM_READ_ACTIONS = [
  "iam:GetOpenIDConnectProvider",
  "iam:GetPolicy",
  "iam:GetPolicyVersion",
  "iam:GetRole",
  "iam:GetRolePolicy",
  "iam:ListAttachedRolePolicies",
  "iam:ListInstanceProfilesForRole",
  "iam:ListPolicyVersions",
  "iam:ListRolePolicies",
] as const;

/** What deploying the stack changes of its own roles. */
export const ROLE_CHANGE_ACTIONS = [
  "iam:CreateRole",
  "iam:DeleteRole",
  "iam:DeleteRolePolicy",
  "iam:PutRolePermissionsBoundary",
  "iam:PutRolePolicy",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
] as const;

/** The services the stack's roles are passed to, which then act as them (`iam:PassedToService`). */
export const ROLE_TAKING_SERVICES = [
  EVENTBRIDGE_SERVICE,
  LAMBDA_SERVICE,
  SAGEMAKER_SERVICE,
  SCHEDULER_SERVICE,
] as const;

/**
 * Changes to a role that IAM authorises with `iam:PermissionsBoundary` (the boundary a new role is
 * given, or the one an existing role carries) and that could widen what a role does or who can
 * become it: refused unless that boundary is this one.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
 */
export const BOUNDED_ROLE_CHANGES = [
  "iam:AttachRolePolicy",
  "iam:CreateRole",
  "iam:DeleteRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PutRolePermissionsBoundary",
  "iam:PutRolePolicy",
  "iam:UpdateAssumeRolePolicy",
] as const;

export interface BoundaryScope {
  readonly partition: string;
  readonly accountId: string;
  /** Prefix of the stack's physical names: the only roles whose IAM changes the boundary lets through. */
  readonly namePrefix: string;
  /** The boundary's own ARN, which the Deny statements protect and require. */
  readonly boundaryArn: string;
}

/**
 * The permissions boundary every role of the stack carries, modelled on the AWS CDK bootstrap's
 * (`CdkBoostrapPermissionsBoundaryPolicy` in aws/aws-cdk-cli,
 * packages/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml), with its Allow of everything
 * narrowed to what the platform's roles use:
 * - the platform's services ({@link BOUNDARY_SERVICES}), image pulls, VPC network interfaces, the
 *   approval dispatch's connection secrets, IAM reads, changes to the stack's own roles, and
 *   passing them to the services that run as them;
 * - Deny creating or changing a role (its policies, its trust, its boundary) unless it carries this
 *   boundary (the CDK's `DenyAccessIfRequiredPermBoundaryIsNotBeingApplied`, here also for the
 *   changes to existing roles that support the key): `StringNotEquals` is true when the role has no
 *   boundary at all;
 * - Deny removing a boundary from any role or user (`DenyRemovalOfPermBoundaryFromAnyUserOrRole`);
 * - Deny changing or deleting this policy (`DenyPermBoundaryIAMPolicyAlteration`);
 * - Deny creating IAM users and their credentials, which no part of the platform needs.
 * A role that carries it can therefore never create a role that escapes it, nor lift it off one.
 */
export function permissionsBoundaryPolicy(scope: BoundaryScope): PolicyDocument {
  const iam = (resource: string) => `arn:${scope.partition}:iam::${scope.accountId}:${resource}`;
  return policyDocument(
    {
      Sid: "PlatformServices",
      Effect: "Allow",
      Action: BOUNDARY_SERVICES.map((service) => `${service}:*`),
      Resource: "*",
    },
    { Sid: "ImagePulls", Effect: "Allow", Action: [...IMAGE_PULL_ACTIONS], Resource: "*" },
    { Sid: "NetworkInterfaces", Effect: "Allow", Action: [...NETWORK_INTERFACE_ACTIONS], Resource: "*" },
    {
      // EventBridge keeps an API destination connection's credentials in a secret of this name.
      Sid: "ConnectionSecrets",
      Effect: "Allow",
      Action: "secretsmanager:*",
      Resource: `arn:${scope.partition}:secretsmanager:*:${scope.accountId}:secret:events!connection/${scope.namePrefix}-*`,
    },
    { Sid: "ReadIam", Effect: "Allow", Action: [...IAM_READ_ACTIONS], Resource: "*" },
    {
      Sid: "StackRoles",
      Effect: "Allow",
      Action: [...ROLE_CHANGE_ACTIONS],
      Resource: iam(`role/${scope.namePrefix}-*`),
    },
    {
      Sid: "PassStackRoles",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: iam(`role/${scope.namePrefix}-*`),
      Condition: { StringEquals: { "iam:PassedToService": [...ROLE_TAKING_SERVICES] } },
    },
    {
      // Application Auto Scaling's role for SageMaker variants, created once per account; a
      // service-linked role takes no boundary.
      Sid: "ServiceLinkedRoles",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: iam("role/aws-service-role/*"),
    },
    {
      Sid: "DenyRolesWithoutThisBoundary",
      Effect: "Deny",
      Action: [...BOUNDED_ROLE_CHANGES],
      Resource: "*",
      Condition: { StringNotEquals: { "iam:PermissionsBoundary": scope.boundaryArn } },
    },
    {
      Sid: "DenyRemovingBoundaries",
      Effect: "Deny",
      Action: ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
      Resource: "*",
    },
    {
      Sid: "DenyChangingThisBoundary",
      Effect: "Deny",
      Action: [
        "iam:CreatePolicyVersion",
        "iam:DeletePolicy",
        "iam:DeletePolicyVersion",
        "iam:SetDefaultPolicyVersion",
      ],
      Resource: scope.boundaryArn,
    },
    {
      Sid: "DenyIamUsers",
      Effect: "Deny",
      Action: ["iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:CreateUser", "iam:UpdateLoginProfile"],
      Resource: "*",
    },
  );
}
