/** Batch inference: datasets in a model's data bucket scored with the version its endpoint serves. */
export {
  batchFailedRule,
  batchFailedRuleName,
  batchFailedUndeliveredAlarm,
  failedBatchStartsAlarm,
} from "./batchAlerts";
export type { BatchFailedRule, BatchPipelineDescription } from "./batchAlerts";
export { BatchInference, batchInferenceFootprint, batchRoleNames } from "./batchInference";
export type { BatchInferenceArgs } from "./batchInference";
export { batchModelPolicy, batchPipelinePolicy, TRANSFORM_LOG_GROUP } from "./batchPolicy";
export type { BatchModelRoleScope, BatchPipelineRoleScope } from "./batchPolicy";
export {
  BATCH_OUTPUTS,
  BATCH_PARAMETERS,
  BATCH_PREFIXES,
  BATCH_STEPS,
  buildBatchDefinition,
  scheduledInputUri,
  SUMMARY_FILE,
} from "./definition";
export type { BatchDefinitionInput } from "./definition";
export { batchOutputExpiry, batchSchemaProblems } from "./retention";
export type { BatchSchema } from "./retention";
export { BATCH_DEFAULTS, BATCH_SETTINGS, batchProblems, batchSettings } from "./settings";
export type { BatchSettings } from "./settings";
