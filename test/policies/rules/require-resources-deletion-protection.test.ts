import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  DEFAULT_PROTECTED_TYPES,
  requireResourcesDeletionProtection as rule,
} from "../../../policies/rules/require-resources-deletion-protection";
import { REPOSITORY_ROOT } from "../../../preview";
import { checkResource, StackResourceInput, UNKNOWN, usePolicyDay } from "../../helpers/policyArgs";
import { previewStacks, programStacks } from "../../helpers/programStacks";
import { RECOMMENDED_CONFIG } from "../../helpers/recommendedConfig";

const BUCKET = "aws:s3/bucket:Bucket";
const KEY = "aws:kms/key:Key";
const REGISTRY = "aws:sagemaker/modelPackageGroup:ModelPackageGroup";
const PROD = RECOMMENDED_CONFIG.prod["require-resources-deletion-protection"];
const NONE = { violations: [], notApplicable: [], unknown: [] };

const UNPROTECTED = (name: string, type: string, loss: string) =>
  `Resource "${name}" (${type}) is not protected: \`pulumi destroy\`, or a change that replaces it, deletes it ${loss}; set the resource option protect: true (the platform's components set it when mlops:storage.protectFromDeletion is true).`;
const BUCKET_LOSS = "with the data in it";
const KEY_LOSS =
  "and, once its deletion window ends, everything encrypted with it can no longer be decrypted";
const REGISTRY_LOSS = "with every model version registered in it";
const FORCE_DESTROY = (name: string, type = BUCKET) =>
  `Resource "${name}" (${type}) has forceDestroy true, so deleting it first deletes every object and object version in it; remove forceDestroy (or set it to false) so that a bucket that holds data cannot be deleted.`;
const SHORT_WINDOW = (name: string, days: number, min = 30) =>
  `Resource "${name}" (${KEY}) has deletionWindowInDays ${days}, so a key scheduled for deletion can be recovered for only ${days} days; set it to at least ${min} (KMS allows 7 to 30, and uses 30 when it is not set).`;

type Stacks = Awaited<ReturnType<typeof programStacks>>;
type Props = Record<string, unknown>;

describe("require-resources-deletion-protection", () => {
  let stacks: Stacks;
  let previews: Stacks;
  before(async () => {
    stacks = await programStacks();
    previews = await previewStacks();
  });
  usePolicyDay("2026-11-22");

  /** The resource of that type and name of a shipped stack. */
  const find = (resources: readonly StackResourceInput[], type: string, name: string) => {
    const found = resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} ${name}`);
    return found;
  };
  /** Checks a resource as the engine would, with its `protect` option and the given settings. */
  const check = async (
    resource: StackResourceInput,
    change: { props?: Props; protect?: boolean; config?: Record<string, unknown> } = {},
  ) => {
    const { violations, notApplicable, unknown } = await checkResource(
      rule,
      resource.type,
      { ...resource.props, ...change.props },
      {
        name: resource.name,
        urn: resource.urn,
        protect: change.protect ?? resource.protect,
        config: change.config ?? PROD,
      },
    );
    return { violations, notApplicable, unknown };
  };
  const prodBucket = () => find(stacks.prod, BUCKET, "mlops-prod-diagnosis-data");
  const prodKey = () => find(stacks.prod, KEY, "mlops-prod-platform-key");
  const registry = () => find(stacks.staging, REGISTRY, "mlops-staging-diagnosis-registry");

  it("passes prod's buckets and key, deployed and in a first preview, with prod's settings", async () => {
    for (const [label, resources] of [
      ["prod", stacks.prod],
      ["prod preview", previews.prod],
    ] as const) {
      const judged = resources.filter((r) => [BUCKET, KEY].includes(r.type));
      // Buckets (captured data and reports, and any the stack adds) and the platform key; prod has
      // no registry.
      assert.deepEqual([...new Set(judged.map((r) => r.type))].sort(), [KEY, BUCKET], label);
      for (const resource of judged)
        assert.deepEqual(await check(resource), NONE, `${label} ${resource.name}`);
    }
  });

  it("is disabled in staging, which is built to be torn down, and prod's settings show why", async () => {
    const staging = JSON.parse(
      readFileSync(path.join(REPOSITORY_ROOT, "policies", "config", "staging.json"), "utf8"),
    );
    assert.equal(staging["require-resources-deletion-protection"], "disabled");
    // Staging sets mlops:storage.protectFromDeletion false: nothing is protected, buckets are
    // emptied on destroy and the key can be recovered for a week. (The model's and the platform's
    // resources; buckets other features add are left out.)
    const findings: string[] = [];
    const judged = stacks.staging.filter(
      (r) =>
        DEFAULT_PROTECTED_TYPES.includes(r.type) &&
        (r.name.startsWith("mlops-staging-diagnosis-") || r.name === "mlops-staging-platform-key"),
    );
    for (const resource of judged) findings.push(...(await check(resource)).violations);
    assert.deepEqual(
      findings.sort(),
      [
        FORCE_DESTROY("mlops-staging-diagnosis-artifacts"),
        FORCE_DESTROY("mlops-staging-diagnosis-data"),
        UNPROTECTED("mlops-staging-diagnosis-artifacts", BUCKET, BUCKET_LOSS),
        UNPROTECTED("mlops-staging-diagnosis-data", BUCKET, BUCKET_LOSS),
        UNPROTECTED("mlops-staging-diagnosis-registry", REGISTRY, REGISTRY_LOSS),
        UNPROTECTED("mlops-staging-platform-key", KEY, KEY_LOSS),
        SHORT_WINDOW("mlops-staging-platform-key", 7),
      ].sort(),
    );
  });

  describe("S3 buckets", () => {
    it("require the protect option", async () => {
      const outcome = await check(prodBucket(), { protect: false });
      assert.deepEqual(outcome.violations, [UNPROTECTED("mlops-prod-diagnosis-data", BUCKET, BUCKET_LOSS)]);
    });

    it("must not be force-destroyed, unless forbidForceDestroy is false", async () => {
      const forced = await check(prodBucket(), { props: { forceDestroy: true } });
      assert.deepEqual(forced.violations, [FORCE_DESTROY("mlops-prod-diagnosis-data")]);
      const allowed = await check(prodBucket(), {
        props: { forceDestroy: true },
        config: { ...PROD, forbidForceDestroy: false },
      });
      assert.deepEqual(allowed, NONE);
    });

    it("include BucketV2", async () => {
      const v2 = { ...prodBucket(), type: "aws:s3/bucketV2:BucketV2" };
      assert.deepEqual(await check(v2), NONE);
      assert.deepEqual((await check(v2, { protect: false, props: { forceDestroy: true } })).violations, [
        UNPROTECTED("mlops-prod-diagnosis-data", v2.type, BUCKET_LOSS),
        FORCE_DESTROY("mlops-prod-diagnosis-data", v2.type),
      ]);
    });
  });

  describe("KMS keys", () => {
    it("require the protect option", async () => {
      const outcome = await check(prodKey(), { protect: false });
      assert.deepEqual(outcome.violations, [UNPROTECTED("mlops-prod-platform-key", KEY, KEY_LOSS)]);
    });

    it("keep at least minKeyDeletionWindowDays to cancel a deletion; an unset window is 30 days", async () => {
      const short = await check(prodKey(), { props: { deletionWindowInDays: 29 } });
      assert.deepEqual(short.violations, [SHORT_WINDOW("mlops-prod-platform-key", 29)]);
      const lower = await check(prodKey(), {
        props: { deletionWindowInDays: 14 },
        config: { ...PROD, minKeyDeletionWindowDays: 14 },
      });
      assert.deepEqual(lower, NONE);
      assert.deepEqual(await check(prodKey(), { props: { deletionWindowInDays: undefined } }), NONE);
    });
  });

  it("requires model package groups to be protected", async () => {
    assert.deepEqual((await check(registry(), { protect: false })).violations, [
      UNPROTECTED("mlops-staging-diagnosis-registry", REGISTRY, REGISTRY_LOSS),
    ]);
    assert.deepEqual(await check(registry(), { protect: true }), NONE);
  });

  it("requires protect of exactly the types in protectedTypes", async () => {
    const config = { ...PROD, protectedTypes: ["aws:dynamodb/table:Table"] };
    // Buckets and keys are still checked for forceDestroy and the deletion window.
    assert.deepEqual(await check(prodKey(), { protect: false, config }), NONE);
    const table: StackResourceInput = { type: "aws:dynamodb/table:Table", name: "features", props: {} };
    assert.deepEqual((await check(table, { config })).violations, [
      `Resource "features" (aws:dynamodb/table:Table) is not protected: \`pulumi destroy\`, or a change that replaces it, deletes it; set the resource option protect: true (the platform's components set it when mlops:storage.protectFromDeletion is true).`,
    ]);
  });

  it("does not apply to other types", async () => {
    const topic = find(stacks.prod, "aws:sns/topic:Topic", "mlops-prod-diagnosis-alerts");
    assert.deepEqual(await check(topic), {
      violations: [],
      notApplicable: ["aws:sns/topic:Topic is neither in protectedTypes nor an S3 bucket or a KMS key"],
      unknown: [],
    });
  });

  it("lets a waiver set a resource's finding aside", async () => {
    const waivers = [
      { resource: "mlops-prod-diagnosis-data", reason: "migrating to a new bucket", expires: "2026-12-31" },
    ];
    assert.deepEqual(await check(prodBucket(), { protect: false, config: { ...PROD, waivers } }), NONE);
  });

  it("does not judge values unknown during preview, without the engine's advisory", async () => {
    const bucket = await check(prodBucket(), { props: { forceDestroy: UNKNOWN.boolean } });
    assert.deepEqual(bucket, NONE);
    const key = await check(prodKey(), { props: { deletionWindowInDays: UNKNOWN.number } });
    assert.deepEqual(key, NONE);
  });
});
