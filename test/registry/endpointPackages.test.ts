import assert from "node:assert/strict";
import { planEndpoints } from "../../registry/endpointPackages";
import type { DeployablePackage, ModelPackageRequest, PackageLookup } from "../../registry/modelPackages";
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
        info: [],
      },
      {
        model: "fraud",
        packages: { primary: deployable(arn("mlops-prod-fraud", 2)), challengers: [], shadow: undefined },
        notes: ['shadow variant "shadow" is left out: "mlops-prod-fraud" has no approved version'],
        info: [],
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

describe("planEndpoints for a model served from another stack's registry", () => {
  const SOURCE = "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-diagnosis";
  const sourceArn = (version: number) =>
    `arn:aws:sagemaker:us-east-1:111111111111:model-package/mlops-staging-diagnosis/${version}`;
  const RUN = "https://github.com/acme/mlops/actions/runs/42";
  const served = (
    endpoint: Record<string, unknown>,
    source: Record<string, unknown> = { verifiedIn: "staging" },
  ) =>
    config([
      { name: "churn" },
      { name: "diagnosis", source: { modelPackageGroupArn: SOURCE, ...source }, endpoint },
    ]);
  /** A source registry whose latest-verified and latest-approved answer as given; pinned ARNs resolve as themselves. */
  function sourceRegistry(answers: {
    verified?: PackageLookup;
    approved?: PackageLookup;
    pinned?: Partial<DeployablePackage>;
  }) {
    const requests: ModelPackageRequest[] = [];
    const resolve = async (request: ModelPackageRequest): Promise<PackageLookup> => {
      requests.push(request);
      if (request.groupName !== SOURCE) return deployable(arn(request.groupName, 1));
      if (request.modelPackage === "latest-verified") return answers.verified;
      if (request.modelPackage === "latest-approved") return answers.approved;
      return { ...deployable(request.modelPackage), ...answers.pinned };
    };
    return { requests, resolve };
  }

  it("looks up latest-verified in the source group with the environment that verifies, and notes the verification", async () => {
    const found = {
      ...deployable(sourceArn(3)),
      lifecycle: { stage: "staging", stageStatus: "Verified", stageDescription: RUN },
      stageStatuses: { staging: "Verified" },
    };
    const registry = sourceRegistry({ verified: found });
    const plans = await planEndpoints(served({ modelPackage: "latest-verified" }), registry.resolve);

    assert.deepEqual(plans[1], {
      model: "diagnosis",
      packages: { primary: found, challengers: [], shadow: undefined },
      // A verified version is logged for the record; nothing needs a person's attention.
      notes: [],
      info: [`serves ${sourceArn(3)}, verified in staging (${RUN})`],
    });
    // The stack's own model still looks in its own registry, without verifiedIn.
    assert.deepEqual(registry.requests, [
      {
        groupName: "mlops-prod-churn",
        modelPackage: "latest-approved",
        configPath: "models[0].endpoint.modelPackage",
      },
      {
        groupName: SOURCE,
        modelPackage: "latest-verified",
        verifiedIn: "staging",
        configPath: "models[1].endpoint.modelPackage",
      },
    ]);
  });

  it("notes a verification kept in the metadata after the lifecycle moved on, and one without description", async () => {
    const movedOn = {
      ...deployable(sourceArn(3)),
      lifecycle: { stage: "prod", stageStatus: "Deployed", stageDescription: `${RUN}/prod` },
      stageStatuses: { staging: "Verified", prod: "Deployed" },
    };
    const [, plan] = await planEndpoints(
      served({ modelPackage: "latest-verified" }),
      sourceRegistry({ verified: movedOn }).resolve,
    );
    assert.deepEqual(plan?.packages && plan.info, [
      `serves ${sourceArn(3)}, verified in staging (CustomerMetadataProperties "lifecycle:staging": "Verified"; ` +
        "its ModelLifeCycle has moved on to prod Deployed)",
    ]);

    const bare = { ...deployable(sourceArn(4)), lifecycle: { stage: "staging", stageStatus: "Verified" } };
    const [, barePlan] = await planEndpoints(
      served({ modelPackage: "latest-verified" }),
      sourceRegistry({ verified: bare }).resolve,
    );
    assert.deepEqual(barePlan?.packages && barePlan.info, [`serves ${sourceArn(4)}, verified in staging`]);
  });

  it("skips the endpoint until a version is verified, saying how to verify and promote one", async () => {
    const [, plan] = await planEndpoints(
      served({ modelPackage: "latest-verified" }),
      sourceRegistry({}).resolve,
    );
    assert.deepEqual(plan, {
      model: "diagnosis",
      skipped:
        `no approved version of model package group "${SOURCE}" has been verified in staging yet, so endpoint ` +
        '"mlops-prod-diagnosis" is not deployed. To serve the newest approved version, deploy it in the staging ' +
        "stack, verify it there and run `npm run ops -- promote <the staging stack> diagnosis`, then run " +
        "`pulumi up` again.",
    });
  });

  it("says when it stopped looking after the newest approved versions", async () => {
    const [, plan] = await planEndpoints(
      served({ modelPackage: "latest-verified" }),
      sourceRegistry({ verified: { examined: 100 } }).resolve,
    );
    assert.deepEqual(plan, {
      model: "diagnosis",
      skipped:
        `none of the 100 newest approved versions of model package group "${SOURCE}" has been verified in staging ` +
        '(older ones are not examined: at most 100), so endpoint "mlops-prod-diagnosis" is not deployed. To serve ' +
        "the newest approved version, deploy it in the staging stack, verify it there and run " +
        "`npm run ops -- promote <the staging stack> diagnosis`; or pin a verified version in " +
        "models[1].endpoint.modelPackage. Then run `pulumi up` again.",
    });
  });

  it("skips latest-approved of a source group without approved versions, pointing at the stack that builds it", async () => {
    const [, plan] = await planEndpoints(served({}, {}), sourceRegistry({}).resolve);
    assert.deepEqual(plan, {
      model: "diagnosis",
      skipped:
        `model package group "${SOURCE}" (source.modelPackageGroupArn) has no approved version yet, so endpoint ` +
        '"mlops-prod-diagnosis" is not deployed. The stack that owns that registry builds the model: run its ' +
        "pipeline there and approve the version you want, then run `pulumi up` again.",
    });
  });

  it("serves a pinned version of the source group, noting whether it was verified", async () => {
    const pinned = served({ modelPackage: sourceArn(2) });
    const verified = await planEndpoints(
      pinned,
      sourceRegistry({ pinned: { stageStatuses: { staging: "Verified" } } }).resolve,
    );
    assert.deepEqual(verified[1]?.packages && verified[1].info, [
      `serves ${sourceArn(2)}, verified in staging (CustomerMetadataProperties "lifecycle:staging": "Verified")`,
    ]);

    const registry = sourceRegistry({ pinned: { lifecycle: { stage: "staging", stageStatus: "Failed" } } });
    const unverified = await planEndpoints(pinned, registry.resolve);
    assert.deepEqual(unverified[1]?.packages && unverified[1].notes, [
      `serves ${sourceArn(2)} (pinned in models[1].endpoint.modelPackage), which has not been verified in ` +
        'staging; "latest-verified" serves only what staging verified',
    ]);
    assert.deepEqual(registry.requests[1], {
      groupName: SOURCE,
      modelPackage: sourceArn(2),
      verifiedIn: "staging",
      configPath: "models[1].endpoint.modelPackage",
    });

    // Without source.verifiedIn no environment's verification is asked for, and none is noted.
    const plain = await planEndpoints(served({ modelPackage: sourceArn(2) }, {}), sourceRegistry({}).resolve);
    assert.deepEqual(plain[1]?.packages && plain[1].notes, []);
  });

  it("notes latest-approved of a source group that the environment has not verified", async () => {
    const [, plan] = await planEndpoints(
      served({}),
      sourceRegistry({ approved: deployable(sourceArn(5)) }).resolve,
    );
    assert.deepEqual(plan?.packages && plan.notes, [
      `serves ${sourceArn(5)} ("latest-approved" in models[1].endpoint.modelPackage), which has not been ` +
        'verified in staging; "latest-verified" serves only what staging verified',
    ]);
  });
});
