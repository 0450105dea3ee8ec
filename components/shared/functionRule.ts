import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EVENTBRIDGE_SERVICE } from "./footprint";

export interface FunctionRuleArgs {
  readonly description: pulumi.Input<string>;
  /** The rule's event pattern, as JSON. */
  readonly eventPattern: pulumi.Input<string>;
  /** The bus the rule listens on. @default the account's default bus */
  readonly eventBusName?: pulumi.Input<string>;
  /** The function the rule invokes. */
  readonly fn: aws.lambda.Function;
  /** The stack's account: the only one whose rule may invoke the function. */
  readonly accountId: pulumi.Input<string>;
  /** Where EventBridge puts what it could not deliver; its policy must let the rule send. */
  readonly deadLetterQueueArn: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * An EventBridge rule `<name>` that invokes a function: its target `<name>-target` retries for an
 * hour, ten times, then puts the event into the dead-letter queue; the permission `<name>-invoke`
 * lets only this rule of this account invoke the function. EventBridge sends the rule's ARN as
 * aws:SourceArn ("Cross-service confused deputy prevention in Amazon EventBridge",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html),
 * and Lambda writes sourceArn and sourceAccount into the function's policy as conditions on them
 * ("AddPermission", https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html).
 */
export function functionRule(
  name: string,
  args: FunctionRuleArgs,
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.EventRule {
  const rule = new aws.cloudwatch.EventRule(
    name,
    {
      name,
      description: args.description,
      eventPattern: args.eventPattern,
      eventBusName: args.eventBusName,
      tags: args.tags,
    },
    opts,
  );
  new aws.cloudwatch.EventTarget(
    `${name}-target`,
    {
      rule: rule.name,
      eventBusName: args.eventBusName,
      arn: args.fn.arn,
      retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
      deadLetterConfig: { arn: args.deadLetterQueueArn },
    },
    opts,
  );
  new aws.lambda.Permission(
    `${name}-invoke`,
    {
      function: args.fn.name,
      action: "lambda:InvokeFunction",
      principal: EVENTBRIDGE_SERVICE,
      sourceArn: rule.arn,
      sourceAccount: args.accountId,
    },
    opts,
  );
  return rule;
}
