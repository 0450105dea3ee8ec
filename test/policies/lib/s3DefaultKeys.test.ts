import assert from "node:assert/strict";
import { bucketDefaultKeyProblem, defaultKeyProblem } from "../../../policies/lib/s3DefaultKeys";
import { companionsOf } from "../../../policies/lib/s3Protection";
import { stackItems, UNKNOWN } from "../../../policies/lib/sagemakerValues";
import { policyResources, StackResourceInput } from "../../helpers/policyArgs";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/56ad7cdb-b056-cfe0-a245-1f69d7e9a113";
const ANY = { allowed: undefined, pattern: "" };
const rule = (applied: unknown) => ({ applyServerSideEncryptionByDefault: applied, bucketKeyEnabled: true });
const ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";

describe("S3 default encryption keys (lib/s3DefaultKeys)", () => {
  it("defaultKeyProblem wants SSE-KMS with a customer managed key; unknown values pass", () => {
    assert.equal(defaultKeyProblem([rule({ sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY })], ANY), undefined);
    assert.equal(
      defaultKeyProblem([rule({ sseAlgorithm: "aws:kms:dsse", kmsMasterKeyId: KEY })], ANY),
      undefined,
    );
    assert.equal(
      defaultKeyProblem([rule({ sseAlgorithm: "aws:kms", kmsMasterKeyId: UNKNOWN })], ANY),
      undefined,
    );
    assert.equal(defaultKeyProblem([rule({ sseAlgorithm: UNKNOWN })], ANY), undefined);
    assert.equal(defaultKeyProblem(UNKNOWN, ANY), undefined);
    assert.equal(defaultKeyProblem([], ANY), "sets no default encryption");
    assert.equal(
      defaultKeyProblem([rule({ sseAlgorithm: "AES256" })], ANY),
      'sets sseAlgorithm "AES256", not KMS',
    );
    assert.equal(
      defaultKeyProblem([rule({ sseAlgorithm: "aws:kms" })], ANY),
      "sets no kmsMasterKeyId (S3 then uses the AWS managed key aws/s3)",
    );
    assert.equal(
      defaultKeyProblem([rule({ sseAlgorithm: "aws:kms", kmsMasterKeyId: "alias/aws/s3" })], ANY),
      'sets kmsMasterKeyId "alias/aws/s3", an AWS managed key, whose key policy the platform cannot restrict',
    );
    assert.equal(
      defaultKeyProblem([rule({ sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY })], {
        allowed: /^arn:aws:kms:eu-west-1:/,
        pattern: "^arn:aws:kms:eu-west-1:",
      }),
      `sets kmsMasterKeyId "${KEY}", which does not match allowedKmsKeyArnPattern "^arn:aws:kms:eu-west-1:"`,
    );
  });

  describe("bucketDefaultKeyProblem", () => {
    const problem = (inputs: StackResourceInput[]) => {
      const items = stackItems(policyResources(inputs));
      return bucketDefaultKeyProblem(items[0], companionsOf(items[0], items), ANY);
    };
    const bucket = (props: Record<string, unknown> = {}) => ({
      type: "aws:s3/bucket:Bucket",
      name: "data",
      props: { bucket: "data-1", ...props },
    });
    const encryption = (name: string, applied: unknown) => ({
      type: ENCRYPTION,
      name,
      props: { bucket: "data-1", rules: [rule(applied)] },
    });

    it("is satisfied by one of several separate configurations, and names each weak one otherwise", () => {
      const weak = encryption("data-sse-s3", { sseAlgorithm: "AES256" });
      const good = encryption("data-encryption", { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY });
      assert.equal(problem([bucket(), weak, good]), undefined);
      assert.equal(
        problem([bucket(), weak, encryption("data-kms", { sseAlgorithm: "aws:kms" })]),
        ': default encryption "data-sse-s3" sets sseAlgorithm "AES256", not KMS; "data-kms" sets no kmsMasterKeyId (S3 then uses the AWS managed key aws/s3)',
      );
    });

    it("reads the bucket's inline setting only when there is no separate one", () => {
      const inline = bucket({
        serverSideEncryptionConfiguration: { rule: rule({ sseAlgorithm: "AES256" }) },
      });
      assert.equal(problem([inline]), ' itself sets sseAlgorithm "AES256", not KMS');
      const good = encryption("data-encryption", { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY });
      assert.equal(problem([inline, good]), undefined);
      assert.equal(problem([bucket()]), " has no default encryption");
    });
  });
});
