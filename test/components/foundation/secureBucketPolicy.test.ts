import assert from "node:assert/strict";
import { tlsOnlyBucketPolicy } from "../../../components/foundation/secureBucketPolicy";
import { serviceTrustPolicy } from "../../../components/shared/policyDocument";

describe("tlsOnlyBucketPolicy", () => {
  it("denies every request to the bucket and its objects that does not use TLS", () => {
    assert.deepEqual(tlsOnlyBucketPolicy("arn:aws:s3:::mlops-prod-diagnosis-data-1a2b3c4"), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [
            "arn:aws:s3:::mlops-prod-diagnosis-data-1a2b3c4",
            "arn:aws:s3:::mlops-prod-diagnosis-data-1a2b3c4/*",
          ],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });
});

describe("serviceTrustPolicy", () => {
  it("lets one service, and no other principal, assume the role", () => {
    assert.deepEqual(serviceTrustPolicy("sagemaker.amazonaws.com"), {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    });
  });
});
