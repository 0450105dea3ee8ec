import assert from "node:assert/strict";
import { planEndpoints } from "../../registry/endpointPackages";
import type { DeployablePackage, ModelPackageRequest } from "../../registry/modelPackages";
import { parseStackConfig } from "../../stacks/config";

const arn = (group: string, version: number) =>
  `arn:aws:sagemaker:us-east-1:123456789012:model-package/${group}/${version}`;

function deployable(packageArn: string): DeployablePackage {
  const [, groupName, version] = /model-package\/([^/]+)\/(\d+)$/.exec(packageArn) ?? [];
  return {
    arn: packageArn,
    groupName,
    version: Number(version),
    approvalStatus: "Approved",
    containers: [{ image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1" }],
  };
}

/** A registry where "churn" has approved version 4 and every other group is empty. */
function fakeRegistry() {
  const requests: ModelPackageRequest[] = [];
  const resolve = async (request: ModelPackageRequest) => {
    requests.push(request);
    if (request.modelPackage !== "latest-approved") return deployable(request.modelPackage);
    return request.groupName === "mlops-prod-churn" ? deployable(arn("mlops-prod-churn", 4)) : undefined;
  };
  return { requests, resolve };
}

function config(models: Record<string, unknown>[]) {
  return parseStackConfig("prod", {
    environment: "prod",
    tags: { Project: "p", Owner: "o@example.com", CostCenter: "c" },
    alerts: { emails: ["o@example.com"] },
    models,
  });
}

describe("planEndpoints", () => {
  it("resolves each enabled endpoint's primary, challengers and shadow, with their config paths", async () => {
    const registry = fakeRegistry();
    const plans = await planEndpoints(
      config([
        { name: "off", endpoint: { enabled: false } },
        {
          name: "churn",
          endpoint: {
            initialInstanceCount: 2,
            challengers: [
              { name: "challenger", modelPackage: arn("mlops-prod-churn", 3), initialInstanceCount: 2 },
            ],
          },
        },
        {
          name: "fraud",
          endpoint: { modelPackage: arn("mlops-prod-fraud", 2), shadow: { modelPackage: "latest-approved" } },
        },
      ]),
      registry.resolve,
    );
    assert.deepEqual(plans, [
      {
        model: "churn",
        packages: {
          primary: deployable(arn("mlops-prod-churn", 4)),
          challengers: [deployable(arn("mlops-prod-churn", 3))],
          shadow: undefined,
        },
        notes: [],
      },
      {
        model: "fraud",
        packages: { primary: deployable(arn("mlops-prod-fraud", 2)), challengers: [], shadow: undefined },
        notes: ['shadow variant "shadow" is left out: "mlops-prod-fraud" has no approved version'],
      },
    ]);
    assert.deepEqual(registry.requests.map((r) => [r.groupName, r.configPath]).sort(), [
      ["mlops-prod-churn", "models[1].endpoint.challengers[0].modelPackage"],
      ["mlops-prod-churn", "models[1].endpoint.modelPackage"],
      ["mlops-prod-fraud", "models[2].endpoint.modelPackage"],
      ["mlops-prod-fraud", "models[2].endpoint.shadow.modelPackage"],
    ]);
  });

  it("skips a model whose registry has no approved version, saying what to do", async () => {
    const [plan] = await planEndpoints(config([{ name: "fraud" }]), fakeRegistry().resolve);
    assert.deepEqual(plan, {
      model: "fraud",
      skipped:
        'model package group "mlops-prod-fraud" has no approved version yet, so endpoint "mlops-prod-fraud" is not deployed. ' +
        'Run pipeline "mlops-prod-fraud", approve the version you want in the model registry, then run `pulumi up` again.',
    });
  });

  it("looks up at most four models at a time, and keeps the models' order", async () => {
    let running = 0;
    let peak = 0;
    const resolve = async (request: ModelPackageRequest) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return deployable(arn(request.groupName, 1));
    };
    const names = Array.from({ length: 10 }, (_, i) => `m${i}`);
    const plans = await planEndpoints(config(names.map((name) => ({ name }))), resolve);
    assert.deepEqual(
      plans.map((p) => p.model),
      names,
    );
    assert.equal(peak, 4);
  });

  it("passes a failed look-up on, so that nothing is created", async () => {
    const failing = async () => {
      throw new Error("Could not read model packages: access denied");
    };
    await assert.rejects(planEndpoints(config([{ name: "churn" }]), failing), /access denied/);
  });
});
