import assert from "node:assert/strict";
import { alertTopicPolicy } from "../../../components/foundation/alertTopicPolicy";
import { reviewAgainstServiceData } from "../../helpers/iamData";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:mlops-prod-alerts";

describe("alertTopicPolicy", () => {
  const policy = alertTopicPolicy({
    partition: "aws",
    region: "eu-west-1",
    accountId: "123456789012",
    topicArn: TOPIC,
    alarmNamePrefix: "mlops-prod-",
    eventRuleNamePrefix: "mlops-prod-events-",
  });
  const statement = (sid: string) => {
    const found = policy.Statement.find((s) => s.Sid === sid);
    assert.ok(found, `statement ${sid}`);
    return found;
  };

  it("lets the account manage the topic, this account's alarms and rules publish, and refuses plain HTTP", () => {
    assert.deepEqual(policy, {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AccountManagesTopic",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: [
            "sns:GetTopicAttributes",
            "sns:SetTopicAttributes",
            "sns:AddPermission",
            "sns:RemovePermission",
            "sns:DeleteTopic",
            "sns:Subscribe",
            "sns:ListSubscriptionsByTopic",
            "sns:Publish",
          ],
          Resource: TOPIC,
        },
        {
          Sid: "CloudWatchAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: TOPIC,
          Condition: {
            ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:mlops-prod-*" },
            StringEquals: { "aws:SourceAccount": "123456789012" },
          },
        },
        {
          Sid: "EventBridgeRulesPublish",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sns:Publish",
          Resource: TOPIC,
          Condition: {
            ArnLike: {
              "aws:SourceArn": "arn:aws:events:eu-west-1:123456789012:rule/mlops-prod-events-*",
            },
            StringEquals: { "aws:SourceAccount": "123456789012" },
          },
        },
        {
          Sid: "DenyPublishWithoutTls",
          Effect: "Deny",
          Principal: "*",
          Action: "sns:Publish",
          Resource: TOPIC,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  it("narrows CloudWatch to alarms of this account and region whose names have the prefix", () => {
    assert.deepEqual(statement("CloudWatchAlarmsPublish").Condition, {
      ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:mlops-prod-*" },
      StringEquals: { "aws:SourceAccount": "123456789012" },
    });
  });

  it("narrows EventBridge to rules of this account and region whose names have the prefix", () => {
    assert.deepEqual(statement("EventBridgeRulesPublish").Condition, {
      ArnLike: { "aws:SourceArn": "arn:aws:events:eu-west-1:123456789012:rule/mlops-prod-events-*" },
      StringEquals: { "aws:SourceAccount": "123456789012" },
    });
  });

  it("denies publishing without TLS to everyone, and leaves the account's grant unconditional", () => {
    assert.deepEqual(statement("DenyPublishWithoutTls").Condition, {
      Bool: { "aws:SecureTransport": "false" },
    });
    assert.equal(statement("AccountManagesTopic").Condition, undefined);
  });

  it("builds every ARN in the given partition", () => {
    const china = alertTopicPolicy({
      partition: "aws-cn",
      region: "cn-north-1",
      accountId: "210987654321",
      topicArn: "arn:aws-cn:sns:cn-north-1:210987654321:alerts",
      alarmNamePrefix: "alerts",
      eventRuleNamePrefix: "alerts",
    });
    const arns = china.Statement.flatMap((s) => [
      ...Object.values(s.Principal === "*" ? {} : (s.Principal ?? {})).flat(),
      ...Object.values(s.Condition?.ArnLike ?? {}).flat(),
    ]).filter((value) => String(value).startsWith("arn:"));
    assert.deepEqual(arns, [
      "arn:aws-cn:iam::210987654321:root",
      "arn:aws-cn:cloudwatch:cn-north-1:210987654321:alarm:alerts*",
      "arn:aws-cn:events:cn-north-1:210987654321:rule/alerts*",
    ]);
  });

  it("names only real SNS actions, each scoped to the topic", async () => {
    assert.deepEqual(await reviewAgainstServiceData(policy), []);
    for (const s of policy.Statement) assert.equal(s.Resource, TOPIC, s.Sid);
  });

  it("never allows an anonymous principal", () => {
    const allows = policy.Statement.filter((s) => s.Effect === "Allow");
    assert.equal(allows.length, 3);
    for (const s of allows) assert.notEqual(s.Principal, "*", s.Sid);
    for (const s of allows) assert.ok(!JSON.stringify(s.Principal).includes('"*"'), s.Sid);
  });
});
