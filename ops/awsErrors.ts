import { isNotFound } from "../registry/notFound";
import { EXIT, OpsError } from "./errors";

export { isNotFound };

/** One AWS request of a command, described for its error message. */
export interface AwsCall {
  /** Completes "could not …", e.g. `start an execution of pipeline "mlops-staging-diagnosis"`. */
  readonly action: string;
  /** The IAM permission the request needs, named when access is denied. */
  readonly permission: string;
  /**
   * How to fix a resource that does not exist, e.g. "Run `pulumi up` on stack staging". Without it,
   * not found is reported like any other error.
   */
  readonly notFound?: string;
  /** The service the request goes to, named when it throttles or cannot be reached. @default "SageMaker" */
  readonly service?: "SageMaker" | "S3";
}

/** The variables that point each service's client elsewhere, checked when it cannot be reached. */
const ENDPOINT_VARIABLES = {
  SageMaker: "AWS_ENDPOINT_URL_SAGEMAKER / AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME / AWS_ENDPOINT_URL",
  S3: "AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL",
} as const;

/**
 * Sends one request and turns its failure into a one-line {@link OpsError} (exit 4) that says
 * what could not be done and how to fix it. An OpsError thrown by `send` passes through.
 */
export async function callAws<T>(call: AwsCall, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw error instanceof OpsError ? error : awsError(error, call);
  }
}

/** The one-line message for an error of an AWS request (or of credential resolution before it). */
export function awsError(error: unknown, call: AwsCall): OpsError {
  // Loaded on the error path only: the module loads Pulumi (for the program's RunError), which
  // takes a second.
  const { attemptsText, classifyAwsError } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../registry/errors") as typeof import("../registry/errors");
  const { kind, detail, attempts } = classifyAwsError(error);
  const service = call.service ?? "SageMaker";
  const prefix = `could not ${call.action}: `;
  const fail = (message: string) => new OpsError(EXIT.aws, prefix + message, { cause: error });
  if (call.notFound !== undefined && isNotFound(error)) {
    return fail(`it does not exist (${detail}). ${call.notFound}`);
  }
  switch (kind) {
    case "missing-credentials":
      return fail(
        `no AWS credentials were found (${detail}). Provide them with AWS_PROFILE (after \`aws sso login\` ` +
          "for an SSO profile), with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, or in " +
          "GitHub Actions by assuming the deploy role through OIDC (aws-actions/configure-aws-credentials with " +
          "role-to-assume, and `permissions: id-token: write` on the job).",
      );
    case "rejected-credentials":
      return fail(
        `the AWS credentials were rejected as expired or invalid (${detail}). Refresh them (for example ` +
          "`aws sso login`, or new keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN) and run again.",
      );
    case "access-denied":
      return fail(`access denied (${detail}). The identity running this command needs ${call.permission}.`);
    case "throttling":
      return fail(
        `${service} is still throttling requests after ${attemptsText(attempts)} (${detail}). ` +
          "Wait a minute and run again, or run fewer jobs against this account and region at once.",
      );
    case "unreachable":
      return fail(
        `${service} could not be reached (${detail}). Check the network connection and proxy, the stack's ` +
          `aws:region, and ${ENDPOINT_VARIABLES[service]} if they are set.`,
      );
    case "other":
      return fail(detail);
  }
}
