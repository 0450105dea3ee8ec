import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { type ProgramPlan, runProgramOffline, runtimeDebugHooks } from "../../preview/run";
import { knownStacks, readStackConfigFile, REPOSITORY_ROOT, stackAccountId } from "../../preview/stackFile";
import { capturingLogs } from "../helpers/program";

describe("runProgramOffline", () => {
  it("finds the runtime's debugging hooks it turns off while the program runs", () => {
    // If an upgrade of @pulumi/pulumi moves them, the preview would silently run slower.
    const { debuggable, resource } = runtimeDebugHooks();
    assert.equal(typeof debuggable.debuggablePromise, "function");
    assert.equal(typeof resource.callsites, "function");
  });

  it("puts the hooks and stack traces back when the run ends, even in an error", async () => {
    const { debuggable, resource } = runtimeDebugHooks();
    const before = {
      debuggablePromise: debuggable.debuggablePromise,
      callsites: resource.callsites,
      limit: Error.stackTraceLimit,
    };
    await assert.rejects(runProgramOffline({ stack: "staging", modelPackages: ["diagnosis"] }), {
      name: "InputError",
      message: /^--model-package "diagnosis": expected <model>=<versioned model package ARN>/,
    });
    assert.equal(debuggable.debuggablePromise, before.debuggablePromise);
    assert.equal(resource.callsites, before.callsites);
    assert.equal(Error.stackTraceLimit, before.limit);
  });
});

/** A folder with the project's Pulumi.yaml and `Pulumi.<stack>.yaml` of the given text, for `root`. */
function rootWith(stack: string, text: string): string {
  const root = mkdtempSync(path.join(tmpdir(), "mlops-run-"));
  writeFileSync(path.join(root, "Pulumi.yaml"), readFileSync(path.join(REPOSITORY_ROOT, "Pulumi.yaml")));
  writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), text);
  return root;
}

describe("the offline plan's resource options and notes", function () {
  this.timeout(60_000);

  it("records what deleting each resource does, and says the live fleet was not read", async () => {
    const plan = await runProgramOffline({ stack: "prod" });
    const withOption = (option: "protect" | "retainOnDelete" | "deleteBeforeReplace") =>
      plan.resources
        .filter((resource) => resource.options[option])
        .map((resource) => `${resource.type} ${resource.name}`)
        .sort();
    // Replaced configurations and models stay in AWS: SageMaker may roll the endpoint back to them.
    // Batch inference's bucket notification stays too: the model's retraining may share the setting.
    assert.deepEqual(withOption("retainOnDelete"), [
      "aws:s3/bucketNotification:BucketNotification mlops-prod-diagnosis-batch-data-events",
      "aws:sagemaker/endpointConfiguration:EndpointConfiguration mlops-prod-diagnosis-config",
      "aws:sagemaker/model:Model mlops-prod-diagnosis-primary",
    ]);
    assert.deepEqual(withOption("deleteBeforeReplace"), []);
    assert.ok(
      withOption("protect").includes("aws:kms/key:Key mlops-prod-platform-key"),
      withOption("protect").join(),
    );
    assert.deepEqual(
      plan.notes?.filter((note) => note.startsWith("live fleet offline:")),
      [
        "live fleet offline: the variants of endpoint mlops-prod-diagnosis start with their configured " +
          "initialInstanceCount; `pulumi preview` and `pulumi up` start a changed configuration with the live " +
          "fleet's instance count, within each variant's autoscaling bounds",
      ],
    );
    const config = plan.resources.find((resource) => resource.name === "mlops-prod-diagnosis-config");
    assert.deepEqual(
      (config?.inputs.productionVariants as { initialInstanceCount: number }[]).map(
        (v) => v.initialInstanceCount,
      ),
      [2],
    );
  });
});

const STAGING_FILE = readFileSync(path.join(REPOSITORY_ROOT, "Pulumi.staging.yaml"), "utf8");

describe("the stack's AWS account in the offline preview", function () {
  this.timeout(60_000);

  /** The accounts in the ARNs of a plan's resources. */
  const accountsOf = (plan: ProgramPlan) =>
    new Set(
      plan.resources.flatMap((resource) =>
        [
          ...JSON.stringify(resource.outputs).matchAll(
            /arn:aws:(?:sagemaker|sns|kms|iam):[a-z0-9-]*:(\d{12}):/g,
          ),
        ].map((match) => match[1]),
      ),
    );

  for (const stack of knownStacks()) {
    it(`${stack}: ARNs are in the account aws:allowedAccountIds of Pulumi.${stack}.yaml names`, async () => {
      const declared = readStackConfigFile(stack).config["aws:allowedAccountIds"];
      assert.ok(declared !== undefined, `Pulumi.${stack}.yaml declares no aws:allowedAccountIds`);
      const [account] = JSON.parse(declared) as string[];
      // A served model's package (and its artifacts' account) is the building stack's: its ARNs name that
      // account, as models[].source does; everything the stack creates is in its own.
      const sources = readStackConfigFile(stack).config["mlops:models"] ?? "[]";
      const builders = (JSON.parse(sources) as { source?: { modelPackageGroupArn: string } }[]).flatMap(
        (model) => (model.source ? [model.source.modelPackageGroupArn.split(":")[4]] : []),
      );
      const plan = await runProgramOffline({ stack });
      const created = new Set(
        plan.resources.flatMap((resource) =>
          [
            ...JSON.stringify(resource.outputs).matchAll(
              /"arn":"arn:aws:(?:sagemaker|sns|kms|iam):[a-z0-9-]*:(\d{12}):/g,
            ),
          ].map((match) => match[1]),
        ),
      );
      assert.deepEqual([...created], [account]);
      // A stack that builds models names the accounts it shares them with (mlops:promotion) in its policies.
      const promotion = readStackConfigFile(stack).config["mlops:promotion"];
      const consumers =
        promotion === undefined
          ? []
          : (JSON.parse(promotion) as { consumerAccounts: string[] }).consumerAccounts;
      assert.deepEqual(
        [...accountsOf(plan)].sort(),
        [...new Set([account, ...builders, ...consumers])].sort(),
      );
    });
  }

  it("the shipped stacks are in accounts of their own", () => {
    const accounts = ["staging", "prod"].map((stack) =>
      stackAccountId(stack, readStackConfigFile(stack).config),
    );
    assert.equal(new Set(accounts).size, accounts.length, accounts.join(", "));
  });

  it("--account-id overrides the stack file's account", async () => {
    const plan = await runProgramOffline({ stack: "staging", accountId: "333333333333" });
    // Besides prod's account, with which staging shares its models.
    assert.deepEqual([...accountsOf(plan)].sort(), ["222222222222", "333333333333"]);
  });

  it("a value that is not a list of 12-digit account ids is an error naming the file and the key", async () => {
    for (const value of ['["1234"]', "111111111111", "[]", '"111111111111"']) {
      const root = rootWith(
        "qa",
        STAGING_FILE.replace(/aws:allowedAccountIds: .*/, `aws:allowedAccountIds: ${value}`),
      );
      try {
        await assert.rejects(runProgramOffline({ stack: "qa", root }), {
          name: "InputError",
          message:
            /^Pulumi\.qa\.yaml: aws:allowedAccountIds: .+ must be a list of 12-digit AWS account ids, quoted, e\.g\. \["111111111111"\]: the account the stack deploys to$/,
        });
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
  });
});

describe("a stack file that is not valid YAML", () => {
  it("is reported with the file, line and column, and the offending line", () => {
    // A key written twice: the second one is the error.
    const broken = STAGING_FILE.replace("  mlops:tags:\n", "  aws:region: eu-west-1\n  mlops:tags:\n");
    const line = broken.split("\n").indexOf("  aws:region: eu-west-1") + 1;
    const root = rootWith("qa", broken);
    try {
      assert.throws(
        () => readStackConfigFile("qa", root),
        (error: Error) => {
          assert.equal(error.name, "InputError");
          const [first, ...rest] = error.message.split("\n");
          assert.equal(first, `Pulumi.qa.yaml:${line}:3: not valid YAML: Map keys must be unique`);
          assert.ok(
            rest.some((text) => text === "  aws:region: eu-west-1"),
            error.message,
          );
          assert.ok(
            rest.some((text) => /^\s*\^/.test(text)),
            error.message,
          );
          return true;
        },
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("an empty model registry offline (emptyRegistry)", function () {
  this.timeout(60_000);

  it("deploys no endpoint for latest-approved, as on a first deploy, and says the registry was taken as empty", async () => {
    const { result: plan, warnings } = await capturingLogs(() =>
      runProgramOffline({ stack: "staging", emptyRegistry: true }),
    );
    assert.deepEqual(warnings, [
      'warning: [runtime] Model "diagnosis": model package group "mlops-staging-diagnosis" has no approved version ' +
        'yet, so endpoint "mlops-staging-diagnosis" is not deployed. Run pipeline "mlops-staging-diagnosis", approve ' +
        "the version you want in the model registry, then run `pulumi up` again.",
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
        'model registry offline: models[0].endpoint.modelPackage: no version ("latest-approved" of ' +
          "mlops-staging-diagnosis finds none: the registry is taken as empty, as on a first deploy, with " +
          "--empty-registry)",
      ],
    );
  });

  it("is refused with --model-package, which would have nothing to choose from", async () => {
    await assert.rejects(
      runProgramOffline({
        stack: "staging",
        emptyRegistry: true,
        modelPackages: [
          "diagnosis=arn:aws:sagemaker:us-east-1:111111111111:model-package/mlops-staging-diagnosis/3",
        ],
      }),
      {
        name: "InputError",
        message:
          "--model-package cannot be combined with --empty-registry: an empty registry has no version to choose " +
          "(versions pinned in the stack file still resolve); leave one of them out",
      },
    );
  });
});
