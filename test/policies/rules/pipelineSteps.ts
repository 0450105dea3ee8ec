import { buildBatchDefinition } from "../../../components/batch/definition";
import { batchDefinitionInput } from "../../helpers/batchDefinitionInput";
import type { StepJson } from "./driftFixtures";

/**
 * The step named `name` among a pipeline definition's steps, at any depth: a Condition step runs
 * the steps of its `IfSteps` and `ElseSteps`. The object itself, for a test to change.
 */
export function findStep<T>(steps: readonly T[], name: string): T | undefined {
  for (const step of steps) {
    const record = step as { Name?: unknown; Arguments?: { IfSteps?: T[]; ElseSteps?: T[] } };
    if (record.Name === name) return step;
    const nested = [...(record.Arguments?.IfSteps ?? []), ...(record.Arguments?.ElseSteps ?? [])];
    const found = nested.length > 0 ? findStep(nested, name) : undefined;
    if (found) return found;
  }
  return undefined;
}

/** The batch pipeline's definition as plain JSON, to change in place. */
export interface BatchDefinitionJson {
  Parameters: { Name: string; Type: string; DefaultValue?: unknown }[];
  Steps: StepJson[];
}

/**
 * The batch inference pipeline's definition as the BatchInference component builds it for
 * staging's `diagnosis`, changed by `edit`: ValidateInput (Processing), then CheckInput (Condition)
 * whose IfSteps are Score (Transform, a CreateTransformJob request naming `BATCH_MODEL_NAME`) and
 * Summarize (Processing), and whose ElseSteps is InputRejected (Fail).
 */
export function batchDefinition(edit: (definition: BatchDefinitionJson) => void = () => undefined): string {
  const definition = JSON.parse(
    JSON.stringify(buildBatchDefinition(batchDefinitionInput())),
  ) as BatchDefinitionJson;
  edit(definition);
  return JSON.stringify(definition);
}

/** The Score step (the Transform step) of a batch definition, inside CheckInput's IfSteps. */
export function transformStep(definition: BatchDefinitionJson): StepJson {
  const step = findStep(definition.Steps, "Score");
  if (step?.Type !== "Transform") throw new Error("no Transform step Score in the batch definition");
  return step;
}

/** The batch pipeline's props as the BatchInference component creates it, its definition changed by `edit`. */
export function batchPipelineProps(
  edit?: (definition: BatchDefinitionJson) => void,
): Record<string, unknown> {
  return {
    pipelineName: "mlops-staging-diagnosis-batch",
    pipelineDisplayName: "mlops-staging-diagnosis-batch",
    roleArn: "arn:aws:iam::123456789012:role/mlops-staging-diagnosis-batch-role",
    pipelineDefinition: batchDefinition(edit),
  };
}
