import * as pulumi from "@pulumi/pulumi";
import { closest, distance } from "fastest-levenshtein";
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
  return [`stack "${stack}" has ${count} in its mlops configuration:`, ...lines].join("\n");
}

/**
 * A misspelt key gets the closest allowed key, as a misspelt instance type gets the closest type.
 * The allowed keys are the ones `strictObject` lists in its message.
 */
function withSuggestion(message: string, key: string): string {
  const allowed = /\(allowed: ([^)]*)\)$/.exec(message)?.[1]?.split(", ") ?? [];
  if (allowed.length === 0) return message;
  const nearest = closest(key, allowed);
  // Close enough to be a typo: at most a third of the key's letters differ (and at least 2 may).
  if (distance(key.toLowerCase(), nearest.toLowerCase()) > Math.max(2, Math.floor(key.length / 3)))
    return message;
  return message.replace("(allowed: ", `(did you mean "${nearest}"? allowed: `);
}

/** Turns zod's issues into problems; an unknown key becomes one problem per key, at that key's path. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === "unrecognized_keys") {
      const parent = (issue.input ?? {}) as Record<string, unknown>;
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        value: parent[key],
        message: withSuggestion(issue.message, key),
      }));
    }
    return [{ path: formatPath(issue.path), value: issue.input, message: issue.message }];
  });
}
