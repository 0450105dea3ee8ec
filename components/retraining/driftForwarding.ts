import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccountContext } from "../shared/account";
import { DeployFootprint, EVENTBRIDGE_SERVICE, TYPES } from "../shared/footprint";
import { policyDocument, sourceCondition } from "../shared/policyDocument";
import { deadLetterAlarm, deadLetterQueue } from "../shared/deadLetterQueue";
import { queueNotEmptyAlarm } from "../shared/metricAlarm";
import { driftEventPattern } from "./trainingTriggers";
import { DRIFT_EVENT_SOURCE, driftEventBusName, retrainingQueuePolicy } from "./retrainingPolicy";

export interface DriftForwardingArgs {
  readonly account: AccountContext;
  /** The model's name in the stack config, as its drift events name it. */
  readonly modelName: string;
  /**
   * The model package group the stack serves the model from (`models[].source.modelPackageGroupArn`):
   * its account builds the model, and its name names the bus that account listens on.
   */
  readonly sourceModelPackageGroupArn: string;
  /** The stack key, which encrypts the queue of events that could not be forwarded. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** The permissions boundary the rule's role carries (the stack's: every role carries it). */
  readonly permissionsBoundaryArn: pulumi.Input<string>;
  /** The model's alert topic: events that could not be forwarded page it. */
  readonly alertTopicArn: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
}

/** The bus a served model's drift events go to: `<group name>-drift-events` in the building account. */
export function sourceDriftBusArn(sourceModelPackageGroupArn: string): string {
  const [, partition, , region, account, resource] = sourceModelPackageGroupArn.split(":");
  const group = resource.replace(/^model-package-group\//, "");
  return `arn:${partition}:events:${region}:${account}:event-bus/${driftEventBusName(group)}`;
}

/**
 * The role's trust: EventBridge, for this one rule of this account. EventBridge sends
 * `aws:SourceAccount` and the rule's ARN as `aws:SourceArn` ("Cross-service confused deputy
 * prevention in Amazon EventBridge",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html).
 */
export function forwardingTrustPolicy(accountId: string, ruleArn: string) {
  return policyDocument({
    Sid: "ForwardingRuleAssumesRole",
    Effect: "Allow",
    Principal: { Service: EVENTBRIDGE_SERVICE },
    Action: "sts:AssumeRole",
    Condition: sourceCondition({ accountId, sourceArn: ruleArn, arnOperator: "ArnEquals" }),
  });
}

/** Put drift events on the building account's bus, and nothing else anywhere. */
export function forwardingPolicy(busArn: string) {
  return policyDocument({
    Sid: "ForwardDriftToBuildingAccount",
    Effect: "Allow",
    Action: "events:PutEvents",
    Resource: busArn,
    Condition: { StringEquals: { "events:source": DRIFT_EVENT_SOURCE } },
  });
}

/** The alarm on the dead-letter queue `<name>-dlq`: drift the building account never heard of. */
export function failedForwardsAlarm(name: string, modelName: string, busArn: string) {
  const queueName = `${name}-dlq`;
  return queueNotEmptyAlarm(
    `${name}-failed-forwards`,
    queueName,
    `SQS queue ${queueName} holds drift events about ${modelName} that could not reach ${busArn}: the ` +
      `account that builds the model did not hear of them, so no retraining started. Check that its stack turns ` +
      `retraining.drift on and lists this account in promotion.consumerAccounts, start a build there if the drift ` +
      `calls for one, then delete the messages; the alarm returns to OK once the queue is empty`,
  );
}

export function driftForwardingFootprint(roleArn: pulumi.Input<string>, roleName?: string): DeployFootprint {
  return {
    types: [
      TYPES.role,
      TYPES.rolePolicy,
      TYPES.eventRule,
      TYPES.eventTarget,
      TYPES.queue,
      TYPES.queuePolicy,
      TYPES.metricAlarm,
    ],
    passedRoles: [{ service: EVENTBRIDGE_SERVICE, roleArn, roleName }],
  };
}

/**
 * A serving stack's half of retraining on drift: its drift checks' findings about a model it
 * serves from another account go to that account's drift bus, which starts the model's build
 * there (`TrainingTriggers`). The building account's bus accepts them from its consumer accounts.
 */
export class DriftForwarding extends pulumi.ComponentResource {
  public readonly ruleName: pulumi.Output<string>;
  public readonly footprint: DeployFootprint;

  constructor(name: string, args: DriftForwardingArgs, opts?: pulumi.ComponentResourceOptions) {
    if (
      !/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package-group\/[A-Za-z0-9-]+$/.test(
        args.sourceModelPackageGroupArn,
      )
    ) {
      throw new Error(
        `DriftForwarding ${name}: sourceModelPackageGroupArn "${args.sourceModelPackageGroupArn}" is not a model package group ARN.`,
      );
    }
    super("mlops:sagemaker:DriftForwarding", name, {}, opts);
    const parent = { parent: this };
    const busArn = sourceDriftBusArn(args.sourceModelPackageGroupArn);

    const rule = new aws.cloudwatch.EventRule(
      name,
      {
        name,
        description: `Forwards drift found in the traffic to ${args.modelName} to the account that builds it`,
        eventPattern: pulumi
          .output(args.account.accountId)
          .apply((account) => JSON.stringify(driftEventPattern(args.modelName, [account]))),
        tags: args.tags,
      },
      parent,
    );
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: `${name}-role`,
        description: `Lets rule ${name} put drift events on ${busArn}`,
        assumeRolePolicy: pulumi
          .all([args.account.accountId, rule.arn])
          .apply(([account, ruleArn]) => JSON.stringify(forwardingTrustPolicy(account, ruleArn))),
        permissionsBoundary: args.permissionsBoundaryArn,
        tags: args.tags,
      },
      parent,
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-role-policy`,
      { role: role.name, policy: JSON.stringify(forwardingPolicy(busArn)) },
      parent,
    );
    // What cannot be forwarded after an hour of retries waits here, and its alarm pages someone: the
    // building account would otherwise never hear of the drift.
    const queueName = `${name}-dlq`;
    const deadLetters = deadLetterQueue(queueName, { kmsKeyArn: args.kmsKeyArn, tags: args.tags }, parent);
    new aws.sqs.QueuePolicy(
      `${name}-dlq-policy`,
      {
        queueUrl: deadLetters.url,
        policy: pulumi
          .all([args.account.accountId, rule.arn, deadLetters.arn])
          .apply(([account, ruleArn, queueArn]) =>
            JSON.stringify(retrainingQueuePolicy({ accountId: account, ruleArns: [ruleArn], queueArn })),
          ),
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-target`,
      {
        rule: rule.name,
        arn: busArn,
        roleArn: role.arn,
        retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
        deadLetterConfig: { arn: deadLetters.arn },
      },
      { parent: this, dependsOn: [rolePolicy] },
    );
    deadLetterAlarm(
      failedForwardsAlarm(name, args.modelName, busArn),
      deadLetters,
      args.alertTopicArn,
      args.tags,
      this,
    );

    this.footprint = driftForwardingFootprint(role.arn, `${name}-role`);
    this.ruleName = rule.name;
    this.registerOutputs({ ruleName: this.ruleName });
  }
}
