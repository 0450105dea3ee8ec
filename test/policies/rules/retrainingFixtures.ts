import {
  driftEventBusPolicy,
  forwardingPolicy,
  forwardingTrustPolicy,
  retrainingQueuePolicy,
  sourceDriftBusArn,
} from "../../../components/retraining";
import { startTrainingPolicy } from "../../../components/retraining/startTrainingPolicy";
import { pipelineSchedulePolicy } from "../../../components/shared/pipelineSchedule";
import { serviceTrustPolicy } from "../../../components/shared/policyDocument";
import type { ResourceCase } from "./iamFixtures";

/**
 * The documents and resource permissions of a model's retraining (TrainingTriggers) in the account
 * that builds it, and of the forwarding of a served model's drift (DriftForwarding) in the account
 * that serves it. Self-contained: iamFixtures lists them with the program's other documents.
 */

const ACCOUNT = "123456789012";
const CONSUMER = "222222222222";
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0d5a6c3e-1111-4222-8333-944455556666`;
const NAME = "mlops-prod-diagnosis-retraining";
const events = (resource: string) => `arn:aws:events:us-east-1:${ACCOUNT}:${resource}`;

/** The model's drift bus, which its consumer accounts forward their drift events to. */
export const DRIFT_BUS_NAME = "mlops-prod-diagnosis-drift-events";
export const DRIFT_BUS_ARN = events(`event-bus/${DRIFT_BUS_NAME}`);
/** The rules that start the function: two on the default bus, one on the drift bus. */
export const RETRAINING_RULE_ARNS = [
  events(`rule/${NAME}-new-data`),
  events(`rule/${NAME}-drift`),
  events(`rule/${DRIFT_BUS_NAME}/${NAME}-forwarded-drift`),
];
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:${NAME}-dlq`;

/** The drift bus's policy when {@link CONSUMER} serves the model: drift events only, from it only. */
export const DRIFT_BUS_POLICY = driftEventBusPolicy({
  partition: "aws",
  busArn: DRIFT_BUS_ARN,
  consumerAccounts: [CONSUMER],
});

/** An event bus policy as TrainingTriggers creates it. */
export const eventBusPolicy = (name: string, document: unknown): ResourceCase => ({
  type: "aws:cloudwatch/eventBusPolicy:EventBusPolicy",
  name,
  props: { eventBusName: DRIFT_BUS_NAME, policy: JSON.stringify(document) },
});

/** A Lambda permission that lets a retraining rule invoke the function. */
export const invokePermission = (name: string, props: Record<string, unknown> = {}): ResourceCase => ({
  type: "aws:lambda/permission:Permission",
  name,
  props: {
    function: NAME,
    action: "lambda:InvokeFunction",
    principal: "events.amazonaws.com",
    sourceArn: RETRAINING_RULE_ARNS[0],
    sourceAccount: ACCOUNT,
    ...props,
  },
});

export const RETRAINING_FUNCTION_POLICY = startTrainingPolicy({
  partition: "aws",
  region: "us-east-1",
  accountId: ACCOUNT,
  functionName: NAME,
  pipelineArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:pipeline/mlops-prod-diagnosis`,
  inputDatasets: { bucketArn: "arn:aws:s3:::mlops-prod-diagnosis-data-1a2b3c4", prefix: "input/" },
  deadLetterQueue: { queueArn: QUEUE_ARN, kmsKeyArn: KEY_ARN },
});

export const RETRAINING_SCHEDULE_POLICY = pipelineSchedulePolicy({
  pipelineArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:pipeline/mlops-prod-diagnosis`,
  deadLetterQueueArn: QUEUE_ARN,
  kmsKeyArn: KEY_ARN,
});

export const RETRAINING_QUEUE_POLICY = retrainingQueuePolicy({
  accountId: ACCOUNT,
  ruleArns: RETRAINING_RULE_ARNS,
  queueArn: QUEUE_ARN,
});

/** The serving account's forwarding rule and the bus it puts drift events on, in the building account. */
const FORWARDING_RULE_ARN = events("rule/mlops-prod-diagnosis-drift-forwarding");
export const FORWARDING_POLICY = forwardingPolicy(
  sourceDriftBusArn("arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-diagnosis"),
);
export const FORWARDING_TRUST = forwardingTrustPolicy(ACCOUNT, FORWARDING_RULE_ARN);

const rolePolicy = (name: string, document: unknown): ResourceCase => ({
  type: "aws:iam/rolePolicy:RolePolicy",
  name,
  props: { role: name.replace(/-policy$/, ""), policy: JSON.stringify(document) },
});
const role = (name: string, trust: unknown): ResourceCase => ({
  type: "aws:iam/role:Role",
  name,
  props: { name, assumeRolePolicy: JSON.stringify(trust) },
});

/** Every document and resource permission retraining and drift forwarding create. */
export const RETRAINING_RESOURCES: readonly ResourceCase[] = [
  role(`${NAME}-role`, serviceTrustPolicy("lambda.amazonaws.com")),
  rolePolicy(`${NAME}-role-policy`, RETRAINING_FUNCTION_POLICY),
  role(
    `${NAME}-scheduler-role`,
    serviceTrustPolicy("scheduler.amazonaws.com", { StringEquals: { "aws:SourceAccount": ACCOUNT } }),
  ),
  rolePolicy(`${NAME}-scheduler-role-policy`, RETRAINING_SCHEDULE_POLICY),
  {
    type: "aws:sqs/queuePolicy:QueuePolicy",
    name: `${NAME}-dlq-policy`,
    props: {
      queueUrl: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${NAME}-dlq`,
      policy: JSON.stringify(RETRAINING_QUEUE_POLICY),
    },
  },
  eventBusPolicy(`${NAME}-drift-events-policy`, DRIFT_BUS_POLICY),
  invokePermission(`${NAME}-new-data-invoke`),
  invokePermission(`${NAME}-forwarded-drift-invoke`, { sourceArn: RETRAINING_RULE_ARNS[2] }),
  role("mlops-prod-diagnosis-drift-forwarding-role", FORWARDING_TRUST),
  rolePolicy("mlops-prod-diagnosis-drift-forwarding-role-policy", FORWARDING_POLICY),
];
