import { customerKeyProblem } from "./customerKeys";
import { show } from "./rule";
import { inlineEncryptionRules, KMS_ALGORITHMS, Protection } from "./s3Protection";
import { at, isSet, list, StackItem, UNKNOWN } from "./sagemakerValues";

/** What S3 does with SSE-KMS and no key named: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html */
export const NO_KEY_CONSEQUENCE = "S3 then uses the AWS managed key aws/s3";

/** The keys `allowedKmsKeyArnPattern` allows, as the S3 checks need them. */
export interface KeyRequirement {
  /** undefined: any customer managed key. */
  readonly allowed: RegExp | undefined;
  /** The pattern as configured, for messages. */
  readonly pattern: string;
}

/**
 * What is wrong with a list of default-encryption rules where a customer managed key is
 * required: no default, an algorithm without KMS, no key (S3's own aws/s3 key), an AWS managed
 * key or one the pattern does not allow. Undefined when the default uses a customer managed key,
 * or while it is unknown.
 */
export function defaultKeyProblem(rules: unknown, keys: KeyRequirement): string | undefined {
  const all = list(rules);
  if (all === UNKNOWN) return undefined;
  const defaults = all
    .map((rule) => at(rule, "applyServerSideEncryptionByDefault"))
    .filter((value) => isSet(value));
  if (defaults.length === 0) return "sets no default encryption";
  const problems = defaults.flatMap((value) => {
    const algorithm = at(value, "sseAlgorithm");
    if (algorithm === UNKNOWN) return [];
    if (!KMS_ALGORITHMS.includes(algorithm)) return [`sets sseAlgorithm ${show(algorithm)}, not KMS`];
    const key = at(value, "kmsMasterKeyId");
    switch (customerKeyProblem(key, keys.allowed)) {
      case "missing":
        return [`sets no kmsMasterKeyId (${NO_KEY_CONSEQUENCE})`];
      case "awsManaged":
        return [
          `sets kmsMasterKeyId ${show(key)}, an AWS managed key, whose key policy the platform cannot restrict`,
        ];
      case "notAllowed":
        return [
          `sets kmsMasterKeyId ${show(key)}, which does not match allowedKmsKeyArnPattern ${show(keys.pattern)}`,
        ];
      default:
        return [];
    }
  });
  return problems.length === 0 ? undefined : problems.join(", ");
}

/**
 * Why a bucket's default encryption does not use a customer managed key, as the end of a sentence
 * that starts with `Bucket "<name>"`, or undefined when it does (or cannot be known yet). A
 * companion BucketServerSideEncryptionConfiguration, when there is one, is what S3 ends up with
 * (one that complies is enough); the bucket's own inline setting counts only when there is none.
 */
export function bucketDefaultKeyProblem(
  bucket: StackItem,
  companions: Record<Protection, StackItem[]>,
  keys: KeyRequirement,
): string | undefined {
  if (companions.encryption.length > 0) {
    const problems = companions.encryption.map((companion) => ({
      companion,
      problem: defaultKeyProblem(at(companion.props, "rules"), keys),
    }));
    if (problems.some(({ problem }) => problem === undefined)) return undefined;
    return `: default encryption ${problems.map(({ companion, problem }) => `"${companion.resource.name}" ${problem}`).join("; ")}`;
  }
  const rules = inlineEncryptionRules(bucket.props);
  if (rules === undefined) return " has no default encryption";
  const problem = defaultKeyProblem(rules, keys);
  return problem === undefined ? undefined : ` itself ${problem}`;
}
