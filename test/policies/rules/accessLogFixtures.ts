import assert from "node:assert/strict";
import { StackResourceInput, UNKNOWN } from "../../helpers/policyArgs";
import { edited, find } from "../../helpers/programStacks";

export const BUCKET = "aws:s3/bucket:Bucket";
export const ENCRYPTION =
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
export const BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging";

/**
 * Prod keeps the S3 server access logs of its data bucket (`storage.accessLogs`, on in prod) in a
 * log bucket of its own, with SSE-S3 default encryption, the only one S3 log delivery supports.
 */
export const PROD_DATA = "mlops-prod-diagnosis-data";
export const PROD_LOGS = "mlops-prod-access-logs";
export const PROD_LOGGING = `${PROD_LOGS}-diagnosis-data`;

/** Asserts that prod's resources deliver the data bucket's access logs into the log bucket, with SSE-S3. */
export function assertProdAccessLogs(prod: readonly StackResourceInput[]): void {
  const logging = find(prod, BUCKET_LOGGING, PROD_LOGGING).props;
  assert.equal(logging.bucket, find(prod, BUCKET, PROD_DATA).props.bucket);
  assert.equal(logging.targetBucket, find(prod, BUCKET, PROD_LOGS).props.bucket);
  assert.deepEqual(find(prod, ENCRYPTION, `${PROD_LOGS}-encryption`).props.rules, [
    { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
  ]);
}

/** A change for `edited`: the bucket's default encryption becomes SSE-S3. */
export const sseS3 = (name: string) => (resources: StackResourceInput[]) => {
  find(resources, ENCRYPTION, `${name}-encryption`).props.rules = [
    { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
  ];
};

/**
 * The resources as a first preview shows them: the auto-named buckets' names, and every `bucket`
 * and `targetBucket` that names them, unknown.
 */
export function previewed(resources: readonly StackResourceInput[]): StackResourceInput[] {
  return edited(resources, (copied) => {
    for (const resource of copied) {
      const props = resource.props as Record<string, unknown>;
      if (resource.type === BUCKET) Object.assign(props, { bucket: UNKNOWN.string, arn: UNKNOWN.string });
      else if ("bucket" in props) props.bucket = UNKNOWN.string;
      if ("targetBucket" in props) props.targetBucket = UNKNOWN.string;
    }
  });
}
