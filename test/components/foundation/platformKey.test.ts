import assert from "node:assert/strict";
import { PlatformKey } from "../../../components/foundation/platformKey";
import { platformKeyPolicy } from "../../../components/foundation/platformKeyPolicy";
import type { PolicyDocument } from "../../../components/shared/policyDocument";
import { named, recordResources, RecordedResource, settle, valueOf } from "../../helpers/mocks";
import { TEST_ACCOUNT } from "../../helpers/account";
import { assertFootprint } from "../../helpers/footprint";

describe("PlatformKey", () => {
  let recorded: RecordedResource[];
  let key: PlatformKey;
  before(async () => {
    recorded = recordResources();
    key = new PlatformKey("mlops-prod-platform", {
      account: TEST_ACCOUNT,
      tags: { Environment: "prod" },
      deletionWindowDays: 30,
    });
    await settle(recorded);
  });

  it("creates a rotating, protected, tagged key with the account-only key policy", () => {
    const created = named(recorded, "mlops-prod-platform-key");
    assert.equal(created.type, "aws:kms/key:Key");
    assert.equal(created.inputs.enableKeyRotation, true);
    assert.equal(created.inputs.deletionWindowInDays, 30);
    assert.equal(created.protect, true);
    assert.deepEqual(created.inputs.tags, { Environment: "prod" });
    const policy = JSON.parse(created.inputs.policy as string);
    assert.deepEqual(policy.Statement[0].Principal, { AWS: "arn:aws:iam::123456789012:root" });
    assert.equal(created.parent, named(recorded, "mlops-prod-platform").urn);
  });

  it("names an alias after the component and exports the key ARN", async () => {
    assert.deepEqual(named(recorded, "mlops-prod-platform-alias").inputs.name, "alias/mlops-prod-platform");
    assert.match(await valueOf(key.keyArn), /^arn:aws:kms:us-east-1:123456789012:key\/[0-9a-f-]{36}$/);
  });

  it("refuses a deletion window AWS does not allow", () => {
    recordResources();
    assert.throws(() => new PlatformKey("k", { account: TEST_ACCOUNT, tags: {}, deletionWindowDays: 3 }), {
      message: "PlatformKey k: deletionWindowDays 3 must be a whole number from 7 to 30.",
    });
  });

  it("states its footprint", async () => {
    await assertFootprint(recorded, key.footprint, []);
  });

  it("lets consumer accounts decrypt through S3 for the shared buckets, and refuses them without a bucket pattern", async () => {
    const shared = recordResources();
    new PlatformKey("mlops-staging-platform", {
      account: TEST_ACCOUNT,
      tags: {},
      consumerAccounts: ["222222222222"],
      sharedBucketPattern: "mlops-staging-*-artifacts-*",
    });
    await settle(shared);
    assert.equal(
      named(shared, "mlops-staging-platform-key").inputs.policy,
      JSON.stringify(
        platformKeyPolicy({
          partition: "aws",
          region: "us-east-1",
          accountId: "123456789012",
          consumers: { accounts: ["222222222222"], bucketPattern: "mlops-staging-*-artifacts-*" },
        }),
      ),
    );

    const bad = recordResources();
    assert.throws(
      () =>
        new PlatformKey("k", {
          account: TEST_ACCOUNT,
          tags: {},
          consumerAccounts: ["222222222222", "2222"],
        }),
      {
        message:
          'PlatformKey k: consumerAccounts[1] "2222" is not an AWS account id (12 digits); ' +
          "sharedBucketPattern is required with consumerAccounts: it names the buckets they read.",
      },
    );
    assert.throws(
      () =>
        new PlatformKey("k", {
          account: TEST_ACCOUNT,
          tags: {},
          consumerAccounts: ["222222222222"],
          sharedBucketPattern: "*-artifacts-*",
        }),
      /sharedBucketPattern "\*-artifacts-\*" must be a bucket name pattern: .*, starting with a letter or digit\.$/,
    );
    assert.deepEqual(bad, []);
  });

  it("with no consumer accounts, writes the key policy it always did", () => {
    const policy = named(recorded, "mlops-prod-platform-key").inputs.policy;
    assert.equal(
      policy,
      JSON.stringify(platformKeyPolicy({ partition: "aws", region: "us-east-1", accountId: "123456789012" })),
    );
    // The account's own statement and the three of the services that publish to the stack's topics and queues.
    assert.equal(JSON.parse(policy as string).Statement.length, 4);
  });

  it("lets CloudWatch Logs encrypt the log groups logGroupPattern names, and refuses a pattern that is not one", async () => {
    const logging = recordResources();
    new PlatformKey("mlops-prod-platform", {
      account: TEST_ACCOUNT,
      tags: {},
      logGroupPattern: "/aws/lambda/mlops-prod-*",
    });
    await settle(logging);
    assert.equal(
      named(logging, "mlops-prod-platform-key").inputs.policy,
      JSON.stringify(
        platformKeyPolicy({
          partition: "aws",
          region: "us-east-1",
          accountId: "123456789012",
          logGroupPattern: "/aws/lambda/mlops-prod-*",
        }),
      ),
    );

    const bad = recordResources();
    const refused = (logGroupPattern: string) =>
      `PlatformKey k: logGroupPattern ${JSON.stringify(logGroupPattern)} must be a log group name pattern ` +
      'starting with "/" or a name character (letters, digits, _ - / . # and the wildcards "*" and "?").';
    // A leading wildcard would reach every log group of the account; spaces and ":" are not in names.
    for (const pattern of [
      "*",
      "?aws/lambda/*",
      "/aws/lambda/my app-*",
      "/aws/lambda/a:b",
      "",
      `/${"a".repeat(512)}`,
    ]) {
      assert.throws(
        () => new PlatformKey("k", { account: TEST_ACCOUNT, tags: {}, logGroupPattern: pattern }),
        {
          message: refused(pattern),
        },
      );
    }
    // Reported with the other problems, in one error.
    assert.throws(
      () =>
        new PlatformKey("k", {
          account: TEST_ACCOUNT,
          tags: {},
          deletionWindowDays: 3,
          logGroupPattern: "*",
        }),
      {
        message: `PlatformKey k: deletionWindowDays 3 must be a whole number from 7 to 30; ${refused("*").slice("PlatformKey k: ".length)}`,
      },
    );
    assert.deepEqual(bad, []);
    // Names as CloudWatch Logs allows them, with IAM's wildcards after the first character.
    const accepted = recordResources();
    const patterns = ["/aws/lambda/mlops-prod-*", "team.logs#1/*", `/${"a".repeat(511)}`, "a?"];
    patterns.forEach((logGroupPattern, index) => {
      new PlatformKey(`ok-${index}`, { account: TEST_ACCOUNT, tags: {}, logGroupPattern });
    });
    await settle(accepted);
    assert.deepEqual(
      accepted
        .filter((r) => r.type === "aws:kms/key:Key")
        .map(
          (r) =>
            (JSON.parse(r.inputs.policy as string) as PolicyDocument).Statement.find(
              (statement) => statement.Sid === "CloudWatchLogsEncryptStackLogGroups",
            )?.Condition?.ArnLike,
        ),
      patterns.map((pattern) => ({
        "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:us-east-1:123456789012:log-group:${pattern}`,
      })),
    );
  });
});
