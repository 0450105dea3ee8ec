import { CHAMPION_PLACEHOLDER_KEYS } from "./definition";
import { splitS3Uri } from "../shared/s3Uri";
import {
  imagePullStatements,
  sageMakerMetricsStatement,
  jobVolumeKeyGrantStatement,
  JOB_LOG_GROUPS,
  jobLogStatements,
  PIPELINE_JOB_PREFIX,
} from "../shared/containers";
import { policyDocument, PolicyDocument, PolicyStatement } from "../shared/policyDocument";
import { NetworkScope, vpcStatements } from "../shared/vpc";

/** What the pipeline's execution role may touch: one model's buckets, key, registry and jobs. */
export interface PipelineRoleScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** The role itself: the pipeline passes it on to the jobs it starts. */
  readonly roleArn: string;
  readonly kmsKeyArn: string;
  readonly dataBucket: string;
  readonly artifactsBucket: string;
  /** Input data outside the data bucket (`s3://bucket/prefix`), read-only. */
  readonly externalInputUri?: string;
  readonly modelPackageGroupName: string;
  /** Model approval statuses the Register step may set; the pipeline cannot approve unless listed. */
  readonly approvalStatuses: readonly string[];
  /** The function of the FindChampion step, which the pipeline invokes as this role. */
  readonly findChampionFunctionArn: string;
  /**
   * ECR repositories of the job images: AWS's prebuilt scikit-learn and XGBoost images and, with
   * the DataQualityBaseline step, the Model Monitor analyzer, which AWS keeps in another registry
   * account.
   */
  readonly ecrRepositoryArns: readonly string[];
  /**
   * The pipeline has the DataQualityBaseline (QualityCheck) step, whose drift check looks up the
   * group's latest approved version (`SkipDataQualityCheck=false`). @default false
   */
  readonly modelMonitorBaseline?: boolean;
  readonly network?: NetworkScope;
}

// A QualityCheck step's baseline job is a processing job named like the others
// (PIPELINE_JOB_PREFIX), so the processing-job statements below cover it with the same isolation
// and key conditions.

function s3Location(partition: string, uri: string): { bucketArn: string; prefix: string } {
  const { bucket, key } = splitS3Uri(uri);
  return { bucketArn: `arn:${partition}:s3:::${bucket}`, prefix: key };
}

/**
 * The execution role's permissions for the model-build pipeline. Every statement names the
 * resources it applies to; `Resource: "*"` appears only for actions that AWS cannot scope
 * (ECR auth tokens, EC2 Describe calls, CloudWatch metrics limited by namespace, and with the
 * DataQualityBaseline step ListModelPackages limited to the region).
 */
export function pipelineExecutionPolicy(scope: PipelineRoleScope): PolicyDocument {
  const { partition, region, accountId } = scope;
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
  const bucketArn = (bucket: string) => `arn:${partition}:s3:::${bucket}`;
  const jobArns = ["processing-job", "training-job"].map((type) =>
    arn("sagemaker", `${type}/${PIPELINE_JOB_PREFIX}*`),
  );
  const group = scope.modelPackageGroupName;
  const registryArns = [
    arn("sagemaker", `model-package-group/${group}`),
    arn("sagemaker", `model-package/${group}`),
    arn("sagemaker", `model-package/${group}/*`),
  ];
  const external = scope.externalInputUri ? s3Location(partition, scope.externalInputUri) : undefined;

  const statements: PolicyStatement[] = [
    {
      Sid: "ReadInputData",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: [
        `${bucketArn(scope.dataBucket)}/*`,
        ...(external ? [`${external.bucketArn}/${external.prefix}*`] : []),
      ],
    },
    {
      Sid: "ListInputData",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:GetBucketLocation"],
      Resource: bucketArn(scope.dataBucket),
    },
    ...(external
      ? [
          {
            Sid: "ListExternalInputData",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: external.bucketArn,
            Condition: { StringLike: { "s3:prefix": `${external.prefix}*` } },
          } as const,
        ]
      : []),
    {
      Sid: "ReadWriteArtifacts",
      Effect: "Allow",
      // DeleteObject: managed spot training keeps the checkpoint prefix in sync with the job's disk.
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
      Resource: `${bucketArn(scope.artifactsBucket)}/*`,
    },
    {
      Sid: "ListArtifacts",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:GetBucketLocation"],
      Resource: bucketArn(scope.artifactsBucket),
    },
    {
      Sid: "UseStackKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
      Resource: scope.kmsKeyArn,
    },
    jobVolumeKeyGrantStatement(scope.kmsKeyArn),
    {
      Sid: "StartIsolatedEncryptedJobs",
      Effect: "Allow",
      Action: ["sagemaker:CreateProcessingJob", "sagemaker:CreateTrainingJob"],
      Resource: jobArns,
      // The role can only start jobs the way the pipeline definition does: isolated and encrypted.
      Condition: {
        Bool: { "sagemaker:NetworkIsolation": "true", "sagemaker:InterContainerTrafficEncryption": "true" },
        StringEquals: {
          "sagemaker:VolumeKmsKeyArn": scope.kmsKeyArn,
          "sagemaker:OutputKmsKeyArn": scope.kmsKeyArn,
        },
      },
    },
    {
      Sid: "FollowPipelineJobs",
      Effect: "Allow",
      Action: [
        "sagemaker:DescribeProcessingJob",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:StopProcessingJob",
        "sagemaker:StopTrainingJob",
        "sagemaker:AddTags",
      ],
      Resource: jobArns,
    },
    {
      Sid: "RegisterModelVersions",
      Effect: "Allow",
      Action: "sagemaker:CreateModelPackage",
      Resource: registryArns,
      Condition: { StringEquals: { "sagemaker:ModelApprovalStatus": scope.approvalStatuses } },
    },
    {
      Sid: "ReadModelRegistry",
      Effect: "Allow",
      Action: ["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup", "sagemaker:AddTags"],
      Resource: registryArns,
    },
    ...(scope.modelMonitorBaseline === true
      ? [listModelPackagesStatement("FindApprovedBaseline", region)]
      : []),
    {
      // SageMaker Pipelines invoke a Lambda step's function as the pipeline's role.
      Sid: "InvokeFindChampion",
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: scope.findChampionFunctionArn,
    },
    {
      Sid: "PassOwnRoleToSageMakerJobs",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: scope.roleArn,
      Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
    },
    ...imagePullStatements("PullJobImages", scope.ecrRepositoryArns),
    ...jobLogStatements(
      [JOB_LOG_GROUPS.processing, JOB_LOG_GROUPS.training].map((group) => arn("logs", `log-group:${group}`)),
      PIPELINE_JOB_PREFIX,
    ),
    sageMakerMetricsStatement("PublishJobMetrics"),
  ];

  if (scope.network) statements.push(...vpcStatements("Job", scope.network, arn));
  return policyDocument(...statements);
}

/**
 * With `SkipDataQualityCheck=false` the QualityCheck step compares the new baseline with the latest
 * approved version's: SageMaker lists the group's approved versions as the pipeline's role
 * (ListModelPackages), then describes the newest (DescribeModelPackage, granted on the group's
 * versions by ReadModelRegistry) and reads its baseline files (ReadWriteArtifacts). The check is
 * kept rather than dropped with its parameter: it is how a Model Monitor user fails a build whose
 * training data drifted from the approved model's. The FindChampion function lists them the same
 * way. ListModelPackages takes no resource ARN: its one resource type, `model-package`, is optional
 * in the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html),
 * and the request names a group, not a version. So, as for the deploy role's look-ups
 * (components/delivery/deployPolicy.ts), the statement holds it to the stack's region instead.
 */
function listModelPackagesStatement(sid: string, region: string): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: "sagemaker:ListModelPackages",
    Resource: "*",
    Condition: { StringEquals: { "aws:RequestedRegion": region } },
  };
}

/** What the FindChampion function may touch: one group's versions, one key pattern, its log group. */
export interface FindChampionRoleScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** The function's name: it logs to `/aws/lambda/<name>`. */
  readonly functionName: string;
  readonly modelPackageGroupName: string;
  /** Where it writes the placeholder for "no champion". */
  readonly artifactsBucket: string;
  /** The stack key, which encrypts the bucket's objects. */
  readonly kmsKeyArn: string;
}

/**
 * Permissions of the FindChampion step's function: it lists the approved versions (in the region,
 * see {@link listModelPackagesStatement}) and describes the group's versions only, writes only the
 * placeholder of an execution's FindChampion folder, and writes only to its own log group, which
 * the stack creates (retention, key).
 */
export function findChampionPolicy(scope: FindChampionRoleScope): PolicyDocument {
  const { partition, region, accountId } = scope;
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
  return policyDocument(
    listModelPackagesStatement("FindApprovedVersions", region),
    {
      Sid: "DescribeGroupVersions",
      Effect: "Allow",
      Action: "sagemaker:DescribeModelPackage",
      Resource: arn("sagemaker", `model-package/${scope.modelPackageGroupName}/*`),
    },
    {
      Sid: "WriteNoChampionPlaceholder",
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: `arn:${partition}:s3:::${scope.artifactsBucket}/${CHAMPION_PLACEHOLDER_KEYS}`,
    },
    {
      // S3 encrypts the placeholder with the stack key, as the bucket's default encryption.
      Sid: "UseStackKey",
      Effect: "Allow",
      Action: "kms:GenerateDataKey",
      Resource: scope.kmsKeyArn,
    },
    {
      Sid: "WriteFunctionLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${arn("logs", `log-group:/aws/lambda/${scope.functionName}`)}:log-stream:*`,
    },
  );
}
