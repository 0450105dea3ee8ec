import assert from "node:assert/strict";
import { requireS3BucketProtection as rule } from "../../../policies/rules/require-s3-bucket-protection";
import {
  checkStack,
  policyResources,
  StackResourceInput,
  UNKNOWN,
  usePolicyDay,
} from "../../helpers/policyArgs";
import { edited, find, programStacks, propsOf, stackCheck, without } from "../../helpers/programStacks";
import {
  assertProdAccessLogs,
  BUCKET_LOGGING,
  previewed,
  PROD_DATA,
  PROD_LOGGING,
  PROD_LOGS,
  sseS3,
} from "./accessLogFixtures";

const BUCKET = "aws:s3/bucket:Bucket";
const PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const VERSIONING = "aws:s3/bucketVersioning:BucketVersioning";
const POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";
const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
const DATA = "mlops-staging-diagnosis-data";
const DATA_URN = `urn:pulumi:staging::mlops::mlops:s3:SecureBucket$${BUCKET}::${DATA}`;
const NONE = { violations: [], unknown: [] };

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("require-s3-bucket-protection", () => {
  let stacks: Awaited<ReturnType<typeof programStacks>>;
  before(async () => {
    stacks = await programStacks();
  });
  usePolicyDay("2026-11-22");

  const check = stackCheck(rule);
  // Staging's stack: it has both of a model's buckets (prod, which serves staging's models, has one).
  const prodWith = (change: (resources: StackResourceInput[]) => unknown) => edited(stacks.staging, change);
  const props = propsOf;

  it("passes every bucket both shipped stacks create", async () => {
    for (const stack of ["staging", "prod"] as const) {
      // Staging builds the model (data and artifacts buckets); prod serves it (a data bucket for
      // capture); each may keep their server access logs in a log bucket (storage.accessLogs).
      const buckets = stacks[stack].filter((r) => r.type === BUCKET).map((r) => r.name);
      assert.deepEqual(
        buckets.filter((name) => !name.endsWith("-access-logs")),
        stack === "staging" ? [DATA, "mlops-staging-diagnosis-artifacts"] : ["mlops-prod-diagnosis-data"],
        stack,
      );
      assert.deepEqual(await check(stacks[stack]), { ...NONE, urns: [] }, stack);
    }
  });

  it("reports a missing public access block against the bucket", async () => {
    const outcome = await check(prodWith(without(PUBLIC_ACCESS_BLOCK, `${DATA}-public-access-block`)));
    assert.deepEqual(outcome.violations, [
      `Bucket "${DATA}" has no public access block; add an aws.s3.BucketPublicAccessBlock for it with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets set to true.`,
    ]);
    assert.deepEqual(outcome.urns, [DATA_URN]);
  });

  it("reports a public access block with a flag off", async () => {
    const outcome = await check(
      prodWith((r) => {
        props(r, PUBLIC_ACCESS_BLOCK, `${DATA}-public-access-block`).restrictPublicBuckets = false;
      }),
    );
    assert.deepEqual(outcome.violations, [
      `Bucket "${DATA}": public access block "${DATA}-public-access-block" has restrictPublicBuckets false; set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.`,
    ]);
  });

  it("reports default encryption weakened to SSE-S3, or missing", async () => {
    const weak = await check(
      prodWith((r) => {
        const rule0 = props(r, ENCRYPTION, `${DATA}-encryption`).rules[0];
        rule0.applyServerSideEncryptionByDefault = { sseAlgorithm: "AES256" };
      }),
    );
    assert.deepEqual(weak.violations, [
      `Bucket "${DATA}": default encryption "${DATA}-encryption" uses sseAlgorithm "AES256"; use sseAlgorithm "aws:kms" and the platform's KMS key as kmsMasterKeyId.`,
    ]);
    const missing = await check(prodWith(without(ENCRYPTION, `${DATA}-encryption`)));
    assert.deepEqual(missing.violations, [
      `Bucket "${DATA}" has no default encryption; add an aws.s3.BucketServerSideEncryptionConfiguration for it with sseAlgorithm "aws:kms" and the platform's KMS key as kmsMasterKeyId.`,
    ]);
  });

  it("reports versioning suspended or missing, and accepts the bucket's legacy inline versioning", async () => {
    const suspended = await check(
      prodWith((r) => {
        props(r, VERSIONING, `${DATA}-versioning`).versioningConfiguration.status = "Suspended";
      }),
    );
    assert.deepEqual(suspended.violations, [
      `Bucket "${DATA}": versioning "${DATA}-versioning" has versioningConfiguration.status "Suspended"; set versioningConfiguration.status to "Enabled".`,
    ]);
    const missing = without(VERSIONING, `${DATA}-versioning`);
    assert.deepEqual((await check(prodWith(missing))).violations, [
      `Bucket "${DATA}" has no versioning; add an aws.s3.BucketVersioning for it with versioningConfiguration.status "Enabled".`,
    ]);
    const inline = await check(
      prodWith((r) => {
        props(r, BUCKET, DATA).versioning = { enabled: true };
        return missing(r);
      }),
    );
    assert.deepEqual(inline, { ...NONE, urns: [] });
  });

  it("reports a bucket policy without the TLS deny, or no policy", async () => {
    const allowOnly = await check(
      prodWith((r) => {
        const policy = props(r, POLICY, `${DATA}-policy`);
        const document = JSON.parse(policy.policy);
        document.Statement[0].Condition = { Bool: { "aws:SecureTransport": "true" } };
        policy.policy = JSON.stringify(document);
      }),
    );
    assert.deepEqual(allowOnly.violations, [
      `Bucket "${DATA}": bucket policy "${DATA}-policy" does not deny requests without TLS; add the statement {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":[bucket ARN, bucket ARN + "/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}.`,
    ]);
    const missing = await check(prodWith(without(POLICY, `${DATA}-policy`)));
    assert.equal(missing.violations.length, 1);
    assert.match(
      missing.violations[0],
      /^Bucket "mlops-staging-diagnosis-data" has no bucket policy that denies/,
    );
  });

  it("reports ownership controls missing, or leaving ACLs enabled", async () => {
    const missing = await check(prodWith(without(OWNERSHIP, `${DATA}-ownership`)));
    assert.deepEqual(missing.violations, [
      `Bucket "${DATA}" has no ownership controls, so ACLs can still grant access beside its bucket policy; add an aws.s3.BucketOwnershipControls for it with rule.objectOwnership "BucketOwnerEnforced" (ACLs disabled).`,
    ]);
    assert.deepEqual(missing.urns, [DATA_URN]);
    for (const objectOwnership of ["ObjectWriter", "BucketOwnerPreferred"]) {
      const weak = await check(
        prodWith((r) => {
          props(r, OWNERSHIP, `${DATA}-ownership`).rule.objectOwnership = objectOwnership;
        }),
      );
      assert.deepEqual(weak.violations, [
        `Bucket "${DATA}": ownership controls "${DATA}-ownership" has rule.objectOwnership "${objectOwnership}", so ACLs can still grant access beside its bucket policy; set rule.objectOwnership "BucketOwnerEnforced" (ACLs disabled).`,
      ]);
    }
  });

  it("reports a lifecycle configuration missing or without an enabled rule, and accepts the bucket's legacy inline rules", async () => {
    const disabled = await check(
      prodWith((r) => {
        for (const rule of props(r, LIFECYCLE, `${DATA}-lifecycle`).rules) rule.status = "Disabled";
      }),
    );
    const rules = (find(stacks.staging, LIFECYCLE, `${DATA}-lifecycle`).props as Props).rules as Props[];
    const statuses = rules.map(() => '"Disabled"');
    assert.ok(statuses.length > 1);
    assert.deepEqual(disabled.violations, [
      `Bucket "${DATA}": lifecycle configuration "${DATA}-lifecycle" has no rule with status "Enabled" (${statuses.join(", ")}), so S3 keeps every object version until someone deletes it; give it a rule of status "Enabled" (e.g. with noncurrentVersionExpiration).`,
    ]);
    assert.deepEqual(disabled.urns, [DATA_URN]);
    const oneEnabled = await check(
      prodWith((r) => {
        const [first, ...rest] = props(r, LIFECYCLE, `${DATA}-lifecycle`).rules;
        for (const rule of rest) rule.status = "Disabled";
        assert.equal(first.status, "Enabled");
      }),
    );
    assert.deepEqual(oneEnabled, { ...NONE, urns: [] });

    const missing = without(LIFECYCLE, `${DATA}-lifecycle`);
    assert.deepEqual((await check(prodWith(missing))).violations, [
      `Bucket "${DATA}" has no lifecycle configuration, so S3 keeps every object version until someone deletes it; add an aws.s3.BucketLifecycleConfiguration for it with a rule of status "Enabled" (e.g. with noncurrentVersionExpiration).`,
    ]);
    const inline = (enabled: boolean) =>
      prodWith((r) => {
        props(r, BUCKET, DATA).lifecycleRules = [{ enabled, noncurrentVersionExpiration: { days: 30 } }];
        return missing(r);
      });
    assert.deepEqual(await check(inline(true)), { ...NONE, urns: [] });
    assert.deepEqual((await check(inline(false))).violations, [
      `Bucket "${DATA}" has no enabled lifecycle rule (lifecycleRules[].enabled false), so S3 keeps every object version until someone deletes it; add an aws.s3.BucketLifecycleConfiguration for it with a rule of status "Enabled" (e.g. with noncurrentVersionExpiration).`,
    ]);
  });

  it("reports each missing protection of a bare bucket, and only against that bucket", async () => {
    const outcome = await check(
      prodWith((r) =>
        r.filter(
          (resource) =>
            !(
              resource.type !== BUCKET &&
              resource.name.startsWith(`${DATA}-`) &&
              resource.dependencies?.includes(DATA)
            ),
        ),
      ),
    );
    assert.deepEqual(
      outcome.violations.map((message) => message.slice(0, message.indexOf(";"))),
      [
        `Bucket "${DATA}" has no public access block`,
        `Bucket "${DATA}" has no ownership controls, so ACLs can still grant access beside its bucket policy`,
        `Bucket "${DATA}" has no default encryption`,
        `Bucket "${DATA}" has no versioning`,
        `Bucket "${DATA}" has no bucket policy that denies requests without TLS`,
        `Bucket "${DATA}" has no lifecycle configuration, so S3 keeps every object version until someone deletes it`,
      ],
    );
    assert.deepEqual(new Set(outcome.urns), new Set([DATA_URN]));
  });

  it("checks BucketV2 and the V2 companions of the installed provider", async () => {
    const v2 = prodWith((r) => {
      for (const resource of r) {
        if (resource.type === BUCKET) Object.assign(resource, { type: "aws:s3/bucketV2:BucketV2" });
        if (resource.type === ENCRYPTION)
          Object.assign(resource, {
            type: "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
          });
        if (resource.type === VERSIONING)
          Object.assign(resource, { type: "aws:s3/bucketVersioningV2:BucketVersioningV2" });
        if (resource.type === LIFECYCLE)
          Object.assign(resource, {
            type: "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
          });
      }
    });
    assert.deepEqual((await check(v2)).violations, []);
    assert.equal(
      (await check(without(PUBLIC_ACCESS_BLOCK, `${DATA}-public-access-block`)(v2))).violations.length,
      1,
    );
    const v2Lifecycle = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2";
    assert.match(
      (await check(without(v2Lifecycle, `${DATA}-lifecycle`)(v2))).violations.join("\n"),
      /^Bucket "mlops-staging-diagnosis-data" has no lifecycle configuration/,
    );
  });

  describe("a bucket S3 delivers server access logs into", () => {
    const prod = (change: (resources: StackResourceInput[]) => unknown) => edited(stacks.prod, change);
    const urn = (name: string) => find(stacks.prod, BUCKET, name).urn;

    it("may use SSE-S3, the only default encryption log delivery supports, as prod's log bucket does", async () => {
      assertProdAccessLogs(stacks.prod);
      assert.deepEqual(await check(stacks.prod), { ...NONE, urns: [] });
    });

    it("is the only bucket that may: the logged bucket, or one no logging names, may not", async () => {
      const logged = await check(prod(sseS3(PROD_DATA)));
      assert.deepEqual(logged.violations, [
        `Bucket "${PROD_DATA}": default encryption "${PROD_DATA}-encryption" uses sseAlgorithm "AES256"; use sseAlgorithm "aws:kms" and the platform's KMS key as kmsMasterKeyId.`,
      ]);
      const unlogged = await check(prod(without(BUCKET_LOGGING, PROD_LOGGING)));
      assert.deepEqual(unlogged.urns, [urn(PROD_LOGS)]);
      assert.deepEqual(unlogged.violations, [
        `Bucket "${PROD_LOGS}": default encryption "${PROD_LOGS}-encryption" uses sseAlgorithm "AES256"; use sseAlgorithm "aws:kms" and the platform's KMS key as kmsMasterKeyId.`,
      ]);
    });

    it("is recognised by a bucket's inline logging setting too", async () => {
      const inline = prod((r) => {
        props(r, BUCKET, PROD_DATA).logging = { targetBucket: props(r, BUCKET, PROD_LOGS).bucket };
        return without(BUCKET_LOGGING, PROD_LOGGING)(r);
      });
      assert.deepEqual(await check(inline), { ...NONE, urns: [] });
    });

    it("is still asked for a default encryption, SSE-S3 then", async () => {
      const outcome = await check(prod(without(ENCRYPTION, `${PROD_LOGS}-encryption`)));
      assert.deepEqual(outcome.violations, [
        `Bucket "${PROD_LOGS}" has no default encryption; add an aws.s3.BucketServerSideEncryptionConfiguration for it with sseAlgorithm "AES256" (S3 delivers server access logs only to buckets with SSE-S3 default encryption).`,
      ]);
    });

    describe("during preview", () => {
      const preview = () => policyResources(previewed(prod(sseS3(PROD_DATA))));

      it("is told from the logged bucket by the engine's property dependencies", async () => {
        const resources = preview();
        const byName = (name: string) => resources.find((r) => r.name === name) ?? assert.fail(name);
        byName(PROD_LOGGING).propertyDependencies = {
          bucket: [byName(PROD_DATA)],
          targetBucket: [byName(PROD_LOGS)],
        };
        const { violations, urns, unknown } = await checkStack(rule, resources);
        assert.deepEqual(urns, [urn(PROD_DATA)]);
        assert.match(violations[0], /uses sseAlgorithm "AES256"/);
        assert.deepEqual(unknown, []);
      });

      it("may be either bucket the logging depends on without them, and neither is reported", async () => {
        assert.deepEqual(await checkStack(rule, preview()), {
          violations: [],
          urns: [],
          notApplicable: [],
          unknown: [],
        });
      });
    });
  });

  describe("waivers", () => {
    const bare = () => prodWith(without(VERSIONING, `${DATA}-versioning`));
    it("set aside a bucket's finding while in force", async () => {
      const waivers = [{ resource: DATA, reason: "archive bucket", expires: "2026-12-31" }];
      assert.deepEqual((await check(bare(), { waivers })).violations, []);
    });
    it("add the expiry to the finding once expired", async () => {
      const waivers = [{ resource: "mlops-staging-*-data", reason: "archive bucket", expires: "2026-11-21" }];
      assert.deepEqual((await check(bare(), { waivers })).violations, [
        `Bucket "${DATA}" has no versioning; add an aws.s3.BucketVersioning for it with versioningConfiguration.status "Enabled". (The waiver for "mlops-staging-*-data" expired on 2026-11-21: archive bucket.)`,
      ]);
    });
  });

  describe("during preview", () => {
    /** The prod stack as a first preview sees it: auto-named buckets, and values built from them, unknown. */
    const preview = () =>
      prodWith((r) => {
        for (const resource of r) {
          const p: Props = resource.props;
          if (resource.type === BUCKET) Object.assign(p, { bucket: UNKNOWN.string, arn: UNKNOWN.string });
          if ("bucket" in p && resource.type !== BUCKET) p.bucket = UNKNOWN.string;
          if (resource.type === POLICY) p.policy = UNKNOWN.string;
          if (resource.type === ENCRYPTION)
            p.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId = UNKNOWN.string;
        }
      });

    it("assumes an unknown object ownership or lifecycle status complies", async () => {
      const outcome = await check(
        prodWith((r) => {
          props(r, OWNERSHIP, `${DATA}-ownership`).rule.objectOwnership = UNKNOWN.string;
          for (const rule of props(r, LIFECYCLE, `${DATA}-lifecycle`).rules) rule.status = "Disabled";
          props(r, LIFECYCLE, `${DATA}-lifecycle`).rules[1].status = UNKNOWN.string;
        }),
      );
      assert.deepEqual(outcome, { ...NONE, urns: [] });
      const unknownRules = await check(
        prodWith((r) => {
          props(r, LIFECYCLE, `${DATA}-lifecycle`).rules = UNKNOWN.array;
        }),
      );
      assert.deepEqual(unknownRules, { ...NONE, urns: [] });
    });

    it("links companions by dependency and assumes unknown values comply, without the engine's advisory", async () => {
      assert.deepEqual(await check(preview()), { ...NONE, urns: [] });
      const outcome = await check(without(PUBLIC_ACCESS_BLOCK, `${DATA}-public-access-block`)(preview()));
      assert.deepEqual(outcome.urns, [DATA_URN]);
      assert.deepEqual(outcome.unknown, []);
    });

    it("follows the engine's property dependencies of `bucket` when it gives them", async () => {
      const resources = policyResources(preview());
      const other = resources.find((r) => r.name === "mlops-staging-diagnosis-artifacts");
      const block = resources.find((r) => r.name === `${DATA}-public-access-block`);
      assert.ok(other && block);
      // The block names the other bucket through `bucket`, whatever else it depends on.
      block.propertyDependencies = { bucket: [other] };
      const { violations, urns } = await checkStack(rule, resources);
      assert.equal(violations.length, 1);
      assert.deepEqual(urns, [DATA_URN]);
    });

    it("reports weak values that are known", async () => {
      const outcome = await check(
        prodWith((r) => {
          const block = props(r, PUBLIC_ACCESS_BLOCK, `${DATA}-public-access-block`);
          Object.assign(block, {
            bucket: UNKNOWN.string,
            blockPublicAcls: false,
            ignorePublicAcls: UNKNOWN.boolean,
          });
        }),
      );
      assert.equal(outcome.violations.length, 1);
      assert.match(outcome.violations[0], /has blockPublicAcls false; set/);
    });
  });
});
