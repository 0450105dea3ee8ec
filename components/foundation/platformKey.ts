import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { platformKeyPolicy } from "./platformKeyPolicy";

export interface PlatformKeyArgs {
  /** Tags for the key. */
  readonly tags: Readonly<Record<string, string>>;
  /** Days a deleted key can still be recovered (7-30). @default 30 */
  readonly deletionWindowDays?: number;
  /** Refuse to delete the key with the stack. @default true */
  readonly protect?: boolean;
}

/**
 * The stack's customer managed KMS key, with yearly rotation and an alias named after the
 * component. Buckets, job volumes and job outputs of every model are encrypted with it.
 */
export class PlatformKey extends pulumi.ComponentResource {
  public readonly keyArn: pulumi.Output<string>;
  public readonly aliasName: pulumi.Output<string>;

  constructor(name: string, args: PlatformKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops:kms:PlatformKey", name, {}, opts);
    const deletionWindowDays = args.deletionWindowDays ?? 30;
    if (!Number.isInteger(deletionWindowDays) || deletionWindowDays < 7 || deletionWindowDays > 30) {
      throw new Error(
        `PlatformKey ${name}: deletionWindowDays ${deletionWindowDays} must be a whole number from 7 to 30.`,
      );
    }
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });

    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `Encrypts the data, artifacts and jobs of ${name}`,
        enableKeyRotation: true,
        deletionWindowInDays: deletionWindowDays,
        policy: pulumi
          .all([partition.partition, identity.accountId])
          .apply(([p, accountId]) => JSON.stringify(platformKeyPolicy({ partition: p, accountId }))),
        tags: args.tags,
      },
      { parent: this, protect: args.protect ?? true },
    );
    const alias = new aws.kms.Alias(
      `${name}-alias`,
      { name: `alias/${name}`, targetKeyId: key.keyId },
      { parent: this },
    );

    this.keyArn = key.arn;
    this.aliasName = alias.name;
    this.registerOutputs({ keyArn: this.keyArn, aliasName: this.aliasName });
  }
}
