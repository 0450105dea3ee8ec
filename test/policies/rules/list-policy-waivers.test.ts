import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import assert from "node:assert/strict";
import { resourceRule } from "../../../policies/lib/rule";
import { listPolicyWaivers } from "../../../policies/rules/list-policy-waivers";
import { checkResource, checkStack, urnOf, usePolicyDay } from "../../helpers/policyArgs";

const BUCKET = "aws:s3/bucket:Bucket";
/** A rule whose findings the listing lists. */
const forbidBucketAcl = resourceRule({
  name: "forbid-s3-bucket-acl",
  description: "Buckets have no ACL.",
  validateResource: validateResourceOfType(aws.s3.Bucket, (bucket, args, report) => {
    if (bucket.acl !== undefined) report(`Bucket "${args.name}" has ACL ${bucket.acl}; remove it.`);
  }),
});
const waiver = (resource: string, expires: string) => ({ resource, reason: "legacy logs bucket", expires });

describe("list-policy-waivers", () => {
  usePolicyDay("2026-11-22");

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
    const listing = await checkStack(listPolicyWaivers, []);
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
    assert.deepEqual((await checkStack(listPolicyWaivers, [])).violations, []);
  });

  it("accepts waivers of its own, like every rule, and has no other setting", () => {
    assert.deepEqual(Object.keys(listPolicyWaivers.configSchema?.properties ?? {}), ["waivers"]);
  });
});
