import assert from "node:assert/strict";
import {
  ACCESS_LOG_PREFIX,
  AccessLogBucket,
  accessLogBucketFootprint,
} from "../../../components/foundation/accessLogBucket";
import { accessLogBucketPolicy } from "../../../components/foundation/accessLogBucketPolicy";
import { lifecycleRules } from "../../../components/foundation/bucketBaseline";
import { TEST_ACCOUNT } from "../../helpers/account";
import { assertFootprint } from "../../helpers/footprint";
import { ACCOUNT_ID, named, ofType, recordResources, RecordedResource, settle } from "../../helpers/mocks";

const NAME = "mlops-prod-access-logs";
const SOURCES = {
  "diagnosis-data": "mlops-prod-diagnosis-data-5d6e7f8",
  "churn-data": "mlops-prod-churn-data-9a8b7c6",
};

async function build(args: Partial<ConstructorParameters<typeof AccessLogBucket>[1]> = {}) {
  const recorded = recordResources();
  new AccessLogBucket(NAME, {
    account: TEST_ACCOUNT,
    sources: SOURCES,
    tags: { Environment: "prod" },
    ...args,
  });
  await settle(recorded);
  return recorded;
}

describe("AccessLogBucket", () => {
  let recorded: RecordedResource[];
  let bucketName: string;
  before(async () => {
    recorded = await build({ retentionDays: 365, noncurrentVersionRetentionDays: 365 });
    bucketName = named(recorded, NAME, "aws:s3/bucket:Bucket").outputs.bucket as string;
  });

  it("creates the bucket, its six settings and one logging per source bucket, children named after it", () => {
    const component = named(recorded, NAME, "mlops:s3:AccessLogBucket");
    assert.deepEqual(
      recorded
        .filter((r) => r.custom)
        .map((r) => [r.type, r.name, r.parent === component.urn])
        .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
      [
        ["aws:s3/bucket:Bucket", NAME, true],
        ["aws:s3/bucketLogging:BucketLogging", `${NAME}-churn-data`, true],
        ["aws:s3/bucketLogging:BucketLogging", `${NAME}-diagnosis-data`, true],
        [
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          `${NAME}-encryption`,
          true,
        ],
        ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `${NAME}-lifecycle`, true],
        ["aws:s3/bucketOwnershipControls:BucketOwnershipControls", `${NAME}-ownership`, true],
        ["aws:s3/bucketPolicy:BucketPolicy", `${NAME}-policy`, true],
        ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${NAME}-public-access-block`, true],
        ["aws:s3/bucketVersioning:BucketVersioning", `${NAME}-versioning`, true],
      ],
    );
    assert.match(bucketName, /^mlops-prod-access-logs-[0-9a-f]+$/);
  });

  it("encrypts with S3-managed keys, the only default encryption S3 delivers access logs into", () => {
    assert.deepEqual(named(recorded, `${NAME}-encryption`).inputs.rules, [
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
    ]);
  });

  it("has the platform's bucket baseline: versioned, ACLs off, public access blocked, protected, tagged", () => {
    const bucket = named(recorded, NAME, "aws:s3/bucket:Bucket");
    assert.deepEqual(
      [bucket.protect, bucket.inputs.forceDestroy, bucket.inputs.tags],
      [true, false, { Environment: "prod" }],
    );
    assert.deepEqual(named(recorded, `${NAME}-versioning`).inputs.versioningConfiguration, {
      status: "Enabled",
    });
    assert.deepEqual(named(recorded, `${NAME}-ownership`).inputs.rule, {
      objectOwnership: "BucketOwnerEnforced",
    });
    const block = named(recorded, `${NAME}-public-access-block`).inputs;
    assert.deepEqual(
      [block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets],
      [true, true, true, true],
    );
  });

  it("lets only S3's log delivery for the source buckets of the account write, under the log prefix", () => {
    const policy = named(recorded, `${NAME}-policy`);
    assert.equal(policy.inputs.bucket, bucketName);
    assert.equal(
      policy.inputs.policy,
      JSON.stringify(
        accessLogBucketPolicy(`arn:aws:s3:::${bucketName}`, {
          accountId: ACCOUNT_ID,
          sourceBucketArns: [
            "arn:aws:s3:::mlops-prod-diagnosis-data-5d6e7f8",
            "arn:aws:s3:::mlops-prod-churn-data-9a8b7c6",
          ],
          prefix: "server-access/",
        }),
      ),
    );
    assert.ok(policy.dependencies.includes(named(recorded, `${NAME}-public-access-block`).urn));
  });

  it("turns on each source bucket's access logging into it, partitioned by day, once its policy allows it", () => {
    const loggings = ofType(recorded, "aws:s3/bucketLogging:BucketLogging");
    assert.deepEqual(
      loggings.map((logging) => logging.inputs),
      Object.values(SOURCES).map((source) => ({
        bucket: source,
        targetBucket: bucketName,
        targetPrefix: ACCESS_LOG_PREFIX,
        targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
      })),
    );
    const bucket = named(recorded, NAME, "aws:s3/bucket:Bucket").urn;
    for (const logging of loggings) {
      // The target is the log bucket itself, as a resource it depends on (what the pack recognises).
      assert.deepEqual(logging.propertyDependencies.targetBucket, [bucket]);
      assert.ok(logging.dependencies.includes(named(recorded, `${NAME}-policy`).urn));
    }
  });

  it("expires the logs after the retention period, and deleted logs no later, once versioning is on", () => {
    const lifecycle = named(recorded, `${NAME}-lifecycle`);
    assert.deepEqual(lifecycle.inputs.rules, lifecycleRules(365, { "server-access/": 365 }));
    assert.deepEqual(
      (lifecycle.inputs.rules as { id: string }[]).map((rule) => rule.id),
      ["expire-noncurrent-versions", "remove-expired-delete-markers", "expire-server-access"],
    );
    assert.ok(lifecycle.dependencies.includes(named(recorded, `${NAME}-versioning`).urn));
  });

  it("keeps logs 90 days by default and, unprotected, is emptied and deleted with the stack", async () => {
    const unprotected = await build({ protect: false });
    const bucket = named(unprotected, NAME, "aws:s3/bucket:Bucket");
    assert.deepEqual([bucket.protect, bucket.inputs.forceDestroy], [false, true]);
    assert.deepEqual(
      named(unprotected, `${NAME}-lifecycle`).inputs.rules,
      lifecycleRules(90, { "server-access/": 90 }),
    );
  });

  it("refuses no sources, bad labels and retention outside its range before creating anything", () => {
    const recordedBad = recordResources();
    const refused = (args: Partial<ConstructorParameters<typeof AccessLogBucket>[1]>) => {
      try {
        new AccessLogBucket("bad", { account: TEST_ACCOUNT, sources: SOURCES, tags: {}, ...args });
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    };
    assert.equal(
      refused({ sources: {} }),
      "AccessLogBucket bad: sources must name at least one bucket: a log bucket nothing logs to.",
    );
    assert.equal(
      refused({
        sources: { "Diagnosis data": "x", "a--b": "y" },
        retentionDays: 0,
        noncurrentVersionRetentionDays: 4000,
      }),
      'AccessLogBucket bad: sources label "Diagnosis data" must be lowercase letters, digits and single hyphens; ' +
        'sources label "a--b" must be lowercase letters, digits and single hyphens; ' +
        "retentionDays 0 must be a whole number from 1 to 3650; " +
        "noncurrentVersionRetentionDays 4000 must be a whole number from 1 to 3650.",
    );
    assert.deepEqual(recordedBad, []);
  });

  it("states its footprint", async () => {
    await assertFootprint(await build(), accessLogBucketFootprint(), []);
  });
});
