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
  servingStacks,
  type StackDeploy,
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

/**
 * What `deploy-order` prints for the shipped stack files, as far as it does not depend on whether prod builds
 * its models or serves staging's (the promotion is checked on the fixture files below, and against prod's file).
 */
const SHIPPED_ORDER =
  '[{"stack":"staging","environment":"staging","smoke-test":true},' +
  '{"stack":"prod","environment":"production","smoke-test":false}]';

/** The shipped stacks' entries of a printed deploy order, with their deploy settings: added stack files keep their places. */
function shipped(printedOrder: string): string {
  const entries = JSON.parse(printedOrder) as StackDeploy[];
  return JSON.stringify(
    entries
      .filter((entry) => ["staging", "prod"].includes(entry.stack))
      .map((entry) => ({
        stack: entry.stack,
        environment: entry.environment,
        "smoke-test": entry["smoke-test"],
      })),
  );
}

/** What the shipped stacks' entries say about promotion: staging builds; prod serves staging's models if its file says so. */
function checkShippedPromotion(printedOrder: string): void {
  const entries = JSON.parse(printedOrder) as StackDeploy[];
  const entry = (stack: string) => entries.find((candidate) => candidate.stack === stack);
  assert.deepEqual(
    { promote: entry("staging")?.promote, registry: entry("staging")?.["registry-environment"] },
    { promote: "Verified", registry: "" },
  );
  const served = (readStackFile("prod").models as { source?: unknown }[]).some((model) => model.source);
  assert.deepEqual(
    { promote: entry("prod")?.promote, registry: entry("prod")?.["registry-environment"] },
    served ? { promote: "Deployed", registry: "staging" } : { promote: "Verified", registry: "" },
  );
}

const STAGING_GROUP = "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-diagnosis";

/** A stack file of the promotion set-up: `settings` are YAML lines under `config:` after the account and region. */
function stackFile(account: string, settings: string, region = "us-east-1"): string {
  return `config:\n  aws:region: ${region}\n  aws:allowedAccountIds: ["${account}"]\n${settings.replace(/^/gm, "  ")}\n`;
}

/** `mlops:delivery` deploying in a GitHub environment. */
function deployedIn(environment: string, more = ""): string {
  const github = `mlops:delivery:\n  github:\n    repository: example-org/mlops-platform\n    deployEnvironment: ${environment}`;
  return more === "" ? github : `${github}\n${more.replace(/^/gm, "  ")}`;
}

/** `mlops:models` with one model served from `arn` (as `name`). */
function servedFrom(arn: string, name = "diagnosis"): string {
  return (
    `mlops:models:\n  - name: ${name}\n    source:\n      modelPackageGroupArn: ${arn}\n      verifiedIn: staging\n` +
    `    endpoint:\n      modelPackage: latest-verified`
  );
}

/**
 * The shipped set-up once prod serves staging's models: staging (account 111111111111) builds diagnosis and
 * churn and shares them with prod's account; prod (222222222222) serves diagnosis from staging's group.
 */
const STAGING_FILE = stackFile(
  "111111111111",
  [
    "mlops:environment: staging",
    'mlops:promotion:\n  consumerAccounts: ["222222222222"]',
    "mlops:models:\n  - name: diagnosis\n  - name: churn",
    deployedIn("staging", "deployOrder: 100\nsmokeTest: true"),
  ].join("\n"),
);
const PROD_FILE = stackFile(
  "222222222222",
  [
    "mlops:environment: prod",
    servedFrom(STAGING_GROUP),
    deployedIn("production", "approvalDispatch:\n  enabled: false\ndeployOrder: 200"),
  ].join("\n"),
);

const STAGING_ENTRY = {
  stack: "staging",
  environment: "staging",
  "smoke-test": true,
  promote: "Verified",
  "registry-environment": "",
};
const PROD_ENTRY = {
  stack: "prod",
  environment: "production",
  "smoke-test": false,
  promote: "Deployed",
  "registry-environment": "staging",
};

/** A stack file with `mlops:delivery` as given (YAML, indented under it). */
function deliveryFile(delivery: string): string {
  return `config:\n  mlops:environment: x\n  mlops:delivery:\n${delivery.replace(/^/gm, "    ")}\n`;
}

/**
 * A project folder with staging and prod as above, and more: `files` maps stack names to stack file texts
 * (staging and prod among them replace those).
 */
function withStacks<T>(files: Record<string, string>, use: (root: string) => T): T {
  const root = mkdtempSync(path.join(tmpdir(), "mlops-stack-order-"));
  try {
    copyFileSync(path.join(REPOSITORY_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
    const all = { staging: STAGING_FILE, prod: PROD_FILE, ...files };
    for (const [stack, text] of Object.entries(all))
      writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), text);
    return use(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The message of the InputError `action` throws. */
function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.equal((error as Error).name, "InputError", (error as Error).stack);
    return (error as Error).message;
  }
  assert.fail("no error was thrown");
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
      const order = JSON.stringify(deployOrder());
      assert.equal(shipped(order), SHIPPED_ORDER);
      checkShippedPromotion(order);
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
      const builds = { promote: "Verified", "registry-environment": "" };
      assert.deepEqual(order, [
        { stack: "sandbox-alice", environment: "sandbox", "smoke-test": false, ...builds },
        { stack: "dev", environment: "dev", "smoke-test": false, ...builds },
        STAGING_ENTRY,
        { stack: "zeta", environment: "zeta", "smoke-test": true, ...builds },
        { stack: "qa", environment: "qa", "smoke-test": true, ...builds },
        PROD_ENTRY,
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

  describe("promotion", () => {
    it("promotes Verified where a stack builds its models, and records a serving stack's Deployed in its building stack's environment", () => {
      assert.deepEqual(
        withStacks({}, (root) => deployOrder(root)),
        [STAGING_ENTRY, PROD_ENTRY],
      );
    });

    it("finds the building stack by account, region and <namePrefix>-<model>, whatever the stacks are called", () => {
      const order = withStacks(
        {
          // Staging's registry under a prefix of its own, in another account and region.
          staging: stackFile(
            "333333333333",
            [
              "mlops:environment: staging",
              "mlops:namePrefix: ml-stg",
              "mlops:models:\n  - name: diagnosis",
              deployedIn("pre-release"),
            ].join("\n"),
            "eu-west-1",
          ),
          prod: stackFile(
            "222222222222",
            [
              "mlops:environment: prod",
              servedFrom("arn:aws:sagemaker:eu-west-1:333333333333:model-package-group/ml-stg-diagnosis"),
              deployedIn("production", "deployOrder: 200"),
            ].join("\n"),
            "eu-west-1",
          ),
        },
        (root) => deployOrder(root),
      );
      assert.deepEqual(order, [
        { ...STAGING_ENTRY, environment: "pre-release", "smoke-test": false },
        { ...PROD_ENTRY, "registry-environment": "pre-release" },
      ]);
    });

    it("lists the stacks that serve a model from a registry, in deploy order, each with its model's name", () => {
      withStacks(
        {
          // Between staging and prod, serving staging's diagnosis as a model of another name.
          qa: stackFile(
            "444444444444",
            [
              "mlops:environment: qa",
              servedFrom(STAGING_GROUP, "triage"),
              deployedIn("qa", "deployOrder: 150"),
            ].join("\n"),
          ),
        },
        (root) => {
          assert.deepEqual(servingStacks("staging", "diagnosis", root), [
            {
              stack: "qa",
              environment: "qa",
              "smoke-test": false,
              promote: "Deployed",
              "registry-environment": "staging",
              model: "triage",
            },
            { ...PROD_ENTRY, model: "diagnosis" },
          ]);
          // Built, but served nowhere.
          assert.deepEqual(servingStacks("staging", "churn", root), []);
          assert.equal(
            errorOf(() => servingStacks("prod", "diagnosis", root)),
            `stack prod does not build model "diagnosis": Pulumi.prod.yaml: models[0].source serves it from ` +
              `"${STAGING_GROUP}"; its versions are approved and promoted in the registry of the stack that builds it`,
          );
          assert.equal(
            errorOf(() => servingStacks("staging", "fraud", root)),
            'model "fraud" is not configured in Pulumi.staging.yaml (models: diagnosis, churn)',
          );
        },
      );
    });

    it("refuses served models that do not all come from one stack GitHub Actions deploys, listing every problem with its file and key", () => {
      const message = withStacks(
        {
          // Builds diagnosis in staging's account, but GitHub Actions does not deploy it.
          sandbox: stackFile(
            "111111111111",
            "mlops:environment: sandbox\nmlops:models:\n  - name: diagnosis",
          ),
          // Serves from staging and from the sandbox, and builds a model too.
          qa: stackFile(
            "444444444444",
            [
              "mlops:environment: qa",
              "mlops:models:",
              `  - name: diagnosis\n    source:\n      modelPackageGroupArn: ${STAGING_GROUP}`,
              "  - name: fraud",
              "  - name: sandboxed\n    source:\n      modelPackageGroupArn: arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-sandbox-diagnosis",
              "  - name: churn\n    source:\n      modelPackageGroupArn: arn:aws:sagemaker:us-east-1:111111111111:model-package/mlops-staging-churn/3",
              // Staging's group name, in another account and in another region.
              "  - name: elsewhere\n    source:\n      modelPackageGroupArn: arn:aws:sagemaker:us-east-1:999999999999:model-package-group/mlops-staging-diagnosis",
              "  - name: abroad\n    source:\n      modelPackageGroupArn: arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/mlops-staging-diagnosis",
              "  - name: nothing\n    source: {}",
              deployedIn("qa", "deployOrder: 150"),
            ].join("\n"),
          ),
        },
        (root) => errorOf(() => deployOrder(root)),
      );
      const group = (account: string, region: string, name: string) =>
        `"arn:aws:sagemaker:${region}:${account}:model-package-group/${name}" is the registry of no stack of this ` +
        `repository: no stack file deploys to account ${account} (the first of aws:allowedAccountIds) in region ` +
        `${region} (aws:region) and builds a model whose group, <namePrefix>-<model>, is ${name}`;
      assert.deepEqual(message.split("\n"), [
        '6 problems with the promotion between the stack files (docs/delivery.md, "Promotion"):',
        "  - Pulumi.qa.yaml: models[1].source: missing, while models[0] is served from another stack's registry: " +
          "a stack either builds all its models or serves them all from one building stack, whose GitHub " +
          "environment records its promotion",
        '  - Pulumi.qa.yaml: models[2].source.modelPackageGroupArn: "arn:aws:sagemaker:us-east-1:111111111111:' +
          'model-package-group/mlops-sandbox-diagnosis" is the registry of stack sandbox, which GitHub Actions ' +
          "does not deploy (Pulumi.sandbox.yaml names no mlops:delivery.github.deployEnvironment): the promotion " +
          "of stack qa is recorded by a job in the building stack's GitHub environment",
        '  - Pulumi.qa.yaml: models[3].source.modelPackageGroupArn: "arn:aws:sagemaker:us-east-1:111111111111:' +
          'model-package/mlops-staging-churn/3" is not a model package group ARN ' +
          "(arn:aws:sagemaker:<region>:<account>:model-package-group/<name>)",
        `  - Pulumi.qa.yaml: models[4].source.modelPackageGroupArn: ${group("999999999999", "us-east-1", "mlops-staging-diagnosis")}`,
        `  - Pulumi.qa.yaml: models[5].source.modelPackageGroupArn: ${group("111111111111", "eu-west-1", "mlops-staging-diagnosis")}`,
        "  - Pulumi.qa.yaml: models[6].source.modelPackageGroupArn: missing is not a model package group ARN " +
          "(arn:aws:sagemaker:<region>:<account>:model-package-group/<name>)",
      ]);
    });

    it("refuses a stack serving models of two building stacks, and names a stack file whose account cannot be read", () => {
      const message = withStacks(
        {
          qa: stackFile(
            "444444444444",
            ["mlops:environment: qa", "mlops:models:\n  - name: fraud", deployedIn("qa")].join("\n"),
          ),
          prod: stackFile(
            "222222222222",
            [
              "mlops:environment: prod",
              "mlops:models:",
              `  - name: diagnosis\n    source:\n      modelPackageGroupArn: ${STAGING_GROUP}`,
              "  - name: fraud\n    source:\n      modelPackageGroupArn: arn:aws:sagemaker:us-east-1:444444444444:model-package-group/mlops-qa-fraud",
              deployedIn("production", "deployOrder: 200"),
            ].join("\n"),
          ),
          broken: 'config:\n  aws:region: us-east-1\n  aws:allowedAccountIds: ["1111"]\n',
        },
        (root) => errorOf(() => deployOrder(root)),
      );
      assert.deepEqual(message.split("\n"), [
        '2 problems with the promotion between the stack files (docs/delivery.md, "Promotion"):',
        '  - Pulumi.broken.yaml: aws:allowedAccountIds: ["1111"] must be a list of 12-digit AWS account ids, ' +
          'quoted, e.g. ["111111111111"]: the account the stack deploys to',
        '  - Pulumi.prod.yaml: models[1].source.modelPackageGroupArn: "arn:aws:sagemaker:us-east-1:444444444444:' +
          'model-package-group/mlops-qa-fraud" is the registry of stack qa, but models[0] is served from stack ' +
          "staging's: a stack serves the models of one building stack, whose GitHub environment records its promotion",
      ]);
    });

    it("looks at no account or region while no stack serves another's models", () => {
      const order = withStacks(
        {
          prod: stackFile(
            "222222222222",
            [
              "mlops:environment: prod",
              "mlops:models:\n  - name: diagnosis",
              deployedIn("production", "deployOrder: 200"),
            ].join("\n"),
          ),
          broken: 'config:\n  aws:allowedAccountIds: "none"\n',
        },
        (root) => deployOrder(root),
      );
      assert.deepEqual(order, [
        STAGING_ENTRY,
        { ...PROD_ENTRY, promote: "Verified", "registry-environment": "" },
      ]);
    });
  });

  describe("commands", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "mlops-stack-models-"));
    const file = path.join(dir, "stack-outputs.json");
    const summary = path.join(dir, "summary.md");
    writeFileSync(file, JSON.stringify(OUTPUTS));
    after(() => rmSync(dir, { recursive: true, force: true }));

    const printedIn = (root: string, argv: string[]) => {
      const lines: string[] = [];
      assert.equal(
        run(argv, (line) => lines.push(line), root),
        0,
      );
      return lines;
    };
    const printed = (argv: string[]) => printedIn(REPOSITORY_ROOT, argv);

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
      checkShippedPromotion(lines[0] ?? "");
      assert.deepEqual(
        withStacks({}, (root) => printedIn(root, ["deploy-order"])),
        [
          '[{"stack":"staging","environment":"staging","smoke-test":true,"promote":"Verified","registry-environment":""},' +
            '{"stack":"prod","environment":"production","smoke-test":false,"promote":"Deployed","registry-environment":"staging"}]',
        ],
      );
      assert.throws(() => run(["deploy-order", "--stack", "staging"], () => undefined), {
        name: "InputError",
        message: /^deploy-order takes no flags\nusage: stackModels\.ts configured/,
      });
    });

    it("print the stacks that serve a model of a stack's registry as one line of JSON, for model-approved.yml's matrix", () => {
      withStacks({}, (root) => {
        assert.deepEqual(printedIn(root, ["serving", "--stack", "staging", "--model", "diagnosis"]), [
          '[{"stack":"prod","environment":"production","smoke-test":false,"promote":"Deployed",' +
            '"registry-environment":"staging","model":"diagnosis"}]',
        ]);
        assert.deepEqual(printedIn(root, ["serving", "--stack", "staging", "--model", "churn"]), ["[]"]);
        assert.throws(
          () => run(["serving", "--stack", "prod", "--model", "diagnosis"], () => undefined, root),
          {
            name: "InputError",
            message: /^stack prod does not build model "diagnosis": Pulumi\.prod\.yaml: models\[0\]\.source /,
          },
        );
      });
      assert.throws(() => run(["serving", "--stack", "staging"], () => undefined), {
        name: "InputError",
        message: /^--model is required\nusage: stackModels\.ts configured/,
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
      const [ok, bad, order, serving] = await Promise.all([
        cli(["endpoints", "--stack", "staging", "--outputs", file, "--model", ""]),
        cli(["endpoints", "--stack", "staging", "--outputs", file, "--model", "churn"]),
        cli(["deploy-order"]),
        cli(["serving", "--stack", "staging", "--model", "diagnosis"]),
      ]);
      assert.equal(order.status, 0, order.stderr);
      assert.match(order.stdout, /^\[.*\]\n$/);
      assert.equal(shipped(order.stdout), SHIPPED_ORDER);
      checkShippedPromotion(order.stdout);
      // The shipped stacks that serve staging's diagnosis: prod, once its stack file names staging's group.
      assert.equal(serving.status, 0, serving.stderr);
      assert.match(serving.stdout, /^\[.*\]\n$/);
      const servedByProd = (readStackFile("prod").models as { source?: unknown }[]).some(
        (model) => model.source,
      );
      assert.deepEqual(
        (JSON.parse(serving.stdout) as StackDeploy[])
          .map((entry) => entry.stack)
          .filter((stack) => stack === "prod"),
        servedByProd ? ["prod"] : [],
      );
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(ok.stdout, "diagnosis\n");
      assert.equal(bad.status, 2);
      assert.equal(bad.stdout, "");
      assert.match(bad.stderr, /^error: model "churn" has no endpoint in stack staging: [^\n]*\n$/);
    });
  });
});
