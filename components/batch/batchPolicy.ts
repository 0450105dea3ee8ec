import { ecrRepositoryArn } from "../shared/arn";
import {
  imagePullStatements,
  JOB_LOG_GROUPS,
  jobLogStatements,
  jobVolumeKeyGrantStatement,
  PIPELINE_JOB_PREFIX,
  sageMakerMetricsStatement,
} from "../shared/containers";
import { policyDocument, PolicyDocument, PolicyStatement } from "../shared/policyDocument";
import { s3FolderArn, splitS3Uri } from "../shared/s3Uri";
import { sourceKeysStatement } from "../shared/sourceKeys";
import { NetworkScope, vpcStatements } from "../shared/vpc";
import { BATCH_OUTPUTS, BATCH_PREFIXES } from "./definition";

/** Transform jobs log to this group, one stream per instance, named after the job. */
export const TRANSFORM_LOG_GROUP = "/aws/sagemaker/TransformJobs";

interface AccountScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/** What the batch pipeline's role, and the processing jobs it starts, may touch. */
export interface BatchPipelineRoleScope extends AccountScope {
  /** The role itself: the pipeline passes it to its processing jobs. */
  readonly roleArn: string;
  /** The model the Score step's transform job runs: the only one the role may start a job of. */
  readonly modelArn: string;
  /** The model's data bucket: inputs under `batch/input/`, outputs under `batch/output/`. */
  readonly dataBucket: string;
  /** The uploaded scripts and schema (S3 URIs): the processing jobs' code inputs. */
  readonly codeUris: readonly string[];
  readonly kmsKeyArn: string;
  /**
   * Whether the jobs' volumes are encrypted with the key: not on instance types with local NVMe
   * storage, which SageMaker encrypts in hardware and refuses a key for (`volumeKey`).
   */
  readonly volumeKeys: { readonly processing: boolean; readonly transform: boolean };
  /** ECR repository of the SageMaker scikit-learn image the processing jobs run in. */
  readonly imageRepositoryArn: string;
  readonly network?: NetworkScope;
}

const sorted = (values: readonly string[]) => [...new Set(values)].sort();

/** The key conditions a job request must meet: its outputs under the key, its volume too where it has one. */
function keyConditions(kmsKeyArn: string, volumeKey: boolean) {
  return {
    "sagemaker:OutputKmsKeyArn": kmsKeyArn,
    ...(volumeKey && { "sagemaker:VolumeKmsKeyArn": kmsKeyArn }),
  };
}

/**
 * Permissions of the role a batch inference pipeline runs as, and passes to its two processing
 * jobs. It starts only isolated, encrypted processing jobs and only transform jobs of its own model
 * with encrypted outputs (`sagemaker:ModelArn` is a condition key of CreateTransformJob, Service
 * Authorization Reference, Amazon SageMaker AI,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html);
 * it reads the inputs under `batch/input/` and its code, and reads and writes runs' folders under
 * `batch/output/`, nothing else of the bucket. A transform job reads and writes S3 as its model's
 * role (`batchModelPolicy`), so this role passes no role for it. `Resource: "*"` appears only for
 * what AWS cannot scope (the ECR token, metrics limited by namespace, EC2 Describe calls).
 */
export function batchPipelinePolicy(scope: BatchPipelineRoleScope): PolicyDocument {
  const { partition, region, accountId } = scope;
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
  const bucketArn = `arn:${partition}:s3:::${scope.dataBucket}`;
  const processingJobs = arn("sagemaker", `processing-job/${PIPELINE_JOB_PREFIX}*`);
  const transformJobs = arn("sagemaker", `transform-job/${PIPELINE_JOB_PREFIX}*`);
  const code = scope.codeUris.map((uri) => splitS3Uri(uri));
  for (const { bucket } of code) {
    if (bucket !== scope.dataBucket)
      throw new Error(`code ${bucket} is not in the data bucket ${scope.dataBucket}`);
  }

  const statements: PolicyStatement[] = [
    {
      Sid: "StartIsolatedEncryptedJobs",
      Effect: "Allow",
      Action: "sagemaker:CreateProcessingJob",
      Resource: processingJobs,
      // Only the way the definition starts them: isolated, and encrypted with the stack key.
      Condition: {
        Bool: { "sagemaker:NetworkIsolation": "true", "sagemaker:InterContainerTrafficEncryption": "true" },
        StringEquals: keyConditions(scope.kmsKeyArn, scope.volumeKeys.processing),
      },
    },
    {
      Sid: "ScoreWithOwnModel",
      Effect: "Allow",
      Action: "sagemaker:CreateTransformJob",
      Resource: transformJobs,
      Condition: {
        ArnEquals: { "sagemaker:ModelArn": scope.modelArn },
        StringEquals: keyConditions(scope.kmsKeyArn, scope.volumeKeys.transform),
      },
    },
    {
      Sid: "FollowJobs",
      Effect: "Allow",
      Action: [
        "sagemaker:AddTags",
        "sagemaker:DescribeProcessingJob",
        "sagemaker:DescribeTransformJob",
        "sagemaker:StopProcessingJob",
        "sagemaker:StopTransformJob",
      ],
      Resource: [processingJobs, transformJobs],
    },
    {
      Sid: "PassOwnRoleToProcessingJobs",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: scope.roleArn,
      Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
    },
    {
      Sid: "ReadInputsAndCode",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: sorted([
        `${bucketArn}/${BATCH_PREFIXES.input}*`,
        ...code.map(({ key }) => `${bucketArn}/${key}`),
      ]),
    },
    {
      // The validation report (which the pipeline reads for CheckInput), the copy the model scores
      // and the summary are written, and the copy and the predictions read by Summarize.
      Sid: "ReadWriteRunOutputs",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: `${bucketArn}/${BATCH_PREFIXES.output}*`,
    },
    {
      // Each processing input is a prefix, which SageMaker lists.
      Sid: "ListInputsOutputsAndCode",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn,
      Condition: {
        StringLike: {
          "s3:prefix": sorted([
            `${BATCH_PREFIXES.input}*`,
            `${BATCH_PREFIXES.output}*`,
            ...code.map(({ key }) => key),
          ]),
        },
      },
    },
    {
      Sid: "LocateDataBucket",
      Effect: "Allow",
      Action: "s3:GetBucketLocation",
      Resource: bucketArn,
    },
    {
      // Decrypt reads inputs and code; Encrypt and GenerateDataKey write outputs under the key.
      Sid: "UseStackKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
      Resource: scope.kmsKeyArn,
    },
    jobVolumeKeyGrantStatement(scope.kmsKeyArn),
    ...imagePullStatements("PullJobImage", [scope.imageRepositoryArn]),
    ...jobLogStatements([arn("logs", `log-group:${JOB_LOG_GROUPS.processing}`)], PIPELINE_JOB_PREFIX),
    sageMakerMetricsStatement("PublishJobMetrics"),
  ];
  if (scope.network) statements.push(...vpcStatements("Job", scope.network, arn));
  return policyDocument(...statements);
}

/** What the role of the model a batch pipeline scores with may touch. */
export interface BatchModelRoleScope extends AccountScope {
  /** The model's data bucket: it reads each run's copy of the input and writes its predictions. */
  readonly dataBucket: string;
  readonly kmsKeyArn: string;
  /** Container images of the served model package (ECR image URIs). */
  readonly images: readonly string[];
  /** `model.tar.gz` URIs of the served model package; the role reads their folders only. */
  readonly modelDataUrls: readonly string[];
  /**
   * The account that built the served version, when another: its stack key encrypts the artifacts,
   * which the role may decrypt through S3 only. @default this one
   */
  readonly sourceAccountId?: string;
  readonly network?: NetworkScope;
}

/**
 * Permissions of the role SageMaker assumes for the model of a batch pipeline. A transform job
 * reads its input and writes its output as its model's role ("The KMS key policy must grant
 * permission to the IAM role that you specify in your CreateModel request", TransformOutput,
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TransformOutput.html): so it reads
 * only runs' copies of the input (`batch/output/<execution id>/features/`), writes only their
 * predictions, reads the served version's artifact folders and pulls its images, and logs only the
 * pipelines' transform jobs. `Resource: "*"` appears only for the ECR token, metrics (limited by
 * namespace) and EC2 Describe calls.
 */
export function batchModelPolicy(scope: BatchModelRoleScope): PolicyDocument {
  const { partition, region, accountId } = scope;
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
  const bucketArn = `arn:${partition}:s3:::${scope.dataBucket}`;
  const run = `${bucketArn}/${BATCH_PREFIXES.output}*`;
  const statements: PolicyStatement[] = [
    {
      Sid: "ReadModelArtifacts",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: sorted(scope.modelDataUrls.map((url) => s3FolderArn(partition, url))),
    },
    {
      Sid: "ReadValidatedInput",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: `${run}/${BATCH_OUTPUTS.features}/*`,
    },
    {
      Sid: "WritePredictions",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: `${run}/${BATCH_OUTPUTS.predictions}/*`,
    },
    {
      // The transform job lists its input prefix.
      Sid: "ListRunOutputs",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": `${BATCH_PREFIXES.output}*` } },
    },
    {
      Sid: "LocateDataBucket",
      Effect: "Allow",
      Action: "s3:GetBucketLocation",
      Resource: bucketArn,
    },
    {
      // Decrypt reads the input and the artifacts; Encrypt and GenerateDataKey write the
      // predictions under the key.
      Sid: "UseStackKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
      Resource: scope.kmsKeyArn,
    },
    jobVolumeKeyGrantStatement(scope.kmsKeyArn),
    ...imagePullStatements(
      "PullModelImages",
      sorted(scope.images.map((image) => ecrRepositoryArn(partition, image))),
    ),
    ...jobLogStatements([arn("logs", `log-group:${TRANSFORM_LOG_GROUP}`)], PIPELINE_JOB_PREFIX),
    sageMakerMetricsStatement("PublishTransformMetrics"),
  ];
  const sourceKey =
    scope.sourceAccountId === undefined || scope.sourceAccountId === accountId
      ? undefined
      : sourceKeysStatement("DecryptSourceArtifacts", {
          partition,
          region,
          accountIds: [scope.sourceAccountId],
        });
  if (sourceKey) statements.push(sourceKey);
  if (scope.network) statements.push(...vpcStatements("Job", scope.network, arn));
  return policyDocument(...statements);
}
