import {
  ModelApprovalStatus,
  ProcessingInstanceType,
  ProductionVariantInstanceType,
  TrainingInstanceType,
} from "@aws-sdk/client-sagemaker";
import { closest } from "fastest-levenshtein";
import { scheduleExpressionProblem } from "../components/monitoring/schedule";
import {
  DEFAULT_DISPATCH_EVENT_TYPE,
  GITHUB_BRANCH_PATTERN,
  GITHUB_ENVIRONMENT_PATTERN,
  GITHUB_OIDC_PROVIDER_ARN_PATTERN,
  GITHUB_REPOSITORY_PATTERN,
} from "../components/delivery/github";

import { S3_URI_PATTERN } from "../components/shared/s3Uri";
import { z } from "zod";

/**
 * The schema of one stack's settings (`mlops:*` keys in `Pulumi.<stack>.yaml`).
 *
 * Every message here completes a sentence that starts with the key path and the value received,
 * e.g. `models[1].endpoint.instanceType: "ml.m5.huge" is not a SageMaker instance type ...`;
 * see `errors.ts` for how issues become that sentence.
 */

/** The environments a stack can be. Environments differ by config only, never by code. */
export const ENVIRONMENTS = ["staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Tags every resource must carry; `Environment` is filled in from `environment`. */
export const REQUIRED_TAGS = ["Environment", "Project", "Owner", "CostCenter"] as const;

/** A strict object: unknown keys are refused, with the allowed keys in the message (catches typos). */
function strictObject<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `is not a known key here (allowed: ${Object.keys(shape).join(", ")})`
        : issue.input === undefined
          ? "is required (a mapping)"
          : "must be a mapping of keys to values",
  });
}

function text(what: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `is required (${what})` : `must be ${what}`) })
    .min(1, { error: `must be ${what}, not empty` });
}

function integer(min: number, max: number) {
  const range = `a whole number from ${min} to ${max}`;
  return z
    .number({ error: (issue) => (issue.input === undefined ? `is required (${range})` : `must be ${range}`) })
    .int({ error: `must be ${range}` })
    .min(min, { error: `must be ${range}` })
    .max(max, { error: `must be ${range}` });
}

function flag() {
  return z.boolean({ error: "must be true or false" });
}

/** An enum taken from `@aws-sdk/client-sagemaker`, with the closest valid value suggested. */
function sagemakerEnum(values: Record<string, string>, what: string) {
  const allowed = Object.values(values) as [string, ...string[]];
  return z.enum(allowed, {
    error: (issue) => {
      if (typeof issue.input !== "string") return `must be ${what} (a string such as "${allowed[0]}")`;
      return `is not ${what} (did you mean "${closest(issue.input, allowed)}"?)`;
    },
  });
}

const instanceTypes = {
  processing: sagemakerEnum(ProcessingInstanceType, "a SageMaker instance type for processing jobs"),
  training: sagemakerEnum(TrainingInstanceType, "a SageMaker instance type for training jobs"),
  endpoint: sagemakerEnum(ProductionVariantInstanceType, "a SageMaker instance type for endpoints"),
};

/** Message for a key of the wrong type, or `is required (...)` when the key is missing. */
function requiredOr(what: string) {
  return (issue: { readonly input?: unknown }) =>
    issue.input === undefined ? `is required (${what})` : `must be ${what}`;
}

const s3Uri = z.string({ error: requiredOr("an S3 URI such as s3://bucket/prefix/") }).regex(S3_URI_PATTERN, {
  error: "is not an S3 URI (expected s3://bucket/prefix/ with a valid bucket name)",
});

const kmsKeyArn = z
  .string({ error: "must be a KMS key ARN" })
  .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/, {
    error:
      "is not a KMS key ARN (expected arn:aws:kms:<region>:<account>:key/<key-id>; aliases are not accepted)",
  });

function idList(prefix: string, what: string) {
  return z
    .array(
      z
        .string({ error: `must be a ${what} id (${prefix}-...)` })
        .regex(new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`), {
          error: `is not a ${what} id (expected ${prefix}- followed by 8 or 17 hex digits)`,
        }),
      { error: requiredOr(`a list of ${what} ids`) },
    )
    .min(1, { error: `must list at least one ${what} id` });
}

/** Model names become part of bucket, role and pipeline names, so they are short and DNS-safe. */
export const MODEL_NAME_PATTERN = /^[a-z]([a-z0-9-]{0,22}[a-z0-9])?$/;
const modelName = z
  .string({ error: requiredOr("a model name: lowercase letters, digits and hyphens") })
  .regex(MODEL_NAME_PATTERN, {
    error: "is not a valid model name (1-24 lowercase letters, digits and hyphens; starts with a letter)",
  });

const namePrefix = z
  .string({ error: "must be a name prefix (lowercase letters, digits and hyphens)" })
  .regex(/^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$/, {
    error: "is not a valid name prefix (1-20 lowercase letters, digits and hyphens; starts with a letter)",
  });

const hyperparameters = z.record(
  z.string().regex(/^[a-z_]+$/, { error: "is not an XGBoost hyperparameter name (lowercase and _)" }),
  z.union([z.string(), z.number()], { error: "must be a string or a number" }).transform(String),
  {
    error: (issue) =>
      issue.code === "invalid_key"
        ? "is not an XGBoost hyperparameter name (lowercase letters and _)"
        : "must be a mapping of XGBoost hyperparameter names to values",
  },
);

const pipeline = strictObject({
  inputDataUri: s3Uri.optional(),
  targetColumn: text("a column name").default("target"),
  processingInstanceType: instanceTypes.processing.default("ml.m5.large"),
  trainingInstanceType: instanceTypes.training.default("ml.m5.large"),
  accuracyThreshold: z
    .number({ error: "must be a number from 0 to 1" })
    .min(0, { error: "must be a number from 0 to 1" })
    .max(1, { error: "must be a number from 0 to 1" })
    .default(0.8),
  modelApprovalStatus: z
    .enum([ModelApprovalStatus.PENDING_MANUAL_APPROVAL, ModelApprovalStatus.APPROVED], {
      error: `must be "${ModelApprovalStatus.PENDING_MANUAL_APPROVAL}" or "${ModelApprovalStatus.APPROVED}"`,
    })
    .default(ModelApprovalStatus.PENDING_MANUAL_APPROVAL),
  spotTraining: flag().default(true),
  maxRuntimeSeconds: integer(60, 432_000).default(3600),
  maxWaitSeconds: integer(60, 432_000).optional(),
  hyperparameters: hyperparameters.default({}),
});

const autoscaling = strictObject({
  minCapacity: integer(1, 100),
  maxCapacity: integer(1, 100),
  targetInvocationsPerInstance: integer(1, 100_000).default(1000),
  scaleInCooldownSeconds: integer(0, 3600).default(300),
  scaleOutCooldownSeconds: integer(0, 3600).default(60),
});

/** The value of `modelPackage` that deploys the newest approved version of the model's registry. */
export const LATEST_APPROVED = "latest-approved";
/** A versioned model package (one version in a model package group). */
export const MODEL_PACKAGE_ARN_PATTERN =
  /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-zA-Z0-9]([-a-zA-Z0-9]{0,62})\/\d+$/;
const modelPackage = z
  .string({ error: `must be "${LATEST_APPROVED}" or a model package ARN` })
  .refine((value) => value === LATEST_APPROVED || MODEL_PACKAGE_ARN_PATTERN.test(value), {
    error: `must be "${LATEST_APPROVED}" or a versioned model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)`,
  });

/** Variant names are kept across deployments: blue/green updates require the same names. */
const variantName = z
  .string({ error: requiredOr("a variant name") })
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, {
    error: "is not a valid variant name (1-63 letters, digits and hyphens; no hyphen at either end)",
  });

export const SERVERLESS_MEMORY_SIZES = [1024, 2048, 3072, 4096, 5120, 6144] as const;
const serverless = strictObject({
  memorySizeInMb: z
    .number({ error: requiredOr(`one of ${SERVERLESS_MEMORY_SIZES.join(", ")}`) })
    .refine((value) => (SERVERLESS_MEMORY_SIZES as readonly number[]).includes(value), {
      error: `must be one of ${SERVERLESS_MEMORY_SIZES.join(", ")}`,
    }),
  maxConcurrency: integer(1, 200),
  provisionedConcurrency: integer(1, 200).optional(),
});

/**
 * Where a variant runs: instances (`instanceType`, `initialInstanceCount`, optional `autoscaling`)
 * or `serverless`. Instance defaults are applied in `config.ts` once it is known which one it is.
 */
const capacity = {
  instanceType: instanceTypes.endpoint.optional(),
  initialInstanceCount: integer(1, 100).optional(),
  autoscaling: autoscaling.optional(),
  serverless: serverless.optional(),
};

const weight = z
  .number({ error: "must be a number from 0 to 1000" })
  .min(0, { error: "must be a number from 0 to 1000" })
  .max(1000, { error: "must be a number from 0 to 1000" });

/** A second model served next to the primary one, with a share of the traffic (A/B test). */
const challenger = strictObject({
  name: variantName,
  modelPackage: modelPackage.refine((value) => value !== LATEST_APPROVED, {
    error: "must be a model package ARN: a challenger serves a specific version",
  }),
  weight: weight.default(1),
  ...capacity,
});

/** A model that receives a copy of the primary variant's requests; its answers are only captured. */
const shadow = strictObject({
  name: variantName.default("shadow"),
  modelPackage,
  samplingPercentage: integer(1, 100).default(100),
  instanceType: instanceTypes.endpoint.default("ml.m5.large"),
  initialInstanceCount: integer(1, 100).default(1),
});

export const DEPLOYMENT_STRATEGIES = ["ALL_AT_ONCE", "CANARY", "LINEAR"] as const;
const deploymentDefaults = {
  strategy: "ALL_AT_ONCE" as const,
  waitIntervalSeconds: 300,
  terminationWaitSeconds: 0,
};
const deployment = strictObject({
  strategy: z
    .enum(DEPLOYMENT_STRATEGIES, { error: `must be one of ${DEPLOYMENT_STRATEGIES.join(", ")}` })
    .default("ALL_AT_ONCE"),
  // SageMaker: a canary is at most 50 % of the new fleet, a linear step 10-50 %.
  canarySizePercent: integer(1, 50).optional(),
  linearStepPercent: integer(10, 50).optional(),
  waitIntervalSeconds: integer(0, 3600).default(deploymentDefaults.waitIntervalSeconds),
  terminationWaitSeconds: integer(0, 3600).default(deploymentDefaults.terminationWaitSeconds),
  maximumExecutionTimeoutSeconds: integer(600, 28_800).optional(),
});

const alarmDefaults = {
  latencyP99Milliseconds: 1000,
  errorRate4xxPercent: 5,
  errors5xxPerMinute: 1,
  modelSetupTimeMilliseconds: 30_000,
  evaluationPeriods: 3,
};
const alarms = strictObject({
  latencyP99Milliseconds: integer(1, 600_000).default(alarmDefaults.latencyP99Milliseconds),
  errorRate4xxPercent: z
    .number({ error: "must be a percentage above 0, up to 100" })
    .gt(0, { error: "must be a percentage above 0, up to 100" })
    .max(100, { error: "must be a percentage above 0, up to 100" })
    .default(alarmDefaults.errorRate4xxPercent),
  errors5xxPerMinute: integer(1, 1_000_000).default(alarmDefaults.errors5xxPerMinute),
  modelSetupTimeMilliseconds: integer(1, 600_000).default(alarmDefaults.modelSetupTimeMilliseconds),
  evaluationPeriods: integer(1, 60).default(alarmDefaults.evaluationPeriods),
});

const dataCapture = strictObject({
  enabled: flag().default(true),
  samplingPercentage: integer(1, 100).default(100),
});

const endpoint = strictObject({
  enabled: flag().default(true),
  modelPackage: modelPackage.default(LATEST_APPROVED),
  variantName: variantName.default("primary"),
  weight: weight.default(1),
  ...capacity,
  challengers: z
    .array(challenger, { error: "must be a list of variants" })
    // An endpoint configuration holds at most 10 production variants.
    .max(9, { error: "lists more than 9 challengers (an endpoint holds at most 10 variants)" })
    .default([]),
  shadow: shadow.optional(),
  dataCapture: dataCapture.default({ enabled: true, samplingPercentage: 100 }),
  deployment: deployment.default(deploymentDefaults),
  alarms: alarms.default(alarmDefaults),
});

/** CloudWatch metric names carry the feature name: `feature_baseline_drift_<feature>`. */
export const FEATURE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,200}$/;
const featureName = z.string({ error: "must be a feature name" }).regex(FEATURE_NAME_PATTERN, {
  error: "is not a feature name Model Monitor publishes metrics for (1-200 letters, digits, _ . -)",
});

const driftAlarms = strictObject({
  features: z
    .array(featureName, { error: "must be a list of feature names" })
    .max(100, { error: "lists more than 100 features; alarm on the ones that matter most" })
    .default([]),
  // Model Monitor's suggested constraints flag a feature when its distance to the baseline exceeds 0.1.
  threshold: z
    .number({ error: "must be a distance above 0, up to 1" })
    .gt(0, { error: "must be a distance above 0, up to 1" })
    .max(1, { error: "must be a distance above 0, up to 1" })
    .default(0.1),
});

const monitoring = strictObject({
  enabled: flag().default(true),
  scheduleExpression: z
    .string({ error: "must be a SageMaker schedule expression" })
    .superRefine((value, context) => {
      const problem = scheduleExpressionProblem(value);
      if (problem) context.addIssue({ code: "custom", message: problem, input: value });
    })
    .default("cron(0 0 ? * * *)"),
  instanceType: instanceTypes.processing.default("ml.m5.large"),
  // SageMaker: a monitoring execution runs at most an hour, and must end before the next one starts.
  maxRuntimeSeconds: integer(60, 3600).default(1800),
  baseline: strictObject({ statisticsUri: s3Uri, constraintsUri: s3Uri }).optional(),
  driftAlarms: driftAlarms.default({ features: [], threshold: 0.1 }),
});

const model = strictObject({
  name: modelName,
  description: text("a description").optional(),
  pipeline: pipeline.default(pipeline.parse({})),
  endpoint: endpoint.default(endpoint.parse({})),
  monitoring: monitoring.default(monitoring.parse({})),
});

const tags = z
  .record(z.string(), text("a tag value"), { error: requiredOr("a mapping of tag names to values") })
  .refine((value) => Object.keys(value).length <= 40, {
    error: "has more than 40 tags (AWS allows 50 per resource)",
  });

/** GitHub's `event_type` of a repository dispatch: at most 100 characters. */
export const DISPATCH_EVENT_TYPE_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

const github = strictObject({
  repository: z
    .string({ error: requiredOr("a GitHub repository as owner/name") })
    .regex(GITHUB_REPOSITORY_PATTERN, {
      error:
        "is not a GitHub repository (expected owner/name, e.g. example-org/mlops-platform; no wildcards)",
    }),
  deployEnvironment: z
    .string({ error: "must be the name of a GitHub environment" })
    .regex(GITHUB_ENVIRONMENT_PATTERN, {
      error:
        "is not a GitHub environment name this role can trust (1-255 letters, digits, '.', '_', '-'; no wildcards)",
    })
    .optional(),
  deployBranch: z
    .string({ error: "must be the name of a branch" })
    .regex(GITHUB_BRANCH_PATTERN, {
      error:
        "is not a branch name this role can trust (e.g. main or release/v2; no wildcards, spaces or '..')",
    })
    .optional(),
  oidcProviderArn: z
    .string({ error: "must be the ARN of the account's GitHub OIDC provider" })
    .regex(GITHUB_OIDC_PROVIDER_ARN_PATTERN, {
      error:
        "is not the ARN of a GitHub Actions OIDC provider (expected arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com)",
    })
    .optional(),
  previewRole: flag().default(true),
});

/** CI/CD from GitHub Actions: the roles its workflows assume, and the dispatch of model approvals. */
const delivery = strictObject({
  github: github.optional(),
  approvalDispatch: strictObject({
    // Left unset: on when `github` is set (config.ts resolves it).
    enabled: flag().optional(),
    eventType: z
      .string({ error: "must be a repository_dispatch event type" })
      .regex(DISPATCH_EVENT_TYPE_PATTERN, {
        error: "is not a repository_dispatch event type (1-100 letters, digits, '.', '_', '-')",
      })
      .default(DEFAULT_DISPATCH_EVENT_TYPE),
  }).optional(),
});

export const stackConfigSchema = strictObject({
  environment: z.enum(ENVIRONMENTS, {
    error: (issue) =>
      issue.input === undefined
        ? `is required (one of: ${ENVIRONMENTS.join(", ")})`
        : `is not an environment (allowed: ${ENVIRONMENTS.join(", ")})`,
  }),
  namePrefix: namePrefix.optional(),
  tags,
  encryption: strictObject({
    kmsKeyArn: kmsKeyArn.optional(),
    keyDeletionWindowDays: integer(7, 30).default(30),
  }).default({ keyDeletionWindowDays: 30 }),
  network: strictObject({
    subnetIds: idList("subnet", "subnet"),
    securityGroupIds: idList("sg", "security group"),
  }).optional(),
  alerts: strictObject({
    emails: z
      .array(z.email({ error: "is not an e-mail address" }), {
        error: requiredOr("a list of e-mail addresses"),
      })
      .min(1, { error: "must list at least one e-mail address: alerts have to reach a person" }),
  }),
  storage: strictObject({
    protectFromDeletion: flag().default(true),
    noncurrentVersionRetentionDays: integer(1, 3650).default(90),
    checkpointRetentionDays: integer(1, 365).default(14),
  }).default({ protectFromDeletion: true, noncurrentVersionRetentionDays: 90, checkpointRetentionDays: 14 }),
  models: z
    .array(model, { error: requiredOr("a list of models") })
    .min(1, { error: "must list at least one model" })
    .max(100, { error: "lists more than 100 models; split them across stacks" }),
  delivery: delivery.optional(),
});

/** The raw settings as written in `Pulumi.<stack>.yaml` (before defaults). */
export type StackConfigInput = z.input<typeof stackConfigSchema>;
/** The settings after validation, with every default filled in. */
export type ParsedStackConfig = z.output<typeof stackConfigSchema>;
export type ModelConfig = ParsedStackConfig["models"][number];
export type EndpointConfig = ModelConfig["endpoint"];
export type MonitoringConfig = ModelConfig["monitoring"];
export type DeliveryInput = NonNullable<ParsedStackConfig["delivery"]>;
