import assert from "node:assert/strict";
import * as path from "node:path";
import { COMMANDS, runOps } from "../../ops/commands";
import { EXIT } from "../../ops/errors";
import { REPOSITORY_ROOT } from "../../preview";
import { runCommand } from "../helpers/commands";
import { rejectsWithExit, testIo } from "./helpers";

/** Runs `npm run ops -- <args>` as package.json does (tsx), and collects what it prints. */
const ops = (args: readonly string[]) => runCommand(path.join(REPOSITORY_ROOT, "ops", "cli.ts"), args);

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
      'unknown command "deploy" (commands: start-pipeline, approve, reject, verify, smoke-test)\n' +
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
    await rejectsWithExit(
      runOps(["smoke-test", "staging", "diagnosis", "--rows", "many"], testIo(unused)),
      EXIT.badInput,
      '--rows "many": expected a whole number from 1 to 1000',
    );
    await rejectsWithExit(
      runOps(["start-pipeline", "diagnosis", "--wait"], testIo(unused)),
      EXIT.badInput,
      /^Unknown option '--wait'/,
    );
  });
});
