import assert from "node:assert/strict";
import {
  deadLetterQueuePolicy,
  dispatchTrustPolicy,
  invokeApiDestinationPolicy,
} from "../../../components/delivery/dispatchPolicy";
import { reviewAgainstServiceData } from "../../helpers/iamData";

const ACCOUNT = "123456789012";
const RULES = [
  "arn:aws:events:eu-west-1:123456789012:rule/mlops-prod-dispatch-diagnosis",
  "arn:aws:events:eu-west-1:123456789012:rule/mlops-prod-dispatch-churn",
];
const DESTINATION =
  "arn:aws:events:eu-west-1:123456789012:api-destination/mlops-prod-dispatch-dispatches/2f1d3c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b";
const QUEUE = "arn:aws:sqs:eu-west-1:123456789012:mlops-prod-dispatch-dlq";

describe("dispatchTrustPolicy", () => {
  const policy = dispatchTrustPolicy({ accountId: ACCOUNT, ruleArns: RULES });

  it("lets EventBridge assume the role only for these rules of this account", () => {
    assert.deepEqual(policy, {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DispatchRulesAssumeRole",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnEquals: { "aws:SourceArn": RULES },
          },
        },
      ],
    });
  });

  it("names rules exactly, with no wildcard, and keeps its own copy of the list", () => {
    const rules = [...RULES];
    const own = dispatchTrustPolicy({ accountId: ACCOUNT, ruleArns: rules });
    rules.push("arn:aws:events:eu-west-1:123456789012:rule/*");
    assert.deepEqual(own.Statement[0].Condition?.ArnEquals, { "aws:SourceArn": RULES });
    assert.ok(!JSON.stringify(own).includes("*"));
  });

  it("names only real actions", async () => {
    assert.deepEqual(await reviewAgainstServiceData(policy), []);
  });
});

describe("invokeApiDestinationPolicy", () => {
  const policy = invokeApiDestinationPolicy(DESTINATION);

  it("allows calling the one API destination and nothing else", () => {
    assert.deepEqual(policy, {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "InvokeGithubDispatchDestination",
          Effect: "Allow",
          Action: "events:InvokeApiDestination",
          Resource: DESTINATION,
        },
      ],
    });
  });

  it("names only real actions, scoped to a resource", async () => {
    assert.deepEqual(await reviewAgainstServiceData(policy), []);
  });
});

describe("deadLetterQueuePolicy", () => {
  const policy = deadLetterQueuePolicy({ accountId: ACCOUNT, ruleArns: RULES, queueArn: QUEUE });

  it("lets only these rules put failed deliveries in the queue, and refuses plain HTTP", () => {
    assert.deepEqual(policy, {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DispatchRulesSendFailedDeliveries",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: QUEUE,
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnEquals: { "aws:SourceArn": RULES },
          },
        },
        {
          Sid: "DenyMessagesWithoutTls",
          Effect: "Deny",
          Principal: "*",
          Action: [
            "sqs:SendMessage",
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
          ],
          Resource: QUEUE,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  it("never allows an anonymous principal, and scopes every statement to the queue", async () => {
    for (const s of policy.Statement.filter((s) => s.Effect === "Allow")) {
      assert.ok(!JSON.stringify(s.Principal).includes("*"), s.Sid);
    }
    for (const s of policy.Statement) assert.equal(s.Resource, QUEUE, s.Sid);
    assert.deepEqual(await reviewAgainstServiceData(policy), []);
  });
});
