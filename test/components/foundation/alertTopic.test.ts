import assert from "node:assert/strict";
import { AlertTopic, AlertTopicArgs, withDefaults } from "../../../components/foundation/alertTopic";
import { alertTopicPolicy } from "../../../components/foundation/alertTopicPolicy";
import {
  ACCOUNT_ID,
  named,
  ofType,
  recordResources,
  RecordedResource,
  REGION,
  settle,
  valueOf,
} from "../../helpers/mocks";
import { TEST_ACCOUNT } from "../../helpers/account";
import { assertFootprint } from "../../helpers/footprint";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666";
const TAGS = { Environment: "prod", Project: "mlops-platform" };
const NAME = "mlops-prod-alerts";
const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:${NAME}`;
const EMAILS = ["ml-oncall@example.com", "Jane.Doe+alerts@Example.org"];

async function build(args: Partial<AlertTopicArgs> = {}, name = NAME) {
  const recorded = recordResources();
  const topic = new AlertTopic(name, {
    account: TEST_ACCOUNT,
    kmsKeyArn: KEY,
    emails: EMAILS,
    tags: TAGS,
    ...args,
  });
  await settle(recorded);
  return { recorded, topic };
}

const subscriptionNames = (recorded: RecordedResource[]) =>
  ofType(recorded, "aws:sns/topicSubscription:TopicSubscription")
    .map((r) => r.name)
    .sort();

describe("AlertTopic", () => {
  let recorded: RecordedResource[];
  let topic: AlertTopic;
  before(async () => {
    ({ recorded, topic } = await build());
  });

  it("creates the topic, its policy and one subscription per address, all children of the component", () => {
    const component = named(recorded, NAME);
    assert.equal(component.type, "mlops:sns:AlertTopic");
    assert.deepEqual(
      recorded
        .filter((r) => r.custom)
        .map((r) => [r.type, r.name, r.parent === component.urn])
        .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
      [
        ["aws:sns/topic:Topic", NAME, true],
        ["aws:sns/topicSubscription:TopicSubscription", `${NAME}-email-jane-doe-alerts-example-org`, true],
        ["aws:sns/topicSubscription:TopicSubscription", `${NAME}-email-ml-oncall-example-com`, true],
        ["aws:sns/topicPolicy:TopicPolicy", `${NAME}-policy`, true],
      ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    );
  });

  it("names the topic after the component, encrypts it with the stack key and tags it", () => {
    const created = named(ofType(recorded, "aws:sns/topic:Topic"), NAME);
    assert.equal(created.inputs.name, NAME);
    assert.equal(created.inputs.displayName, `MLOps alerts - ${NAME}`);
    assert.equal(created.inputs.kmsMasterKeyId, KEY);
    assert.deepEqual(created.inputs.tags, TAGS);
  });

  it("exports the topic's ARN and name", async () => {
    assert.equal(await valueOf(topic.topicArn), TOPIC_ARN);
    assert.equal(await valueOf(topic.topicName), NAME);
  });

  it("attaches the alert-topic policy for this account and region, with the component name as prefixes", () => {
    const policy = named(recorded, `${NAME}-policy`);
    assert.equal(policy.inputs.arn, TOPIC_ARN);
    assert.deepEqual(
      JSON.parse(policy.inputs.policy as string),
      alertTopicPolicy({
        partition: "aws",
        region: REGION,
        accountId: ACCOUNT_ID,
        topicArn: TOPIC_ARN,
        alarmNamePrefix: NAME,
        eventRuleNamePrefix: NAME,
      }),
    );
  });

  it("uses the given alarm and rule name prefixes in the policy", async () => {
    const { recorded: custom } = await build({
      alarmNamePrefix: "diagnosis-",
      eventRuleNamePrefix: "mlops-prod-pipeline-",
    });
    const document = JSON.parse(named(custom, `${NAME}-policy`).inputs.policy as string);
    assert.deepEqual(
      document,
      alertTopicPolicy({
        partition: "aws",
        region: REGION,
        accountId: ACCOUNT_ID,
        topicArn: TOPIC_ARN,
        alarmNamePrefix: "diagnosis-",
        eventRuleNamePrefix: "mlops-prod-pipeline-",
      }),
    );
  });

  it("subscribes every address by e-mail to the topic", () => {
    const subscriptions = ofType(recorded, "aws:sns/topicSubscription:TopicSubscription");
    assert.deepEqual(
      subscriptions
        .map((s) => [s.inputs.protocol, s.inputs.endpoint, s.inputs.topic])
        .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
      [
        ["email", "Jane.Doe+alerts@Example.org", TOPIC_ARN],
        ["email", "ml-oncall@example.com", TOPIC_ARN],
      ],
    );
  });

  it("names subscriptions after their addresses, so reordering the list replaces nothing", async () => {
    const { recorded: reordered } = await build({ emails: [...EMAILS].reverse() });
    assert.deepEqual(subscriptionNames(reordered), subscriptionNames(recorded));
    const { recorded: extended } = await build({ emails: ["new-hire@example.com", ...EMAILS] });
    assert.deepEqual(subscriptionNames(extended), [
      ...subscriptionNames(recorded),
      `${NAME}-email-new-hire-example-com`,
    ]);
  });

  it("defaults both publisher prefixes to the component name, keeping explicit ones", () => {
    const args = { account: TEST_ACCOUNT, kmsKeyArn: KEY, emails: EMAILS, tags: TAGS };
    assert.deepEqual(withDefaults(NAME, args), {
      ...args,
      alarmNamePrefix: NAME,
      eventRuleNamePrefix: NAME,
    });
    assert.deepEqual(withDefaults(NAME, { ...args, alarmNamePrefix: "a-", eventRuleNamePrefix: "r-" }), {
      ...args,
      alarmNamePrefix: "a-",
      eventRuleNamePrefix: "r-",
    });
  });

  it("keeps the display name within SNS's 100 characters", async () => {
    const long = "a".repeat(256);
    const { recorded: built } = await build({ alarmNamePrefix: "a", eventRuleNamePrefix: "a" }, long);
    const displayName = named(ofType(built, "aws:sns/topic:Topic"), long).inputs.displayName as string;
    assert.equal(displayName.length, 100);
    assert.ok(displayName.startsWith("MLOps alerts - aaa"));
  });

  it("refuses bad arguments before creating anything, naming every problem", async () => {
    const recordedBad = recordResources();
    assert.throws(
      () =>
        new AlertTopic("on call!", {
          account: TEST_ACCOUNT,
          kmsKeyArn: KEY,
          tags: {},
          emails: [
            "ops@example.com",
            "OPS@example.com",
            "a.b@example.com",
            "a-b@example.com",
            "not-an-email",
          ],
          alarmNamePrefix: "*",
          eventRuleNamePrefix: "rule prefix",
        }),
      {
        message:
          'AlertTopic on call!: name "on call!" must be 1-256 letters, digits, hyphens and underscores (an SNS topic name); ' +
          'email "not-an-email" is not a valid e-mail address; ' +
          'emails lists "ops@example.com", "OPS@example.com": each address must appear once; ' +
          'emails "a.b@example.com", "a-b@example.com" would share the subscription name "on call!-email-a-b-example-com"; ' +
          'alarmNamePrefix "*" must be non-empty, without "*", "?" or control characters; ' +
          'eventRuleNamePrefix "rule prefix" must be letters, digits, ".", "-" and "_" (an EventBridge rule name).',
      },
    );
    await settle(recordedBad);
    assert.deepEqual(recordedBad, []);
  });

  it("refuses an empty list of addresses and malformed ones", async () => {
    const recordedBad = recordResources();
    assert.throws(
      () => new AlertTopic("alerts", { account: TEST_ACCOUNT, kmsKeyArn: KEY, tags: {}, emails: [] }),
      {
        message: "AlertTopic alerts: emails must list at least one address.",
      },
    );
    for (const email of [
      "ops@example",
      " ops@example.com",
      "ops@@example.com",
      "ops@-example.com",
      "@example.com",
      `${"a".repeat(250)}@example.com`,
    ]) {
      assert.throws(
        () => new AlertTopic("alerts", { account: TEST_ACCOUNT, kmsKeyArn: KEY, tags: {}, emails: [email] }),
        {
          message: `AlertTopic alerts: email "${email}" is not a valid e-mail address.`,
        },
      );
    }
    await settle(recordedBad);
    assert.deepEqual(recordedBad, []);
  });

  it("states its footprint", async () => {
    const { recorded, topic } = await build();
    await assertFootprint(recorded, topic.footprint, []);
  });
});
