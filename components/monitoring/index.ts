/**
 * Drift monitoring of an endpoint's captured traffic, with its alerts and alarms: the drift check
 * (the default engine, which any account can deploy) or SageMaker Model Monitor.
 */
export { driftAlarms, monitoringEventRules } from "./alerts";
export { DriftCheck, driftCheckFootprint, driftCheckRoleNames } from "./driftCheck";
export type { DriftCheckArgs } from "./driftCheck";
export { driftCheckFailureRule, psiAlarms } from "./driftCheckAlerts";
export {
  buildDriftCheckDefinition,
  DRIFT_CHECK_PARAMETERS,
  DRIFT_CHECK_STEPS,
  FIND_OUTPUTS,
  PUBLISH_OUTPUTS,
} from "./driftCheckDefinition";
export type { DriftCheckDefinitionInput, DriftThresholds } from "./driftCheckDefinition";
export { DRIFT_METRICS_NAMESPACE, driftCheckPolicy, driftStepsPolicy } from "./driftCheckPolicy";
export type { DriftCheckRoleScope, DriftStepsRoleScope } from "./driftCheckPolicy";
export { MonitoringSchedule, monitoringRoleName, monitoringScheduleFootprint } from "./monitoringSchedule";
export type { DataQualityBaselineArgs, DriftAlarmArgs, MonitoringScheduleArgs } from "./monitoringSchedule";
export { DATA_METRICS_NAMESPACE, monitoringJobPolicy } from "./monitoringSchedulePolicy";
export type { MonitoringRoleScope } from "./monitoringSchedulePolicy";
export {
  DRIFT_CHECK_START_MINUTE,
  driftCheckScheduleExpression,
  driftWindow,
  SCHEDULE_EXAMPLES,
  scheduleExpressionProblem,
} from "./schedule";
