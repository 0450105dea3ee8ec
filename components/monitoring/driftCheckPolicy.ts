import { splitS3Uri } from "../shared/s3Uri";
import {
  imagePullStatements,
  JOB_LOG_GROUPS,
  jobLogStatements,
  jobVolumeKeyGrantStatement,
  PIPELINE_JOB_PREFIX,
} from "../shared/containers";
import { policyDocument, PolicyDocument, PolicyStatement } from "../shared/policyDocument";
import { NetworkScope, vpcStatements } from "../shared/vpc";
import { sourceKeysStatement } from "../shared/sourceKeys";

/** The drift check publishes each feature's scores in this CloudWatch namespace. */
export const DRIFT_METRICS_NAMESPACE = "MLOps/Drift";

/** Bucket ARN and key (no trailing slash) of an S3 URI. */
function s3Location(partition: string, uri: string): { bucket: string; bucketArn: string; key: string } {
  const { bucket, key } = splitS3Uri(uri);
  return { bucket, bucketArn: `arn:${partition}:s3:::${bucket}`, key: key.replace(/\/+$/, "") };
}

/** Objects under a prefix, or the whole bucket for an empty prefix. */
const under = (location: { bucketArn: string; key: string }) =>
  `${location.bucketArn}/${location.key === "" ? "" : `${location.key}/`}*`;

interface AccountScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/** What a drift check's pipeline, and the processing job it starts, may touch. */
export interface DriftCheckRoleScope extends AccountScope {
  /** The role itself: the pipeline passes it to the processing job. */
  readonly roleArn: string;
  /** The function of the pipeline's Lambda steps. */
  readonly functionArn: string;
  /** The endpoint's capture prefix (`s3://bucket/prefix/<endpoint>`): the job reads its window's files. */
  readonly captureUri: string;
  /** The check's folder (`s3://bucket/prefix/<check>`): manifests in, reports out. */
  readonly reportUri: string;
  /** drift_check.py as uploaded. */
  readonly codeUri: string;
  /** drift_baseline.json of the served version. */
  readonly baselineUri: string;
  /** The account that built the served version, when another: its key encrypts the baseline. @default this one */
  readonly baselineAccountId?: string;
  readonly kmsKeyArn: string;
  /** ECR repository of the SageMaker scikit-learn image the check runs in. */
  readonly imageRepositoryArn: string;
  readonly network?: NetworkScope;
}

/**
 * Permissions of the role a drift check's pipeline runs as, and passes to its one processing job.
 * It starts only isolated, encrypted processing jobs, invokes only its own function, reads only the
 * endpoint's captured data, its baseline and its script, and writes only under the check's folder.
 * `Resource: "*"` appears only for what AWS cannot scope (the ECR token, EC2 Describe calls).
 */
export function driftCheckPolicy(scope: DriftCheckRoleScope): PolicyDocument {
  const { partition, region, accountId } = scope;
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
  const capture = s3Location(partition, scope.captureUri);
  const reports = s3Location(partition, scope.reportUri);
  // Single objects, each a processing input of type S3Prefix: SageMaker lists the key as a prefix.
  const files = [scope.baselineUri, scope.codeUri].map((uri) => s3Location(partition, uri));
  const jobs = arn("sagemaker", `processing-job/${PIPELINE_JOB_PREFIX}*`);
  const logGroup = arn("logs", `log-group:${JOB_LOG_GROUPS.processing}`);
  const sorted = (values: readonly string[]) => [...new Set(values)].sort();

  const statements: PolicyStatement[] = [
    {
      Sid: "StartIsolatedEncryptedChecks",
      Effect: "Allow",
      Action: "sagemaker:CreateProcessingJob",
      Resource: jobs,
      // The role can only start the job the way the definition does: isolated and encrypted.
      Condition: {
        Bool: { "sagemaker:NetworkIsolation": "true", "sagemaker:InterContainerTrafficEncryption": "true" },
        StringEquals: {
          "sagemaker:VolumeKmsKeyArn": scope.kmsKeyArn,
          "sagemaker:OutputKmsKeyArn": scope.kmsKeyArn,
        },
      },
    },
    {
      Sid: "FollowChecks",
      Effect: "Allow",
      Action: ["sagemaker:DescribeProcessingJob", "sagemaker:StopProcessingJob", "sagemaker:AddTags"],
      Resource: jobs,
    },
    {
      // SageMaker Pipelines invoke a Lambda step's function as the pipeline's role.
      Sid: "InvokeCheckSteps",
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: scope.functionArn,
    },
    {
      Sid: "PassOwnRoleToCheckJobs",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: scope.roleArn,
      Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
    },
    {
      Sid: "ReadCapturedData",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: under(capture),
    },
    {
      Sid: "ReadBaselineAndScript",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: sorted(files.map((file) => `${file.bucketArn}/${file.key}`)),
    },
    {
      Sid: "ListBaselineAndScript",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: sorted(files.map((file) => file.bucketArn)),
      Condition: { StringEquals: { "s3:prefix": sorted(files.map((file) => file.key)) } },
    },
    {
      // The window's manifest is read from the run's folder, and the report written to it.
      Sid: "ReadManifestsWriteReports",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: under(reports),
    },
    {
      Sid: "LocateBuckets",
      Effect: "Allow",
      Action: "s3:GetBucketLocation",
      Resource: sorted([capture, reports, ...files].map((location) => location.bucketArn)),
    },
    {
      Sid: "UseStackKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
      Resource: scope.kmsKeyArn,
    },
    jobVolumeKeyGrantStatement(scope.kmsKeyArn),
    ...imagePullStatements("PullCheckImage", [scope.imageRepositoryArn]),
    ...jobLogStatements([logGroup], PIPELINE_JOB_PREFIX),
  ];
  const baselineKey =
    scope.baselineAccountId === undefined || scope.baselineAccountId === accountId
      ? undefined
      : sourceKeysStatement("DecryptSourceBaseline", {
          partition,
          region,
          accountIds: [scope.baselineAccountId],
        });
  if (baselineKey) statements.push(baselineKey);
  if (scope.network) statements.push(...vpcStatements("Job", scope.network, arn));
  return policyDocument(...statements);
}

/** What the function of a drift check's Lambda steps may touch. */
export interface DriftStepsRoleScope extends AccountScope {
  /** The function's name: it logs to `/aws/lambda/<name>`. */
  readonly functionName: string;
  readonly captureUri: string;
  readonly reportUri: string;
  readonly kmsKeyArn: string;
  /** The model's alert topic, which drift reaches. */
  readonly alertTopicArn: string;
  /** Put drift events on the account's default bus, for retraining. @default false */
  readonly putsDriftEvents?: boolean;
}

/**
 * Permissions of the function that finds a window's capture files and publishes a check's results:
 * it lists only the endpoint's capture prefix, reads and writes only the check's folder, sends only
 * to the model's alert topic and publishes metrics only in the drift namespace (PutMetricData has
 * no resource to name, so the namespace condition scopes it).
 */
export function driftStepsPolicy(scope: DriftStepsRoleScope): PolicyDocument {
  const { partition, region, accountId } = scope;
  const capture = s3Location(partition, scope.captureUri);
  const reports = s3Location(partition, scope.reportUri);
  const logGroup = `arn:${partition}:logs:${region}:${accountId}:log-group:/aws/lambda/${scope.functionName}`;
  return policyDocument(
    {
      Sid: "ListCapturedData",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: capture.bucketArn,
      Condition: { StringLike: { "s3:prefix": [`${capture.key}/`, `${capture.key}/*`] } },
    },
    {
      Sid: "WriteManifestsReadReports",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: under(reports),
    },
    {
      // S3 encrypts the manifests and reports, and SNS the alerts, with the stack key.
      Sid: "UseStackKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: scope.kmsKeyArn,
    },
    {
      Sid: "PublishDriftMetrics",
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": DRIFT_METRICS_NAMESPACE } },
    },
    {
      Sid: "AlertOnDrift",
      Effect: "Allow",
      Action: "sns:Publish",
      Resource: scope.alertTopicArn,
    },
    {
      // The log group is the stack's (retention, key); the function only writes to it.
      Sid: "WriteFunctionLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${logGroup}:log-stream:*`,
    },
    ...(scope.putsDriftEvents
      ? [
          {
            // events:source is a condition key of PutEvents: the function can put drift events only.
            Sid: "PutDriftEvents",
            Effect: "Allow" as const,
            Action: "events:PutEvents",
            Resource: `arn:${partition}:events:${region}:${accountId}:event-bus/default`,
            Condition: { StringEquals: { "events:source": DRIFT_EVENT_SOURCE } },
          },
        ]
      : []),
  );
}

/** The source of the events a drift check puts when it finds drift (drift_steps.py). */
export const DRIFT_EVENT_SOURCE = "mlops.drift";
