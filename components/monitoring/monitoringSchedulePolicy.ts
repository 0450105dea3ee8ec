import { splitS3Uri } from "../shared/s3Uri";
import {
  imagePullStatements,
  JOB_LOG_GROUPS,
  jobLogStatements,
  jobVolumeKeyGrantStatement,
} from "../shared/containers";
import { policyDocument, PolicyDocument, PolicyStatement } from "../shared/policyDocument";
import { NetworkScope, vpcStatements } from "../shared/vpc";
import { sourceKeysStatement } from "../shared/sourceKeys";

/** Model Monitor publishes an endpoint's data-quality metrics in this namespace. */
export const DATA_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics";

/** What a data-quality monitoring job of one endpoint may touch. */
export interface MonitoringRoleScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** The monitored endpoint: its captured data sits under `<capture prefix>/<endpoint>/`. */
  readonly endpointName: string;
  /** Where the endpoint captures (`s3://bucket/prefix`); SageMaker adds `<endpoint>/<variant>/...`. */
  readonly captureUri: string;
  /** The baseline files the job compares with (statistics.json and constraints.json). */
  readonly baselineUris: readonly string[];
  /** Where reports are written (`s3://bucket/prefix`); nothing outside it. */
  readonly outputUri: string;
  readonly kmsKeyArn: string;
  /** ECR repository of the Model Monitor analyzer image. */
  readonly analyzerRepositoryArn: string;
  /** The account that built the served version, when another: its key encrypts the baseline. @default this one */
  readonly baselineAccountId?: string;
  readonly network?: NetworkScope;
}

/** Bucket and key of an S3 URI, without trailing slashes on the key. */
function s3Location(uri: string): { bucket: string; key: string } {
  const { bucket, key } = splitS3Uri(uri);
  return { bucket, key: key.replace(/\/+$/, "") };
}

/**
 * What a file's folder may be listed as: the folder itself and anything under it; for a file at
 * the bucket's root, whose folder is the whole bucket, only the file's own key.
 */
function folderPrefixes(key: string): string[] {
  const slash = key.lastIndexOf("/");
  return slash < 0 ? [key] : [key.slice(0, slash), `${key.slice(0, slash)}/*`];
}

/**
 * Lists of the baseline folders, one statement per bucket: SageMaker copies the baseline files into
 * the job as processing inputs, listing the bucket under each file's key first, so reading a file
 * takes `s3:ListBucket` with that key as `s3:prefix` too. Scoped to the folders the files are in,
 * not the rest of the bucket (a pipeline's artifacts bucket holds its training data splits).
 */
function listBaselineStatements(
  bucketArn: (bucket: string) => string,
  baselines: readonly { bucket: string; key: string }[],
): PolicyStatement[] {
  const prefixesByBucket = new Map<string, Set<string>>();
  for (const { bucket, key } of baselines) {
    const prefixes = prefixesByBucket.get(bucket) ?? new Set<string>();
    for (const prefix of folderPrefixes(key)) prefixes.add(prefix);
    prefixesByBucket.set(bucket, prefixes);
  }
  const buckets = [...prefixesByBucket.keys()].sort();
  return buckets.map((bucket, index) => ({
    // Sids are unique within a document; the baseline is nearly always in one bucket.
    Sid: buckets.length === 1 ? "ListBaseline" : `ListBaseline${index + 1}`,
    Effect: "Allow",
    Action: "s3:ListBucket",
    Resource: bucketArn(bucket),
    Condition: { StringLike: { "s3:prefix": [...(prefixesByBucket.get(bucket) ?? [])].sort() } },
  }));
}

/**
 * Permissions of the role a data-quality monitoring job runs as. It reads only the monitored
 * endpoint's captured data and the two baseline files (and lists their folder), writes only under
 * its own report prefix, and publishes metrics only in Model Monitor's namespace. `Resource: "*"`
 * appears only for what AWS cannot scope (the ECR token, PutMetricData narrowed by namespace, EC2
 * Describe calls).
 */
export function monitoringJobPolicy(scope: MonitoringRoleScope): PolicyDocument {
  const { partition, region, accountId, endpointName } = scope;
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
  const bucketArn = (bucket: string) => `arn:${partition}:s3:::${bucket}`;
  const capture = s3Location(scope.captureUri);
  const capturePrefix = [capture.key, endpointName].filter((part) => part !== "").join("/");
  const output = s3Location(scope.outputUri);
  const baselines = scope.baselineUris.map(s3Location);
  const buckets = [...new Set([capture.bucket, output.bucket, ...baselines.map((b) => b.bucket)])].sort();
  const logGroup = arn("logs", `log-group:${JOB_LOG_GROUPS.processing}`);

  const statements: PolicyStatement[] = [
    {
      Sid: "ReadCapturedData",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: `${bucketArn(capture.bucket)}/${capturePrefix}/*`,
    },
    {
      Sid: "ListCapturedData",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn(capture.bucket),
      Condition: { StringLike: { "s3:prefix": [capturePrefix, `${capturePrefix}/*`] } },
    },
    {
      Sid: "ReadBaseline",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: [...new Set(baselines.map((b) => `${bucketArn(b.bucket)}/${b.key}`))].sort(),
    },
    ...listBaselineStatements(bucketArn, baselines),
    {
      Sid: "WriteReports",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: `${bucketArn(output.bucket)}/${output.key === "" ? "" : `${output.key}/`}*`,
    },
    {
      Sid: "LocateBuckets",
      Effect: "Allow",
      Action: "s3:GetBucketLocation",
      Resource: buckets.map(bucketArn),
    },
    {
      Sid: "UseStackKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
      Resource: scope.kmsKeyArn,
    },
    jobVolumeKeyGrantStatement(scope.kmsKeyArn),
    ...imagePullStatements("PullAnalyzerImage", [scope.analyzerRepositoryArn]),
    // Monitoring executions name their processing jobs (and so their log streams) themselves.
    ...jobLogStatements([logGroup], ""),
    {
      Sid: "PublishDriftMetrics",
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": DATA_METRICS_NAMESPACE } },
    },
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
