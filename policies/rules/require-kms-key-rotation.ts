import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, show } from "../lib/rule";
import { at, isSet, plainProps, UNKNOWN } from "../lib/sagemakerValues";

interface Config {
  readonly maxRotationPeriodDays: number;
}

/** The rotation period KMS uses when a key sets none (EnableKeyRotation's `RotationPeriodInDays`). */
const DEFAULT_ROTATION_PERIOD_DAYS = 365;

/**
 * Why KMS cannot rotate a key automatically, or undefined when it can (or cannot be told yet):
 * "Automatic key rotation is supported only on symmetric encryption KMS keys. You cannot enable
 * automatic rotation of asymmetric KMS keys, HMAC KMS keys, KMS keys with imported key material,
 * or KMS keys in a custom key store."
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html
 */
function cannotRotate(props: Readonly<Record<string, unknown>>): string | undefined {
  const spec = at(props, "customerMasterKeySpec");
  const usage = at(props, "keyUsage");
  if (isSet(spec) && spec !== UNKNOWN && spec !== "SYMMETRIC_DEFAULT")
    return `its key spec ${show(spec)} is not a symmetric encryption key, which KMS cannot rotate automatically`;
  if (isSet(usage) && usage !== UNKNOWN && usage !== "ENCRYPT_DECRYPT")
    return `its key usage ${show(usage)} is not encryption, which KMS cannot rotate automatically`;
  if (isSet(at(props, "customKeyStoreId")) || isSet(at(props, "xksKeyId")))
    return "it is in a custom key store, whose keys KMS cannot rotate automatically";
  return undefined;
}

const key = validateResourceOfType(aws.kms.Key, (proxied, args, report) => {
  const props = plainProps(proxied);
  const reason = cannotRotate(props);
  if (reason) args.notApplicable(`Key "${args.name}": ${reason}.`);
  const { maxRotationPeriodDays: max } = args.getConfig<Config>();
  const what = `Key "${args.name}"`;
  const enabled = at(props, "enableKeyRotation");
  // Unknown during preview: checked with the value before the key is created or updated.
  if (enabled === UNKNOWN) return;
  if (enabled !== true) {
    report(
      `${what}: enableKeyRotation is ${isSet(enabled) ? show(enabled) : "not set (KMS does not rotate customer managed keys by default)"}; set it to true so that KMS rotates the key material at least every ${max} days.`,
    );
    return;
  }
  const period = at(props, "rotationPeriodInDays");
  if (period === UNKNOWN) return;
  if (isSet(period) ? typeof period === "number" && period > max : DEFAULT_ROTATION_PERIOD_DAYS > max)
    report(
      `${what}: ${isSet(period) ? `rotationPeriodInDays ${show(period)} is` : `rotationPeriodInDays is not set, so KMS rotates every ${DEFAULT_ROTATION_PERIOD_DAYS} days,`} longer than maxRotationPeriodDays ${max}; set rotationPeriodInDays to ${max} or less.`,
    );
});

/**
 * Requires automatic rotation of the key material of every symmetric encryption KMS key of the
 * stack (`enableKeyRotation: true`; KMS does not rotate customer managed keys by default), at
 * least every `maxRotationPeriodDays` days: `rotationPeriodInDays`, or KMS's 365 days when it is
 * not set. Rotation keeps the key's ARN and earlier key material, so nothing encrypted before has to
 * be encrypted again; it limits how much data one key material protects.
 * https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
 *
 * Not applicable to keys KMS cannot rotate automatically: asymmetric keys and HMAC keys
 * (`customerMasterKeySpec` other than `SYMMETRIC_DEFAULT`, `keyUsage` other than
 * `ENCRYPT_DECRYPT`) and keys in a custom key store (`customKeyStoreId`, `xksKeyId`). Keys with
 * imported key material (ExternalKey) and multi-Region replica keys (ReplicaKey, which follow their
 * primary key) are other resource types, not judged.
 *
 * During preview: an unknown `enableKeyRotation` or `rotationPeriodInDays` is assumed to comply
 * and checked with its value before the key is created or updated; an unknown key spec or usage is
 * taken for a symmetric encryption key.
 */
export const requireKmsKeyRotation = resourceRule({
  name: "require-kms-key-rotation",
  description:
    "Requires automatic key rotation, at least every maxRotationPeriodDays days, on every symmetric encryption KMS key.",
  severity: "medium",
  // Security Hub control (CIS AWS Foundations Benchmark, NIST SP 800-53 Rev. 5 standards).
  controls: ["KMS.4"],
  config: {
    maxRotationPeriodDays: {
      type: "integer",
      // KMS accepts rotation periods from 90 to 2560 days.
      minimum: 90,
      maximum: 2560,
      description:
        "Longest rotation period allowed, in days (KMS rotates every 365 days unless told otherwise).",
      default: DEFAULT_ROTATION_PERIOD_DAYS,
    },
  },
  validateResource: key,
});
