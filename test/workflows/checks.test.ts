import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { knownStacks, REPOSITORY_ROOT } from "../../preview";
import { namedStep, stepRunsBefore, workflow } from "./workflowFiles";

/** The stacks this repository ships; a stack file added next to them changes no expectation here. */
const REPOSITORY_STACKS = ["prod", "staging"] as const;

const CI_RUN = readFileSync(path.join(REPOSITORY_ROOT, ".ci", "run"), "utf8");
const checks = workflow("checks.yml");
const runs = (jobId: string) => (checks.jobs[jobId].steps ?? []).flatMap((step) => step.run ?? []);

describe("checks.yml (the offline checks of every pull request and deploy)", () => {
  it("is a reusable workflow that the pull request and deploy workflows call", () => {
    assert.deepEqual(Object.keys(checks.on), ["workflow_call"]);
    assert.equal(workflow("pull-request.yml").jobs.checks.uses, "./.github/workflows/checks.yml");
    assert.equal(workflow("deploy.yml").jobs.checks.uses, "./.github/workflows/checks.yml");
  });

  it("installs, builds, lints and tests as .ci/run does", () => {
    const ciCommands = CI_RUN.split("\n")
      .map((line) => line.trim())
      .filter((line) => /^npm (ci|run build|run lint|test)\b/.test(line));
    assert.deepEqual(ciCommands, [
      "npm ci --no-audit --no-fund",
      "npm run build",
      "npm run lint",
      "npm test",
    ]);
    assert.deepEqual(runs("test").slice(-4), ciCommands);
  });

  it("tests on Debian 12 with the Python libraries .ci/run installs, and moto 5", () => {
    assert.equal(checks.jobs.test.container, "debian:bookworm");
    const ciPackages = /apt-get install [^\n]*?((?: python3-[\w-]+)+)/.exec(CI_RUN)?.[1].trim().split(" ");
    assert.deepEqual(ciPackages, ["python3-sklearn", "python3-pandas", "python3-xgboost", "python3-boto3"]);
    const install = runs("test")[0];
    const installed =
      /apt-get install ([^\n]*)/.exec(install.replace(/\\\n\s*/g, " "))?.[1].split(/\s+/) ?? [];
    for (const name of ciPackages ?? []) assert.ok(installed.includes(name), `${name} is not installed`);
    assert.match(CI_RUN, /moto\[server\]>=5,<6/);
    assert.match(install, /pipx install 'moto\[server\]>=5,<6'/);
    assert.equal(
      namedStep("checks.yml", "test", "Install the tests' Python libraries, moto_server and tools").env
        ?.PIPX_BIN_DIR,
      "/usr/local/bin",
    );
  });

  it("previews every stack offline with the policy pack and uploads its findings, one category per stack", () => {
    const policy = checks.jobs.policy;
    assert.equal(policy.needs, "stacks");
    assert.deepEqual(policy.strategy?.matrix, { stack: "${{ fromJSON(needs.stacks.outputs.stacks) }}" });
    const preview = namedStep("checks.yml", "policy", "Preview the stack offline with the policy pack");
    assert.equal(preview.env?.STACK, "${{ matrix.stack }}");
    assert.equal(preview.run, 'npm run preview -- --stack "$STACK" --sarif "preview-$STACK.sarif"');
    const upload = namedStep("checks.yml", "policy", "Upload the policy findings to code scanning");
    assert.match(upload.uses ?? "", /^github\/codeql-action\/upload-sarif@/);
    assert.deepEqual(upload.with, {
      sarif_file: "preview-${{ matrix.stack }}.sarif",
      category: "pulumi-policy-${{ matrix.stack }}",
    });
    // Uploaded when the preview fails on a mandatory finding too: that is when the findings matter most.
    assert.match(
      String(upload.if),
      /^\$\{\{ !cancelled\(\) && hashFiles\(format\('preview-\{0\}\.sarif', matrix\.stack\)\) != '' \}\}$/,
    );
    assert.equal(policy.strategy && (policy.strategy as { "fail-fast"?: boolean })["fail-fast"], false);
  });

  describe("the stacks it previews: every Pulumi.<stack>.yaml", () => {
    const listStep = namedStep("checks.yml", "stacks", "List the stack files");
    const stackFiles = (stacks: readonly string[]) =>
      Object.fromEntries(stacks.map((stack) => [`Pulumi.${stack}.yaml`, "config: {}\n"]));
    const runs = stepRunsBefore({
      shipped: { step: listStep, files: { "Pulumi.yaml": "name: mlops\n", ...stackFiles(knownStacks()) } },
      added: {
        step: listStep,
        files: { "Pulumi.yaml": "name: mlops\n", ...stackFiles(["prod", "staging", "dev", "sandbox-alice"]) },
      },
      none: { step: listStep, files: { "Pulumi.yaml": "name: mlops\n" } },
      odd: { step: listStep, files: stackFiles(["prod", "a b"]) },
    });

    it("lists the stack files present, so that an added one is previewed with no change here", () => {
      assert.equal(checks.jobs.stacks.outputs?.stacks, "${{ steps.stacks.outputs.stacks }}");
      assert.equal(runs.shipped.code, 0, runs.shipped.stderr);
      assert.deepEqual(JSON.parse(runs.shipped.outputs.stacks), knownStacks());
      assert.deepEqual(JSON.parse(runs.added.outputs.stacks), ["dev", "prod", "sandbox-alice", "staging"]);
    });

    it("fails on no stack file, or one whose name is not a stack name", () => {
      assert.equal(runs.none.code, 1);
      assert.match(runs.none.stdout, /^::error title=No stacks::/m);
      assert.equal(runs.odd.code, 1);
      assert.match(runs.odd.stdout, /^::error title=Invalid stack file name::/m);
    });
  });

  it("previews every stack file in .ci/run as CI does, and the shipped stacks have their pack configs", () => {
    const stacks = [...REPOSITORY_STACKS];
    assert.match(
      CI_RUN,
      /^for file in Pulumi\.\*\.yaml; do\n {2}stack=\$\{file#Pulumi\.\}\n {2}stack=\$\{stack%\.yaml\}\n {2}npm run preview -- --stack "\$stack" --sarif "preview-\$stack\.sarif"\ndone$/m,
    );
    assert.deepEqual(CI_RUN.match(/npm run preview/g)?.length, 1);
    for (const stack of stacks) {
      assert.ok(existsSync(path.join(REPOSITORY_ROOT, "policies", "config", `${stack}.json`)), stack);
    }
  });
});
