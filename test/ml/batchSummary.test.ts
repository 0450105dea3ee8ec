import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_HYPERPARAMETERS } from "../../components/pipeline/defaults";
import { checkPython, type ScriptRun } from "../helpers/python";
import {
  BATCH_SUMMARY,
  csvFile,
  FEATURES,
  featureLines,
  featuresDir,
  fillValidationDir,
  INFERENCE_ARGS,
  LABELS,
  lines,
  range,
  readTree,
  SAMPLE_ROWS,
  temporaryDirectories,
  text,
  VALIDATE,
  writeFiles,
} from "./batchData";
import {
  type InterpreterRun,
  localPath,
  PROCESSING_ROOT,
  runInOneInterpreter,
  SAMPLE_CSV,
  SCRIPTS,
} from "./scripts";

/**
 * Runs the batch inference pipeline for real on the sample, step by step, the way SageMaker runs
 * it: ValidateInput (`ml/validate.py --inference`) on two files of the sample without its target,
 * one with its columns the other way round; Score with a model trained on the sample the way the
 * built-in XGBoost algorithm trains it (train_like_sagemaker.py), scoring the validated features as
 * a batch transform job does (transform_like_sagemaker.py), with and without the join of rows and
 * predictions; then Summarize (`ml/batch_summary.py`, the Summarize step's paths) on those
 * predictions, whole and damaged, and on small outputs whose summary is worked out by hand.
 *
 * Everything up to the predictions runs in one interpreter, the summaries in another
 * (run_in_one_interpreter.py), as `python3 <script> ARGS` each: a process spends most of its time
 * importing pandas and XGBoost.
 */

const TRANSFORM = path.join(__dirname, "transform_like_sagemaker.py");

/** Where the Summarize step's inputs and output are, as the batch pipeline runs ml/batch_summary.py. */
const SUMMARY_PATHS = {
  input: `${PROCESSING_ROOT}/input/data`,
  predictions: `${PROCESSING_ROOT}/input/predictions`,
  output: `${PROCESSING_ROOT}/output/summary`,
} as const;

const FIRST_PART = range(0, 300);
const SECOND_PART = range(300, SAMPLE_ROWS.length);

/** The predictions of ten rows, whose summary is worked out by hand. */
const PROBABILITIES = ["0.02", "0.11", "0.15", "0.37", "0.5", "0.5", "0.64", "0.81", "0.93", "1.0"];
const PROBABILITIES_SCORE: ScoreSummary = {
  min: 0.02,
  max: 1,
  mean: 0.503,
  quantiles: { "0.1": 0.101, "0.5": 0.5, "0.9": 0.937 },
  histogram: {
    edges: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
    counts: [1, 2, 0, 1, 0, 2, 1, 0, 1, 2],
  },
};

// ---------------------------------------------------------------------------
// summary.json

interface ScoreSummary {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly quantiles: { readonly "0.1": number; readonly "0.5": number; readonly "0.9": number };
  readonly histogram: { readonly edges: readonly number[]; readonly counts: readonly number[] };
}

interface FileEntry {
  readonly input: string;
  readonly output: string | null;
  readonly rows_in: number;
  readonly rows_scored: number;
  readonly rows_failed: number;
  readonly lines_out: number;
}

interface FailedRow {
  readonly file: string;
  readonly row: number;
  readonly found: string | null;
  readonly reason: "no_output_file" | "no_output_line" | "not_a_number" | "field_count";
}

/** summary.json as batch_summary.py writes it. */
interface BatchSummary {
  readonly version: 1;
  readonly joined: boolean;
  readonly rows_in: number;
  readonly rows_scored: number;
  readonly rows_failed: number;
  readonly score: ScoreSummary | null;
  readonly files: readonly FileEntry[];
  readonly failed_rows: readonly FailedRow[];
  readonly unmatched_outputs: readonly string[];
}

function fileEntry(
  input: string,
  output: string | null,
  rowsIn: number,
  scored: number,
  linesOut: number,
): FileEntry {
  return {
    input,
    output,
    rows_in: rowsIn,
    rows_scored: scored,
    rows_failed: rowsIn - scored,
    lines_out: linesOut,
  };
}

const significant = (value: number) => Number(value.toPrecision(6));

/** numpy's default (linear) quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  const index = q * (sorted.length - 1);
  const below = Math.floor(index);
  const a = sorted[below];
  const b = sorted[Math.min(below + 1, sorted.length - 1)];
  const t = index - below;
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

/**
 * What summary.json should say of `scores`, worked out here: 10 bins over [0, 1] for
 * probabilities, else over [min, max]; a score in the bin whose lower edge it reaches, the last
 * bin closed; every number to 6 significant digits.
 */
function describeScores(texts: readonly string[]): ScoreSummary {
  const scores = texts.map(Number);
  const sorted = [...scores].sort((x, y) => x - y);
  const low = sorted[0];
  const high = sorted[sorted.length - 1];
  const probabilities = low >= 0 && high <= 1;
  const edges = range(0, 11).map((step) =>
    probabilities ? step / 10 : step === 10 ? high : low + step * ((high - low) / 10),
  );
  const counts = range(0, 10).map(() => 0);
  for (const score of scores) counts[Math.min(9, edges.filter((edge) => edge <= score).length - 1)] += 1;
  return {
    min: significant(low),
    max: significant(high),
    mean: significant(scores.reduce((sum, score) => sum + score, 0) / scores.length),
    quantiles: {
      "0.1": significant(quantile(sorted, 0.1)),
      "0.5": significant(quantile(sorted, 0.5)),
      "0.9": significant(quantile(sorted, 0.9)),
    },
    histogram: { edges: edges.map(significant), counts },
  };
}

/** The line batch_summary.py prints before where it wrote the summary. */
function headline(summary: BatchSummary): string {
  const files = summary.files.length;
  const score = summary.score;
  return (
    `scored ${summary.rows_scored} of ${summary.rows_in} rows in ${files} file${files === 1 ? "" : "s"}, ` +
    `${summary.rows_failed} failed` +
    (score === null ? "" : `; scores from ${score.min} to ${score.max}, mean ${score.mean}`)
  );
}

const shown = (found: string) => (found.length <= 50 ? found : `${found.slice(0, 49)}…`);

/** `texts` without the lines numbered `rows` (from 1). */
const without = (texts: readonly string[], ...rows: number[]) =>
  texts.filter((_text, index) => !rows.includes(index + 1));

/** `texts` with line `number` (from 1) replaced. */
const replaced = (texts: readonly string[], number: number, line: string) =>
  texts.map((current, index) => (index === number - 1 ? line : current));

// ---------------------------------------------------------------------------
// The runs

const dirs = temporaryDirectories("ml-batch-summary-");

/** Fills a processing directory for Summarize: the transform job's input and output, copied in. */
function summaryDir(
  input: string | Readonly<Record<string, string>>,
  predictions: Readonly<Record<string, string>>,
) {
  const baseDir = dirs.make();
  const inputDir = localPath(baseDir, SUMMARY_PATHS.input);
  if (typeof input === "string") fs.cpSync(input, inputDir, { recursive: true });
  else writeFiles(inputDir, input);
  writeFiles(localPath(baseDir, SUMMARY_PATHS.predictions), predictions);
  return baseDir;
}

function summaryArgs(baseDir: string, joined: boolean): string[] {
  return [
    "--input",
    localPath(baseDir, SUMMARY_PATHS.input),
    "--predictions",
    localPath(baseDir, SUMMARY_PATHS.predictions),
    "--output",
    localPath(baseDir, SUMMARY_PATHS.output),
    ...(joined ? ["--joined"] : []),
  ];
}

const summaryPath = (baseDir: string) => localPath(baseDir, `${SUMMARY_PATHS.output}/summary.json`);

type TransformName = "joined" | "plain" | "reference" | "asWritten";

interface Scored {
  readonly validation: ScriptRun;
  /** The features ValidateInput wrote: the transform job's input. */
  readonly features: string;
  readonly training: readonly ScriptRun[];
  readonly transforms: Readonly<Record<TransformName, { readonly run: ScriptRun; readonly output: string }>>;
}

/**
 * ValidateInput on the batch, training, and the transform runs: of the features, joined and not;
 * of every row in schema order in one file, which the batch's scores must add up to; and of the
 * files as the team wrote them, header rows and all.
 */
async function validateTrainAndScore(): Promise<Scored> {
  const batchDir = fillValidationDir(dirs.make(), {
    "part-1.csv": csvFile(FIRST_PART),
    "more/part-2.csv": csvFile(SECOND_PART, {}, [...FEATURES].reverse()),
  });
  const trainDir = dirs.make();
  writeFiles(localPath(trainDir, `${PROCESSING_ROOT}/input/data`), {
    "breast-cancer.csv": fs.readFileSync(SAMPLE_CSV, "utf8"),
  });
  const transformDir = dirs.make();
  const referenceInput = path.join(transformDir, "reference-input");
  writeFiles(referenceInput, { "all.csv": text(featureLines(range(0, SAMPLE_ROWS.length))) });
  const inputs: Record<TransformName, readonly [string, boolean]> = {
    joined: [featuresDir(batchDir), true],
    plain: [featuresDir(batchDir), false],
    reference: [referenceInput, false],
    asWritten: [localPath(batchDir, `${PROCESSING_ROOT}/input/data`), false],
  };
  const transformRuns = Object.entries(inputs).map(([name, [input, join]]) => ({
    script: TRANSFORM,
    args: [
      ...["--model-archive", path.join(trainDir, "model", "model.tar.gz")],
      ...["--input", input, "--output", path.join(transformDir, name)],
      ...["--join-source", join ? "Input" : "None"],
    ],
  }));
  const runs: InterpreterRun[] = [
    { script: VALIDATE, args: ["--base-dir", batchDir, ...INFERENCE_ARGS] },
    { script: SCRIPTS.preprocess, args: ["--base-dir", trainDir, "--target-column", "target"] },
    {
      script: SCRIPTS.trainLikeSageMaker,
      args: [
        ...["--train", path.join(trainDir, "train", "train.csv")],
        ...["--validation", path.join(trainDir, "validation", "validation.csv")],
        ...["--hyperparameters", JSON.stringify(DEFAULT_HYPERPARAMETERS)],
        ...["--model-dir", path.join(trainDir, "model")],
      ],
    },
    ...transformRuns,
  ];
  const [validation, preprocess, train, ...transforms] = await runInOneInterpreter(runs);
  return {
    validation,
    features: featuresDir(batchDir),
    training: [preprocess, train],
    transforms: Object.fromEntries(
      Object.keys(inputs).map((name, index) => [
        name,
        { run: transforms[index], output: path.join(transformDir, name) },
      ]),
    ) as Scored["transforms"],
  };
}

/** The Summarize runs: the scored batch, whole and damaged, and small hand-made outputs. */
function summaryCases(scored: Scored) {
  const joined = readTree(scored.transforms.joined.output);
  const plain = readTree(scored.transforms.plain.output);
  const secondFeatures = featureLines(SECOND_PART);
  const plainFirst = lines(plain["part-1.csv.out"]);
  let joinedSecond = lines(joined["more/part-2.csv.out"]);
  joinedSecond = replaced(joinedSecond, 5, `${secondFeatures[4]},`);
  joinedSecond = replaced(joinedSecond, 10, secondFeatures[9]);
  joinedSecond = replaced(joinedSecond, 20, `${secondFeatures[19]},abc`);
  return {
    "joined, every row scored": { dir: summaryDir(scored.features, joined), joined: true },
    "not joined, every row scored": { dir: summaryDir(scored.features, plain), joined: false },
    "not joined: an empty, a NaN and a two-number line, the last two lines missing, a stray output": {
      dir: summaryDir(scored.features, {
        "part-1.csv.out": text(replaced(replaced(replaced(plainFirst, 5, ""), 10, "NaN"), 20, "0.3,0.7")),
        "more/part-2.csv.out": text(lines(plain["more/part-2.csv.out"]).slice(0, -2)),
        "stray.csv.out": "0.5\n",
      }),
      joined: false,
    },
    "joined: an empty prediction, a row without one, text, and a file without output": {
      dir: summaryDir(scored.features, { "more/part-2.csv.out": text(joinedSecond) }),
      joined: true,
    },
    "probabilities known by hand, an output found by its name only, an empty file": {
      dir: summaryDir(
        { "dataset01/scores.csv": text(range(1, 11).map((row) => `${row},${row * 2}`)), "empty.csv": "" },
        { "scores.csv.out": text(PROBABILITIES), "empty.csv.out": "", "stray.csv.out": "0.5\n" },
      ),
      joined: false,
    },
    "margins outside [0, 1], joined, one line with a field too many": {
      dir: summaryDir(
        { "m.csv": text(range(1, 7).map((row) => `${row},${row}`)) },
        { "m.csv.out": text(["1,1,-2.0", "2,2,-1.0", "3,3,0.0", "4,4,1.0", "5,5,3.0", "6,6,4,5"]) },
      ),
      joined: true,
    },
    "nothing scored": { dir: summaryDir({ "n.csv": "1\n2\n" }, { "n.csv.out": "\nx\n" }), joined: false },
  } satisfies Record<string, { readonly dir: string; readonly joined: boolean }>;
}

type SummaryCaseName = keyof ReturnType<typeof summaryCases>;

interface Summarised {
  readonly cases: ReadonlyMap<SummaryCaseName, { readonly dir: string; readonly run: ScriptRun }>;
  /** Runs with bad command lines, on a directory without predictions. */
  readonly badCommandLines: {
    readonly dir: string;
    readonly missingPredictions: ScriptRun;
    readonly noOutput: ScriptRun;
  };
}

async function summarise(scored: Scored): Promise<Summarised> {
  const cases = Object.entries(summaryCases(scored)) as [SummaryCaseName, { dir: string; joined: boolean }][];
  const dir = summaryDir({ "a.csv": "1\n" }, {});
  fs.rmSync(localPath(dir, SUMMARY_PATHS.predictions), { recursive: true, force: true });
  const results = await runInOneInterpreter([
    ...cases.map(([, entry]) => ({ script: BATCH_SUMMARY, args: summaryArgs(entry.dir, entry.joined) })),
    { script: BATCH_SUMMARY, args: summaryArgs(dir, false) },
    { script: BATCH_SUMMARY, args: summaryArgs(dir, false).slice(0, 4) },
  ]);
  const [missingPredictions, noOutput] = results.slice(cases.length);
  return {
    cases: new Map(cases.map(([name, entry], index) => [name, { dir: entry.dir, run: results[index] }])),
    badCommandLines: { dir, missingPredictions, noOutput },
  };
}

// ---------------------------------------------------------------------------
// The tests

describe("batch scoring on the sample: ValidateInput, Score and ml/batch_summary.py, run for real", function () {
  this.timeout(60_000);

  let scored: Scored;
  let summaries: Summarised;

  before(async function () {
    this.timeout(180_000);
    await checkPython();
    scored = await validateTrainAndScore();
    summaries = await summarise(scored);
  });

  after(() => dirs.removeAll());

  const predictions = (name: TransformName) => readTree(scored.transforms[name].output);

  describe("Score: a batch transform job with the built-in XGBoost model", () => {
    it("validates the batch and trains the model on the sample's train split", () => {
      assert.equal(scored.validation.status, 0, scored.validation.stderr);
      assert.match(scored.validation.stdout, /^passed: 569 rows, 30 columns\n/);
      for (const run of scored.training) assert.equal(run.status, 0, run.stderr);
      assert.match(scored.training[1].stdout, /^trained \d+ rounds on 398 rows/);
    });

    it("fails on the files as the team wrote them: the container reads the header row as numbers", () => {
      const { run } = scored.transforms.asWritten;
      assert.equal(run.status, 2);
      const failure = (file: string, column: string) =>
        `transform_like_sagemaker.py: error: ${file}: Loading csv data failed with Exception, please ensure ` +
        `data is in csv format: ValueError: could not convert string to float: '${column}'\n`;
      assert.equal(
        run.stderr,
        failure("more/part-2.csv", "worst_fractal_dimension") + failure("part-1.csv", "mean_radius"),
      );
      assert.deepEqual(predictions("asWritten"), {});
    });

    it("scores every row of the features, one probability per line, as the same rows in schema order score", () => {
      const { run } = scored.transforms.plain;
      assert.equal(run.status, 0, run.stderr);
      const written = predictions("plain");
      assert.deepEqual(Object.keys(written), ["more/part-2.csv.out", "part-1.csv.out"]);
      const scores = [...lines(written["part-1.csv.out"]), ...lines(written["more/part-2.csv.out"])];
      for (const score of scores) assert.ok(Number(score) >= 0 && Number(score) <= 1, score);
      // The second file's columns came the other way round: its scores are those of its rows.
      assert.equal(scored.transforms.reference.run.status, 0, scored.transforms.reference.run.stderr);
      assert.deepEqual(scores, lines(predictions("reference")["all.csv.out"]));
      const correct = scores.filter((score, row) => (Number(score) >= 0.5 ? 1 : 0) === LABELS[row]).length;
      assert.ok(correct / scores.length >= 0.95, `accuracy ${correct / scores.length}`);
    });

    it("joins each row with its prediction: the row's fields, then the score", () => {
      assert.equal(scored.transforms.joined.run.status, 0, scored.transforms.joined.run.stderr);
      const plain = predictions("plain");
      const joinedWith = (rows: readonly number[], file: string) =>
        text(featureLines(rows).map((row, index) => `${row},${lines(plain[file])[index]}`));
      assert.deepEqual(predictions("joined"), {
        "more/part-2.csv.out": joinedWith(SECOND_PART, "more/part-2.csv.out"),
        "part-1.csv.out": joinedWith(FIRST_PART, "part-1.csv.out"),
      });
    });
  });

  describe("Summarize: ml/batch_summary.py", () => {
    /** summary.json of a case, after checking that the run exited 0 and printed its headline. */
    function summary(name: SummaryCaseName): BatchSummary {
      const entry = summaries.cases.get(name);
      assert.ok(entry, name);
      const { dir, run } = entry;
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stderr, "");
      const written = JSON.parse(fs.readFileSync(summaryPath(dir), "utf8")) as BatchSummary;
      assert.equal(run.stdout, `${headline(written)}\nwrote ${summaryPath(dir)}\n`);
      return written;
    }

    const scores = () => {
      const plain = predictions("plain");
      return { first: lines(plain["part-1.csv.out"]), second: lines(plain["more/part-2.csv.out"]) };
    };

    it("is checked against a spread of scores worked out as numpy does, here on scores known by hand", () => {
      assert.deepEqual(describeScores(PROBABILITIES), PROBABILITIES_SCORE);
    });

    it("sums up the joined output: 569 rows scored, none failed, and the spread of the model's scores", () => {
      const { first, second } = scores();
      assert.deepEqual(summary("joined, every row scored"), {
        version: 1,
        joined: true,
        rows_in: 569,
        rows_scored: 569,
        rows_failed: 0,
        score: describeScores([...second, ...first]),
        files: [
          fileEntry("more/part-2.csv", "more/part-2.csv.out", 269, 269, 269),
          fileEntry("part-1.csv", "part-1.csv.out", 300, 300, 300),
        ],
        failed_rows: [],
        unmatched_outputs: [],
      });
    });

    it("says the same of the output without the join", () => {
      assert.deepEqual(summary("not joined, every row scored"), {
        ...summary("joined, every row scored"),
        joined: false,
      });
    });

    it("counts empty, NaN and two-number predictions and missing lines as failed rows, and names a stray output", () => {
      const { first, second } = scores();
      assert.deepEqual(
        summary(
          "not joined: an empty, a NaN and a two-number line, the last two lines missing, a stray output",
        ),
        {
          version: 1,
          joined: false,
          rows_in: 569,
          rows_scored: 564,
          rows_failed: 5,
          score: describeScores([...second.slice(0, -2), ...without(first, 5, 10, 20)]),
          files: [
            fileEntry("more/part-2.csv", "more/part-2.csv.out", 269, 267, 267),
            fileEntry("part-1.csv", "part-1.csv.out", 300, 297, 300),
          ],
          failed_rows: [
            { file: "more/part-2.csv", row: 268, found: null, reason: "no_output_line" },
            { file: "more/part-2.csv", row: 269, found: null, reason: "no_output_line" },
            { file: "part-1.csv", row: 5, found: "", reason: "not_a_number" },
            { file: "part-1.csv", row: 10, found: "NaN", reason: "not_a_number" },
            { file: "part-1.csv", row: 20, found: "0.3,0.7", reason: "not_a_number" },
          ],
          unmatched_outputs: ["stray.csv.out"],
        },
      );
    });

    it("takes a joined line for its row only with one field more, and fails every row of a file without output", () => {
      const { second } = scores();
      assert.deepEqual(
        summary("joined: an empty prediction, a row without one, text, and a file without output"),
        {
          version: 1,
          joined: true,
          rows_in: 569,
          rows_scored: 266,
          rows_failed: 303,
          score: describeScores(without(second, 5, 10, 20)),
          files: [
            fileEntry("more/part-2.csv", "more/part-2.csv.out", 269, 266, 269),
            fileEntry("part-1.csv", null, 300, 0, 0),
          ],
          // The first ten.
          failed_rows: [
            { file: "more/part-2.csv", row: 5, found: "", reason: "not_a_number" },
            {
              file: "more/part-2.csv",
              row: 10,
              found: shown(featureLines(SECOND_PART)[9]),
              reason: "field_count",
            },
            { file: "more/part-2.csv", row: 20, found: "abc", reason: "not_a_number" },
            ...range(1, 8).map((row) => ({
              file: "part-1.csv",
              row,
              found: null,
              reason: "no_output_file" as const,
            })),
          ],
          unmatched_outputs: [],
        },
      );
    });

    it("describes probabilities known by hand, finds an output by its name alone, and counts an empty file", () => {
      const name = "probabilities known by hand, an output found by its name only, an empty file";
      assert.deepEqual(summary(name), {
        version: 1,
        joined: false,
        rows_in: 10,
        rows_scored: 10,
        rows_failed: 0,
        score: PROBABILITIES_SCORE,
        files: [
          fileEntry("dataset01/scores.csv", "scores.csv.out", 10, 10, 10),
          fileEntry("empty.csv", "empty.csv.out", 0, 0, 0),
        ],
        failed_rows: [],
        unmatched_outputs: ["stray.csv.out"],
      });
      assert.match(
        summaries.cases.get(name)?.run.stdout ?? "",
        /^scored 10 of 10 rows in 2 files, 0 failed; scores from 0\.02 to 1, mean 0\.503\n/,
      );
    });

    it("bins scores outside [0, 1] between their minimum and maximum", () => {
      assert.deepEqual(summary("margins outside [0, 1], joined, one line with a field too many"), {
        version: 1,
        joined: true,
        rows_in: 6,
        rows_scored: 5,
        rows_failed: 1,
        score: {
          min: -2,
          max: 3,
          mean: 0.2,
          quantiles: { "0.1": -1.6, "0.5": 0, "0.9": 2.2 },
          histogram: {
            edges: [-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3],
            counts: [1, 0, 1, 0, 1, 0, 1, 0, 0, 1],
          },
        },
        files: [fileEntry("m.csv", "m.csv.out", 6, 5, 6)],
        failed_rows: [{ file: "m.csv", row: 6, found: "6,6,4,5", reason: "field_count" }],
        unmatched_outputs: [],
      });
    });

    it("writes a null score when no row was scored", () => {
      assert.deepEqual(summary("nothing scored"), {
        version: 1,
        joined: false,
        rows_in: 2,
        rows_scored: 0,
        rows_failed: 2,
        score: null,
        files: [fileEntry("n.csv", "n.csv.out", 2, 0, 2)],
        failed_rows: [
          { file: "n.csv", row: 1, found: "", reason: "not_a_number" },
          { file: "n.csv", row: 2, found: "x", reason: "not_a_number" },
        ],
        unmatched_outputs: [],
      });
      assert.match(
        summaries.cases.get("nothing scored")?.run.stdout ?? "",
        /^scored 0 of 2 rows in 1 file, 2 failed\n/,
      );
    });

    it("rejects a bad command line with one line and exit code 2, writing nothing", () => {
      const { dir, missingPredictions, noOutput } = summaries.badCommandLines;
      const predictionsDir = localPath(dir, SUMMARY_PATHS.predictions);
      for (const [run, message] of [
        [missingPredictions, `batch_summary.py: error: --predictions ${predictionsDir}: no such directory`],
        [noOutput, "batch_summary.py: error: the following arguments are required: --output"],
      ] as const) {
        assert.equal(run.status, 2, run.stderr);
        assert.equal(run.stderr, `${message}\n`);
        assert.equal(run.stdout, "");
      }
      assert.equal(fs.existsSync(summaryPath(dir)), false);
    });
  });
});
