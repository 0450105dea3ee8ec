import { ALARM_TYPES, describeAlarm, isRollbackAlarm } from "../lib/alarms";
import { stackRule } from "../lib/rule";
import { ENDPOINT_TYPE } from "../lib/sagemakerResources";
import { at, isSet, list, ofTypes, stackItems, StackItem, UNKNOWN } from "../lib/sagemakerValues";

/** Why the alarm cannot act, one sentence each; `rollback`: an endpoint's deployments roll back on it. */
function alarmFindings(alarm: StackItem, rollback: boolean): string[] {
  const what = describeAlarm(alarm);
  const actions = list(at(alarm.props, "alarmActions"));
  const hasActions = actions === UNKNOWN || actions.some(isSet);
  const findings: string[] = [];
  // SageMaker reads a rollback alarm's state itself: `actionsEnabled` only stops the alarm's own
  // actions, so it matters for a rollback alarm only when it has some.
  if (at(alarm.props, "actionsEnabled") === false && (hasActions || !rollback))
    findings.push(
      `${what} has actionsEnabled false, so CloudWatch runs none of its actions when it changes state; set actionsEnabled to true (its default).`,
    );
  if (!hasActions && !rollback)
    findings.push(
      `${what} has no alarmActions, so nobody is told when it goes into ALARM; add the SNS topic that alerts its owners (e.g. the model's alert topic) to alarmActions.`,
    );
  return findings;
}

/**
 * Requires every CloudWatch alarm of the stack (metric and composite alarms) to act when it goes
 * into ALARM: `actionsEnabled` not false (AWS Foundational Security Best Practices CloudWatch.17)
 * and at least one `alarmActions` entry (CloudWatch.15,
 * https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html). An alarm that
 * a SageMaker endpoint's blue/green deployments roll back on
 * (`deploymentConfig.autoRollbackConfiguration.alarms[].alarmName`) acts through SageMaker, which
 * watches its state during the baking period
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html): it
 * needs no action of its own, and `actionsEnabled` false is reported for it only when it has
 * actions that would then never run. That exception needs the endpoints, hence a stack rule.
 *
 * During preview: an action list that is unknown (or has unknown items) counts as having actions,
 * and an unknown `actionsEnabled` as true. An endpoint names its alarms by name; while a name is
 * unknown (an auto-named alarm, or a list built from other resources), the endpoint's dependencies
 * through `deploymentConfig` decide which alarms it may name. The rule never reads through unknown
 * values, so it never gives the engine's advisory; stack rules run again at the end of
 * `pulumi up`, with every value known.
 */
export const requireCloudwatchAlarmActions = stackRule({
  name: "require-cloudwatch-alarm-actions",
  description:
    "Requires every CloudWatch alarm to act when it goes into ALARM: actions enabled and at least one alarm action, unless a SageMaker endpoint's deployments roll back on it.",
  severity: "high",
  controls: ["CloudWatch.15", "CloudWatch.17"],
  validateStack: (args, report) => {
    const items = stackItems(args.resources);
    const endpoints = ofTypes(items, [ENDPOINT_TYPE]);
    for (const alarm of ofTypes(items, ALARM_TYPES)) {
      for (const finding of alarmFindings(alarm, isRollbackAlarm(alarm, endpoints)))
        report(finding, alarm.resource.urn);
    }
  },
});
