import type { PolicyStatement } from "./policyDocument";

/**
 * What SageMaker needs to pull a container image for a role: layer reads on the named
 * repositories only, and a registry token, which ECR cannot scope to a repository.
 * `sid` names the first statement (e.g. `PullJobImages`).
 */
export function imagePullStatements(sid: string, repositoryArns: readonly string[]): PolicyStatement[] {
  return [
    {
      Sid: sid,
      Effect: "Allow",
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
      Resource: repositoryArns,
    },
    {
      Sid: "GetRegistryToken",
      Effect: "Allow",
      Action: "ecr:GetAuthorizationToken",
      Resource: "*",
    },
  ];
}

/**
 * Containers publish metrics in SageMaker's namespaces. PutMetricData has no resource to name,
 * so the namespace condition is what scopes it.
 */
export function sageMakerMetricsStatement(sid: string): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: "cloudwatch:PutMetricData",
    Resource: "*",
    Condition: { StringLike: { "cloudwatch:namespace": "/aws/sagemaker/*" } },
  };
}

/**
 * SageMaker attaches a job's encrypted volume through a KMS grant it creates with the job's role;
 * the condition keeps the role from granting the key to anything but AWS resources.
 */
export function jobVolumeKeyGrantStatement(kmsKeyArn: string): PolicyStatement {
  return {
    Sid: "GrantStackKeyToJobVolumes",
    Effect: "Allow",
    Action: "kms:CreateGrant",
    Resource: kmsKeyArn,
    Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
  };
}

/**
 * SageMaker Pipelines name the jobs they start `pipelines-<execution id>-<step>-<suffix>`, and the
 * jobs' log streams start with the job's name.
 */
export const PIPELINE_JOB_PREFIX = "pipelines-";

/** The log groups SageMaker's jobs write to: one per job type and account, created by the first job. */
export const JOB_LOG_GROUPS = {
  processing: "/aws/sagemaker/ProcessingJobs",
  training: "/aws/sagemaker/TrainingJobs",
} as const;

/**
 * A job role's logging: create the job type's log group if it is the account's first job, and write
 * the streams of the jobs whose names start with `streamPrefix` (every stream with "").
 */
export function jobLogStatements(logGroupArns: readonly string[], streamPrefix: string): PolicyStatement[] {
  const one = (values: readonly string[]) => (values.length === 1 ? values[0] : [...values]);
  return [
    {
      Sid: logGroupArns.length === 1 ? "CreateJobLogGroup" : "CreateJobLogGroups",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:DescribeLogStreams"],
      Resource: one(logGroupArns),
    },
    {
      Sid: "WriteJobLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: one(logGroupArns.map((group) => `${group}:log-stream:${streamPrefix}*`)),
    },
  ];
}
