import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { modelsByGroup, offlineResolver, standInPackage } from "../../preview/offlineRegistry";
import { runProgramOffline } from "../../preview/run";
import { REPOSITORY_ROOT } from "../../preview/stackFile";
import { capturingLogs } from "../helpers/program";

/** The building stack's registry (staging, its own account) that a serving stack's model names. */
const SOURCE = "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-diagnosis";
const sourceArn = (version: number) =>
  `arn:aws:sagemaker:us-east-1:111111111111:model-package/mlops-staging-diagnosis/${version}`;
/** The serving stack: prod's account. */
const PROD = { accountId: "222222222222", region: "us-east-1" };
const ownArn = (version: number) =>
  `arn:aws:sagemaker:us-east-1:222222222222:model-package/mlops-prod-churn/${version}`;

/** prod's models: churn built here, diagnosis served from staging's registry. */
const STACK = {
  namePrefix: "mlops-prod",
  models: [{ name: "churn" }, { name: "diagnosis", source: { modelPackageGroupArn: SOURCE } }],
};

describe("offline model registry: a model served from another stack's registry", () => {
  /** A look-up of the served model's primary variant; `verifiedIn` is source.verifiedIn, or none. */
  const request = (modelPackage: string, source: { verifiedIn?: string } = { verifiedIn: "staging" }) => ({
    groupName: SOURCE,
    modelPackage,
    configPath: "models[1].endpoint.modelPackage",
    ...source,
  });

  it("keys a served model by its source group ARN, a built one by its group name", () => {
    assert.deepEqual(
      modelsByGroup(STACK),
      new Map([
        ["mlops-prod-churn", "churn"],
        [SOURCE, "diagnosis"],
      ]),
    );
  });

  it("stands in version 1 of the source group, in the source's account, verified in verifiedIn", async () => {
    const registry = offlineResolver({ ...PROD, packages: new Map(), models: modelsByGroup(STACK) });

    const found = await registry.resolve(request("latest-verified"));

    assert.deepEqual(found, {
      ...standInPackage(sourceArn(1), "us-east-1"),
      lifecycle: { stage: "staging", stageStatus: "Verified" },
    });
    assert.deepEqual(registry.notes, [
      `models[1].endpoint.modelPackage: ${sourceArn(1)} (assumed for "latest-verified": version 1 of ${SOURCE}, ` +
        "taken as verified in staging; pass --model-package diagnosis=<ARN> to choose)",
    ]);
  });

  it("stands in latest-approved of the source group too, without verification when verifiedIn is unset", async () => {
    const registry = offlineResolver({ ...PROD, packages: new Map(), models: modelsByGroup(STACK) });

    assert.deepEqual(
      await registry.resolve(request("latest-approved", {})),
      standInPackage(sourceArn(1), "us-east-1"),
    );
    assert.deepEqual(registry.notes, [
      `models[1].endpoint.modelPackage: ${sourceArn(1)} (assumed for "latest-approved": version 1 of ${SOURCE}; ` +
        "pass --model-package diagnosis=<ARN> to choose)",
    ]);
  });

  it("serves the version given with --model-package, or pinned in the stack file, taken as verified", async () => {
    const registry = offlineResolver({
      ...PROD,
      packages: new Map([[SOURCE, sourceArn(7)]]),
      models: modelsByGroup(STACK),
    });

    assert.equal((await registry.resolve(request("latest-verified")))?.arn, sourceArn(7));
    assert.deepEqual((await registry.resolve(request(sourceArn(3)))) as unknown, {
      ...standInPackage(sourceArn(3), "us-east-1"),
      lifecycle: { stage: "staging", stageStatus: "Verified" },
    });
    assert.deepEqual(registry.notes, [
      `models[1].endpoint.modelPackage: ${sourceArn(7)} (given with --model-package, taken as verified in staging)`,
      `models[1].endpoint.modelPackage: ${sourceArn(3)} (pinned in the stack file, taken as approved and verified ` +
        "in staging)",
    ]);
  });
});

describe("offline model registry taken as empty (emptyRegistry)", () => {
  it("finds nothing for latest-approved and latest-verified, and still resolves pinned versions", async () => {
    const registry = offlineResolver({
      ...PROD,
      packages: new Map(),
      models: modelsByGroup(STACK),
      emptyRegistry: true,
    });

    assert.equal(
      await registry.resolve({
        groupName: "mlops-prod-churn",
        modelPackage: "latest-approved",
        configPath: "models[0].endpoint.modelPackage",
      }),
      undefined,
    );
    assert.equal(
      await registry.resolve({
        groupName: SOURCE,
        modelPackage: "latest-verified",
        verifiedIn: "staging",
        configPath: "models[1].endpoint.modelPackage",
      }),
      undefined,
    );
    assert.equal(
      (
        await registry.resolve({
          groupName: "mlops-prod-churn",
          modelPackage: ownArn(4),
          configPath: "models[0].endpoint.challengers[0].modelPackage",
        })
      )?.arn,
      ownArn(4),
    );
    assert.deepEqual(registry.notes, [
      'models[0].endpoint.modelPackage: no version ("latest-approved" of mlops-prod-churn finds none: the registry ' +
        "is taken as empty, as on a first deploy, with --empty-registry)",
      `models[1].endpoint.modelPackage: no version ("latest-verified" of ${SOURCE} finds none: the registry is ` +
        "taken as empty, as on a first deploy, with --empty-registry)",
      `models[0].endpoint.challengers[0].modelPackage: ${ownArn(4)} (pinned in the stack file, taken as approved)`,
    ]);
  });
});

describe("the offline plan of a stack that serves a model from another stack's registry", function () {
  this.timeout(60_000);
  let root: string;

  /** prod, with its model served from staging's registry: what a serving stack's file says. */
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), "mlops-served-"));
    writeFileSync(path.join(root, "Pulumi.yaml"), readFileSync(path.join(REPOSITORY_ROOT, "Pulumi.yaml")));
    const prod = parse(readFileSync(path.join(REPOSITORY_ROOT, "Pulumi.prod.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    const [model] = prod.config["mlops:models"] as Record<string, Record<string, unknown>>[];
    delete model.pipeline;
    model.source = { modelPackageGroupArn: SOURCE, verifiedIn: "staging" };
    model.endpoint.modelPackage = "latest-verified";
    // A stack that builds nothing has no approvals to dispatch.
    const delivery = prod.config["mlops:delivery"] as Record<string, Record<string, unknown>>;
    if (delivery.approvalDispatch) delivery.approvalDispatch.enabled = false;
    writeFileSync(path.join(root, "Pulumi.served.yaml"), stringify(prod));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const modelsOf = (plan: Awaited<ReturnType<typeof runProgramOffline>>) =>
    plan.resources
      .filter((resource) => resource.type === "aws:sagemaker/model:Model")
      .map((resource) => resource.inputs.primaryContainer);

  it("serves version 1 of the source group, and says so", async () => {
    const { result: plan, warnings } = await capturingLogs(() =>
      runProgramOffline({ stack: "served", root }),
    );
    // The endpoint's model and batch inference's: the same version.
    assert.deepEqual(modelsOf(plan), [
      { modelPackageName: sourceArn(1) },
      { modelPackageName: sourceArn(1) },
    ]);
    // Nothing to warn about: what was served is kept with the notes.
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      plan.notes?.filter((note) => note.startsWith("program:")),
      [`program: Model "diagnosis": serves ${sourceArn(1)}, verified in staging`],
    );
    assert.deepEqual(
      plan.notes?.filter((note) => note.startsWith("model registry offline:")),
      [
        `model registry offline: models[0].endpoint.modelPackage: ${sourceArn(1)} (assumed for "latest-verified": ` +
          `version 1 of ${SOURCE}, taken as verified in staging; pass --model-package diagnosis=<ARN> to choose)`,
      ],
    );
  });

  it("serves the version given for the served model with --model-package", async () => {
    const { result: plan } = await capturingLogs(() =>
      runProgramOffline({ stack: "served", root, modelPackages: [`diagnosis=${sourceArn(5)}`] }),
    );
    assert.deepEqual(modelsOf(plan), [
      { modelPackageName: sourceArn(5) },
      { modelPackageName: sourceArn(5) },
    ]);
  });

  it("refuses a --model-package outside the source group, naming it", async () => {
    const other = "arn:aws:sagemaker:us-east-1:222222222222:model-package/mlops-staging-diagnosis/5";
    await assert.rejects(
      runProgramOffline({ stack: "served", root, modelPackages: [`diagnosis=${other}`] }),
      {
        name: "InputError",
        message:
          `--model-package "diagnosis=${other}": the package is in group ` +
          "arn:aws:sagemaker:us-east-1:222222222222:model-package-group/mlops-staging-diagnosis, not in model " +
          `"diagnosis"'s source group ${SOURCE} (source.modelPackageGroupArn) (models: diagnosis)`,
      },
    );
  });

  it("deploys no endpoint with an empty registry, and says the registry was taken as empty", async () => {
    const { result: plan, warnings } = await capturingLogs(() =>
      runProgramOffline({ stack: "served", root, emptyRegistry: true }),
    );
    assert.deepEqual(modelsOf(plan), []);
    assert.deepEqual(warnings, [
      `warning: [runtime] Model "diagnosis": no approved version of model package group "${SOURCE}" has been ` +
        'verified in staging yet, so endpoint "mlops-served-diagnosis" is not deployed. To serve the newest ' +
        "approved version, deploy it in the staging stack, verify it there and run " +
        "`npm run ops -- promote <the staging stack> diagnosis`, then run `pulumi up` again.",
      'warning: [runtime] Model "diagnosis": batch inference is not deployed either: it scores with the version ' +
        "the endpoint serves",
    ]);
    assert.deepEqual(
      plan.resources.filter((resource) => resource.type === "aws:sagemaker/endpoint:Endpoint"),
      [],
    );
    assert.deepEqual(
      plan.notes?.filter((note) => note.startsWith("model registry offline:")),
      [
        `model registry offline: models[0].endpoint.modelPackage: no version ("latest-verified" of ${SOURCE} finds ` +
          "none: the registry is taken as empty, as on a first deploy, with --empty-registry)",
      ],
    );
  });
});
