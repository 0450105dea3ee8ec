import type { PolicyStatement } from "./document";

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
