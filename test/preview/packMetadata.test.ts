import assert from "node:assert/strict";
import { ruleMetadata } from "../../policies/lib/rule";
import { policies } from "../../policies/pack";
import { DescribedPolicy, runPack } from "../../preview/pack";

describe("the rules' severity and controls, as the preview learns them from the pack's process", function () {
  // The pack is compiled (or taken from the cache) and started; loading the rules here reads AWS's IAM data.
  this.timeout(120_000);

  it("are served as each policy's severity and tags, the same as the rules in policies/pack.ts", async () => {
    let described: readonly DescribedPolicy[] = [];
    assert.deepEqual(await runPack([], { stack: "prod", onDescribed: (served) => (described = served) }), []);
    const byName = <T>(entries: [string, T][]) => new Map(entries.sort(([a], [b]) => a.localeCompare(b)));
    assert.deepEqual(
      byName(described.map((policy) => [policy.name, { severity: policy.severity, controls: policy.tags }])),
      byName(policies.map((policy) => [policy.name, ruleMetadata(policy)])),
    );
    const bucket = described.find((policy) => policy.name === "require-s3-bucket-protection");
    assert.deepEqual(
      { severity: bucket?.severity, tags: bucket?.tags },
      { severity: "high", tags: ["S3.5", "S3.8", "S3.12", "S3.13", "S3.14", "S3.17"] },
    );
  });
});
