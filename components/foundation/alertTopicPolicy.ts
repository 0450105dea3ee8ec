import { EVENTBRIDGE_SERVICE } from "../shared/footprint";
import { policyDocument, PolicyDocument, sourceCondition } from "../shared/policyDocument";

/**
 * What the account may do with the alert topic: SNS's own default grant, listed so that it can be
 * reviewed, and kept so that replacing the default policy never locks the topic's owner out.
 */
export const TOPIC_OWNER_ACTIONS = [
  "sns:GetTopicAttributes",
  "sns:SetTopicAttributes",
  "sns:AddPermission",
  "sns:RemovePermission",
  "sns:DeleteTopic",
  "sns:Subscribe",
  "sns:ListSubscriptionsByTopic",
  "sns:Publish",
] as const;

export interface AlertTopicPolicyScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly topicArn: string;
  /** Only alarms of this account whose names start with this may publish. */
  readonly alarmNamePrefix: string;
  /** Only EventBridge rules (default bus) of this account whose names start with this may publish. */
  readonly eventRuleNamePrefix: string;
}

/**
 * Policy of an alert topic: the account manages it, and CloudWatch alarms and EventBridge rules
 * publish to it. The services are narrowed to this account's alarms and rules with the given name
 * prefixes, so that no other account (confused deputy) and no unrelated alarm can page on-call.
 * Both services send `aws:SourceAccount` and, as `aws:SourceArn`, the alarm's or the rule's ARN:
 * "Example cases for Amazon SNS access control" (an alarm's ARN,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html) and "Cross-service
 * confused deputy prevention in Amazon EventBridge" ("For EventBridge event bus rule targets, the
 * value of aws:SourceArn must be the rule ARN",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html).
 */
export function alertTopicPolicy(scope: AlertTopicPolicyScope): PolicyDocument {
  const { partition, region, accountId, topicArn } = scope;
  return policyDocument(
    {
      Sid: "AccountManagesTopic",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
      Action: [...TOPIC_OWNER_ACTIONS],
      Resource: topicArn,
    },
    {
      Sid: "CloudWatchAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: sourceCondition({
        accountId,
        sourceArn: `arn:${partition}:cloudwatch:${region}:${accountId}:alarm:${scope.alarmNamePrefix}*`,
      }),
    },
    {
      Sid: "EventBridgeRulesPublish",
      Effect: "Allow",
      Principal: { Service: EVENTBRIDGE_SERVICE },
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: sourceCondition({
        accountId,
        sourceArn: `arn:${partition}:events:${region}:${accountId}:rule/${scope.eventRuleNamePrefix}*`,
      }),
    },
    {
      Sid: "DenyPublishWithoutTls",
      Effect: "Deny",
      Principal: "*",
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  );
}
