import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DeployFootprint, TYPES } from "../shared/footprint";

/** Incomplete multipart uploads are aborted after this many days: they are billed and never read. */
const ABORT_UPLOADS_AFTER_DAYS = 7;

/** One rule of a bucket's lifecycle configuration, as the provider takes it. */
export type LifecycleRule = aws.types.input.s3.BucketLifecycleConfigurationRule;

/**
 * A bucket's lifecycle: non-current versions expire after `noncurrentDays`, incomplete uploads are
 * aborted, delete markers left alone are removed, and objects under each prefix of `expireByPrefix`
 * expire after its days. An expired object becomes a non-current version (the buckets are
 * versioned), which its prefix's rule deletes after at most as many days again: data kept N days
 * is not kept, as a version nobody reads, for the bucket's much longer non-current period. S3
 * honours the shorter of two overlapping expirations ("How Amazon S3 handles conflicts in
 * lifecycle configurations",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-conflicts.html). Pure.
 */
export function lifecycleRules(
  noncurrentDays: number,
  expireByPrefix: Readonly<Record<string, number>>,
): LifecycleRule[] {
  return [
    {
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter: { prefix: "" },
      noncurrentVersionExpiration: { noncurrentDays },
      abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_UPLOADS_AFTER_DAYS },
    },
    {
      id: "remove-expired-delete-markers",
      status: "Enabled",
      filter: { prefix: "" },
      expiration: { expiredObjectDeleteMarker: true },
    },
    ...Object.entries(expireByPrefix).map(([prefix, days]) => ({
      id: `expire-${prefix.replace(/[^A-Za-z0-9-]+/g, "-").replace(/-+$/, "")}`,
      status: "Enabled",
      filter: { prefix },
      expiration: { days },
      noncurrentVersionExpiration: { noncurrentDays: Math.min(days, noncurrentDays) },
    })),
  ];
}

export interface BucketBaselineArgs {
  readonly tags: Readonly<Record<string, string>>;
  /** Refuse to delete the bucket, and keep its objects, when the stack is destroyed. */
  readonly protect: boolean;
  /** The bucket's default encryption rule. */
  readonly encryption: aws.types.input.s3.BucketServerSideEncryptionConfigurationRule;
  /** The bucket's policy, from its ARN. */
  readonly policy: (bucketArn: pulumi.Output<string>) => pulumi.Input<string>;
  readonly lifecycle: readonly LifecycleRule[];
}

/** The types of {@link bucketBaseline}'s resources: the bucket and its six settings. */
export function bucketBaselineFootprint(): DeployFootprint {
  return {
    types: [
      TYPES.bucket,
      TYPES.bucketOwnershipControls,
      TYPES.bucketPublicAccessBlock,
      TYPES.bucketVersioning,
      TYPES.bucketEncryption,
      TYPES.bucketPolicy,
      TYPES.bucketLifecycle,
    ],
    passedRoles: [],
  };
}

/**
 * The baseline every bucket of the platform has, as children of `parent` named after `name`:
 * versioning, ACLs disabled, all four public-access-block flags, default encryption, a policy and
 * lifecycle rules. The callers (SecureBucket, AccessLogBucket) choose the encryption, the policy
 * and the rules.
 */
export function bucketBaseline(
  name: string,
  args: BucketBaselineArgs,
  parent: pulumi.Resource,
): { readonly bucket: aws.s3.Bucket; readonly policy: aws.s3.BucketPolicy } {
  const { protect } = args;
  const bucket = new aws.s3.Bucket(
    name,
    // Unprotected buckets (e.g. staging) are emptied on destroy so the stack can be torn down.
    { forceDestroy: !protect, tags: args.tags },
    { parent, protect },
  );
  const child = { parent };

  new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    child,
  );
  const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access-block`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    child,
  );
  const versioning = new aws.s3.BucketVersioning(
    `${name}-versioning`,
    { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
    child,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    { bucket: bucket.id, rules: [args.encryption] },
    child,
  );
  const policy = new aws.s3.BucketPolicy(
    `${name}-policy`,
    { bucket: bucket.id, policy: args.policy(bucket.arn) },
    // S3 refuses policies while the public-access block is being changed.
    { ...child, dependsOn: [publicAccessBlock] },
  );
  new aws.s3.BucketLifecycleConfiguration(
    `${name}-lifecycle`,
    { bucket: bucket.id, rules: [...args.lifecycle] },
    // Non-current-version rules need versioning in place first.
    { ...child, dependsOn: [versioning] },
  );
  return { bucket, policy };
}
