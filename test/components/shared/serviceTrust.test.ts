import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  lambdaTrustPolicy,
  sageMakerAssumeRolePolicy,
  sageMakerTrustPolicy,
  SCHEDULE_GROUP,
  schedulerTrustPolicy,
} from "../../../components/shared/serviceTrust";

const SCOPE = { partition: "aws", region: "eu-west-1", accountId: "123456789012" };

/** The value of an output that is known in the tests. */
const valueOf = <T>(output: pulumi.Output<T>) =>
  new Promise<T>((resolve) => {
    output.apply((value) => {
      resolve(value);
      return value;
    });
  });

describe("sageMakerTrustPolicy", () => {
  it("lets SageMaker assume the role for this account's SageMaker resources in the region only", () => {
    assert.deepEqual(sageMakerTrustPolicy(SCOPE), {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "sagemaker.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": "123456789012" },
            ArnLike: { "aws:SourceArn": "arn:aws:sagemaker:eu-west-1:123456789012:*" },
          },
        },
      ],
    });
  });

  it("covers every resource type the stack's roles are assumed for, and no other account's or region's", () => {
    const pattern = String(sageMakerTrustPolicy(SCOPE).Statement[0].Condition?.ArnLike["aws:SourceArn"]);
    const like = new RegExp(`^${pattern.replace(/\*$/, ".*")}$`);
    for (const resource of [
      "pipeline/mlops-prod-diagnosis/execution/abc123",
      "processing-job/pipelines-abc123-preprocess",
      "training-job/pipelines-abc123-train",
      "monitoring-schedule/mlops-prod-diagnosis-data-quality",
      "endpoint/mlops-prod-diagnosis",
      "model/mlops-prod-diagnosis-blue",
    ]) {
      assert.equal(like.test(`arn:aws:sagemaker:eu-west-1:123456789012:${resource}`), true, resource);
    }
    assert.equal(like.test("arn:aws:sagemaker:eu-west-1:210987654321:training-job/x"), false);
    assert.equal(like.test("arn:aws:sagemaker:us-east-1:123456789012:training-job/x"), false);
  });

  it("builds the ARN in the given partition", () => {
    const china = sageMakerTrustPolicy({
      partition: "aws-cn",
      region: "cn-north-1",
      accountId: "210987654321",
    });
    assert.deepEqual(china.Statement[0].Condition?.ArnLike, {
      "aws:SourceArn": "arn:aws-cn:sagemaker:cn-north-1:210987654321:*",
    });
  });

  it("is what sageMakerAssumeRolePolicy writes for an account context", async () => {
    const written = await valueOf(
      sageMakerAssumeRolePolicy({
        partition: pulumi.output("aws"),
        region: pulumi.output("eu-west-1"),
        accountId: pulumi.output("123456789012"),
      }),
    );
    assert.deepEqual(JSON.parse(written), sageMakerTrustPolicy(SCOPE));
  });
});

describe("schedulerTrustPolicy", () => {
  it("lets Scheduler assume the role for one schedule group of this account only", () => {
    assert.deepEqual(schedulerTrustPolicy({ ...SCOPE, scheduleGroup: SCHEDULE_GROUP }), {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "scheduler.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": "123456789012" },
            ArnEquals: { "aws:SourceArn": "arn:aws:scheduler:eu-west-1:123456789012:schedule-group/default" },
          },
        },
      ],
    });
  });

  it("names the schedule group, never a schedule, as Scheduler requires", () => {
    const condition = schedulerTrustPolicy({ ...SCOPE, partition: "aws-us-gov", scheduleGroup: "nightly" })
      .Statement[0].Condition;
    assert.deepEqual(condition?.ArnEquals, {
      "aws:SourceArn": "arn:aws-us-gov:scheduler:eu-west-1:123456789012:schedule-group/nightly",
    });
  });
});

describe("lambdaTrustPolicy", () => {
  it("trusts Lambda with no source condition, since Lambda sends none for its execution role", () => {
    assert.deepEqual(lambdaTrustPolicy(), {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    });
  });
});
