import * as aws from "@pulumi/aws";
import type { ReportViolation } from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";
import {
  allSteps,
  parsePipelineDefinition,
  PipelineStep,
  PROCESSING_STEP_TYPES,
} from "../lib/pipelineDefinition";
import { resourceRule, show } from "../lib/rule";
import { INLINE_JOB_DEFINITION } from "../lib/sagemakerResources";
import { at, isSet, plainProps, surfaceUnknown, UNKNOWN } from "../lib/sagemakerValues";

/** A flag that must be true, and why. */
interface Flag {
  readonly path: readonly string[];
  readonly why: string;
}

/**
 * Reports every known flag that is not true; then reads the unknown ones through the proxy, so
 * that the engine adds its "can't run during preview" advisory for them.
 */
function requireTrue(
  what: string,
  proxied: unknown,
  flags: readonly Flag[],
  report: ReportViolation,
  hint = "",
): void {
  const props = plainProps(proxied);
  for (const flag of flags) {
    const value = at(props, ...flag.path);
    if (value !== true && value !== UNKNOWN)
      report(`${what}: ${flag.path.join(".")} is ${show(value)}; set it to true ${flag.why}${hint}.`);
  }
  for (const flag of flags) surfaceUnknown(proxied, flag.path);
}

const ISOLATION = "so that the container cannot make outbound network calls";
const TRAFFIC_ENCRYPTION = "so that traffic between the job's instances is encrypted";

const model = validateResourceOfType(aws.sagemaker.Model, (proxied, args, report) =>
  requireTrue(
    `Model "${args.name}"`,
    proxied,
    [{ path: ["enableNetworkIsolation"], why: ISOLATION }],
    report,
    // Serverless Inference does not offer network isolation.
    ", or, for a model served only by serverless variants, waive it in the pack config",
  ),
);

const monitoringFlags = (prefix: readonly string[]): Flag[] => [
  { path: [...prefix, "networkConfig", "enableNetworkIsolation"], why: ISOLATION },
  { path: [...prefix, "networkConfig", "enableInterContainerTrafficEncryption"], why: TRAFFIC_ENCRYPTION },
];

const dataQualityJobDefinition = validateResourceOfType(
  aws.sagemaker.DataQualityJobDefinition,
  (proxied, args, report) =>
    requireTrue(`Data-quality job definition "${args.name}"`, proxied, monitoringFlags([]), report),
);

const monitoringSchedule = validateResourceOfType(
  aws.sagemaker.MonitoringSchedule,
  (proxied, args, report) => {
    // Schedules of a named job definition have no network settings; the definition is checked.
    if (!isSet(at(plainProps(proxied), ...INLINE_JOB_DEFINITION))) return;
    requireTrue(
      `Monitoring schedule "${args.name}"`,
      proxied,
      monitoringFlags(INLINE_JOB_DEFINITION),
      report,
    );
  },
);

/** The flags of a pipeline step's job: processing-like and training steps; other steps run no job. */
function stepFlags(step: PipelineStep): Flag[] {
  if (typeof step.type === "string" && PROCESSING_STEP_TYPES.has(step.type)) {
    return [
      { path: ["NetworkConfig", "EnableNetworkIsolation"], why: ISOLATION },
      { path: ["NetworkConfig", "EnableInterContainerTrafficEncryption"], why: TRAFFIC_ENCRYPTION },
    ];
  }
  if (step.type === "Training") {
    return [
      { path: ["EnableNetworkIsolation"], why: ISOLATION },
      { path: ["EnableInterContainerTrafficEncryption"], why: TRAFFIC_ENCRYPTION },
    ];
  }
  return [];
}

const pipeline = validateResourceOfType(aws.sagemaker.Pipeline, (proxied, args, report) => {
  const definition = at(plainProps(proxied), "pipelineDefinition");
  // A definition kept in S3 (pipelineDefinitionS3Location) is not part of the stack's inputs.
  if (definition === undefined) return;
  // Built from other resources' outputs, the definition may be unknown during preview as a whole:
  // its flags cannot be assumed true, so it is read through the proxy for the engine's advisory.
  if (definition === UNKNOWN) return surfaceUnknown(proxied, ["pipelineDefinition"]);
  const what = `Pipeline "${args.name}"`;
  const parsed = parsePipelineDefinition(definition);
  if (!parsed.ok) {
    report(
      `${what}: the pipeline definition ${parsed.problem}; the network isolation of its jobs cannot be checked.`,
    );
    return;
  }
  for (const step of allSteps(parsed.steps)) {
    for (const flag of stepFlags(step)) {
      // Only a literal true: a parameter would let an execution turn the flag off.
      const value = at(step.args, ...flag.path);
      if (value !== true)
        report(
          `${what}, step "${step.name}": ${flag.path.join(".")} is ${show(value)}; set it to true ${flag.why}.`,
        );
    }
  }
});

/**
 * Requires network isolation of SageMaker models (`enableNetworkIsolation`), of monitoring jobs
 * (data-quality job definitions and inline job definitions of monitoring schedules), whose
 * inter-container traffic must also be encrypted, and of the jobs of pipeline steps, also those
 * Condition steps run: `NetworkConfig.EnableNetworkIsolation` and
 * `NetworkConfig.EnableInterContainerTrafficEncryption` of Processing, QualityCheck and ClarifyCheck
 * steps, `EnableNetworkIsolation` and `EnableInterContainerTrafficEncryption` of Training steps,
 * each a literal true (a parameter would let an execution turn it off). Other steps (Lambda,
 * Condition, RegisterModel, Fail) run no job of their own; Tuning steps are not judged. A Transform
 * step's job has no isolation setting: it runs its model's containers as the model is configured,
 * so `require-transform-model-isolation` requires that model to be an isolated model of the stack.
 *
 * Serverless Inference cannot isolate a model, so a model served only by serverless variants fails
 * this rule by necessity: waive it in the pack config (resource name, reason, expiry) rather than
 * weakening the rule for every model.
 *
 * During preview: flags whose values are known are checked; a flag whose value is unknown cannot be
 * assumed true, so the rule then reads it through the engine's proxy and the engine reports its
 * "can't run during preview" advisory; so does a pipeline definition that is unknown as a whole.
 * Resource rules run again with known inputs before each resource is created or updated, so the
 * flag is checked then.
 */
export const requireSagemakerNetworkIsolation = resourceRule({
  name: "require-sagemaker-network-isolation",
  description:
    "Requires network isolation for SageMaker models, monitoring jobs and pipeline jobs, and encrypted traffic between the instances of those jobs.",
  severity: "medium",
  controls: ["SageMaker.5", "SageMaker.9", "SageMaker.11", "SageMaker.14"],
  validateResource: [model, dataQualityJobDefinition, monitoringSchedule, pipeline],
});
