import { hasLocalInstanceStorage } from "../../components/endpoint/instanceStorage";
import { allSteps, parsePipelineDefinition, resolvePipelineValue } from "./pipelineDefinition";
import { at, list, refersTo, StackItem, UNKNOWN, Unknown } from "./sagemakerValues";

export const ENDPOINT_TYPE = "aws:sagemaker/endpoint:Endpoint";
export const ENDPOINT_CONFIGURATION_TYPE = "aws:sagemaker/endpointConfiguration:EndpointConfiguration";
export const DATA_QUALITY_JOB_DEFINITION_TYPE =
  "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition";
export const MONITORING_SCHEDULE_TYPE = "aws:sagemaker/monitoringSchedule:MonitoringSchedule";
export const PIPELINE_TYPE = "aws:sagemaker/pipeline:Pipeline";
export const MODEL_TYPE = "aws:sagemaker/model:Model";
export const SCHEDULE_TYPE = "aws:scheduler/schedule:Schedule";

/** Where an inline job definition sits in a monitoring schedule's properties. */
export const INLINE_JOB_DEFINITION = ["monitoringScheduleConfig", "monitoringJobDefinition"] as const;

/** Whether an endpoint configuration needs `kmsKeyArn` for its ML storage volumes, and its instance types. */
export interface VolumeKeyNeed {
  /** UNKNOWN when a variant's kind or instance type is unknown during preview. */
  readonly required: boolean | Unknown;
  /** Instance types of its instance-based variants (production and shadow). */
  readonly instanceTypes: readonly unknown[];
}

/**
 * Whether an endpoint configuration's storage volumes take its KMS key. Serverless variants have no
 * volume. SageMaker refuses a key when any instance type has local NVMe storage (encrypted by the
 * instance's hardware), so a configuration with one is not asked for a key.
 */
export function volumeKeyNeed(props: unknown): VolumeKeyNeed {
  const production = list(at(props, "productionVariants"));
  const shadow = list(at(props, "shadowProductionVariants"));
  if (production === UNKNOWN || shadow === UNKNOWN) return { required: UNKNOWN, instanceTypes: [] };
  const variants = [...production, ...shadow];
  const serverless = variants.map((variant) => at(variant, "serverlessConfig"));
  const instanceTypes = variants
    .filter((_, index) => serverless[index] === undefined || serverless[index] === null)
    .map((variant) => at(variant, "instanceType"));
  if (serverless.includes(UNKNOWN) || instanceTypes.includes(UNKNOWN))
    return { required: UNKNOWN, instanceTypes };
  const local = instanceTypes.some((type) => typeof type === "string" && hasLocalInstanceStorage(type));
  return { required: instanceTypes.length > 0 && !local, instanceTypes };
}

/**
 * Whether a monitoring job's volume takes a KMS key: not on instance types with local NVMe storage,
 * where SageMaker refuses one. UNKNOWN when the instance type is.
 */
export function jobVolumeKeyRequired(instanceType: unknown): boolean | Unknown {
  if (instanceType === UNKNOWN) return UNKNOWN;
  return !(typeof instanceType === "string" && hasLocalInstanceStorage(instanceType));
}

/** The names a SageMaker resource is referred to by (its `name`, and `id` where the state has one). */
export function sageMakerNames(item: StackItem): unknown[] {
  return [at(item.props, "name"), at(item.props, "id")];
}

/** The endpoint configurations an endpoint uses: by `endpointConfigName`, or by dependency while it is unknown. */
export function configurationsOf(endpoint: StackItem, configurations: readonly StackItem[]): StackItem[] {
  const reference = at(endpoint.props, "endpointConfigName");
  return configurations.filter((configuration) =>
    refersTo(
      endpoint.resource,
      "endpointConfigName",
      reference,
      configuration,
      sageMakerNames(configuration),
    ),
  );
}

/** Whether a monitoring job's `endpointInput` (plain data) reads the endpoint's captured traffic. */
function readsEndpoint(source: StackItem, property: string, endpointInput: unknown, endpoint: StackItem) {
  const reference = at(endpointInput, "endpointName");
  return refersTo(source.resource, property, reference, endpoint, sageMakerNames(endpoint));
}

/**
 * Whether a monitoring schedule monitors the endpoint: through its inline job definition's
 * `endpointInput`, or through the data-quality job definition it names (by
 * `monitoringJobDefinitionName`, or by dependency while that is unknown) and that definition's
 * `endpointInput`.
 */
export function monitors(
  schedule: StackItem,
  endpoint: StackItem,
  jobDefinitions: readonly StackItem[],
): boolean {
  const inputs = list(at(schedule.props, ...INLINE_JOB_DEFINITION, "monitoringInputs"));
  const inline =
    inputs !== UNKNOWN &&
    inputs.some((input) =>
      readsEndpoint(schedule, "monitoringScheduleConfig", at(input, "endpointInput"), endpoint),
    );
  if (inline) return true;
  const reference = at(schedule.props, "monitoringScheduleConfig", "monitoringJobDefinitionName");
  return jobDefinitions
    .filter((definition) =>
      refersTo(
        schedule.resource,
        "monitoringScheduleConfig",
        reference,
        definition,
        sageMakerNames(definition),
      ),
    )
    .some((definition) =>
      readsEndpoint(
        definition,
        "dataQualityJobInput",
        at(definition.props, "dataQualityJobInput", "endpointInput"),
        endpoint,
      ),
    );
}

/** The script of the platform's drift check (ml/drift_check.py), as a Processing step runs it. */
export const DRIFT_CHECK_SCRIPT = "drift_check.py";

/**
 * EventBridge Scheduler's universal target for SageMaker's StartPipelineExecution, in any partition;
 * its input is the request (`PipelineName`, `PipelineParameters`).
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html
 */
const START_PIPELINE_TARGET = /^arn:[^:]+:scheduler:::aws-sdk:sagemaker:startPipelineExecution$/;

/** `--endpoint <name>` or `--endpoint=<name>` in a container's arguments: the value, or undefined. */
function endpointArgument(args: readonly unknown[]): unknown {
  for (const [index, arg] of args.entries()) {
    if (arg === "--endpoint") return args[index + 1];
    if (typeof arg === "string" && arg.startsWith("--endpoint=")) return arg.slice("--endpoint=".length);
  }
  return undefined;
}

/**
 * The endpoints a pipeline checks for drift: the `--endpoint` argument of each Processing step, at
 * any depth, whose container runs {@link DRIFT_CHECK_SCRIPT} (a parameter reference as its default).
 * UNKNOWN while the definition is unknown (during preview); [] for a definition that is not one.
 */
export function driftCheckedEndpoints(pipeline: StackItem): readonly string[] | Unknown {
  const text = at(pipeline.props, "pipelineDefinition");
  if (text === UNKNOWN) return UNKNOWN;
  const parsed = parsePipelineDefinition(text);
  if (!parsed.ok) return [];
  return allSteps(parsed.steps).flatMap((step) => {
    if (step.type !== "Processing") return [];
    const entrypoint = list(at(step.args, "AppSpecification", "ContainerEntrypoint"));
    const runsCheck =
      entrypoint !== UNKNOWN &&
      entrypoint.some((part) => typeof part === "string" && part.split("/").pop() === DRIFT_CHECK_SCRIPT);
    const args = list(at(step.args, "AppSpecification", "ContainerArguments"));
    if (!runsCheck || args === UNKNOWN) return [];
    const resolved = resolvePipelineValue(endpointArgument(args), parsed.parameters);
    const value =
      resolved.kind === "value" || resolved.kind === "parameterDefault" ? resolved.value : undefined;
    return typeof value === "string" && value !== "" ? [value] : [];
  });
}

/**
 * Whether a pipeline checks the endpoint's traffic for drift ({@link driftCheckedEndpoints}), by the
 * endpoint's name; while the definition or the endpoint's name is unknown, by the definition's
 * dependency on the endpoint.
 */
export function checksDrift(pipeline: StackItem, endpoint: StackItem): boolean {
  const endpoints = driftCheckedEndpoints(pipeline);
  const references: readonly unknown[] = endpoints === UNKNOWN ? [UNKNOWN] : endpoints;
  return references.some((reference) =>
    refersTo(pipeline.resource, "pipelineDefinition", reference, endpoint, sageMakerNames(endpoint)),
  );
}

/** The `PipelineName` of a StartPipelineExecution request (JSON text); UNKNOWN when the text is. */
function requestedPipeline(input: unknown): unknown {
  if (input === UNKNOWN) return UNKNOWN;
  if (typeof input !== "string") return undefined;
  try {
    return at(JSON.parse(input), "PipelineName");
  } catch {
    return undefined;
  }
}

/**
 * Whether an EventBridge Scheduler schedule starts the pipeline: a schedule that is not DISABLED,
 * whose target is the universal StartPipelineExecution target with the pipeline's name (or ARN) as
 * `PipelineName` in its input; while that input is unknown, by the target's dependency on the pipeline.
 */
export function startsPipeline(schedule: StackItem, pipeline: StackItem): boolean {
  if (at(schedule.props, "state") === "DISABLED") return false;
  const target = at(schedule.props, "target");
  const arn = at(target, "arn");
  if (arn !== UNKNOWN && !(typeof arn === "string" && START_PIPELINE_TARGET.test(arn))) return false;
  const names = [at(pipeline.props, "pipelineName"), at(pipeline.props, "id"), at(pipeline.props, "arn")];
  return refersTo(schedule.resource, "target", requestedPipeline(at(target, "input")), pipeline, names);
}
