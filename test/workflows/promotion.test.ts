import assert from "node:assert/strict";
import {
  calledWorkflow,
  jobNeeds,
  namedStep,
  recordingFake,
  stepRunsBefore,
  workflow,
  workflowFileNames,
  type Job,
  type StepRun,
} from "./workflowFiles";

/**
 * Promotion end to end: an approval in the building stack's registry (staging) deploys staging, which verifies,
 * smoke-tests and promotes the package to Verified; then each stack serving the model (prod) deploys exactly
 * that package, verifies it, and a job in staging's GitHub environment records Deployed in staging's registry.
 */

const approved = workflow("model-approved.yml");
const deployStack = workflow("deploy-stack.yml");
const deployJob = deployStack.jobs.deploy;
const recordJob = deployStack.jobs.record;

const RUN_URL_EXPRESSION =
  "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}";
const RUN_URL = "https://github.com/acme/mlops/actions/runs/42";
const ARN = "arn:aws:sagemaker:us-east-1:111111111111:model-package/mlops-staging-diagnosis/7";

/** The names of a job's steps (or what they use or run). */
const stepNames = (job: Job) =>
  (job.steps ?? []).map((step) => step.name ?? step.uses?.split("@")[0] ?? step.run);

/** A condition that would run a job or step after a failure (or a cancel) before it. */
const STATUS_FUNCTION = /\b(always|failure|cancelled|success)\s*\(/;

/** The error and notice annotations of a run. */
const annotations = (run: StepRun) =>
  run.stdout.split("\n").filter((line) => /^::(error|warning|notice)/.test(line));

describe("promotion (model-approved.yml → deploy-stack.yml)", () => {
  describe("the approval's jobs", () => {
    it("deploy the building stack, then list the stacks serving the model, then deploy each of them", () => {
      assert.deepEqual(
        Object.fromEntries(Object.entries(approved.jobs).map(([id, job]) => [id, jobNeeds(job)])),
        {
          payload: [],
          deploy: ["payload"],
          serving: ["payload", "deploy"],
          promote: ["payload", "serving"],
        },
      );
      assert.equal(calledWorkflow(approved.jobs.deploy), "deploy-stack.yml");
      assert.equal(calledWorkflow(approved.jobs.promote), "deploy-stack.yml");
      // Only once the building stack's deploy succeeded: neither job runs after a failure.
      assert.equal(approved.jobs.serving.if, undefined);
      assert.equal(approved.jobs.promote.if, "needs.serving.outputs.stacks != '[]'");
      assert.deepEqual(approved.jobs.serving.outputs, { stacks: "${{ steps.serving.outputs.stacks }}" });
    });

    it("deploy the serving stacks one at a time, in their GitHub environments, stopping at the first failure", () => {
      const { promote } = approved.jobs;
      assert.deepEqual(promote.strategy, {
        "max-parallel": 1,
        "fail-fast": true,
        matrix: { include: "${{ fromJSON(needs.serving.outputs.stacks) }}" },
      });
      assert.deepEqual(promote.permissions, { contents: "read", "id-token": "write" });
      assert.deepEqual(promote.with, {
        stack: "${{ matrix.stack }}",
        environment: "${{ matrix.environment }}",
        model: "${{ matrix.model }}",
        "model-package-arn": "${{ needs.payload.outputs.model-package-arn }}",
        "require-model-package": true,
        "smoke-test": "${{ matrix.smoke-test }}",
        promote: "Deployed",
        "registry-environment": "${{ matrix.registry-environment }}",
      });
    });

    it("carry the approved package from the payload to the serving stack's pulumi up", () => {
      const payloadStep = namedStep(
        "model-approved.yml",
        "payload",
        "Check the stack, model and model package",
      );
      assert.equal(payloadStep.env?.MODEL_PACKAGE_ARN, "${{ github.event.client_payload.modelPackageArn }}");
      assert.match(payloadStep.run ?? "", /^ {2}echo "model-package-arn=\$MODEL_PACKAGE_ARN"$/m);
      assert.equal(
        approved.jobs.payload.outputs?.["model-package-arn"],
        "${{ steps.payload.outputs.model-package-arn }}",
      );
      assert.equal(
        approved.jobs.promote.with?.["model-package-arn"],
        "${{ needs.payload.outputs.model-package-arn }}",
      );
      const up = namedStep("deploy-stack.yml", "deploy", "pulumi up with the policy pack");
      assert.deepEqual(
        [up.env?.MODEL, up.env?.MODEL_PACKAGE_ARN, up.env?.REQUIRE_MODEL_PACKAGE],
        ["${{ inputs.model }}", "${{ inputs.model-package-arn }}", "${{ inputs.require-model-package }}"],
      );
    });

    it("require the approved package only of the serving stacks' deploy", () => {
      const calls = workflowFileNames().flatMap((file) =>
        Object.entries(workflow(file).jobs)
          .filter(([, job]) => calledWorkflow(job) === "deploy-stack.yml")
          .map(([jobId, job]) => [`${file} ${jobId}`, job.with?.["require-model-package"]]),
      );
      assert.deepEqual(calls, [
        ["deploy.yml deploy", undefined],
        ["model-approved.yml deploy", undefined],
        ["model-approved.yml promote", true],
      ]);
    });
  });

  describe("the deploy of one stack", () => {
    it("promotes only after verify and the smoke test passed, then cleans up; a serving stack hands over to `record`", () => {
      const names = stepNames(deployJob);
      const at = (name: string) => {
        const index = names.indexOf(name);
        assert.ok(index >= 0, name);
        return index;
      };
      const promote = at("Promote the verified model packages in the registry");
      const handOver = at("Hand the verified models to the job that records the promotion");
      for (const before of [
        "pulumi up with the policy pack",
        "List the models to verify",
        "Verify the endpoints serve what the stack deployed",
        "Smoke-test the endpoints",
      ]) {
        assert.ok(at(before) < promote, before);
        assert.ok(at(before) < handOver, before);
      }
      assert.equal(promote + 1, at("Delete endpoint configurations and models no endpoint uses"));
      assert.equal(handOver, names.length - 1);
      const step = (name: string) => namedStep("deploy-stack.yml", "deploy", name);
      assert.equal(
        step("Promote the verified model packages in the registry").if,
        "inputs.promote != '' && inputs.registry-environment == ''",
      );
      const upload = step("Hand the verified models to the job that records the promotion");
      assert.equal(upload.if, "inputs.promote != '' && inputs.registry-environment != ''");
      assert.deepEqual(upload.with, {
        name: "promotion-${{ inputs.stack }}",
        path: "stack-outputs.json\nverified-models.txt\n",
        "if-no-files-found": "error",
        "retention-days": 7,
        overwrite: true,
      });
    });

    it("runs nothing of the promotion after a failure: no status function in any condition", () => {
      for (const file of ["deploy-stack.yml", "model-approved.yml", "deploy.yml"]) {
        for (const [jobId, job] of Object.entries(workflow(file).jobs)) {
          assert.doesNotMatch(String(job.if ?? ""), STATUS_FUNCTION, `${file} ${jobId}`);
          for (const step of job.steps ?? []) {
            assert.doesNotMatch(String(step.if ?? ""), STATUS_FUNCTION, `${file} ${jobId} ${step.name}`);
            assert.equal(step["continue-on-error"], undefined, `${file} ${jobId} ${step.name}`);
          }
        }
      }
    });

    it("records a serving stack's promotion after its deploy job, in the building stack's environment with its role", () => {
      assert.deepEqual(jobNeeds(recordJob), ["deploy"]);
      assert.equal(recordJob.if, "inputs.promote != '' && inputs.registry-environment != ''");
      assert.equal(recordJob.environment, "${{ inputs.registry-environment }}");
      assert.deepEqual(recordJob.permissions, { contents: "read", "id-token": "write" });
      // Per registry, never cancelling a running record; apart from the deploy's group, which is per stack.
      assert.deepEqual(recordJob.concurrency, {
        group: "promotion-record-${{ inputs.registry-environment }}",
        "cancel-in-progress": false,
      });
      assert.notEqual(recordJob.concurrency?.group, deployJob.concurrency?.group);
      assert.deepEqual(stepNames(recordJob), [
        "Check the environment is set up",
        "actions/checkout",
        "actions/setup-node",
        "npm ci --no-audit --no-fund",
        "Get the verified models and the stack outputs",
        "Assume the building stack's deploy role",
        "Record the promotion in the building stack's registry",
      ]);
      const step = (name: string) => namedStep("deploy-stack.yml", "record", name);
      assert.deepEqual(step("Get the verified models and the stack outputs").with, {
        name: namedStep(
          "deploy-stack.yml",
          "deploy",
          "Hand the verified models to the job that records the promotion",
        ).with?.name,
      });
      const role = step("Assume the building stack's deploy role");
      assert.equal(role.with?.["role-to-assume"], "${{ vars.AWS_ROLE_ARN }}");
      assert.equal(role.with?.["aws-region"], "${{ vars.AWS_REGION }}");
      assert.equal(
        step("Check the environment is set up").env?.ENVIRONMENT,
        "${{ inputs.registry-environment }}",
      );
      assert.equal(
        step("Record the promotion in the building stack's registry").env?.RUN_URL,
        RUN_URL_EXPRESSION,
      );
      assert.equal(
        namedStep("deploy-stack.yml", "deploy", "Promote the verified model packages in the registry").env
          ?.RUN_URL,
        RUN_URL_EXPRESSION,
      );
    });

    describe("the promote loop (a building stack's deploy job)", () => {
      const step = namedStep(
        "deploy-stack.yml",
        "deploy",
        "Promote the verified model packages in the registry",
      );
      const promote = (models: string, fake = recordingFake("npm")) => ({
        step,
        env: { STACK: "staging", MODELS: models, PROMOTE: "Verified", RUN_URL },
        fakes: { npm: fake },
      });
      const runs = stepRunsBefore({
        two: promote("diagnosis churn"),
        none: promote(""),
        fails: promote("diagnosis churn", recordingFake("npm", "exit 1")),
      });

      it("promotes each verified model, checking its live endpoint, with the run's URL", () => {
        assert.equal(runs.two.code, 0, runs.two.stderr);
        assert.deepEqual(runs.two.calls, [
          `npm\trun\tops\t--\tpromote\tstaging\tdiagnosis\t--status\tVerified\t--outputs\tstack-outputs.json\t--description\t${RUN_URL}`,
          `npm\trun\tops\t--\tpromote\tstaging\tchurn\t--status\tVerified\t--outputs\tstack-outputs.json\t--description\t${RUN_URL}`,
        ]);
        assert.equal(runs.none.code, 0, runs.none.stderr);
        assert.deepEqual(runs.none.calls, []);
      });

      it("stops at the first model it cannot promote", () => {
        assert.equal(runs.fails.code, 1);
        assert.equal(runs.fails.calls.length, 1);
      });
    });

    describe("the record job", () => {
      const step = namedStep(
        "deploy-stack.yml",
        "record",
        "Record the promotion in the building stack's registry",
      );
      const environment = namedStep("deploy-stack.yml", "record", "Check the environment is set up");
      const record = (models: string, fake = recordingFake("npm")) => ({
        step,
        env: { STACK: "prod", PROMOTE: "Deployed", RUN_URL },
        files: { "verified-models.txt": models, "stack-outputs.json": "{}" },
        fakes: { npm: fake },
      });
      const runs = stepRunsBefore({
        one: record("diagnosis\n"),
        two: record("diagnosis churn\n"),
        none: record("\n"),
        fails: record("diagnosis churn\n", recordingFake("npm", "exit 4")),
        notSetUp: {
          step: environment,
          env: { ENVIRONMENT: "staging", AWS_ROLE_ARN: "", AWS_REGION: "us-east-1" },
        },
      });

      it("records each model the deploy job verified, from its outputs, without looking at the endpoint", () => {
        assert.equal(runs.one.code, 0, runs.one.stderr);
        assert.deepEqual(runs.one.calls, [
          `npm\trun\tops\t--\tpromote\tprod\tdiagnosis\t--status\tDeployed\t--outputs\tstack-outputs.json\t--description\t${RUN_URL}\t--registry-only`,
        ]);
        assert.equal(runs.two.code, 0, runs.two.stderr);
        assert.deepEqual(
          runs.two.calls.map((call) => call.split("\t")[6]),
          ["diagnosis", "churn"],
        );
      });

      it("says so when there is nothing to record, and stops at the first failure", () => {
        assert.equal(runs.none.code, 0, runs.none.stderr);
        assert.deepEqual(runs.none.calls, []);
        assert.deepEqual(annotations(runs.none), [
          "::notice title=Nothing to record::no model of stack prod has an endpoint yet",
        ]);
        assert.equal(runs.fails.code, 4);
        assert.equal(runs.fails.calls.length, 1);
      });

      it("stops with what to set when the building stack's environment lacks its role", () => {
        assert.equal(runs.notSetUp.code, 1);
        assert.match(
          runs.notSetUp.stdout,
          /^::error title=GitHub environment staging is not set up::set its variable\(s\) AWS_ROLE_ARN /m,
        );
      });
    });
  });

  describe("the list of serving stacks", () => {
    const step = namedStep(
      "model-approved.yml",
      "serving",
      "List the stacks that serve the model from this registry",
    );
    const SERVING = JSON.stringify([
      {
        stack: "qa",
        environment: "qa",
        "smoke-test": false,
        promote: "Deployed",
        "registry-environment": "staging",
        model: "triage",
      },
      {
        stack: "prod",
        environment: "production",
        "smoke-test": false,
        promote: "Deployed",
        "registry-environment": "staging",
        model: "diagnosis",
      },
    ]);
    const serving = (node: string, arn = ARN) => ({
      step,
      env: { STACK: "staging", MODEL: "diagnosis", MODEL_PACKAGE_ARN: arn },
      fakes: { node: recordingFake("node", node) },
    });
    const runs = stepRunsBefore({
      listed: serving(`echo '${SERVING}'`),
      none: serving("echo '[]'"),
      noPackage: serving(`echo '${SERVING}'`, ""),
      broken: serving("echo 'error: 1 problem with the promotion ...' >&2; exit 2"),
    });

    it("passes on the serving stacks of stackModels.ts serving and shows them in the summary", () => {
      assert.equal(runs.listed.code, 0, runs.listed.stderr);
      assert.deepEqual(runs.listed.calls, [
        "node\t--require\ttsx/cjs\t.github/scripts/stackModels.ts\tserving\t--stack\tstaging\t--model\tdiagnosis",
      ]);
      assert.deepEqual(runs.listed.outputLines, [`stacks=${SERVING}`]);
      assert.equal(runs.listed.summary, `Deploying ${ARN} to: qa → prod\n`);
    });

    it("deploys no serving stack when none serves the model, or the dispatch names no package", () => {
      assert.deepEqual(runs.none.outputLines, ["stacks=[]"]);
      assert.deepEqual(annotations(runs.none), [
        "::notice title=No serving stacks::no stack serves model diagnosis from the registry of stack staging",
      ]);
      assert.equal(runs.noPackage.code, 0, runs.noPackage.stderr);
      assert.deepEqual(runs.noPackage.outputLines, ["stacks=[]"]);
      assert.deepEqual(annotations(runs.noPackage), [
        "::warning title=Serving stacks not deployed::the dispatch names no model package: the stacks that serve model diagnosis (qa, prod) deploy the verified package on the next merge to main",
      ]);
    });

    it("fails when the stack files' promotion cannot be worked out", () => {
      assert.equal(runs.broken.code, 2);
      assert.deepEqual(runs.broken.outputLines, []);
      assert.match(runs.broken.stderr, /^error: 1 problem with the promotion/m);
    });
  });
});
