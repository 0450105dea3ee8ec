import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BASELINE_OUTPUT,
  buildPipelineDefinition,
  CHAMPION,
  DRIFT_BASELINE,
  DRIFT_BASELINE_CONTENT_TYPE,
  EVALUATION_REPORT,
  MONITOR_BASELINE_OUTPUT,
  PARAMETERS,
  STEPS,
  VALIDATION_REPORT,
} from "../../components/pipeline/definition";
import { DEFAULT_HYPERPARAMETERS } from "../../components/pipeline/defaults";
import type { PipelineDefinition } from "../../components/pipeline/definitionTypes";
import { definitionInput } from "../helpers/definitionInput";
import { checkPython, type ScriptRun } from "../helpers/python";
import {
  createProcessingDir,
  type DriftBaseline,
  EvaluationReport,
  findStep,
  LocalPipelineRun,
  makeSampleDataRun,
  preprocess,
  preprocessOutput,
  PreprocessOutput,
  preprocessRun,
  readLabelFirstCsv,
  removeDir,
  runInOneInterpreter,
  runPipelineLocally,
  SAMPLE_CSV,
  sampleDataWritten,
} from "./scripts";

/**
 * Runs ml/make_sample_data.py, ml/preprocess.py and ml/evaluate.py for real on the sample dataset,
 * with training done the way SageMaker's built-in XGBoost algorithm does it, and finally runs the
 * pipeline definition's own steps locally to check that the sample data passes its data checks
 * against the committed schema, and that a model trained on it passes its gates (without an
 * approved model, as in a group's first build); and that data that fails its checks stops the
 * build with the report's summary.
 *
 * The pipeline's steps and one preprocess.py run are processes of their own; the other runs of
 * make_sample_data.py and preprocess.py share one interpreter (run_in_one_interpreter.py), as
 * `python3 <script> ARGS` each: a process spends most of its time importing pandas and scikit-learn.
 */

const SAMPLE_TEXT = fs.readFileSync(SAMPLE_CSV, "utf8");
/** The model's committed schema, which the pipeline's steps receive as an input. */
const SCHEMA = path.join(__dirname, "..", "..", "ml", "schemas", "diagnosis.json");
const [SAMPLE_HEADER_LINE = "", ...SAMPLE_LINES] = SAMPLE_TEXT.split("\n").filter((line) => line !== "");
const SAMPLE_HEADER = SAMPLE_HEADER_LINE.split(",");
const FEATURES = SAMPLE_HEADER.slice(0, -1);
const SAMPLE_ROWS = SAMPLE_LINES.length;
const MALIGNANT_SHARE = SAMPLE_LINES.filter((line) => line.endsWith(",1")).length / SAMPLE_ROWS;

/** The pipeline with the platform's default hyperparameters and accuracy threshold (0.8). */
const DEFINITION_INPUT = definitionInput({ hyperParameters: { ...DEFAULT_HYPERPARAMETERS } });

const tempDirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-scripts-"));
  tempDirs.push(dir);
  return dir;
}

function processingDir(files?: Record<string, string>): string {
  const dir = createProcessingDir(files);
  tempDirs.push(dir);
  return dir;
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

/** Every job started so far, so that cleanup can wait for them. */
const startedJobs: Promise<unknown>[] = [];

/** Starts `work` on the first call; later calls share its promise. */
function once<T>(work: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () => {
    if (started === undefined) {
      started = work();
      startedJobs.push(started);
    }
    return started;
  };
}

const badInputCases: Record<string, { files: Record<string, string>; message: RegExp }> = {
  "a missing target column": {
    files: { "data.csv": editedSample((cells) => cells, [...FEATURES, "diagnosis"]) },
    message: /target column 'target' not found; the columns are: mean_radius, /,
  },
  "a label other than 0 and 1": {
    files: {
      "data.csv": editedSample((cells, index) => (index === 3 ? [...cells.slice(0, -1), "2"] : cells)),
    },
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

// Every script run of the tests below, started once and shared by the tests that check it.

/** The sample dataset preprocessed with the defaults, shared read-only: a process of its own. */
const preprocessed = once(async (): Promise<{ dir: string; output: PreprocessOutput }> => {
  const dir = processingDir();
  return { dir, output: await preprocess(dir) };
});

/** make_sample_data.py, preprocess.py again on the sample and on each bad input, in one interpreter. */
const batched = once(async () => {
  const sampleOutput = path.join(tempDir(), "breast-cancer.csv");
  const againDir = processingDir();
  // The sample with its columns reversed, and the model's schema beside it.
  const reversedDir = processingDir({
    "data.csv": editedSample((cells) => [...cells].reverse(), [...SAMPLE_HEADER].reverse()),
  });
  fs.mkdirSync(path.join(reversedDir, "input", "schema"), { recursive: true });
  fs.copyFileSync(SCHEMA, path.join(reversedDir, "input", "schema", path.basename(SCHEMA)));
  const badDirs = Object.values(badInputCases).map(({ files }) => processingDir(files));
  const [sampleRun, againRun, reversedRun, ...badRuns] = await runInOneInterpreter([
    makeSampleDataRun(sampleOutput),
    preprocessRun(againDir),
    preprocessRun(reversedDir, ["--schema-order"]),
    ...badDirs.map((dir) => preprocessRun(dir)),
  ]);
  return {
    sample: { output: sampleOutput, run: sampleRun },
    again: { dir: againDir, run: againRun },
    reversed: { dir: reversedDir, run: reversedRun },
    badRuns,
  };
});

const sampleData = once(async (): Promise<string> => {
  const { output, run } = (await batched()).sample;
  sampleDataWritten(run);
  return fs.readFileSync(output, "utf8");
});

const preprocessedAgain = once(async () => {
  const { dir, run } = (await batched()).again;
  return preprocessOutput(dir, run);
});

const badInput = once(async (): Promise<Map<string, ScriptRun>> => {
  const names = Object.keys(badInputCases);
  const { badRuns } = await batched();
  return new Map(badRuns.map((run, index) => [names[index] ?? "", run]));
});

/** The committed schema of the sample model, which the definition's schema input stands for. */

/**
 * Runs the definition locally on a folder holding `csv`, with the committed schema, and the
 * placeholder FindChampion writes when the group has no approved version.
 */
async function runLocally(csv: string): Promise<{ definition: PipelineDefinition; local: LocalPipelineRun }> {
  const definition = buildPipelineDefinition(DEFINITION_INPUT);
  const inputData = path.join(tempDir(), "input");
  fs.mkdirSync(inputData);
  fs.writeFileSync(path.join(inputData, path.basename(SAMPLE_CSV)), csv);
  const noChampion = path.join(tempDir(), "none");
  fs.mkdirSync(noChampion);
  fs.writeFileSync(path.join(noChampion, "NO_CHAMPION"), "");
  const local = await runPipelineLocally(
    definition,
    tempDir(),
    { [PARAMETERS.inputData]: inputData },
    {
      objects: { [DEFINITION_INPUT.schemaUri]: SCHEMA },
      lambdas: { [STEPS.findChampion]: { [CHAMPION.modelUriOutput]: noChampion, [CHAMPION.arnOutput]: "" } },
    },
  );
  return { definition, local };
}

const pipeline = once(() => runLocally(SAMPLE_TEXT));

/** The sample data with a column renamed: the build stops at ValidateData. */
const rejected = once(() =>
  runLocally(
    editedSample(
      (cells) => cells,
      SAMPLE_HEADER.map((name) => (name === "mean_area" ? "area_mean" : name)),
    ),
  ),
);

/** The pipeline's steps run one after another, so it goes first. */
const allJobs: readonly (() => Promise<unknown>)[] = [
  pipeline,
  rejected,
  preprocessed,
  preprocessedAgain,
  sampleData,
  badInput,
];

describe("ml/ scripts, run for real", function () {
  // Each script spends about a second importing pandas, scikit-learn or XGBoost.
  this.timeout(60_000);

  before(async () => {
    await checkPython();
    // The runs are independent, so they all start now and run side by side on the machine's
    // cores; each test then waits for the one it checks, which reports any failure.
    for (const job of allJobs) job().catch(() => undefined);
  });

  after(async () => {
    // Let every started job finish before its directories go.
    await Promise.allSettled(startedJobs);
    for (const dir of tempDirs.splice(0)) removeDir(dir);
  });

  describe("make_sample_data.py", () => {
    it("reproduces the committed ml/data/breast-cancer.csv byte for byte", async () => {
      assert.equal(await sampleData(), SAMPLE_TEXT);
    });

    it("has 569 rows, snake_case feature names and target last (1 = malignant)", () => {
      assert.equal(SAMPLE_ROWS, 569);
      assert.equal(FEATURES.length, 30);
      assert.equal(SAMPLE_HEADER.at(-1), "target");
      for (const name of FEATURES) assert.match(name, /^[a-z]+(_[a-z]+)*$/);
      assert.ok(FEATURES.includes("mean_radius") && FEATURES.includes("worst_concave_points"));
      // The source data has 212 malignant and 357 benign tumours.
      assert.equal(Math.round(MALIGNANT_SHARE * SAMPLE_ROWS), 212);
    });
  });

  describe("preprocess.py", () => {
    let output: PreprocessOutput;

    before(async () => {
      ({ output } = await preprocessed());
    });

    it("keeps every row: train, validation and test add up to 569", () => {
      const { train, validation, test } = output;
      assert.equal(train.rows.length + validation.rows.length + test.rows.length, SAMPLE_ROWS);
    });

    it("splits about 70/15/15", () => {
      const expected = { train: 0.7, validation: 0.15, test: 0.15 };
      for (const [name, share] of Object.entries(expected)) {
        const rows = output[name as keyof typeof expected].rows.length;
        assert.ok(Math.abs(rows / SAMPLE_ROWS - share) < 0.01, `${name}: ${rows} rows`);
      }
    });

    it("stratifies: each split has the dataset's share of malignant rows, within 2 points", () => {
      for (const name of ["train", "validation", "test"] as const) {
        const { labels } = output[name];
        const share = labels.filter((label) => label === 1).length / labels.length;
        assert.ok(Math.abs(share - MALIGNANT_SHARE) < 0.02, `${name}: ${share} vs ${MALIGNANT_SHARE}`);
      }
    });

    it("writes the label first, as 0 or 1, then the 30 features, with no header row", () => {
      for (const name of ["train", "validation", "test"] as const) {
        for (const row of output[name].rows) {
          assert.equal(row.length, 1 + FEATURES.length, name);
          assert.ok(row[0] === "0" || row[0] === "1", `${name}: label "${row[0]}"`);
          for (const cell of row) {
            assert.ok(cell !== "" && Number.isFinite(Number(cell)), `${name}: "${cell}"`);
          }
        }
      }
    });

    it("writes baseline.csv: the training features, named in a header row, without the target", () => {
      assert.deepEqual(output.baseline.header, FEATURES);
      assert.equal(output.baseline.rows.length, output.train.rows.length);
      output.baseline.rows.forEach((row, index) => assert.deepEqual(row, output.train.rows[index]?.slice(1)));
    });

    it("writes monitor-baseline/baseline.csv: a header row, then the training rows, the label first as a decimal", async () => {
      // Model Monitor lines a captured record (the model's output, then the request's features) up
      // with these columns by position, the output column(s) first; the label stands in for the
      // score, a decimal, so that the analyzer infers the column's type as the scores'.
      const { dir } = await preprocessed();
      const [header = "", ...lines] = fs
        .readFileSync(path.join(dir, MONITOR_BASELINE_OUTPUT, "baseline.csv"), "utf8")
        .split("\n")
        .filter((line) => line !== "");
      assert.deepEqual(header.split(","), ["target", ...FEATURES]);
      assert.deepEqual(
        lines.map((line) => line.split(",")),
        output.train.rows.map(([label, ...features]) => [`${label}.0`, ...features]),
      );
      // A captured record of a test row: the model's score, then the request's CSV payload.
      const [, ...request] = output.test.rows[0] ?? [];
      const record = ["0.93", ...request];
      const named = Object.fromEntries(header.split(",").map((name, index) => [name, record[index]]));
      assert.equal(named.mean_radius, request[FEATURES.indexOf("mean_radius")]);
      assert.equal(named.worst_fractal_dimension, request.at(-1));
      assert.equal(named.target, "0.93");
    });

    it("prints the row count of each split", () => {
      for (const name of ["train", "validation", "test"] as const) {
        assert.match(output.run.stdout, new RegExp(`^${name}: ${output[name].rows.length} rows`, "m"));
      }
    });

    it("with --schema-order, writes the features in the schema's order whatever the files' order", async () => {
      const { dir, run } = (await batched()).reversed;
      const reversed = preprocessOutput(dir, run);
      assert.deepEqual(reversed.baseline.header, FEATURES);
      for (const name of ["train", "validation", "test"] as const) {
        assert.equal(reversed[name].text, output[name].text);
      }
    });

    it("is deterministic: the same seed gives the same files", async () => {
      const again = await preprocessedAgain();
      for (const name of ["train", "validation", "test"] as const) {
        assert.equal(again[name].text, output[name].text);
      }
      assert.deepEqual(again.baseline, output.baseline);
    });
  });

  describe("preprocess.py rejects bad input with exit code 2 and a one-line message", () => {
    for (const [name, { message }] of Object.entries(badInputCases)) {
      it(name, async () => {
        const run = (await badInput()).get(name);
        assert.ok(run);
        assertCleanFailure(run, message);
      });
    }
  });

  describe("evaluate.py, on the model the pipeline's Train step trains (locally, like SageMaker)", () => {
    let report: EvaluationReport;

    before(async () => {
      const { local } = await pipeline();
      report = local.propertyFile(STEPS.evaluate, EVALUATION_REPORT.propertyFileName) as EvaluationReport;
    });

    it('writes each metric as {"value": <0 to 1>, "standard_deviation": "NaN"}', () => {
      const metrics = report.binary_classification_metrics;
      for (const name of ["accuracy", "precision", "recall", "f1", "auc"] as const) {
        assert.equal(typeof metrics[name].value, "number", name);
        assert.ok(metrics[name].value >= 0 && metrics[name].value <= 1, `${name}: ${metrics[name].value}`);
        assert.equal(metrics[name].standard_deviation, "NaN");
      }
    });

    it("writes a confusion matrix, actual label → predicted label, that counts every test row", async () => {
      const matrix = report.binary_classification_metrics.confusion_matrix;
      assert.deepEqual(Object.keys(matrix), ["0", "1"]);
      for (const actual of ["0", "1"] as const) {
        assert.deepEqual(Object.keys(matrix[actual]), ["0", "1"]);
        for (const count of Object.values(matrix[actual])) assert.ok(Number.isInteger(count) && count >= 0);
      }
      const testSplit = path.join((await pipeline()).local.outputDir(STEPS.preprocess, "test"), "test.csv");
      const { labels } = readLabelFirstCsv(testSplit);
      const positives = labels.filter((label) => label === 1).length;
      assert.equal(matrix["0"]["0"] + matrix["0"]["1"], labels.length - positives);
      assert.equal(matrix["1"]["0"] + matrix["1"]["1"], positives);
    });

    it("computes accuracy, precision, recall and F1 that agree with the confusion matrix", () => {
      const metrics = report.binary_classification_metrics;
      const { "0": actual0, "1": actual1 } = metrics.confusion_matrix;
      const [tn, fp, fn, tp] = [actual0["0"], actual0["1"], actual1["0"], actual1["1"]];
      const close = (name: string, actual: number, expected: number) =>
        assert.ok(Math.abs(actual - expected) < 1e-9, `${name}: ${actual} vs ${expected}`);
      close("accuracy", metrics.accuracy.value, (tp + tn) / (tp + tn + fp + fn));
      close("precision", metrics.precision.value, tp / (tp + fp));
      close("recall", metrics.recall.value, tp / (tp + fn));
      close("f1", metrics.f1.value, (2 * tp) / (2 * tp + fp + fn));
    });
  });

  describe("baseline.py, as the pipeline's DriftBaseline step runs it (locally, like SageMaker)", () => {
    let definition: PipelineDefinition;
    let local: LocalPipelineRun;

    before(async () => {
      ({ definition, local } = await pipeline());
    });

    it("describes each feature of Preprocess's baseline.csv, in its column order", () => {
      const step = findStep(definition, "Processing", STEPS.driftBaseline);
      assert.deepEqual(step.Arguments.AppSpecification?.ContainerEntrypoint, [
        "python3",
        "/opt/ml/processing/input/code/baseline.py",
      ]);
      assert.deepEqual(
        step.Arguments.ProcessingInputs?.map((input) => [input.S3Input?.S3Uri, input.S3Input?.LocalPath]),
        [
          [
            {
              Get: `Steps.${STEPS.preprocess}.ProcessingOutputConfig.Outputs['${BASELINE_OUTPUT}'].S3Output.S3Uri`,
            },
            "/opt/ml/processing/baseline",
          ],
          [DEFINITION_INPUT.scripts.baseline, "/opt/ml/processing/input/code"],
        ],
      );
      const written = JSON.parse(
        fs.readFileSync(
          path.join(local.outputDir(STEPS.driftBaseline, DRIFT_BASELINE.outputName), DRIFT_BASELINE.fileName),
          "utf8",
        ),
      ) as DriftBaseline;
      assert.equal(written.row_count, 398);
      assert.deepEqual(
        written.features.map((feature) => [feature.name, feature.type]),
        FEATURES.map((name) => [name, "numeric"]),
      );
    });

    it("is the file the Register step records, under the drift baseline's content type", () => {
      const register = findStep(definition, "RegisterModel", STEPS.register);
      const statistics = register.Arguments.ModelMetrics?.ModelDataQuality?.Statistics;
      assert.equal(statistics?.ContentType, DRIFT_BASELINE_CONTENT_TYPE);
      assert.deepEqual(statistics?.S3Uri, {
        "Std:Join": {
          On: "/",
          Values: [
            {
              Get: `Steps.${STEPS.driftBaseline}.ProcessingOutputConfig.Outputs['${DRIFT_BASELINE.outputName}'].S3Output.S3Uri`,
            },
            DRIFT_BASELINE.fileName,
          ],
        },
      });
    });
  });

  describe("the pipeline definition, run locally on the sample data", () => {
    let local: LocalPipelineRun;
    let definition: PipelineDefinition;

    before(async () => {
      ({ definition, local } = await pipeline());
    });

    it("trains with the Train step's hyperparameters", () => {
      const train = findStep(definition, "Training", STEPS.train);
      assert.deepEqual(train.Arguments.HyperParameters, DEFAULT_HYPERPARAMETERS);
      assert.match(local.runs.get(STEPS.train)?.stdout ?? "", /^trained \d+ rounds on 398 rows/m);
    });

    it("passes ValidateData and CheckData: the sample data is valid against the committed schema", () => {
      const report = local.propertyFile(STEPS.validateData, VALIDATION_REPORT.propertyFileName) as {
        status: string;
        summary: string;
        problems: unknown[];
      };
      assert.equal(report.status, "passed");
      assert.deepEqual(report.problems, []);
      assert.equal(report.summary, "passed: 569 rows, 31 columns");
      assert.equal(local.outcomes.get(STEPS.checkData), true);
    });

    it("passes CheckChampion without an approved model, and would register: the threshold alone decides", () => {
      const { left: gate, holds } = local.check(
        findStep(definition, "Condition", STEPS.checkChampion).Arguments.Conditions[0] ?? assert.fail(),
      );
      assert.equal(gate, 1);
      assert.ok(holds);
      const report = local.propertyFile(
        STEPS.evaluate,
        EVALUATION_REPORT.propertyFileName,
      ) as EvaluationReport & {
        champion: unknown;
        decision: { reason: string };
      };
      assert.equal(report.champion, null);
      assert.match(
        report.decision.reason,
        /; no approved model to compare with: the accuracy threshold decides$/,
      );
      assert.deepEqual(
        [...local.outcomes],
        [
          [STEPS.checkData, true],
          [STEPS.checkAccuracy, true],
          [STEPS.checkChampion, true],
          [STEPS.checkGates, true],
        ],
      );
      assert.equal(local.failed, undefined);
    });

    it("passes CheckAccuracy: the accuracy in evaluation.json reaches the AccuracyThreshold default", () => {
      const conditions = findStep(definition, "Condition", STEPS.checkAccuracy).Arguments.Conditions;
      assert.equal(conditions.length, 1);
      const [condition] = conditions;
      assert.ok(condition);
      // The left side reads evaluate.py's report with the JsonGet path of the definition.
      const left = condition.LeftValue;
      assert.ok(typeof left === "object" && "Std:JsonGet" in left, "LeftValue should read evaluation.json");
      assert.equal(left["Std:JsonGet"].Path, "binary_classification_metrics.accuracy.value");

      const { left: accuracy, right: threshold, holds } = local.check(condition);
      const declared = definition.Parameters.find(
        (parameter) => parameter.Name === PARAMETERS.accuracyThreshold,
      );
      assert.equal(threshold, declared?.DefaultValue);
      assert.equal(threshold, 0.8);
      assert.ok(holds, `test accuracy ${accuracy} is below the threshold ${threshold}`);
    });
  });

  describe("the pipeline definition, run locally on data that fails its checks", () => {
    let local: LocalPipelineRun;

    before(async () => {
      ({ local } = await rejected());
    });

    it("stops at DataRejected, whose message names each problem of validation_report.json, and trains nothing", () => {
      const report = local.propertyFile(STEPS.validateData, VALIDATION_REPORT.propertyFileName) as {
        status: string;
        summary: string;
      };
      assert.equal(report.status, "failed");
      assert.match(report.summary, /mean_area/);
      assert.match(report.summary, /area_mean/);
      assert.deepEqual(local.failed, {
        step: STEPS.dataRejected,
        message:
          "The input data did not pass the checks against the model's schema, so nothing was trained. " +
          `Validation ${report.summary} (validation_report.json of the ValidateData step lists each problem).`,
      });
      assert.deepEqual([...local.outcomes], [[STEPS.checkData, false]]);
      assert.deepEqual([...local.runs.keys()], [STEPS.validateData]);
    });
  });
});
