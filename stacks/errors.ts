import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { describeValue } from "../components/shared/settings";

export { describeValue };

/** One config problem: where it is, what was found, and what is allowed. */
export interface ConfigProblem {
  /** Key path as written in the stack file, e.g. `models[1].endpoint.instanceType`. */
  readonly path: string;
  /** The value received; `undefined` when the key is missing. */
  readonly value: unknown;
  /** Completes the sentence "<path>: <value> ...", e.g. `is not a SageMaker instance type ...`. */
  readonly message: string;
}

/**
 * A stack configuration that cannot be deployed. It extends `RunError` so that Pulumi prints the
 * message alone, without a stack trace: the reader is fixing YAML, not debugging code.
 */
export class ConfigError extends pulumi.RunError {
  constructor(
    readonly stack: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(formatProblems(stack, problems));
    this.name = "ConfigError";
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) =>
      typeof key === "number" ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`,
    )
    .join("");
}

export function formatProblems(stack: string, problems: readonly ConfigProblem[]): string {
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  const lines = problems.map(
    (p) => `  - ${p.path}: ${p.value === undefined ? "" : `${describeValue(p.value)} `}${p.message}`,
  );
  return [`Stack "${stack}" has ${count} in its mlops configuration:`, ...lines].join("\n");
}

/** Turns zod's issues into problems; an unknown key becomes one problem per key, at that key's path. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === "unrecognized_keys") {
      const parent = (issue.input ?? {}) as Record<string, unknown>;
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        value: parent[key],
        message: issue.message,
      }));
    }
    return [{ path: formatPath(issue.path), value: issue.input, message: issue.message }];
  });
}
