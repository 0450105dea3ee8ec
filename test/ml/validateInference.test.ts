import assert from "node:assert/strict";
import * as fs from "node:fs";
import { VALIDATION_REPORT } from "../../components/pipeline/definition";
import { checkPython, type ScriptRun } from "../helpers/python";
import {
  csvFile,
  FEATURES,
  featureLines,
  featuresDir,
  fillValidationDir,
  INFERENCE_ARGS,
  range,
  readTree,
  reportPath,
  SAMPLE_HEADER,
  SAMPLE_ROWS,
  temporaryDirectories,
  text,
  VALIDATE,
} from "./batchData";
import { jsonGet, runInOneInterpreter } from "./scripts";

/**
 * Runs ml/validate.py in inference mode for real, as the batch inference pipeline's ValidateInput
 * step runs it (the container's /opt/ml/processing mapped to a temporary directory with
 * --base-dir, the schema under its S3 object's name): on data to score that passes, whose features
 * it writes without a header row for the transform job, and on each kind of data that fails, for
 * which it writes none. The cases run one after another in one interpreter
 * (run_in_one_interpreter.py), as `python3 validate.py ARGS` each.
 */

interface Problem {
  readonly column: string | null;
  readonly check: string;
  readonly found: unknown;
  readonly limit: unknown;
  readonly message: string;
}

/** validation_report.json as validate.py writes it. */
interface ValidationReport {
  readonly version: 1;
  readonly status: "passed" | "failed";
  readonly rows: number;
  readonly files: readonly string[];
  readonly problems: readonly Problem[];
  readonly summary: string;
}

function passed(rows: number, files: readonly string[]): ValidationReport {
  const summary = `passed: ${rows} rows, ${FEATURES.length} columns`;
  return { version: 1, status: "passed", rows, files, problems: [], summary };
}

function failed(rows: number, files: readonly string[], problems: readonly Problem[]): ValidationReport {
  const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
  const summary = `failed: ${count}: ${problems.map((entry) => entry.message).join("; ")}`;
  return { version: 1, status: "failed", rows, files, problems, summary };
}

function problem(
  column: string | null,
  check: string,
  found: unknown,
  limit: unknown,
  message: string,
): Problem {
  return { column, check, found, limit, message };
}

const ROWS_200 = range(0, 200);
const MISSING_CELLS = { mean_area: { 3: "", 7: "NaN", 11: "nan" } };

/** Data to score, under input/data/, with validate.py's options. */
const CASES = {
  "a dataset in two files, columns in another order, beside its marker object": {
    files: {
      "part-1.csv": csvFile(range(0, 300)),
      // Names count, not order.
      "more/part-2.csv": csvFile(range(300, SAMPLE_ROWS.length), {}, [...FEATURES].reverse()),
      _SUCCESS: "",
    },
    args: INFERENCE_ARGS,
  },
  "missing values within the limits, class-share options given": {
    files: { "data.csv": csvFile(ROWS_200, MISSING_CELLS) },
    args: [
      ...INFERENCE_ARGS,
      "--min-class-share",
      "0.4",
      "--max-class-share",
      "0.45",
      "--column-max-missing",
      '{"mean_area": 0.02}',
    ],
  },
  "the target column": { files: { "data.csv": csvFile(ROWS_200, {}, SAMPLE_HEADER) }, args: INFERENCE_ARGS },
  "a missing feature and an extra column": {
    files: {
      "data.csv": csvFile(
        ROWS_200,
        { patient_id: Object.fromEntries(ROWS_200.map((row) => [row, `P${row}`])) },
        [...FEATURES.filter((name) => name !== "mean_radius"), "patient_id"],
      ),
    },
    args: INFERENCE_ARGS,
  },
  "text and an infinity in a numeric feature": {
    files: { "data.csv": csvFile(ROWS_200, { mean_area: { 2: "n/a", 4: "-inf", 9: "n/a" } }) },
    args: INFERENCE_ARGS,
  },
  "too many missing values": {
    files: {
      "data.csv": csvFile(ROWS_200, {
        worst_area: Object.fromEntries(range(50, 70).map((row) => [row, ""])),
      }),
    },
    args: INFERENCE_ARGS,
  },
  "too few rows": { files: { "data.csv": csvFile(range(0, 50)) }, args: INFERENCE_ARGS },
  "a marker object and no CSV file": { files: { _SUCCESS: "" }, args: INFERENCE_ARGS },
  "an empty file and a header without rows": {
    files: { "empty.csv": "", "header.csv": `${FEATURES.join(",")}\n` },
    args: INFERENCE_ARGS,
  },
} satisfies Record<
  string,
  { readonly files: Readonly<Record<string, string>>; readonly args: readonly string[] }
>;

type CaseName = keyof typeof CASES;

describe("ml/validate.py --inference, the batch pipeline's ValidateInput step, run for real", function () {
  this.timeout(60_000);

  const dirs = temporaryDirectories("ml-validate-inference-");
  let runs: ReadonlyMap<CaseName, { readonly dir: string; readonly run: ScriptRun }>;

  before(async () => {
    await checkPython();
    const cases = Object.entries(CASES).map(
      ([name, entry]) => [name as CaseName, fillValidationDir(dirs.make(), entry.files), entry.args] as const,
    );
    const results = await runInOneInterpreter(
      cases.map(([, dir, args]) => ({ script: VALIDATE, args: ["--base-dir", dir, ...args] })),
    );
    runs = new Map(cases.map(([name, dir], index) => [name, { dir, run: results[index] }]));
  });

  after(() => dirs.removeAll());

  /** The report and the features written, after checking that the run exited 0 and printed the summary. */
  function validation(name: CaseName) {
    const entry = runs.get(name);
    assert.ok(entry, name);
    const { dir, run } = entry;
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, "");
    const report = JSON.parse(fs.readFileSync(reportPath(dir), "utf8")) as ValidationReport;
    assert.equal(run.stdout, `${report.summary}\nwrote ${reportPath(dir)}\n`);
    return { report, features: readTree(featuresDir(dir)) };
  }

  describe("data that passes: the features the transform job reads", () => {
    it("passes data without the target column in any column order, and writes each file's rows without a header, in the schema's order", () => {
      const { report, features } = validation(
        "a dataset in two files, columns in another order, beside its marker object",
      );
      assert.deepEqual(report, passed(569, ["more/part-2.csv", "part-1.csv"]));
      // The marker object is no data: neither checked nor scored.
      assert.deepEqual(features, {
        "more/part-2.csv": text(featureLines(range(300, SAMPLE_ROWS.length))),
        "part-1.csv": text(featureLines(range(0, 300))),
      });
      assert.equal(features["part-1.csv"].split("\n")[0], SAMPLE_ROWS[0].slice(0, -1).join(","));
    });

    it("writes missing values as empty fields, and takes the build's class-share options without applying them", () => {
      const { report, features } = validation("missing values within the limits, class-share options given");
      assert.deepEqual(report, passed(200, ["data.csv"]));
      assert.deepEqual(features, { "data.csv": text(featureLines(ROWS_200, MISSING_CELLS)) });
      const column = FEATURES.indexOf("mean_area");
      const rows = features["data.csv"].split("\n");
      assert.deepEqual(
        [3, 7, 11, 12].map((row) => rows[row].split(",")[column]),
        ["", "", "", SAMPLE_ROWS[12][column]],
      );
    });

    it("writes the report the batch pipeline's condition reads at the build pipeline's paths", () => {
      const good = validation("a dataset in two files, columns in another order, beside its marker object");
      const bad = validation("too few rows");
      assert.equal(jsonGet(good.report, VALIDATION_REPORT.statusPath), VALIDATION_REPORT.passed);
      assert.equal(jsonGet(bad.report, VALIDATION_REPORT.statusPath), "failed");
      assert.equal(
        jsonGet(bad.report, VALIDATION_REPORT.summaryPath),
        "failed: 1 problem: too few rows: 50, limit 100",
      );
    });
  });

  describe("data that fails: every problem named, no features written", () => {
    const expectations: Partial<Record<CaseName, ValidationReport>> = {
      "the target column": failed(
        200,
        ["data.csv"],
        [
          problem(
            "target",
            "extra_column",
            null,
            null,
            "column target: not expected in inference data (it is the target column)",
          ),
        ],
      ),
      "a missing feature and an extra column": failed(
        200,
        ["data.csv"],
        [
          problem("mean_radius", "missing_column", null, null, "column mean_radius: missing"),
          problem("patient_id", "extra_column", null, null, "column patient_id: not in the schema"),
        ],
      ),
      "text and an infinity in a numeric feature": failed(
        200,
        ["data.csv"],
        [problem("mean_area", "type", 3, 0, "column mean_area: 3 non-numeric values, e.g. 'n/a', '-inf'")],
      ),
      "too many missing values": failed(
        200,
        ["data.csv"],
        [
          problem(
            "worst_area",
            "missing_rate",
            0.1,
            0.05,
            "column worst_area: 10% missing (20 of 200 rows), limit 5%",
          ),
        ],
      ),
      "too few rows": failed(
        50,
        ["data.csv"],
        [problem(null, "rows", 50, 100, "too few rows: 50, limit 100")],
      ),
      "a marker object and no CSV file": failed(
        0,
        [],
        [problem(null, "input", null, null, "no .csv files in the input data")],
      ),
      "an empty file and a header without rows": failed(
        0,
        ["empty.csv", "header.csv"],
        [
          problem(
            null,
            "input",
            null,
            null,
            "file empty.csv is empty; expected a header row naming the columns",
          ),
          problem(null, "rows", 0, 100, "no data rows, limit 100"),
        ],
      ),
    };

    for (const [name, expected] of Object.entries(expectations)) {
      it(`reports ${name}`, () => {
        const { report, features } = validation(name as CaseName);
        assert.deepEqual(report, expected);
        assert.deepEqual(features, {});
      });
    }
  });
});
