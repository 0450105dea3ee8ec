import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { COMMANDS, runOps } from "../../ops/commands";
import { EXIT } from "../../ops/errors";
import { REPOSITORY_ROOT } from "../../preview";
import { runCommand } from "../helpers/commands";
import { rejectsWithExit, testIo } from "./helpers";

/** Runs `npm run ops -- <args>` as package.json does (tsx), and collects what it prints. */
const ops = (args: readonly string[]) => runCommand(path.join(REPOSITORY_ROOT, "ops", "cli.ts"), args);

/** Runs `node --require tsx/cjs <args>` from the repository with exactly `env`, and collects what it prints. */
const node = (args: readonly string[], env: NodeJS.ProcessEnv) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ["--require", "tsx/cjs", ...args],
      { cwd: REPOSITORY_ROOT, env },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });

/** The environment without the variable that turns the AWS SDK's Node.js version warning off, and AWS nowhere to be reached. */
function unreachableAws(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL: "http://127.0.0.1:9",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_CONFIG_FILE: "/nonexistent",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
  };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  return env;
}

describe("npm run ops", function () {
  const unused = () => assert.fail("no client should be made");

  it("exits 2 with the message and the usage line alone on stderr for bad input", async function () {
    this.timeout(20_000);
    const { code, stdout, stderr } = await ops(["approve", "diagnosis"]);

    assert.equal(code, EXIT.badInput);
    assert.equal(stdout, "");
    assert.equal(
      stderr,
      "error: --reason is required: say why, it is kept with the decision in the registry\n" +
        "usage: npm run ops -- approve <model> --reason TEXT [--stack <name>] [--package ARN]\n",
    );
  });

  it("lists the commands and the exit codes", async function () {
    const io = testIo(unused);
    assert.equal(await runOps(["--help"], io), EXIT.ok);
    for (const command of COMMANDS) {
      assert.ok(io.out.text().includes(`\n  ${command.name.padEnd(14)}  ${command.summary}\n`), command.name);
    }
    assert.match(io.out.text(), /^2 bad input, 3 unexpected error, 4 AWS error/m);
    assert.equal(await runOps([], testIo(unused)), EXIT.badInput);
  });

  it("refuses an unknown command, naming the known ones", async function () {
    await rejectsWithExit(
      runOps(["deploy"], testIo(unused)),
      EXIT.badInput,
      'unknown command "deploy" (commands: start-pipeline, approve, reject, verify, smoke-test, promote, batch, cleanup, teardown)\n' +
        "usage: npm run ops -- <command> [arguments] (npm run ops -- <command> --help for its own)",
    );
  });

  for (const command of COMMANDS) {
    it(`${command.name} --help prints its usage, flags and exit codes`, async function () {
      const io = testIo(unused);
      assert.equal(await runOps([command.name, "--help"], io), EXIT.ok);
      assert.equal(io.out.text(), command.help);
      assert.match(command.help, new RegExp(`^usage: npm run ops -- ${command.name} `));
      assert.match(command.help, /^Exit codes: 0 /m);
    });
  }

  it("refuses unknown flags and missing or extra arguments with the usage line", async function () {
    await rejectsWithExit(
      runOps(["verify", "staging"], testIo(unused)),
      EXIT.badInput,
      "missing <model>\nusage: npm run ops -- verify <stack> <model> [--outputs FILE]",
    );
    await rejectsWithExit(
      runOps(["verify", "staging", "diagnosis", "fraud"], testIo(unused)),
      EXIT.badInput,
      'unexpected argument "fraud"\nusage: npm run ops -- verify <stack> <model> [--outputs FILE]',
    );
    // Prod serves staging's model: it has no pipeline or registry to act on.
    const served =
      'stack prod serves model "diagnosis" from ' +
      "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-diagnosis (models[].source) and " +
      "has no pipeline or registry of its own: ";
    await rejectsWithExit(
      runOps(["start-pipeline", "diagnosis", "--stack", "prod"], testIo(unused)),
      EXIT.badInput,
      `${served}start the pipeline in the stack that builds it`,
    );
    await rejectsWithExit(
      runOps(["reject", "diagnosis", "--stack", "prod", "--reason", "worse"], testIo(unused)),
      EXIT.badInput,
      `${served}reject its versions in the stack that builds it`,
    );
    await rejectsWithExit(
      runOps(["promote", "staging"], testIo(unused)),
      EXIT.badInput,
      "missing <model>\nusage: npm run ops -- promote <stack> <model> [--status Verified|Deployed] " +
        "[--description TEXT] [--outputs FILE] [--registry-only]",
    );
    await rejectsWithExit(
      runOps(["promote", "staging", "diagnosis", "--status", "Approved"], testIo(unused)),
      EXIT.badInput,
      '--status "Approved": expected one of Verified, Deployed',
    );
    await rejectsWithExit(
      runOps(["cleanup", "staging"], testIo(unused)),
      EXIT.badInput,
      "missing <model>\nusage: npm run ops -- cleanup <stack> <model> [--yes]",
    );
    await rejectsWithExit(
      runOps(["teardown", "staging", "diagnosis"], testIo(unused)),
      EXIT.badInput,
      'unexpected argument "diagnosis"\nusage: npm run ops -- teardown <stack> [--yes]',
    );
    await rejectsWithExit(
      runOps(["smoke-test", "staging", "diagnosis", "--rows", "many"], testIo(unused)),
      EXIT.badInput,
      '--rows "many": expected a whole number from 1 to 1000',
    );
    await rejectsWithExit(
      runOps(["start-pipeline", "diagnosis", "--wait"], testIo(unused)),
      EXIT.badInput,
      "unknown option '--wait'\nusage: npm run ops -- start-pipeline <model> [--stack <name>] [--parameter Name=Value]... " +
        "[--poll-seconds N] [--timeout-minutes N]",
    );
  });

  it("prints an AWS error as one error: line, without the AWS SDK's Node.js version warning", async function () {
    this.timeout(60_000);
    const env = unreachableAws();
    const [made, ran] = await Promise.all([
      // A client made without the product's modules: the SDK warns on this Node.js version.
      node(
        ["-e", 'new (require("@aws-sdk/client-sagemaker").SageMakerClient)({ region: "us-east-1" })'],
        env,
      ),
      node(["ops/cli.ts", "approve", "diagnosis", "--reason", "reviewed", "--stack", "staging"], env),
    ]);
    if (Number(process.versions.node.split(".")[0]) < 22)
      assert.match(made.stderr, /NodeVersionSupportWarning/);
    assert.equal(ran.code, EXIT.aws, ran.stderr);
    assert.equal(ran.stdout, "");
    assert.match(
      ran.stderr,
      /^error: could not list the versions of model package group "mlops-staging-diagnosis" waiting for approval: SageMaker could not be reached \(.*ECONNREFUSED.*\)\. Check the network connection and proxy, .*\n$/,
    );
    assert.doesNotMatch(ran.stderr, /NodeVersionSupportWarning|no longer support|will require node/);
  });
});
