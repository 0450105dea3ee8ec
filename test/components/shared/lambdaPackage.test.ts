import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  LAMBDA_SHARED_MODULES,
  lambdaCode,
  lambdaPackageFiles,
} from "../../../components/shared/lambdaPackage";
import { AWS_CLIENTS_FILE, COMPONENTS_DIR } from "../../helpers/lambdaArchive";
import { PYTHON, runPython } from "../../helpers/python";

/** The handlers of the platform's Python functions. */
const HANDLERS = [
  path.join(COMPONENTS_DIR, "pipeline", "functions", "find_champion.py"),
  path.join(COMPONENTS_DIR, "retraining", "functions", "start_training.py"),
  path.join(COMPONENTS_DIR, "monitoring", "functions", "drift_steps.py"),
];

describe("the deployment package of a Python function", () => {
  it("holds the handler and the shared modules at its root", async () => {
    assert.deepEqual(LAMBDA_SHARED_MODULES, { "aws_clients.py": AWS_CLIENTS_FILE });
    for (const file of Object.values(LAMBDA_SHARED_MODULES)) assert.ok(existsSync(file), file);
    const assets = await lambdaCode(HANDLERS[0]).assets;
    assert.deepEqual(Object.keys(assets).sort(), ["aws_clients.py", "find_champion.py"]);
  });

  it("refuses a handler with the name of a shared module", () => {
    assert.throws(() => lambdaPackageFiles("/elsewhere/aws_clients.py"), /has the name of a shared module/);
  });

  it(`imports each handler with nothing but the package's files (${PYTHON}, boto3)`, async function () {
    this.timeout(60_000);
    await Promise.all(
      HANDLERS.map(async (handler) => {
        const folder = mkdtempSync(path.join(tmpdir(), "lambda-package-"));
        try {
          for (const [name, file] of Object.entries(lambdaPackageFiles(handler))) {
            copyFileSync(file, path.join(folder, name));
          }
          // The package's root first on the import path, as Lambda has it; not the repository.
          const module = path.basename(handler, ".py");
          const code = `import sys; sys.path[0] = ${JSON.stringify(folder)}; import ${module}; print(${module}.handler)`;
          const run = await runPython("-c", [code]);
          assert.equal(run.status, 0, `${module}: ${run.stderr}`);
        } finally {
          rmSync(folder, { recursive: true, force: true });
        }
      }),
    );
  });
});
