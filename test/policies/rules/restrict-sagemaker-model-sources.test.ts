import assert from "node:assert/strict";
import { restrictSagemakerModelSources as rule } from "../../../policies/rules/restrict-sagemaker-model-sources";
import { checkResource, UNKNOWN, usePolicyDay } from "../../helpers/policyArgs";

const MODEL = "aws:sagemaker/model:Model";
const STAGING_GROUPS = "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-*";
const VERSION = "arn:aws:sagemaker:us-east-1:111111111111:model-package/mlops-staging-diagnosis/4";
const CONFIG = { allowedModelPackageGroups: [STAGING_GROUPS] };

/** A model as ModelEndpoint creates it: from a model package, isolated. */
const servedModel = (modelPackageName: unknown) => ({
  executionRoleArn: "arn:aws:iam::222222222222:role/mlops-prod-diagnosis-model-role",
  primaryContainer: { modelPackageName },
  enableNetworkIsolation: true,
});

describe("restrict-sagemaker-model-sources", () => {
  usePolicyDay("2026-12-06");
  const check = (props: Record<string, unknown>, config: Record<string, unknown> = CONFIG) =>
    checkResource(rule, MODEL, props, { name: "subject", config });

  it("passes a version of a configured source group, exact or by pattern", async () => {
    for (const allowed of [
      [STAGING_GROUPS],
      [VERSION.replace("model-package/", "model-package-group/").replace(/\/4$/, "")],
    ]) {
      const outcome = await check(servedModel(VERSION), { allowedModelPackageGroups: allowed });
      assert.deepEqual(outcome.violations, [], allowed[0]);
    }
  });

  it("refuses a hand-pinned version of an unknown account or group, naming both and the fix", async () => {
    const foreign = "arn:aws:sagemaker:us-east-1:333333333333:model-package/mlops-staging-diagnosis/4";
    assert.deepEqual((await check(servedModel(foreign))).violations, [
      `Model "subject": primaryContainer.modelPackageName "${foreign}" is a version of ` +
        "arn:aws:sagemaker:us-east-1:333333333333:model-package-group/mlops-staging-diagnosis (account 333333333333), " +
        `which is not one of the stack's model sources (allowedModelPackageGroups: ["${STAGING_GROUPS}"]); serve a ` +
        "version of a configured source registry, or add its group to allowedModelPackageGroups in the pack config.",
    ]);
    const otherGroup = "arn:aws:sagemaker:us-east-1:111111111111:model-package/fraud-team-model/2";
    assert.equal((await check(servedModel(otherGroup))).violations.length, 1);
  });

  it("checks every container, and refuses what is not a versioned package ARN", async () => {
    const props = {
      ...servedModel(undefined),
      primaryContainer: undefined,
      containers: [{ modelPackageName: VERSION }, { modelPackageName: "my-package" }],
    };
    assert.deepEqual((await check(props)).violations, [
      'Model "subject": containers[1].modelPackageName "my-package" is not a versioned model package ARN, so its ' +
        "registry cannot be told.",
    ]);
  });

  it("refuses every package while no source is configured", async () => {
    assert.equal((await check(servedModel(VERSION), {})).violations.length, 1);
  });

  it("does not apply to a model created from an image", async () => {
    const outcome = await check({
      primaryContainer: { image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1" },
    });
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.notApplicable, ["the model is created from an image, not from a model package"]);
  });

  it("during preview, gives the engine's advisory for an unknown package", async () => {
    const outcome = await check(servedModel(UNKNOWN.string));
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.unknown, [
      "can't run during preview: string value at .primaryContainer.modelPackageName can't be known during preview",
    ]);
  });
});
