import assert from "node:assert/strict";
import { SecureBucket, secureBucketFootprint } from "../../../components/foundation/secureBucket";
import { secureBucketPolicy, tlsOnlyBucketPolicy } from "../../../components/foundation/secureBucketPolicy";
import { named, ofType, recordResources, RecordedResource, settle } from "../../helpers/mocks";
import { assertFootprint } from "../../helpers/footprint";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666";

async function build(name: string, args: Partial<ConstructorParameters<typeof SecureBucket>[1]> = {}) {
  const recorded = recordResources();
  new SecureBucket(name, { kmsKeyArn: KEY, tags: { Environment: "staging" }, ...args });
  await settle(recorded);
  return recorded;
}

describe("SecureBucket", () => {
  let recorded: RecordedResource[];
  before(async () => {
    recorded = await build("logs", { expireByPrefix: { "checkpoints/": 14 } });
  });

  it("creates the bucket and its six settings, each a child of the component, named after it", () => {
    const component = named(recorded, "logs");
    assert.equal(component.type, "mlops:s3:SecureBucket");
    const byName = (a: unknown[], b: unknown[]) => String(a[1]).localeCompare(String(b[1]));
    assert.deepEqual(
      recorded
        .filter((r) => r.custom)
        .map((r) => [r.type, r.name, r.parent === component.urn])
        .sort(byName),
      [
        ["aws:s3/bucket:Bucket", "logs", true],
        ["aws:s3/bucketOwnershipControls:BucketOwnershipControls", "logs-ownership", true],
        ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "logs-public-access-block", true],
        ["aws:s3/bucketVersioning:BucketVersioning", "logs-versioning", true],
        [
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          "logs-encryption",
          true,
        ],
        ["aws:s3/bucketPolicy:BucketPolicy", "logs-policy", true],
        ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "logs-lifecycle", true],
      ].sort(byName),
    );
  });

  it("tags the bucket, protects it and keeps its objects on destroy by default", () => {
    const bucket = named(ofType(recorded, "aws:s3/bucket:Bucket"), "logs");
    assert.deepEqual(bucket.inputs.tags, { Environment: "staging" });
    assert.equal(bucket.protect, true);
    assert.equal(bucket.inputs.forceDestroy, false);
  });

  it("encrypts with the stack key (SSE-KMS with bucket keys) and versions every object", () => {
    assert.deepEqual(named(recorded, "logs-encryption").inputs.rules, [
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY },
        bucketKeyEnabled: true,
      },
    ]);
    assert.deepEqual(named(recorded, "logs-versioning").inputs.versioningConfiguration, {
      status: "Enabled",
    });
  });

  it("blocks all public access and disables ACLs", () => {
    const block = named(recorded, "logs-public-access-block").inputs;
    assert.deepEqual(
      [block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets],
      [true, true, true, true],
    );
    assert.deepEqual(named(recorded, "logs-ownership").inputs.rule, {
      objectOwnership: "BucketOwnerEnforced",
    });
  });

  it("attaches the TLS-only policy to its own ARN, after the public-access block", () => {
    const policy = named(recorded, "logs-policy");
    const document = JSON.parse(policy.inputs.policy as string);
    assert.deepEqual(document.Statement[0].Resource, [
      `arn:aws:s3:::${policy.inputs.bucket}`,
      `arn:aws:s3:::${policy.inputs.bucket}/*`,
    ]);
    assert.deepEqual(document.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
    assert.ok(policy.dependencies.includes(named(recorded, "logs-public-access-block").urn));
  });

  it("expires old versions, stale uploads, delete markers and prefixed objects, after versioning is on", () => {
    const lifecycle = named(recorded, "logs-lifecycle");
    assert.deepEqual(lifecycle.inputs.rules, [
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: { prefix: "" },
        noncurrentVersionExpiration: { noncurrentDays: 90 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
      {
        id: "remove-expired-delete-markers",
        status: "Enabled",
        filter: { prefix: "" },
        expiration: { expiredObjectDeleteMarker: true },
      },
      {
        id: "expire-checkpoints",
        status: "Enabled",
        filter: { prefix: "checkpoints/" },
        expiration: { days: 14 },
        // No longer than the checkpoints themselves, not the bucket's 90 days.
        noncurrentVersionExpiration: { noncurrentDays: 14 },
      },
    ]);
    assert.ok(lifecycle.dependencies.includes(named(recorded, "logs-versioning").urn));
  });

  it("when unprotected, can be deleted with its objects", async () => {
    const unprotected = await build("scratch", { protect: false, noncurrentVersionRetentionDays: 7 });
    const bucket = named(ofType(unprotected, "aws:s3/bucket:Bucket"), "scratch");
    assert.equal(bucket.protect, false);
    assert.equal(bucket.inputs.forceDestroy, true);
    const rules = named(unprotected, "scratch-lifecycle").inputs.rules as {
      noncurrentVersionExpiration?: unknown;
    }[];
    assert.deepEqual(rules[0].noncurrentVersionExpiration, { noncurrentDays: 7 });
  });

  it("refuses bad retention settings before creating anything, naming each", () => {
    const recordedBad = recordResources();
    assert.throws(
      () =>
        new SecureBucket("bad", {
          kmsKeyArn: KEY,
          tags: {},
          noncurrentVersionRetentionDays: 0,
          expireByPrefix: { "": 3, "tmp/": 0.5 },
        }),
      {
        message:
          'SecureBucket bad: noncurrentVersionRetentionDays 0 must be a whole number of at least 1; expireByPrefix[""] 3 needs a non-empty prefix and at least 1 day; expireByPrefix["tmp/"] 0.5 needs a non-empty prefix and at least 1 day.',
      },
    );
    // Refused before the component registers: nothing at all is recorded.
    assert.deepEqual(recordedBad, []);
  });

  it("lets readers' accounts get the objects their patterns name, in its own policy", async () => {
    const shared = await build("shared", {
      readers: { accounts: ["222222222222"], keyPatterns: ["pipelines/*/Train/model/*/output/model.tar.gz"] },
    });
    const policy = named(shared, "shared-policy");
    const arn = `arn:aws:s3:::${String(policy.inputs.bucket)}`;
    assert.equal(
      policy.inputs.policy,
      JSON.stringify(
        secureBucketPolicy(arn, {
          accounts: ["222222222222"],
          keyPatterns: ["pipelines/*/Train/model/*/output/model.tar.gz"],
        }),
      ),
    );
    assert.equal(JSON.parse(policy.inputs.policy as string).Statement.length, 2);
    // Without readers, the policy is the TLS-only one it always was.
    assert.equal(
      named(recorded, "logs-policy").inputs.policy,
      JSON.stringify(
        tlsOnlyBucketPolicy(`arn:aws:s3:::${String(named(recorded, "logs-policy").inputs.bucket)}`),
      ),
    );
  });

  it("refuses readers that are not accounts, listed twice, or with no or malformed key patterns", () => {
    const recordedBad = recordResources();
    const refused = (readers: { accounts: string[]; keyPatterns: string[] }) => {
      try {
        new SecureBucket("bad", { kmsKeyArn: KEY, tags: {}, readers });
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    };
    assert.equal(
      refused({ accounts: ["222222222222", "2222", "222222222222"], keyPatterns: ["/a", ""] }),
      'SecureBucket bad: readers.accounts[1] "2222" is not an AWS account id (12 digits); ' +
        'readers.accounts[2] "222222222222" is already listed at readers.accounts[0]; ' +
        'readers.keyPatterns[0] "/a" must be an object key pattern, not empty and without a leading "/"; ' +
        'readers.keyPatterns[1] "" must be an object key pattern, not empty and without a leading "/".',
    );
    assert.equal(
      refused({ accounts: ["222222222222"], keyPatterns: [] }),
      "SecureBucket bad: readers.keyPatterns must list at least one key pattern: readers may read only what is named.",
    );
    assert.deepEqual(recordedBad, []);
  });

  it("states its footprint", async () => {
    const recorded = await build("mlops-staging-footprint");
    await assertFootprint(recorded, secureBucketFootprint(), []);
  });
});
