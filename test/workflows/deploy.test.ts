import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as path from "node:path";
import {
  callInputs,
  namedStep,
  recordingFake,
  stepRunsBefore,
  workflow,
  workflowFileNames,
  type StepCase,
  type StepRun,
} from "./workflowFiles";
import { deployOrder } from "../../.github/scripts/stackModels";

const deploy = workflow("deploy.yml");
const deployStack = workflow("deploy-stack.yml");
const deployJob = deployStack.jobs.deploy;

const OUTPUTS = JSON.stringify({ models: { diagnosis: { endpoint: null } } });

/**
 * A fake `pulumi` that records its arguments, prints stack outputs for `pulumi stack output`, and keeps what
 * `pulumi up` got in MLOPS_EXPECTED_MODEL_PACKAGES in the file `expected-packages` ("(unset)" when unset).
 */
const FAKE_PULUMI = recordingFake(
  "pulumi",
  [
    "if [[ $1 == up ]]; then",
    '  if [[ -v MLOPS_EXPECTED_MODEL_PACKAGES ]]; then printf %s "$MLOPS_EXPECTED_MODEL_PACKAGES"; else printf "(unset)"; fi > expected-packages',
    "fi",
    `[[ $1 == stack ]] && echo '${OUTPUTS}'`,
    "exit 0",
  ].join("\n"),
);

describe("deploy.yml (deploy on merge to main)", () => {
  it("runs on every push to main but documentation-only ones", () => {
    assert.deepEqual(deploy.on, { push: { branches: ["main"], "paths-ignore": ["**.md"] } });
  });

  it("checks the commit, then deploys each stack in the listed order, one at a time, each after the one before", () => {
    assert.deepEqual(Object.keys(deploy.jobs), ["checks", "access", "stacks", "deploy"]);
    assert.equal(deploy.jobs.checks.uses, "./.github/workflows/checks.yml");
    const job = deploy.jobs.deploy;
    assert.equal(job.uses, "./.github/workflows/deploy-stack.yml");
    assert.deepEqual(job.needs, ["checks", "access", "stacks"]);
    assert.equal(job.if, "needs.access.outputs.configured == 'true' && needs.stacks.outputs.order != '[]'");
    // max-parallel 1 starts the matrix's jobs one by one in the list's order; fail-fast cancels the queued
    // ones when one fails. A stack's job covers pulumi up, verify and its smoke test: the next stack starts
    // only once all of them passed.
    assert.deepEqual(job.strategy, {
      "max-parallel": 1,
      "fail-fast": true,
      matrix: { include: "${{ fromJSON(needs.stacks.outputs.order) }}" },
    });
    // Everything that differs between stacks comes from the matrix entry, i.e. from the stack's file.
    // A serving stack deploys what latest-verified resolves to: no model, no expected package on merge.
    assert.deepEqual(job.with, {
      stack: "${{ matrix.stack }}",
      environment: "${{ matrix.environment }}",
      "smoke-test": "${{ matrix.smoke-test }}",
      promote: "${{ matrix.promote }}",
      "registry-environment": "${{ matrix.registry-environment }}",
    });
    assert.equal(deploy.jobs.stacks.outputs?.order, "${{ steps.order.outputs.order }}");
  });

  it("lists the shipped stacks as staging (smoke-tested), then prod in environment production", () => {
    // The matrix the stacks job computes from the stack files (the command is tested in stackModels.test.ts).
    // What they promote is checked in stackModels.test.ts, on the shipped files and on fixtures.
    assert.deepEqual(
      deployOrder()
        .filter((entry) => ["staging", "prod"].includes(entry.stack))
        .map(({ stack, environment, "smoke-test": smokeTest }) => ({
          stack,
          environment,
          "smoke-test": smokeTest,
        })),
      [
        { stack: "staging", environment: "staging", "smoke-test": true },
        { stack: "prod", environment: "production", "smoke-test": false },
      ],
    );
  });

  describe("the deploy order", () => {
    const step = namedStep("deploy.yml", "stacks", "List the stacks in deploy order");
    const ORDER = JSON.stringify([
      {
        stack: "dev",
        environment: "dev",
        "smoke-test": true,
        promote: "Verified",
        "registry-environment": "",
      },
      {
        stack: "staging",
        environment: "staging",
        "smoke-test": true,
        promote: "Verified",
        "registry-environment": "",
      },
      {
        stack: "prod",
        environment: "production",
        "smoke-test": false,
        promote: "Deployed",
        "registry-environment": "staging",
      },
    ]);
    const runs = stepRunsBefore({
      listed: { step, fakes: { node: recordingFake("node", `echo '${ORDER}'`) } },
      none: { step, fakes: { node: recordingFake("node", "echo '[]'") } },
      broken: {
        step,
        fakes: { node: recordingFake("node", "echo 'error: Pulumi.qa.yaml: ...' >&2; exit 2") },
      },
    });

    it("passes on the stacks' order from stackModels.ts and shows it in the summary", () => {
      assert.equal(runs.listed.code, 0, runs.listed.stderr);
      assert.deepEqual(runs.listed.calls, [
        "node\t--require\ttsx/cjs\t.github/scripts/stackModels.ts\tdeploy-order",
      ]);
      assert.deepEqual(runs.listed.outputLines, [`order=${ORDER}`]);
      assert.equal(runs.listed.summary, "Deploy order: dev → staging → prod\n");
    });

    it("says so when no stack is deployed from GitHub Actions, and fails when the stack files cannot be read", () => {
      assert.equal(runs.none.code, 0, runs.none.stderr);
      assert.deepEqual(runs.none.outputLines, ["order=[]"]);
      assert.match(
        runs.none.stdout,
        /^::notice title=Nothing to deploy::no stack file names a GitHub environment/m,
      );
      assert.equal(runs.broken.code, 2);
      assert.deepEqual(runs.broken.outputLines, []);
    });
  });

  describe("the access check", () => {
    const step = namedStep("deploy.yml", "access", "Check that deploys are set up");
    const runs = stepRunsBefore({
      set: { step, env: { PULUMI_ACCESS_TOKEN: "pul-0123" } },
      unset: { step, env: { PULUMI_ACCESS_TOKEN: "" } },
    });

    it("deploys once the Pulumi token is set, and skips the deploys with a notice until then", () => {
      assert.equal(runs.set.code, 0, runs.set.stderr);
      assert.deepEqual(runs.set.outputLines, ["configured=true"]);
      assert.equal(runs.unset.code, 0, runs.unset.stderr);
      assert.deepEqual(runs.unset.outputLines, ["configured=false"]);
      assert.match(runs.unset.stdout, /^::notice title=Deploy skipped::set the secret PULUMI_ACCESS_TOKEN/m);
    });
  });
});

describe("deploy-stack.yml (deploy one stack, shared by the merge and model-approved deploys)", () => {
  it("takes the stack, its GitHub environment, a model, an approved package, whether to smoke-test, and its promotion", () => {
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(callInputs("deploy-stack.yml")).map(([name, input]) => [
          name,
          [input.type, input.default],
        ]),
      ),
      {
        stack: ["string", undefined],
        environment: ["string", undefined],
        model: ["string", ""],
        "model-package-arn": ["string", ""],
        "smoke-test": ["boolean", false],
        promote: ["string", ""],
        "registry-environment": ["string", ""],
        "require-model-package": ["boolean", false],
      },
    );
  });

  it("deploys in the caller's GitHub environment, after the request is checked", () => {
    assert.equal(deployJob.environment, "${{ inputs.environment }}");
    assert.equal(deployJob.needs, "request");
  });

  it("never runs two deploys of a stack at once, and never cancels a running one", () => {
    assert.deepEqual(deployJob.concurrency, {
      group: "deploy-${{ inputs.stack }}",
      "cancel-in-progress": false,
    });
    // Whole-workflow groups would let a newer run cancel a deploy; the merge and model-approved deploys
    // meet in the deploy job's group, which depends on the stack alone.
    for (const file of ["deploy.yml", "deploy-stack.yml", "model-approved.yml"]) {
      assert.equal(workflow(file).concurrency, undefined, file);
    }
  });

  it("is the only place a stack is updated", () => {
    for (const file of workflowFileNames()) {
      for (const [jobId, job] of Object.entries(workflow(file).jobs)) {
        const updates = (job.steps ?? []).filter((step) =>
          /\bpulumi\s+(up|update|destroy)\b/.test(step.run ?? ""),
        );
        const expected = file === "deploy-stack.yml" && jobId === "deploy" ? 1 : 0;
        assert.equal(updates.length, expected, `${file} ${jobId}`);
      }
    }
  });

  it("assumes the deploy role, updates with the policy pack, verifies, smoke-tests, promotes, cleans up, compares, in that order", () => {
    assert.deepEqual(
      (deployJob.steps ?? []).map((step) => step.name ?? step.uses?.split("@")[0] ?? step.run),
      [
        "Check the environment is set up",
        "actions/checkout",
        "actions/setup-node",
        "npm ci --no-audit --no-fund",
        "Check the model is one of the stack's",
        "Install the Pulumi CLI",
        "Assume the stack's deploy role",
        "pulumi up with the policy pack",
        "List the models to verify",
        "Verify the endpoints serve what the stack deployed",
        "Smoke-test the endpoints",
        "Promote the verified model packages in the registry",
        "Delete endpoint configurations and models no endpoint uses",
        "Compare the deployed model package with the approved one",
        "Hand the verified models to the job that records the promotion",
      ],
    );
    // Each step runs only when the ones before it passed: no cleanup after a failed verify or smoke test.
    assert.equal(
      namedStep("deploy-stack.yml", "deploy", "Delete endpoint configurations and models no endpoint uses")
        .if,
      undefined,
    );
    const role = namedStep("deploy-stack.yml", "deploy", "Assume the stack's deploy role");
    assert.equal(role.with?.["role-to-assume"], "${{ vars.AWS_ROLE_ARN }}");
    // The job stops when the role session ends, rather than having `pulumi up` lose its credentials.
    assert.equal(Number(role.with?.["role-duration-seconds"]), (deployJob["timeout-minutes"] ?? 0) * 60);
    assert.equal(namedStep("deploy-stack.yml", "deploy", "Smoke-test the endpoints").if, "inputs.smoke-test");
  });

  describe("the request check", () => {
    const step = namedStep("deploy-stack.yml", "request", "Check the stack, environment and model");
    /**
     * The checkout's stack files, and a fake `node` that answers `stackModels.ts deploy-environment` as the
     * script does for them (its own tests are in stackModels.test.ts): staging and qa deploy in environments of
     * their names, prod in production, and sandbox in none.
     */
    const GUARDS: Record<string, string> = { staging: "staging", prod: "production", qa: "qa" };
    const files = Object.fromEntries(
      ["prod", "qa", "sandbox", "staging"].map((stack) => [`Pulumi.${stack}.yaml`, "config: {}\n"]),
    );
    /** `deploy-order` for them: staging and qa build their models, prod serves staging's. */
    const ORDER = JSON.stringify([
      {
        stack: "staging",
        environment: "staging",
        "smoke-test": true,
        promote: "Verified",
        "registry-environment": "",
      },
      {
        stack: "qa",
        environment: "qa",
        "smoke-test": false,
        promote: "Verified",
        "registry-environment": "",
      },
      {
        stack: "prod",
        environment: "production",
        "smoke-test": false,
        promote: "Deployed",
        "registry-environment": "staging",
      },
    ]);
    const fakeNode = (order = `echo '${ORDER}'`) =>
      recordingFake(
        "node",
        `[[ $4 == deploy-order ]] && { ${order}; exit; }\nstack=\${@: -1}\ncase $stack in\n` +
          Object.entries(GUARDS)
            .map(([stack, environment]) => `  ${stack}) echo ${environment} ;;\n`)
            .join("") +
          `  *) echo "error: no deployEnvironment" >&2; exit 2 ;;\nesac`,
      );
    const request = (env: Record<string, string>, order?: string): StepCase => ({
      step,
      env: {
        MODEL: "",
        MODEL_PACKAGE_ARN: "",
        PROMOTE: "",
        REGISTRY_ENVIRONMENT: "",
        REQUIRE_MODEL_PACKAGE: "false",
        ...env,
      },
      files,
      fakes: { node: fakeNode(order) },
    });
    const PROD_PACKAGE = "arn:aws:sagemaker:us-east-1:111111111111:model-package/mlops-staging-diagnosis/12";
    const runs = stepRunsBefore({
      staging: request({ STACK: "staging", ENVIRONMENT: "staging" }),
      added: request({ STACK: "qa", ENVIRONMENT: "qa" }),
      noEnvironment: request({ STACK: "sandbox", ENVIRONMENT: "sandbox" }),
      prod: request({
        STACK: "prod",
        ENVIRONMENT: "production",
        MODEL: "diagnosis",
        MODEL_PACKAGE_ARN: "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-prod-diagnosis/12",
      }),
      prodInStaging: request({ STACK: "prod", ENVIRONMENT: "staging" }),
      stagingInProduction: request({ STACK: "staging", ENVIRONMENT: "production" }),
      everythingWrong: request({
        STACK: "dev; rm -rf /",
        ENVIRONMENT: "dev",
        MODEL: "Diagnosis\nx",
        MODEL_PACKAGE_ARN: "arn:x",
      }),
      stagingPromotes: request({ STACK: "staging", ENVIRONMENT: "staging", PROMOTE: "Verified" }),
      prodRecordsInStaging: request({
        STACK: "prod",
        ENVIRONMENT: "production",
        MODEL: "diagnosis",
        MODEL_PACKAGE_ARN: PROD_PACKAGE,
        REQUIRE_MODEL_PACKAGE: "true",
        PROMOTE: "Deployed",
        REGISTRY_ENVIRONMENT: "staging",
      }),
      prodPromotesItself: request({ STACK: "prod", ENVIRONMENT: "production", PROMOTE: "Deployed" }),
      prodAsBuilder: request({ STACK: "prod", ENVIRONMENT: "production", PROMOTE: "Verified" }),
      stagingRecordedElsewhere: request({
        STACK: "staging",
        ENVIRONMENT: "staging",
        PROMOTE: "Verified",
        REGISTRY_ENVIRONMENT: "production",
      }),
      orderUnreadable: request(
        { STACK: "prod", ENVIRONMENT: "production", PROMOTE: "Deployed", REGISTRY_ENVIRONMENT: "staging" },
        "echo 'error: Pulumi.prod.yaml: ...' >&2; exit 2",
      ),
      promotionWrong: request({
        STACK: "prod",
        ENVIRONMENT: "staging",
        PROMOTE: "Approved$(touch pwned)",
        REQUIRE_MODEL_PACKAGE: "true",
      }),
      recordWithoutPromotion: request({
        STACK: "prod",
        ENVIRONMENT: "production",
        REGISTRY_ENVIRONMENT: "staging",
      }),
    });
    const result = (run: StepRun) => ({
      code: run.code,
      errors: run.stdout.split("\n").filter((line) => line.startsWith("::error")),
    });

    it("accepts a stack in the GitHub environment its stack file names: staging, prod in production, an added one", () => {
      assert.deepEqual(result(runs.staging), { code: 0, errors: [] });
      assert.deepEqual(result(runs.prod), { code: 0, errors: [] });
      assert.deepEqual(result(runs.added), { code: 0, errors: [] });
      assert.deepEqual(runs.prod.calls, [
        "node\t--require\ttsx/cjs\t.github/scripts/stackModels.ts\tdeploy-environment\t--stack\tprod",
      ]);
    });

    it("refuses a stack whose stack file names no GitHub environment", () => {
      assert.deepEqual(result(runs.noEnvironment), {
        code: 1,
        errors: [
          "::error title=Invalid deploy request::stack sandbox names no GitHub environment to deploy in (mlops:delivery.github.deployEnvironment of Pulumi.sandbox.yaml)",
        ],
      });
    });

    it("refuses a stack in another stack's environment, so prod never deploys without production's reviewers", () => {
      assert.deepEqual(result(runs.prodInStaging), {
        code: 1,
        errors: [
          "::error title=Invalid deploy request::environment staging does not guard stack prod (Pulumi.prod.yaml: it deploys in environment production)",
        ],
      });
      assert.equal(runs.stagingInProduction.code, 1);
    });

    it("accepts exactly the promotion of the stack's files: Verified by a building stack's own deploy, Deployed recorded in the building stack's environment", () => {
      assert.deepEqual(result(runs.stagingPromotes), { code: 0, errors: [] });
      assert.deepEqual(result(runs.prodRecordsInStaging), { code: 0, errors: [] });
      assert.deepEqual(runs.prodRecordsInStaging.calls, [
        "node\t--require\ttsx/cjs\t.github/scripts/stackModels.ts\tdeploy-environment\t--stack\tprod",
        "node\t--require\ttsx/cjs\t.github/scripts/stackModels.ts\tdeploy-order",
      ]);
      // Nothing to promote: the stack files are not asked.
      assert.equal(runs.prod.calls.length, 1);
      const refused = (run: StepRun, message: string) =>
        assert.deepEqual(result(run), {
          code: 1,
          errors: [`::error title=Invalid deploy request::${message}`],
        });
      refused(
        runs.prodPromotesItself,
        "promote Deployed with registry-environment '' is not the promotion of stack prod (its stack files say: promote Deployed, registry-environment staging)",
      );
      refused(
        runs.prodAsBuilder,
        "promote Verified with registry-environment '' is not the promotion of stack prod (its stack files say: promote Deployed, registry-environment staging)",
      );
      refused(
        runs.stagingRecordedElsewhere,
        "promote Verified with registry-environment production is not the promotion of stack staging (its stack files say: promote Verified, registry-environment none)",
      );
      refused(
        runs.orderUnreadable,
        "the promotion settings of the stack files could not be read (the error is above)",
      );
      assert.match(runs.orderUnreadable.stderr, /^error: Pulumi\.prod\.yaml: /m);
      refused(
        runs.recordWithoutPromotion,
        "registry-environment staging is set, but promote is empty: there is nothing to record",
      );
    });

    it("refuses a status it cannot promote to, and an expected package without its model and ARN, with the other problems", () => {
      assert.deepEqual(result(runs.promotionWrong), {
        code: 1,
        errors: [
          "::error title=Invalid deploy request::environment staging does not guard stack prod (Pulumi.prod.yaml: it deploys in environment production)",
          "::error title=Invalid deploy request::require-model-package needs a model and its model-package-arn: the package that model must serve",
          "::error title=Invalid deploy request::promote Approved\\$\\(touch\\ pwned\\) is not a status to promote to (Verified, Deployed, or empty for none)",
        ],
      });
      assert.ok(!existsSync(path.join(runs.promotionWrong.dir, "pwned")));
    });

    it("lists every problem at once, with values quoted", () => {
      assert.deepEqual(result(runs.everythingWrong), {
        code: 1,
        errors: [
          "::error title=Invalid deploy request::stack dev\\;\\ rm\\ -rf\\ / is not one of this repository's stacks (prod, qa, sandbox, staging)",
          "::error title=Invalid deploy request::model $'Diagnosis\\nx' is not a model name (1-24 lowercase letters, digits and hyphens; starts with a letter)",
          "::error title=Invalid deploy request::model package arn:x is not a versioned model package ARN",
        ],
      });
    });
  });

  describe("the deploy job's steps", () => {
    const step = (name: string) => namedStep("deploy-stack.yml", "deploy", name);
    const APPROVED = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-staging-diagnosis/4";
    const verify = step("Verify the endpoints serve what the stack deployed");
    const smokeTest = step("Smoke-test the endpoints");
    const cleanup = step("Delete endpoint configurations and models no endpoint uses");
    const environment = step("Check the environment is set up");
    const up = step("pulumi up with the policy pack");
    const UP = {
      STACK: "prod",
      PULUMI_ACCESS_TOKEN: "pul-0123",
      MODEL: "diagnosis",
      MODEL_PACKAGE_ARN: APPROVED,
    };
    const compare = (deployed: string): StepCase => ({
      step: step("Compare the deployed model package with the approved one"),
      env: { STACK: "staging", MODEL: "diagnosis", MODEL_PACKAGE_ARN: APPROVED },
      fakes: { node: recordingFake("node", `echo '${deployed}'`) },
    });
    const runs = stepRunsBefore({
      notSetUp: { step: environment, env: { ENVIRONMENT: "production", AWS_ROLE_ARN: "", AWS_REGION: "" } },
      setUp: {
        step: environment,
        env: { ENVIRONMENT: "production", AWS_ROLE_ARN: "arn:aws:iam::1:role/x", AWS_REGION: "eu-west-1" },
      },
      up: {
        step: up,
        env: { ...UP, REQUIRE_MODEL_PACKAGE: "false" },
        fakes: { pulumi: FAKE_PULUMI },
      },
      upOnMerge: {
        step: up,
        env: { ...UP, MODEL: "", MODEL_PACKAGE_ARN: "", REQUIRE_MODEL_PACKAGE: "false" },
        fakes: { pulumi: FAKE_PULUMI },
      },
      upRequired: {
        step: up,
        env: { ...UP, REQUIRE_MODEL_PACKAGE: "true" },
        fakes: { pulumi: FAKE_PULUMI },
      },
      upFails: {
        step: up,
        env: { ...UP, REQUIRE_MODEL_PACKAGE: "true" },
        fakes: { pulumi: recordingFake("pulumi", "exit 255") },
      },
      list: {
        step: step("List the models to verify"),
        env: { STACK: "staging", MODEL: "" },
        fakes: { node: recordingFake("node", "echo 'diagnosis churn'") },
      },
      verify: {
        step: verify,
        env: { STACK: "staging", MODELS: "diagnosis churn" },
        fakes: { npm: recordingFake("npm") },
      },
      smokeTest: {
        step: smokeTest,
        env: { STACK: "staging", MODELS: "diagnosis churn" },
        fakes: { npm: recordingFake("npm") },
      },
      cleanup: {
        step: cleanup,
        env: { STACK: "staging", MODELS: "diagnosis churn" },
        fakes: { npm: recordingFake("npm") },
      },
      cleanupFails: {
        step: cleanup,
        env: { STACK: "staging", MODELS: "diagnosis churn" },
        fakes: { npm: recordingFake("npm", "exit 4") },
      },
      verifyFails: {
        step: verify,
        env: { STACK: "prod", MODELS: "diagnosis churn" },
        fakes: { npm: recordingFake("npm", "exit 1") },
      },
      verifyNothing: {
        step: verify,
        env: { STACK: "staging", MODELS: "" },
        fakes: { npm: recordingFake("npm", "exit 1") },
      },
      samePackage: compare(APPROVED),
      otherPackage: compare(APPROVED.replace(/4$/, "3")),
    });

    it("stops with what to set when the GitHub environment lacks the role or region", () => {
      assert.equal(runs.notSetUp.code, 1);
      assert.match(
        runs.notSetUp.stdout,
        /^::error title=GitHub environment production is not set up::set its variable\(s\) AWS_ROLE_ARN AWS_REGION /m,
      );
      assert.equal(runs.setUp.code, 0, runs.setUp.stdout);
    });

    it("runs pulumi up with the stack's policy pack config, then saves the stack outputs", () => {
      assert.equal(runs.up.code, 0, runs.up.stderr);
      assert.deepEqual(runs.up.calls, [
        "pulumi\tup\t--yes\t--stack\tprod\t--policy-pack\tpolicies\t--policy-pack-config\tpolicies/config/prod.json\t--non-interactive\t--color\tnever\t--suppress-progress",
        "pulumi\tstack\toutput\t--json\t--stack\tprod",
      ]);
      assert.equal(runs.up.file("stack-outputs.json"), `${OUTPUTS}\n`);
    });

    it("has pulumi up refuse any other package than the approved one only when asked, as JSON {model: ARN}", () => {
      assert.equal(runs.upRequired.code, 0, runs.upRequired.stderr);
      assert.equal(runs.upRequired.file("expected-packages"), `{"diagnosis":"${APPROVED}"}`);
      assert.deepEqual(JSON.parse(runs.upRequired.file("expected-packages")), { diagnosis: APPROVED });
      assert.deepEqual(runs.upRequired.calls, runs.up.calls);
      // Not asked: the model and package of an approval alone, or a deploy on merge, set nothing.
      assert.equal(runs.up.file("expected-packages"), "(unset)");
      assert.equal(runs.upOnMerge.file("expected-packages"), "(unset)");
      assert.equal(up.env?.REQUIRE_MODEL_PACKAGE, "${{ inputs.require-model-package }}");
      // Only pulumi up reads it: no other step or job sets it.
      const setting = workflowFileNames().flatMap((file) =>
        Object.entries(workflow(file).jobs).flatMap(([jobId, job]) =>
          (job.steps ?? [])
            .filter((candidate) => JSON.stringify(candidate).includes("MLOPS_EXPECTED_MODEL_PACKAGES"))
            .map((candidate) => `${file} ${jobId} ${candidate.name}`),
        ),
      );
      assert.deepEqual(setting, ["deploy-stack.yml deploy pulumi up with the policy pack"]);
    });

    it("stops before saving outputs when pulumi up fails", () => {
      assert.equal(runs.upFails.code, 255);
      assert.equal(runs.upFails.calls.length, 1);
    });

    it("lists the models to verify from the stack outputs", () => {
      const run = runs.list;
      assert.equal(run.code, 0, run.stderr);
      assert.equal(
        run.calls[0],
        [
          "node",
          "--require",
          "tsx/cjs",
          ".github/scripts/stackModels.ts",
          "endpoints",
          "--stack",
          "staging",
          "--outputs",
          "stack-outputs.json",
          "--model",
          "",
          "--summary",
          `${run.dir}/.summary`,
        ].join("\t"),
      );
      assert.deepEqual(run.outputLines, ["models=diagnosis churn"]);
      // For the job that records a serving stack's promotion.
      assert.equal(run.file("verified-models.txt"), "diagnosis churn\n");
    });

    it("verifies and smoke-tests each listed model with the saved outputs", () => {
      for (const [run, command] of [
        [runs.verify, "verify"],
        [runs.smokeTest, "smoke-test"],
      ] as const) {
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(run.calls, [
          `npm\trun\tops\t--\t${command}\tstaging\tdiagnosis\t--outputs\tstack-outputs.json`,
          `npm\trun\tops\t--\t${command}\tstaging\tchurn\t--outputs\tstack-outputs.json`,
        ]);
      }
    });

    it("deletes, for each verified model, what no endpoint uses any more, and fails on an error", () => {
      assert.equal(runs.cleanup.code, 0, runs.cleanup.stderr);
      assert.deepEqual(runs.cleanup.calls, [
        "npm\trun\tops\t--\tcleanup\tstaging\tdiagnosis\t--yes",
        "npm\trun\tops\t--\tcleanup\tstaging\tchurn\t--yes",
      ]);
      assert.equal(runs.cleanupFails.code, 4);
      assert.equal(runs.cleanupFails.calls.length, 1);
    });

    it("fails on the first model that fails verification", () => {
      assert.equal(runs.verifyFails.code, 1);
      assert.equal(runs.verifyFails.calls.length, 1);
    });

    it("says so when no model has an endpoint yet", () => {
      assert.equal(runs.verifyNothing.code, 0);
      assert.deepEqual(runs.verifyNothing.calls, []);
      assert.match(
        runs.verifyNothing.stdout,
        /^::notice title=Nothing to verify::no model of stack staging has an endpoint yet/m,
      );
    });

    it("warns when the endpoint serves another package than the approved one", () => {
      const same = runs.samePackage;
      assert.equal(same.code, 0);
      assert.equal(
        same.calls[0],
        "node\t--require\ttsx/cjs\t.github/scripts/stackModels.ts\tpackage\t--stack\tstaging\t--outputs\tstack-outputs.json\t--model\tdiagnosis",
      );
      assert.doesNotMatch(same.stdout, /::warning/);
      assert.equal(runs.otherPackage.code, 0);
      assert.match(
        runs.otherPackage.stdout,
        /^::warning title=Model diagnosis serves another package::approved \S+\/4, deployed \S+\/3 /m,
      );
    });
  });
});
