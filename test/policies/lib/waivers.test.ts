import assert from "node:assert/strict";
import {
  closestResourceNames,
  isoDay,
  matchWaiver,
  unmatchedWaivers,
  Waiver,
  waiverMatches,
} from "../../../policies/lib/waivers";

const target = {
  name: "mlops-staging-diagnosis-role-policy",
  urn: "urn:pulumi:staging::mlops::mlops:sagemaker:MlPipeline$aws:iam/rolePolicy:RolePolicy::mlops-staging-diagnosis-role-policy",
};
const NOW = new Date("2026-11-22T18:00:00Z");
const waiver = (resource: string, expires: string, reason = "migration"): Waiver => ({
  resource,
  reason,
  expires,
});

describe("waivers", () => {
  it("match a resource by exact name, by URN, or by a * pattern", () => {
    for (const resource of [target.name, target.urn, "mlops-staging-*", "*RolePolicy::mlops-staging-*"]) {
      assert.deepEqual(matchWaiver([waiver(resource, "2026-12-31")], target, NOW).status, "waived", resource);
    }
    for (const resource of ["mlops-prod-*", "mlops-staging-diagnosis", "role-policy"]) {
      assert.equal(matchWaiver([waiver(resource, "2026-12-31")], target, NOW).status, "none", resource);
    }
  });

  it("treat pattern characters other than * literally", () => {
    const dotted = { name: "a.b", urn: "urn:x::a.b" };
    assert.equal(
      matchWaiver([waiver("a.b", "2026-12-31")], { name: "axb", urn: "urn:x::axb" }, NOW).status,
      "none",
    );
    assert.equal(matchWaiver([waiver("a.b", "2026-12-31")], dotted, NOW).status, "waived");
  });

  it("apply through their expiry day (UTC) and not after", () => {
    assert.equal(matchWaiver([waiver(target.name, "2026-11-22")], target, NOW).status, "waived");
    const expired = matchWaiver([waiver(target.name, "2026-11-21", "old")], target, NOW);
    assert.deepEqual(expired, { status: "expired", waiver: waiver(target.name, "2026-11-21", "old") });
    assert.equal(isoDay(new Date("2026-11-22T23:59:59Z")), "2026-11-22");
  });

  it("prefer a waiver in force over an expired one for the same resource", () => {
    const renewed = matchWaiver(
      [waiver(target.name, "2026-01-31", "first"), waiver(target.name, "2027-01-31", "renewed")],
      target,
      NOW,
    );
    assert.deepEqual(renewed, { status: "waived", waiver: waiver(target.name, "2027-01-31", "renewed") });
  });

  describe("that match no resource", () => {
    const urn = (name: string) => `urn:pulumi:staging::mlops::aws:s3/bucket:Bucket::${name}`;
    const resources = [
      "mlops-staging-diagnosis-data",
      "mlops-staging-diagnosis-artifacts",
      "mlops-staging-fraud-data",
    ].map((name) => ({ name, urn: urn(name) }));

    it("match the Pulumi name (the URN's last part) or the URN, not the physical name", () => {
      assert.equal(waiverMatches({ resource: "mlops-staging-diagnosis-data" }, resources[0]), true);
      assert.equal(waiverMatches({ resource: urn("mlops-staging-diagnosis-data") }, resources[0]), true);
      assert.equal(waiverMatches({ resource: "mlops-staging-diagnosis-data-9d0b9bc" }, resources[0]), false);
    });

    it("suggest the three closest resource names, closest first", () => {
      assert.deepEqual(closestResourceNames("mlops-staging-diagnosis-dat", resources), [
        "mlops-staging-diagnosis-data",
        "mlops-staging-diagnosis-artifacts",
        "mlops-staging-fraud-data",
      ]);
      assert.deepEqual(
        closestResourceNames("mlops-stagin-fraud-*", resources)[0],
        "mlops-staging-fraud-data",
      );
      assert.deepEqual(
        closestResourceNames(`${urn("mlops-staging-fraud-dta")}`, resources)[0],
        "mlops-staging-fraud-data",
      );
      assert.deepEqual(closestResourceNames("x", []), []);
      // The physical name (the Pulumi name and a random suffix) names its resource first.
      assert.deepEqual(
        closestResourceNames("mlops-staging-fraud-data-9d0b9bc", [
          ...resources,
          { name: "mlops-staging-fraud-data-policy", urn: urn("mlops-staging-fraud-data-policy") },
        ]).slice(0, 2),
        ["mlops-staging-fraud-data", "mlops-staging-fraud-data-policy"],
      );
    });

    it("are each reported in one line with the policy, the pattern and the closest names; matching ones are not", () => {
      const waivers = new Map([
        [
          "require-s3-bucket-protection",
          [
            waiver("mlops-staging-diagnosis-data-9d0b9bc", "2027-01-31"),
            waiver("mlops-staging-*", "2027-01-31"),
          ],
        ],
      ]);
      assert.deepEqual(unmatchedWaivers(waivers, resources), [
        'The require-s3-bucket-protection waiver for "mlops-staging-diagnosis-data-9d0b9bc" (until 2027-01-31) ' +
          "matches no resource of the stack: a waiver matches a resource's Pulumi name (the last part of its URN) " +
          'or its URN; the closest resource names: "mlops-staging-diagnosis-data", ' +
          '"mlops-staging-diagnosis-artifacts", "mlops-staging-fraud-data".',
      ]);
      assert.deepEqual(unmatchedWaivers(new Map([["p", [waiver("a", "2027-01-31")]]]), []), [
        'The p waiver for "a" (until 2027-01-31) matches no resource of the stack: a waiver matches a ' +
          "resource's Pulumi name (the last part of its URN) or its URN.",
      ]);
    });
  });
});
