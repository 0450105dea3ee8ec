import { XMLParser, XMLValidator } from "fast-xml-parser";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import assert from "node:assert/strict";
import * as path from "node:path";
import { knownStacks, packPolicyNames, parsePlan, type Plan, REPOSITORY_ROOT } from "../../preview";
import { spawnSync } from "node:child_process";
import { forgottenDashes, formatError, type FlagOptions } from "../../preview/main";
import { parseModelPackages } from "../../preview/offlineRegistry";
import { type CommandResult, runCommand } from "../helpers/commands";
import { stillRunning } from "../helpers/processes";
import { parse } from "yaml";

/** A version of the staging stack's only model. */
const STAGING_PACKAGE = "arn:aws:sagemaker:us-east-1:111111111111:model-package/mlops-staging-diagnosis/3";

/** Runs a command of the product the way `npm run` does (see package.json), and collects what it prints. */
const run = (script: "cli" | "policyCli", args: readonly string[]) =>
  runCommand(path.join(REPOSITORY_ROOT, "preview", `${script}.ts`), args, ["--max-semi-space-size=64"]);

/** Runs a command as `npm run <script>` would with `env` added to the environment (short runs only: it blocks). */
const runWithEnv = (script: "cli" | "policyCli", args: readonly string[], env: Record<string, string>) => {
  const result = spawnSync(
    process.execPath,
    ["--require", "tsx/cjs", path.join(REPOSITORY_ROOT, "preview", `${script}.ts`), ...args],
    { cwd: REPOSITORY_ROOT, env: { ...process.env, ...env }, encoding: "utf8" },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

/** The account a stack's mocked ARNs are in: its stack file's `aws:allowedAccountIds`, else 123456789012. */
const accountOf = (stack: string): string => {
  const file = parse(readFileSync(path.join(REPOSITORY_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const allowed = file.config?.["aws:allowedAccountIds"];
  return Array.isArray(allowed) && typeof allowed[0] === "string" ? allowed[0] : "123456789012";
};

/** The policy pack processes a run started (found among the processes it started). */
const packsOf = (result: CommandResult) =>
  result.descendants.filter((process) => process.command.includes("run-policy-pack"));

/** What a run started and left running once it had exited: `pid command` of each. */
const leftRunning = async (result: CommandResult) =>
  (await stillRunning(result.descendants)).map(({ pid, command }) => `${pid} ${command}`);

describe("npm run preview and npm run policy", function () {
  // Each run starts the program and the policy pack in a process of its own.
  this.timeout(120_000);
  const dir = mkdtempSync(path.join(tmpdir(), "mlops-preview-"));
  const file = (name: string) => path.join(dir, name);
  const runs: Record<string, CommandResult> = {};
  before(async () => {
    const [staging, prod] = await Promise.all([
      run("cli", ["--stack", "staging", "--json", file("staging.json")]),
      run("cli", [
        "--stack",
        "prod",
        "--json",
        file("prod.json"),
        "--sarif",
        file("prod.sarif"),
        "--junit",
        file("prod.xml"),
        "--mermaid",
        file("prod.mmd"),
      ]),
    ]);
    Object.assign(runs, { staging, prod });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const stack of ["staging", "prod"]) {
    it(`${stack}: prints the preview tree and no finding, and exits 0`, () => {
      const { code, stdout, stderr } = runs[stack];
      assert.equal(code, 0, stderr);
      assert.match(stdout, new RegExp(`^Previewing update \\(${stack}\\), offline$`, "m"));
      assert.match(stdout, new RegExp(`pulumi:pulumi:Stack +mlops-${stack} +create`));
      assert.match(stdout, new RegExp(`mlops:sagemaker:DriftCheck +mlops-${stack}-diagnosis-drift +create`));
      // Staging builds the model; prod serves the version staging verified, from staging's account.
      assert.match(
        stdout,
        new RegExp(
          `model registry offline: models\\[0\\]\\.endpoint\\.modelPackage: arn:aws:sagemaker:us-east-1:${accountOf("staging")}:model-package/mlops-staging-diagnosis/`,
        ),
      );
      // What the program logs as info goes with the notes, not before the tree.
      assert.match(stdout, /^Previewing update/);
      assert.match(stdout, /\nPolicy: no findings\n$/);
      // Not a terminal: no progress indicator, no colour.
      assert.equal(stderr.includes("\r"), false);
      assert.equal(stdout.includes("\x1b["), false);
    });
  }

  it("--json writes the plan: every resource with realistic ids and ARNs, the outputs, no finding", () => {
    const plan: Plan = parsePlan(readFileSync(file("prod.json"), "utf8"), "prod.json");
    assert.equal(plan.project, "mlops");
    assert.equal(plan.stack, "prod");
    assert.deepEqual(plan.findings, []);
    const endpoint =
      plan.resources.find((r) => r.type === "aws:sagemaker/endpoint:Endpoint") ?? assert.fail("no endpoint");
    assert.equal(endpoint.id, "mlops-prod-diagnosis");
    assert.equal(
      endpoint.outputs.arn,
      `arn:aws:sagemaker:us-east-1:${accountOf("prod")}:endpoint/mlops-prod-diagnosis`,
    );
    assert.match(endpoint.parent, /mlops:sagemaker:ModelEndpoint::mlops-prod-diagnosis$/);
    const role =
      plan.resources.find((r) => r.name === "mlops-prod-diagnosis-model-role") ?? assert.fail("no role");
    // A fixed name, which the deploy role may pass before the endpoint exists.
    assert.equal(role.outputs.arn, `arn:aws:iam::${accountOf("prod")}:role/mlops-prod-diagnosis-model-role`);
    const bucket =
      plan.resources.find(
        (r) => r.type === "aws:s3/bucket:Bucket" && r.name === "mlops-prod-diagnosis-data",
      ) ?? assert.fail("no data bucket");
    // Auto-named as Pulumi names it: the name and seven hex characters.
    assert.match(bucket.id, /^mlops-prod-diagnosis-data-[0-9a-f]{7}$/);
    // Prod serves staging's models: no pipeline of its own.
    assert.ok(!plan.resources.some((r) => r.type === "mlops:sagemaker:MlPipeline"));
    assert.equal((plan.outputs as { environment: string }).environment, "prod");
  });

  it("--sarif, --junit and --mermaid write well-formed files", () => {
    const sarif = JSON.parse(readFileSync(file("prod.sarif"), "utf8")) as {
      version: string;
      runs: { results: unknown[]; tool: { driver: { name: string } } }[];
    };
    assert.equal(sarif.version, "2.1.0");
    assert.equal(sarif.runs[0].tool.driver.name, "mlops-guardrails");
    assert.deepEqual(sarif.runs[0].results, []);
    const junit = readFileSync(file("prod.xml"), "utf8");
    assert.equal(XMLValidator.validate(junit), true);
    const suites = new XMLParser({ ignoreAttributes: false }).parse(junit).testsuites;
    assert.equal(suites["@_failures"], "0");
    assert.equal(Number(suites["@_tests"]), packPolicyNames().length, "one passing case per policy");
    const mermaid = readFileSync(file("prod.mmd"), "utf8");
    assert.match(mermaid, /^flowchart LR\n/);
    assert.match(mermaid, /\S+\["ModelEndpoint<br\/>mlops-prod-diagnosis"\]/);
  });

  it("npm run policy: a saved plan with injected violations exits 1 and names each violation, with the plan's stack", async () => {
    const plan = JSON.parse(readFileSync(file("staging.json"), "utf8")) as {
      resources: { type: string; name: string; inputs: Record<string, unknown> }[];
    };
    const rolePolicy =
      plan.resources.find((r) => r.name === "mlops-staging-diagnosis-role-policy") ?? assert.fail();
    rolePolicy.inputs.policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "All", Effect: "Allow", Action: "*", Resource: "*" }],
    });
    const model =
      plan.resources.find(
        (r) => r.type === "aws:sagemaker/model:Model" && r.name === "mlops-staging-diagnosis-primary",
      ) ?? assert.fail();
    model.inputs.enableNetworkIsolation = false;
    writeFileSync(file("injected.json"), JSON.stringify(plan));
    // No --stack: the plan's stack (staging) is taken, with its pack config.
    runs.injected = await run("policyCli", [
      "--plan",
      file("injected.json"),
      "--sarif",
      file("injected.sarif"),
      "--junit",
      file("injected.xml"),
    ]);
    const { code, stdout, stderr } = runs.injected;
    assert.equal(code, 1, stderr);
    assert.match(stdout, /Mandatory findings:/);
    assert.match(stdout, /forbid-iam-wildcard-actions +\(mlops-staging-diagnosis-role-policy\)/);
    assert.match(stdout, /require-sagemaker-network-isolation +\(mlops-staging-diagnosis-primary\)/);
    const sarif = JSON.parse(readFileSync(file("injected.sarif"), "utf8")) as {
      runs: { results: { ruleId: string; level: string }[] }[];
    };
    const rules = new Set(sarif.runs[0].results.map((r) => r.ruleId));
    for (const rule of [
      "forbid-iam-wildcard-actions",
      "forbid-iam-wildcard-resources",
      "require-sagemaker-network-isolation",
    ]) {
      assert.ok(rules.has(rule), rule);
    }
    assert.ok(sarif.runs[0].results.every((r) => r.level === "error"));
    const junit = readFileSync(file("injected.xml"), "utf8");
    assert.equal(XMLValidator.validate(junit), true);
    const failures = Number(new XMLParser({ ignoreAttributes: false }).parse(junit).testsuites["@_failures"]);
    assert.equal(failures, sarif.runs[0].results.length);
  });

  it("leaves no policy pack process behind", async () => {
    // Only the processes these runs started: each started its pack, and stopped it before exiting.
    for (const stack of ["staging", "prod", "injected"]) {
      assert.equal(packsOf(runs[stack] ?? assert.fail(`${stack} did not run`)).length, 1, stack);
      assert.deepEqual(await leftRunning(runs[stack]), [], stack);
    }
  });

  describe("bad input: one line, exit code 2, no stack trace", () => {
    const root = mkdtempSync(path.join(tmpdir(), "mlops-root-"));
    const cases = {
      unknownStack: ["cli", ["--stack", "qa"]],
      expand: ["cli", ["--stack", "qa", "--expand"]],
      otherStack: ["policyCli", ["--plan", file("staging.json"), "--stack", "prod"]],
      packConfig: ["cli", ["--stack", "staging", "--policy-config", file("two-problems.json")]],
      unknownFlag: ["cli", ["--stack", "staging", "--colour"]],
      noStack: ["cli", []],
      modelPackage: ["cli", ["--stack", "staging", "--model-package", "diagnosis"]],
      otherModel: ["cli", ["--stack", "staging", "--model-package", `churn=${STAGING_PACKAGE}`]],
      otherGroup: [
        "cli",
        ["--stack", "staging", "--model-package", `diagnosis=${STAGING_PACKAGE.replace("staging", "prod")}`],
      ],
      accountId: ["cli", ["--stack", "staging", "--account-id", "42"]],
      emptyRegistry: [
        "cli",
        ["--stack", "staging", "--empty-registry", "--model-package", `diagnosis=${STAGING_PACKAGE}`],
      ],
      notAProject: ["cli", ["--stack", "staging", "--root", path.join(root, "missing")]],
      config: [
        "cli",
        [
          "--stack",
          "broken",
          "--root",
          root,
          "--policy-config",
          path.join(REPOSITORY_ROOT, "policies", "config", "staging.json"),
        ],
      ],
      notAPlan: ["policyCli", ["--plan", file("broken.json"), "--stack", "staging"]],
      missingPlan: ["policyCli", ["--plan", file("missing.json"), "--stack", "staging"]],
    } as const;
    const results: Partial<Record<keyof typeof cases, CommandResult>> = {};
    before(async () => {
      writeFileSync(path.join(root, "Pulumi.yaml"), readFileSync(path.join(REPOSITORY_ROOT, "Pulumi.yaml")));
      const staging = readFileSync(path.join(REPOSITORY_ROOT, "Pulumi.staging.yaml"), "utf8");
      writeFileSync(
        path.join(root, "Pulumi.broken.yaml"),
        staging
          .replace("mlops:environment: staging", "mlops:environment: qa")
          .replace("instanceType: ml.t2.medium", "instanceType: ml.t2.huge"),
      );
      writeFileSync(
        file("two-problems.json"),
        JSON.stringify({ "require-resources-tags": "loud", "require-s3-bucket-protection": "strict" }),
      );
      writeFileSync(
        file("broken.json"),
        JSON.stringify({
          project: "mlops",
          stack: "staging",
          resources: [{ urn: 42 }],
          outputs: {},
          findings: [],
        }),
      );
      // Each case is a process of its own; they run side by side.
      await Promise.all(
        Object.entries(cases).map(async ([key, [script, args]]) => {
          results[key as keyof typeof cases] = await run(script, args);
        }),
      );
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    const expectBadInput = (key: keyof typeof cases, message: RegExp) => {
      const { code, stdout, stderr } = results[key] ?? assert.fail(`${key} did not run`);
      assert.equal(code, 2, stderr);
      assert.equal(stdout, "");
      assert.match(stderr, message);
      assert.equal(/\n\s+at /.test(stderr), false, `no stack trace:\n${stderr}`);
    };

    it("an unknown stack", () =>
      expectBadInput(
        "unknownStack",
        new RegExp(
          `^error: unknown stack "qa": there is no Pulumi\\.qa\\.yaml \\(stacks: ${knownStacks().join(", ")}\\)\n$`,
        ),
      ));

    it("a --root that is not a Pulumi project", () =>
      expectBadInput(
        "notAProject",
        new RegExp(
          `^error: ${path.join(root, "missing")} is not a Pulumi project: it has no Pulumi\\.yaml\n$`,
        ),
      ));

    it("an unknown flag, or a missing --stack", () => {
      expectBadInput(
        "unknownFlag",
        /^error: unknown option '--colour'\nusage: npm run preview -- --stack <name> .* \[--expand\] \[--no-color\]\n$/,
      );
      expectBadInput("noStack", /^error: --stack is required\nusage: npm run preview/);
    });

    it("a --model-package of a model the stack does not have, or of another model's group", () => {
      expectBadInput(
        "otherModel",
        new RegExp(
          `^error: --model-package "churn=[^"]+": the stack has no model "churn" \\(models: diagnosis\\)\n$`,
        ),
      );
      expectBadInput(
        "otherGroup",
        /^error: --model-package "diagnosis=[^"]+": the package is in group "mlops-prod-diagnosis", not in model "diagnosis"'s group "mlops-staging-diagnosis" \(models: diagnosis\)\n$/,
      );
    });

    it("a malformed --model-package or --account-id", () => {
      expectBadInput(
        "modelPackage",
        /^error: --model-package "diagnosis": expected <model>=<versioned model package ARN>/,
      );
      expectBadInput("accountId", /^error: --account-id "42": expected 12 digits\n$/);
    });

    it("--empty-registry with a --model-package", () =>
      expectBadInput(
        "emptyRegistry",
        /^error: --model-package cannot be combined with --empty-registry: an empty registry has no version to choose \(versions pinned in the stack file still resolve\); leave one of them out\n$/,
      ));

    it("an invalid stack config lists every problem", () =>
      expectBadInput(
        "config",
        /^error: stack "broken" has \d+ problems? in its mlops configuration:\n( {2}- .*\n)* {2}- models\[0\]\.endpoint\.instanceType: "ml\.t2\.huge" is not a SageMaker instance type for endpoints/,
      ));

    it("--expand is a flag of npm run preview: the run goes on to the stack", () =>
      expectBadInput(
        "expand",
        new RegExp(
          `^error: unknown stack "qa": there is no Pulumi\\.qa\\.yaml \\(stacks: ${knownStacks().join(", ")}\\)\n$`,
        ),
      ));

    it("npm run policy with a --stack other than the plan's", () =>
      expectBadInput(
        "otherStack",
        new RegExp(
          `^error: --stack prod does not match the plan: ${file("staging.json").replace(/[.\\]/g, "\\$&")} is a plan of stack staging \\(leave --stack out to use it\\)\n$`,
        ),
      ));

    it("a pack config with two problems: a count and a list, like a stack config's", () =>
      expectBadInput(
        "packConfig",
        /^error: the pack config has 2 problems:\n {2}- .*two-problems\.json: "require-resources-tags": must be one of .*\n {2}- .*two-problems\.json: "require-s3-bucket-protection": must be one of .*\n$/,
      ));

    it("a plan file that is not a plan, or no file", () => {
      expectBadInput("notAPlan", /^error: .*broken\.json: resources\[0\]\.urn: expected a string, got 42/);
      expectBadInput("missingPlan", /^error: cannot read --plan .*missing\.json: ENOENT\n$/);
    });

    it("leaves no process behind, the pack included when it had started", async () => {
      for (const [key, result] of Object.entries(results)) {
        assert.deepEqual(await leftRunning(result), [], key);
      }
    });
  });
});

describe("npm run preview and npm run policy: help and hints", function () {
  this.timeout(30_000);
  /** The lines of the Flags section, each of which must be one flag. */
  const flagsOf = (help: string) => {
    const lines = (/\nFlags:\n([^]*?)\n\n/.exec(help)?.[1] ?? "").split("\n");
    for (const line of lines) assert.match(line, /^ {2}(-h, )?--[a-z-]+ /, "one line per flag");
    return lines;
  };

  it("--help and -h print the usage, one line per flag and examples on stdout, and exit 0", () => {
    const preview = runWithEnv("cli", ["--help"], {});
    assert.equal(preview.code, 0, preview.stderr);
    assert.equal(preview.stderr, "");
    assert.match(preview.stdout, /^usage: npm run preview -- --stack <name> /);
    assert.deepEqual(
      flagsOf(preview.stdout).map((line) => line.trim().split(/\s+/)[0]),
      [
        "--stack",
        "--account-id",
        "--model-package",
        "--empty-registry",
        "--policy-config",
        "--json",
        "--sarif",
        "--junit",
        "--mermaid",
        "--expand",
        "--no-color",
        "-h,",
      ],
    );
    assert.match(
      preview.stdout,
      /\n {2}--expand {23}list every resource in the tree, not one line per run of more than three of one type\n/,
    );
    assert.deepEqual(runWithEnv("cli", ["--stack", "staging", "-h"], {}), preview);

    const policy = runWithEnv("policyCli", ["-h"], {});
    assert.equal(policy.code, 0, policy.stderr);
    assert.equal(policy.stderr, "");
    assert.match(policy.stdout, /^usage: npm run policy -- --plan <file> \[--stack <name>\] /);
    assert.deepEqual(
      flagsOf(policy.stdout).map((line) => line.trim().split(/\s+/)[0]),
      [
        "--plan",
        "--stack",
        "--policy-config",
        "--json",
        "--sarif",
        "--junit",
        "--mermaid",
        "--no-color",
        "-h,",
      ],
    );
    assert.match(
      policy.stdout,
      /\n {2}--stack <name> {10}the stack whose pack config applies \(default: the plan's stack; must match it\)\n/,
    );
    assert.match(policy.stdout, /\nExamples:\n {2}npm run policy -- --plan staging\.json\n/);
  });

  it("flags npm kept for itself (no --): a hint to write npm run preview -- --stack staging", () => {
    // `npm run preview --stack=staging`: no argument at all, npm_config_stack=staging.
    const result = runWithEnv("cli", [], { npm_lifecycle_event: "preview", npm_config_stack: "staging" });
    assert.deepEqual(result, {
      code: 2,
      stdout: "",
      stderr:
        "error: npm took --stack for itself: put -- before the flags, as in npm run preview -- --stack staging\n",
    });
  });

  it("forgottenDashes: the flags npm took, with their values where npm left them", () => {
    const options: FlagOptions = {
      plan: { type: "string" },
      stack: { type: "string" },
      expand: { type: "boolean" },
    };
    const npm = (script: string, env: Record<string, string>) => ({ npm_lifecycle_event: script, ...env });
    // `npm run preview --stack staging`: npm_config_stack=true, "staging" left as an argument.
    assert.equal(
      forgottenDashes("preview", ["staging"], options, npm("preview", { npm_config_stack: "true" })),
      "npm took --stack for itself: put -- before the flags, as in npm run preview -- --stack staging",
    );
    assert.equal(
      forgottenDashes(
        "policy",
        ["a.json", "staging"],
        options,
        npm("policy", { npm_config_plan: "true", npm_config_stack: "true", npm_config_expand: "true" }),
      ),
      "npm took --plan, --stack, --expand for itself: put -- before the flags, as in " +
        "npm run policy -- --plan <plan> --stack <stack> --expand",
    );
    // Flags were passed (with --), another script runs, or npm took none of ours: no hint.
    assert.equal(
      forgottenDashes("preview", ["--stack", "staging"], options, npm("preview", { npm_config_stack: "x" })),
      undefined,
    );
    assert.equal(
      forgottenDashes("preview", [], options, npm("test", { npm_config_stack: "staging" })),
      undefined,
    );
    assert.equal(forgottenDashes("preview", [], options, npm("preview", {})), undefined);
  });

  it("every error is printed as error: <message>, further lines as they are", () => {
    assert.equal(formatError('unknown stack "qa"'), 'error: unknown stack "qa"\n');
    assert.equal(formatError("--stack is required\nusage: x"), "error: --stack is required\nusage: x\n");
  });
});

describe("--model-package <model>=<ARN>", () => {
  const stack = { namePrefix: "mlops-staging", models: [{ name: "diagnosis" }, { name: "fraud" }] };
  const arn = (group: string, version = 3) =>
    `arn:aws:sagemaker:us-east-1:123456789012:model-package/${group}/${version}`;

  it("takes a package of the model's own group, keyed by the model's name", () => {
    assert.deepEqual(parseModelPackages([`fraud=${arn("mlops-staging-fraud")}`], stack), {
      packages: new Map([["mlops-staging-fraud", arn("mlops-staging-fraud")]]),
      problems: [],
    });
  });

  it("refuses a model the stack does not have, and a package of another model's group, listing the models", () => {
    assert.deepEqual(
      parseModelPackages(
        [
          `churn=${arn("mlops-staging-churn")}`,
          `mlops-staging-diagnosis=${arn("mlops-staging-diagnosis")}`,
          `diagnosis=${arn("mlops-staging-fraud")}`,
          `diagnosis=${arn("mlops-prod-diagnosis")}`,
          "diagnosis",
        ],
        stack,
      ).problems,
      [
        `--model-package "churn=${arn("mlops-staging-churn")}": the stack has no model "churn" (models: diagnosis, fraud)`,
        `--model-package "mlops-staging-diagnosis=${arn("mlops-staging-diagnosis")}": the stack has no model ` +
          `"mlops-staging-diagnosis" (that is the group of model "diagnosis") (models: diagnosis, fraud)`,
        `--model-package "diagnosis=${arn("mlops-staging-fraud")}": the package is in group "mlops-staging-fraud" ` +
          `(model "fraud"), not in model "diagnosis"'s group "mlops-staging-diagnosis" (models: diagnosis, fraud)`,
        `--model-package "diagnosis=${arn("mlops-prod-diagnosis")}": the package is in group "mlops-prod-diagnosis", ` +
          `not in model "diagnosis"'s group "mlops-staging-diagnosis" (models: diagnosis, fraud)`,
        '--model-package "diagnosis": expected <model>=<versioned model package ARN>, e.g. ' +
          "diagnosis=arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-staging-diagnosis/3",
      ],
    );
  });
});

describe("--model-package <model>=<ARN> for a model served from another stack's registry", () => {
  const source = "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-diagnosis";
  const stack = {
    namePrefix: "mlops-prod",
    models: [{ name: "churn" }, { name: "diagnosis", source: { modelPackageGroupArn: source } }],
  };
  const version = (account: string, group = "mlops-staging-diagnosis", region = "us-east-1") =>
    `arn:aws:sagemaker:${region}:${account}:model-package/${group}/4`;

  it("takes a version of the model's source group, keyed by the group's ARN", () => {
    assert.deepEqual(parseModelPackages([`diagnosis=${version("111111111111")}`], stack), {
      packages: new Map([[source, version("111111111111")]]),
      problems: [],
    });
  });

  it("refuses a version of another group, or of a group of that name in another account or region", () => {
    const values = [
      version("222222222222", "mlops-prod-churn"),
      version("222222222222"),
      version("111111111111", "mlops-staging-diagnosis", "eu-west-1"),
    ];
    assert.deepEqual(
      parseModelPackages(
        values.map((arn) => `diagnosis=${arn}`),
        stack,
      ).problems,
      [
        `--model-package "diagnosis=${values[0]}": the package is in group ` +
          'arn:aws:sagemaker:us-east-1:222222222222:model-package-group/mlops-prod-churn (model "churn"), not in ' +
          `model "diagnosis"'s source group ${source} (source.modelPackageGroupArn) (models: churn, diagnosis)`,
        `--model-package "diagnosis=${values[1]}": the package is in group ` +
          "arn:aws:sagemaker:us-east-1:222222222222:model-package-group/mlops-staging-diagnosis, not in model " +
          `"diagnosis"'s source group ${source} (source.modelPackageGroupArn) (models: churn, diagnosis)`,
        `--model-package "diagnosis=${values[2]}": the package is in group ` +
          "arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/mlops-staging-diagnosis, not in model " +
          `"diagnosis"'s source group ${source} (source.modelPackageGroupArn) (models: churn, diagnosis)`,
      ],
    );
  });

  it("refuses a version of a served model's source group for a model built here, naming its owner", () => {
    assert.deepEqual(parseModelPackages([`churn=${version("111111111111")}`], stack).problems, [
      `--model-package "churn=${version("111111111111")}": the package is in group "mlops-staging-diagnosis" ` +
        `(model "diagnosis"), not in model "churn"'s group "mlops-prod-churn" (models: churn, diagnosis)`,
    ]);
  });
});
