import { ModelApprovalStatus, ProcessingInstanceType, TrainingInstanceType } from "@aws-sdk/client-sagemaker";
import { z } from "zod";
import { flag, integer, s3Uri, sagemakerEnum, strictObject, text } from "../shared/settings";

/** `models[].pipeline`: how a model is built. Each setting's default, range and description, once. */
export const PIPELINE_SETTINGS = {
  inputDataUri: s3Uri
    .optional()
    .describe(
      "Training data (CSV with a header) as an S3 URI; the pipeline's role may read that prefix only. Unset: the bundled sample dataset, uploaded to the data bucket.",
    ),
  targetColumn: text("a column name")
    .default("target")
    .describe("Label column of the input CSV (binary: 0 or 1)."),
  processingInstanceType: sagemakerEnum(
    ProcessingInstanceType,
    "a SageMaker instance type for processing jobs",
  )
    .default("ml.m5.large")
    .describe(
      "Instance type of the Preprocess, DriftBaseline, DataQualityBaseline and Evaluate jobs (a ProcessingInstanceType).",
    ),
  trainingInstanceType: sagemakerEnum(TrainingInstanceType, "a SageMaker instance type for training jobs")
    .default("ml.m5.large")
    .describe("Instance type of the Train job (a TrainingInstanceType)."),
  accuracyThreshold: z
    .number({ error: "must be a number from 0 to 1" })
    .min(0, { error: "must be a number from 0 to 1" })
    .max(1, { error: "must be a number from 0 to 1" })
    .default(0.8)
    .describe("Minimum test accuracy for a model version to be registered."),
  modelApprovalStatus: z
    .enum([ModelApprovalStatus.PENDING_MANUAL_APPROVAL, ModelApprovalStatus.APPROVED], {
      error: `must be "${ModelApprovalStatus.PENDING_MANUAL_APPROVAL}" or "${ModelApprovalStatus.APPROVED}"`,
    })
    .default(ModelApprovalStatus.PENDING_MANUAL_APPROVAL)
    .describe("Status of newly registered versions; Approved deploys them without a review."),
  spotTraining: flag()
    .default(true)
    .describe("Train on managed spot capacity, resuming from checkpoints after interruptions."),
  maxRuntimeSeconds: integer(60, 432_000).default(3600).describe("Run-time limit of each job, in seconds."),
  maxWaitSeconds: integer(60, 432_000)
    .optional()
    .describe(
      "Spot training only: capacity wait plus run time, in seconds; at least maxRuntimeSeconds. Unset: twice maxRuntimeSeconds.",
    ),
  modelMonitorBaseline: flag()
    .optional()
    .describe(
      "Also baseline the training data with the Model Monitor analyzer (the DataQualityBaseline step) and register that baseline with each version, for monitoring.engine model-monitor. Every version registers its drift baseline either way. Unset: on when the model's monitoring.engine is model-monitor, off otherwise.",
    ),
  hyperparameters: z
    .record(
      z.string().regex(/^[a-z_]+$/, { error: "is not an XGBoost hyperparameter name (lowercase and _)" }),
      z.union([z.string(), z.number()], { error: "must be a string or a number" }).transform(String),
      {
        error: (issue) =>
          issue.code === "invalid_key"
            ? "is not an XGBoost hyperparameter name (lowercase letters and _)"
            : "must be a mapping of XGBoost hyperparameter names to values",
      },
    )
    .default({})
    .describe(
      "XGBoost hyperparameters, merged over the built-in defaults (binary:logistic, 100 rounds, ...).",
    ),
};

export const pipelineSettings = strictObject(PIPELINE_SETTINGS);

/** The defaults of `PIPELINE_SETTINGS`, read by `MlPipeline` for arguments left out. */
export const PIPELINE_DEFAULTS = pipelineSettings.parse({});

/**
 * Spot training's wait includes its run time, and applies to spot training only. Shared by the
 * stack config (on the raw values, so that it runs when other keys are invalid) and `MlPipeline`.
 */
export function spotWaitProblems(pipeline: {
  readonly spotTraining?: unknown;
  readonly maxRuntimeSeconds?: unknown;
  readonly maxWaitSeconds?: unknown;
}): { readonly key: "maxWaitSeconds"; readonly value: unknown; readonly message: string }[] {
  const wait = pipeline.maxWaitSeconds;
  if (wait === undefined) return [];
  if (pipeline.spotTraining === false) {
    return [
      {
        key: "maxWaitSeconds",
        value: wait,
        message: "applies to spot training only; remove it or set spotTraining: true",
      },
    ];
  }
  // A maxRuntimeSeconds of the wrong type is the schema's to report: compare only with a number.
  const runtime = pipeline.maxRuntimeSeconds ?? PIPELINE_DEFAULTS.maxRuntimeSeconds;
  if (typeof wait === "number" && typeof runtime === "number" && wait < runtime) {
    return [
      {
        key: "maxWaitSeconds",
        value: wait,
        message: `must be at least maxRuntimeSeconds (${runtime}): it includes the time spent waiting for spot capacity`,
      },
    ];
  }
  return [];
}
