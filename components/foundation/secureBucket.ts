import * as pulumi from "@pulumi/pulumi";
import { bucketBaseline, bucketBaselineFootprint, lifecycleRules } from "./bucketBaseline";
import { BucketReaders, secureBucketPolicy } from "./secureBucketPolicy";
import { accountListProblems, STORAGE_DEFAULTS } from "./settings";
import type { DeployFootprint } from "../shared/footprint";

export interface SecureBucketArgs {
  /** KMS key for default encryption (SSE-KMS with S3 Bucket Keys). */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Tags for the bucket. */
  readonly tags: Readonly<Record<string, string>>;
  /** Days a non-current (overwritten or deleted) object version is kept. @default 90 */
  readonly noncurrentVersionRetentionDays?: number;
  /**
   * Objects under these prefixes expire after the given days, e.g. `{ "checkpoints/": 14 }`; their
   * non-current versions are deleted after as many days at most (`lifecycleRules`). @default {}
   */
  readonly expireByPrefix?: Readonly<Record<string, number>>;
  /** Refuse to delete the bucket, and keep its objects, when the stack is destroyed. @default true */
  readonly protect?: boolean;
  /**
   * Other accounts that may read (`s3:GetObject`, over TLS) the objects whose keys match the
   * patterns; their principals also need the key's permission to decrypt. @default nobody
   */
  readonly readers?: BucketReaders;
}

type ResolvedArgs = Required<Omit<SecureBucketArgs, "readers">> & Pick<SecureBucketArgs, "readers">;

/** Applies every default in one place. Pure. */
export function withDefaults(args: SecureBucketArgs): ResolvedArgs {
  return {
    kmsKeyArn: args.kmsKeyArn,
    tags: args.tags,
    noncurrentVersionRetentionDays:
      args.noncurrentVersionRetentionDays ?? STORAGE_DEFAULTS.noncurrentVersionRetentionDays,
    expireByPrefix: args.expireByPrefix ?? {},
    protect: args.protect ?? STORAGE_DEFAULTS.protectFromDeletion,
    readers: args.readers,
  };
}

/** Every problem with the arguments, so that nothing is created from a half-valid request. */
export function validateArgs(resolved: ResolvedArgs): string[] {
  const { noncurrentVersionRetentionDays: noncurrentDays, readers } = resolved;
  const keyPatterns = readers?.keyPatterns ?? [];
  return [
    ...(Number.isInteger(noncurrentDays) && noncurrentDays >= 1
      ? []
      : [`noncurrentVersionRetentionDays ${noncurrentDays} must be a whole number of at least 1`]),
    ...Object.entries(resolved.expireByPrefix)
      .filter(([prefix, days]) => prefix === "" || !Number.isInteger(days) || days < 1)
      .map(
        ([prefix, days]) => `expireByPrefix["${prefix}"] ${days} needs a non-empty prefix and at least 1 day`,
      ),
    ...accountListProblems("readers.accounts", readers?.accounts ?? []),
    ...((readers?.accounts.length ?? 0) > 0 && keyPatterns.length === 0
      ? ["readers.keyPatterns must list at least one key pattern: readers may read only what is named"]
      : []),
    ...keyPatterns.flatMap((pattern, index) =>
      pattern === "" || pattern.startsWith("/")
        ? [
            `readers.keyPatterns[${index}] ${JSON.stringify(pattern)} must be an object key pattern, not empty and without a leading "/"`,
          ]
        : [],
    ),
  ];
}

/** A bucket and its settings, one resource of each. */
export function secureBucketFootprint(): DeployFootprint {
  return bucketBaselineFootprint();
}

/**
 * An S3 bucket with the data baseline every bucket of the platform needs: versioning, SSE-KMS,
 * ACLs disabled, all four public-access-block flags, a TLS-only policy and lifecycle rules. Other
 * accounts may read the objects `readers` names, and nothing else.
 */
export class SecureBucket extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;
  /** The resource types it creates and the roles it hands to services, for the deploy role. */
  public readonly footprint: DeployFootprint;

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    const config = withDefaults(args);
    const problems = validateArgs(config);
    // Before super(), so that a refused request registers nothing, not even the component.
    if (problems.length > 0) throw new Error(`SecureBucket ${name}: ${problems.join("; ")}.`);
    super("mlops:s3:SecureBucket", name, {}, opts);

    const { bucket } = bucketBaseline(
      name,
      {
        tags: config.tags,
        protect: config.protect,
        encryption: {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: config.kmsKeyArn },
          bucketKeyEnabled: true,
        },
        policy: (arn) =>
          arn.apply((bucketArn) => JSON.stringify(secureBucketPolicy(bucketArn, config.readers))),
        lifecycle: lifecycleRules(config.noncurrentVersionRetentionDays, config.expireByPrefix),
      },
      this,
    );

    this.footprint = secureBucketFootprint();
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}
