import { ConfigError, ConfigProblem, problemsFromIssues } from "./errors";
import { ENVIRONMENTS, ParsedStackConfig, REQUIRED_TAGS, stackConfigSchema } from "./schema";

/** A stack's settings after validation, with every default resolved. */
export interface StackConfig extends Omit<ParsedStackConfig, "namePrefix"> {
  /** Prefix of every physical resource name; default `mlops-<environment>`. */
  readonly namePrefix: string;
}

type Raw = Record<string, unknown>;

function asRecord(value: unknown): Raw | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Raw) : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Checks that span several keys. They read the raw input defensively so that they run even when
 * other keys are invalid: the user gets every problem in one go.
 */
function crossFieldProblems(raw: Raw): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const tags = asRecord(raw.tags);
  if (tags) {
    for (const tag of REQUIRED_TAGS) {
      if (tag !== "Environment" && tags[tag] === undefined) {
        problems.push({ path: `tags.${tag}`, value: undefined, message: "is required (a non-empty string)" });
      }
    }
    const environment = ENVIRONMENTS.find((name) => name === raw.environment);
    if (tags.Environment !== undefined && environment !== undefined && tags.Environment !== environment) {
      problems.push({
        path: "tags.Environment",
        value: tags.Environment,
        message: `must equal environment ("${environment}"), or be left out to be filled in from it`,
      });
    }
  }

  const firstUse = new Map<unknown, number>();
  asArray(raw.models).forEach((value, index) => {
    const model = asRecord(value);
    if (!model) return;
    if (typeof model.name === "string") {
      const first = firstUse.get(model.name);
      if (first === undefined) firstUse.set(model.name, index);
      else {
        problems.push({
          path: `models[${index}].name`,
          value: model.name,
          message: `is already used by models[${first}]; model names must be unique in a stack`,
        });
      }
    }
    problems.push(...pipelineProblems(`models[${index}].pipeline`, asRecord(model.pipeline)));
    problems.push(...endpointProblems(`models[${index}].endpoint`, asRecord(model.endpoint)));
  });
  return problems;
}

function pipelineProblems(path: string, pipeline: Raw | undefined): ConfigProblem[] {
  if (!pipeline || pipeline.maxWaitSeconds === undefined) return [];
  if (pipeline.spotTraining === false) {
    return [
      {
        path: `${path}.maxWaitSeconds`,
        value: pipeline.maxWaitSeconds,
        message: "applies to spot training only; remove it or set spotTraining: true",
      },
    ];
  }
  // A maxRuntimeSeconds of the wrong type is the schema's to report: compare only with a number.
  const runtime = pipeline.maxRuntimeSeconds ?? 3600;
  if (
    typeof pipeline.maxWaitSeconds === "number" &&
    typeof runtime === "number" &&
    pipeline.maxWaitSeconds < runtime
  ) {
    return [
      {
        path: `${path}.maxWaitSeconds`,
        value: pipeline.maxWaitSeconds,
        message: `must be at least maxRuntimeSeconds (${runtime}): it includes the time spent waiting for spot capacity`,
      },
    ];
  }
  return [];
}

function endpointProblems(path: string, endpoint: Raw | undefined): ConfigProblem[] {
  const scaling = asRecord(endpoint?.autoscaling);
  if (!endpoint || !scaling) return [];
  const { minCapacity: min, maxCapacity: max } = scaling;
  const problems: ConfigProblem[] = [];
  if (typeof min === "number" && typeof max === "number" && min > max) {
    problems.push({
      path: `${path}.autoscaling.maxCapacity`,
      value: max,
      message: `must be at least autoscaling.minCapacity (${min})`,
    });
  }
  const count = endpoint.initialInstanceCount ?? 1;
  if (typeof min === "number" && typeof count === "number" && count < min) {
    problems.push({
      path: `${path}.initialInstanceCount`,
      value: endpoint.initialInstanceCount ?? count,
      message: `must be at least autoscaling.minCapacity (${min}) so the endpoint starts within its scaling range`,
    });
  }
  return problems;
}

/** Fills in defaults that depend on other settings. Pure: the same input gives the same output. */
function resolveDefaults(parsed: ParsedStackConfig): StackConfig {
  return {
    ...parsed,
    namePrefix: parsed.namePrefix ?? `mlops-${parsed.environment}`,
    tags: { Environment: parsed.environment, ...parsed.tags },
  };
}

/**
 * Validates a stack's raw settings and resolves defaults. Throws one `ConfigError` that lists every
 * problem (key path, value received, what is allowed) before any resource is created.
 */
export function parseStackConfig(stack: string, raw: Raw): StackConfig {
  const result = stackConfigSchema.safeParse(raw, { reportInput: true });
  const problems = [
    ...(result.success ? [] : problemsFromIssues(result.error.issues)),
    ...crossFieldProblems(raw),
  ].sort((a, b) => a.path.localeCompare(b.path, "en", { numeric: true }));
  if (problems.length > 0 || !result.success) throw new ConfigError(stack, problems);
  return resolveDefaults(result.data);
}
