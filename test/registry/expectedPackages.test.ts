import assert from "node:assert/strict";
import {
  checkExpectedPackages,
  EXPECTED_PACKAGES_VARIABLE,
  parseExpectedPackages,
} from "../../registry/expectedPackages";
import type { EndpointPlan } from "../../registry/endpointPackages";
import type { DeployablePackage } from "../../registry/modelPackages";
import { ModelPackageLookupError } from "../../registry/errors";

const GROUP = "arn:aws:sagemaker:us-east-1:111111111111:model-package/mlops-staging-diagnosis";
const version = (n: number): DeployablePackage => ({
  arn: `${GROUP}/${n}`,
  groupName: "mlops-staging-diagnosis",
  version: n,
  approvalStatus: "Approved",
  containers: [{ image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1" }],
});
const served = (model: string, n: number): EndpointPlan => ({
  model,
  packages: { primary: version(n), challengers: [] },
  notes: [],
});
const CONFIG = {
  models: [
    { name: "diagnosis", endpoint: { modelPackage: "latest-verified" } },
    { name: "churn", endpoint: { modelPackage: "latest-verified" } },
  ],
} as unknown as Parameters<typeof checkExpectedPackages>[0];

function failure(run: () => void): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ModelPackageLookupError, String(error));
    return error.message;
  }
  assert.fail("expected a ModelPackageLookupError");
}

describe("the packages a deploy expects (MLOPS_EXPECTED_MODEL_PACKAGES)", () => {
  it("reads a model-to-ARN object; unset or empty means no expectation", () => {
    assert.equal(EXPECTED_PACKAGES_VARIABLE, "MLOPS_EXPECTED_MODEL_PACKAGES");
    assert.equal(parseExpectedPackages(undefined), undefined);
    assert.equal(parseExpectedPackages("  "), undefined);
    assert.deepEqual(parseExpectedPackages(`{"diagnosis":"${GROUP}/4"}`), { diagnosis: `${GROUP}/4` });
  });

  it("refuses text that is not such an object, listing every bad entry", () => {
    assert.match(
      failure(() => parseExpectedPackages("{diagnosis")),
      /^MLOPS_EXPECTED_MODEL_PACKAGES is not JSON \(/,
    );
    assert.equal(
      failure(() => parseExpectedPackages(`["${GROUP}/4"]`)),
      'MLOPS_EXPECTED_MODEL_PACKAGES is not an object; expected {"<model>": "<model package ARN>"}',
    );
    assert.equal(
      failure(() => parseExpectedPackages(`{"diagnosis": "${GROUP}", "churn": 4}`)),
      "MLOPS_EXPECTED_MODEL_PACKAGES has problems:\n" +
        `  - diagnosis: "${GROUP}" is not a versioned model package ARN\n` +
        "  - churn: 4 is not a versioned model package ARN",
    );
  });

  it("passes when each named model serves its package, whatever the others serve", () => {
    assert.doesNotThrow(() =>
      checkExpectedPackages(CONFIG, [served("diagnosis", 4), served("churn", 9)], {
        diagnosis: `${GROUP}/4`,
      }),
    );
    assert.doesNotThrow(() => checkExpectedPackages(CONFIG, [served("diagnosis", 5)], undefined));
  });

  it("stops the deploy, naming each disagreement: a newer version, none verified, an unknown model", () => {
    const skipped: EndpointPlan = {
      model: "churn",
      skipped: "no approved version has been verified in staging yet",
    };
    assert.equal(
      failure(() =>
        checkExpectedPackages(CONFIG, [served("diagnosis", 5), skipped], {
          diagnosis: `${GROUP}/4`,
          churn: `${GROUP}/2`,
          fraud: `${GROUP}/1`,
        }),
      ),
      [
        "This deploy must serve the model packages in MLOPS_EXPECTED_MODEL_PACKAGES, and nothing was changed:",
        `  - diagnosis: expected ${GROUP}/4, but models[0].endpoint.modelPackage "latest-verified" resolves to ${GROUP}/5`,
        `  - churn: expected ${GROUP}/2, but models[1].endpoint.modelPackage "latest-verified" resolves to no ` +
          "version (no approved version has been verified in staging yet)",
        "  - fraud: the stack has no such model (models: diagnosis, churn)",
        "A newer version was verified or approved since (its own deploy serves it), or the expected one is not " +
          "verified or approved: check the model registry, or pin the version in Pulumi.<stack>.yaml.",
      ].join("\n"),
    );
  });
});
