import assert from "node:assert/strict";
import { EVENT_RULE_TYPE, EVENT_TARGET_TYPE } from "../../../policies/lib/eventRules";
import { SCHEDULE_TYPE } from "../../../policies/lib/sagemakerResources";
import { requireEventsDeadLetterQueues as rule } from "../../../policies/rules/require-events-dead-letter-queues";
import {
  checkStack,
  policyResources,
  StackResourceInput,
  UNKNOWN,
  usePolicyDay,
} from "../../helpers/policyArgs";
import {
  edited,
  find,
  previewStacks,
  programStacks,
  propsOf,
  stackCheck,
  without,
} from "../../helpers/programStacks";

const MODEL = "mlops-staging-diagnosis";
/** The build pipeline's alert on failed or stopped runs, to the model's topic. */
const STOPPED = `${MODEL}-stopped`;
const STOPPED_TARGET = `${STOPPED}-alert`;
/** The drift check's schedule, which starts its pipeline. */
const DRIFT_SCHEDULE = `${MODEL}-drift`;
/** Retraining on drift that consumer accounts forward, a rule on the model's own bus. */
const FORWARDED = `${MODEL}-retraining-forwarded-drift`;
const FORWARDED_TARGET = `${FORWARDED}-target`;
const DRIFT_BUS = `${MODEL}-drift-events`;
const NONE = { violations: [], urns: [], unknown: [] };

const NO_QUEUE = (target: string, ruleName: string) =>
  `Target "${target}" of EventBridge rule "${ruleName}" has no deadLetterConfig.arn, so an event that EventBridge cannot deliver (after its retries, or at once when the target refuses it or is gone) is dropped without a trace; set deadLetterConfig.arn to an SQS queue that this rule may send to, encrypted, with an alarm that pages the owners.`;
const NO_RETRY = (target: string, ruleName: string) =>
  `Target "${target}" of EventBridge rule "${ruleName}" has no retryPolicy, so a failed delivery is retried for EventBridge's default of 24 hours and 185 attempts before anyone hears of it; set retryPolicy.maximumEventAgeInSeconds and maximumRetryAttempts to how late a delivery may be.`;
const EMPTY_RETRY = (target: string, ruleName: string) =>
  `Target "${target}" of EventBridge rule "${ruleName}" has a retryPolicy that sets neither maximumEventAgeInSeconds nor maximumRetryAttempts, which is EventBridge's default of 24 hours and 185 attempts; set retryPolicy.maximumEventAgeInSeconds and maximumRetryAttempts to how late a delivery may be.`;
const SCHEDULE_NO_QUEUE = (schedule: string) =>
  `Schedule "${schedule}" has no target.deadLetterConfig.arn, so an invocation that EventBridge Scheduler cannot deliver (after its retries, or at once when the target refuses it or is gone) is dropped without a trace; set target.deadLetterConfig.arn to an SQS queue that the schedule's role (target.roleArn) may send to, encrypted, with an alarm that pages the owners.`;
const SCHEDULE_NO_RETRY = (schedule: string) =>
  `Schedule "${schedule}" has no target.retryPolicy, so a failed delivery is retried for EventBridge Scheduler's default of 24 hours and 185 attempts before anyone hears of it; set target.retryPolicy.maximumEventAgeInSeconds and maximumRetryAttempts to how late a delivery may be.`;
const NO_TARGET = (ruleName: string, bus = "") =>
  `EventBridge rule "${ruleName}"${bus && ` on event bus "${bus}"`} has no target, so the events it matches are delivered nowhere; add an aws.cloudwatch.EventTarget whose rule is "${ruleName}" (on the rule's event bus), or remove the rule.`;

type Stacks = Awaited<ReturnType<typeof programStacks>>;

describe("require-events-dead-letter-queues", () => {
  let stacks: Stacks;
  let previews: Stacks;
  before(async () => {
    stacks = await programStacks();
    previews = await previewStacks();
  });
  usePolicyDay("2026-11-22");

  const check = stackCheck(rule);
  const stagingWith = (change: (resources: StackResourceInput[]) => unknown) =>
    edited(stacks.staging, change);
  const urnOf = (type: string, name: string) => find(stacks.staging, type, name).urn;
  const target = (r: StackResourceInput[], name: string) => propsOf(r, EVENT_TARGET_TYPE, name);

  it("passes every rule, target and schedule of both shipped stacks, deployed and in a first preview", async () => {
    for (const [label, resources] of [
      ["staging", stacks.staging],
      ["prod", stacks.prod],
      ["staging preview", previews.staging],
      ["prod preview", previews.prod],
    ] as const) {
      const count = (type: string) => resources.filter((r) => r.type === type).length;
      // Every rule has a target, and each stack has a drift check's schedule.
      assert.ok(count(EVENT_RULE_TYPE) >= 1, label);
      assert.ok(count(EVENT_TARGET_TYPE) >= count(EVENT_RULE_TYPE), label);
      assert.ok(count(SCHEDULE_TYPE) >= 1, label);
      assert.deepEqual(await check(resources), NONE, label);
    }
    // Staging has the alerts, the retraining triggers (one on the model's own bus), batch inference's
    // new-data trigger and alert, and the approval dispatch.
    assert.deepEqual(
      stacks.staging
        .filter((r) => r.type === EVENT_RULE_TYPE)
        .map((r) => r.name)
        .sort(),
      [
        `${MODEL}-batch-failed`,
        `${MODEL}-batch-new-data`,
        `${MODEL}-drift-failures`,
        FORWARDED,
        `${MODEL}-retraining-drift`,
        `${MODEL}-retraining-new-data`,
        STOPPED,
        "mlops-staging-approvals-diagnosis",
      ].sort(),
    );
  });

  it("reports a target without a dead-letter queue, against the target", async () => {
    const removed = await check(stagingWith((r) => void delete target(r, STOPPED_TARGET).deadLetterConfig));
    assert.deepEqual(removed, {
      violations: [NO_QUEUE(STOPPED_TARGET, STOPPED)],
      urns: [urnOf(EVENT_TARGET_TYPE, STOPPED_TARGET)],
      unknown: [],
    });
    const empty = await check(stagingWith((r) => void (target(r, STOPPED_TARGET).deadLetterConfig = {})));
    assert.deepEqual(empty.violations, [NO_QUEUE(STOPPED_TARGET, STOPPED)]);
  });

  it("reports a target without a retry policy, or with one that sets nothing", async () => {
    const removed = await check(stagingWith((r) => void delete target(r, STOPPED_TARGET).retryPolicy));
    assert.deepEqual(removed.violations, [NO_RETRY(STOPPED_TARGET, STOPPED)]);
    const empty = await check(stagingWith((r) => void (target(r, STOPPED_TARGET).retryPolicy = {})));
    assert.deepEqual(empty.violations, [EMPTY_RETRY(STOPPED_TARGET, STOPPED)]);
    // Either setting makes it explicit.
    const attempts = await check(
      stagingWith((r) => void (target(r, STOPPED_TARGET).retryPolicy = { maximumRetryAttempts: 0 })),
    );
    assert.deepEqual(attempts, NONE);
  });

  it("reports both problems of a target that has neither, as the alerts had them", async () => {
    const outcome = await check(
      stagingWith((r) => {
        delete target(r, STOPPED_TARGET).deadLetterConfig;
        delete target(r, STOPPED_TARGET).retryPolicy;
      }),
    );
    assert.deepEqual(outcome.violations, [
      NO_QUEUE(STOPPED_TARGET, STOPPED),
      NO_RETRY(STOPPED_TARGET, STOPPED),
    ]);
  });

  it("reports a schedule without a dead-letter queue or retry policy, against the schedule", async () => {
    const outcome = await check(
      stagingWith((r) => {
        const schedule = propsOf(r, SCHEDULE_TYPE, DRIFT_SCHEDULE);
        delete schedule.target.deadLetterConfig;
        delete schedule.target.retryPolicy;
      }),
    );
    assert.deepEqual(outcome, {
      violations: [SCHEDULE_NO_QUEUE(DRIFT_SCHEDULE), SCHEDULE_NO_RETRY(DRIFT_SCHEDULE)],
      urns: [urnOf(SCHEDULE_TYPE, DRIFT_SCHEDULE), urnOf(SCHEDULE_TYPE, DRIFT_SCHEDULE)],
      unknown: [],
    });
  });

  it("reports a rule that no target of the stack delivers for, against the rule", async () => {
    const outcome = await check(stagingWith(without(EVENT_TARGET_TYPE, STOPPED_TARGET)));
    assert.deepEqual(outcome, {
      violations: [NO_TARGET(STOPPED)],
      urns: [urnOf(EVENT_RULE_TYPE, STOPPED)],
      unknown: [],
    });
    // A target that names another rule is not this one's.
    const typo = await check(stagingWith((r) => void (target(r, STOPPED_TARGET).rule = `${MODEL}-stoped`)));
    assert.deepEqual(typo.violations, [NO_TARGET(STOPPED)]);
  });

  it("matches a target to its rule on the rule's bus, named or by ARN", async () => {
    const otherBus = await check(stagingWith((r) => void delete target(r, FORWARDED_TARGET).eventBusName));
    assert.deepEqual(otherBus.violations, [NO_TARGET(FORWARDED, DRIFT_BUS)]);
    const byArn = await check(
      stagingWith(
        (r) =>
          void (target(r, FORWARDED_TARGET).eventBusName =
            `arn:aws:events:us-east-1:123456789012:event-bus/${DRIFT_BUS}`),
      ),
    );
    assert.deepEqual(byArn, NONE);
  });

  it("leaves a disabled rule without a target alone: it matches nothing", async () => {
    const outcome = await check(
      stagingWith((r) => {
        propsOf(r, EVENT_RULE_TYPE, STOPPED).state = "DISABLED";
        return without(EVENT_TARGET_TYPE, STOPPED_TARGET)(r);
      }),
    );
    assert.deepEqual(outcome, NONE);
    const enabled = await check(
      stagingWith((r) => {
        propsOf(r, EVENT_RULE_TYPE, STOPPED).state = "ENABLED";
        return without(EVENT_TARGET_TYPE, STOPPED_TARGET)(r);
      }),
    );
    assert.deepEqual(enabled.violations, [NO_TARGET(STOPPED)]);
  });

  it("lets a waiver set a finding aside", async () => {
    const waivers = [
      { resource: STOPPED_TARGET, reason: "topic moves to the shared stack", expires: "2026-12-31" },
    ];
    const outcome = await check(
      stagingWith((r) => void delete target(r, STOPPED_TARGET).deadLetterConfig),
      { waivers },
    );
    assert.deepEqual(outcome, NONE);
  });

  describe("during preview", () => {
    const previewWith = (change: (resources: StackResourceInput[]) => unknown) =>
      edited(previews.staging, change);

    it("assumes an unknown queue, retry policy or schedule target complies, without the engine's advisory", async () => {
      // A first preview already has the queues' ARNs unknown.
      const alert = find(previews.staging, EVENT_TARGET_TYPE, STOPPED_TARGET).props;
      assert.deepEqual(alert.deadLetterConfig, { arn: UNKNOWN.string });
      const outcome = await check(
        previewWith((r) => {
          target(r, STOPPED_TARGET).deadLetterConfig = UNKNOWN.object;
          target(r, STOPPED_TARGET).retryPolicy = UNKNOWN.object;
          target(r, FORWARDED_TARGET).retryPolicy = { maximumEventAgeInSeconds: UNKNOWN.number };
          propsOf(r, SCHEDULE_TYPE, DRIFT_SCHEDULE).target = UNKNOWN.object;
        }),
      );
      assert.deepEqual(outcome, NONE);
    });

    it("matches an auto-named rule to the targets that depend on it, and only those", async () => {
      const autoNamed = (r: StackResourceInput[]) => {
        propsOf(r, EVENT_RULE_TYPE, STOPPED).name = UNKNOWN.string;
        target(r, STOPPED_TARGET).rule = UNKNOWN.string;
      };
      assert.deepEqual(await check(previewWith(autoNamed)), NONE);
      const unlinked = previewWith((r) => {
        autoNamed(r);
        const alert = r.find((x) => x.type === EVENT_TARGET_TYPE && x.name === STOPPED_TARGET);
        Object.assign(alert ?? {}, { dependencies: alert?.dependencies?.filter((name) => name !== STOPPED) });
      });
      assert.deepEqual((await check(unlinked)).violations, [NO_TARGET(STOPPED)]);
      // The engine's property dependencies of `rule`, when it gives them, decide.
      const resources = policyResources(previewWith(autoNamed));
      const alert = resources.find((r) => r.type === EVENT_TARGET_TYPE && r.name === STOPPED_TARGET);
      const queue = resources.find((r) => r.name === `${STOPPED}-dlq`);
      assert.ok(alert && queue);
      alert.propertyDependencies = { rule: [queue] };
      assert.deepEqual((await checkStack(rule, resources)).violations, [NO_TARGET(STOPPED)]);
    });
  });
});
