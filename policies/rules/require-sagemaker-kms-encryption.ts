import * as aws from "@pulumi/aws";
import type { ReportViolation } from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";
import {
  allSteps,
  parsePipelineDefinition,
  PipelineParameterDefault,
  PipelineStep,
  PROCESSING_STEP_TYPES,
  resolvePipelineValue,
} from "../lib/pipelineDefinition";
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

/**
 * The pattern keys must match: undefined when any key is allowed, false (reported) when the
 * pattern is not a regular expression.
 */
function keyPattern(what: string, config: Config, report: ReportViolation): RegExp | undefined | false {
  try {
    return config.allowedKmsKeyArnPattern === "" ? undefined : new RegExp(config.allowedKmsKeyArnPattern);
  } catch (error) {
    report(
      `${what}: allowedKmsKeyArnPattern ${show(config.allowedKmsKeyArnPattern)} is not a valid regular expression (${(error as Error).message}); correct it in the pack config.`,
    );
    return false;
  }
}

/** Reports missing keys, and keys the pattern does not allow, in `props`. */
function checkSlots(
  what: string,
  props: Props,
  slots: readonly KeySlot[],
  allowed: RegExp | undefined,
  config: Config,
  report: ReportViolation,
): void {
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
    // A pipeline expression (a parameter) is set too; only literal ARNs are matched.
    if (allowed && typeof value === "string" && !allowed.test(value))
      report(
        `${what}: ${where} ${show(value)} does not match allowedKmsKeyArnPattern ${show(config.allowedKmsKeyArnPattern)}; use a key the pattern allows.`,
      );
  }
}

/** Reports missing keys, and keys the pattern does not allow, on one resource. */
function checkKeys(
  what: string,
  props: Props,
  slots: readonly KeySlot[],
  config: Config,
  report: ReportViolation,
): void {
  const allowed = keyPattern(what, config, report);
  if (allowed !== false) checkSlots(what, props, slots, allowed, config, report);
}

/**
 * Whether a pipeline step's volume takes a key, by its instance type as written or as its
 * parameter's default: not on a local-NVMe type, which SageMaker refuses a key for. A type only
 * known when an execution runs is assumed to have a volume.
 */
function stepVolumeSlot(
  path: readonly string[],
  instanceType: unknown,
  parameters: ReadonlyMap<string, PipelineParameterDefault>,
): KeySlot {
  const resolved = resolvePipelineValue(instanceType, parameters);
  const slot = { path, encrypts: "the job's storage volume" };
  if (resolved.kind === "value")
    return {
      ...slot,
      required: jobVolumeKeyRequired(resolved.value),
      context: ` (instance type ${show(resolved.value)})`,
    };
  if (resolved.kind === "parameterDefault")
    return {
      ...slot,
      required: jobVolumeKeyRequired(resolved.value),
      context: ` (instance type: parameter "${resolved.parameter}", default ${show(resolved.value)})`,
    };
  return { ...slot, required: true, context: ` (instance type ${show(instanceType)})` };
}

/** Where the jobs of a pipeline step take keys: processing-like and training steps; other steps run no job. */
function stepSlots(step: PipelineStep, parameters: ReadonlyMap<string, PipelineParameterDefault>): KeySlot[] {
  const { type, args } = step;
  if (typeof type === "string" && PROCESSING_STEP_TYPES.has(type)) {
    const cluster = ["ProcessingResources", "ClusterConfig"];
    const outputs = at(args, "ProcessingOutputConfig");
    return [
      stepVolumeSlot([...cluster, "VolumeKmsKeyId"], at(args, ...cluster, "InstanceType"), parameters),
      {
        path: ["ProcessingOutputConfig", "KmsKeyId"],
        encrypts: "the job's outputs",
        required: isSet(outputs),
      },
    ];
  }
  if (type === "Training") {
    return [
      stepVolumeSlot(
        ["ResourceConfig", "VolumeKmsKeyId"],
        at(args, "ResourceConfig", "InstanceType"),
        parameters,
      ),
      { path: ["OutputDataConfig", "KmsKeyId"], encrypts: "the model artifacts", required: true },
    ];
  }
  if (type === "Transform") {
    // A CreateTransformJob request: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTransformJob.html
    return [
      stepVolumeSlot(
        ["TransformResources", "VolumeKmsKeyId"],
        at(args, "TransformResources", "InstanceType"),
        parameters,
      ),
      { path: ["TransformOutput", "KmsKeyId"], encrypts: "the job's outputs", required: true },
      {
        path: ["DataCaptureConfig", "KmsKeyId"],
        encrypts: "the captured inputs and outputs",
        required: isSet(at(args, "DataCaptureConfig")),
      },
    ];
  }
  return [];
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

const pipeline = validateResourceOfType(aws.sagemaker.Pipeline, (proxied, args, report) => {
  const definition = at(plainProps(proxied), "pipelineDefinition");
  // Unknown during preview: checked when known. A definition kept in S3 is not in the stack.
  if (definition === UNKNOWN || definition === undefined) return;
  const what = `Pipeline "${args.name}"`;
  const parsed = parsePipelineDefinition(definition);
  if (!parsed.ok) {
    report(
      `${what}: the pipeline definition ${parsed.problem}; the encryption of its jobs cannot be checked.`,
    );
    return;
  }
  const config = args.getConfig<Config>();
  const allowed = keyPattern(what, config, report);
  if (allowed === false) return;
  for (const step of allSteps(parsed.steps)) {
    const slots = stepSlots(step, parsed.parameters);
    if (slots.length > 0)
      checkSlots(`${what}, step "${step.name}"`, step.args, slots, allowed, config, report);
  }
});

/**
 * Requires the platform's KMS key wherever SageMaker stores data for inference, monitoring and
 * pipelines: the ML storage volumes of an endpoint configuration (`kmsKeyArn`; not asked for
 * serverless-only configurations, which have no volume, nor for configurations with a local-NVMe
 * instance type, for which SageMaker refuses a key), captured data while capture is on,
 * asynchronous inference output, the reports and volumes of data-quality job definitions and of
 * monitoring schedules with an inline job definition, and the jobs of pipeline steps, also those
 * Condition steps run: the volume (`VolumeKmsKeyId`, not on a local-NVMe instance type, judged by
 * the type as written or its parameter's default) and the outputs (`ProcessingOutputConfig.KmsKeyId`)
 * of Processing, QualityCheck and ClarifyCheck steps, and the volume and model artifacts
 * (`OutputDataConfig.KmsKeyId`) of Training steps, and the volume
 * (`TransformResources.VolumeKmsKeyId`), outputs (`TransformOutput.KmsKeyId`) and captured data
 * (`DataCaptureConfig.KmsKeyId`, when capture is set) of Transform steps. Other steps (Lambda,
 * Condition, RegisterModel, Fail) run no job of their own; Tuning steps are not judged. (This
 * version of the AWS provider has no model-quality, bias or explainability job definition
 * resources.)
 *
 * `allowedKmsKeyArnPattern` (a regular expression; "" allows any key) can restrict the keys, e.g.
 * to the account's own: `^arn:aws:kms:us-east-1:123456789012:key/`. A pipeline step's key given as
 * a pipeline expression (a parameter) counts as set and is not matched.
 *
 * During preview: an unknown key (e.g. the ARN of a key created in the same update) counts as set,
 * which is what the rule requires, and is matched against the pattern once it is known (resource
 * rules run again with known inputs before each resource is created or updated). Where whether a
 * key is needed depends on an unknown value (an unknown instance type, capture flag or variant
 * list), that part is skipped, and so is a pipeline definition that is unknown as a whole (it is
 * built from other resources' outputs). The rule never reads through unknown values, so it never
 * gives the engine's "can't run during preview" advisory.
 */
export const requireSagemakerKmsEncryption = resourceRule({
  name: "require-sagemaker-kms-encryption",
  description:
    "Requires the platform's KMS key on SageMaker endpoint volumes, captured data, asynchronous inference output, monitoring job reports and volumes, and the volumes and outputs of pipeline jobs.",
  severity: "medium",
  config: {
    allowedKmsKeyArnPattern: {
      type: "string",
      description: 'Regular expression every KMS key ARN must match; "" allows any key.',
      default: "",
    },
  },
  validateResource: [endpointConfiguration, dataQualityJobDefinition, monitoringSchedule, pipeline],
});
