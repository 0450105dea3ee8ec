import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  checkPython,
  createProcessingDir,
  evaluate,
  EvaluationReport,
  makeSampleData,
  preprocess,
  PreprocessOutput,
  removeDir,
  runEvaluate,
  runPreprocess,
  SAMPLE_CSV,
  ScriptRun,
  trainLikeSageMaker,
} from "./scripts";

/**
 * Runs ml/make_sample_data.py, ml/preprocess.py and ml/evaluate.py for real on the sample dataset,
 * with training done the way SageMaker's built-in XGBoost algorithm does it.
 */

const SAMPLE_TEXT = fs.readFileSync(SAMPLE_CSV, "utf8");
const [SAMPLE_HEADER_LINE = "", ...SAMPLE_LINES] = SAMPLE_TEXT.split("\n").filter((line) => line !== "");
const SAMPLE_HEADER = SAMPLE_HEADER_LINE.split(",");
const FEATURES = SAMPLE_HEADER.slice(0, -1);
const SAMPLE_ROWS = SAMPLE_LINES.length;
const MALIGNANT_SHARE = SAMPLE_LINES.filter((line) => line.endsWith(",1")).length / SAMPLE_ROWS;

/** Enough boosting rounds for a sensible model, few enough to train in a blink. */
const QUICK_HYPERPARAMETERS = {
  objective: "binary:logistic",
  num_round: "10",
  max_depth: "3",
  eta: "0.3",
  eval_metric: "auc",
};

const tempDirs: string[] = [];

function processingDir(files?: Record<string, string>): string {
  const dir = createProcessingDir(files);
  tempDirs.push(dir);
  return dir;
}

/** A copy of `source` for a test that writes into it. */
function copyOf(source: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-scripts-"));
  tempDirs.push(dir);
  fs.cpSync(source, dir, { recursive: true });
  return dir;
}

/** The sample dataset, preprocessed once and shared (read-only) by the tests below. */
let prepared: Promise<{ dir: string; output: PreprocessOutput }> | undefined;
function preparedSample() {
  prepared ??= (async () => {
    const dir = processingDir();
    return { dir, output: await preprocess(dir) };
  })();
  return prepared;
}

/** The sample CSV with `edit` applied to each data row (`index` counts data rows from 0). */
function editedSample(edit: (cells: string[], index: number) => string[], header = SAMPLE_HEADER): string {
  const rows = SAMPLE_LINES.map((line, index) => edit(line.split(","), index).join(","));
  return [header.join(","), ...rows].join("\n") + "\n";
}

function assertCleanFailure(run: ScriptRun, message: RegExp): void {
  assert.equal(run.status, 2, `expected exit code 2, got ${run.status}; stderr: ${run.stderr}`);
  assert.doesNotMatch(run.stderr, /Traceback/);
  const lines = run.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `expected a one-line message, got:\n${run.stderr}`);
  assert.match(lines[0] ?? "", message);
}

describe("ml/ scripts, run for real", function () {
  // Each script spends about a second importing pandas, scikit-learn or XGBoost.
  this.timeout(60_000);

  before(checkPython);

  after(() => {
    for (const dir of tempDirs.splice(0)) removeDir(dir);
  });

  describe("make_sample_data.py", () => {
    it("reproduces the committed ml/data/breast-cancer.csv byte for byte", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-sample-"));
      tempDirs.push(dir);
      const output = path.join(dir, "breast-cancer.csv");
      await makeSampleData(output);
      assert.equal(fs.readFileSync(output, "utf8"), SAMPLE_TEXT);
    });

    it("has 569 rows, snake_case feature names and target last (1 = malignant)", () => {
      assert.equal(SAMPLE_ROWS, 569);
      assert.equal(FEATURES.length, 30);
      assert.equal(SAMPLE_HEADER.at(-1), "target");
      for (const name of FEATURES) assert.match(name, /^[a-z]+(_[a-z]+)*$/);
      assert.ok(FEATURES.includes("mean_radius") && FEATURES.includes("worst_concave_points"));
      // 212 malignant and 357 benign tumours in the source data.
      assert.equal(Math.round(MALIGNANT_SHARE * SAMPLE_ROWS), 212);
    });
  });

  describe("preprocess.py", () => {
    let output: PreprocessOutput;
    let rerun: PreprocessOutput;

    before(async () => {
      // A second run in another directory, side by side with the first, to check determinism.
      [{ output }, rerun] = await Promise.all([preparedSample(), preprocess(processingDir())]);
    });

    it("keeps every row: train, validation and test add up to 569", () => {
      const { train, validation, test } = output;
      assert.equal(train.rows.length + validation.rows.length + test.rows.length, SAMPLE_ROWS);
    });

    it("splits about 70/15/15", () => {
      const shares = [output.train, output.validation, output.test].map((split) => split.rows.length / SAMPLE_ROWS);
      [0.7, 0.15, 0.15].forEach((expected, index) =>
        assert.ok(Math.abs((shares[index] ?? 0) - expected) < 0.01, `split ${index}: ${shares[index]}`),
      );
    });

    it("stratifies: each split has the dataset's share of malignant rows, within 2 points", () => {
      for (const [name, split] of Object.entries({
        train: output.train,
        validation: output.validation,
        test: output.test,
      })) {
        const share = split.labels.filter((label) => label === 1).length / split.labels.length;
        assert.ok(Math.abs(share - MALIGNANT_SHARE) < 0.02, `${name}: ${share} vs ${MALIGNANT_SHARE}`);
      }
    });

    it("writes the label first, as 0 or 1, followed by the 30 features and no header row", () => {
      for (const split of [output.train, output.validation, output.test]) {
        for (const row of split.rows) {
          assert.equal(row.length, 1 + FEATURES.length);
          assert.ok(row[0] === "0" || row[0] === "1", `label ${row[0]}`);
          for (const cell of row) assert.ok(Number.isFinite(Number(cell)) && cell !== "", `cell "${cell}"`);
        }
      }
    });

    it("writes baseline.csv: the training features with their names as header and no target", () => {
      assert.deepEqual(output.baseline.header, FEATURES);
      assert.equal(output.baseline.rows.length, output.train.rows.length);
      output.baseline.rows.forEach((row, index) => assert.deepEqual(row, output.train.rows[index]?.slice(1)));
    });

    it("prints the row count of each split", () => {
      const { train, validation, test } = output;
      assert.match(output.run.stdout, new RegExp(`^train: ${train.rows.length} rows`, "m"));
      assert.match(output.run.stdout, new RegExp(`^validation: ${validation.rows.length} rows`, "m"));
      assert.match(output.run.stdout, new RegExp(`^test: ${test.rows.length} rows`, "m"));
    });

    it("is deterministic: the same seed gives the same files", () => {
      assert.equal(rerun.train.text, output.train.text);
      assert.equal(rerun.validation.text, output.validation.text);
      assert.equal(rerun.test.text, output.test.text);
      assert.deepEqual(rerun.baseline, output.baseline);
    });
  });

  describe("preprocess.py rejects bad input with exit code 2 and a one-line message", () => {
    const cases: Record<string, { files: Record<string, string>; message: RegExp }> = {
      "a missing target column": {
        files: { "data.csv": editedSample((cells) => cells, [...FEATURES, "diagnosis"]) },
        message: /target column 'target' not found; the columns are: mean_radius, /,
      },
      "a label other than 0 and 1": {
        files: { "data.csv": editedSample((cells, index) => (index === 3 ? [...cells.slice(0, -1), "2"] : cells)) },
        message: /target column 'target' must contain only 0 and 1 \(binary classification\), found: 0, 1, 2$/,
      },
      "missing values": {
        files: { "data.csv": editedSample((cells, index) => (index === 10 ? ["", ...cells.slice(1)] : cells)) },
        message: /missing values in 1 column\(s\): mean_radius \(1 row\)/,
      },
      "an empty input directory": {
        files: {},
        message: /no \.csv files found under .*input\/data$/,
      },
    };
    const runs = new Map<string, ScriptRun>();

    before(async () => {
      await Promise.all(
        Object.entries(cases).map(async ([name, { files }]) => runs.set(name, await runPreprocess(processingDir(files)))),
      );
    });

    for (const [name, { message }] of Object.entries(cases)) {
      it(name, () => {
        const run = runs.get(name);
        assert.ok(run);
        assertCleanFailure(run, message);
      });
    }
  });

  describe("evaluate.py", () => {
    let dir: string;
    let report: EvaluationReport;
    let missingModel: ScriptRun;

    before(async () => {
      dir = copyOf((await preparedSample()).dir);
      const [, noModel] = await Promise.all([
        trainLikeSageMaker(dir, QUICK_HYPERPARAMETERS),
        runEvaluate(copyOf((await preparedSample()).dir)),
      ]);
      missingModel = noModel;
      report = await evaluate(dir);
    });

    it("writes every metric as {value in [0, 1], standard_deviation: \"NaN\"}", () => {
      const metrics = report.binary_classification_metrics;
      for (const name of ["accuracy", "precision", "recall", "f1", "auc"] as const) {
        const metric = metrics[name];
        assert.equal(typeof metric.value, "number", name);
        assert.ok(metric.value >= 0 && metric.value <= 1, `${name}: ${metric.value}`);
        assert.equal(metric.standard_deviation, "NaN");
      }
    });

    it("writes a confusion matrix (actual → predicted) that counts every test row", async () => {
      const matrix = report.binary_classification_metrics.confusion_matrix;
      assert.deepEqual(Object.keys(matrix), ["0", "1"]);
      const counts = [matrix["0"]["0"], matrix["0"]["1"], matrix["1"]["0"], matrix["1"]["1"]];
      for (const count of counts) assert.ok(Number.isInteger(count) && count >= 0);
      const testRows = (await preparedSample()).output.test;
      assert.equal(
        counts.reduce((sum, count) => sum + count, 0),
        testRows.rows.length,
      );
      // Actual positives are the rows of class 1 in test.csv, whatever the model predicted.
      assert.equal(matrix["1"]["0"] + matrix["1"]["1"], testRows.labels.filter((label) => label === 1).length);
    });

    it("derives accuracy, precision, recall and F1 from the confusion matrix", () => {
      const metrics = report.binary_classification_metrics;
      const { "0": actual0, "1": actual1 } = metrics.confusion_matrix;
      const [tn, fp, fn, tp] = [actual0["0"], actual0["1"], actual1["0"], actual1["1"]];
      const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9);
      close(metrics.accuracy.value, (tp + tn) / (tp + tn + fp + fn));
      close(metrics.precision.value, tp / (tp + fp));
      close(metrics.recall.value, tp / (tp + fn));
      close(metrics.f1.value, (2 * tp) / (2 * tp + fp + fn));
    });

    it("fails with exit code 2 and a one-line message when there is no model", () => {
      assertCleanFailure(missingModel, /model archive .*model\/model\.tar\.gz not found$/);
    });
  });
});
