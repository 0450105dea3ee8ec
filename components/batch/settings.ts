import { ProcessingInstanceType, TransformInstanceType } from "@aws-sdk/client-sagemaker";
import { z } from "zod";
import { NEW_DATA_SETTINGS, RETRAINING_SETTINGS } from "../retraining/settings";
import { daysToKeep } from "../foundation/retention";
import { STORAGE_DEFAULTS } from "../foundation/settings";
import { flag, integer, sagemakerEnum, strictObject } from "../shared/settings";

/**
 * `models[].batch`: batch inference of a model with the version its endpoint serves. Each setting's
 * default, range and description, once; unset, the model has no batch inference.
 */

/**
 * A transform job sends at most 100 MB to the model at a time, across its concurrent requests:
 * "The value of MaxPayloadInMB cannot be greater than 100 MB. If you specify the
 * MaxConcurrentTransforms parameter, the value of (MaxConcurrentTransforms * MaxPayloadInMB) also
 * cannot exceed 100 MB" (CreateTransformJob,
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTransformJob.html).
 */
export const MAX_TRANSFORM_PAYLOAD_MB = 100;

export const BATCH_DEFAULTS = {
  instanceType: "ml.m5.large",
  instanceCount: 1,
  maxPayloadInMB: 6,
  joinInputWithPredictions: true,
  newData: true,
  markerName: "_SUCCESS",
  processingInstanceType: "ml.m5.large",
  maxRuntimeSeconds: 3600,
} as const;

export const BATCH_SETTINGS = {
  instanceType: sagemakerEnum(TransformInstanceType, "a SageMaker instance type for transform jobs")
    .default(BATCH_DEFAULTS.instanceType)
    .describe(
      "Instance type of the Score step's transform job (a TransformInstanceType); it bills only while it scores.",
    ),
  instanceCount: integer(1, 100)
    .default(BATCH_DEFAULTS.instanceCount)
    .describe(
      "Instances of the transform job; each file of the input is scored on one instance, so more than one helps only an input of several files.",
    ),
  maxPayloadInMB: integer(1, MAX_TRANSFORM_PAYLOAD_MB)
    .default(BATCH_DEFAULTS.maxPayloadInMB)
    .describe(
      "Most megabytes of CSV lines sent to the model in one request (MaxPayloadInMB); with maxConcurrentTransforms, their product is at most 100.",
    ),
  maxConcurrentTransforms: integer(1, MAX_TRANSFORM_PAYLOAD_MB)
    .optional()
    .describe(
      "Requests each instance scores at a time (MaxConcurrentTransforms). Unset: what the model's container suggests, else 1.",
    ),
  joinInputWithPredictions: flag()
    .default(BATCH_DEFAULTS.joinInputWithPredictions)
    .describe(
      "Write each input row with its prediction as the last column (DataProcessing JoinSource Input); false writes the predictions alone, one a line in the input's order.",
    ),
  schedule: RETRAINING_SETTINGS.schedule.describe(
    "Score batch/input/scheduled/ of the model's data bucket on a schedule (an EventBridge Scheduler expression, UTC), e.g. cron(0 2 * * ? *). Unset: no scheduled runs.",
  ),
  newData: flag()
    .default(BATCH_DEFAULTS.newData)
    .describe(
      "Score a dataset when it is complete under batch/input/<dataset>/ of the model's data bucket: its markerName object is written last.",
    ),
  markerName: NEW_DATA_SETTINGS.marker
    .default(BATCH_DEFAULTS.markerName)
    .describe(
      "The object written last into a dataset's folder under batch/input/: it starts one run on that folder.",
    ),
  processingInstanceType: sagemakerEnum(
    ProcessingInstanceType,
    "a SageMaker instance type for processing jobs",
  )
    .default(BATCH_DEFAULTS.processingInstanceType)
    .describe("Instance type of the ValidateInput and Summarize processing jobs (a ProcessingInstanceType)."),
  maxRuntimeSeconds: integer(60, 432_000)
    .default(BATCH_DEFAULTS.maxRuntimeSeconds)
    .describe(
      "Run-time limit of each of the ValidateInput and Summarize jobs, in seconds. A transform job has none: it ends when every line is scored.",
    ),
};

/** The transform's payload across its concurrent requests (the CreateTransformJob limit above). */
export function payloadProblem(settings: {
  readonly maxPayloadInMB?: unknown;
  readonly maxConcurrentTransforms?: unknown;
}): string | undefined {
  const payload = settings.maxPayloadInMB ?? BATCH_DEFAULTS.maxPayloadInMB;
  const concurrent = settings.maxConcurrentTransforms;
  if (typeof payload !== "number" || typeof concurrent !== "number") return undefined;
  return payload * concurrent > MAX_TRANSFORM_PAYLOAD_MB
    ? `must be at most ${Math.floor(MAX_TRANSFORM_PAYLOAD_MB / payload)} with maxPayloadInMB ${payload}: ` +
        `a transform job sends at most ${MAX_TRANSFORM_PAYLOAD_MB} MB across its concurrent requests`
    : undefined;
}

export const batchSettings = strictObject(BATCH_SETTINGS).superRefine((settings, context) => {
  const problem = payloadProblem(settings);
  if (problem) {
    context.addIssue({
      code: "custom",
      path: ["maxConcurrentTransforms"],
      input: settings.maxConcurrentTransforms,
      message: problem,
    });
  }
});

/** `models[].batch` with every default set. */
export type BatchSettings = z.output<typeof batchSettings>;

/** A problem of the stack config: where it is, what was found, and what is allowed. */
export interface BatchConfigProblem {
  /** Key path as written in the stack file, e.g. `models[0].batch`. */
  readonly path: string;
  readonly value: unknown;
  readonly message: string;
}

/**
 * The rules of `models[<i>].batch` that span keys outside it, on the raw input (so that they run
 * when other keys are invalid): it scores with the version the model's endpoint serves, so the
 * endpoint must be enabled; a run writes its outputs and reads them again later in the run, so
 * `storage.batchOutputRetentionDays` must outlast its two processing jobs.
 *
 * @param path Where the model is, e.g. `models[0]`.
 */
export function batchProblems(
  path: string,
  model: { readonly batch?: unknown; readonly endpoint?: unknown },
  storage: { readonly batchOutputRetentionDays?: unknown },
): BatchConfigProblem[] {
  const batch = record(model.batch);
  if (!batch) return [];
  const problems: BatchConfigProblem[] = [];
  if (record(model.endpoint)?.enabled === false) {
    problems.push({
      path: `${path}.batch`,
      value: undefined,
      message:
        "needs endpoint.enabled: batch inference scores with the version the endpoint serves " +
        "(endpoint.modelPackage); enable the endpoint or remove batch",
    });
  }
  const days = storage.batchOutputRetentionDays;
  const retention = retentionProblem(
    days ?? STORAGE_DEFAULTS.batchOutputRetentionDays,
    batch.maxRuntimeSeconds ?? BATCH_DEFAULTS.maxRuntimeSeconds,
  );
  if (retention) {
    problems.push({
      path: "storage.batchOutputRetentionDays",
      value: days,
      message: `${retention} (${path}.batch.maxRuntimeSeconds)`,
    });
  }
  return problems;
}

/**
 * Why outputs kept `retentionDays` could expire during a run whose processing jobs may each run
 * `maxRuntimeSeconds`: Score reads what ValidateInput wrote, Summarize what Score wrote. Undefined
 * when they last, or when a value is not valid (the schema reports those).
 */
export function retentionProblem(retentionDays: unknown, maxRuntimeSeconds: unknown): string | undefined {
  if (!Number.isInteger(retentionDays) || (retentionDays as number) < 1) return undefined;
  if (typeof maxRuntimeSeconds !== "number") return undefined;
  const needed = daysToKeep(2 * maxRuntimeSeconds);
  return (retentionDays as number) < needed
    ? `is shorter than the ${needed} days a batch inference run needs: a run reads again what its steps ` +
        `wrote, and its ValidateInput and Summarize jobs may each run ${maxRuntimeSeconds} seconds; keep its ` +
        `outputs at least ${needed} days or shorten maxRuntimeSeconds`
    : undefined;
}

function record(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
