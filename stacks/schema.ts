import { z } from "zod";
import { batchSettings } from "../components/batch/settings";
import { deliverySettings } from "../components/delivery/settings";
import { endpointSettings } from "../components/endpoint/settings";
import {
  alertSettings,
  encryptionSettings,
  KEY_DEFAULTS,
  networkSettings,
  STORAGE_DEFAULTS,
  storageSettings,
} from "../components/foundation/settings";
import { securitySettings } from "../components/foundation/securitySettings";
import { monitoringSettings } from "../components/monitoring/settings";
import { retrainingSettings } from "../components/retraining/settings";
import { pipelineSettings } from "../components/pipeline/settings";
import { PROMOTION_DEFAULTS, promotionSettings, sourceSettings } from "../components/promotion/settings";
import { ENVIRONMENT_PATTERN, MODEL_NAME_PATTERN, NAME_PREFIX_PATTERN } from "../components/shared/names";
import { requiredOr, strictObject, text } from "../components/shared/settings";

/**
 * The schema of one stack's settings (`mlops:*` keys in `Pulumi.<stack>.yaml`), assembled from the
 * settings each capability defines (`components/<capability>/settings.ts`). The configuration
 * reference (docs/configuration.md) is generated from it.
 *
 * Every message completes a sentence that starts with the key path and the value received, e.g.
 * `models[1].endpoint.instanceType: "ml.m5.huge" is not a SageMaker instance type ...`;
 * see `errors.ts` for how issues become that sentence.
 */

/** An environment's name: see components/shared/names.ts. */
export { ENVIRONMENT_PATTERN };

/** What the default name prefix is made of: `mlops-<stack name>`. */
export const DEFAULT_PREFIX_START = "mlops-";

/** Tags every resource must carry; `Environment` is filled in from `environment`. */
export const REQUIRED_TAGS = ["Environment", "Project", "Owner", "CostCenter"] as const;

const modelName = z
  .string({ error: requiredOr("a model name: lowercase letters, digits and hyphens") })
  .regex(MODEL_NAME_PATTERN, {
    error: "is not a valid model name (1-24 lowercase letters, digits and hyphens; starts with a letter)",
  });

const namePrefix = z
  .string({ error: "must be a name prefix (lowercase letters, digits and hyphens)" })
  .regex(NAME_PREFIX_PATTERN, {
    error: "is not a valid name prefix (1-20 lowercase letters, digits and hyphens; starts with a letter)",
  });

const model = strictObject({
  name: modelName.describe("The model's name, part of its pipeline, bucket, registry and endpoint names."),
  description: text("a description")
    .optional()
    .describe("What the model does, shown on its registry and pipeline."),
  source: sourceSettings
    .optional()
    .describe(
      "Serve a model another stack builds and verifies, from its registry. Unset: this stack builds it.",
    ),
  pipeline: pipelineSettings
    .default(pipelineSettings.parse({}))
    .describe("How the model is built (not with source)."),
  endpoint: endpointSettings.default(endpointSettings.parse({})).describe("How the model is served."),
  monitoring: monitoringSettings
    .default(monitoringSettings.parse({}))
    .describe("How the endpoint's traffic is watched."),
  retraining: retrainingSettings
    .default(retrainingSettings.parse({}))
    .describe(
      "What starts the model's build pipeline besides a person: new data, a schedule, drift (not with source).",
    ),
  batch: batchSettings
    .optional()
    .describe(
      "Batch inference with the version the endpoint serves: datasets dropped under batch/input/ of the model's data bucket, or a schedule, are scored into batch/output/. Unset: none.",
    ),
});

const tags = z
  .record(z.string(), text("a tag value"), { error: requiredOr("a mapping of tag names to values") })
  .refine((value) => Object.keys(value).length <= 40, {
    error: "has more than 40 tags (AWS allows 50 per resource)",
  });

export const stackConfigSchema = strictObject({
  environment: z
    .string({ error: requiredOr("an environment name, e.g. dev, qa, staging or prod") })
    .regex(ENVIRONMENT_PATTERN, {
      error:
        "is not a valid environment name (1-14 lowercase letters, digits and hyphens; starts with a letter, e.g. dev, qa, sandbox-alice)",
    })
    .describe(
      "Which environment the stack is (e.g. dev, qa, staging, prod); filled into the Environment tag.",
    ),
  namePrefix: namePrefix
    .optional()
    .describe("Prefix of every physical name; unique per AWS account and region. Unset: mlops-<stack name>."),
  requireMonitoring: z
    .boolean({ error: "must be true or false" })
    .default(false)
    .describe(
      "Every endpoint that captures data is monitored: models[].monitoring.enabled cannot be false while capture is on.",
    ),
  tags: tags.describe(
    `Tags every resource carries; ${REQUIRED_TAGS.filter((t) => t !== "Environment").join(", ")} are required.`,
  ),
  encryption: encryptionSettings.default(KEY_DEFAULTS).describe("The KMS key everything is encrypted with."),
  network: networkSettings
    .optional()
    .describe("Run jobs and models in these subnets and security groups. Unset: no VPC."),
  alerts: alertSettings.describe("Who is alerted."),
  storage: storageSettings
    .default(STORAGE_DEFAULTS)
    .describe("Deletion protection, how long the stack's data and logs are kept, and S3 access logs."),
  security: securitySettings
    .default({})
    .describe("What caps the permissions of every role the stack creates."),
  models: z
    .array(model, { error: requiredOr("a list of models") })
    .min(1, { error: "must list at least one model" })
    .max(100, { error: "lists more than 100 models; split them across stacks" })
    .describe("The models of the stack, each with its pipeline, endpoint and monitoring."),
  promotion: promotionSettings
    .default(PROMOTION_DEFAULTS)
    .describe("Who may serve the models this stack builds (other accounts' stacks with models[].source)."),
  delivery: deliverySettings.optional().describe("CI/CD from GitHub Actions. Unset: no delivery resources."),
});

/** The raw settings as written in `Pulumi.<stack>.yaml` (before defaults). */
export type StackConfigInput = z.input<typeof stackConfigSchema>;
/** The settings after validation, with every default filled in. */
export type ParsedStackConfig = z.output<typeof stackConfigSchema>;
export type ModelConfig = ParsedStackConfig["models"][number];
export type EndpointConfig = ModelConfig["endpoint"];
export type MonitoringConfig = ModelConfig["monitoring"];
export type DeliveryInput = NonNullable<ParsedStackConfig["delivery"]>;
