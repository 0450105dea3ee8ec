import assert from "node:assert/strict";
import { DriftForwarding, sourceDriftBusArn } from "../../../components/retraining/driftForwarding";
import { named, recordResources, settle } from "../../helpers/mocks";
import { TEST_ACCOUNT, TEST_BOUNDARY_ARN } from "../../helpers/account";
import { assertFootprint } from "../../helpers/footprint";

const ACCOUNT = "123456789012";
const SOURCE = "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-diagnosis";
const BUS = "arn:aws:events:us-east-1:111111111111:event-bus/mlops-staging-diagnosis-drift-events";
const NAME = "mlops-prod-diagnosis-drift-forwarding";
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0d5a6c3e-1111-4222-8333-944455556666`;
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:mlops-prod-diagnosis-alerts`;
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:${NAME}-dlq`;
const json = (value: unknown) => JSON.parse(value as string);

describe("DriftForwarding", () => {
  it("names the building account's drift bus after the source group", () => {
    assert.equal(sourceDriftBusArn(SOURCE), BUS);
  });

  it("forwards this account's drift events about the model to that bus, with a role that may put only drift events there", async () => {
    const recorded = recordResources();
    const forwarding = new DriftForwarding(NAME, {
      account: TEST_ACCOUNT,
      modelName: "diagnosis",
      sourceModelPackageGroupArn: SOURCE,
      kmsKeyArn: KEY,
      permissionsBoundaryArn: TEST_BOUNDARY_ARN,
      alertTopicArn: TOPIC,
      tags: { Environment: "prod" },
    });
    await settle(recorded);
    const rule = named(recorded, NAME, "aws:cloudwatch/eventRule:EventRule").inputs;
    assert.deepEqual(json(rule.eventPattern), {
      source: ["mlops.drift"],
      "detail-type": ["Drift Detected"],
      account: [ACCOUNT],
      detail: { model: ["diagnosis"] },
    });
    const target = named(recorded, `${NAME}-target`).inputs;
    assert.deepEqual(
      {
        arn: target.arn,
        roleArn: target.roleArn,
        retryPolicy: target.retryPolicy,
        deadLetterConfig: target.deadLetterConfig,
      },
      {
        arn: BUS,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/${NAME}-role`,
        retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
        deadLetterConfig: { arn: QUEUE_ARN },
      },
    );
    // Events that could not be forwarded wait, encrypted, for a person the alarm pages.
    assert.equal(named(recorded, `${NAME}-dlq`, "aws:sqs/queue:Queue").inputs.kmsMasterKeyId, KEY);
    assert.deepEqual(json(named(recorded, `${NAME}-dlq-policy`).inputs.policy).Statement[0].Condition, {
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnEquals: { "aws:SourceArn": [`arn:aws:events:us-east-1:${ACCOUNT}:rule/${NAME}`] },
    });
    const alarm = named(recorded, `${NAME}-failed-forwards`).inputs;
    assert.deepEqual(
      [alarm.namespace, alarm.metricName, alarm.dimensions, alarm.alarmActions, alarm.okActions],
      ["AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: `${NAME}-dlq` }, [TOPIC], [TOPIC]],
    );
    assert.deepEqual(json(named(recorded, `${NAME}-role`).inputs.assumeRolePolicy).Statement, [
      {
        Sid: "ForwardingRuleAssumesRole",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": ACCOUNT },
          ArnEquals: { "aws:SourceArn": `arn:aws:events:us-east-1:${ACCOUNT}:rule/${NAME}` },
        },
      },
    ]);
    assert.equal(named(recorded, `${NAME}-role`).inputs.permissionsBoundary, TEST_BOUNDARY_ARN);
    assert.deepEqual(json(named(recorded, `${NAME}-role-policy`).inputs.policy).Statement, [
      {
        Sid: "ForwardDriftToBuildingAccount",
        Effect: "Allow",
        Action: "events:PutEvents",
        Resource: BUS,
        Condition: { StringEquals: { "events:source": "mlops.drift" } },
      },
    ]);
    await assertFootprint(
      recorded.filter((r) => r.type !== "mlops:sagemaker:DriftForwarding"),
      forwarding.footprint,
      [`arn:aws:iam::${ACCOUNT}:role/${NAME}-role`],
    );
  });

  it("refuses a source that is not a model package group ARN", () => {
    assert.throws(
      () =>
        new DriftForwarding(NAME, {
          account: TEST_ACCOUNT,
          modelName: "diagnosis",
          sourceModelPackageGroupArn: "mlops-staging-diagnosis",
          kmsKeyArn: KEY,
          permissionsBoundaryArn: TEST_BOUNDARY_ARN,
          alertTopicArn: TOPIC,
          tags: {},
        }),
      {
        message: `DriftForwarding ${NAME}: sourceModelPackageGroupArn "mlops-staging-diagnosis" is not a model package group ARN.`,
      },
    );
  });
});
