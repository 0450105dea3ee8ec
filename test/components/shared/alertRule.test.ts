import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  ALERT_RETRY_POLICY,
  ALERT_RULE_TYPES,
  alertRule,
  AlertRuleArgs,
  undeliveredAlertsAlarm,
} from "../../../components/shared/alertRule";
import { named, recordResources, RecordedResource, settle } from "../../helpers/mocks";

const ACCOUNT = "123456789012";
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0d5a6c3e-1111-4222-8333-944455556666`;
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:mlops-staging-diagnosis-alerts`;
const TAGS = { Environment: "staging", Project: "mlops-platform" };
const NAME = "mlops-staging-diagnosis-stopped";
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:${NAME}-dlq`;
const RULE_ARN = `arn:aws:events:us-east-1:${ACCOUNT}:rule/${NAME}`;
const PATTERN = {
  source: ["aws.sagemaker"],
  "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
};
const ALARM = undeliveredAlertsAlarm(NAME, "failed runs of pipeline p", "start it again");

function args(overrides: Partial<AlertRuleArgs> = {}): AlertRuleArgs {
  return {
    accountId: ACCOUNT,
    description: "Failed runs of pipeline p",
    eventPattern: JSON.stringify(PATTERN),
    inputPaths: { status: "$.detail.currentPipelineExecutionStatus" },
    inputTemplate: JSON.stringify("A run ended <status>."),
    alertTopicArn: TOPIC,
    kmsKeyArn: KEY,
    undeliveredAlarm: ALARM,
    tags: TAGS,
    ...overrides,
  };
}

const json = (value: unknown) => JSON.parse(value as string);

describe("alertRule", () => {
  let recorded: RecordedResource[];
  let parent: pulumi.ComponentResource;
  before(async () => {
    recorded = recordResources();
    parent = new pulumi.ComponentResource("test:index:Parent", "parent");
    alertRule(NAME, args(), parent);
    await settle(recorded);
  });

  it("creates exactly the rule, its target, the dead-letter queue, its policy and its alarm, children of the parent", () => {
    const parentUrn = named(recorded, "parent").urn;
    assert.deepEqual(
      recorded
        .filter((r) => r.parent === parentUrn)
        .map((r) => `${r.type} ${r.name}`)
        .sort(),
      [
        `aws:cloudwatch/eventRule:EventRule ${NAME}`,
        `aws:cloudwatch/eventTarget:EventTarget ${NAME}-alert`,
        `aws:cloudwatch/metricAlarm:MetricAlarm ${NAME}-undelivered`,
        `aws:sqs/queue:Queue ${NAME}-dlq`,
        `aws:sqs/queuePolicy:QueuePolicy ${NAME}-dlq-policy`,
      ],
    );
    assert.deepEqual(
      [...new Set(recorded.filter((r) => r.parent === parentUrn).map((r) => r.type))].sort(),
      [...ALERT_RULE_TYPES].sort(),
    );
  });

  it("names the rule as asked, so that the topic's rule-name prefix lets it publish", () => {
    assert.deepEqual(named(recorded, NAME, "aws:cloudwatch/eventRule:EventRule").inputs, {
      name: NAME,
      description: "Failed runs of pipeline p",
      eventPattern: JSON.stringify(PATTERN),
      tags: TAGS,
    });
  });

  it("retries an alert for an hour, then puts it into the dead-letter queue, once the queue accepts it", () => {
    const target = named(recorded, `${NAME}-alert`);
    assert.deepEqual(target.inputs, {
      rule: NAME,
      arn: TOPIC,
      inputTransformer: {
        inputPaths: { status: "$.detail.currentPipelineExecutionStatus" },
        inputTemplate: JSON.stringify("A run ended <status>."),
      },
      retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
      deadLetterConfig: { arn: QUEUE_ARN },
    });
    assert.deepEqual(ALERT_RETRY_POLICY, { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 });
    assert.ok(target.dependencies.includes(named(recorded, `${NAME}-dlq-policy`).urn));
  });

  it("keeps undelivered alerts 14 days, encrypted with the stack key, writable by this rule of this account only, TLS only", () => {
    assert.deepEqual(named(recorded, `${NAME}-dlq`).inputs, {
      name: `${NAME}-dlq`,
      kmsMasterKeyId: KEY,
      messageRetentionSeconds: 1_209_600,
      tags: TAGS,
    });
    const policy = named(recorded, `${NAME}-dlq-policy`).inputs;
    assert.equal(policy.queueUrl, `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${NAME}-dlq`);
    assert.deepEqual(json(policy.policy), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AlertRuleSendsUndeliveredAlerts",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: QUEUE_ARN,
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnEquals: { "aws:SourceArn": [RULE_ARN] },
          },
        },
        {
          Sid: "DenyMessagesWithoutTls",
          Effect: "Deny",
          Principal: "*",
          Action: [
            "sqs:SendMessage",
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
          ],
          Resource: QUEUE_ARN,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  it("pages the topic while the queue holds an alert, and again once it is empty", () => {
    const alarm = named(recorded, `${NAME}-undelivered`);
    assert.deepEqual(alarm.inputs, {
      name: `${NAME}-undelivered`,
      alarmDescription:
        `SQS queue ${NAME}-dlq holds alerts of failed runs of pipeline p that EventBridge rule ${NAME} could not ` +
        `deliver to the alert topic, so nobody was told of them. Each message is the event the rule matched, with the ` +
        `error in its ERROR_CODE and ERROR_MESSAGE attributes: fix the cause (a deleted topic, or a topic or key ` +
        `policy that refuses EventBridge), start it again, then delete the message; the alarm returns to OK once the ` +
        `queue is empty`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: `${NAME}-dlq` },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
      okActions: [TOPIC],
      tags: TAGS,
    });
    assert.ok(alarm.dependencies.includes(named(recorded, `${NAME}-dlq`).urn));
  });

  it("refuses an alarm on another queue than the rule's, before creating anything", () => {
    const before = recorded.length;
    assert.throws(
      () =>
        alertRule(
          "mlops-staging-diagnosis-other",
          args({ undeliveredAlarm: undeliveredAlertsAlarm("mlops-staging-diagnosis-else", "x", "y") }),
          parent,
        ),
      {
        message:
          'Alert rule mlops-staging-diagnosis-other: undeliveredAlarm watches queue "mlops-staging-diagnosis-else-dlq", not its dead-letter queue "mlops-staging-diagnosis-other-dlq".',
      },
    );
    assert.equal(recorded.length, before);
  });
});
