/** Model building: data and artifact buckets, the model registry and the SageMaker Pipeline that fills it. */
export { DEFAULT_HYPERPARAMETERS } from "./defaults";
export {
  BASELINE_OUTPUT,
  buildPipelineDefinition,
  CHAMPION,
  CHAMPION_PLACEHOLDER_KEYS,
  DRIFT_BASELINE,
  DRIFT_BASELINE_CONTENT_TYPE,
  EVALUATION_REPORT,
  MONITOR_BASELINE_OUTPUT,
  PARAMETERS,
  REGISTERED_VERSION_KEYS,
  SPLITS,
  STEPS,
  VALIDATION_REPORT,
} from "./definition";
export type { PipelineDefinitionInput } from "./definition";
export { artifactsBucketPattern, MlPipeline, mlPipelineFootprint, schemaFileProblems } from "./mlPipeline";
export { ML_DIR } from "../shared/scripts";
export type { MlPipelineArgs } from "./mlPipeline";
export { findChampionPolicy, pipelineExecutionPolicy } from "./mlPipelinePolicy";
export type { FindChampionRoleScope, PipelineRoleScope } from "./mlPipelinePolicy";
export { pipelineStoppedRule } from "./pipelineAlerts";
export type { BuildPipelineDescription, PipelineStoppedRule } from "./pipelineAlerts";
export { modelPackageGroupSharingPolicy } from "./registrySharingPolicy";
export type { RegistrySharingScope } from "./registrySharingPolicy";
export type { DataChecks } from "./settings";
