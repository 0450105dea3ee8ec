import { execFile } from "node:child_process";

/**
 * The Python interpreter the tests run the pipeline's scripts with. It must have the libraries of
 * the SageMaker images the scripts run in (scikit-learn 1.2, pandas, XGBoost 1.7). It is
 * `/usr/bin/python3` unless `ML_TEST_PYTHON` names another one.
 */
export const PYTHON = process.env.ML_TEST_PYTHON ?? "/usr/bin/python3";

export interface ScriptRun {
  /** Exit code (-1 when the process was killed by a signal). */
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `script` with the test interpreter. Asynchronous so that tests can run independent
 * scripts side by side; each one spends most of its time importing pandas, scikit-learn or XGBoost.
 */
export function runPython(script: string, args: readonly string[] = []): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [script, ...args],
      {
        encoding: "utf8",
        env: {
          ...process.env,
          // No .pyc files in the repository; UTF-8 whatever the locale.
          PYTHONDONTWRITEBYTECODE: "1",
          PYTHONIOENCODING: "utf-8",
          // One thread each: the tests run several scripts at once, and on data this small more
          // threads only compete for the cores (OpenMP threads even spin while they wait).
          OMP_NUM_THREADS: "1",
          OPENBLAS_NUM_THREADS: "1",
        },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") {
          // Not an exit code: the interpreter could not be started at all, or was killed.
          if (error.signal) resolve({ status: -1, stdout, stderr });
          else reject(new Error(`cannot run ${PYTHON}: ${error.message}`));
          return;
        }
        resolve({ status: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Fails with a helpful message when the interpreter lacks the libraries the scripts need. */
export async function checkPython(): Promise<void> {
  // find_spec looks the modules up without importing them, which takes about a second.
  const probe =
    "import importlib.util, sys; " +
    "missing = [m for m in ('numpy', 'pandas', 'sklearn', 'xgboost') if importlib.util.find_spec(m) is None]; " +
    "sys.exit(', '.join(missing) or None)";
  const result = await runPython("-c", [probe]);
  if (result.status !== 0) {
    throw new Error(
      `${PYTHON} lacks modules the ml/ scripts need: ${result.stderr.trim()}. On Debian: ` +
        "apt-get install python3-sklearn python3-pandas python3-xgboost; " +
        "or set ML_TEST_PYTHON to an interpreter that has them.",
    );
  }
}
