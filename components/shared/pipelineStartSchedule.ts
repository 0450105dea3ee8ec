import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { pipelineSchedulePolicy, START_PIPELINE_TARGET } from "./pipelineSchedule";
import { SCHEDULE_GROUP, schedulerTrustPolicy } from "./serviceTrust";
import type { AccountContext } from "./account";

export interface PipelineStartScheduleArgs {
  /** Where the schedule runs: its role trusts Scheduler for this account's schedule group only. */
  readonly account: Pick<AccountContext, "partition" | "region" | "accountId">;
  /** The schedule's resource and physical name. */
  readonly scheduleName: string;
  /** The role's physical name: fixed, so that the deploy role can pass it before it exists. */
  readonly roleName: string;
  /** What the role is for, as IAM shows it. */
  readonly roleDescription: string;
  readonly description: pulumi.Input<string>;
  /** An EventBridge Scheduler expression, run in UTC. */
  readonly scheduleExpression: string;
  readonly pipelineName: pulumi.Input<string>;
  readonly pipelineArn: pulumi.Input<string>;
  /** The rest of the StartPipelineExecution request, e.g. `PipelineParameters`. */
  readonly request: Readonly<Record<string, unknown>>;
  readonly deadLetterQueueArn: pulumi.Input<string>;
  /** The stack key, which encrypts the dead-letter queue. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** The permissions boundary the role carries (the stack's: every role carries it). */
  readonly permissionsBoundaryArn: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * A schedule that starts one SageMaker pipeline through Scheduler's universal target, and the role
 * it runs as (`<name>-scheduler-role`, policy `<name>-scheduler-role-policy`): start that pipeline,
 * and send a start that still fails after an hour of retries to the dead-letter queue. The role
 * trusts Scheduler for this account's schedule group only (`schedulerTrustPolicy`), so no other
 * account's schedule can use it.
 */
export function pipelineStartSchedule(
  name: string,
  args: PipelineStartScheduleArgs,
  parent: pulumi.Resource,
): { readonly role: aws.iam.Role; readonly schedule: aws.scheduler.Schedule } {
  const role = new aws.iam.Role(
    `${name}-scheduler-role`,
    {
      name: args.roleName,
      description: args.roleDescription,
      assumeRolePolicy: pulumi
        .all([args.account.partition, args.account.region, args.account.accountId])
        .apply(([partition, region, accountId]) =>
          JSON.stringify(
            schedulerTrustPolicy({ partition, region, accountId, scheduleGroup: SCHEDULE_GROUP }),
          ),
        ),
      permissionsBoundary: args.permissionsBoundaryArn,
      tags: args.tags,
    },
    { parent },
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-scheduler-role-policy`,
    {
      role: role.name,
      policy: pulumi
        .all([args.pipelineArn, args.deadLetterQueueArn, args.kmsKeyArn])
        .apply(([pipelineArn, deadLetterQueueArn, kmsKeyArn]) =>
          JSON.stringify(pipelineSchedulePolicy({ pipelineArn, deadLetterQueueArn, kmsKeyArn })),
        ),
    },
    { parent },
  );
  const schedule = new aws.scheduler.Schedule(
    args.scheduleName,
    {
      name: args.scheduleName,
      groupName: SCHEDULE_GROUP,
      description: args.description,
      scheduleExpression: args.scheduleExpression,
      scheduleExpressionTimezone: "UTC",
      flexibleTimeWindow: { mode: "OFF" },
      state: "ENABLED",
      target: {
        // The universal target calls StartPipelineExecution with this request, after replacing
        // context attributes such as <aws.scheduler.scheduled-time> ("Adding context attributes",
        // EventBridge Scheduler user guide).
        arn: START_PIPELINE_TARGET,
        roleArn: role.arn,
        input: pulumi
          .output(args.pipelineName)
          .apply((pipelineName) => JSON.stringify({ PipelineName: pipelineName, ...args.request })),
        // An hour of retries: a drift check's start still failing later would overlap the next hourly
        // window, and a retraining start that late is better redone by hand from the dead-letter queue.
        retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
        deadLetterConfig: { arn: args.deadLetterQueueArn },
      },
    },
    // The role may start the pipeline before the first run.
    { parent, dependsOn: [policy] },
  );
  return { role, schedule };
}
