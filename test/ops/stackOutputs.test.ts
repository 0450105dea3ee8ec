import assert from "node:assert/strict";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { EXIT } from "../../ops/errors";
import { deployedEndpoint, readStackOutputs } from "../../ops/stackOutputs";
import { packageArn, rejectsWithExit, tempDir } from "./helpers";

describe("ops stack outputs", function () {
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses outputs without the model or its endpoint names, and files that cannot be read", async function () {
    const endpoint = { name: "e", configName: "c", modelPackageArn: packageArn(1) };
    assert.throws(() => deployedEndpoint({ models: { fraud: { endpoint } } }, "staging", "diagnosis"), {
      exitCode: EXIT.badInput,
      message:
        'the outputs of stack staging have no model "diagnosis" (models: fraud); run `pulumi up` on the stack first',
    });
    assert.throws(
      () => deployedEndpoint({ models: { diagnosis: { endpoint: { name: "e" } } } }, "staging", "diagnosis"),
      {
        exitCode: EXIT.badInput,
        message:
          "the outputs of stack staging lack models.diagnosis.endpoint.configName, models.diagnosis.endpoint.modelPackageArn (expected strings)",
      },
    );
    assert.throws(() => deployedEndpoint(["not", "outputs"], "staging", "diagnosis"), {
      exitCode: EXIT.badInput,
      message: /^the outputs of stack staging have no `models` mapping/,
    });
    await rejectsWithExit(
      readStackOutputs("staging", { file: path.join(dir, "missing.json") }),
      EXIT.badInput,
      `--outputs ${path.join(dir, "missing.json")}: cannot read it (ENOENT)`,
    );
  });

  it("runs `pulumi stack output --json --stack <stack>` without --outputs", async function () {
    const script = path.join(dir, "pulumi");
    const args = path.join(dir, "pulumi-args.txt");
    writeFileSync(
      script,
      `#!/bin/sh\necho "$@" > ${args}\necho '{"models":{"diagnosis":{"endpoint":null}}}'\n`,
    );
    chmodSync(script, 0o755);

    assert.deepEqual(await readStackOutputs("prod", { pulumi: script }), {
      models: { diagnosis: { endpoint: null } },
    });
    assert.equal(readFileSync(args, "utf8"), "stack output --json --stack prod\n");
  });

  it("says when the Pulumi CLI is missing or fails", async function () {
    await rejectsWithExit(
      readStackOutputs("staging", { pulumi: path.join(dir, "no-such-pulumi") }),
      EXIT.badInput,
      `the Pulumi CLI is not installed (no \`${path.join(dir, "no-such-pulumi")}\` on PATH), so the stack's outputs ` +
        "cannot be read: install it (https://www.pulumi.com/docs/install/), or pass --outputs FILE with what " +
        "`pulumi stack output --json --stack staging` prints",
    );
    const failing = path.join(dir, "pulumi-not-logged-in");
    writeFileSync(
      failing,
      '#!/bin/sh\necho "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions" >&2\nexit 255\n',
    );
    chmodSync(failing, 0o755);
    await rejectsWithExit(
      readStackOutputs("staging", { pulumi: failing }),
      EXIT.badInput,
      `\`${failing} stack output --json --stack staging\` failed (exit code 255): error: PULUMI_ACCESS_TOKEN must be ` +
        "set for login during non-interactive CLI sessions",
    );
  });
});
