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
