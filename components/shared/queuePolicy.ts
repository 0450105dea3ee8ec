import { EVENTBRIDGE_SERVICE } from "./footprint";
import { policyDocument, PolicyDocument, PolicyStatement, sourceCondition } from "./policyDocument";

/** What a person or a client might do with queued messages; refused without TLS. */
export const QUEUE_MESSAGE_ACTIONS = [
  "sqs:SendMessage",
  "sqs:ReceiveMessage",
  "sqs:DeleteMessage",
  "sqs:ChangeMessageVisibility",
] as const;

/** A queue's statement that refuses every message action over plain HTTP. */
export function queueTlsOnlyStatement(queueArn: string): PolicyStatement {
  return {
    Sid: "DenyMessagesWithoutTls",
    Effect: "Deny",
    Principal: "*",
    Action: [...QUEUE_MESSAGE_ACTIONS],
    Resource: queueArn,
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** The rules whose undeliverable events may land in a dead-letter queue, and the queue. */
export interface EventRulesDeadLetterScope {
  readonly accountId: string;
  readonly ruleArns: readonly string[];
  readonly queueArn: string;
}

/**
 * A dead-letter queue's policy: EventBridge may put there the events these rules of this account
 * could not deliver, and nothing else may write to it through the queue policy; every message
 * action without TLS is refused. EventBridge sends `aws:SourceAccount` and the rule's ARN as
 * `aws:SourceArn` ("Using dead-letter queues to process undelivered events",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html, and "Cross-service
 * confused deputy prevention in Amazon EventBridge",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html).
 */
export function eventRulesDeadLetterPolicy(sid: string, scope: EventRulesDeadLetterScope): PolicyDocument {
  return policyDocument(
    {
      Sid: sid,
      Effect: "Allow",
      Principal: { Service: EVENTBRIDGE_SERVICE },
      Action: "sqs:SendMessage",
      Resource: scope.queueArn,
      Condition: sourceCondition({
        accountId: scope.accountId,
        sourceArn: scope.ruleArns,
        arnOperator: "ArnEquals",
      }),
    },
    queueTlsOnlyStatement(scope.queueArn),
  );
}
