/**
 * Name patterns the stack config, the components and the policy pack all accept: one of each, so
 * that what the config lets through no component refuses.
 */

/** Model names become part of bucket, role and pipeline names, so they are short and DNS-safe. */
export const MODEL_NAME_PATTERN = /^[a-z]([a-z0-9-]{0,22}[a-z0-9])?$/;

/**
 * An environment's name (`dev`, `qa`, `staging`, `prod`, `sandbox-alice`): any number of them, each a
 * stack. Environments differ by config only, never by code: nothing branches on the name, which is a
 * label (the Environment tag, the stack's outputs, a model package's lifecycle stage). At most 14
 * characters, like a stack name whose default name prefix, `mlops-<stack>`, fits the 20 characters
 * of a prefix.
 */
export const ENVIRONMENT_PATTERN = /^[a-z]([a-z0-9-]{0,12}[a-z0-9])?$/;

/** The prefix of every physical name of a stack. */
export const NAME_PREFIX_PATTERN = /^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$/;

/** The value of `modelPackage` that deploys the newest approved version of the model's registry. */
export const LATEST_APPROVED = "latest-approved";

/** A versioned model package (one version in a model package group). */
export const MODEL_PACKAGE_ARN_PATTERN =
  /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-zA-Z0-9]([-a-zA-Z0-9]{0,62})\/\d+$/;

/** A KMS key by ARN; aliases are not accepted, since key policies and grants name keys. */
export const KMS_KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;

/** Production variant names: SageMaker's pattern, at most 63 characters. */
export const VARIANT_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** CloudWatch metric names carry the feature name: `feature_baseline_drift_<feature>`. */
export const FEATURE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,200}$/;

/**
 * The value of `modelPackage` that deploys the newest approved version of the source registry that
 * an environment verified (`models[].source.verifiedIn`): the package staging deployed, verified and
 * smoke-tested, promoted to prod.
 */
export const LATEST_VERIFIED = "latest-verified";

/** A model package group by ARN: the registry of another stack (or account) a model is served from. */
export const MODEL_PACKAGE_GROUP_ARN_PATTERN =
  /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package-group\/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/**
 * What `npm run ops -- promote` records on a model package with SageMaker's model lifecycle
 * (`ModelLifeCycle`: Stage = the stack's environment, StageStatus one of these). The lifecycle holds
 * the latest stage only, so each stage's status is also kept in the package's
 * CustomerMetadataProperties under `lifecycle:<stage>`, which a later stage does not overwrite.
 */
export const LIFECYCLE_STATUS = { verified: "Verified", deployed: "Deployed" } as const;

/** The CustomerMetadataProperties key that keeps a stage's lifecycle status on a model package. */
export const lifecycleMetadataKey = (stage: string) => `lifecycle:${stage}`;
