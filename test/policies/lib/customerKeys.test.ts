import assert from "node:assert/strict";
import {
  allowedKeyPattern,
  customerKeyProblem,
  isAwsManagedKey,
  keyProblemText,
} from "../../../policies/lib/customerKeys";
import { UNKNOWN } from "../../../policies/lib/sagemakerValues";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/56ad7cdb-b056-cfe0-a245-1f69d7e9a113";

describe("customer managed keys (lib/customerKeys)", () => {
  it("recognises AWS managed keys by their aws/ alias, as a name or an ARN", () => {
    for (const value of [
      "alias/aws/sns",
      "alias/aws/sqs",
      "alias/aws/s3",
      "arn:aws:kms:us-east-1:123456789012:alias/aws/s3",
      "arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/aws/sns",
    ])
      assert.equal(isAwsManagedKey(value), true, value);
    for (const value of [
      KEY,
      "alias/platform",
      "alias/aws-platform",
      "56ad7cdb-b056-cfe0-a245-1f69d7e9a113",
      UNKNOWN,
    ])
      assert.equal(isAwsManagedKey(value), false, String(value));
  });

  it("finds a missing key, an AWS managed key and a key the pattern does not allow; an unknown key passes", () => {
    const own = /^arn:aws:kms:us-east-1:123456789012:key\//;
    assert.equal(customerKeyProblem(KEY, undefined), undefined);
    assert.equal(customerKeyProblem(KEY, own), undefined);
    assert.equal(customerKeyProblem(UNKNOWN, own), undefined);
    assert.equal(customerKeyProblem(undefined, undefined), "missing");
    assert.equal(customerKeyProblem("", undefined), "missing");
    assert.equal(customerKeyProblem("alias/aws/sns", undefined), "awsManaged");
    assert.equal(customerKeyProblem("alias/platform", own), "notAllowed");
  });

  it("reads the pattern, and explains one that is not a regular expression", () => {
    assert.deepEqual(allowedKeyPattern(""), {});
    assert.deepEqual(allowedKeyPattern("^arn:aws:kms:").allowed, /^arn:aws:kms:/);
    const { allowed, problem } = allowedKeyPattern("key/(");
    assert.equal(allowed, undefined);
    assert.match(
      problem ?? "",
      /^allowedKmsKeyArnPattern "key\/\(" is not a valid regular expression \(.+\); correct it in the pack config\.$/,
    );
  });

  it("words each problem with the property, the value and the consequence", () => {
    assert.equal(
      keyProblemText("missing", "kmsKeyId", undefined, "", "a service key is used"),
      "kmsKeyId is not set (a service key is used)",
    );
    assert.equal(
      keyProblemText("awsManaged", "kmsMasterKeyId", "alias/aws/sns", "", ""),
      'kmsMasterKeyId "alias/aws/sns" is an AWS managed key, whose key policy the platform cannot restrict',
    );
    assert.equal(
      keyProblemText("notAllowed", "kmsKeyId", "alias/platform", "^arn:", ""),
      'kmsKeyId "alias/platform" does not match allowedKmsKeyArnPattern "^arn:"',
    );
  });
});
