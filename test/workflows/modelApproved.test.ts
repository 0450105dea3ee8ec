import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { MODEL_NAME_PATTERN } from "../../components/shared/names";
import {
  namedStep,
  recordingFake,
  stepRunsBefore,
  workflow,
  workflowFileNames,
  type StepCase,
  type StepRun,
} from "./workflowFiles";

const FILE = "model-approved.yml";
const approved = workflow(FILE);
const payloadStep = namedStep(FILE, "payload", "Check the stack, model and model package");

const ARN = "arn:aws:sagemaker:us-east-1:111111111111:model-package/mlops-staging-diagnosis/7";
const VALID = {
  STACK: "staging",
  MODEL: "diagnosis",
  MODEL_PACKAGE_ARN: ARN,
  PULUMI_ACCESS_TOKEN: "pul-0123",
};

/** Every string in a parsed workflow, with its path (`jobs.payload.steps.0.env.STACK`). */
function strings(value: unknown, at: string[] = []): { at: string; text: string }[] {
  if (typeof value === "string") return [{ at: at.join("."), text: value }];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => strings(child, [...at, key]));
}

/**
 * The checkout's stack files, and a fake `node` that prints what `stackModels.ts deploy-order` prints for them
 * (its own tests are in stackModels.test.ts): staging smoke-tested, an added stack qa that builds models of its
 * own, prod in environment production serving staging's models; sandbox names no GitHub environment, so it is
 * not in the deploy order.
 */
const ORDER = JSON.stringify([
  {
    stack: "staging",
    environment: "staging",
    "smoke-test": true,
    promote: "Verified",
    "registry-environment": "",
  },
  { stack: "qa", environment: "qa", "smoke-test": false, promote: "Verified", "registry-environment": "" },
  {
    stack: "prod",
    environment: "production",
    "smoke-test": false,
    promote: "Deployed",
    "registry-environment": "staging",
  },
]);
const FILES = Object.fromEntries(
  ["prod", "qa", "sandbox", "staging"].map((stack) => [`Pulumi.${stack}.yaml`, "config: {}\n"]),
);
const DEPLOY_ORDER_CALL = "node\t--require\ttsx/cjs\t.github/scripts/stackModels.ts\tdeploy-order";

const payload = (env: Record<string, string>, node = `echo '${ORDER}'`): StepCase => ({
  step: payloadStep,
  env: { ...VALID, ...env },
  files: FILES,
  fakes: { node: recordingFake("node", node) },
});

/** The error annotations a run printed. */
const errors = (run: StepRun) => run.stdout.split("\n").filter((line) => line.startsWith("::error"));

const BAD_STACKS = ["dev", "Prod", "", "production", "../prod", "prod.yaml", "-prod"];
const INJECTIONS: [string, string][] = [
  ["STACK", "$(touch pwned)"],
  ["STACK", "prod`touch pwned`"],
  ["MODEL", "diagnosis\nstack=staging"],
  ["MODEL", "x$(touch pwned)"],
  ["MODEL_PACKAGE_ARN", `${ARN}\nstack=staging`],
];
const MODEL_NAMES = ["a", "churn-v2", "a".repeat(24), "a".repeat(25), "-a", "a-", "1a", "a_b"];

describe("model-approved.yml (deploy of an approved model)", () => {
  it("runs on the model-approved repository dispatch only", () => {
    assert.deepEqual(approved.on, { repository_dispatch: { types: ["model-approved"] } });
  });

  it("reads the payload only into the environment of the step that checks it", () => {
    for (const file of workflowFileNames()) {
      const uses = strings(workflow(file)).filter(({ text }) => text.includes("github.event.client_payload"));
      const expected =
        file === FILE
          ? [
              "jobs.payload.steps.3.env.STACK",
              "jobs.payload.steps.3.env.MODEL",
              "jobs.payload.steps.3.env.MODEL_PACKAGE_ARN",
            ]
          : [];
      assert.deepEqual(
        uses.map(({ at }) => at),
        expected,
        file,
      );
    }
    assert.equal(payloadStep.env?.STACK, "${{ github.event.client_payload.stack }}");
    assert.equal(payloadStep.env?.MODEL, "${{ github.event.client_payload.model }}");
    assert.equal(payloadStep.env?.MODEL_PACKAGE_ARN, "${{ github.event.client_payload.modelPackageArn }}");
  });

  it("checks model names with the pattern of the stack configuration schema", () => {
    assert.equal(payloadStep.env?.MODEL_PATTERN, MODEL_NAME_PATTERN.source);
    const request = namedStep("deploy-stack.yml", "request", "Check the stack, environment and model");
    assert.equal(request.env?.MODEL_PATTERN, MODEL_NAME_PATTERN.source);
    assert.equal(request.env?.MODEL_PACKAGE_ARN_PATTERN, payloadStep.env?.MODEL_PACKAGE_ARN_PATTERN);
  });

  it("deploys the payload's stack through the shared deploy, with the environment and smoke test of its stack file", () => {
    assert.deepEqual(Object.keys(approved.jobs), ["payload", "deploy", "serving", "promote"]);
    assert.deepEqual(approved.jobs.payload.outputs, {
      stack: "${{ steps.payload.outputs.stack }}",
      environment: "${{ steps.payload.outputs.environment }}",
      "smoke-test": "${{ steps.payload.outputs.smoke-test }}",
      model: "${{ steps.payload.outputs.model }}",
      "model-package-arn": "${{ steps.payload.outputs.model-package-arn }}",
    });
    const { deploy } = approved.jobs;
    assert.equal(deploy.uses, "./.github/workflows/deploy-stack.yml");
    assert.equal(deploy.needs, "payload");
    // No stack output: an invalid payload, or deploys not set up.
    assert.equal(deploy.if, "needs.payload.outputs.stack != ''");
    assert.deepEqual(deploy.with, {
      stack: "${{ needs.payload.outputs.stack }}",
      environment: "${{ needs.payload.outputs.environment }}",
      model: "${{ needs.payload.outputs.model }}",
      "model-package-arn": "${{ needs.payload.outputs.model-package-arn }}",
      "smoke-test": "${{ needs.payload.outputs.smoke-test == 'true' }}",
      // The building stack promotes the package it verified in its own registry.
      promote: "Verified",
    });
  });

  describe("the payload check", () => {
    const runs = stepRunsBefore({
      valid: payload({}),
      qaWithoutArn: payload({ STACK: "qa", MODEL_PACKAGE_ARN: "" }),
      added: payload({ STACK: "qa" }),
      serving: payload({ STACK: "prod" }),
      notDeployed: payload({ STACK: "sandbox" }),
      orderUnreadable: payload({ STACK: "qa" }, "echo 'error: Pulumi.qa.yaml: ...' >&2; exit 2"),
      everythingWrong: payload({
        STACK: "dev",
        MODEL: "Diagnosis",
        MODEL_PACKAGE_ARN: "arn:aws:s3:::bucket",
      }),
      noToken: payload({ PULUMI_ACCESS_TOKEN: "" }),
      ...Object.fromEntries(BAD_STACKS.map((stack, i) => [`badStack${i}`, payload({ STACK: stack })])),
      ...Object.fromEntries(
        INJECTIONS.map(([key, value], i) => [`injection${i}`, payload({ [key]: value })]),
      ),
      ...Object.fromEntries(MODEL_NAMES.map((model, i) => [`model${i}`, payload({ MODEL: model })])),
    } as Record<string, StepCase>);

    it("passes on the stack with its environment and smoke test, the model and the package, and nothing else", () => {
      assert.equal(runs.valid.code, 0, runs.valid.stdout);
      assert.deepEqual(runs.valid.calls, [DEPLOY_ORDER_CALL]);
      assert.deepEqual(runs.valid.outputLines, [
        "stack=staging",
        "environment=staging",
        "smoke-test=true",
        "model=diagnosis",
        `model-package-arn=${ARN}`,
      ]);
      assert.deepEqual(runs.qaWithoutArn.outputLines, [
        "stack=qa",
        "environment=qa",
        "smoke-test=false",
        "model=diagnosis",
        "model-package-arn=",
      ]);
    });

    it("refuses a stack that serves its models from another stack's registry: approvals happen where a model is built", () => {
      assert.equal(runs.serving.code, 1);
      assert.deepEqual(runs.serving.outputLines, []);
      assert.deepEqual(errors(runs.serving), [
        "::error title=Invalid model-approved payload::client_payload.stack: stack prod serves its models from another stack's registry (models[].source of Pulumi.prod.yaml): a model is approved only in the registry of the stack that builds it, whose deploy then deploys it to prod",
      ]);
    });

    it("deploys any stack in the deploy order, with the settings of its stack file", () => {
      assert.equal(runs.added.code, 0, runs.added.stdout);
      assert.deepEqual(runs.added.outputLines.slice(0, 3), [
        "stack=qa",
        "environment=qa",
        "smoke-test=false",
      ]);
    });

    it("refuses a stack whose file names no GitHub environment, or when the stack files cannot be read", () => {
      assert.equal(runs.notDeployed.code, 1);
      assert.deepEqual(runs.notDeployed.outputLines, []);
      assert.deepEqual(errors(runs.notDeployed), [
        "::error title=Invalid model-approved payload::client_payload.stack: stack sandbox is not deployed from GitHub Actions (Pulumi.sandbox.yaml names no mlops:delivery.github.deployEnvironment)",
      ]);
      assert.equal(runs.orderUnreadable.code, 1);
      assert.deepEqual(runs.orderUnreadable.outputLines, []);
      assert.deepEqual(errors(runs.orderUnreadable), [
        "::error title=Invalid model-approved payload::client_payload.stack: the deploy settings of the stack files could not be read (the error is above)",
      ]);
      assert.match(runs.orderUnreadable.stderr, /^error: Pulumi\.qa\.yaml: /m);
    });

    it("fails fast on a stack that has no stack file, saying which stacks there are, without running anything", () => {
      BAD_STACKS.forEach((stack, i) => {
        const run = runs[`badStack${i}`];
        assert.equal(run.code, 1, stack);
        assert.deepEqual(run.outputLines, []);
        assert.deepEqual(run.calls, [], stack);
        assert.match(
          errors(run)[0],
          /^::error title=Invalid model-approved payload::client_payload\.stack: .* is not one of this repository's stacks \(prod, qa, sandbox, staging\)$/,
        );
      });
    });

    it("runs nothing a payload carries and lets no value add an output", () => {
      INJECTIONS.forEach(([, value], i) => {
        const run = runs[`injection${i}`];
        assert.equal(run.code, 1, value);
        assert.deepEqual(run.outputLines, [], value);
        assert.equal(errors(run).length, 1, value);
        assert.ok(!existsSync(path.join(run.dir, "pwned")), value);
      });
    });

    it("lists every problem at once", () => {
      assert.deepEqual(errors(runs.everythingWrong), [
        "::error title=Invalid model-approved payload::client_payload.stack: dev is not one of this repository's stacks (prod, qa, sandbox, staging)",
        "::error title=Invalid model-approved payload::client_payload.model: Diagnosis is not a model name (1-24 lowercase letters, digits and hyphens; starts with a letter)",
        "::error title=Invalid model-approved payload::client_payload.modelPackageArn: arn:aws:s3:::bucket is not a versioned model package ARN",
      ]);
    });

    it("accepts exactly the model names the stack configuration accepts", () => {
      MODEL_NAMES.forEach((model, i) => {
        assert.equal(runs[`model${i}`].code === 0, MODEL_NAME_PATTERN.test(model), JSON.stringify(model));
      });
    });

    it("skips the deploy with a notice until the Pulumi token is set", () => {
      assert.equal(runs.noToken.code, 0);
      assert.deepEqual(runs.noToken.outputLines, []);
      assert.match(
        runs.noToken.stdout,
        /^::notice title=Deploy skipped::set the secret PULUMI_ACCESS_TOKEN/m,
      );
    });
  });
});
