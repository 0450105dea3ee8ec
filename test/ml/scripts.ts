import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Runs the pipeline's Python scripts for real, in temporary directories laid out like the
 * containers' `/opt/ml/processing`, so tests can check what the SageMaker jobs would produce.
 *
 * The interpreter must have the libraries of the SageMaker images the scripts run in
 * (scikit-learn 1.2, pandas, XGBoost 1.7). It is `/usr/bin/python3` unless `ML_TEST_PYTHON`
 * names another one.
 */

export const PYTHON = process.env.ML_TEST_PYTHON ?? "/usr/bin/python3";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const SCRIPTS = {
  makeSampleData: path.join(REPO_ROOT, "ml", "make_sample_data.py"),
  preprocess: path.join(REPO_ROOT, "ml", "preprocess.py"),
  evaluate: path.join(REPO_ROOT, "ml", "evaluate.py"),
  trainLikeSageMaker: path.join(__dirname, "train_like_sagemaker.py"),
} as const;

/** The committed sample dataset: 569 rows, 30 features and `target` (1 = malignant). */
export const SAMPLE_CSV = path.join(REPO_ROOT, "ml", "data", "breast-cancer.csv");

/** Where the scripts' container paths start; the tests map it to a temporary directory. */
export const PROCESSING_ROOT = "/opt/ml/processing";

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
      // No .pyc files in the repository; UTF-8 whatever the locale.
      { encoding: "utf8", env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONIOENCODING: "utf-8" } },
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
  const probe = "import numpy, pandas, sklearn, xgboost; print(sklearn.__version__, xgboost.__version__)";
  const result = await runPython("-c", [probe]);
  if (result.status !== 0) {
    throw new Error(
      `${PYTHON} cannot import numpy, pandas, scikit-learn and XGBoost, which the ml/ scripts need ` +
        `(on Debian: apt-get install python3-sklearn python3-pandas python3-xgboost; ` +
        `or set ML_TEST_PYTHON to an interpreter that has them): ${result.stderr.trim()}`,
    );
  }
}

/** Throws with the script's stderr unless it exited with 0. */
function succeeded(script: string, run: ScriptRun): ScriptRun {
  if (run.status !== 0) {
    throw new Error(`${path.basename(script)} exited with ${run.status}:\n${run.stderr}${run.stdout}`);
  }
  return run;
}

/**
 * Creates a temporary processing directory with `input/data/` holding `files` (name → CSV text),
 * by default a copy of the sample dataset. The caller removes it with `removeDir`.
 */
export function createProcessingDir(files?: Readonly<Record<string, string>>): string {
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-scripts-"));
  const inputDir = path.join(baseDir, "input", "data");
  fs.mkdirSync(inputDir, { recursive: true });
  if (files === undefined) {
    fs.copyFileSync(SAMPLE_CSV, path.join(inputDir, path.basename(SAMPLE_CSV)));
  } else {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(inputDir, name), text);
  }
  return baseDir;
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Maps a container path under `/opt/ml/processing` to the same place under `baseDir`. */
export function localPath(baseDir: string, containerPath: string): string {
  const relative = path.posix.relative(PROCESSING_ROOT, containerPath);
  if (relative.startsWith("..") || path.posix.isAbsolute(relative)) {
    throw new Error(`${containerPath} is not under ${PROCESSING_ROOT}`);
  }
  return path.join(baseDir, ...relative.split("/"));
}

/** A label-first, header-less CSV file as SageMaker XGBoost reads it. */
export interface LabelFirstCsv {
  /** The file as written, for byte-for-byte comparisons. */
  readonly text: string;
  /** Cells of each row, label first. */
  readonly rows: readonly (readonly string[])[];
  readonly labels: readonly number[];
}

export function readLabelFirstCsv(file: string): LabelFirstCsv {
  const text = fs.readFileSync(file, "utf8");
  const rows = text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split(","));
  return { text, rows, labels: rows.map((row) => Number(row[0])) };
}

export interface PreprocessOutput {
  readonly run: ScriptRun;
  readonly train: LabelFirstCsv;
  readonly validation: LabelFirstCsv;
  readonly test: LabelFirstCsv;
  /** `baseline/baseline.csv`: header row, then the training features. */
  readonly baseline: { readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] };
}

/** Runs preprocess.py on `baseDir` and returns its exit code and output, whatever they are. */
export function runPreprocess(baseDir: string, args: readonly string[] = []): Promise<ScriptRun> {
  return runPython(SCRIPTS.preprocess, ["--base-dir", baseDir, ...args]);
}

/** Runs preprocess.py on `baseDir`, which must succeed, and reads the files it wrote. */
export async function preprocess(baseDir: string, args: readonly string[] = []): Promise<PreprocessOutput> {
  const run = succeeded(SCRIPTS.preprocess, await runPreprocess(baseDir, args));
  const split = (name: string) => readLabelFirstCsv(path.join(baseDir, name, `${name}.csv`));
  const [headerLine = "", ...lines] = fs
    .readFileSync(path.join(baseDir, "baseline", "baseline.csv"), "utf8")
    .split("\n")
    .filter((line) => line !== "");
  return {
    run,
    train: split("train"),
    validation: split("validation"),
    test: split("test"),
    baseline: { header: headerLine.split(","), rows: lines.map((line) => line.split(",")) },
  };
}

/** Runs train_like_sagemaker.py: trains on two label-first CSV files, writes `<modelDir>/model.tar.gz`. */
export async function runTrainingHelper(
  files: { readonly train: string; readonly validation: string },
  hyperParameters: Readonly<Record<string, string>>,
  modelDir: string,
): Promise<ScriptRun> {
  return succeeded(
    SCRIPTS.trainLikeSageMaker,
    await runPython(SCRIPTS.trainLikeSageMaker, [
      "--train",
      files.train,
      "--validation",
      files.validation,
      "--hyperparameters",
      JSON.stringify(hyperParameters),
      "--model-dir",
      modelDir,
    ]),
  );
}

/**
 * Trains on `<baseDir>/train` and `<baseDir>/validation` the way a SageMaker training job with the
 * built-in XGBoost algorithm would, then puts the model artifact where the evaluation job gets it
 * (`<baseDir>/model/model.tar.gz`). `hyperParameters` is the job's `HyperParameters` map.
 */
export async function trainLikeSageMaker(
  baseDir: string,
  hyperParameters: Readonly<Record<string, string>>,
): Promise<ScriptRun> {
  // The training job's own layout: one folder per channel, the model in model/.
  const jobDir = path.join(baseDir, "training-job");
  const files = { train: "", validation: "" };
  for (const split of ["train", "validation"] as const) {
    const channelDir = path.join(jobDir, "input", "data", split);
    fs.mkdirSync(channelDir, { recursive: true });
    files[split] = path.join(channelDir, `${split}.csv`);
    fs.copyFileSync(path.join(baseDir, split, `${split}.csv`), files[split]);
  }
  const modelDir = path.join(jobDir, "model");
  const run = await runTrainingHelper(files, hyperParameters, modelDir);
  fs.mkdirSync(path.join(baseDir, "model"), { recursive: true });
  fs.copyFileSync(path.join(modelDir, "model.tar.gz"), path.join(baseDir, "model", "model.tar.gz"));
  return run;
}

interface Metric {
  readonly value: number;
  readonly standard_deviation: string;
}

/** evaluation.json as evaluate.py writes it. */
export interface EvaluationReport {
  readonly binary_classification_metrics: {
    readonly accuracy: Metric;
    readonly precision: Metric;
    readonly recall: Metric;
    readonly f1: Metric;
    readonly auc: Metric;
    /** Actual label → predicted label → count. */
    readonly confusion_matrix: Readonly<Record<"0" | "1", Readonly<Record<"0" | "1", number>>>>;
  };
}

/** Runs evaluate.py on `baseDir` and returns its exit code and output, whatever they are. */
export function runEvaluate(baseDir: string, args: readonly string[] = []): Promise<ScriptRun> {
  return runPython(SCRIPTS.evaluate, ["--base-dir", baseDir, ...args]);
}

/** Runs evaluate.py on `baseDir`, which must succeed, and returns the parsed evaluation.json. */
export async function evaluate(baseDir: string, args: readonly string[] = []): Promise<EvaluationReport> {
  succeeded(SCRIPTS.evaluate, await runEvaluate(baseDir, args));
  const report: unknown = JSON.parse(
    fs.readFileSync(path.join(baseDir, "evaluation", "evaluation.json"), "utf8"),
  );
  return report as EvaluationReport;
}

/** Runs make_sample_data.py writing to `output`, which must succeed. */
export async function makeSampleData(output: string): Promise<ScriptRun> {
  return succeeded(SCRIPTS.makeSampleData, await runPython(SCRIPTS.makeSampleData, ["--output", output]));
}
