import { closest } from "fastest-levenshtein";
import { z } from "zod";
import { S3_URI_PATTERN } from "./s3Uri";

/**
 * Building blocks of the settings each capability defines once (`<capability>/settings.ts`): the
 * stack schema is assembled from them, components take their defaults and ranges from them, and
 * the configuration reference is generated from their descriptions.
 *
 * Every message completes a sentence that starts with the key path and the value received, e.g.
 * `models[1].endpoint.instanceType: "ml.m5.huge" is not a SageMaker instance type ...`.
 */

/** A strict object: unknown keys are refused, with the allowed keys in the message (catches typos). */
export function strictObject<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `is not a known key here (allowed: ${Object.keys(shape).join(", ")})`
        : issue.input === undefined
          ? "is required (a mapping)"
          : "must be a mapping of keys to values",
  });
}

/** Message for a key of the wrong type, or `is required (...)` when the key is missing. */
export function requiredOr(what: string) {
  return (issue: { readonly input?: unknown }) =>
    issue.input === undefined ? `is required (${what})` : `must be ${what}`;
}

export function text(what: string) {
  return z.string({ error: requiredOr(what) }).min(1, { error: `must be ${what}, not empty` });
}

export function integer(min: number, max: number) {
  const range = `a whole number from ${min} to ${max}`;
  return z
    .number({ error: requiredOr(range) })
    .int({ error: `must be ${range}` })
    .min(min, { error: `must be ${range}` })
    .max(max, { error: `must be ${range}` });
}

export function flag() {
  return z.boolean({ error: "must be true or false" });
}

/** An enum taken from `@aws-sdk/client-sagemaker`, with the closest valid value suggested. */
export function sagemakerEnum(values: Record<string, string>, what: string) {
  const allowed = Object.values(values) as [string, ...string[]];
  const described = z.enum(allowed, {
    error: (issue) => {
      if (typeof issue.input !== "string") return `must be ${what} (a string such as "${allowed[0]}")`;
      return `is not ${what} (did you mean "${closest(issue.input, allowed)}"?)`;
    },
  });
  return described.describe(what);
}

export const s3Uri = z
  .string({ error: requiredOr("an S3 URI such as s3://bucket/prefix/") })
  .regex(S3_URI_PATTERN, {
    error: "is not an S3 URI (expected s3://bucket/prefix/ with a valid bucket name)",
  });

/** A value as problems show it: JSON, cut at 80 characters; `missing` for a key left out. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "missing";
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/**
 * Why `value` is not a valid `setting`, as "<label> <value> <message>", or undefined when it is: how
 * components refuse arguments with the same ranges and words as the stack config.
 */
export function settingProblem(label: string, setting: z.ZodType, value: unknown): string | undefined {
  const result = setting.safeParse(value);
  if (result.success) return undefined;
  return `${label} ${describeValue(value)} ${result.error.issues[0]?.message ?? "is not valid"}`;
}

/**
 * The problems a component's validation collects, and its two ways of adding one: `check`, a
 * condition with the message when it fails; `setting`, a value held to its setting's schema
 * ({@link settingProblem}).
 */
export function problemList() {
  const problems: string[] = [];
  return {
    problems,
    check: (ok: boolean, message: string): void => {
      if (!ok) problems.push(message);
    },
    setting: (label: string, schema: z.ZodType, value: unknown): void => {
      const problem = settingProblem(label, schema, value);
      if (problem) problems.push(problem);
    },
  };
}
