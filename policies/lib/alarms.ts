import { show } from "./rule";
import { at, list, refersTo, StackItem, UNKNOWN, Unknown } from "./sagemakerValues";

export const METRIC_ALARM_TYPE = "aws:cloudwatch/metricAlarm:MetricAlarm";
export const COMPOSITE_ALARM_TYPE = "aws:cloudwatch/compositeAlarm:CompositeAlarm";
export const ALARM_TYPES = [METRIC_ALARM_TYPE, COMPOSITE_ALARM_TYPE] as const;

/** The property an endpoint names its rollback alarms in (and the engine keys their dependencies by). */
const DEPLOYMENT_CONFIG = "deploymentConfig";

/** The alarm's name in CloudWatch: a metric alarm's `name`, a composite alarm's `alarmName`. */
export function alarmName(alarm: StackItem): unknown {
  return at(alarm.props, alarm.resource.type === COMPOSITE_ALARM_TYPE ? "alarmName" : "name");
}

/** `Alarm "<resource name>"`, with the name in CloudWatch when it differs. */
export function describeAlarm(alarm: StackItem): string {
  const physical = alarmName(alarm);
  const named =
    typeof physical === "string" && physical !== alarm.resource.name ? ` (${show(physical)})` : "";
  return `Alarm "${alarm.resource.name}"${named}`;
}

/**
 * The alarm names an endpoint's blue/green deployments roll back on
 * (`deploymentConfig.autoRollbackConfiguration.alarms[].alarmName`); an item is UNKNOWN where a
 * name is, and the whole is UNKNOWN where the list is.
 */
export function rollbackAlarmNames(endpoint: StackItem): readonly unknown[] | Unknown {
  const alarms = list(at(endpoint.props, DEPLOYMENT_CONFIG, "autoRollbackConfiguration", "alarms"));
  return alarms === UNKNOWN ? UNKNOWN : alarms.map((alarm) => at(alarm, "alarmName"));
}

/**
 * Whether `name`, an alarm name in the endpoint's rollback configuration, is this alarm's: by name
 * when both are known, by the endpoint's dependencies (through `deploymentConfig`) while either is
 * unknown during preview.
 */
export function namesAlarm(endpoint: StackItem, name: unknown, alarm: StackItem): boolean {
  return refersTo(endpoint.resource, DEPLOYMENT_CONFIG, name, alarm, [alarmName(alarm)]);
}

/** Whether any endpoint rolls back on the alarm: SageMaker then acts on it, whatever its own actions. */
export function isRollbackAlarm(alarm: StackItem, endpoints: readonly StackItem[]): boolean {
  return endpoints.some((endpoint) => {
    const names = rollbackAlarmNames(endpoint);
    // A list unknown during preview: any alarm the endpoint's deployment settings depend on may be in it.
    return names === UNKNOWN
      ? namesAlarm(endpoint, UNKNOWN, alarm)
      : names.some((name) => namesAlarm(endpoint, name, alarm));
  });
}
