import { ProductionVariantInstanceType } from "@aws-sdk/client-sagemaker";
import { z } from "zod";
import {
  LATEST_APPROVED,
  LATEST_VERIFIED,
  MODEL_PACKAGE_ARN_PATTERN,
  VARIANT_NAME_PATTERN,
} from "../shared/names";
import { flag, integer, requiredOr, sagemakerEnum, strictObject } from "../shared/settings";

/** `models[].endpoint`: how a model is served. Each setting's default, range and description, once. */

const endpointInstanceType = sagemakerEnum(
  ProductionVariantInstanceType,
  "a SageMaker instance type for endpoints",
);

export const AUTOSCALING_DEFAULTS = {
  targetInvocationsPerInstance: 1000,
  scaleInCooldownSeconds: 300,
  scaleOutCooldownSeconds: 60,
} as const;
export const AUTOSCALING_SETTINGS = {
  minCapacity: integer(1, 100).describe("Fewest instances the autoscaler keeps."),
  maxCapacity: integer(1, 100).describe("Most instances the autoscaler starts; at least minCapacity."),
  targetInvocationsPerInstance: integer(1, 100_000)
    .default(AUTOSCALING_DEFAULTS.targetInvocationsPerInstance)
    .describe("Target of SageMakerVariantInvocationsPerInstance (invocations a minute per instance)."),
  scaleInCooldownSeconds: integer(0, 3600)
    .default(AUTOSCALING_DEFAULTS.scaleInCooldownSeconds)
    .describe("Seconds after a scale-in before the next one."),
  scaleOutCooldownSeconds: integer(0, 3600)
    .default(AUTOSCALING_DEFAULTS.scaleOutCooldownSeconds)
    .describe("Seconds after a scale-out before the next one."),
};
const autoscaling = strictObject(AUTOSCALING_SETTINGS);

const modelPackage = z
  .string({ error: `must be "${LATEST_APPROVED}" or a model package ARN` })
  .refine((value) => value === LATEST_APPROVED || MODEL_PACKAGE_ARN_PATTERN.test(value), {
    error: `must be "${LATEST_APPROVED}" or a versioned model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)`,
  });

/** The primary variant may also serve what another environment verified (`models[].source`). */
const primaryModelPackage = z
  .string({ error: `must be "${LATEST_APPROVED}", "${LATEST_VERIFIED}" or a model package ARN` })
  .refine(
    (value) =>
      value === LATEST_APPROVED || value === LATEST_VERIFIED || MODEL_PACKAGE_ARN_PATTERN.test(value),
    {
      error: `must be "${LATEST_APPROVED}", "${LATEST_VERIFIED}" or a versioned model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)`,
    },
  );

/** Variant names are kept across deployments: blue/green updates require the same names. */
const variantName = z.string({ error: requiredOr("a variant name") }).regex(VARIANT_NAME_PATTERN, {
  error: "is not a valid variant name (1-63 letters, digits and hyphens; no hyphen at either end)",
});

/** SageMaker Serverless Inference: memory in steps of 1024 MB. */
export const SERVERLESS_MEMORY_SIZES = [1024, 2048, 3072, 4096, 5120, 6144] as const;
export const SERVERLESS_SETTINGS = {
  memorySizeInMb: z
    .number({ error: requiredOr(`one of ${SERVERLESS_MEMORY_SIZES.join(", ")}`) })
    .refine((value) => (SERVERLESS_MEMORY_SIZES as readonly number[]).includes(value), {
      error: `must be one of ${SERVERLESS_MEMORY_SIZES.join(", ")}`,
    })
    .describe(`Memory of each serverless worker, in MB: ${SERVERLESS_MEMORY_SIZES.join(", ")}.`),
  maxConcurrency: integer(1, 200).describe("Concurrent invocations at most."),
  provisionedConcurrency: integer(1, 200)
    .optional()
    .describe("Workers kept warm, at most maxConcurrency. Unset: none."),
};
const serverless = strictObject(SERVERLESS_SETTINGS);

/** The default instance type of endpoint variants, shadow ones included. */
export const DEFAULT_ENDPOINT_INSTANCE_TYPE = "ml.m5.large";

/** What a production variant gets when its weight or instance count is left out. */
export const VARIANT_DEFAULTS = { weight: 1, initialInstanceCount: 1 } as const;

/**
 * Where a variant runs: instances (`instanceType`, `initialInstanceCount`, optional `autoscaling`)
 * or `serverless`. Instance defaults apply once it is known which one it is (`ModelEndpoint`).
 */
const capacity = {
  instanceType: endpointInstanceType
    .optional()
    .describe(
      `Instance type (a ProductionVariantInstanceType). Unset: ${DEFAULT_ENDPOINT_INSTANCE_TYPE}, unless serverless.`,
    ),
  initialInstanceCount: integer(1, 100)
    .optional()
    .describe(
      `Instances at creation; autoscaling then moves within its bounds. Unset: ${VARIANT_DEFAULTS.initialInstanceCount}, unless serverless.`,
    ),
  autoscaling: autoscaling
    .optional()
    .describe("Target-tracking autoscaling on invocations per instance. Unset: none."),
  serverless: serverless
    .optional()
    .describe("Run on Serverless Inference instead of instances (no capture, VPC, challengers or shadow)."),
};

const weight = z
  .number({ error: "must be a number from 0 to 1000" })
  .min(0, { error: "must be a number from 0 to 1000" })
  .max(1000, { error: "must be a number from 0 to 1000" });

/** A second model served next to the primary one, with a share of the traffic (A/B test). */
const challenger = strictObject({
  name: variantName.describe("Variant name, unique in the endpoint."),
  modelPackage: modelPackage
    .refine((value) => value !== LATEST_APPROVED, {
      error: "must be a model package ARN: a challenger serves a specific version",
    })
    .describe("The versioned model package ARN the challenger serves."),
  weight: weight
    .default(VARIANT_DEFAULTS.weight)
    .describe("Share of the traffic, relative to the other variants' weights."),
  ...capacity,
});

export const SHADOW_DEFAULTS = {
  name: "shadow",
  samplingPercentage: 100,
  instanceType: DEFAULT_ENDPOINT_INSTANCE_TYPE,
  initialInstanceCount: 1,
} as const;
/** A model that receives a copy of the primary variant's requests; its answers are only captured. */
const shadow = strictObject({
  name: variantName.default(SHADOW_DEFAULTS.name).describe("Variant name of the shadow."),
  modelPackage: modelPackage.describe(`"${LATEST_APPROVED}" or a versioned model package ARN.`),
  samplingPercentage: integer(1, 100)
    .default(SHADOW_DEFAULTS.samplingPercentage)
    .describe("Percentage of the primary variant's requests copied to the shadow."),
  instanceType: endpointInstanceType
    .default(SHADOW_DEFAULTS.instanceType)
    .describe("Instance type of the shadow."),
  initialInstanceCount: integer(1, 100)
    .default(SHADOW_DEFAULTS.initialInstanceCount)
    .describe("Instances of the shadow."),
});

export const DEPLOYMENT_STRATEGIES = ["ALL_AT_ONCE", "CANARY", "LINEAR"] as const;
export const DEPLOYMENT_DEFAULTS = {
  strategy: "ALL_AT_ONCE" as const,
  canarySizePercent: 10,
  linearStepPercent: 20,
  waitIntervalSeconds: 300,
  terminationWaitSeconds: 0,
};
export const DEPLOYMENT_SETTINGS = {
  strategy: z
    .enum(DEPLOYMENT_STRATEGIES, { error: `must be one of ${DEPLOYMENT_STRATEGIES.join(", ")}` })
    .default(DEPLOYMENT_DEFAULTS.strategy)
    .describe("How traffic moves to a new version: all at once, a canary then the rest, or linear steps."),
  // SageMaker: a canary is at most 50 % of the new fleet, a linear step 10-50 %.
  canarySizePercent: integer(1, 50)
    .optional()
    .describe(
      `CANARY only: share of the new fleet that takes traffic first. Unset: ${DEPLOYMENT_DEFAULTS.canarySizePercent}.`,
    ),
  linearStepPercent: integer(10, 50)
    .optional()
    .describe(
      `LINEAR only: share of the new fleet turned on at each step. Unset: ${DEPLOYMENT_DEFAULTS.linearStepPercent}.`,
    ),
  waitIntervalSeconds: integer(0, 3600)
    .default(DEPLOYMENT_DEFAULTS.waitIntervalSeconds)
    .describe("Seconds of baking between steps, watched by the rollback alarms."),
  terminationWaitSeconds: integer(0, 3600)
    .default(DEPLOYMENT_DEFAULTS.terminationWaitSeconds)
    .describe("Seconds the old fleet is kept after the switch, for a fast rollback."),
  maximumExecutionTimeoutSeconds: integer(600, 28_800)
    .optional()
    .describe("Seconds after which SageMaker gives up and rolls back. Unset: SageMaker's own."),
};
const deployment = strictObject(DEPLOYMENT_SETTINGS);

export const ALARM_DEFAULTS = {
  latencyP99Milliseconds: 1000,
  errorRate4xxPercent: 5,
  errors5xxPerMinute: 1,
  modelSetupTimeMilliseconds: 30_000,
  evaluationPeriods: 3,
};
const alarms = strictObject({
  latencyP99Milliseconds: integer(1, 600_000)
    .default(ALARM_DEFAULTS.latencyP99Milliseconds)
    .describe("p99 model latency above which a deployment rolls back."),
  errorRate4xxPercent: z
    .number({ error: "must be a percentage above 0, up to 100" })
    .gt(0, { error: "must be a percentage above 0, up to 100" })
    .max(100, { error: "must be a percentage above 0, up to 100" })
    .default(ALARM_DEFAULTS.errorRate4xxPercent)
    .describe("Share of requests answered 4XX above which the alarm fires."),
  errors5xxPerMinute: integer(1, 1_000_000)
    .default(ALARM_DEFAULTS.errors5xxPerMinute)
    .describe("5XX answers a minute at which the alarm fires."),
  modelSetupTimeMilliseconds: integer(1, 600_000)
    .default(ALARM_DEFAULTS.modelSetupTimeMilliseconds)
    .describe("Serverless only: cold-start time above which the alarm fires."),
  evaluationPeriods: integer(1, 60)
    .default(ALARM_DEFAULTS.evaluationPeriods)
    .describe("Minutes a threshold must be crossed before an alarm fires."),
});

export const DATA_CAPTURE_DEFAULTS = { enabled: true, samplingPercentage: 100 };
const dataCapture = strictObject({
  enabled: flag()
    .default(DATA_CAPTURE_DEFAULTS.enabled)
    .describe("Capture requests and responses (monitoring needs them)."),
  samplingPercentage: integer(1, 100)
    .default(DATA_CAPTURE_DEFAULTS.samplingPercentage)
    .describe("Percentage of requests captured."),
});

export const ENDPOINT_SETTINGS = {
  enabled: flag().default(true).describe("Deploy an endpoint for the model."),
  modelPackage: primaryModelPackage
    .default(LATEST_APPROVED)
    .describe(
      `What the primary variant serves: "${LATEST_APPROVED}" (the registry's newest approved version), ` +
        `"${LATEST_VERIFIED}" (the source registry's newest version that source.verifiedIn verified) or a versioned model package ARN.`,
    ),
  variantName: variantName
    .default("primary")
    .describe("Name of the primary variant; kept across deployments."),
  weight: weight
    .default(VARIANT_DEFAULTS.weight)
    .describe("Share of the traffic, relative to the challengers' weights."),
  ...capacity,
  challengers: z
    .array(challenger, { error: "must be a list of variants" })
    // An endpoint configuration holds at most 10 production variants.
    .max(9, { error: "lists more than 9 challengers (an endpoint holds at most 10 variants)" })
    .default([])
    .describe(
      "Other versions served next to the primary one, each with a share of the traffic (A/B); at most 2, as each " +
        "variant brings 3 rollback alarms and SageMaker watches at most 10 per endpoint.",
    ),
  shadow: shadow
    .optional()
    .describe("A version that gets a copy of the primary's requests; its answers are only captured."),
  dataCapture: dataCapture.default(DATA_CAPTURE_DEFAULTS).describe("Capture of requests and responses."),
  deployment: deployment
    .default({
      strategy: DEPLOYMENT_DEFAULTS.strategy,
      waitIntervalSeconds: DEPLOYMENT_DEFAULTS.waitIntervalSeconds,
      terminationWaitSeconds: DEPLOYMENT_DEFAULTS.terminationWaitSeconds,
    })
    .describe("Blue/green deployment of new versions, rolled back on the alarms."),
  alarms: alarms.default(ALARM_DEFAULTS).describe("Alarm thresholds; the alarms notify the model's topic."),
};

export const endpointSettings = strictObject(ENDPOINT_SETTINGS);

/** The defaults of the endpoint's own keys. */
export const ENDPOINT_DEFAULTS = endpointSettings.parse({});
