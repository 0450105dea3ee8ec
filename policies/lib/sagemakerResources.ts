import { hasLocalInstanceStorage } from "../../components/endpoint/instanceStorage";
import { at, list, refersTo, StackItem, UNKNOWN, Unknown } from "./sagemakerValues";

export const ENDPOINT_TYPE = "aws:sagemaker/endpoint:Endpoint";
export const ENDPOINT_CONFIGURATION_TYPE = "aws:sagemaker/endpointConfiguration:EndpointConfiguration";
export const DATA_QUALITY_JOB_DEFINITION_TYPE =
  "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition";
export const MONITORING_SCHEDULE_TYPE = "aws:sagemaker/monitoringSchedule:MonitoringSchedule";

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
