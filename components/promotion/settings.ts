import { z } from "zod";
import {
  ENVIRONMENT_PATTERN,
  LATEST_APPROVED,
  LATEST_VERIFIED,
  MODEL_PACKAGE_ARN_PATTERN,
  MODEL_PACKAGE_GROUP_ARN_PATTERN,
} from "../shared/names";
import { requiredOr, strictObject } from "../shared/settings";

/**
 * Promotion: a model is built once, in the stack that has its pipeline and registry, and the same
 * model package is served by other stacks (other accounts). `promotion` is the building stack's
 * side, `models[].source` the serving stack's. Each setting's default, range and description, once.
 */

const accountId = z
  .string({ error: "must be an AWS account id (12 digits, quoted)" })
  .regex(/^\d{12}$/, { error: "is not an AWS account id (12 digits, quoted)" });

export const PROMOTION_DEFAULTS = { consumerAccounts: [] as string[] };

export const PROMOTION_SETTINGS = {
  consumerAccounts: z
    .array(accountId, { error: requiredOr("a list of AWS account ids") })
    .max(20, { error: "lists more than 20 accounts" })
    .default(PROMOTION_DEFAULTS.consumerAccounts)
    .describe(
      "AWS accounts whose stacks serve this stack's models: they may describe and list the registries' versions " +
        "and read their artifacts and baselines. Empty: nothing is shared.",
    ),
};

export const promotionSettings = strictObject(PROMOTION_SETTINGS);

export const SOURCE_SETTINGS = {
  modelPackageGroupArn: z
    .string({ error: requiredOr("a model package group ARN") })
    .regex(MODEL_PACKAGE_GROUP_ARN_PATTERN, {
      error:
        "is not a model package group ARN (arn:aws:sagemaker:<region>:<account>:model-package-group/<name>)",
    })
    .describe(
      "The building stack's model package group this model is served from; the model has no pipeline or registry here.",
    ),
  verifiedIn: z
    .string({ error: "must be an environment name" })
    .regex(ENVIRONMENT_PATTERN, {
      error: "is not an environment name (1-14 lowercase letters, digits and hyphens; starts with a letter)",
    })
    .optional()
    .describe(
      `The environment whose verification counts for endpoint.modelPackage "${LATEST_VERIFIED}" (e.g. staging).`,
    ),
};

export const sourceSettings = strictObject(SOURCE_SETTINGS);

/** The parts of a model package group ARN. */
export interface GroupArnParts {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly groupName: string;
}

/** Splits a model package group ARN; undefined for anything else. */
export function groupArnParts(arn: string): GroupArnParts | undefined {
  if (!MODEL_PACKAGE_GROUP_ARN_PATTERN.test(arn)) return undefined;
  const [, partition = "", , region = "", accountId = "", resource = ""] = arn.split(":");
  return { partition, region, accountId, groupName: resource.slice("model-package-group/".length) };
}

/** The group ARN a versioned model package ARN belongs to; undefined for anything else. */
export function groupArnOfPackage(arn: string): string | undefined {
  if (!MODEL_PACKAGE_ARN_PATTERN.test(arn)) return undefined;
  return arn.replace(/:model-package\/([^/]+)\/\d+$/, ":model-package-group/$1");
}

/** A problem with a key of the raw settings, at the key's path below the model. */
export interface SourceProblem {
  readonly key: string;
  readonly value: unknown;
  readonly message: string;
}

/** Where the stack itself deploys, as far as the stack file says (aws:region, aws:allowedAccountIds). */
export interface StackPlace {
  readonly region?: string;
}

/**
 * The rules of a model's source across keys, on the raw settings as written: a served model has no
 * pipeline; its group is in the stack's region (SageMaker reads model artifacts from the endpoint's
 * region); `latest-verified` needs a source and the environment that verifies; a pinned package
 * belongs to the source group.
 */
export function sourceProblems(model: Readonly<Record<string, unknown>>, place: StackPlace): SourceProblem[] {
  const problems: SourceProblem[] = [];
  const source = asRecord(model.source);
  const endpoint = asRecord(model.endpoint) ?? {};
  const modelPackage = endpoint.modelPackage ?? LATEST_APPROVED;
  const groupArn = typeof source?.modelPackageGroupArn === "string" ? source.modelPackageGroupArn : undefined;
  const parts = groupArn === undefined ? undefined : groupArnParts(groupArn);
  if (!source) {
    if (modelPackage === LATEST_VERIFIED) {
      problems.push({
        key: "endpoint.modelPackage",
        value: modelPackage,
        message: `needs source: "${LATEST_VERIFIED}" serves a package another stack built and verified; set source.modelPackageGroupArn and source.verifiedIn, or use "${LATEST_APPROVED}"`,
      });
    }
    return problems;
  }
  if (model.pipeline !== undefined) {
    problems.push({
      key: "pipeline",
      value: model.pipeline,
      message:
        "cannot be set for a model served from source.modelPackageGroupArn: it is built by the stack that owns that registry; remove pipeline or source",
    });
  }
  if (model.retraining !== undefined) {
    problems.push({
      key: "retraining",
      value: model.retraining,
      message:
        "cannot be set for a model served from source.modelPackageGroupArn: the stack that builds it retrains it (its drift checks' findings are forwarded there); remove retraining or source",
    });
  }
  if (parts && place.region !== undefined && parts.region !== place.region) {
    problems.push({
      key: "source.modelPackageGroupArn",
      value: groupArn,
      message: `is in region ${parts.region}, not the stack's aws:region ${place.region}: an endpoint serves model artifacts from its own region`,
    });
  }
  if (modelPackage === LATEST_VERIFIED && source.verifiedIn === undefined) {
    problems.push({
      key: "source.verifiedIn",
      value: undefined,
      message: `is required with endpoint.modelPackage "${LATEST_VERIFIED}": the environment whose verification counts (e.g. staging)`,
    });
  }
  if (
    typeof modelPackage === "string" &&
    groupArn !== undefined &&
    MODEL_PACKAGE_ARN_PATTERN.test(modelPackage)
  ) {
    const group = groupArnOfPackage(modelPackage);
    if (group !== groupArn) {
      problems.push({
        key: "endpoint.modelPackage",
        value: modelPackage,
        message: `is not a version of source.modelPackageGroupArn (${groupArn}); pin a version of that group`,
      });
    }
  }
  return problems;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
