import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import assert from "node:assert/strict";
import { resourceRule } from "../../../policies/lib/rule";
import { listPolicyWaivers } from "../../../policies/rules/list-policy-waivers";
import { clearRecordedWaivers, recordWaivers } from "../../../policies/lib/waivers";
import { checkResource, checkStack, policyResources, urnOf, usePolicyDay } from "../../helpers/policyArgs";

const BUCKET = "aws:s3/bucket:Bucket";
/** A rule whose findings the listing lists. */
const forbidBucketAcl = resourceRule({
  name: "forbid-s3-bucket-acl",
  description: "Buckets have no ACL.",
  severity: "medium",
  validateResource: validateResourceOfType(aws.s3.Bucket, (bucket, args, report) => {
    if (bucket.acl !== undefined) report(`Bucket "${args.name}" has ACL ${bucket.acl}; remove it.`);
  }),
});
const waiver = (resource: string, expires: string) => ({ resource, reason: "legacy logs bucket", expires });

describe("list-policy-waivers", () => {
  usePolicyDay("2026-11-22");
  // Recorded waivers are the pack process's, for one run: none is left for the next test.
  beforeEach(() => clearRecordedWaivers());
  afterEach(() => clearRecordedWaivers());

  it("is advisory and finds nothing when nothing was waived", async () => {
    assert.equal(listPolicyWaivers.enforcementLevel, "advisory");
    await checkResource(forbidBucketAcl, BUCKET, { acl: "private" }, { name: "logs" });
    assert.deepEqual(await checkStack(listPolicyWaivers, []), {
      violations: [],
      urns: [],
      notApplicable: [],
      unknown: [],
    });
  });

  it("lists each waived finding once, against its resource, with the waiver's reason and expiry", async () => {
    const config = { waivers: [waiver("logs*", "2027-01-31")] };
    for (const name of ["logs", "logs-eu", "logs"]) {
      await checkResource(forbidBucketAcl, BUCKET, { acl: "log-delivery-write" }, { name, config });
    }
    const buckets = policyResources(["logs", "logs-eu"].map((name) => ({ type: BUCKET, name, props: {} })));
    const listing = await checkStack(listPolicyWaivers, buckets);
    assert.deepEqual(listing.violations, [
      'Waived until 2027-01-31 (legacy logs bucket) — forbid-s3-bucket-acl: Bucket "logs" has ACL log-delivery-write; remove it.',
      'Waived until 2027-01-31 (legacy logs bucket) — forbid-s3-bucket-acl: Bucket "logs-eu" has ACL log-delivery-write; remove it.',
    ]);
    assert.deepEqual(listing.urns, [urnOf(BUCKET, "logs"), urnOf(BUCKET, "logs-eu")]);
  });

  it("does not list findings whose waiver has expired: those are reported by their rule", async () => {
    const config = { waivers: [waiver("logs", "2026-11-21")] };
    const outcome = await checkResource(
      forbidBucketAcl,
      BUCKET,
      { acl: "public-read" },
      { name: "logs", config },
    );
    assert.equal(outcome.violations.length, 1);
    const logs = policyResources([{ type: BUCKET, name: "logs", props: {} }]);
    assert.deepEqual((await checkStack(listPolicyWaivers, logs)).violations, []);
  });

  it("accepts waivers of its own, like every rule, and has no other setting", () => {
    assert.deepEqual(Object.keys(listPolicyWaivers.configSchema?.properties ?? {}), ["waivers"]);
  });

  it("reports each waiver that matches no resource of the stack, with the closest resource names", async () => {
    const resources = policyResources([
      { type: BUCKET, name: "mlops-staging-diagnosis-data", props: {} },
      { type: BUCKET, name: "mlops-staging-diagnosis-artifacts", props: {} },
    ]);
    recordWaivers("forbid-s3-bucket-acl", [waiver("mlops-staging-diagnosis-data-9d0b9bc", "2027-01-31")]);
    const config = {
      waivers: [waiver("mlops-staging-diagnosis-*", "2027-01-31"), waiver("logs", "2027-01-31")],
    };
    const listing = await checkStack(listPolicyWaivers, resources, { config });
    assert.deepEqual(listing.violations, [
      'The forbid-s3-bucket-acl waiver for "mlops-staging-diagnosis-data-9d0b9bc" (until 2027-01-31) matches no ' +
        "resource of the stack: a waiver matches a resource's Pulumi name (the last part of its URN) or its URN; " +
        'the closest resource names: "mlops-staging-diagnosis-data", "mlops-staging-diagnosis-artifacts".',
      'The list-policy-waivers waiver for "logs" (until 2027-01-31) matches no resource of the stack: a waiver ' +
        "matches a resource's Pulumi name (the last part of its URN) or its URN; the closest resource names: " +
        '"mlops-staging-diagnosis-data", "mlops-staging-diagnosis-artifacts".',
    ]);
    assert.deepEqual(listing.urns, [undefined, undefined]);
  });
  it("checks the waivers of every rule that ran, as the rule reads its config", async () => {
    const resources = policyResources([{ type: BUCKET, name: "mlops-staging-diagnosis-data", props: {} }]);
    await checkResource(
      forbidBucketAcl,
      BUCKET,
      {},
      {
        name: "mlops-staging-diagnosis-data",
        config: { waivers: [waiver("mlops-staging-diagnsis-data", "2027-01-31")] },
      },
    );
    const listing = await checkStack(listPolicyWaivers, resources);
    assert.deepEqual(listing.violations, [
      'The forbid-s3-bucket-acl waiver for "mlops-staging-diagnsis-data" (until 2027-01-31) matches no ' +
        "resource of the stack: a waiver matches a resource's Pulumi name (the last part of its URN) or its URN; " +
        'the closest resource names: "mlops-staging-diagnosis-data".',
    ]);
  });
});
