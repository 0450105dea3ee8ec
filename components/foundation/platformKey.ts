import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccountContext } from "../shared/account";
import { DeployFootprint, TYPES } from "../shared/footprint";
import { platformKeyPolicy } from "./platformKeyPolicy";
import { ENCRYPTION_SETTINGS, KEY_DEFAULTS, STORAGE_DEFAULTS } from "./settings";
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
}

/** A key and its alias. */
export function platformKeyFootprint(): DeployFootprint {
  return { types: [TYPES.kmsKey, TYPES.kmsAlias], passedRoles: [] };
}

/**
 * The stack's customer managed KMS key, with yearly rotation and an alias named after the
 * component. Buckets, job volumes and job outputs of every model are encrypted with it.
 */
export class PlatformKey extends pulumi.ComponentResource {
  public readonly keyArn: pulumi.Output<string>;
  public readonly aliasName: pulumi.Output<string>;
  /** The resource types it creates and the roles it hands to services, for the deploy role. */
  public readonly footprint: DeployFootprint;

  constructor(name: string, args: PlatformKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    const deletionWindowDays = args.deletionWindowDays ?? KEY_DEFAULTS.keyDeletionWindowDays;
    const problem = settingProblem(
      "deletionWindowDays",
      ENCRYPTION_SETTINGS.keyDeletionWindowDays,
      deletionWindowDays,
    );
    // Before super(), so that a refused request registers nothing, not even the component.
    if (problem) throw new Error(`PlatformKey ${name}: ${problem}.`);
    super("mlops:kms:PlatformKey", name, {}, opts);
    const { partition, accountId } = args.account;

    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `Encrypts the data, artifacts and jobs of ${name}`,
        enableKeyRotation: true,
        deletionWindowInDays: deletionWindowDays,
        policy: pulumi
          .all([partition, accountId])
          .apply(([p, accountId]) => JSON.stringify(platformKeyPolicy({ partition: p, accountId }))),
        tags: args.tags,
      },
      { parent: this, protect: args.protect ?? STORAGE_DEFAULTS.protectFromDeletion },
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
