/** Data-quality monitoring of an endpoint's captured traffic, with its alerts and drift alarms. */
export { driftAlarms, monitoringEventRules } from "./alerts";
export { MonitoringSchedule, monitoringRoleName, monitoringScheduleFootprint } from "./monitoringSchedule";
export type { DataQualityBaselineArgs, DriftAlarmArgs, MonitoringScheduleArgs } from "./monitoringSchedule";
export { DATA_METRICS_NAMESPACE, monitoringJobPolicy } from "./monitoringSchedulePolicy";
export type { MonitoringRoleScope } from "./monitoringSchedulePolicy";
export { SCHEDULE_EXAMPLES, scheduleExpressionProblem } from "./schedule";
