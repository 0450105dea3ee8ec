import assert from "node:assert/strict";
import { knownStacks } from "../../preview";
import {
  namedStep,
  recordingFake,
  stepRunsBefore,
  stepsOf,
  workflow,
  workflowText,
  type StepRun,
} from "./workflowFiles";

const FILE = "pull-request.yml";
const pr = workflow(FILE);

const ROLES = {
  staging: "arn:aws:iam::111111111111:role/mlops-staging-preview",
  prod: "arn:aws:iam::222222222222:role/mlops-prod-preview",
};

/** The repository variables when everything is set up, as `toJSON(vars)` gives them. */
const VARIABLES = {
  AWS_REGION: "us-east-1",
  AWS_PREVIEW_ROLE_ARN_STAGING: ROLES.staging,
  AWS_PREVIEW_ROLE_ARN_PROD: ROLES.prod,
};

/** The environment of the access step when everything is set up for a branch of this repository. */
const SET_UP = {
  HEAD_REPOSITORY: "acme/mlops",
  PULUMI_ACCESS_TOKEN: "pul-0123456789",
  AWS_REGION: "us-east-1",
  VARIABLES: JSON.stringify(VARIABLES),
};

/** Stack files in the access step's checkout. */
const stackFiles = (stacks: readonly string[]) =>
  Object.fromEntries([
    ["Pulumi.yaml", "name: mlops\n"],
    ...stacks.map((stack) => [`Pulumi.${stack}.yaml`, "config: {}\n"]),
  ]);

const accessStep = namedStep(FILE, "access", "Find the stacks that can be previewed");
const previewStep = namedStep(FILE, "pulumi-preview", "pulumi preview with the policy pack");
const commentStep = namedStep(FILE, "comment", "Post or update the comment");

/** The access step's matrix, parsed, after checking that it is its only output. */
function matrixOf(run: StepRun): unknown {
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(Object.keys(run.outputs), ["matrix"]);
  return JSON.parse(run.outputs.matrix);
}

/** A fake `pulumi` that records its arguments, prints `lines` lines of output and exits with `code`. */
function fakePulumi(code: number, lines = 3): string {
  return recordingFake(
    "pulumi",
    `for ((i = 1; i <= ${lines}; i++)); do echo "line $i of the preview"; done\n` +
      `echo "Resources: 2 to update" >&2\nexit ${code}`,
  );
}

const PREVIEW_ENV = {
  STACK: "staging",
  MAX_OUTPUT_CHARS: "30000",
  PULUMI_ACCESS_TOKEN: "pul-0123456789",
  RUN_URL: "https://github.com/acme/mlops/actions/runs/42",
};

describe("pull-request.yml (read-only checks of a pull request)", () => {
  it("runs on pull requests to main, replacing the run of an earlier push", () => {
    assert.deepEqual(pr.on, { pull_request: { branches: ["main"] } });
    assert.deepEqual(pr.concurrency, {
      group: "pull-request-${{ github.event.pull_request.number }}",
      "cancel-in-progress": true,
    });
  });

  it("runs the offline checks, then previews the stacks it has access to, then comments", () => {
    assert.equal(pr.jobs.checks.uses, "./.github/workflows/checks.yml");
    assert.deepEqual(pr.jobs["pulumi-preview"].needs, ["checks", "access"]);
    assert.equal(pr.jobs["pulumi-preview"].if, "needs.access.outputs.matrix != '[]'");
    assert.deepEqual(pr.jobs["pulumi-preview"].strategy?.matrix, {
      include: "${{ fromJSON(needs.access.outputs.matrix) }}",
    });
    assert.equal(pr.jobs.comment.needs, "pulumi-preview");
  });

  describe("cannot change an environment", () => {
    const steps = Object.keys(pr.jobs).flatMap((jobId) => stepsOf(FILE, jobId));

    it("runs no Pulumi command but preview, and installs the CLI without running one", () => {
      const scripts = steps.flatMap(({ step }) => step.run ?? []);
      const pulumiCommands = scripts.flatMap((script) =>
        [...script.matchAll(/\bpulumi\s+([a-z-]+)/g)].map((m) => m[1]),
      );
      assert.deepEqual([...new Set(pulumiCommands)], ["preview"]);
      for (const script of scripts) {
        assert.doesNotMatch(
          script,
          /\bpulumi\s+(up|update|destroy|refresh|import|cancel|state|stack\s+rm)\b/,
        );
      }
      const actions = steps.filter(({ step }) => step.uses?.startsWith("pulumi/actions@"));
      assert.equal(actions.length, 1);
      assert.deepEqual(Object.keys(actions[0].step.with ?? {}), ["pulumi-version"]);
    });

    it("assumes only the read-only preview roles, from repository variables", () => {
      const roleSteps = steps.filter(({ step }) =>
        step.uses?.startsWith("aws-actions/configure-aws-credentials@"),
      );
      assert.equal(roleSteps.length, 1);
      assert.equal(roleSteps[0].step.with?.["role-to-assume"], "${{ matrix.role }}");
      // The matrix's roles come from the preview role variables only: the one variable name the step reads.
      assert.equal(accessStep.env?.VARIABLES, "${{ toJSON(vars) }}");
      assert.deepEqual(accessStep.run?.match(/AWS_\w*ROLE\w*/g), [
        "AWS_PREVIEW_ROLE_ARN_",
        "AWS_PREVIEW_ROLE_ARN_",
      ]);
      assert.deepEqual(
        workflowText(FILE).match(/\w*AWS_ROLE_ARN\w*/g),
        null,
        "the deploy role variable is not used",
      );
    });

    it("enters no GitHub environment and calls no deploy", () => {
      for (const [jobId, job] of Object.entries(pr.jobs)) {
        assert.equal(job.environment, undefined, jobId);
        assert.notEqual(job.uses, "./.github/workflows/deploy-stack.yml", jobId);
      }
    });
  });

  describe("the access step", () => {
    const BAD_ROLES = [
      "arn:aws:iam::1111:role/x",
      'arn:aws:iam::111111111111:role/x","role":"y',
      "mlops-preview",
    ];
    const access = (
      env: Record<string, string>,
      variables: Record<string, string> = {},
      stacks: readonly string[] = ["prod", "staging"],
    ) => ({
      step: accessStep,
      env: { ...SET_UP, VARIABLES: JSON.stringify({ ...VARIABLES, ...variables }), ...env },
      files: stackFiles(stacks),
    });
    const SANDBOX = "arn:aws:iam::444444444444:role/mlops-sandbox-alice-preview";
    const runs = stepRunsBefore({
      all: access({}),
      added: access({}, { AWS_PREVIEW_ROLE_ARN_SANDBOX_ALICE: SANDBOX }, [
        "prod",
        "sandbox-alice",
        "staging",
      ]),
      repository: access({}, {}, knownStacks()),
      noProdRole: access({}, { AWS_PREVIEW_ROLE_ARN_PROD: "" }),
      fork: access({ HEAD_REPOSITORY: "someone/mlops" }),
      noToken: access({ PULUMI_ACCESS_TOKEN: "" }),
      noRegion: access({ AWS_REGION: "" }),
      badRole0: access({}, { AWS_PREVIEW_ROLE_ARN_PROD: BAD_ROLES[0] }),
      badRole1: access({}, { AWS_PREVIEW_ROLE_ARN_PROD: BAD_ROLES[1] }),
      badRole2: access({}, { AWS_PREVIEW_ROLE_ARN_PROD: BAD_ROLES[2] }),
    });

    it("previews every stack file's stack, each with its own preview role, sharing the comment", () => {
      assert.deepEqual(matrixOf(runs.all), [
        { stack: "prod", role: ROLES.prod, "max-chars": 30000 },
        { stack: "staging", role: ROLES.staging, "max-chars": 30000 },
      ]);
      assert.deepEqual(matrixOf(runs.added), [
        { stack: "prod", role: ROLES.prod, "max-chars": 20000 },
        { stack: "sandbox-alice", role: SANDBOX, "max-chars": 20000 },
        { stack: "staging", role: ROLES.staging, "max-chars": 20000 },
      ]);
      // The repository's own stack files: a stack without its role variable is skipped with a notice.
      const stacks = (matrixOf(runs.repository) as { stack: string }[]).map((entry) => entry.stack);
      assert.deepEqual(
        stacks,
        knownStacks().filter((stack) => ["prod", "staging"].includes(stack)),
      );
    });

    it("previews only the stacks whose preview role is set", () => {
      assert.deepEqual(matrixOf(runs.noProdRole), [
        { stack: "staging", role: ROLES.staging, "max-chars": 60000 },
      ]);
      assert.match(
        runs.noProdRole.stdout,
        /^::notice title=pulumi preview of prod skipped::the repository variable AWS_PREVIEW_ROLE_ARN_PROD is not set$/m,
      );
    });

    it("skips every preview for a pull request from a fork, even if the variables are readable", () => {
      assert.deepEqual(matrixOf(runs.fork), []);
      assert.match(
        runs.fork.stdout,
        /^::notice title=pulumi preview skipped::pull requests from forks get no AWS or Pulumi access$/m,
      );
    });

    it("skips every preview without the Pulumi token or the region", () => {
      for (const run of [runs.noToken, runs.noRegion]) {
        assert.deepEqual(matrixOf(run), []);
        assert.match(
          run.stdout,
          /^::notice title=pulumi preview skipped::set the secret PULUMI_ACCESS_TOKEN and the variable AWS_REGION/m,
        );
      }
    });

    it("fails on a preview role variable that is not a role ARN, without echoing it", () => {
      for (const [role, run] of [runs.badRole0, runs.badRole1, runs.badRole2].map(
        (r, i) => [BAD_ROLES[i], r] as const,
      )) {
        assert.equal(run.code, 1, role);
        assert.deepEqual(run.outputLines, []);
        assert.match(
          run.stdout,
          /^::error title=Invalid AWS_PREVIEW_ROLE_ARN_PROD::the variable is not an IAM role ARN \(arn:aws:iam::<account id>:role\/<name>\)$/m,
        );
        assert.ok(!run.stdout.includes(role));
      }
    });
  });

  describe("the pulumi preview step", () => {
    const runs = stepRunsBefore({
      succeeded: { step: previewStep, env: PREVIEW_ENV, fakes: { pulumi: fakePulumi(0) } },
      failed: { step: previewStep, env: PREVIEW_ENV, fakes: { pulumi: fakePulumi(255) } },
      long: {
        step: previewStep,
        env: { ...PREVIEW_ENV, MAX_OUTPUT_CHARS: "500" },
        fakes: { pulumi: fakePulumi(1, 2000) },
      },
    });

    it("previews the stack with its policy pack config and keeps the output for the comment", () => {
      const run = runs.succeeded;
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.calls, [
        [
          "pulumi",
          "preview",
          "--stack",
          "staging",
          "--policy-pack",
          "policies",
          "--policy-pack-config",
          "policies/config/staging.json",
          "--non-interactive",
          "--color",
          "never",
          "--suppress-progress",
        ].join("\t"),
      ]);
      const section = run.file("preview-staging.md");
      assert.equal(
        section,
        [
          "### `staging`: pulumi preview succeeded",
          "",
          "<details><summary>Output</summary>",
          "",
          "````text",
          "line 1 of the preview",
          "line 2 of the preview",
          "line 3 of the preview",
          "Resources: 2 to update",
          "````",
          "",
          "</details>",
          "",
        ].join("\n"),
      );
      assert.equal(run.summary, section);
    });

    it("fails with pulumi's exit code, and shows the failed output open", () => {
      assert.equal(runs.failed.code, 255);
      assert.match(
        runs.failed.file("preview-staging.md"),
        /^### `staging`: pulumi preview failed \(exit code 255\)\n\n<details open><summary>/,
      );
    });

    it("keeps the end of a long output, within the limit, and links the job log", () => {
      assert.equal(runs.long.code, 1);
      const section = runs.long.file("preview-staging.md");
      assert.match(
        section,
        /^### `staging`: pulumi preview failed \(exit code 1\)\n\nThe start of the output is left out; the whole output is in \[the job log\]\(https:\/\/github\.com\/acme\/mlops\/actions\/runs\/42\)\.\n\n/,
      );
      const output = /````text\n([^]*)\n````/.exec(section)?.[1] ?? "";
      assert.ok(output.length <= 500 && output.length > 400, `${output.length} characters`);
      assert.match(output, /^line \d+ of the preview\n/, "starts with a whole line");
      assert.match(output, /line 2000 of the preview\nResources: 2 to update$/);
    });

    it("is limited to the stack's share, so that every stack fits in one comment", () => {
      assert.equal(previewStep.env?.MAX_OUTPUT_CHARS, "${{ matrix.max-chars }}");
      const total = Number(accessStep.env?.COMMENT_CHARS);
      // Each section adds its heading, the fences and the details tags to its share of the output.
      assert.ok(total + 300 * 10 + 100 < 65_536, String(total));
    });
  });

  describe("the comment step", () => {
    const files = {
      "previews/preview-prod.md": "### `prod`: pulumi preview succeeded\n",
      "previews/preview-staging.md": "### `staging`: pulumi preview failed (exit code 1)\n",
    };
    const env = { GH_TOKEN: "ghs_x", PR_NUMBER: "7", HEAD_SHA: "0123456789abcdef" };
    const comment = [
      "<!-- mlops-pulumi-preview -->",
      "## Pulumi preview of 0123456",
      "",
      "### `prod`: pulumi preview succeeded",
      "",
      "### `staging`: pulumi preview failed (exit code 1)",
      "",
    ].join("\n");
    /** A fake gh: the comment list prints `existing`; a body given as @file is recorded. */
    const fakeGh = (existing: string) =>
      recordingFake(
        "gh",
        `for arg in "$@"; do [[ $arg == body=@* ]] && cp "\${arg#body=@}" "$FAKE_LOG.body"; done\n` +
          `[[ $* == *"--jq"* ]] && printf '${existing}'\nexit 0`,
      );
    const runs = stepRunsBefore({
      first: { step: commentStep, env, files, fakes: { gh: fakeGh("") } },
      again: { step: commentStep, env, files, fakes: { gh: fakeGh("101\\n202\\n") } },
    });

    it("posts one comment with every stack's preview, in the order of the stack names", () => {
      const run = runs.first;
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.calls.length, 2);
      assert.match(run.calls[0], /^gh\tapi\trepos\/acme\/mlops\/issues\/7\/comments\t--paginate\t--jq\t/);
      assert.ok(run.calls[0].includes('startswith("<!-- mlops-pulumi-preview -->")'));
      assert.equal(
        run.calls[1],
        "gh\tapi\t--method\tPOST\trepos/acme/mlops/issues/7/comments\t-F\tbody=@comment.md",
      );
      assert.equal(run.file(".fake-log.body"), comment);
    });

    it("updates its earlier comment instead of adding another", () => {
      const run = runs.again;
      assert.equal(run.code, 0, run.stderr);
      assert.equal(
        run.calls[1],
        "gh\tapi\t--method\tPATCH\trepos/acme/mlops/issues/comments/202\t-F\tbody=@comment.md",
      );
      assert.equal(run.file(".fake-log.body"), comment);
    });
  });
});
