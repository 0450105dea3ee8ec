/** Model building: data and artifact buckets, the model registry and the SageMaker Pipeline that fills it. */
export { DEFAULT_HYPERPARAMETERS } from "./defaults";
export {
  BASELINE_OUTPUT,
  buildPipelineDefinition,
  DRIFT_BASELINE,
  DRIFT_BASELINE_CONTENT_TYPE,
  EVALUATION_REPORT,
  MONITOR_BASELINE_OUTPUT,
  PARAMETERS,
  REGISTERED_VERSION_KEYS,
  SPLITS,
  STEPS,
} from "./definition";
export type { PipelineDefinitionInput } from "./definition";
export { artifactsBucketPattern, MlPipeline, mlPipelineFootprint } from "./mlPipeline";
export { ML_DIR } from "../shared/scripts";
export type { MlPipelineArgs } from "./mlPipeline";
export { pipelineExecutionPolicy } from "./mlPipelinePolicy";
export type { PipelineRoleScope } from "./mlPipelinePolicy";
export { modelPackageGroupSharingPolicy } from "./registrySharingPolicy";
export type { RegistrySharingScope } from "./registrySharingPolicy";
