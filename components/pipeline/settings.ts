import { ModelApprovalStatus, ProcessingInstanceType, TrainingInstanceType } from "@aws-sdk/client-sagemaker";
import { z } from "zod";
import { flag, integer, s3Uri, sagemakerEnum, strictObject, text } from "../shared/settings";

/**
 * ContainerArguments of a processing job: each argument at most 256 characters (AppSpecification,
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AppSpecification.html).
 */
export const MAX_CONTAINER_ARGUMENT_CHARS = 256;

const SHARE = "must be a number from 0 to 1";
const share = () => z.number({ error: SHARE }).min(0, { error: SHARE }).max(1, { error: SHARE });

/**
 * `models[].pipeline.dataChecks`: the limits the ValidateData step holds the input to, passed to
 * `ml/validate.py` as its options (with its defaults).
 */
export const DATA_CHECK_SETTINGS = {
  minRows: integer(1, 1_000_000_000).default(100).describe("Fewest data rows the input may hold."),
  maxMissingRate: share()
    .default(0.05)
    .describe("Largest share of rows without a value in any one column (see columnMaxMissing)."),
  minClassShare: share()
    .default(0.05)
    .describe("Smallest share of each target class among the rows that have a target value."),
  maxClassShare: share()
    .default(0.95)
    .describe(
      "Largest share of each target class among the rows that have a target value; at least minClassShare.",
    ),
  columnMaxMissing: z
    .record(text("a column name"), share(), {
      error: (issue) =>
        issue.code === "invalid_type" ? "must be a mapping of column names to shares from 0 to 1" : undefined,
    })
    .default({})
    .describe(
      "Per-column limits that replace maxMissingRate, e.g. { mean_area: 0.2 }; each a column of the model's " +
        `schema. As JSON, at most ${MAX_CONTAINER_ARGUMENT_CHARS} characters (one argument of the job).`,
    ),
};

/** The data checks, with the rules that span keys; the container argument limit too. */
export const dataChecksSetting = strictObject(DATA_CHECK_SETTINGS).superRefine((checks, context) => {
  const { minClassShare, maxClassShare, columnMaxMissing } = checks;
  const isShare = (value: unknown): value is number => typeof value === "number" && value >= 0 && value <= 1;
  // validate.py refuses a command line whose minimum exceeds its maximum: say so before a build runs.
  if (isShare(minClassShare) && isShare(maxClassShare) && maxClassShare < minClassShare) {
    context.addIssue({
      code: "custom",
      path: ["maxClassShare"],
      input: maxClassShare,
      message: `must be at least minClassShare (${minClassShare})`,
    });
  }
  const json = JSON.stringify(columnMaxMissing ?? {});
  if (json.length > MAX_CONTAINER_ARGUMENT_CHARS) {
    context.addIssue({
      code: "custom",
      path: ["columnMaxMissing"],
      input: columnMaxMissing,
      message: `is ${json.length} characters as JSON; a processing job's argument holds at most ${MAX_CONTAINER_ARGUMENT_CHARS}: raise maxMissingRate instead of listing many columns`,
    });
  }
});

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
      "Instance type of the ValidateData, Preprocess, DriftBaseline, DataQualityBaseline and Evaluate jobs (a ProcessingInstanceType).",
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
  dataChecks: dataChecksSetting
    .default(dataChecksSetting.parse({}))
    .describe(
      "What the ValidateData step holds the input data to, against the model's schema (ml/schemas/<model>.json), before anything is trained; data that fails stops the build with each problem named.",
    ),
  schemaFile: z
    .string({ error: "must be a path relative to the project, e.g. ml/schemas/churn.json" })
    .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[\w./-]+\.json$/, {
      error: "must be the path of a .json file relative to the project, without ..",
    })
    .optional()
    .describe(
      "The model's schema, which ValidateData checks every dataset against (write it with python3 ml/validate.py write-schema). Unset: ml/schemas/<model>.json.",
    ),
  championMargin: share()
    .default(0.01)
    .describe(
      "How far a new model's test accuracy may be below the approved model's (both scored on the same test split) for it to be registered; 0.01 is one percentage point. Without an approved version, only accuracyThreshold decides.",
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

/** The limits of the ValidateData step (`dataChecks`), every one set. */
export type DataChecks = z.output<typeof dataChecksSetting>;

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
