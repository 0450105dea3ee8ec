import assert from "node:assert/strict";
import {
  actionGlob,
  actionsOfService,
  closestAction,
  closestService,
  examplesOf,
  listedIn,
  matchAction,
  supportsResourceLevelPermissions,
} from "../../../policies/lib/iamActions";

describe("iamActions", () => {
  it("actionGlob matches IAM's way: * any run, ? one character, case-insensitive, nothing else special", () => {
    assert.ok(actionGlob("s3:Get*").test("s3:GetObject"));
    assert.ok(actionGlob("S3:GET*").test("s3:GetObject"));
    assert.ok(actionGlob("ec2:Describe?pcs").test("ec2:DescribeVpcs"));
    assert.ok(!actionGlob("ec2:Describe?pcs").test("ec2:DescribeXXpcs"));
    assert.ok(!actionGlob("s3:Get.bject").test("s3:GetObject"));
    assert.ok(!actionGlob("s3:Get").test("s3:GetObject"));
    assert.ok(actionGlob("(a)[b]").test("(a)[b]"));
  });

  it("listedIn compares with globs", () => {
    assert.ok(listedIn("logs:PutLogEvents", ["logs:Put*"]));
    assert.ok(!listedIn("logs:PutLogEvents", []));
  });

  it("supportsResourceLevelPermissions: a required type, or alternatives; not one optional type", () => {
    assert.equal(supportsResourceLevelPermissions([]), false);
    assert.equal(supportsResourceLevelPermissions([{ required: true }]), true);
    assert.equal(supportsResourceLevelPermissions([{ required: false }]), false);
    assert.equal(supportsResourceLevelPermissions([{ required: false }, { required: false }]), true);
  });

  it("matches names and patterns against the service data", async () => {
    const exact = await matchAction("sagemaker:CreateEndpoint");
    assert.equal(exact.kind, "service");
    assert.deepEqual(exact.kind === "service" && exact.matches.map((m) => m.action), [
      "sagemaker:CreateEndpoint",
    ]);
    const pattern = await matchAction("ec2:Describe*");
    assert.ok(pattern.kind === "service" && pattern.pattern && pattern.matches.length > 100);
    assert.deepEqual(await matchAction("*"), { kind: "any-service" });
    assert.deepEqual(await matchAction("s*:Get*"), { kind: "any-service" });
    assert.deepEqual(await matchAction("nosuchservice:Get"), {
      kind: "unknown-service",
      service: "nosuchservice",
    });
    for (const malformed of ["s3", "s3:", ":Get", "a:b:c", ""]) {
      assert.deepEqual(await matchAction(malformed), { kind: "malformed" }, malformed);
    }
    // The service's files are read by name: a path in the prefix is just an unknown service.
    assert.equal((await matchAction("../../package:x")).kind, "unknown-service");
  });

  it("describes actions by access level and resource-level permissions", async () => {
    const info = async (action: string) => {
      const match = await matchAction(action);
      assert.ok(match.kind === "service");
      return match.matches[0];
    };
    assert.deepEqual(await info("kms:CreateGrant"), {
      action: "kms:CreateGrant",
      accessLevels: ["Permissions management", "Write"],
      resourceLevel: true,
    });
    assert.equal((await info("ecr:GetAuthorizationToken")).resourceLevel, false);
    assert.equal((await info("cloudwatch:PutMetricData")).resourceLevel, false);
    assert.equal((await info("s3:GetObject")).resourceLevel, true);
    assert.equal((await info("ec2:DescribeSubnets")).resourceLevel, false);
  });

  it("caches each service", async () => {
    assert.equal(actionsOfService("S3"), actionsOfService("s3"));
    assert.equal(await actionsOfService("nosuchservice"), undefined);
  });

  it("suggests the closest service and action", async () => {
    assert.equal(await closestService("sagmaker"), "sagemaker");
    assert.equal(await closestAction("sagemaker", "CreateEndpiont"), "sagemaker:CreateEndpoint");
    assert.equal(await closestAction("nosuchservice", "X"), undefined);
  });

  it("examplesOf lists permissions management first, then by name, and counts all", () => {
    const action = (name: string, ...accessLevels: string[]) => ({
      action: name,
      accessLevels,
      resourceLevel: true,
    });
    assert.deepEqual(
      examplesOf([
        action("s:B", "Write"),
        action("s:A", "Write"),
        action("s:Z", "Permissions management", "Write"),
        action("s:C", "Write"),
      ]),
      { names: ["s:Z", "s:A", "s:B"], count: 4 },
    );
  });
});
