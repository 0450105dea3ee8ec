import { ALARM_TYPES, namesAlarm, rollbackAlarmNames } from "../lib/alarms";
import { show, stackRule } from "../lib/rule";
import { ENDPOINT_TYPE } from "../lib/sagemakerResources";
import { at, ofTypes, stackItems, StackItem, UNKNOWN } from "../lib/sagemakerValues";

interface Config {
  readonly externalAlarmNames: readonly string[];
}

/** `Endpoint "<resource name>"`, with its physical name when it differs. */
function describeEndpoint(endpoint: StackItem): string {
  const physical = at(endpoint.props, "name");
  const named =
    typeof physical === "string" && physical !== endpoint.resource.name ? ` (${show(physical)})` : "";
  return `Endpoint "${endpoint.resource.name}"${named}`;
}

/**
 * Requires every alarm a SageMaker endpoint's blue/green deployments roll back on
 * (`deploymentConfig.autoRollbackConfiguration.alarms[].alarmName`) to be an alarm of the stack:
 * an aws.cloudwatch.MetricAlarm whose `name`, or CompositeAlarm whose `alarmName`, is that name.
 * SageMaker watches the named alarms in the endpoint's account and Region during the baking period
 * and rolls back when one goes into ALARM
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoRollbackConfig.html,
 * https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html); a name
 * no alarm has (a typo, an alarm renamed or removed) never goes into ALARM, so that deployment can
 * never roll back. Alarms that another stack or the account creates are listed in
 * `externalAlarmNames`.
 *
 * `require-endpoint-safeguards` (`requireBlueGreen`) requires the list to be non-empty; this rule
 * checks each name in it, in every stack, and reports nothing for an empty list.
 *
 * During preview: a list or a name that is unknown is assumed to comply; a known name matches an
 * alarm whose name is unknown (auto-named) when the endpoint depends on that alarm through
 * `deploymentConfig`. The rule never reads through unknown values, so it never gives the engine's
 * advisory; stack rules run again at the end of `pulumi up`, with every value known.
 */
export const requireEndpointRollbackAlarms = stackRule({
  name: "require-endpoint-rollback-alarms",
  description:
    "Requires every alarm a SageMaker endpoint's deployments roll back on to be a CloudWatch alarm of the stack, or one named in externalAlarmNames.",
  severity: "medium",
  config: {
    externalAlarmNames: {
      type: "array",
      items: { type: "string", minLength: 1 },
      description:
        "Names of CloudWatch alarms that another stack or the account creates, which endpoints may roll back on.",
      default: [],
    },
  },
  validateStack: (args, report) => {
    const { externalAlarmNames } = args.getConfig<Config>();
    const items = stackItems(args.resources);
    const alarms = ofTypes(items, ALARM_TYPES);
    for (const endpoint of ofTypes(items, [ENDPOINT_TYPE])) {
      const names = rollbackAlarmNames(endpoint);
      if (names === UNKNOWN) continue;
      for (const name of names) {
        if (typeof name !== "string" || externalAlarmNames.includes(name)) continue;
        if (alarms.some((alarm) => namesAlarm(endpoint, name, alarm))) continue;
        report(
          `${describeEndpoint(endpoint)}: deploymentConfig.autoRollbackConfiguration.alarms names the alarm ${show(name)}, which no aws.cloudwatch.MetricAlarm or CompositeAlarm of the stack is called, so SageMaker watches an alarm that never goes into ALARM and a failing deployment is never rolled back; name an alarm of the stack, create this one in the stack, or, when another stack creates it, add ${show(name)} to externalAlarmNames.`,
          endpoint.resource.urn,
        );
      }
    }
  },
});
