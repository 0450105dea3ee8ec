import { existsSync } from "node:fs";
import { BATCH_PREFIXES } from "./definition";

/**
 * The data bucket's expiring prefix of a model with batch inference, as SecureBucket's
 * `expireByPrefix` takes it: each run's outputs, `batch/output/`, after
 * `storage.batchOutputRetentionDays`. The inputs, `batch/input/`, are the team's and never expire.
 * Nothing for a model without batch inference.
 */
export function batchOutputExpiry(
  batch: unknown,
  storage: { readonly batchOutputRetentionDays: number },
): Record<string, number> {
  return batch === undefined ? {} : { [BATCH_PREFIXES.output]: storage.batchOutputRetentionDays };
}

/** A model with batch inference, and where its schema is, as the program finds it. */
export interface BatchSchema {
  /** Where the model is in the stack config, e.g. `models[0]`. */
  readonly path: string;
  /** The schema file, as the stack config names it (`pipeline.schemaFile`, or `ml/schemas/<model>.json`). */
  readonly schemaFile: string;
  /** The same file, resolved on this machine. */
  readonly resolved: string;
}

/**
 * Batch inference checks every input against the model's schema, so a model with `batch` needs
 * one, also a model served from another stack's registry: as the stack config reports it, before
 * anything is created.
 */
export function batchSchemaProblems(
  models: readonly BatchSchema[],
): { readonly path: string; readonly value: unknown; readonly message: string }[] {
  return models
    .filter((model) => !existsSync(model.resolved))
    .map((model) => ({
      path: `${model.path}.batch`,
      value: undefined,
      message:
        `needs the model's schema, which each input is checked against, and ${model.schemaFile} is not found: ` +
        `write it with python3 ml/validate.py write-schema --data <the model's CSV> --target-column <its label> ` +
        `--output ${model.schemaFile}`,
    }));
}
