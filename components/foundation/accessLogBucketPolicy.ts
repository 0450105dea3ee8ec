import { policyDocument, PolicyDocument, sourceCondition } from "../shared/policyDocument";
import { tlsOnlyBucketPolicy } from "./secureBucketPolicy";

/** The service principal S3 delivers server access logs as. */
export const S3_LOG_DELIVERY_SERVICE = "logging.s3.amazonaws.com";

/** Whose server access logs a log bucket receives, and where in it. */
export interface AccessLogDelivery {
  /** The account of the source buckets, which is the log bucket's own. */
  readonly accountId: string;
  /** ARNs of the buckets whose server access logs are delivered into the log bucket. */
  readonly sourceBucketArns: readonly string[];
  /** The key prefix every log object is written under (the source buckets' target prefix), e.g. `server-access/`. */
  readonly prefix: string;
}

/**
 * Policy of a bucket that receives S3 server access logs: the TLS-only denial, and S3's log
 * delivery writing (`s3:PutObject`) under the log prefix, for the source buckets of this account
 * only: AWS's documented grant, with `aws:SourceArn` naming the source buckets and
 * `aws:SourceAccount` their account, so that no other bucket, of this or another account, can have
 * its logs written here ("Enabling Amazon S3 server access logging", permissions for log delivery,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html). The
 * bucket's ACLs are disabled (BucketOwnerEnforced), so this policy, not the log delivery group's
 * ACL grant, lets S3 write.
 */
export function accessLogBucketPolicy(bucketArn: string, delivery: AccessLogDelivery): PolicyDocument {
  return policyDocument(...tlsOnlyBucketPolicy(bucketArn).Statement, {
    Sid: "S3ServerAccessLogDelivery",
    Effect: "Allow",
    Principal: { Service: S3_LOG_DELIVERY_SERVICE },
    Action: "s3:PutObject",
    Resource: `${bucketArn}/${delivery.prefix}*`,
    Condition: sourceCondition({ accountId: delivery.accountId, sourceArn: delivery.sourceBucketArns }),
  });
}
