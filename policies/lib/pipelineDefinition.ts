import { show } from "./rule";

/**
 * A SageMaker pipeline definition (JSON text, schema 2020-12-01) as the rules read it: its
 * parameters' defaults and its steps, also those that Condition steps run. Parts of a definition
 * that are not what SageMaker expects are passed over (SageMaker refuses them itself).
 * https://aws-sagemaker-mlops.github.io/sagemaker-model-building-pipeline-definition-JSON-schema/
 */

type Props = Readonly<Record<string, unknown>>;

function asRecord(value: unknown): Props | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Props) : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Pipeline step types whose `Arguments` is a processing job request (CreateProcessingJob's). */
export const PROCESSING_STEP_TYPES: ReadonlySet<string> = new Set([
  "Processing",
  "QualityCheck",
  "ClarifyCheck",
]);

/** A declared pipeline parameter: its default, when it has one. */
export interface PipelineParameterDefault {
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
}

export type ParsedPipelineDefinition =
  | {
      readonly ok: true;
      readonly parameters: ReadonlyMap<string, PipelineParameterDefault>;
      /** The top-level steps as written. */
      readonly steps: readonly unknown[];
    }
  | { readonly ok: false; readonly problem: string };

/**
 * Parses a pipeline definition. Text that is not one gives `ok: false` and why, as the end of a
 * sentence that starts with "the pipeline definition".
 */
export function parsePipelineDefinition(text: unknown): ParsedPipelineDefinition {
  if (typeof text !== "string") return { ok: false, problem: `is not JSON text but ${show(text)}` };
  let definition: Props | undefined;
  try {
    definition = asRecord(JSON.parse(text));
  } catch (error) {
    return { ok: false, problem: `is not valid JSON (${(error as Error).message})` };
  }
  if (!definition || !Array.isArray(definition.Steps)) {
    return { ok: false, problem: "has no Steps list, so it is not a SageMaker pipeline definition" };
  }
  const parameters = new Map<string, PipelineParameterDefault>();
  for (const parameter of asArray(definition.Parameters)) {
    const record = asRecord(parameter);
    if (typeof record?.Name === "string") {
      parameters.set(record.Name, {
        hasDefault: "DefaultValue" in record,
        defaultValue: record.DefaultValue,
      });
    }
  }
  return { ok: true, parameters, steps: definition.Steps };
}

/** One step of a definition. */
export interface PipelineStep {
  /** Its name; "(unnamed)" when it has none. */
  readonly name: string;
  /** `Processing`, `Training`, `Condition`, `Lambda`... as written. */
  readonly type: unknown;
  /** Its `Arguments`: the job request of a step that runs a job; {} when absent. */
  readonly args: Props;
}

/**
 * Every step of a list and, depth-first, the steps each Condition step among them runs
 * (`IfSteps`, then `ElseSteps`): a step is only run by the Condition step that lists it.
 */
export function allSteps(steps: readonly unknown[]): PipelineStep[] {
  return steps.flatMap((value): PipelineStep[] => {
    const step = asRecord(value);
    if (!step) return [];
    const args = asRecord(step.Arguments) ?? {};
    const own = { name: typeof step.Name === "string" ? step.Name : "(unnamed)", type: step.Type, args };
    return step.Type === "Condition"
      ? [own, ...allSteps([...asArray(args.IfSteps), ...asArray(args.ElseSteps)])]
      : [own];
  });
}

/** A pipeline value resolved as far as the definition allows. */
export type ResolvedPipelineValue =
  | { readonly kind: "value"; readonly value: unknown }
  | { readonly kind: "parameterDefault"; readonly parameter: string; readonly value: unknown }
  /** A parameter without a default: every execution supplies it, so there is nothing to judge. */
  | { readonly kind: "parameterWithoutDefault"; readonly parameter: string }
  | { readonly kind: "undeclaredParameter"; readonly parameter: string }
  /** Any other expression (a step property, a join): only known when an execution runs. */
  | { readonly kind: "expression" };

const PARAMETER_REFERENCE = /^Parameters\.(.+)$/;

/** A literal as it is; `{"Get": "Parameters.X"}` as the default of parameter X. */
export function resolvePipelineValue(
  value: unknown,
  parameters: ReadonlyMap<string, PipelineParameterDefault>,
): ResolvedPipelineValue {
  const record = asRecord(value);
  if (!record) return { kind: "value", value };
  const reference = typeof record.Get === "string" ? PARAMETER_REFERENCE.exec(record.Get) : null;
  if (!reference) return { kind: "expression" };
  const parameter = reference[1] as string;
  const declared = parameters.get(parameter);
  if (!declared) return { kind: "undeclaredParameter", parameter };
  return declared.hasDefault
    ? { kind: "parameterDefault", parameter, value: declared.defaultValue }
    : { kind: "parameterWithoutDefault", parameter };
}

const STEP_PROPERTY_REFERENCE = /^Steps\.([^.]+)\.(.+)$/;

/**
 * The step and property path of a `{"Get": "Steps.<step>.<path>"}` expression, e.g. a model that a
 * Model step of the same pipeline creates (`Steps.CreateModel.ModelName`); undefined for anything else.
 */
export function stepPropertyReference(
  value: unknown,
): { readonly step: string; readonly path: string } | undefined {
  const get = asRecord(value)?.Get;
  const match = typeof get === "string" ? STEP_PROPERTY_REFERENCE.exec(get) : null;
  return match ? { step: match[1] as string, path: match[2] as string } : undefined;
}
