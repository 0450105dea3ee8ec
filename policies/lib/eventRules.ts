import { show } from "./rule";
import { at, refersTo, StackItem, UNKNOWN } from "./sagemakerValues";

export const EVENT_RULE_TYPE = "aws:cloudwatch/eventRule:EventRule";
export const EVENT_TARGET_TYPE = "aws:cloudwatch/eventTarget:EventTarget";

/** The bus a rule or target is on when it names none. */
const DEFAULT_BUS = "default";

/**
 * The bus a rule or target names in `eventBusName`, by name: EventBridge takes a bus's name or its
 * ARN (`arn:<partition>:events:<region>:<account>:event-bus/<name>`); not set is the default bus.
 * UNKNOWN while unknown during preview.
 */
export function busName(item: StackItem): unknown {
  const bus = at(item.props, "eventBusName");
  if (bus === UNKNOWN) return UNKNOWN;
  if (typeof bus !== "string" || bus === "") return DEFAULT_BUS;
  return /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(bus)?.[1] ?? bus;
}

/** Whether two buses are the same one; an unknown bus may be either. */
function sameBus(a: unknown, b: unknown): boolean {
  return a === UNKNOWN || b === UNKNOWN || a === b;
}

/**
 * Whether the target is one of the rule's: it names the rule (`rule`, the rule's name) on the rule's
 * bus. While either name is unknown during preview (an auto-named rule, a name built from other
 * resources), the target's dependency on the rule decides (`refersTo`).
 */
export function targetsRule(target: StackItem, rule: StackItem): boolean {
  return (
    sameBus(busName(target), busName(rule)) &&
    refersTo(target.resource, "rule", at(target.props, "rule"), rule, [at(rule.props, "name")])
  );
}

/** Whether a rule is switched off (`state: DISABLED`): it matches no event. */
export function isDisabledRule(rule: StackItem): boolean {
  return at(rule.props, "state") === "DISABLED";
}

/** `EventBridge rule "<resource name>"`, with its name in EventBridge when it differs, and its bus unless the default. */
export function describeRule(rule: StackItem): string {
  const physical = at(rule.props, "name");
  const named = typeof physical === "string" && physical !== rule.resource.name ? ` (${show(physical)})` : "";
  const bus = busName(rule);
  const on = typeof bus === "string" && bus !== DEFAULT_BUS ? ` on event bus ${show(bus)}` : "";
  return `EventBridge rule "${rule.resource.name}"${named}${on}`;
}
