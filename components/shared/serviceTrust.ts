import * as pulumi from "@pulumi/pulumi";
import type { AccountContext } from "./account";
import { LAMBDA_SERVICE, SAGEMAKER_SERVICE, SCHEDULER_SERVICE } from "./footprint";
import { PolicyDocument, serviceTrustPolicy, sourceCondition } from "./policyDocument";

/** Where a role's service acts: the stack's partition, region and account. */
export interface TrustScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/**
 * Trust policy of a role SageMaker runs as (pipeline jobs, models behind endpoints, Model Monitor
 * and drift check jobs): SageMaker, for this account's SageMaker resources in this region only.
 * SageMaker sends `aws:SourceAccount` and `aws:SourceArn` ("Cross-service confused deputy
 * prevention", SageMaker developer guide,
 * https://docs.aws.amazon.com/sagemaker/latest/dg/security-confused-deputy-prevention.html).
 * `aws:SourceArn` is `arn:<partition>:sagemaker:<region>:<account>:*`, the page's general form,
 * rather than one resource type: the same role is assumed for different resources (a pipeline's
 * role for its executions, then for the processing and training jobs they start; a monitoring
 * role for its schedule's processing jobs), and for inference the page says to use exactly this
 * form, not the ARN of a model or endpoint.
 */
export function sageMakerTrustPolicy(scope: TrustScope): PolicyDocument {
  const { partition, region, accountId } = scope;
  return serviceTrustPolicy(
    SAGEMAKER_SERVICE,
    sourceCondition({ accountId, sourceArn: `arn:${partition}:sagemaker:${region}:${accountId}:*` }),
  );
}

/** The schedule group the stack's schedules are in: Scheduler's own, which every account has. */
export const SCHEDULE_GROUP = "default";

/**
 * Trust policy of a schedule's role: EventBridge Scheduler, for the schedules of one schedule group
 * of this account in this region. Scheduler sends `aws:SourceAccount` and, as `aws:SourceArn`, the
 * ARN of the schedule's group, never of the schedule: "Do not scope the aws:SourceArn statement to
 * a specific schedule or a schedule name prefix. The ARN you specify must be a schedule group"
 * ("Confused deputy prevention", EventBridge Scheduler user guide,
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html).
 * Which schedule of the group may use the role is then `iam:PassRole`'s decision.
 */
export function schedulerTrustPolicy(scope: TrustScope & { readonly scheduleGroup: string }): PolicyDocument {
  const { partition, region, accountId } = scope;
  return serviceTrustPolicy(
    SCHEDULER_SERVICE,
    sourceCondition({
      accountId,
      sourceArn: `arn:${partition}:scheduler:${region}:${accountId}:schedule-group/${scope.scheduleGroup}`,
      arnOperator: "ArnEquals",
    }),
  );
}

/**
 * Trust policy of a Lambda function's execution role: Lambda, with no source condition. Lambda's
 * pages give the execution role's trust policy as the service principal alone and document no
 * `aws:SourceAccount` or `aws:SourceArn` for the assumption ("Defining Lambda function permissions
 * with an execution role", https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html);
 * `aws:SourceArn` "applies only to policies where your Lambda function is the target resource"
 * ("Using source function ARN to control function access behavior",
 * https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html). A condition on
 * a key Lambda does not send would stop every invocation. Which function runs as the role is
 * decided when a function is given it, which takes `iam:PassRole` on the role.
 */
export function lambdaTrustPolicy(): PolicyDocument {
  return serviceTrustPolicy(LAMBDA_SERVICE);
}

/** `sageMakerTrustPolicy` for the stack's account context, as a role's `assumeRolePolicy`. */
export function sageMakerAssumeRolePolicy(
  account: Pick<AccountContext, keyof TrustScope>,
): pulumi.Output<string> {
  return pulumi
    .all([account.partition, account.region, account.accountId])
    .apply(([partition, region, accountId]) =>
      JSON.stringify(sageMakerTrustPolicy({ partition, region, accountId })),
    );
}
