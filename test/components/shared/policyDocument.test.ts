import assert from "node:assert/strict";
import { serviceTrustPolicy, sourceCondition } from "../../../components/shared/policyDocument";

describe("sourceCondition", () => {
  it("checks the account alone when the service sends no source ARN", () => {
    assert.deepEqual(sourceCondition({ accountId: "123456789012" }), {
      StringEquals: { "aws:SourceAccount": "123456789012" },
    });
  });

  it("matches a source ARN pattern with ArnLike by default", () => {
    assert.deepEqual(
      sourceCondition({ accountId: "123456789012", sourceArn: "arn:aws:sagemaker:eu-west-1:123456789012:*" }),
      {
        StringEquals: { "aws:SourceAccount": "123456789012" },
        ArnLike: { "aws:SourceArn": "arn:aws:sagemaker:eu-west-1:123456789012:*" },
      },
    );
  });

  it("matches exact source ARNs with ArnEquals, on a copy of the caller's list", () => {
    const rules = [
      "arn:aws:events:eu-west-1:123456789012:rule/a",
      "arn:aws:events:eu-west-1:123456789012:rule/b",
    ];
    const condition = sourceCondition({
      accountId: "123456789012",
      sourceArn: rules,
      arnOperator: "ArnEquals",
    });
    assert.deepEqual(condition, {
      StringEquals: { "aws:SourceAccount": "123456789012" },
      ArnEquals: { "aws:SourceArn": rules },
    });
    assert.notEqual(condition.ArnEquals["aws:SourceArn"], rules);
  });
});

describe("serviceTrustPolicy", () => {
  it("lets the one service assume the role, under the condition given", () => {
    assert.deepEqual(
      serviceTrustPolicy("scheduler.amazonaws.com", sourceCondition({ accountId: "123456789012" })),
      {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "scheduler.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
          },
        ],
      },
    );
  });

  it("has no condition when none is given", () => {
    assert.equal(serviceTrustPolicy("lambda.amazonaws.com").Statement[0].Condition, undefined);
  });
});
