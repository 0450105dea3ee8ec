import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccountContext } from "../shared/account";
import { combineFootprints, DeployFootprint, TYPES } from "../shared/footprint";
import { settingProblem } from "../shared/settings";
import { accessLogBucketPolicy } from "./accessLogBucketPolicy";
import { bucketBaseline, bucketBaselineFootprint, lifecycleRules } from "./bucketBaseline";
import { STORAGE_DEFAULTS, STORAGE_SETTINGS } from "./settings";

/**
 * The key prefix of every log object. With the partitioned key format, S3 writes each source
 * bucket's logs under `server-access/<account>/<region>/<source bucket>/<yyyy>/<mm>/<dd>/`.
 */
export const ACCESS_LOG_PREFIX = "server-access/";

/** Labels name the logging of each source bucket (`<name>-<label>`): lowercase letters, digits and hyphens. */
const LABEL = /^[a-z0-9](-?[a-z0-9])*$/;

export interface AccessLogBucketArgs {
  /** Where the stack deploys: S3 delivers logs for this account's buckets only. */
  readonly account: AccountContext;
  /**
   * The buckets whose S3 server access logs it receives, by a label that names each one's logging
   * resource (`<name>-<label>`), e.g. `{ "diagnosis-data": <bucket name> }`. They must be of the
   * same account and region.
   */
  readonly sources: Readonly<Record<string, pulumi.Input<string>>>;
  /** Days the logs are kept. @default 90 */
  readonly retentionDays?: number;
  /** Days a deleted log stays recoverable, at most `retentionDays`. @default 90 */
  readonly noncurrentVersionRetentionDays?: number;
  /** Refuse to delete the bucket, and keep its logs, when the stack is destroyed. @default true */
  readonly protect?: boolean;
  readonly tags: Readonly<Record<string, string>>;
}

type ResolvedArgs = Required<AccessLogBucketArgs>;

/** Applies every default in one place. Pure. */
export function withDefaults(args: AccessLogBucketArgs): ResolvedArgs {
  return {
    account: args.account,
    sources: args.sources,
    retentionDays: args.retentionDays ?? STORAGE_DEFAULTS.accessLogRetentionDays,
    noncurrentVersionRetentionDays:
      args.noncurrentVersionRetentionDays ?? STORAGE_DEFAULTS.noncurrentVersionRetentionDays,
    protect: args.protect ?? STORAGE_DEFAULTS.protectFromDeletion,
    tags: args.tags,
  };
}

/** Every problem with the arguments, so that nothing is created from a half-valid request. */
export function validateArgs(resolved: ResolvedArgs): string[] {
  const labels = Object.keys(resolved.sources);
  return [
    ...(labels.length === 0 ? ["sources must name at least one bucket: a log bucket nothing logs to"] : []),
    ...labels.flatMap((label) =>
      LABEL.test(label)
        ? []
        : [`sources label ${JSON.stringify(label)} must be lowercase letters, digits and single hyphens`],
    ),
    ...[
      settingProblem("retentionDays", STORAGE_SETTINGS.accessLogRetentionDays, resolved.retentionDays),
      settingProblem(
        "noncurrentVersionRetentionDays",
        STORAGE_SETTINGS.noncurrentVersionRetentionDays,
        resolved.noncurrentVersionRetentionDays,
      ),
    ].filter((problem): problem is string => problem !== undefined),
  ];
}

/** The log bucket and its settings, and the logging of each source bucket. */
export function accessLogBucketFootprint(): DeployFootprint {
  return combineFootprints(bucketBaselineFootprint(), { types: [TYPES.bucketLogging], passedRoles: [] });
}

/**
 * A bucket that receives the S3 server access logs of the stack's data and artifacts buckets, so
 * that every request to training data, models and captured traffic can be audited: who, when,
 * which object, from where, and the answer. It has the baseline of the platform's buckets
 * (versioning, ACLs disabled, public access blocked, TLS only) but S3-managed encryption (SSE-S3):
 * S3 does not deliver server access logs into a bucket whose default encryption is SSE-KMS
 * ("Default server-side encryption with AWS Key Management Service (AWS KMS) keys (SSE-KMS) is not
 * supported", https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html),
 * and the logs hold request metadata, not the objects. Only S3's log delivery for the source buckets
 * may write to it (`accessLogBucketPolicy`); the logs expire after `retentionDays`.
 */
export class AccessLogBucket extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;
  /** The resource types it creates and the roles it hands to services, for the deploy role. */
  public readonly footprint: DeployFootprint;

  constructor(name: string, args: AccessLogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    const config = withDefaults(args);
    const problems = validateArgs(config);
    // Before super(), so that a refused request registers nothing, not even the component.
    if (problems.length > 0) throw new Error(`AccessLogBucket ${name}: ${problems.join("; ")}.`);
    super("mlops:s3:AccessLogBucket", name, {}, opts);

    const { partition, accountId } = config.account;
    const sources = Object.entries(config.sources);
    const sourceArns = sources.map(
      ([, bucketName]) => pulumi.interpolate`arn:${partition}:s3:::${bucketName}`,
    );
    const { bucket, policy } = bucketBaseline(
      name,
      {
        tags: config.tags,
        protect: config.protect,
        // SSE-S3: the only default encryption S3 delivers server access logs into (see above).
        encryption: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        policy: (arn) =>
          pulumi.all([arn, accountId, ...sourceArns]).apply(([bucketArn, account, ...sourceBucketArns]) =>
            JSON.stringify(
              accessLogBucketPolicy(bucketArn, {
                accountId: account,
                sourceBucketArns,
                prefix: ACCESS_LOG_PREFIX,
              }),
            ),
          ),
        lifecycle: lifecycleRules(config.noncurrentVersionRetentionDays, {
          [ACCESS_LOG_PREFIX]: config.retentionDays,
        }),
      },
      this,
    );

    for (const [label, bucketName] of sources) {
      new aws.s3.BucketLogging(
        `${name}-${label}`,
        {
          bucket: bucketName,
          targetBucket: bucket.id,
          targetPrefix: ACCESS_LOG_PREFIX,
          // Each source bucket's logs in a folder of its own, by the day of the requests they record.
          targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
        },
        // S3 may write once the policy lets it.
        { parent: this, dependsOn: [policy] },
      );
    }

    this.footprint = accessLogBucketFootprint();
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}
