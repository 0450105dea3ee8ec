import { z } from "zod";
import type { Plan } from "../plan";

/**
 * Free-form maps (inputs, outputs) with their keys sorted at every depth: the program may set
 * properties in any order, and a plan file should only change when the plan does.
 */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}

/**
 * The plan as the `--json` file: the Plan's own fields as they are, the free-form maps with sorted
 * keys, two-space indentation and a final newline, so that the same plan always gives the same text.
 */
export function toJson(plan: Plan): string {
  const stable = {
    ...plan,
    resources: plan.resources.map((resource) => ({
      ...resource,
      propertyDependencies: sortedKeys(resource.propertyDependencies),
      inputs: sortedKeys(resource.inputs),
      outputs: sortedKeys(resource.outputs),
    })),
    outputs: sortedKeys(plan.outputs),
  };
  return `${JSON.stringify(stable, null, 2)}\n`;
}

/** A plan file that cannot be read: the message names the file, the place in it and what is wrong. */
export class PlanFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanFormatError";
  }
}

/** The value received, short enough for a one-line message. */
function describeInput(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "an array";
  if (typeof input === "object") return "an object";
  const text = JSON.stringify(input) ?? String(input);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Completes "<path>: ..." for a value of the wrong type, or for a key that is missing. */
function expected(what: string) {
  return (issue: { readonly input?: unknown }) =>
    issue.input === undefined
      ? `is missing (expected ${what})`
      : `expected ${what}, got ${describeInput(issue.input)}`;
}

const text = () => z.string({ error: expected("a string") });
const flag = () => z.boolean({ error: expected("true or false") });
const list = <T extends z.ZodType>(item: T) => z.array(item, { error: expected("an array") });
const record = <T extends z.ZodType>(value: T) =>
  z.record(z.string(), value, { error: expected("an object") });
const object = <T extends z.ZodRawShape>(shape: T) => z.object(shape, { error: expected("an object") });

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;

const resourceSchema = object({
  urn: text(),
  type: text(),
  name: text(),
  id: text(),
  parent: text(),
  custom: flag(),
  dependencies: list(text()),
  propertyDependencies: record(list(text())),
  // Plans written before retainOnDelete and deleteBeforeReplace were recorded read as without them.
  options: object({
    protect: flag(),
    retainOnDelete: flag().default(false),
    deleteBeforeReplace: flag().default(false),
  }),
  inputs: record(z.unknown()),
  outputs: record(z.unknown()),
});

const findingSchema = object({
  policy: text(),
  enforcementLevel: z.enum(LEVELS, { error: expected(`one of ${LEVELS.join(", ")}`) }),
  urn: text().optional(),
  message: text(),
});

// Typed as Plan so that the schema cannot drift from the type the rest of the preview uses.
const planSchema: z.ZodType<Plan> = object({
  project: text(),
  stack: text(),
  resources: list(resourceSchema),
  outputs: record(z.unknown()),
  findings: list(findingSchema),
  notes: list(text()).optional(),
});

/** A key path as written in JSON terms: `resources[3].urn`, `inputs["tags.Owner"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => {
      if (typeof key === "number") return `[${key}]`;
      const name = String(key);
      if (!/^[A-Za-z_$][\w$]*$/.test(name)) return `[${JSON.stringify(name)}]`;
      return index === 0 ? name : `.${name}`;
    })
    .join("");
}

/**
 * Reads a plan written by `--json`. `source` names the file in messages. Throws a PlanFormatError
 * with one line, e.g. `plan.json: resources[3].urn: expected a string, got 42`, for the first
 * problem found (and how many more there are).
 */
export function parsePlan(text: string, source: string): Plan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PlanFormatError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  const result = planSchema.safeParse(data);
  if (result.success) return result.data;
  const [first, ...rest] = result.error.issues;
  const where = first === undefined || first.path.length === 0 ? "" : `${formatPath(first.path)}: `;
  const more =
    rest.length === 0 ? "" : ` (and ${rest.length} more ${rest.length === 1 ? "problem" : "problems"})`;
  throw new PlanFormatError(`${source}: ${where}${first?.message ?? "not a plan"}${more}`);
}
