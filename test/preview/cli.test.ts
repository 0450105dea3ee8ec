import { XMLParser, XMLValidator } from "fast-xml-parser";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import assert from "node:assert/strict";
import * as path from "node:path";
import { packPolicyNames, parsePlan, type Plan, REPOSITORY_ROOT } from "../../preview";
import { type CommandResult, runCommand } from "../helpers/commands";
import { stillRunning } from "../helpers/processes";

/** Runs a command of the product the way `npm run` does (see package.json), and collects what it prints. */
const run = (script: "cli" | "policyCli", args: readonly string[]) =>
  runCommand(path.join(REPOSITORY_ROOT, "preview", `${script}.ts`), args, ["--max-semi-space-size=64"]);

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
      assert.match(
        stdout,
        new RegExp(`mlops:sagemaker:MonitoringSchedule +mlops-${stack}-diagnosis-data-quality +create`),
      );
      assert.match(
        stdout,
        /model registry offline: models\[0\]\.endpoint\.modelPackage: arn:aws:sagemaker:us-east-1:123456789012:model-package\//,
      );
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
      "arn:aws:sagemaker:us-east-1:123456789012:endpoint/mlops-prod-diagnosis",
    );
    assert.match(endpoint.parent, /mlops:sagemaker:ModelEndpoint::mlops-prod-diagnosis$/);
    const role = plan.resources.find((r) => r.name === "mlops-prod-diagnosis-role") ?? assert.fail("no role");
    assert.match(
      String(role.outputs.arn),
      /^arn:aws:iam::123456789012:role\/mlops-prod-diagnosis-role-[0-9a-f]{7}$/,
    );
    assert.ok(plan.resources.some((r) => !r.custom && r.type === "mlops:sagemaker:MlPipeline"));
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
    assert.match(mermaid, /subgraph \S+\["ModelEndpoint<br\/>mlops-prod-diagnosis"\]/);
  });

  it("npm run policy: a saved plan with injected violations exits 1 and names each violation", async () => {
    const plan = JSON.parse(readFileSync(file("staging.json"), "utf8")) as {
      resources: { type: string; name: string; inputs: Record<string, unknown> }[];
    };
    const rolePolicy =
      plan.resources.find((r) => r.name === "mlops-staging-diagnosis-role-policy") ?? assert.fail();
    rolePolicy.inputs.policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "All", Effect: "Allow", Action: "*", Resource: "*" }],
    });
    const model = plan.resources.find((r) => r.type === "aws:sagemaker/model:Model") ?? assert.fail();
    model.inputs.enableNetworkIsolation = false;
    writeFileSync(file("injected.json"), JSON.stringify(plan));
    runs.injected = await run("policyCli", [
      "--plan",
      file("injected.json"),
      "--stack",
      "staging",
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
      unknownFlag: ["cli", ["--stack", "staging", "--colour"]],
      noStack: ["cli", []],
      modelPackage: ["cli", ["--stack", "staging", "--model-package", "diagnosis"]],
      accountId: ["cli", ["--stack", "staging", "--account-id", "42"]],
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
        /^error: unknown stack "qa": there is no Pulumi\.qa\.yaml \(stacks: prod, staging\)\n$/,
      ));

    it("a --root that is not a Pulumi project", () =>
      expectBadInput(
        "notAProject",
        new RegExp(
          `^error: ${path.join(root, "missing")} is not a Pulumi project: it has no Pulumi\\.yaml\n$`,
        ),
      ));

    it("an unknown flag, or a missing --stack", () => {
      expectBadInput("unknownFlag", /^error: Unknown option '--colour'/);
      expectBadInput("noStack", /^error: --stack is required\nusage: npm run preview/);
    });

    it("a malformed --model-package or --account-id", () => {
      expectBadInput(
        "modelPackage",
        /^error: --model-package "diagnosis": expected <model>=<versioned model package ARN>/,
      );
      expectBadInput("accountId", /^error: --account-id "42": expected 12 digits\n$/);
    });

    it("an invalid stack config lists every problem", () =>
      expectBadInput(
        "config",
        /^error: Stack "broken" has 2 problems in its mlops configuration:\n {2}- environment: "qa" is not an environment \(allowed: staging, prod\)\n {2}- models\[0\]\.endpoint\.instanceType: "ml\.t2\.huge" is not a SageMaker instance type for endpoints/,
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
