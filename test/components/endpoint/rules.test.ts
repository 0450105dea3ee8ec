import assert from "node:assert/strict";
import { endpointRuleProblems, EndpointRuleInput } from "../../../components/endpoint/rules";
import { ModelEndpoint } from "../../../components/endpoint/modelEndpoint";
import { parseStackConfig } from "../../../stacks/config";
import { ConfigError } from "../../../stacks/errors";
import { TEST_ACCOUNT, TEST_BOUNDARY_ARN } from "../../helpers/account";
import { recordResources, settle } from "../../helpers/mocks";

const XGBOOST = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const PACKAGE_ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-staging-diagnosis/3";

/** An endpoint with a primary and one challenger, as the stack config writes it. */
function configEndpoint(
  primary: Record<string, unknown>,
  challenger: Record<string, unknown>,
  deployment = {},
) {
  return {
    variants: [
      { at: "", variant: primary },
      { at: "challengers[0]", variant: challenger },
    ],
    names: [
      { at: "variantName", name: "primary" },
      { at: "challengers[0].name", name: "b" },
    ],
    deployment,
    inNetwork: false,
  } satisfies EndpointRuleInput;
}

describe("endpoint rules across keys", () => {
  it("keeps the first fleet within its scaling range, on both sides", () => {
    const problems = endpointRuleProblems(
      configEndpoint(
        { initialInstanceCount: 5, autoscaling: { minCapacity: 2, maxCapacity: 4 } },
        { autoscaling: { minCapacity: 2, maxCapacity: 3 } },
      ),
    );
    assert.deepEqual(problems, [
      {
        key: "initialInstanceCount",
        value: 5,
        message:
          "must be at most autoscaling.maxCapacity (4) so the endpoint starts within its scaling range",
      },
      {
        key: "challengers[0].initialInstanceCount",
        value: 1,
        message:
          "must be at least autoscaling.minCapacity (2) so the endpoint starts within its scaling range",
      },
    ]);
  });

  it("needs two instances in every instance-based variant to shift traffic in steps", () => {
    const problems = endpointRuleProblems(
      configEndpoint({ initialInstanceCount: 2 }, { initialInstanceCount: 1 }, { strategy: "LINEAR" }),
    );
    assert.deepEqual(problems, [
      {
        key: "deployment.strategy",
        value: "LINEAR",
        message:
          "needs at least 2 instances (challengers[0].initialInstanceCount) to shift traffic in steps; use ALL_AT_ONCE",
      },
    ]);
  });

  it("treats an endpoint with any serverless variant as serverless: SageMaker does not mix them", () => {
    const problems = endpointRuleProblems(
      configEndpoint({}, { serverless: { memorySizeInMb: 2048, maxConcurrency: 5 } }),
    );
    assert.deepEqual(
      problems.map((problem) => problem.key),
      ["dataCapture.enabled", "challengers"],
    );
  });

  it("refuses the same request with the same words in the stack config and in ModelEndpoint", async () => {
    const raw = {
      environment: "staging",
      tags: { Project: "mlops-platform", Owner: "ml@example.com", CostCenter: "ML-1" },
      alerts: { emails: ["oncall@example.com"] },
      models: [
        {
          name: "diagnosis",
          endpoint: {
            initialInstanceCount: 2,
            deployment: { strategy: "CANARY", waitIntervalSeconds: 600, maximumExecutionTimeoutSeconds: 600 },
          },
        },
      ],
    };
    const configProblems = (() => {
      try {
        parseStackConfig("staging", raw);
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.map((problem) => problem.message);
      }
      return [];
    })();
    const recorded = recordResources();
    assert.throws(
      () =>
        new ModelEndpoint("mlops-staging-diagnosis", {
          account: TEST_ACCOUNT,
          variants: [
            {
              name: "primary",
              modelPackage: { arn: PACKAGE_ARN, containers: [{ image: XGBOOST }] },
              initialInstanceCount: 2,
            },
          ],
          deployment: { strategy: "CANARY", waitIntervalSeconds: 600, maximumExecutionTimeoutSeconds: 600 },
          kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666",
          permissionsBoundaryArn: TEST_BOUNDARY_ARN,
          alertTopicArn: "arn:aws:sns:us-east-1:123456789012:mlops-staging-diagnosis-alerts",
          dataCapture: { bucketName: "mlops-staging-diagnosis-data" },
          tags: {},
        }),
      {
        message:
          "ModelEndpoint mlops-staging-diagnosis: deployment.maximumExecutionTimeoutSeconds 600 " +
          `${configProblems[0]}.`,
      },
    );
    assert.deepEqual(configProblems, [
      "must be longer than waitIntervalSeconds + terminationWaitSeconds (600)",
    ]);
    await settle(recorded);
    assert.deepEqual(recorded, []);
  });
});
