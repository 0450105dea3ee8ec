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

export const DRIFT_ALARM_DEFAULTS = { features: [] as string[], threshold: 0.1 };
export const DRIFT_ALARM_SETTINGS = {
  features: z
    .array(FEATURE_SETTING, { error: "must be a list of feature names" })
    .max(100, { error: "lists more than 100 features; alarm on the ones that matter most" })
    .default(DRIFT_ALARM_DEFAULTS.features)
    .describe("Features to alarm on, as named in the baseline (the training data's column names)."),
  // Model Monitor's suggested constraints flag a feature when its distance to the baseline exceeds 0.1.
  threshold: z
    .number({ error: "must be a distance above 0, up to 1" })
    .gt(0, { error: "must be a distance above 0, up to 1" })
    .max(1, { error: "must be a distance above 0, up to 1" })
    .default(DRIFT_ALARM_DEFAULTS.threshold)
    .describe("Baseline distance above which a feature has drifted."),
};

export const MONITORING_DEFAULTS = {
  enabled: true,
  scheduleExpression: "cron(0 0 ? * * *)",
  instanceType: "ml.m5.large",
  maxRuntimeSeconds: 1800,
};
export const MONITORING_SETTINGS = {
  enabled: flag()
    .default(MONITORING_DEFAULTS.enabled)
    .describe("Watch the endpoint's captured traffic for drift (needs data capture)."),
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
    .describe("The baseline to compare with. Unset: the one registered with the served model version."),
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
