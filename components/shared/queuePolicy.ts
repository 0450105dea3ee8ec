import { EVENTBRIDGE_SERVICE } from "./footprint";
import { policyDocument, PolicyDocument, PolicyStatement } from "./policyDocument";

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
 * could not deliver (`aws:SourceAccount` and `aws:SourceArn`, the keys EventBridge sends: "Using
 * dead-letter queues to process undelivered events", EventBridge user guide), and nothing else
 * may write to it through the queue policy; every message action without TLS is refused.
 */
export function eventRulesDeadLetterPolicy(sid: string, scope: EventRulesDeadLetterScope): PolicyDocument {
  return policyDocument(
    {
      Sid: sid,
      Effect: "Allow",
      Principal: { Service: EVENTBRIDGE_SERVICE },
      Action: "sqs:SendMessage",
      Resource: scope.queueArn,
      Condition: {
        StringEquals: { "aws:SourceAccount": scope.accountId },
        // A copy: documents never share an array with their caller.
        ArnEquals: { "aws:SourceArn": [...scope.ruleArns] },
      },
    },
    queueTlsOnlyStatement(scope.queueArn),
  );
}
