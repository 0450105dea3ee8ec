/**
 * Exit codes of `npm run ops -- <command>`. A workflow step can tell a failed check (1: do not
 * promote) from input to fix (2), AWS being unusable (4: credentials, access, throttling, missing
 * resources; worth a retry or a look at the account) and a wait that ran out (5).
 */
export const EXIT = {
  /** The command did what it was asked and every check passed. */
  ok: 0,
  /** A check failed: the execution failed or was stopped (a batch's input rejected), the endpoint differs, the smoke test failed, the endpoint is changing (cleanup). */
  failed: 1,
  /** Bad command line, unknown stack, model or pipeline parameter, unreadable stack outputs, a protected stack (teardown), a batch input the pipeline cannot read. */
  badInput: 2,
  /** Not an error of the input or of AWS: a defect, printed with its stack trace. */
  unexpected: 3,
  /** AWS could not be used: missing or rejected credentials, access denied, throttling after the retries, network, a resource not found. */
  aws: 4,
  /** start-pipeline or batch --wait stopped waiting after --timeout-minutes; the execution goes on. */
  timeout: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * An error reported in one line with its exit code, without stack trace (`main` in preview/main.ts
 * prints the message of an error that has an `exitCode`).
 */
export class OpsError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = "OpsError";
  }
}

/** Bad input (exit 2). */
export function inputError(message: string): OpsError {
  return new OpsError(EXIT.badInput, message);
}
