import { ProcessingInstanceType } from "@aws-sdk/client-sagemaker";
import { z } from "zod";
import { FEATURE_NAME_PATTERN } from "../shared/names";
import { flag, integer, s3Uri, sagemakerEnum, strictObject } from "../shared/settings";
import { scheduleExpressionProblem } from "./schedule";

/** `models[].monitoring`: how an endpoint's traffic is watched. Each setting's default, range and description, once. */

/** One feature name, as CloudWatch metric names carry it. */
export const FEATURE_SETTING = z.string({ error: "must be a feature name" }).regex(FEATURE_NAME_PATTERN, {
  error: "is not a feature name Model Monitor publishes metrics for (1-200 letters, digits, _ . -)",
});

export const DRIFT_ALARM_DEFAULTS = { features: [] as string[] };
/** Model Monitor's suggested constraints flag a feature when its distance to the baseline exceeds 0.1. */
export const MODEL_MONITOR_ALARM_THRESHOLD = 0.1;
export const DRIFT_ALARM_SETTINGS = {
  features: z
    .array(FEATURE_SETTING, { error: "must be a list of feature names" })
    .max(100, { error: "lists more than 100 features; alarm on the ones that matter most" })
    .default(DRIFT_ALARM_DEFAULTS.features)
    .describe("Features to alarm on, as named in the baseline (the training data's column names)."),
  threshold: z
    .number({ error: "must be a score above 0, up to 10" })
    .gt(0, { error: "must be a score above 0, up to 10" })
    .max(10, { error: "must be a score above 0, up to 10" })
    .optional()
    .describe(
      "Score above which an alarm goes off: the population stability index (drift check; default: the " +
        `feature's drift.psiDrift) or Model Monitor's baseline distance (default: ${MODEL_MONITOR_ALARM_THRESHOLD}).`,
    ),
};

/** Which engine checks an endpoint's traffic for drift. */
export const MONITORING_ENGINES = ["drift-check", "model-monitor"] as const;
export type MonitoringEngine = (typeof MONITORING_ENGINES)[number];

/**
 * What the drift check judges a feature by (ml/drift_check.py's command line). PSI 0.1 and 0.25
 * are the usual "watch" and "act" levels of the population stability index.
 */
export const DRIFT_THRESHOLD_DEFAULTS = {
  psiWarn: 0.1,
  psiDrift: 0.25,
  ksDrift: 0.2,
  missingRateChange: 0.1,
  unseenShare: 0.01,
};
const score = (what: string, max: number) =>
  z
    .number({ error: `must be ${what} above 0, up to ${max}` })
    .gt(0, { error: `must be ${what} above 0, up to ${max}` })
    .max(max, { error: `must be ${what} above 0, up to ${max}` });
export const DRIFT_THRESHOLD_SETTINGS = {
  psiWarn: score("a population stability index", 10).describe(
    "Population stability index from which a feature is reported as a warning (no alert).",
  ),
  psiDrift: score("a population stability index", 10).describe(
    "Population stability index from which a feature has drifted (an alert).",
  ),
  ksDrift: score("a Kolmogorov-Smirnov statistic", 1).describe(
    "Two-sample Kolmogorov-Smirnov statistic from which a numeric feature has drifted.",
  ),
  missingRateChange: score("a share", 1).describe(
    "Change of a feature's missing-value share, against the baseline, from which it has drifted.",
  ),
  unseenShare: score("a share", 1).describe(
    "Share of a categorical feature's values in categories the baseline lacks from which it is a warning.",
  ),
};
export const DRIFT_DEFAULTS = { ...DRIFT_THRESHOLD_DEFAULTS, minRows: 200 };
export const DRIFT_SETTINGS = {
  psiWarn: DRIFT_THRESHOLD_SETTINGS.psiWarn.default(DRIFT_DEFAULTS.psiWarn),
  psiDrift: DRIFT_THRESHOLD_SETTINGS.psiDrift.default(DRIFT_DEFAULTS.psiDrift),
  ksDrift: DRIFT_THRESHOLD_SETTINGS.ksDrift.default(DRIFT_DEFAULTS.ksDrift),
  missingRateChange: DRIFT_THRESHOLD_SETTINGS.missingRateChange.default(DRIFT_DEFAULTS.missingRateChange),
  unseenShare: DRIFT_THRESHOLD_SETTINGS.unseenShare.default(DRIFT_DEFAULTS.unseenShare),
  // With 100 rows, PSI over 10 bins is about 0.1 from sampling noise alone.
  minRows: integer(1, 1_000_000)
    .default(DRIFT_DEFAULTS.minRows)
    .describe("Rows a window needs before its statistics are judged; fewer: only schema problems are."),
  features: z
    .record(FEATURE_SETTING, strictObject(DRIFT_THRESHOLD_SETTINGS).partial(), {
      error: (issue) =>
        issue.code === "invalid_key"
          ? "is not a feature name (1-200 letters, digits, _ . -)"
          : issue.code === "invalid_type"
            ? "must be a mapping of feature names to thresholds"
            : undefined,
    })
    .default({})
    .describe("Per-feature thresholds that replace the ones above, e.g. { mean_area: { psiDrift: 0.4 } }."),
};

export const MONITORING_DEFAULTS = {
  enabled: true,
  engine: "drift-check" as MonitoringEngine,
  scheduleExpression: "cron(0 0 ? * * *)",
  instanceType: "ml.m5.large",
  maxRuntimeSeconds: 1800,
};
export const MONITORING_SETTINGS = {
  enabled: flag()
    .default(MONITORING_DEFAULTS.enabled)
    .describe("Watch the endpoint's captured traffic for drift (needs data capture)."),
  engine: z
    .enum(MONITORING_ENGINES, {
      error: `must be one of ${MONITORING_ENGINES.map((engine) => `"${engine}"`).join(", ")}`,
    })
    .default(MONITORING_DEFAULTS.engine)
    .describe(
      "drift-check: the platform's own check on SageMaker Processing, which any account can run. " +
        "model-monitor: SageMaker Model Monitor, for accounts that have it (closed to new customers).",
    ),
  drift: strictObject(DRIFT_SETTINGS)
    .default(strictObject(DRIFT_SETTINGS).parse({}))
    .describe("What the drift check judges each feature by (drift-check engine)."),
  scheduleExpression: z
    .string({ error: "must be a SageMaker schedule expression" })
    .superRefine((value, context) => {
      const problem = scheduleExpressionProblem(value);
      if (problem) context.addIssue({ code: "custom", message: problem, input: value });
    })
    .default(MONITORING_DEFAULTS.scheduleExpression)
    .describe(
      "When checks run: cron(0 <hours> ? * * *), hourly at most; the default is daily at midnight UTC.",
    ),
  instanceType: sagemakerEnum(ProcessingInstanceType, "a SageMaker instance type for processing jobs")
    .default(MONITORING_DEFAULTS.instanceType)
    .describe("Instance type of the monitoring job (a ProcessingInstanceType)."),
  // SageMaker: a monitoring execution runs at most an hour, and must end before the next one starts.
  maxRuntimeSeconds: integer(60, 3600)
    .default(MONITORING_DEFAULTS.maxRuntimeSeconds)
    .describe("Run-time limit of each check; an execution must end within the hour."),
  baseline: strictObject({
    statisticsUri: s3Uri.describe("S3 URI of statistics.json."),
    constraintsUri: s3Uri.describe("S3 URI of constraints.json."),
  })
    .optional()
    .describe(
      "Model Monitor's baseline to compare with (model-monitor engine). Unset: the one registered with the served model version.",
    ),
  driftBaselineUri: s3Uri
    .optional()
    .describe(
      "S3 URI of the drift_baseline.json to compare with (drift-check engine). Unset: the one registered with the served model version.",
    ),
  driftAlarms: strictObject(DRIFT_ALARM_SETTINGS)
    .default(DRIFT_ALARM_DEFAULTS)
    .describe("CloudWatch alarms on the drift of chosen features."),
};

export const monitoringSettings = strictObject(MONITORING_SETTINGS);

/**
 * A feature is alarmed on once. Shared by the stack config (on the raw list, so that it runs when
 * other keys are invalid) and `MonitoringSchedule`.
 */
export function repeatedFeatureProblems(
  features: readonly unknown[],
): { readonly index: number; readonly value: unknown; readonly message: string }[] {
  return features.flatMap((feature, index) => {
    const first = features.indexOf(feature);
    return typeof feature === "string" && first !== index
      ? [{ index, value: feature, message: `is already listed at features[${first}]` }]
      : [];
  });
}
