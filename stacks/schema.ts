import {
  ModelApprovalStatus,
  ProcessingInstanceType,
  ProductionVariantInstanceType,
  TrainingInstanceType,
} from "@aws-sdk/client-sagemaker";
import { closest } from "fastest-levenshtein";
import { S3_URI_PATTERN } from "../components/s3Uri";
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

const s3Uri = z.string({ error: "must be an S3 URI such as s3://bucket/prefix/" }).regex(S3_URI_PATTERN, {
  error: "is not an S3 URI (expected s3://bucket/prefix/ with a valid bucket name)",
});

const kmsKeyArn = z
  .string({ error: "must be a KMS key ARN" })
  .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/, {
    error:
      "is not a KMS key ARN (expected arn:aws:kms:<region>:<account>:key/<key-id>; aliases are not accepted)",
  });

/** Message for a key of the wrong type, or `is required (...)` when the key is missing. */
function requiredOr(what: string) {
  return (issue: { readonly input?: unknown }) =>
    issue.input === undefined ? `is required (${what})` : `must be ${what}`;
}

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
});

const endpoint = strictObject({
  instanceType: instanceTypes.endpoint.default("ml.m5.large"),
  initialInstanceCount: integer(1, 100).default(1),
  autoscaling: autoscaling.optional(),
});

const monitoring = strictObject({
  enabled: flag().default(true),
  scheduleExpression: z
    .string({ error: "must be a SageMaker schedule expression" })
    .regex(/^cron\(.+\)$/, { error: 'is not a schedule expression (expected e.g. "cron(0 * ? * * *)")' })
    .default("cron(0 0 ? * * *)"),
  instanceType: instanceTypes.processing.default("ml.m5.large"),
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
});

/** The raw settings as written in `Pulumi.<stack>.yaml` (before defaults). */
export type StackConfigInput = z.input<typeof stackConfigSchema>;
/** The settings after validation, with every default filled in. */
export type ParsedStackConfig = z.output<typeof stackConfigSchema>;
export type ModelConfig = ParsedStackConfig["models"][number];
