import {
  describeRule,
  EVENT_RULE_TYPE,
  EVENT_TARGET_TYPE,
  isDisabledRule,
  targetsRule,
} from "../lib/eventRules";
import { show, stackRule } from "../lib/rule";
import { SCHEDULE_TYPE } from "../lib/sagemakerResources";
import { at, isSet, ofTypes, stackItems, StackItem, UNKNOWN } from "../lib/sagemakerValues";

/** How each kind of delivery is named in a finding, and where its settings are. */
interface Delivery {
  /** `Target "x" of EventBridge rule "y"`, `Schedule "x"`. */
  readonly what: string;
  /** Where the delivery settings are: "" for a rule's target, "target." for a schedule. */
  readonly path: "" | "target.";
  /** What is lost when a delivery fails for good, and who sends it to the queue. */
  readonly lost: string;
  readonly sender: string;
  readonly service: string;
}

/** Why the delivery can lose events or hold them too long, one sentence each. */
function deliveryFindings(settings: unknown, delivery: Delivery): string[] {
  const { what, path, service } = delivery;
  const findings: string[] = [];
  // Unknown during preview (a queue created with the stack): it will have a value.
  if (!isSet(at(settings, "deadLetterConfig", "arn")))
    findings.push(
      `${what} has no ${path}deadLetterConfig.arn, so ${delivery.lost} that ${service} cannot deliver (after its retries, or at once when the target refuses it or is gone) is dropped without a trace; set ${path}deadLetterConfig.arn to an SQS queue that ${delivery.sender} may send to, encrypted, with an alarm that pages the owners.`,
    );
  const retry = at(settings, "retryPolicy");
  const defaults = `${service}'s default of 24 hours and 185 attempts`;
  const fix = `set ${path}retryPolicy.maximumEventAgeInSeconds and maximumRetryAttempts to how late a delivery may be`;
  if (!isSet(retry))
    findings.push(
      `${what} has no ${path}retryPolicy, so a failed delivery is retried for ${defaults} before anyone hears of it; ${fix}.`,
    );
  else if (
    retry !== UNKNOWN &&
    !isSet(at(retry, "maximumEventAgeInSeconds")) &&
    !isSet(at(retry, "maximumRetryAttempts"))
  )
    findings.push(
      `${what} has a ${path}retryPolicy that sets neither maximumEventAgeInSeconds nor maximumRetryAttempts, which is ${defaults}; ${fix}.`,
    );
  return findings;
}

function targetDelivery(target: StackItem): Delivery {
  const rule = at(target.props, "rule");
  return {
    what: `Target "${target.resource.name}"${typeof rule === "string" ? ` of EventBridge rule ${show(rule)}` : ""}`,
    path: "",
    lost: "an event",
    sender: "this rule",
    service: "EventBridge",
  };
}

function scheduleDelivery(schedule: StackItem): Delivery {
  return {
    what: `Schedule "${schedule.resource.name}"`,
    path: "target.",
    lost: "an invocation",
    sender: "the schedule's role (target.roleArn)",
    service: "EventBridge Scheduler",
  };
}

/**
 * Requires every EventBridge delivery of the stack to be judged and never silently lost:
 *
 * - every rule target (aws.cloudwatch.EventTarget) and every EventBridge Scheduler schedule's target
 *   has a dead-letter queue (`deadLetterConfig.arn`; a schedule's `target.deadLetterConfig.arn`).
 *   Without one, an event still undelivered after the retries, or refused at once (a missing
 *   permission, a deleted target), is dropped ("Using dead-letter queues to process undelivered
 *   events", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html; "Configuring
 *   a schedule's dead-letter queue",
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html);
 * - each also has an explicit retry policy (`retryPolicy` setting `maximumEventAgeInSeconds` or
 *   `maximumRetryAttempts`): by default both services retry for 24 hours and 185 times
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html), a day
 *   before the queue, and its alarm, hear of a failure;
 * - every enabled rule (aws.cloudwatch.EventRule, `state` not DISABLED) has at least one target of
 *   the stack, on its bus (`rule` its name, `eventBusName` its bus): a rule without one matches
 *   events and delivers them nowhere.
 *
 * No AWS Foundational Security Best Practices control checks this. Findings are reported against
 * the target, the schedule or the rule. During preview: an unknown queue ARN or retry policy is
 * assumed to be set, and a rule whose name, or a target whose `rule`, is unknown (auto-named, built
 * from other resources) counts as targeted by any target that depends on the rule through `rule`
 * (or on its bus, while a bus is unknown). The rule never reads through unknown values; stack
 * rules run again at the end of `pulumi up`, with every value known.
 */
export const requireEventsDeadLetterQueues = stackRule({
  name: "require-events-dead-letter-queues",
  description:
    "Requires every EventBridge rule target and Scheduler schedule to have a dead-letter queue and an explicit retry policy, and every enabled EventBridge rule to have a target.",
  severity: "medium",
  validateStack: (args, report) => {
    const items = stackItems(args.resources);
    const targets = ofTypes(items, [EVENT_TARGET_TYPE]);
    for (const target of targets) {
      for (const finding of deliveryFindings(target.props, targetDelivery(target)))
        report(finding, target.resource.urn);
    }
    for (const schedule of ofTypes(items, [SCHEDULE_TYPE])) {
      // A whole target unknown during preview: assumed to comply, like its parts.
      const settings = at(schedule.props, "target");
      if (settings === UNKNOWN) continue;
      for (const finding of deliveryFindings(settings, scheduleDelivery(schedule)))
        report(finding, schedule.resource.urn);
    }
    for (const rule of ofTypes(items, [EVENT_RULE_TYPE])) {
      if (isDisabledRule(rule) || targets.some((target) => targetsRule(target, rule))) continue;
      const physical = at(rule.props, "name");
      const name = typeof physical === "string" ? physical : rule.resource.name;
      report(
        `${describeRule(rule)} has no target, so the events it matches are delivered nowhere; add an aws.cloudwatch.EventTarget whose rule is ${show(name)} (on the rule's event bus), or remove the rule.`,
        rule.resource.urn,
      );
    }
  },
});
