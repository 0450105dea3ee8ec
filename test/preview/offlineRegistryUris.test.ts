import assert from "node:assert/strict";
import { mockResource } from "../../preview/mocks";
import { standInPackage } from "../../preview/offlineRegistry";
import type { PlanResource } from "../../preview/plan";
import { runProgramOffline } from "../../preview/run";

const ACCOUNT = { accountId: "123456789012", region: "eu-west-1" };

/** The buckets named in `arn:aws:s3:::<bucket>` ARNs of a resource's inputs, but for name patterns (`prefix-*`). */
function bucketsIn(resource: PlanResource): string[] {
  const names = [...JSON.stringify(resource.inputs).matchAll(/arn:aws:s3:::([a-z0-9.*-]+)/g)].map(
    (match) => match[1] ?? "",
  );
  return [...new Set(names)].filter((name) => !name.includes("*"));
}

describe("offline model registry stand-in", () => {
  it("puts a version's artifacts and baseline in the bucket its pipeline creates", () => {
    const group = "mlops-staging-diagnosis";
    // The pipeline's artifacts bucket: SecureBucket `<group>-artifacts`, named by AWS (the mock).
    const { bucket } = mockResource("aws:s3/bucket:Bucket", `${group}-artifacts`, {}, ACCOUNT).state as {
      bucket: string;
    };
    const stand = standInPackage(
      `arn:aws:sagemaker:eu-west-1:123456789012:model-package/${group}/3`,
      "eu-west-1",
    );
    const run = `s3://${bucket}/pipelines/offline-v3`;
    assert.deepEqual(stand.containers[0]?.modelDataUrl, `${run}/Train/model/model.tar.gz`);
    assert.equal(
      stand.dataQualityBaseline?.statisticsUri,
      `${run}/DataQualityBaseline/baseline/statistics.json`,
    );
    assert.equal(
      stand.dataQualityBaseline?.constraintsUri,
      `${run}/DataQualityBaseline/baseline/constraints.json`,
    );
  });

  it("leaves no IAM document of the staging plan naming a bucket the plan does not create", async () => {
    const plan = await runProgramOffline({ stack: "staging" });
    const buckets = new Set(
      plan.resources
        .filter((resource) => resource.type === "aws:s3/bucket:Bucket")
        .map((r) => r.outputs.bucket),
    );
    const documents = plan.resources.filter((resource) =>
      /^aws:iam\/(rolePolicy|policy):/.test(resource.type),
    );
    assert.ok(documents.length > 0);
    const named = documents.flatMap((resource) =>
      bucketsIn(resource).map((bucket) => ({ resource, bucket })),
    );
    // The model's role reads its artifacts, the monitoring role its baseline: both name the artifacts bucket.
    assert.ok(named.some(({ bucket }) => bucket.includes("-artifacts-")));
    for (const { resource, bucket } of named) assert.ok(buckets.has(bucket), `${resource.name}: ${bucket}`);
  });
});
