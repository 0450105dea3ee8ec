import * as aws from "@pulumi/aws";
import type { ReportViolation } from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, show } from "../lib/rule";
import { INLINE_JOB_DEFINITION, jobVolumeKeyRequired, volumeKeyNeed } from "../lib/sagemakerResources";
import { at, isSet, plainProps, Props, UNKNOWN } from "../lib/sagemakerValues";

interface Config {
  readonly allowedKmsKeyArnPattern: string;
}

/** A place a key goes: its path in the resource's properties and what the key encrypts there. */
interface KeySlot {
  readonly path: readonly string[];
  readonly encrypts: string;
  /** Whether the key is required there (UNKNOWN: cannot tell during preview). */
  readonly required: boolean | typeof UNKNOWN;
  /** Why it is required, shown after the path (e.g. the instance types). */
  readonly context?: string;
}

/** Reports missing keys, and keys the pattern does not allow, on one resource. */
function checkKeys(
  what: string,
  props: Props,
  slots: readonly KeySlot[],
  config: Config,
  report: ReportViolation,
): void {
  let allowed: RegExp | undefined;
  try {
    allowed = config.allowedKmsKeyArnPattern === "" ? undefined : new RegExp(config.allowedKmsKeyArnPattern);
  } catch (error) {
    report(
      `${what}: allowedKmsKeyArnPattern ${show(config.allowedKmsKeyArnPattern)} is not a valid regular expression (${(error as Error).message}); correct it in the pack config.`,
    );
    return;
  }
  for (const slot of slots) {
    const value = at(props, ...slot.path);
    const where = slot.path.join(".");
    if (!isSet(value)) {
      if (slot.required === true)
        report(
          `${what}: ${where} is not set${slot.context ?? ""}; set it to the platform's KMS key ARN so that SageMaker encrypts ${slot.encrypts} with a key the platform controls.`,
        );
      continue;
    }
    // An unknown key is set, which is what the rule needs; the pattern is checked once it is known.
    if (allowed && typeof value === "string" && !allowed.test(value))
      report(
        `${what}: ${where} ${show(value)} does not match allowedKmsKeyArnPattern ${show(config.allowedKmsKeyArnPattern)}; use a key the pattern allows.`,
      );
  }
}

const endpointConfiguration = validateResourceOfType(
  aws.sagemaker.EndpointConfiguration,
  (proxied, args, report) => {
    const props = plainProps(proxied);
    const volumes = volumeKeyNeed(props);
    const capture = at(props, "dataCaptureConfig");
    const captureOn = at(capture, "enableCapture");
    const asyncInference = at(props, "asyncInferenceConfig");
    checkKeys(
      `Endpoint configuration "${args.name}"`,
      props,
      [
        {
          path: ["kmsKeyArn"],
          encrypts: "the storage volume of each instance",
          required: volumes.required,
          context: ` (instance types ${show(volumes.instanceTypes)})`,
        },
        {
          path: ["dataCaptureConfig", "kmsKeyId"],
          encrypts: "captured requests and responses",
          required: isSet(capture) && captureOn === true ? true : captureOn === UNKNOWN ? UNKNOWN : false,
          context: " while data capture is on",
        },
        {
          path: ["asyncInferenceConfig", "outputConfig", "kmsKeyId"],
          encrypts: "asynchronous inference output",
          required: asyncInference === UNKNOWN ? UNKNOWN : isSet(asyncInference),
        },
      ],
      args.getConfig<Config>(),
      report,
    );
  },
);

const dataQualityJobDefinition = validateResourceOfType(
  aws.sagemaker.DataQualityJobDefinition,
  (proxied, args, report) => {
    const props = plainProps(proxied);
    const instanceType = at(props, "jobResources", "clusterConfig", "instanceType");
    checkKeys(
      `Data-quality job definition "${args.name}"`,
      props,
      [
        {
          path: ["dataQualityJobOutputConfig", "kmsKeyId"],
          encrypts: "each monitoring report",
          required: true,
        },
        {
          path: ["jobResources", "clusterConfig", "volumeKmsKeyId"],
          encrypts: "the job's storage volume",
          required: jobVolumeKeyRequired(instanceType),
          context: ` (instance type ${show(instanceType)})`,
        },
      ],
      args.getConfig<Config>(),
      report,
    );
  },
);

const monitoringSchedule = validateResourceOfType(
  aws.sagemaker.MonitoringSchedule,
  (proxied, args, report) => {
    const props = plainProps(proxied);
    const inline = at(props, ...INLINE_JOB_DEFINITION);
    // Schedules of a named job definition have nothing to encrypt themselves; the definition is checked.
    if (!isSet(inline)) return;
    const instanceType = at(inline, "monitoringResources", "clusterConfig", "instanceType");
    checkKeys(
      `Monitoring schedule "${args.name}"`,
      props,
      [
        {
          path: [...INLINE_JOB_DEFINITION, "monitoringOutputConfig", "kmsKeyId"],
          encrypts: "each monitoring report",
          required: inline === UNKNOWN ? UNKNOWN : true,
        },
        {
          path: [...INLINE_JOB_DEFINITION, "monitoringResources", "clusterConfig", "volumeKmsKeyId"],
          encrypts: "the job's storage volume",
          required: jobVolumeKeyRequired(instanceType),
          context: ` (instance type ${show(instanceType)})`,
        },
      ],
      args.getConfig<Config>(),
      report,
    );
  },
);

/**
 * Requires the platform's KMS key wherever SageMaker stores data for inference and monitoring:
 * the ML storage volumes of an endpoint configuration (`kmsKeyArn`; not asked for serverless-only
 * configurations, which have no volume, nor for configurations with a local-NVMe instance type,
 * for which SageMaker refuses a key), captured data while capture is on, asynchronous inference
 * output, and the reports and volumes of data-quality job definitions and of monitoring schedules
 * with an inline job definition. (This version of the AWS provider has no model-quality, bias or
 * explainability job definition resources.)
 *
 * `allowedKmsKeyArnPattern` (a regular expression; "" allows any key) can restrict the keys, e.g.
 * to the account's own: `^arn:aws:kms:us-east-1:123456789012:key/`.
 *
 * During preview: an unknown key (e.g. the ARN of a key created in the same update) counts as set,
 * which is what the rule requires, and is matched against the pattern once it is known (resource
 * rules run again with known inputs before each resource is created or updated). Where whether a
 * key is needed depends on an unknown value (an unknown instance type, capture flag or variant
 * list), that part is skipped. The rule never reads through unknown values, so it never gives the
 * engine's "can't run during preview" advisory.
 */
export const requireSagemakerKmsEncryption = resourceRule({
  name: "require-sagemaker-kms-encryption",
  description:
    "Requires the platform's KMS key on SageMaker endpoint volumes, captured data, asynchronous inference output, and monitoring job reports and volumes.",
  config: {
    allowedKmsKeyArnPattern: {
      type: "string",
      description: 'Regular expression every KMS key ARN must match; "" allows any key.',
      default: "",
    },
  },
  validateResource: [endpointConfiguration, dataQualityJobDefinition, monitoringSchedule],
});
