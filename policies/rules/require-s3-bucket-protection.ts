import { stackRule } from "../lib/rule";
import { BUCKET_TYPES, bucketFindings, companionsOf } from "../lib/s3Protection";
import { ofTypes, stackItems } from "../lib/sagemakerValues";

/**
 * Requires every S3 bucket of the stack (Bucket, and BucketV2 where the provider still has it) to
 * have: a public access block with all four flags true; default encryption with KMS
 * (`aws:kms` or `aws:kms:dsse`); a bucket policy that denies every S3 action to everyone on
 * `Bool` `aws:SecureTransport` `false`; and versioning enabled. Each missing or weak protection is
 * reported against the bucket, with the fix.
 *
 * The protections are separate resources (BucketPublicAccessBlock,
 * BucketServerSideEncryptionConfiguration[V2], BucketPolicy, BucketVersioning[V2]) linked to the
 * bucket by their `bucket` property, the bucket's name. The bucket's own deprecated inline
 * settings (`versioning`, `serverSideEncryptionConfiguration[s]`, `policy`) count only for a
 * protection that has no separate resource.
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
    "Requires every S3 bucket to block public access, encrypt with KMS by default, deny requests without TLS, and keep object versions.",
  validateStack: (args, report) => {
    const items = stackItems(args.resources);
    for (const bucket of ofTypes(items, BUCKET_TYPES)) {
      for (const finding of bucketFindings(bucket, companionsOf(bucket, items)))
        report(finding, bucket.resource.urn);
    }
  },
});
