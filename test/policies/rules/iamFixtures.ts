import type { ResourceValidationPolicy } from "@pulumi/policy";
import { secureBucketPolicy, tlsOnlyBucketPolicy } from "../../../components/foundation/secureBucketPolicy";
import { sageMakerTrustPolicy } from "../../../components/shared/serviceTrust";
import { platformKeyPolicy } from "../../../components/foundation/platformKeyPolicy";
import { modelExecutionPolicy } from "../../../components/endpoint/modelEndpointPolicy";
import { monitoringJobPolicy } from "../../../components/monitoring/monitoringSchedulePolicy";
import { findChampionPolicy, pipelineExecutionPolicy } from "../../../components/pipeline/mlPipelinePolicy";
import { REGISTERED_VERSION_KEYS } from "../../../components/pipeline/definition";
import { modelPackageGroupSharingPolicy } from "../../../components/pipeline/registrySharingPolicy";
import { deadLetterQueuePolicy } from "../../../components/delivery/dispatchPolicy";
import { alertTopicPolicy } from "../../../components/foundation/alertTopicPolicy";
import { checkResource, PolicyOutcome, ResourceOptions } from "../../helpers/policyArgs";
import { RETRAINING_RESOURCES } from "./retrainingFixtures";

/** A resource as a resource rule sees it. */
export interface ResourceCase {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
}

export const ACCOUNT = "123456789012";
export const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0d5a6c3e-1111-4222-8333-944455556666`;
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/mlops-prod-diagnosis-role-1a2b3c4`;
const DATA = "mlops-prod-diagnosis-data-1a2b3c4";
const ARTIFACTS = "mlops-prod-diagnosis-artifacts-1a2b3c4";
const NETWORK = { subnetIds: ["subnet-0a1b2c3d"], securityGroupIds: ["sg-0a1b2c3d"] };
const BASELINE = `s3://${ARTIFACTS}/pipelines/p4jn9xou8a8s/DataQualityBaseline/baseline`;
const TOPIC_ARN = `arn:aws:sns:us-east-1:${ACCOUNT}:mlops-prod-alerts`;

/** The program's pipeline execution policy, with every optional part (VPC, external input). */
export const PIPELINE_POLICY = pipelineExecutionPolicy({
  partition: "aws",
  region: "us-east-1",
  accountId: ACCOUNT,
  roleArn: ROLE_ARN,
  kmsKeyArn: KEY_ARN,
  dataBucket: DATA,
  artifactsBucket: ARTIFACTS,
  externalInputUri: "s3://shared-data/churn/",
  modelPackageGroupName: "mlops-prod-diagnosis",
  approvalStatuses: ["PendingManualApproval", "Approved"],
  findChampionFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:mlops-prod-diagnosis-steps`,
  ecrRepositoryArns: [
    "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn",
    "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-xgboost",
    "arn:aws:ecr:us-east-1:156813124566:repository/sagemaker-model-monitor-analyzer",
  ],
  network: NETWORK,
});

/** The policy of the pipeline's FindChampion function. */
export const FIND_CHAMPION_POLICY = findChampionPolicy({
  partition: "aws",
  region: "us-east-1",
  accountId: ACCOUNT,
  functionName: "mlops-prod-diagnosis-steps",
  modelPackageGroupName: "mlops-prod-diagnosis",
  artifactsBucket: ARTIFACTS,
  kmsKeyArn: KEY_ARN,
});

export const MODEL_POLICY = modelExecutionPolicy({
  partition: "aws",
  region: "us-east-1",
  accountId: ACCOUNT,
  endpointName: "mlops-prod-diagnosis",
  kmsKeyArn: KEY_ARN,
  images: ["683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"],
  modelDataUrls: [`s3://${ARTIFACTS}/pipelines/abc/Train/output/model.tar.gz`],
  captureUri: `s3://${DATA}/data-capture/`,
  rollbackAlarmNames: ["mlops-prod-diagnosis-primary-5xx-errors"],
  network: NETWORK,
});

export const MONITORING_POLICY = monitoringJobPolicy({
  partition: "aws",
  region: "us-east-1",
  accountId: ACCOUNT,
  endpointName: "mlops-prod-diagnosis",
  captureUri: `s3://${DATA}/data-capture`,
  baselineUris: [`${BASELINE}/statistics.json`, `${BASELINE}/constraints.json`],
  outputUri: `s3://${DATA}/monitoring/mlops-prod-diagnosis-data-quality`,
  kmsKeyArn: KEY_ARN,
  analyzerRepositoryArn: "arn:aws:ecr:us-east-1:156813124566:repository/sagemaker-model-monitor-analyzer",
  network: NETWORK,
});

export const KEY_POLICY = platformKeyPolicy({ partition: "aws", region: "us-east-1", accountId: ACCOUNT });

/** Another account that serves the models this one builds. */
export const CONSUMER = "222222222222";

/** The key policy of a stack that shares its models' artifacts with {@link CONSUMER}. */
export const SHARING_KEY_POLICY = platformKeyPolicy({
  partition: "aws",
  region: "us-east-1",
  accountId: ACCOUNT,
  consumers: { accounts: [CONSUMER], bucketPattern: "mlops-prod-*-artifacts-*" },
});

/** The artifacts bucket's policy when {@link CONSUMER} reads the registered versions' files. */
export const SHARED_BUCKET_POLICY = secureBucketPolicy(`arn:aws:s3:::${ARTIFACTS}`, {
  accounts: [CONSUMER],
  keyPatterns: REGISTERED_VERSION_KEYS,
});

/** The registry's resource policy when {@link CONSUMER} serves its versions. */
export const REGISTRY_POLICY = modelPackageGroupSharingPolicy({
  partition: "aws",
  region: "us-east-1",
  accountId: ACCOUNT,
  groupName: "mlops-prod-diagnosis",
  consumerAccounts: [CONSUMER],
});

const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:mlops-prod-approvals-dlq`;
export const QUEUE_POLICY = deadLetterQueuePolicy({
  accountId: ACCOUNT,
  ruleArns: [`arn:aws:events:us-east-1:${ACCOUNT}:rule/mlops-prod-diagnosis-approved`],
  queueArn: QUEUE_ARN,
});

export const TOPIC_POLICY = alertTopicPolicy({
  partition: "aws",
  region: "us-east-1",
  accountId: ACCOUNT,
  topicArn: TOPIC_ARN,
  alarmNamePrefix: "mlops-prod",
  eventRuleNamePrefix: "mlops-prod",
});

export const BUCKET_POLICY = tlsOnlyBucketPolicy(`arn:aws:s3:::${DATA}`);

/** A SageMaker execution role's trust: SageMaker, for this account's SageMaker resources. */
export const SAGEMAKER_TRUST = sageMakerTrustPolicy({
  partition: "aws",
  region: "us-east-1",
  accountId: ACCOUNT,
});

/** A model package group's resource policy, as MlPipeline creates it for consumer accounts. */
export const registryPolicy = (name: string, document: unknown): ResourceCase => ({
  type: "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy",
  name,
  props: { modelPackageGroupName: "mlops-prod-diagnosis", resourcePolicy: JSON.stringify(document) },
});

export const rolePolicy = (name: string, document: unknown): ResourceCase => ({
  type: "aws:iam/rolePolicy:RolePolicy",
  name,
  props: { role: "mlops-prod-diagnosis-role-1a2b3c4", policy: JSON.stringify(document) },
});

/** Every policy document the program creates, on the resources that carry them (JSON strings, as the program writes them). */
export const PROGRAM_RESOURCES: readonly ResourceCase[] = [
  rolePolicy("mlops-prod-diagnosis-role-policy", PIPELINE_POLICY),
  rolePolicy("mlops-prod-diagnosis-steps-role-policy", FIND_CHAMPION_POLICY),
  rolePolicy("mlops-prod-diagnosis-endpoint-model-role-policy", MODEL_POLICY),
  rolePolicy("mlops-prod-diagnosis-monitoring-role-policy", MONITORING_POLICY),
  {
    type: "aws:kms/key:Key",
    name: "mlops-prod-platform-key",
    props: { enableKeyRotation: true, policy: JSON.stringify(KEY_POLICY) },
  },
  {
    type: "aws:sns/topicPolicy:TopicPolicy",
    name: "mlops-prod-alerts-policy",
    props: { arn: TOPIC_ARN, policy: JSON.stringify(TOPIC_POLICY) },
  },
  {
    type: "aws:s3/bucketPolicy:BucketPolicy",
    name: "mlops-prod-diagnosis-data-policy",
    props: { bucket: DATA, policy: JSON.stringify(BUCKET_POLICY) },
  },
  {
    type: "aws:iam/role:Role",
    name: "mlops-prod-diagnosis-role",
    props: { assumeRolePolicy: JSON.stringify(SAGEMAKER_TRUST) },
  },
  {
    type: "aws:sqs/queuePolicy:QueuePolicy",
    name: "mlops-prod-approvals-dlq-policy",
    props: {
      queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/mlops-prod-approvals-dlq",
      policy: JSON.stringify(QUEUE_POLICY),
    },
  },
  // What a stack that shares its models with another account adds.
  {
    type: "aws:kms/key:Key",
    name: "mlops-prod-shared-platform-key",
    props: { enableKeyRotation: true, policy: JSON.stringify(SHARING_KEY_POLICY) },
  },
  {
    type: "aws:s3/bucketPolicy:BucketPolicy",
    name: "mlops-prod-diagnosis-artifacts-policy",
    props: { bucket: ARTIFACTS, policy: JSON.stringify(SHARED_BUCKET_POLICY) },
  },
  registryPolicy("mlops-prod-diagnosis-registry-policy", REGISTRY_POLICY),
  // Retraining (its drift bus is open to the consumer accounts) and the forwarding of drift to it.
  ...RETRAINING_RESOURCES,
];

export const GITHUB_PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;

/** A deployment role trusted by one repository's main branch, as the trust rule wants it. */
export function githubTrust(sub: unknown = "repo:acme/mlops:ref:refs/heads/main", extra: object = {}) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: GITHUB_PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": sub,
          },
          ...extra,
        },
      },
    ],
  };
}

export const role = (name: string, props: Record<string, unknown>): ResourceCase => ({
  type: "aws:iam/role:Role",
  name,
  props,
});

/** A policy document of the given statements. */
export const documentOf = (...statements: object[]) => ({ Version: "2012-10-17", Statement: statements });

/** A rule's outcome on one resource case. */
export const run = (policy: ResourceValidationPolicy, subject: ResourceCase, options: ResourceOptions = {}) =>
  checkResource(policy, subject.type, subject.props, { name: subject.name, ...options });

/** The outcomes of a rule on every case, merged. */
export async function runAll(
  policy: ResourceValidationPolicy,
  cases: readonly ResourceCase[],
  options: ResourceOptions = {},
): Promise<PolicyOutcome> {
  const outcomes = await Promise.all(cases.map((subject) => run(policy, subject, options)));
  return {
    violations: outcomes.flatMap((o) => o.violations),
    urns: outcomes.flatMap((o) => o.urns),
    notApplicable: outcomes.flatMap((o) => o.notApplicable),
    unknown: outcomes.flatMap((o) => o.unknown),
  };
}

/** Waivers as the pack config writes them. */
export const waiver = (resource: string, expires: string) => ({
  resource,
  reason: "migration to a scoped policy",
  expires,
});

/** The ARN of the stack's permissions boundary. */
export const BOUNDARY_ARN = "arn:aws:iam::111111111111:policy/mlops-staging-permissions-boundary";

/** A boundary as the AWS CDK bootstrap writes one: service-wide Allows, and the Denies that keep roles bounded. */
export const BOUNDARY = {
  Version: "2012-10-17",
  Statement: [
    { Sid: "PlatformServices", Effect: "Allow", Action: ["sagemaker:*", "s3:*", "kms:*"], Resource: "*" },
    {
      Sid: "DenyRolesWithoutThisBoundary",
      Effect: "Deny",
      Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"],
      Resource: "*",
      Condition: { StringNotEquals: { "iam:PermissionsBoundary": BOUNDARY_ARN } },
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
      Action: ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:SetDefaultPolicyVersion"],
      Resource: BOUNDARY_ARN,
    },
  ],
};
