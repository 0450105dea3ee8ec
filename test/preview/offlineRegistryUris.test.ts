import assert from "node:assert/strict";
import { mockResource } from "../../preview/mocks";
import { offlineResolver, standInPackage } from "../../preview/offlineRegistry";
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
  it("puts a version's artifacts and baselines in the bucket its pipeline creates", () => {
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
    // Where the DriftBaseline step writes it, as REGISTERED_VERSION_KEYS names it.
    assert.deepEqual(stand.driftBaseline, {
      uri: `${run}/DriftBaseline/drift-baseline/drift_baseline.json`,
    });
    assert.equal(
      stand.dataQualityBaseline?.statisticsUri,
      `${run}/DataQualityBaseline/baseline/statistics.json`,
    );
    assert.equal(
      stand.dataQualityBaseline?.constraintsUri,
      `${run}/DataQualityBaseline/baseline/constraints.json`,
    );
  });

  it("puts a served model's version in the artifacts bucket of the stack that builds it, in its account", async () => {
    // prod (222222222222) serves staging's (111111111111) group: the bucket is staging's, as staging names it.
    const group = "mlops-staging-diagnosis";
    const building = { accountId: "111111111111", region: "us-east-1" };
    const { bucket } = mockResource("aws:s3/bucket:Bucket", `${group}-artifacts`, {}, building).state as {
      bucket: string;
    };
    const registry = offlineResolver({ accountId: "222222222222", region: "us-east-1", packages: new Map() });
    const stand = await registry.resolve({
      groupName: `arn:aws:sagemaker:us-east-1:111111111111:model-package-group/${group}`,
      modelPackage: "latest-verified",
      verifiedIn: "staging",
      configPath: "models[0].endpoint.modelPackage",
    });
    const run = `s3://${bucket}/pipelines/offline-v1`;
    assert.ok(stand?.arn !== undefined);
    assert.equal(stand.arn, `arn:aws:sagemaker:us-east-1:111111111111:model-package/${group}/1`);
    assert.deepEqual(stand.containers, [
      {
        image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
        modelDataUrl: `${run}/Train/model/model.tar.gz`,
      },
    ]);
    assert.deepEqual(stand.driftBaseline, { uri: `${run}/DriftBaseline/drift-baseline/drift_baseline.json` });
    assert.deepEqual(stand.dataQualityBaseline, {
      statisticsUri: `${run}/DataQualityBaseline/baseline/statistics.json`,
      constraintsUri: `${run}/DataQualityBaseline/baseline/constraints.json`,
      source: "DriftCheckBaselines",
    });
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
