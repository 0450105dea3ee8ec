import assert from "node:assert/strict";
import { accessLogBucketPolicy } from "../../../components/foundation/accessLogBucketPolicy";

const LOGS = "arn:aws:s3:::mlops-prod-access-logs-1a2b3c4";

describe("accessLogBucketPolicy", () => {
  it("lets S3's log delivery write under the prefix for the stack's source buckets only, over TLS only", () => {
    assert.deepEqual(
      accessLogBucketPolicy(LOGS, {
        accountId: "222222222222",
        sourceBucketArns: [
          "arn:aws:s3:::mlops-prod-diagnosis-data-5d6e7f8",
          "arn:aws:s3:::mlops-prod-churn-data-9a8b7c6",
        ],
        prefix: "server-access/",
      }),
      {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [LOGS, `${LOGS}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          {
            Sid: "S3ServerAccessLogDelivery",
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${LOGS}/server-access/*`,
            Condition: {
              StringEquals: { "aws:SourceAccount": "222222222222" },
              ArnLike: {
                "aws:SourceArn": [
                  "arn:aws:s3:::mlops-prod-diagnosis-data-5d6e7f8",
                  "arn:aws:s3:::mlops-prod-churn-data-9a8b7c6",
                ],
              },
            },
          },
        ],
      },
    );
  });

  it("does not share the caller's list of source buckets", () => {
    const sources = ["arn:aws:s3:::mlops-prod-diagnosis-data-5d6e7f8"];
    const policy = accessLogBucketPolicy(LOGS, {
      accountId: "222222222222",
      sourceBucketArns: sources,
      prefix: "x/",
    });
    sources.push("arn:aws:s3:::someone-elses-bucket");
    assert.deepEqual(policy.Statement[1].Condition?.ArnLike, {
      "aws:SourceArn": ["arn:aws:s3:::mlops-prod-diagnosis-data-5d6e7f8"],
    });
  });
});
