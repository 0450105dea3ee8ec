import assert from "node:assert/strict";
import { tlsOnlyBucketPolicy } from "../../../components/foundation/secureBucketPolicy";
import {
  ACCESS_LOG_ALGORITHMS,
  BucketRole,
  bucketFindings,
  companionsOf,
  deniesInsecureTransport,
  encryptionRulesProblem,
  inlineEncryptionRules,
  inlineLifecycle,
  inlineVersioning,
  lifecycleProblem,
  ownershipProblem,
  publicAccessBlockProblem,
  versioningProblem,
} from "../../../policies/lib/s3Protection";
import { stackItems, UNKNOWN } from "../../../policies/lib/sagemakerValues";
import { policyResources } from "../../helpers/policyArgs";

const ARN = "arn:aws:s3:::data-1";
const TLS_DENY = {
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [ARN, `${ARN}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
};
const policyWith = (...statements: unknown[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });

describe("S3 bucket protections (lib/s3Protection)", () => {
  describe("deniesInsecureTransport", () => {
    it("accepts the platform's TLS-only policy, as text or as a document, and equivalent spellings", () => {
      assert.equal(deniesInsecureTransport(JSON.stringify(tlsOnlyBucketPolicy(ARN))), true);
      assert.equal(deniesInsecureTransport(tlsOnlyBucketPolicy(ARN)), true);
      const spellings = [
        { Principal: { AWS: "*" } },
        { Principal: { AWS: ["*"] } },
        { Action: "*" },
        { Action: ["s3:GetObject", "S3:*"] },
        { Resource: "*" },
        { Condition: { BoolIfExists: { "aws:securetransport": false } } },
        { Condition: { Bool: { "aws:SecureTransport": ["false"] } } },
      ];
      for (const spelling of spellings)
        assert.equal(deniesInsecureTransport(policyWith({ ...TLS_DENY, ...spelling })), true, show(spelling));
      // A single statement need not be wrapped in a list, and other statements may come first.
      assert.equal(deniesInsecureTransport({ Statement: TLS_DENY }), true);
      assert.equal(
        deniesInsecureTransport(policyWith({ Effect: "Allow", Action: "s3:GetObject" }, TLS_DENY)),
        true,
      );
    });

    it("refuses statements that leave some requests without TLS allowed", () => {
      const weaker = [
        { Effect: "Allow" },
        { Principal: { AWS: "arn:aws:iam::123456789012:root" } },
        { Action: "s3:GetObject" },
        { Resource: ARN },
        { Condition: { Bool: { "aws:SecureTransport": "true" } } },
        {
          Condition: {
            Bool: { "aws:SecureTransport": "false" },
            StringEquals: { "aws:PrincipalAccount": "1" },
          },
        },
        { Condition: { Bool: { "aws:SecureTransport": "false", "aws:ViaAWSService": "false" } } },
        { Condition: { StringEquals: { "aws:SecureTransport": "false" } } },
        { Condition: undefined },
      ];
      for (const change of weaker)
        assert.equal(deniesInsecureTransport(policyWith({ ...TLS_DENY, ...change })), false, show(change));
      assert.equal(deniesInsecureTransport(policyWith()), false);
      assert.equal(deniesInsecureTransport("{not json"), false);
      assert.equal(deniesInsecureTransport(undefined), false);
    });

    it("cannot tell while the policy, or a statement that does not decide it, is unknown", () => {
      assert.equal(deniesInsecureTransport(UNKNOWN), UNKNOWN);
      assert.equal(deniesInsecureTransport({ Statement: UNKNOWN }), UNKNOWN);
      assert.equal(deniesInsecureTransport({ Statement: [{ ...TLS_DENY, Resource: UNKNOWN }] }), UNKNOWN);
      assert.equal(deniesInsecureTransport({ Statement: [{ Sid: UNKNOWN }, TLS_DENY] }), true);
    });
  });

  it("publicAccessBlockProblem names each flag that is not true; unknown flags pass", () => {
    const all = {
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    };
    assert.equal(publicAccessBlockProblem(all), undefined);
    assert.equal(publicAccessBlockProblem({ ...all, blockPublicPolicy: UNKNOWN }), undefined);
    assert.equal(
      publicAccessBlockProblem({ ...all, blockPublicAcls: false, restrictPublicBuckets: undefined }),
      "has blockPublicAcls false, restrictPublicBuckets undefined",
    );
  });

  it("encryptionRulesProblem wants a default algorithm, and KMS for each", () => {
    const rule = (sseAlgorithm: unknown) => ({ applyServerSideEncryptionByDefault: { sseAlgorithm } });
    assert.equal(encryptionRulesProblem([rule("aws:kms")]), undefined);
    assert.equal(encryptionRulesProblem([rule("aws:kms:dsse")]), undefined);
    assert.equal(encryptionRulesProblem([rule(UNKNOWN)]), undefined);
    assert.equal(encryptionRulesProblem(UNKNOWN), undefined);
    assert.equal(encryptionRulesProblem([rule("AES256")]), 'uses sseAlgorithm "AES256"');
    assert.equal(encryptionRulesProblem([{ bucketKeyEnabled: true }]), "sets no default encryption");
    assert.equal(encryptionRulesProblem([]), "sets no default encryption");
  });

  it("encryptionRulesProblem takes SSE-S3 where it is told to, as for a server access log bucket", () => {
    const rule = (sseAlgorithm: unknown) => ({ applyServerSideEncryptionByDefault: { sseAlgorithm } });
    assert.equal(encryptionRulesProblem([rule("AES256")], ACCESS_LOG_ALGORITHMS), undefined);
    assert.equal(encryptionRulesProblem([rule("aws:kms")], ACCESS_LOG_ALGORITHMS), undefined);
    assert.equal(
      encryptionRulesProblem([rule("aws:fsx")], ACCESS_LOG_ALGORITHMS),
      'uses sseAlgorithm "aws:fsx"',
    );
    assert.equal(encryptionRulesProblem([], ACCESS_LOG_ALGORITHMS), "sets no default encryption");
  });

  it("versioningProblem wants status Enabled; unknown passes", () => {
    assert.equal(versioningProblem({ versioningConfiguration: { status: "Enabled" } }), undefined);
    assert.equal(versioningProblem({ versioningConfiguration: UNKNOWN }), undefined);
    assert.equal(
      versioningProblem({ versioningConfiguration: { status: "Suspended" } }),
      'has versioningConfiguration.status "Suspended"',
    );
  });

  it("ownershipProblem wants ACLs disabled (BucketOwnerEnforced); unknown passes", () => {
    assert.equal(ownershipProblem({ rule: { objectOwnership: "BucketOwnerEnforced" } }), undefined);
    assert.equal(ownershipProblem({ rule: { objectOwnership: UNKNOWN } }), undefined);
    assert.equal(ownershipProblem({ rule: UNKNOWN }), undefined);
    assert.equal(
      ownershipProblem({ rule: { objectOwnership: "BucketOwnerPreferred" } }),
      'has rule.objectOwnership "BucketOwnerPreferred"',
    );
    assert.equal(
      ownershipProblem({ rule: { objectOwnership: "ObjectWriter" } }),
      'has rule.objectOwnership "ObjectWriter"',
    );
    assert.equal(ownershipProblem({}), "has rule.objectOwnership undefined");
  });

  it("lifecycleProblem wants one rule of status Enabled; unknown rules or statuses pass", () => {
    const rule = (status: unknown) => ({ id: "expire", status, expiration: { days: 30 } });
    assert.equal(lifecycleProblem({ rules: [rule("Disabled"), rule("Enabled")] }), undefined);
    assert.equal(lifecycleProblem({ rules: [rule("Disabled"), rule(UNKNOWN)] }), undefined);
    assert.equal(lifecycleProblem({ rules: UNKNOWN }), undefined);
    assert.equal(
      lifecycleProblem({ rules: [rule("Disabled"), rule(undefined)] }),
      'has no rule with status "Enabled" ("Disabled", undefined)',
    );
    assert.equal(lifecycleProblem({ rules: [] }), "has no rules");
    assert.equal(lifecycleProblem({}), "has no rules");
  });

  it("reads the deprecated inline settings of Bucket and BucketV2", () => {
    const kms = { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } };
    assert.deepEqual(inlineEncryptionRules({ serverSideEncryptionConfiguration: { rule: kms } }), [kms]);
    assert.deepEqual(inlineEncryptionRules({ serverSideEncryptionConfigurations: [{ rules: [kms] }] }), [
      kms,
    ]);
    assert.equal(inlineEncryptionRules({}), undefined);
    assert.equal(inlineEncryptionRules({ serverSideEncryptionConfigurations: [] }), undefined);
    assert.equal(inlineEncryptionRules({ serverSideEncryptionConfiguration: UNKNOWN }), UNKNOWN);
    assert.equal(
      inlineEncryptionRules({ serverSideEncryptionConfigurations: [{ rules: UNKNOWN }] }),
      UNKNOWN,
    );

    assert.equal(inlineVersioning({ versioning: { enabled: true } }), true);
    assert.equal(inlineVersioning({ versionings: [{ enabled: true }] }), true);
    assert.equal(inlineVersioning({ versionings: [{ enabled: UNKNOWN }] }), UNKNOWN);
    assert.equal(inlineVersioning({ versioning: { enabled: false } }), false);
    assert.equal(inlineVersioning({}), undefined);

    assert.equal(inlineLifecycle({ lifecycleRules: [{ enabled: false }, { enabled: true }] }), true);
    assert.equal(inlineLifecycle({ lifecycleRules: [{ enabled: false }, { enabled: UNKNOWN }] }), UNKNOWN);
    assert.equal(inlineLifecycle({ lifecycleRules: UNKNOWN }), UNKNOWN);
    assert.equal(inlineLifecycle({ lifecycleRules: [{ enabled: false }] }), false);
    assert.equal(inlineLifecycle({ lifecycleRules: [] }), undefined);
    assert.equal(inlineLifecycle({}), undefined);
  });

  describe("bucketFindings", () => {
    const bucketOnly = (type: string, props: Record<string, unknown>, role?: BucketRole) => {
      const [bucket] = stackItems(policyResources([{ type, name: "legacy", props }]));
      return bucketFindings(bucket, companionsOf(bucket, [bucket]), role);
    };

    it("counts a bucket's own inline settings when it has no separate resources", () => {
      const inline = {
        bucket: "legacy-1",
        versioning: { enabled: true },
        serverSideEncryptionConfiguration: {
          rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } },
        },
        policy: JSON.stringify(tlsOnlyBucketPolicy("arn:aws:s3:::legacy-1")),
        lifecycleRules: [{ enabled: true, noncurrentVersionExpiration: { days: 30 } }],
      };
      // Public access blocks and ownership controls have no inline form.
      assert.deepEqual(bucketOnly("aws:s3/bucket:Bucket", inline), [
        'Bucket "legacy" has no public access block; add an aws.s3.BucketPublicAccessBlock for it with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets set to true.',
        'Bucket "legacy" has no ownership controls, so ACLs can still grant access beside its bucket policy; add an aws.s3.BucketOwnershipControls for it with rule.objectOwnership "BucketOwnerEnforced" (ACLs disabled).',
      ]);
      const v2 = {
        bucket: "legacy-1",
        versionings: [{ enabled: true }],
        serverSideEncryptionConfigurations: [
          { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms:dsse" } }] },
        ],
        policy: inline.policy,
        lifecycleRules: inline.lifecycleRules,
      };
      assert.equal(bucketOnly("aws:s3/bucketV2:BucketV2", v2).length, 2);
    });

    it("reports S3's defaults on a bare bucket with what it found", () => {
      const bare = {
        bucket: "legacy-1",
        versioning: { enabled: false, mfaDelete: false },
        serverSideEncryptionConfiguration: {
          rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        },
        lifecycleRules: [{ enabled: false, expiration: { days: 30 } }],
      };
      assert.deepEqual(bucketOnly("aws:s3/bucket:Bucket", bare).slice(2), [
        'Bucket "legacy" itself uses sseAlgorithm "AES256"; add an aws.s3.BucketServerSideEncryptionConfiguration for it with sseAlgorithm "aws:kms" and the platform\'s KMS key as kmsMasterKeyId.',
        'Bucket "legacy" has versioning.enabled false; add an aws.s3.BucketVersioning for it with versioningConfiguration.status "Enabled".',
        'Bucket "legacy" has no bucket policy that denies requests without TLS; add an aws.s3.BucketPolicy for it with the statement {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":[bucket ARN, bucket ARN + "/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}.',
        'Bucket "legacy" has no enabled lifecycle rule (lifecycleRules[].enabled false), so S3 keeps every object version until someone deletes it; add an aws.s3.BucketLifecycleConfiguration for it with a rule of status "Enabled" (e.g. with noncurrentVersionExpiration).',
      ]);
    });

    it("accepts SSE-S3 on a server access log bucket, and asks such a bucket for SSE-S3", () => {
      const sseS3 = {
        bucket: "logs-1",
        serverSideEncryptionConfiguration: {
          rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        },
      };
      const encryption = (findings: string[]) => findings.filter((f) => f.includes("sseAlgorithm"));
      const asTarget = { accessLogTarget: true };
      assert.deepEqual(encryption(bucketOnly("aws:s3/bucket:Bucket", sseS3, asTarget)), []);
      assert.equal(
        encryption(bucketOnly("aws:s3/bucket:Bucket", sseS3, { accessLogTarget: false })).length,
        1,
      );
      assert.deepEqual(encryption(bucketOnly("aws:s3/bucket:Bucket", { bucket: "logs-1" }, asTarget)), [
        'Bucket "legacy" has no default encryption; add an aws.s3.BucketServerSideEncryptionConfiguration for it with sseAlgorithm "AES256" (S3 delivers server access logs only to buckets with SSE-S3 default encryption).',
      ]);
    });
  });
});

function show(value: unknown): string {
  return JSON.stringify(value);
}
