import assert from "node:assert/strict";
import { isoDay, matchWaiver, Waiver } from "../../../policies/lib/waivers";

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
});
