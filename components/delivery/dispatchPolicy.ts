import { EVENTBRIDGE_SERVICE } from "../shared/footprint";
import { eventRulesDeadLetterPolicy } from "../shared/queuePolicy";
import { policyDocument, PolicyDocument, sourceCondition } from "../shared/policyDocument";

/** Who may use the role and the queue of a model-approval dispatch: EventBridge, for these rules only. */
export interface DispatchRulesScope {
  readonly accountId: string;
  /** ARNs of the rules that send approvals to GitHub. At least one. */
  readonly ruleArns: readonly string[];
}

/**
 * Trust policy of the role the dispatch rules' targets run as: only EventBridge may assume it, and
 * only on behalf of these rules of this account, so that no other rule (or account, the confused
 * deputy) can spend the role's right to call GitHub. EventBridge sends `aws:SourceAccount` and, for
 * a rule's target, the rule's ARN as `aws:SourceArn` ("Cross-service confused deputy prevention in
 * Amazon EventBridge",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html).
 */
export function dispatchTrustPolicy(scope: DispatchRulesScope): PolicyDocument {
  return policyDocument({
    Sid: "DispatchRulesAssumeRole",
    Effect: "Allow",
    Principal: { Service: EVENTBRIDGE_SERVICE },
    Action: "sts:AssumeRole",
    Condition: sourceCondition({
      accountId: scope.accountId,
      sourceArn: scope.ruleArns,
      arnOperator: "ArnEquals",
    }),
  });
}

/**
 * What the role may do: call the one API destination, nothing else. The token lives in the
 * connection, which EventBridge reads itself; the role needs no Secrets Manager or KMS permission.
 */
export function invokeApiDestinationPolicy(apiDestinationArn: string): PolicyDocument {
  return policyDocument({
    Sid: "InvokeGithubDispatchDestination",
    Effect: "Allow",
    Action: "events:InvokeApiDestination",
    Resource: apiDestinationArn,
  });
}

export interface DeadLetterQueueScope extends DispatchRulesScope {
  readonly queueArn: string;
}

/**
 * Policy of the dead-letter queue: EventBridge may put there the approvals these rules could not
 * deliver, and nothing else may write to it through the queue policy. The account's own people
 * read it through IAM as usual; every message action without TLS is refused.
 */
export function deadLetterQueuePolicy(scope: DeadLetterQueueScope): PolicyDocument {
  return eventRulesDeadLetterPolicy("DispatchRulesSendFailedDeliveries", scope);
}
