import { policyDocument, PolicyDocument } from "../shared/policyDocument";
import { eventRulesDeadLetterPolicy } from "../shared/queuePolicy";

import { DRIFT_EVENT_SOURCE } from "../monitoring/driftCheckPolicy";

export { DRIFT_EVENT_SOURCE };
/** The detail type of the drift checks' events (drift_steps.py). */
export const DRIFT_EVENT_DETAIL_TYPE = "Drift Detected";

export interface RetrainingQueueScope {
  readonly accountId: string;
  /** The rules whose deliveries to the retraining function may land in the queue. */
  readonly ruleArns: readonly string[];
  readonly queueArn: string;
}

/**
 * The retraining dead-letter queue: EventBridge may put events its rules could not deliver to the
 * function, for this account's retraining rules only; the function's own failures arrive through
 * its role. No message moves without TLS.
 */
export function retrainingQueuePolicy(scope: RetrainingQueueScope): PolicyDocument {
  return eventRulesDeadLetterPolicy("RetrainingRulesSendUndeliveredEvents", {
    ...scope,
    ruleArns: [...scope.ruleArns].sort(),
  });
}

export interface DriftEventBusScope {
  readonly partition: string;
  readonly busArn: string;
  /** The accounts that serve the model and forward their drift checks' findings. */
  readonly consumerAccounts: readonly string[];
}

/**
 * The model's drift event bus accepts drift events from exactly the accounts that serve the model,
 * and nothing else from them: `events:source` is a condition key of PutEvents (Service
 * Authorization Reference, Amazon EventBridge), so a consumer cannot put other events on it.
 */
export function driftEventBusPolicy(scope: DriftEventBusScope): PolicyDocument {
  return policyDocument({
    Sid: "ConsumerAccountsForwardDrift",
    Effect: "Allow",
    Principal: {
      AWS: [...new Set(scope.consumerAccounts)]
        .sort()
        .map((account) => `arn:${scope.partition}:iam::${account}:root`),
    },
    Action: "events:PutEvents",
    Resource: scope.busArn,
    Condition: { StringEquals: { "events:source": DRIFT_EVENT_SOURCE } },
  });
}

/** The bus of a model's forwarded drift events: named after its model package group, which serving stacks know. */
export function driftEventBusName(modelPackageGroupName: string): string {
  return `${modelPackageGroupName}-drift-events`;
}
