import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { MODEL_NAME_PATTERN } from "../../components/shared/names";
import {
  namedStep,
  stepRunsBefore,
  workflow,
  workflowFileNames,
  type StepCase,
  type StepRun,
} from "./workflowFiles";

const FILE = "model-approved.yml";
const approved = workflow(FILE);
const payloadStep = namedStep(FILE, "payload", "Check the stack, model and model package");

const ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-prod-diagnosis/7";
const VALID = { STACK: "prod", MODEL: "diagnosis", MODEL_PACKAGE_ARN: ARN, PULUMI_ACCESS_TOKEN: "pul-0123" };

/** Every string in a parsed workflow, with its path (`jobs.payload.steps.0.env.STACK`). */
function strings(value: unknown, at: string[] = []): { at: string; text: string }[] {
  if (typeof value === "string") return [{ at: at.join("."), text: value }];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => strings(child, [...at, key]));
}

const payload = (env: Record<string, string>): StepCase => ({ step: payloadStep, env: { ...VALID, ...env } });

/** The error annotations a run printed. */
const errors = (run: StepRun) => run.stdout.split("\n").filter((line) => line.startsWith("::error"));

const BAD_STACKS = ["dev", "Prod", "", "production"];
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
              "jobs.payload.steps.0.env.STACK",
              "jobs.payload.steps.0.env.MODEL",
              "jobs.payload.steps.0.env.MODEL_PACKAGE_ARN",
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

  it("deploys the payload's stack through the shared deploy, prod in environment production", () => {
    const { staging, prod } = approved.jobs;
    const passOn = {
      model: "${{ needs.payload.outputs.model }}",
      "model-package-arn": "${{ needs.payload.outputs.model-package-arn }}",
    };
    assert.equal(staging.uses, "./.github/workflows/deploy-stack.yml");
    assert.equal(staging.if, "needs.payload.outputs.stack == 'staging'");
    assert.deepEqual(staging.with, {
      stack: "staging",
      environment: "staging",
      ...passOn,
      "smoke-test": true,
    });
    assert.equal(prod.uses, "./.github/workflows/deploy-stack.yml");
    assert.equal(prod.if, "needs.payload.outputs.stack == 'prod'");
    assert.deepEqual(prod.with, { stack: "prod", environment: "production", ...passOn });
    assert.deepEqual(Object.keys(approved.jobs), ["payload", "staging", "prod"]);
  });

  describe("the payload check", () => {
    const runs = stepRunsBefore({
      valid: payload({}),
      stagingWithoutArn: payload({ STACK: "staging", MODEL_PACKAGE_ARN: "" }),
      everythingWrong: payload({ STACK: "qa", MODEL: "Diagnosis", MODEL_PACKAGE_ARN: "arn:aws:s3:::bucket" }),
      noToken: payload({ PULUMI_ACCESS_TOKEN: "" }),
      ...Object.fromEntries(BAD_STACKS.map((stack, i) => [`badStack${i}`, payload({ STACK: stack })])),
      ...Object.fromEntries(
        INJECTIONS.map(([key, value], i) => [`injection${i}`, payload({ [key]: value })]),
      ),
      ...Object.fromEntries(MODEL_NAMES.map((model, i) => [`model${i}`, payload({ MODEL: model })])),
    } as Record<string, StepCase>);

    it("passes on the stack, model and package of a valid payload, and nothing else", () => {
      assert.equal(runs.valid.code, 0, runs.valid.stdout);
      assert.deepEqual(runs.valid.outputLines, ["stack=prod", "model=diagnosis", `model-package-arn=${ARN}`]);
      assert.deepEqual(runs.stagingWithoutArn.outputLines, [
        "stack=staging",
        "model=diagnosis",
        "model-package-arn=",
      ]);
    });

    it("fails fast on a stack that is not staging or prod, saying which are", () => {
      BAD_STACKS.forEach((stack, i) => {
        const run = runs[`badStack${i}`];
        assert.equal(run.code, 1, stack);
        assert.deepEqual(run.outputLines, []);
        assert.match(
          errors(run)[0],
          /^::error title=Invalid model-approved payload::client_payload\.stack: .* is not one of this repository's stacks \(staging, prod\)$/,
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
        "::error title=Invalid model-approved payload::client_payload.stack: qa is not one of this repository's stacks (staging, prod)",
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
