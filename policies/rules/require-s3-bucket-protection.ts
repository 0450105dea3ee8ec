import { stackRule } from "../lib/rule";
import { isAccessLogTarget } from "../lib/s3AccessLogging";
import { BUCKET_TYPES, bucketFindings, BucketRole, companionsOf } from "../lib/s3Protection";
import { ofTypes, stackItems } from "../lib/sagemakerValues";

/**
 * Requires every S3 bucket of the stack (Bucket, and BucketV2 where the provider still has it) to
 * have: a public access block with all four flags true; ACLs disabled (ownership controls with
 * `rule.objectOwnership` `BucketOwnerEnforced`, so that the bucket policy and IAM alone grant
 * access); default encryption with KMS (`aws:kms` or `aws:kms:dsse`); a bucket policy that denies
 * every S3 action to everyone on `Bool` `aws:SecureTransport` `false`; versioning enabled; and a
 * lifecycle configuration with at least one enabled rule (without one, S3 keeps every noncurrent
 * version that versioning creates forever). Each missing or weak protection is reported against
 * the bucket, with the fix.
 *
 * Security Hub control ids: S3.5 (TLS), S3.8 (public access block), S3.12 (ACLs not used to grant
 * access; checked by s3-bucket-acl-prohibited), S3.13 (lifecycle configuration; checked by
 * s3-lifecycle-policy-check, which fails a bucket without an active rule), S3.14 (versioning),
 * S3.17 (KMS at rest), https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html.
 *
 * A bucket that S3 delivers server access logs into (the `targetBucket` of a BucketLogging[V2] of
 * the stack, or of a bucket's inline logging) may use SSE-S3 (`AES256`) instead: S3 supports only
 * SSE-S3 as the default encryption of a log target bucket
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
 * No other bucket may. During preview, an unknown `targetBucket` is linked by the logging
 * resource's dependencies (through `targetBucket` when the engine gives property dependencies;
 * otherwise either bucket it depends on may be the target, and SSE-S3 is accepted on both until
 * the names are known). A log target bucket needs ACLs disabled too: S3's log delivery is then
 * granted by the bucket policy (to `logging.s3.amazonaws.com`), not by the log-delivery group's
 * ACL (same page).
 *
 * The protections are separate resources (BucketPublicAccessBlock, BucketOwnershipControls,
 * BucketServerSideEncryptionConfiguration[V2], BucketPolicy, BucketVersioning[V2],
 * BucketLifecycleConfiguration[V2]) linked to the bucket by their `bucket` property, the bucket's
 * name. The bucket's own deprecated inline settings (`versioning`,
 * `serverSideEncryptionConfiguration[s]`, `policy`, `lifecycleRules`) count only for a protection
 * that has no separate resource; ownership controls have no inline form.
 *
 * During preview: an auto-named bucket's name is unknown, and so is the `bucket` of its
 * companions; they are then linked by dependency (the companion's dependencies through `bucket`
 * when the engine gives them, otherwise all its dependencies). A value that is unknown (a flag, an
 * algorithm, a status, or a policy built from the bucket's ARN) is assumed to comply and is not
 * reported; the rule never reads through unknown values, so it never gives the engine's advisory.
 * Stack rules run again at the end of `pulumi up` on the final state, with every value known (a
 * mandatory violation then fails the update after its changes: run `pulumi preview` first).
 */
export const requireS3BucketProtection = stackRule({
  name: "require-s3-bucket-protection",
  description:
    "Requires every S3 bucket to block public access, disable ACLs, encrypt with KMS by default (server access log buckets: SSE-S3), deny requests without TLS, keep object versions, and have an enabled lifecycle rule.",
  severity: "high",
  controls: ["S3.5", "S3.8", "S3.12", "S3.13", "S3.14", "S3.17"],
  validateStack: (args, report) => {
    const items = stackItems(args.resources);
    for (const bucket of ofTypes(items, BUCKET_TYPES)) {
      const role: BucketRole = { accessLogTarget: isAccessLogTarget(bucket, items) };
      for (const finding of bucketFindings(bucket, companionsOf(bucket, items), role))
        report(finding, bucket.resource.urn);
    }
  },
});
