import { show } from "./rule";
import { isSet, UNKNOWN } from "./sagemakerValues";

/**
 * An AWS managed key named by its alias (`alias/aws/sns`, or the alias ARN): AWS creates it for
 * the service, and its key policy cannot be changed, so access to what it encrypts cannot be
 * limited beyond the account's IAM policies, and it cannot be shared with another account.
 * https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key
 */
const AWS_MANAGED_ALIAS = /^(arn:aws[a-z-]*:kms:[^:]*:[^:]*:)?alias\/aws\//i;

/** Whether a key identifier names an AWS managed key (only recognisable by its `alias/aws/` alias). */
export function isAwsManagedKey(value: unknown): boolean {
  return typeof value === "string" && AWS_MANAGED_ALIAS.test(value);
}

/** What is wrong with the key a property names, in the words of {@link keyProblemText}. */
export type KeyProblem = "missing" | "awsManaged" | "notAllowed";

/**
 * What is wrong with a key identifier where a customer managed key is required: none set, an AWS
 * managed key, or a key `allowed` does not match; undefined when it is fine. An unknown key (the
 * ARN of a key created in the same update, during preview) is assumed to be the platform's key.
 */
export function customerKeyProblem(value: unknown, allowed: RegExp | undefined): KeyProblem | undefined {
  if (value === UNKNOWN) return undefined;
  if (!isSet(value)) return "missing";
  if (isAwsManagedKey(value)) return "awsManaged";
  if (allowed && typeof value === "string" && !allowed.test(value)) return "notAllowed";
  return undefined;
}

/**
 * The pattern keys must match: undefined when any key is allowed, or the problem with a pattern
 * that is not a regular expression.
 */
export function allowedKeyPattern(pattern: string): { readonly allowed?: RegExp; readonly problem?: string } {
  if (pattern === "") return {};
  try {
    return { allowed: new RegExp(pattern) };
  } catch (error) {
    return {
      problem: `allowedKmsKeyArnPattern ${show(pattern)} is not a valid regular expression (${(error as Error).message}); correct it in the pack config.`,
    };
  }
}

/**
 * A key problem as the middle of a finding: `<where> <text>; <fix>`. `missing` names the
 * consequence, which differs per service (`service` says what happens without a key).
 */
export function keyProblemText(
  problem: KeyProblem,
  where: string,
  value: unknown,
  pattern: string,
  withoutKey: string,
): string {
  switch (problem) {
    case "missing":
      return `${where} is not set (${withoutKey})`;
    case "awsManaged":
      return `${where} ${show(value)} is an AWS managed key, whose key policy the platform cannot restrict`;
    case "notAllowed":
      return `${where} ${show(value)} does not match allowedKmsKeyArnPattern ${show(pattern)}`;
  }
}
