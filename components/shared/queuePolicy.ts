import type { PolicyStatement } from "./policyDocument";

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
