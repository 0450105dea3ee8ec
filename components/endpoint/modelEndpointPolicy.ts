import { ecrRepositoryArn } from "../shared/arn";
import { s3FolderArn } from "../shared/s3Uri";
import { imagePullStatements, sageMakerMetricsStatement } from "../shared/containers";
import { policyDocument, PolicyDocument, PolicyStatement } from "../shared/policyDocument";
import { NetworkScope, vpcStatements } from "../shared/vpc";
import { sourceKeysStatement } from "../shared/sourceKeys";

/** What the role of an endpoint's models may touch: their images, their artifacts, the capture prefix. */
export interface ModelRoleScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** The endpoint the models serve: logs and captured data are per endpoint. */
  readonly endpointName: string;
  readonly kmsKeyArn: string;
  /** Container images of the served model packages (ECR image URIs). */
  readonly images: readonly string[];
  /** `model.tar.gz` URIs of the served model packages; the role reads their folders only. */
  readonly modelDataUrls: readonly string[];
  /** Where data capture writes (`s3://bucket/prefix`); no write access when capture is off. */
  readonly captureUri?: string;
  /** The alarms the endpoint's blue/green deployments roll back on. */
  readonly rollbackAlarmNames: readonly string[];
  /**
   * Accounts that built served versions, other than this one: their stack keys encrypt the
   * artifacts, which the role may decrypt through S3 only. @default none
   */
  readonly sourceAccountIds?: readonly string[];
  readonly network?: NetworkScope;
}

/** Endpoints log to `/aws/sagemaker/Endpoints/<endpoint name>`, one stream per variant and instance. */
const ENDPOINT_LOG_GROUP = "/aws/sagemaker/Endpoints";

/**
 * Permissions of the role that SageMaker hosting assumes for an endpoint's models. It reads only
 * the served versions' artifact folders, writes captured requests only under the endpoint's own
 * capture prefix, and logs only to the endpoint's log group. `Resource: "*"` appears only for the
 * ECR token and metrics (limited by namespace), which AWS cannot scope.
 */
export function modelExecutionPolicy(scope: ModelRoleScope): PolicyDocument {
  const { partition, region, accountId, endpointName } = scope;
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
  const unique = (values: readonly string[]) => [...new Set(values)].sort();
  const logGroup = arn("logs", `log-group:${ENDPOINT_LOG_GROUP}/${endpointName}`);

  const statements: PolicyStatement[] = [
    {
      Sid: "ReadModelArtifacts",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: unique(scope.modelDataUrls.map((url) => s3FolderArn(partition, url))),
    },
  ];
  if (scope.captureUri !== undefined) {
    const capture = scope.captureUri.replace(/\/+$/, "");
    statements.push({
      Sid: "WriteCapturedData",
      Effect: "Allow",
      Action: "s3:PutObject",
      // SageMaker writes <destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/...jsonl.
      Resource: s3FolderArn(partition, `${capture}/${endpointName}/`),
    });
  }
  statements.push(
    {
      Sid: "UseStackKey",
      Effect: "Allow",
      // Decrypt reads artifacts; GenerateDataKey encrypts captured data (SSE-KMS).
      Action: scope.captureUri !== undefined ? ["kms:Decrypt", "kms:GenerateDataKey"] : "kms:Decrypt",
      Resource: scope.kmsKeyArn,
    },
    ...imagePullStatements(
      "PullModelImages",
      unique(scope.images.map((image) => ecrRepositoryArn(partition, image))),
    ),
    {
      Sid: "CreateEndpointLogGroup",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:DescribeLogStreams"],
      Resource: logGroup,
    },
    {
      Sid: "WriteEndpointLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${logGroup}:log-stream:*`,
    },
    sageMakerMetricsStatement("PublishEndpointMetrics"),
    {
      // "Ensure that your IAM execution role has permission to perform the cloudwatch:DescribeAlarms
      // action on the auto-rollback alarms you specify" (SageMaker developer guide, Auto-Rollback
      // Configuration and Monitoring: docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html).
      // The execution role is the models' role; the caller of UpdateEndpoint needs nothing more.
      Sid: "WatchRollbackAlarms",
      Effect: "Allow",
      Action: "cloudwatch:DescribeAlarms",
      Resource: unique(scope.rollbackAlarmNames).map((alarm) => arn("cloudwatch", `alarm:${alarm}`)),
    },
  );
  const sourceKeys = sourceKeysStatement("DecryptSourceArtifacts", {
    partition,
    region,
    accountIds: scope.sourceAccountIds ?? [],
  });
  if (sourceKeys) statements.push(sourceKeys);
  if (scope.network) statements.push(...vpcStatements("Endpoint", scope.network, arn));
  return policyDocument(...statements);
}
