import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { REPOSITORY_ROOT } from "../../preview";
import { readStackFile } from "../helpers/stackFiles";
import {
  checkConfigured,
  configuredModels,
  deployedPackage,
  deployEnvironment,
  deployOrder,
  endpointsTable,
  modelsToVerify,
  parseStackOutputs,
  run,
} from "../../.github/scripts/stackModels";

const PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-staging-diagnosis/3";

/** `pulumi stack output --json` of a stack with two models, one approved (see program.ts). */
const OUTPUTS = {
  environment: "staging",
  models: {
    diagnosis: {
      pipelineName: "mlops-staging-diagnosis",
      endpoint: {
        name: "mlops-staging-diagnosis-4f2a",
        arn: "arn:aws:sagemaker:us-east-1:123456789012:endpoint/mlops-staging-diagnosis-4f2a",
        configName: "mlops-staging-diagnosis-config-77b1",
        modelPackageArn: PACKAGE,
      },
    },
    churn: { pipelineName: "mlops-staging-churn", endpoint: null },
  },
};
const outputs = parseStackOutputs(JSON.stringify(OUTPUTS), "outputs.json");

/** What `deploy-order` prints for the shipped stack files: the matrix of deploy.yml. */
const SHIPPED_ORDER =
  '[{"stack":"staging","environment":"staging","smoke-test":true},' +
  '{"stack":"prod","environment":"production","smoke-test":false}]';

/** The shipped stacks' entries of a printed deploy order: stack files a team adds keep their own places. */
function shipped(printedOrder: string): string {
  const entries = JSON.parse(printedOrder) as { stack: string }[];
  return JSON.stringify(entries.filter((entry) => ["staging", "prod"].includes(entry.stack)));
}

/** A stack file with `mlops:delivery` as given (YAML, indented under it). */
function deliveryFile(delivery: string): string {
  return `config:\n  mlops:environment: x\n  mlops:delivery:\n${delivery.replace(/^/gm, "    ")}\n`;
}

/** A project folder with the shipped stack files and more: `files` maps stack names to stack file texts. */
function withStacks<T>(files: Record<string, string>, use: (root: string) => T): T {
  const root = mkdtempSync(path.join(tmpdir(), "mlops-stack-order-"));
  try {
    for (const file of ["Pulumi.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml"]) {
      copyFileSync(path.join(REPOSITORY_ROOT, file), path.join(root, file));
    }
    for (const [stack, text] of Object.entries(files))
      writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), text);
    return use(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe(".github/scripts/stackModels.ts (the models a deploy verifies)", () => {
  it("reads the models a stack file configures", () => {
    for (const stack of ["staging", "prod"] as const) {
      const names = (readStackFile(stack).models as { name: string }[]).map((model) => model.name);
      assert.deepEqual(configuredModels(stack), names);
    }
    assert.doesNotThrow(() => checkConfigured("staging", "diagnosis"));
    assert.throws(() => checkConfigured("staging", "fraud"), {
      name: "InputError",
      message: 'model "fraud" is not configured in Pulumi.staging.yaml (models: diagnosis)',
    });
    assert.throws(() => checkConfigured("qa", "diagnosis"), { message: /^unknown stack "qa"/ });
  });

  it("verifies every model with an endpoint, or only the one asked, which must have one", () => {
    assert.deepEqual(modelsToVerify(outputs, "staging"), ["diagnosis"]);
    assert.deepEqual(modelsToVerify(outputs, "staging", "diagnosis"), ["diagnosis"]);
    assert.throws(() => modelsToVerify(outputs, "staging", "churn"), {
      message:
        'model "churn" has no endpoint in stack staging: its endpoint output stays null until a version of its ' +
        "model package group is approved",
    });
    assert.throws(() => modelsToVerify(outputs, "staging", "fraud"), {
      message: 'model "fraud" is not in the outputs of stack staging (models: diagnosis, churn)',
    });
    assert.deepEqual(modelsToVerify(parseStackOutputs('{"models": {}}', "f"), "prod"), []);
  });

  it("tells the package an endpoint serves", () => {
    assert.equal(deployedPackage(outputs, "staging", "diagnosis"), PACKAGE);
    assert.throws(() => deployedPackage(outputs, "staging", "churn"), { message: /has no endpoint/ });
  });

  it("refuses outputs that are not this project's stack outputs", () => {
    assert.throws(() => parseStackOutputs("{", "out.json"), {
      name: "InputError",
      message: /^out\.json is not JSON: /,
    });
    assert.throws(() => parseStackOutputs('{"environment": "prod"}', "out.json"), {
      message: 'out.json has no "models" mapping: is it `pulumi stack output --json` of this project?',
    });
    assert.throws(
      () => parseStackOutputs('{"models": {"a": {"endpoint": {"name": "e"}}, "b": {}}}', "out.json"),
      {
        message:
          "out.json: models.a.endpoint.configName is missing (an endpoint or null is expected); " +
          "models.a.endpoint.modelPackageArn is missing (an endpoint or null is expected); " +
          "models.b.endpoint.name is missing (an endpoint or null is expected); " +
          "models.b.endpoint.configName is missing (an endpoint or null is expected); " +
          "models.b.endpoint.modelPackageArn is missing (an endpoint or null is expected)",
      },
    );
  });

  it("summarises the endpoints as a table", () => {
    assert.equal(
      endpointsTable(outputs, "staging"),
      [
        "### Endpoints of stack staging",
        "",
        "| Model | Endpoint | Endpoint config | Model package |",
        "| --- | --- | --- | --- |",
        `| diagnosis | \`mlops-staging-diagnosis-4f2a\` | \`mlops-staging-diagnosis-config-77b1\` | \`${PACKAGE}\` |`,
        "| churn | none yet | | |",
        "",
      ].join("\n"),
    );
  });

  describe("the deploy order", () => {
    const github = (environment: string) =>
      `github:\n  repository: example-org/mlops-platform\n  deployEnvironment: ${environment}`;

    it("is staging, smoke-tested, then prod in environment production, from the shipped stack files", () => {
      assert.equal(shipped(JSON.stringify(deployOrder())), SHIPPED_ORDER);
    });

    it("picks up an added stack file: lowest deployOrder first (default 100), then by stack name", () => {
      const order = withStacks(
        {
          // Between staging (100) and prod (200).
          qa: deliveryFile(`${github("qa")}\ndeployOrder: 150\nsmokeTest: true`),
          // The default order, 100, as staging's: by name, dev before staging and zeta after it.
          dev: deliveryFile(github("dev")),
          zeta: deliveryFile(`${github("zeta")}\nsmokeTest: true`),
          // Before everything.
          "sandbox-alice": deliveryFile(`${github("sandbox")}\ndeployOrder: 0`),
        },
        (root) => deployOrder(root),
      );
      assert.deepEqual(order, [
        { stack: "sandbox-alice", environment: "sandbox", "smoke-test": false },
        { stack: "dev", environment: "dev", "smoke-test": false },
        { stack: "staging", environment: "staging", "smoke-test": true },
        { stack: "zeta", environment: "zeta", "smoke-test": true },
        { stack: "qa", environment: "qa", "smoke-test": true },
        { stack: "prod", environment: "production", "smoke-test": false },
      ]);
    });

    it("leaves out the stacks GitHub Actions does not deploy: no mlops:delivery, or a deploy branch", () => {
      const order = withStacks(
        {
          sandbox: "config:\n  mlops:environment: sandbox\n",
          nightly: deliveryFile(
            "github:\n  repository: example-org/mlops-platform\n  deployBranch: main\ndeployOrder: 1",
          ),
        },
        (root) => deployOrder(root).map((entry) => entry.stack),
      );
      assert.deepEqual(order, ["staging", "prod"]);
    });

    it("refuses a stack file whose delivery settings are invalid, with every problem", () => {
      withStacks(
        { qa: deliveryFile(`${github("qa")}\ndeployOrder: first\nsmokeTest: "yes"\npromotesTo: prod`) },
        (root) =>
          assert.throws(
            () => deployOrder(root),
            (error: Error) => {
              assert.equal(error.name, "InputError");
              const [first, ...problems] = error.message.split("\n");
              assert.equal(first, 'Pulumi.qa.yaml: stack "qa" has 3 problems in its mlops configuration:');
              assert.deepEqual(problems.slice(0, 2), [
                '  - delivery.deployOrder: "first" must be a whole number from 0 to 1000',
                '  - delivery.smokeTest: "yes" must be true or false',
              ]);
              // An unknown key, e.g. a misspelt one, is refused with the keys allowed.
              assert.match(
                problems[2],
                /^ {2}- delivery\.promotesTo: "prod" is not a known key here \(.*allowed: github, approvalDispatch, deployOrder, smokeTest\)$/,
              );
              return true;
            },
          ),
      );
    });
  });

  describe("commands", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "mlops-stack-models-"));
    const file = path.join(dir, "stack-outputs.json");
    const summary = path.join(dir, "summary.md");
    writeFileSync(file, JSON.stringify(OUTPUTS));
    after(() => rmSync(dir, { recursive: true, force: true }));

    const printed = (argv: string[]) => {
      const lines: string[] = [];
      assert.equal(
        run(argv, (line) => lines.push(line)),
        0,
      );
      return lines;
    };

    it("print the models on one line, an empty --model meaning every model, and append the summary", () => {
      writeFileSync(summary, "before\n");
      assert.deepEqual(
        printed(["endpoints", "--stack", "staging", "--outputs", file, "--model", "", "--summary", summary]),
        ["diagnosis"],
      );
      assert.equal(readFileSync(summary, "utf8"), `before\n${endpointsTable(outputs, "staging")}`);
      assert.deepEqual(
        printed(["package", "--stack", "staging", "--outputs", file, "--model", "diagnosis"]),
        [PACKAGE],
      );
      assert.deepEqual(printed(["configured", "--stack", "prod", "--model", "diagnosis"]), []);
    });

    it("print the GitHub environment whose jobs deploy a stack: the one its deploy role trusts", () => {
      assert.deepEqual(printed(["deploy-environment", "--stack", "staging"]), ["staging"]);
      assert.deepEqual(printed(["deploy-environment", "--stack", "prod"]), ["production"]);
      const root = mkdtempSync(path.join(tmpdir(), "mlops-stack-models-"));
      try {
        writeFileSync(path.join(root, "Pulumi.yaml"), "name: mlops\n");
        writeFileSync(path.join(root, "Pulumi.sandbox.yaml"), "config:\n  mlops:environment: sandbox\n");
        assert.throws(() => deployEnvironment("sandbox", root), {
          name: "InputError",
          message:
            "Pulumi.sandbox.yaml sets no mlops:delivery.github.deployEnvironment: no GitHub environment deploys stack sandbox (docs/delivery.md)",
        });
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

    it("print the deploy order as one line of JSON, for deploy.yml's matrix", () => {
      const lines = printed(["deploy-order"]);
      assert.equal(lines.length, 1);
      assert.equal(shipped(lines[0] ?? ""), SHIPPED_ORDER);
      assert.throws(() => run(["deploy-order", "--stack", "staging"], () => undefined), {
        name: "InputError",
        message: /^deploy-order takes no flags\nusage: stackModels\.ts configured/,
      });
    });

    it("refuse a missing flag or an unknown command, with the usage", () => {
      assert.throws(() => run(["package", "--stack", "staging", "--outputs", file], () => undefined), {
        message: /^--model is required\nusage: stackModels\.ts configured/,
      });
      assert.throws(() => run(["deploy", "--stack", "staging"], () => undefined), {
        message: /^unknown command "deploy"\nusage:/,
      });
    });

    it("run as the deploy workflow runs them, reporting errors in one line and exit code 2", async () => {
      const script = path.join(".github", "scripts", "stackModels.ts");
      const cli = (args: string[]) =>
        new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, ["--require", "tsx/cjs", script, ...args], {
            cwd: REPOSITORY_ROOT,
          });
          let [stdout, stderr] = ["", ""];
          child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
          child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
          child.on("close", (status) => resolve({ status, stdout, stderr }));
        });
      // Both at once: each starts node and tsx.
      const [ok, bad, order] = await Promise.all([
        cli(["endpoints", "--stack", "staging", "--outputs", file, "--model", ""]),
        cli(["endpoints", "--stack", "staging", "--outputs", file, "--model", "churn"]),
        cli(["deploy-order"]),
      ]);
      assert.equal(order.status, 0, order.stderr);
      assert.match(order.stdout, /^\[.*\]\n$/);
      assert.equal(shipped(order.stdout), SHIPPED_ORDER);
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(ok.stdout, "diagnosis\n");
      assert.equal(bad.status, 2);
      assert.equal(bad.stdout, "");
      assert.match(bad.stderr, /^error: model "churn" has no endpoint in stack staging: [^\n]*\n$/);
    });
  });
});
