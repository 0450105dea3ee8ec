import * as pulumi from "@pulumi/pulumi";
import { groupArnParts } from "../components/promotion/settings";

/**
 * A look-up of the program at preview/up time failed: the model registry, or a live endpoint's
 * fleet. Extends RunError so that Pulumi prints only the message, which says what went wrong and
 * how to fix it, without a stack trace. The SDK error stays in `cause`.
 */
export class ModelPackageLookupError extends pulumi.RunError {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = "ModelPackageLookupError";
  }
}

// Error names from JSON services (…Exception) and from query/XML services (the same names without it).
const REJECTED_CREDENTIALS = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "ExpiredTokenException",
  "ExpiredToken",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
]);
const ACCESS_DENIED = new Set(["AccessDeniedException", "AccessDenied"]);
const MISSING_CREDENTIALS = new Set(["CredentialsProviderError", "TokenProviderError"]);
// The names the SDK's retry strategy treats as throttling that SageMaker can plausibly send.
const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ThrottledException",
]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "ETIMEDOUT",
  "ECONNRESET",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** The parts of an SDK or Node error that the messages use; everything is optional. */
interface ErrorFacts {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
  readonly attempts: number | undefined;
  readonly httpStatusCode: number | undefined;
  readonly throttlingTrait: boolean;
}

/** What went wrong with an AWS call, for callers that word their own message. */
export type AwsErrorKind =
  "rejected-credentials" | "access-denied" | "missing-credentials" | "throttling" | "unreachable" | "other";

/** An AWS SDK error reduced to its kind and one line, without stack trace. */
export interface AwsErrorSummary {
  readonly kind: AwsErrorKind;
  /** `Name: first line of the message`, or the name alone. */
  readonly detail: string;
  /** Attempts the SDK made, when it reports them (after retries). */
  readonly attempts: number | undefined;
}

/** Sorts an error thrown by an SDK call (or by credential resolution before it) into an {@link AwsErrorKind}. */
export function classifyAwsError(error: unknown): AwsErrorSummary {
  const facts = factsOf(error);
  const detail = facts.message === "" ? facts.name : `${facts.name}: ${facts.message}`;
  const summary = (kind: AwsErrorKind): AwsErrorSummary => ({ kind, detail, attempts: facts.attempts });
  if (REJECTED_CREDENTIALS.has(facts.name)) return summary("rejected-credentials");
  if (ACCESS_DENIED.has(facts.name)) return summary("access-denied");
  if (
    MISSING_CREDENTIALS.has(facts.name) ||
    /credential/i.test(facts.name) ||
    /credential/i.test(facts.message)
  ) {
    return summary("missing-credentials");
  }
  if (THROTTLING.has(facts.name) || facts.throttlingTrait || facts.httpStatusCode === 429) {
    return summary("throttling");
  }
  if ((facts.code !== undefined && NETWORK_CODES.has(facts.code)) || facts.name === "TimeoutError") {
    return summary("unreachable");
  }
  return summary("other");
}

/**
 * Describes an AWS SDK error in one message that says what failed and how to fix it.
 *
 * @param error anything thrown by an SDK call (or by credential resolution before it).
 * @param what the thing being read, e.g. `model packages of group "mlops-prod-diagnosis"
 *   (models[0].endpoint.modelPackage)`.
 * @param permission what the identity needs, named when access is denied.
 * @param accessFix when access is denied, what to do instead of `The deploying identity needs
 *   <permission>.`, e.g. {@link sharedRegistryAccessFix} for another stack's registry.
 * @returns a message without stack trace, starting with `Could not read <what>: `.
 */
export function describeAwsError(
  error: unknown,
  what: string,
  permission = "sagemaker:ListModelPackages and sagemaker:DescribeModelPackage on the group's model packages " +
    "(arn:aws:sagemaker:<region>:<account>:model-package/<group>/*)",
  accessFix = `The deploying identity needs ${permission}.`,
): string {
  const { kind, detail, attempts } = classifyAwsError(error);
  const prefix = `Could not read ${what}: `;
  switch (kind) {
    case "rejected-credentials":
      return (
        `${prefix}the AWS credentials were rejected as expired or invalid (${detail}). ` +
        "Refresh them (for example `aws sso login`, or new keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY " +
        "/ AWS_SESSION_TOKEN) and run again."
      );
    case "access-denied":
      return `${prefix}access denied (${detail}). ${accessFix}`;
    case "missing-credentials":
      return (
        `${prefix}no AWS credentials were found (${detail}). Run with credentials: set AWS_PROFILE ` +
        "(after `aws sso login` for an SSO profile) or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. " +
        "Pinning the model package to an ARN does not avoid this, because a pinned version is still " +
        "described to check that it is approved."
      );
    case "throttling":
      return (
        `${prefix}SageMaker is still throttling requests after ${attemptsText(attempts)} (${detail}). ` +
        "Wait a minute and run again, or run fewer deployments against this account and region at once."
      );
    case "unreachable":
      return (
        `${prefix}could not reach the SageMaker API (${detail}). Check the network connection and proxy, ` +
        "the region, and AWS_ENDPOINT_URL_SAGEMAKER / AWS_ENDPOINT_URL if they are set."
      );
    case "other":
      return `${prefix}${detail}`;
  }
}

/**
 * What to do when reading another stack's model registry (`models[].source.modelPackageGroupArn`) is
 * denied. Whose account the caller is in is not known here, so it is worded for a registry of the
 * group's account: shared with this stack's account by the stack that builds the model
 * (`mlops:promotion.consumerAccounts`, which creates the group's resource policy), and readable by the
 * deploying identity.
 *
 * @param groupArn a model package group ARN; anything else gets the own-registry wording.
 */
export function sharedRegistryAccessFix(groupArn: string): string | undefined {
  const parts = groupArnParts(groupArn);
  if (parts === undefined) return undefined;
  const { partition, region, accountId, groupName } = parts;
  return (
    `The group is in the model registry of account ${accountId}: if that is not this stack's account, the stack ` +
    "that builds the model there must share the group with this stack's account (list the account in its " +
    "mlops:promotion.consumerAccounts, which creates the group's resource policy, and run `pulumi up` there); " +
    "and the deploying identity needs sagemaker:ListModelPackages and sagemaker:DescribeModelPackage on " +
    `arn:${partition}:sagemaker:${region}:${accountId}:model-package/${groupName}/*.`
  );
}

/** `5 attempts`, or `retrying` when the SDK did not say how many. */
export function attemptsText(attempts: number | undefined): string {
  return attempts === undefined ? "retrying" : `${attempts} attempts`;
}

function factsOf(error: unknown): ErrorFacts {
  if (typeof error !== "object" || error === null) {
    return { ...noFacts, message: firstLine(String(error)) };
  }
  const record = error as Record<string, unknown>;
  const metadata = asRecord(record.$metadata);
  const retryable = asRecord(record.$retryable);
  // Node reports a failed connection to a host with several addresses as an AggregateError whose
  // own code may be missing; the individual errors carry it.
  const nested = Array.isArray(record.errors) ? asRecord(record.errors[0]) : undefined;
  return {
    name: typeof record.name === "string" && record.name !== "" ? record.name : "Error",
    message: firstLine(typeof record.message === "string" ? record.message : ""),
    code: stringOrUndefined(record.code) ?? stringOrUndefined(nested?.code),
    attempts: typeof metadata?.attempts === "number" ? metadata.attempts : undefined,
    httpStatusCode: typeof metadata?.httpStatusCode === "number" ? metadata.httpStatusCode : undefined,
    throttlingTrait: retryable?.throttling === true,
  };
}

const noFacts: ErrorFacts = {
  name: "Error",
  message: "",
  code: undefined,
  attempts: undefined,
  httpStatusCode: undefined,
  throttlingTrait: false,
};

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

// SDK messages sometimes append hints on further lines (e.g. "Deserialization error: …"); the
// first line is the message proper and keeps the Pulumi output to one line per problem.
function firstLine(message: string): string {
  return (message.split("\n")[0] ?? "").trim();
}
