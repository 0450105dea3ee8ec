import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccountContext } from "../shared/account";
import { DeployFootprint, TYPES } from "../shared/footprint";
import { platformKeyPolicy } from "./platformKeyPolicy";
import { accountListProblems, ENCRYPTION_SETTINGS, KEY_DEFAULTS, STORAGE_DEFAULTS } from "./settings";
import { settingProblem } from "../shared/settings";

export interface PlatformKeyArgs {
  /** Where the stack deploys, looked up once per stack (`lookupAccountContext`). */
  readonly account: AccountContext;
  /** Tags for the key. */
  readonly tags: Readonly<Record<string, string>>;
  /** Days a deleted key can still be recovered (7-30). @default 30 */
  readonly deletionWindowDays?: number;
  /** Refuse to delete the key with the stack. @default true */
  readonly protect?: boolean;
  /**
   * Accounts that read objects of the stack's shared buckets (the serving stacks of the models this
   * stack builds): they may decrypt with the key, only through S3 and only objects of the buckets
   * `sharedBucketPattern` names. @default [] (nobody)
   */
  readonly consumerAccounts?: readonly string[];
  /**
   * Names of the buckets consumer accounts read, IAM wildcards allowed: for the models' artifacts
   * buckets, `artifactsBucketPattern(namePrefix)` of components/pipeline. A pattern, because the key
   * policy is written before the buckets it encrypts exist. @default none: required with consumerAccounts
   */
  readonly sharedBucketPattern?: string;
  /**
   * Names of the stack's log groups, IAM wildcards allowed (`/aws/lambda/<namePrefix>-*`): CloudWatch
   * Logs may use the key to encrypt them, and no other log group. @default none
   */
  readonly logGroupPattern?: string;
}

/**
 * Characters of S3 bucket names and IAM's wildcards, starting with a name character: a pattern that
 * starts with a wildcard would match the buckets of every stack the key encrypts.
 */
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.*?-]{0,254}$/;

/** Log group names (CloudWatch Logs' characters) with IAM's wildcards, not starting with a wildcard. */
const LOG_GROUP_PATTERN = /^[A-Za-z0-9_\-/.#][A-Za-z0-9_\-/.#*?]{0,511}$/;

type ResolvedArgs = Required<Omit<PlatformKeyArgs, "sharedBucketPattern" | "logGroupPattern">> &
  Pick<PlatformKeyArgs, "sharedBucketPattern" | "logGroupPattern">;

/** Applies every default in one place. Pure. */
export function withDefaults(args: PlatformKeyArgs): ResolvedArgs {
  return {
    account: args.account,
    tags: args.tags,
    deletionWindowDays: args.deletionWindowDays ?? KEY_DEFAULTS.keyDeletionWindowDays,
    protect: args.protect ?? STORAGE_DEFAULTS.protectFromDeletion,
    consumerAccounts: args.consumerAccounts ?? [],
    sharedBucketPattern: args.sharedBucketPattern,
    logGroupPattern: args.logGroupPattern,
  };
}

/** Every problem with the arguments, so that nothing is created from a half-valid request. */
export function validateArgs(resolved: ResolvedArgs): string[] {
  const { consumerAccounts, sharedBucketPattern: pattern } = resolved;
  const problems = [
    settingProblem(
      "deletionWindowDays",
      ENCRYPTION_SETTINGS.keyDeletionWindowDays,
      resolved.deletionWindowDays,
    ),
    ...accountListProblems("consumerAccounts", consumerAccounts),
  ];
  if (consumerAccounts.length > 0 && pattern === undefined) {
    problems.push("sharedBucketPattern is required with consumerAccounts: it names the buckets they read");
  }
  if (resolved.logGroupPattern !== undefined && !LOG_GROUP_PATTERN.test(resolved.logGroupPattern)) {
    problems.push(
      `logGroupPattern ${JSON.stringify(resolved.logGroupPattern)} must be a log group name pattern starting with "/" or a name character (letters, digits, _ - / . # and the wildcards "*" and "?")`,
    );
  }
  if (pattern !== undefined && !BUCKET_PATTERN.test(pattern)) {
    problems.push(
      `sharedBucketPattern ${JSON.stringify(pattern)} must be a bucket name pattern: lowercase letters, digits, ".", "-" and the wildcards "*" and "?", starting with a letter or digit`,
    );
  }
  return problems.filter((problem): problem is string => problem !== undefined);
}

/** A key and its alias. */
export function platformKeyFootprint(): DeployFootprint {
  return { types: [TYPES.kmsKey, TYPES.kmsAlias], passedRoles: [] };
}

/**
 * The stack's customer managed KMS key, with yearly rotation and an alias named after the
 * component. Buckets, job volumes and job outputs of every model are encrypted with it; consumer
 * accounts, if any, may decrypt what they read from the shared buckets, through S3 only.
 */
export class PlatformKey extends pulumi.ComponentResource {
  public readonly keyArn: pulumi.Output<string>;
  public readonly aliasName: pulumi.Output<string>;
  /** The resource types it creates and the roles it hands to services, for the deploy role. */
  public readonly footprint: DeployFootprint;

  constructor(name: string, args: PlatformKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    const config = withDefaults(args);
    const problems = validateArgs(config);
    // Before super(), so that a refused request registers nothing, not even the component.
    if (problems.length > 0) throw new Error(`PlatformKey ${name}: ${problems.join("; ")}.`);
    super("mlops:kms:PlatformKey", name, {}, opts);
    const { partition, region, accountId } = config.account;
    const { consumerAccounts, sharedBucketPattern } = config;

    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `Encrypts the data, artifacts and jobs of ${name}`,
        enableKeyRotation: true,
        deletionWindowInDays: config.deletionWindowDays,
        policy: pulumi.all([partition, region, accountId]).apply(([p, r, account]) =>
          JSON.stringify(
            platformKeyPolicy({
              partition: p,
              region: r,
              accountId: account,
              consumers:
                consumerAccounts.length > 0 && sharedBucketPattern !== undefined
                  ? { accounts: consumerAccounts, bucketPattern: sharedBucketPattern }
                  : undefined,
              logGroupPattern: config.logGroupPattern,
            }),
          ),
        ),
        tags: config.tags,
      },
      { parent: this, protect: config.protect },
    );
    const alias = new aws.kms.Alias(
      `${name}-alias`,
      { name: `alias/${name}`, targetKeyId: key.keyId },
      { parent: this },
    );

    this.footprint = platformKeyFootprint();
    this.keyArn = key.arn;
    this.aliasName = alias.name;
    this.registerOutputs({ keyArn: this.keyArn, aliasName: this.aliasName });
  }
}
