import type { ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, show } from "../lib/rule";
import { BUCKET_TYPES } from "../lib/s3Protection";
import { at, plainProps } from "../lib/sagemakerValues";

const KMS_KEY_TYPE = "aws:kms/key:Key";
const MODEL_PACKAGE_GROUP_TYPE = "aws:sagemaker/modelPackageGroup:ModelPackageGroup";

/** What deleting a resource of each default type loses, for the finding's message. */
const LOSS: Readonly<Record<string, string>> = {
  "aws:s3/bucket:Bucket": "with the data in it",
  "aws:s3/bucketV2:BucketV2": "with the data in it",
  [KMS_KEY_TYPE]:
    "and, once its deletion window ends, everything encrypted with it can no longer be decrypted",
  [MODEL_PACKAGE_GROUP_TYPE]: "with every model version registered in it",
};

export const DEFAULT_PROTECTED_TYPES: readonly string[] = Object.keys(LOSS);

/** KMS accepts a deletion window of 7 to 30 days, and uses 30 when none is given. */
const KMS_DEFAULT_DELETION_WINDOW_DAYS = 30;

interface Config {
  readonly protectedTypes: readonly string[];
  readonly forbidForceDestroy: boolean;
  readonly minKeyDeletionWindowDays: number;
}

function isBucket(type: string): boolean {
  return (BUCKET_TYPES as readonly string[]).includes(type);
}

/** Every problem with one resource, one sentence each. */
function findings(args: ResourceValidationArgs, config: Config): string[] {
  const what = `Resource "${args.name}" (${args.type})`;
  const props = plainProps(args.props);
  const found: string[] = [];
  if (config.protectedTypes.includes(args.type) && args.opts.protect !== true) {
    const loss = LOSS[args.type] ?? "";
    found.push(
      `${what} is not protected: \`pulumi destroy\`, or a change that replaces it, deletes it${loss === "" ? "" : ` ${loss}`}; set the resource option protect: true (the platform's components set it when mlops:storage.protectFromDeletion is true).`,
    );
  }
  // Unknown during preview: judged when `pulumi up` checks the resource with its inputs known.
  if (config.forbidForceDestroy && isBucket(args.type) && at(props, "forceDestroy") === true)
    found.push(
      `${what} has forceDestroy true, so deleting it first deletes every object and object version in it; remove forceDestroy (or set it to false) so that a bucket that holds data cannot be deleted.`,
    );
  const window = at(props, "deletionWindowInDays");
  if (args.type === KMS_KEY_TYPE && typeof window === "number" && window < config.minKeyDeletionWindowDays)
    found.push(
      `${what} has deletionWindowInDays ${show(window)}, so a key scheduled for deletion can be recovered for only ${window} days; set it to at least ${config.minKeyDeletionWindowDays} (KMS allows 7 to 30, and uses ${KMS_DEFAULT_DELETION_WINDOW_DAYS} when it is not set).`,
    );
  return found;
}

/**
 * In the stacks whose pack config enables it (prod), the resources that hold what cannot be
 * recreated are protected from deletion:
 * - each resource of `protectedTypes` (default: S3 buckets, KMS keys, SageMaker model package
 *   groups) has Pulumi's `protect` resource option, under which any deployment that would delete
 *   or replace it fails (https://www.pulumi.com/docs/iac/concepts/resources/options/protect/);
 * - no S3 bucket has `forceDestroy` true (`forbidForceDestroy`), which lets a delete empty the
 *   bucket first instead of failing on its objects;
 * - no KMS key has a `deletionWindowInDays` below `minKeyDeletionWindowDays`: the days in which a
 *   scheduled deletion can be cancelled
 *   (https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html; AWS Foundational
 *   Security Best Practices KMS.3, https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html).
 *
 * `protect` is a resource option, not a property: the engine gives it to the pack with every
 * resource (`args.opts.protect`), before the resource is created. During preview, a `forceDestroy`
 * or `deletionWindowInDays` that is unknown is not judged: resource checks run again in
 * `pulumi up`, with the resource's inputs known. Other resource types are not applicable.
 */
export const requireResourcesDeletionProtection = resourceRule({
  name: "require-resources-deletion-protection",
  description:
    "Requires S3 buckets, KMS keys and SageMaker model registries to be protected from deletion (Pulumi's protect option), buckets not to be force-destroyed, and KMS keys to keep a long deletion window.",
  severity: "high",
  controls: ["KMS.3"],
  config: {
    protectedTypes: {
      type: "array",
      items: { type: "string", pattern: "^[^:\\s]+:[^:\\s]+:[^:\\s]+$" },
      description:
        "Pulumi type tokens (e.g. aws:s3/bucket:Bucket) of the resources that must have the protect resource option.",
      default: [...DEFAULT_PROTECTED_TYPES],
    },
    forbidForceDestroy: {
      type: "boolean",
      description: "S3 buckets must not have forceDestroy true.",
      default: true,
    },
    minKeyDeletionWindowDays: {
      type: "integer",
      minimum: 7,
      maximum: 30,
      description: "The shortest deletionWindowInDays a KMS key may have (an unset window is 30 days).",
      default: KMS_DEFAULT_DELETION_WINDOW_DAYS,
    },
  },
  validateResource: (args, report) => {
    const config = args.getConfig<Config>();
    if (!config.protectedTypes.includes(args.type) && !isBucket(args.type) && args.type !== KMS_KEY_TYPE)
      args.notApplicable(`${args.type} is neither in protectedTypes nor an S3 bucket or a KMS key`);
    for (const finding of findings(args, config)) report(finding);
  },
});
