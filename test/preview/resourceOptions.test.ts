import assert from "node:assert/strict";
import { runPack } from "../../preview/pack";
import type { PlanResource } from "../../preview/plan";
import { requireResourcesDeletionProtection } from "../../policies/rules/require-resources-deletion-protection";

const POLICY = requireResourcesDeletionProtection.name;
const TAGS = { Environment: "prod", Project: "mlops-platform", Owner: "ml@example.com", CostCenter: "ML-1" };

function bucket(name: string, protect: boolean): PlanResource {
  const type = "aws:s3/bucket:Bucket";
  const inputs = { bucket: name, forceDestroy: false, tags: TAGS };
  return {
    urn: `urn:pulumi:prod::mlops::${type}::${name}`,
    type,
    name,
    id: name,
    parent: "",
    custom: true,
    dependencies: [],
    propertyDependencies: {},
    options: { protect, retainOnDelete: false, deleteBeforeReplace: false },
    inputs,
    outputs: { ...inputs, arn: `arn:aws:s3:::${name}` },
  };
}

describe("the resource options the offline preview gives the pack", function () {
  // Starts the compiled pack (compiled once per checkout).
  this.timeout(60_000);

  it("include `protect`, as the engine's: the pack sees which resources Pulumi may delete", async () => {
    const kept = bucket("mlops-prod-kept", true);
    const exposed = bucket("mlops-prod-exposed", false);
    const findings = await runPack([kept, exposed], { stack: "prod" });
    assert.deepEqual(
      findings.filter((finding) => finding.policy === POLICY),
      [
        {
          policy: POLICY,
          enforcementLevel: "mandatory",
          urn: exposed.urn,
          message:
            `${requireResourcesDeletionProtection.description}\n` +
            `Resource "mlops-prod-exposed" (aws:s3/bucket:Bucket) is not protected: \`pulumi destroy\`, or a change that replaces it, deletes it with the data in it; set the resource option protect: true (the platform's components set it when mlops:storage.protectFromDeletion is true).`,
        },
      ],
    );
  });
});
