import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkPython, runPython, type ScriptRun } from "../helpers/python";
import { localPath, PROCESSING_ROOT, removeDir, SAMPLE_CSV } from "./scripts";

/**
 * Runs ml/validate.py, the model-build pipeline's data gate, for real: on the sample dataset with
 * the committed schema as the pipeline step runs it (the container's /opt/ml/processing mapped to a
 * temporary directory with --base-dir), `write-schema` against the committed ml/schemas/diagnosis.json,
 * and every other case (bad data, inference data, bad command lines) one after another in a single
 * interpreter (run_in_one_interpreter.py), as `python3 validate.py ARGS` each: a process spends
 * most of its time importing pandas.
 */

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const VALIDATE = path.join(REPO_ROOT, "ml", "validate.py");
const RUNNER = path.join(__dirname, "run_in_one_interpreter.py");
const SCHEMA_FILE = path.join(REPO_ROOT, "ml", "schemas", "diagnosis.json");
const SCHEMA_TEXT = fs.readFileSync(SCHEMA_FILE, "utf8");

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

// ---------------------------------------------------------------------------
// The sample dataset as a table of cells

interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

function parseCsv(text: string): Table {
  const [header = "", ...lines] = text.split("\n").filter((line) => line !== "");
  return { header: header.split(","), rows: lines.map((line) => line.split(",")) };
}

function csvText(table: Table): string {
  return [table.header, ...table.rows].map((row) => row.join(",")).join("\n") + "\n";
}

const SAMPLE = parseCsv(fs.readFileSync(SAMPLE_CSV, "utf8"));

function columnIndex(table: Table, name: string): number {
  const index = table.header.indexOf(name);
  if (index < 0) throw new Error(`no column ${name}`);
  return index;
}

function withoutColumn(table: Table, name: string): Table {
  const index = columnIndex(table, name);
  const drop = (row: readonly string[]) => row.filter((_cell, at) => at !== index);
  return { header: drop(table.header), rows: table.rows.map(drop) };
}

function withColumn(table: Table, name: string, value: (row: number) => string): Table {
  return {
    header: [...table.header, name],
    rows: table.rows.map((row, index) => [...row, value(index)]),
  };
}

function renamed(table: Table, from: string, to: string): Table {
  return { ...table, header: table.header.map((name) => (name === from ? to : name)) };
}

/** `table` with the cells of column `name` in the given rows (data rows counted from 0) replaced. */
function withCells(table: Table, name: string, cells: Readonly<Record<number, string>>): Table {
  const index = columnIndex(table, name);
  return {
    ...table,
    rows: table.rows.map((row, at) =>
      at in cells ? row.map((cell, column) => (column === index ? cells[at] : cell)) : row,
    ),
  };
}

function rowsWhere(table: Table, keep: (row: readonly string[], index: number) => boolean): Table {
  return { ...table, rows: table.rows.filter(keep) };
}

/** Cells `value` for the data rows `from` up to `to` (excluded). */
function cellRange(from: number, to: number, value: (row: number) => string): Record<number, string> {
  return Object.fromEntries(
    Array.from({ length: to - from }, (_unused, at) => [from + at, value(from + at)]),
  );
}

// ---------------------------------------------------------------------------
// Processing directories and runs

const tempDirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-validate-"));
  tempDirs.push(dir);
  return dir;
}

/**
 * A processing directory holding `files` (path under input/data/ → CSV text) and, unless `schema` is
 * null, the schema at input/schema/<schemaName>: the committed one unless `schema` gives another.
 */
function processingDir(
  files: Readonly<Record<string, string>>,
  schema: string | null = SCHEMA_TEXT,
  schemaName = "schema.json",
): string {
  const baseDir = tempDir();
  const inputDir = localPath(baseDir, `${PROCESSING_ROOT}/input/data`);
  fs.mkdirSync(inputDir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(inputDir, ...name.split("/"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  if (schema !== null) {
    const schemaDir = localPath(baseDir, `${PROCESSING_ROOT}/input/schema`);
    fs.mkdirSync(schemaDir, { recursive: true });
    fs.writeFileSync(path.join(schemaDir, schemaName), schema);
  }
  return baseDir;
}

function schemaPath(baseDir: string, name = "schema.json"): string {
  return localPath(baseDir, `${PROCESSING_ROOT}/input/schema/${name}`);
}

function reportPath(baseDir: string): string {
  return localPath(baseDir, `${PROCESSING_ROOT}/validation/validation_report.json`);
}

function readReport(baseDir: string): ValidationReport {
  return JSON.parse(fs.readFileSync(reportPath(baseDir), "utf8")) as ValidationReport;
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

function assertCleanFailure(run: ScriptRun, message: string): void {
  assert.equal(run.status, 2, `expected exit code 2, got ${run.status}; stderr: ${run.stderr}`);
  assert.doesNotMatch(run.stderr, /Traceback/);
  assert.equal(run.stderr, `${message}\n`);
  assert.equal(run.stdout, "");
}

/** One run of validate.py: with `--base-dir <dir>` and `args`, or with `argv` as is. */
type Case =
  | { readonly dir: string; readonly args?: readonly string[]; readonly command?: "validate" }
  | { readonly argv: readonly string[] };

function caseArgv(entry: Case): readonly string[] {
  if ("argv" in entry) return entry.argv;
  return [...(entry.command ? [entry.command] : []), "--base-dir", entry.dir, ...(entry.args ?? [])];
}

// ---------------------------------------------------------------------------
// The cases

const MANY_EXTRA = Array.from({ length: 100 }, (_unused, at) => `unexpected_column_with_a_long_name_${at}`);

const SMALL_CATEGORICAL = [
  "colour,code,size,label",
  "red,1,2.5,yes",
  "blue,2,,no",
  "red,3,4,yes",
  "green,1,1.5,no",
  "blue,2,3,no",
  "red,1,NaN,yes",
  "",
].join("\n");

const SMALL_CATEGORICAL_SCHEMA = `{
  "columns": [
    { "name": "colour", "type": "categorical" },
    { "name": "code", "type": "categorical" },
    { "name": "size", "type": "numeric" },
    { "name": "label", "type": "categorical" }
  ],
  "target": { "classes": ["no", "yes"], "name": "label" },
  "version": 1
}
`;

/** Made lazily, in the `before` hook, so that nothing is written when the file is only loaded. */
function buildCases() {
  const twoParts = (table: Table, split = 300) => ({
    first: csvText({ ...table, rows: table.rows.slice(0, split) }),
    second: csvText({ ...table, rows: table.rows.slice(split) }),
  });
  // The second file's columns in reverse order: the names must match, not the order.
  const reversed = (table: Table): Table => ({
    header: [...table.header].reverse(),
    rows: table.rows.map((row) => [...row].reverse()),
  });
  const parts = twoParts(SAMPLE);
  const smallSource = path.join(tempDir(), "small.csv");
  fs.writeFileSync(smallSource, SMALL_CATEGORICAL);
  const gradesSource = path.join(tempDir(), "grades.csv");
  fs.writeFileSync(gradesSource, "x,grade\n1,10\n2,2\n3,1\n4,2.0\n5,\n");
  const argumentDir = processingDir({ "data.csv": csvText(SAMPLE) });

  const dataCases = {
    "two files of one dataset, columns in another order (validate named)": {
      dir: processingDir({
        "part-1.csv": parts.first,
        "more/part-2.csv": twoParts(reversed(SAMPLE)).second,
      }),
      command: "validate",
    },
    "a missing column": { dir: processingDir({ "data.csv": csvText(withoutColumn(SAMPLE, "mean_radius")) }) },
    "an extra column": {
      dir: processingDir({ "data.csv": csvText(withColumn(SAMPLE, "patient_id", (row) => `${1000 + row}`)) }),
    },
    "a column renamed in case only": {
      dir: processingDir({ "data.csv": csvText(renamed(SAMPLE, "mean_texture", "Mean_Texture")) }),
    },
    "files that disagree, and an empty file": {
      dir: processingDir({
        "empty.csv": "",
        "part-1.csv": parts.first,
        "part-2.csv": twoParts(withColumn(withoutColumn(SAMPLE, "worst_area"), "notes", () => "x")).second,
      }),
    },
    "non-numeric values": {
      dir: processingDir({
        "data.csv": csvText(
          withCells(SAMPLE, "mean_area", { 3: "n/a", 7: "n/a", 10: "inf", 12: "abc", 15: "?" }),
        ),
      }),
    },
    "unknown classes": {
      dir: processingDir({
        "data.csv": csvText(withCells(SAMPLE, "target", { 0: "2", 1: "malignant", 5: "1.0" })),
      }),
    },
    "class imbalance": {
      // Every benign row and the first 10 malignant ones.
      dir: processingDir({
        "data.csv": csvText(
          rowsWhere(
            SAMPLE,
            (row, index) =>
              row.at(-1) === "0" ||
              SAMPLE.rows.slice(0, index + 1).filter((earlier) => earlier.at(-1) === "1").length <= 10,
          ),
        ),
      }),
    },
    "too few rows": { dir: processingDir({ "data.csv": csvText(SAMPLE) }), args: ["--min-rows", "600"] },
    "missing values, with per-column limits": {
      dir: processingDir({
        "data.csv": csvText(
          withCells(
            withCells(
              withCells(
                SAMPLE,
                "mean_smoothness",
                cellRange(0, 20, (row) => (row % 2 === 0 ? "" : "NaN")),
              ),
              "worst_area",
              cellRange(100, 140, () => ""),
            ),
            "mean_texture",
            { 50: "nan" },
          ),
        ),
      }),
      args: [
        "--max-missing-rate",
        "0.03",
        "--column-max-missing",
        '{"mean_smoothness": 0.05, "mean_texture": 0}',
      ],
    },
    "no CSV files": { dir: processingDir({ "notes.txt": "not data\n" }) },
    "a header without rows": { dir: processingDir({ "data.csv": `${SAMPLE.header.join(",")}\n` }) },
    "inference data": {
      dir: processingDir({ "data.csv": csvText(withoutColumn(SAMPLE, "target")) }),
      args: ["--inference"],
    },
    "inference data with the target column": {
      dir: processingDir({ "data.csv": csvText(SAMPLE) }),
      args: ["--inference"],
    },
    "a hundred problems": {
      dir: processingDir({
        "data.csv": csvText(MANY_EXTRA.reduce((table, name) => withColumn(table, name, () => "1"), SAMPLE)),
      }),
    },
    "categorical columns, schema written first": {
      dir: processingDir(
        {
          "data.csv": SMALL_CATEGORICAL.replace("green,1,1.5,no\n", "green,x,big,maybe\nwhite,4,1.5,no\n"),
        },
        null,
      ),
      args: ["--min-rows", "5", "--max-missing-rate", "0.5"],
    },
  } satisfies Record<string, Case>;

  const categoricalDir = dataCases["categorical columns, schema written first"].dir;
  const badSchemaDir = processingDir({ "data.csv": csvText(SAMPLE) }, "{ not json\n");
  const wrongTypeDir = processingDir(
    { "data.csv": csvText(SAMPLE) },
    SCHEMA_TEXT.replace(
      '{ "name": "mean_area", "type": "numeric" }',
      '{ "name": "mean_area", "type": "text" }',
    ),
  );
  const noSchemaDir = processingDir({ "data.csv": csvText(SAMPLE) }, null);

  const writeSchemaCases = {
    "small categorical dataset": {
      argv: [
        "write-schema",
        "--data",
        smallSource,
        "--target-column",
        "label",
        "--categorical",
        "code",
        "--output",
        schemaPath(categoricalDir),
      ],
    },
    "numeric classes": {
      argv: [
        "write-schema",
        "--data",
        gradesSource,
        "--target-column",
        "grade",
        "--output",
        path.join(path.dirname(gradesSource), "schemas", "grades.json"),
      ],
    },
  } satisfies Record<string, Case>;

  const badCommandLines: Record<string, { readonly entry: Case; readonly message: string }> = {
    "a share above 1": {
      entry: { dir: argumentDir, args: ["--max-missing-rate", "1.5"] },
      message: "validate.py: error: argument --max-missing-rate: 1.5 is not between 0 and 1",
    },
    "a row count that is not a number": {
      entry: { dir: argumentDir, args: ["--min-rows", "many"] },
      message: "validate.py: error: argument --min-rows: 'many' is not a whole number",
    },
    "class shares the wrong way round": {
      entry: { dir: argumentDir, args: ["--min-class-share", "0.6", "--max-class-share", "0.4"] },
      message: "validate.py: error: --min-class-share (0.6) must not exceed --max-class-share (0.4)",
    },
    "a per-column limit for a column the schema lacks": {
      entry: { dir: argumentDir, args: ["--column-max-missing", '{"mean_area": 0.2, "area": 0.1}'] },
      message: "validate.py: error: --column-max-missing names column(s) the schema does not have: area",
    },
    "per-column limits that are not JSON": {
      entry: { dir: argumentDir, args: ["--column-max-missing", "{mean_area: 0.2}"] },
      message:
        "validate.py: error: --column-max-missing is not valid JSON: Expecting property name enclosed in " +
        "double quotes: line 1 column 2 (char 1)",
    },
    "a per-column limit that is not a share": {
      entry: { dir: argumentDir, args: ["--column-max-missing", '{"mean_area": "20%"}'] },
      message: `validate.py: error: --column-max-missing for 'mean_area' must be a number between 0 and 1, got "20%"`,
    },
    "an unknown option": {
      entry: { dir: argumentDir, args: ["--target-column", "target"] },
      message: "validate.py: error: unrecognized arguments: --target-column target",
    },
    "no schema": {
      entry: { dir: noSchemaDir },
      message: `validate.py: error: no schema at ${schemaPath(noSchemaDir)}; the step's schema input provides it`,
    },
    "a schema that is not JSON": {
      entry: { dir: badSchemaDir },
      message: `validate.py: error: schema ${schemaPath(badSchemaDir)}: not valid JSON: Expecting property name enclosed in double quotes: line 1 column 3 (char 2)`,
    },
    "a schema with an unknown type": {
      entry: { dir: wrongTypeDir },
      message: `validate.py: error: schema ${schemaPath(wrongTypeDir)}: column 'mean_area' has type "text"; expected numeric or categorical`,
    },
    "write-schema without a target column": {
      entry: { argv: ["write-schema", "--data", SAMPLE_CSV, "--output", path.join(tempDir(), "x.json")] },
      message: "validate.py write-schema: error: the following arguments are required: --target-column",
    },
    "write-schema with a target column the data lacks": {
      entry: {
        argv: [
          "write-schema",
          "--data",
          SAMPLE_CSV,
          "--target-column",
          "diagnosis",
          "--output",
          path.join(tempDir(), "x.json"),
        ],
      },
      message:
        "validate.py write-schema: error: target column 'diagnosis' not found; the columns are: mean_radius, " +
        "mean_texture, mean_perimeter, mean_area, mean_smoothness, ... (31 in total)",
    },
  };
  return { dataCases, writeSchemaCases, badCommandLines, argumentDir };
}

type Cases = ReturnType<typeof buildCases>;

/** All the cases, run in one interpreter in order: write-schema first, then the rest. */
const caseRuns = once(
  async (): Promise<{
    readonly cases: Cases;
    readonly data: ReadonlyMap<string, ScriptRun>;
    readonly writeSchema: ReadonlyMap<string, ScriptRun>;
    readonly badCommandLines: ReadonlyMap<string, ScriptRun>;
  }> => {
    const cases = buildCases();
    const groups = [
      Object.entries(cases.writeSchemaCases).map(([name, entry]) => [name, entry] as const),
      Object.entries(cases.dataCases).map(([name, entry]) => [name, entry as Case] as const),
      Object.entries(cases.badCommandLines).map(([name, { entry }]) => [name, entry] as const),
    ];
    const runs = groups.flat().map(([, entry]) => ({ script: VALIDATE, args: caseArgv(entry) }));
    const batch = await runPython(RUNNER, [JSON.stringify(runs)]);
    if (batch.status !== 0) {
      throw new Error(`run_in_one_interpreter.py exited with ${batch.status}:\n${batch.stderr}`);
    }
    const results = JSON.parse(batch.stdout) as ScriptRun[];
    let next = 0;
    const [writeSchema, data, badCommandLines] = groups.map(
      (group) => new Map(group.map(([name]) => [name, results[next++]] as const)),
    );
    return { cases, data, writeSchema, badCommandLines };
  },
);

/** The pipeline step's run: the script as its own process, the schema under its S3 object's name. */
const stepRun = once(async (): Promise<{ readonly dir: string; readonly run: ScriptRun }> => {
  const dir = processingDir({ "breast-cancer.csv": csvText(SAMPLE) }, SCHEMA_TEXT, "diagnosis.json");
  return { dir, run: await runPython(VALIDATE, ["--base-dir", dir]) };
});

/** write-schema on the committed dataset, as the docstring says to run it. */
const writtenSchema = once(async (): Promise<{ readonly run: ScriptRun; readonly text: string }> => {
  const output = path.join(tempDir(), "diagnosis.json");
  const run = await runPython(VALIDATE, [
    "write-schema",
    "--data",
    SAMPLE_CSV,
    "--target-column",
    "target",
    "--output",
    output,
  ]);
  return { run, text: fs.existsSync(output) ? fs.readFileSync(output, "utf8") : "" };
});

const allJobs: readonly (() => Promise<unknown>)[] = [caseRuns, stepRun, writtenSchema];

function passed(rows: number, columns: number, files: readonly string[]): ValidationReport {
  return {
    version: 1,
    status: "passed",
    rows,
    files,
    problems: [],
    summary: `passed: ${rows} rows, ${columns} columns`,
  };
}

function failed(rows: number, files: readonly string[], problems: readonly Problem[]): ValidationReport {
  const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
  return {
    version: 1,
    status: "failed",
    rows,
    files,
    problems,
    summary: `failed: ${count}: ${problems.map((entry) => entry.message).join("; ")}`,
  };
}

function columnProblem(column: string, check: string, message: string): Problem {
  return { column, check, found: null, limit: null, message: `column ${column}: ${message}` };
}

describe("ml/validate.py, the data gate, run for real", function () {
  this.timeout(60_000);

  before(async () => {
    await checkPython();
    for (const job of allJobs) job().catch(() => undefined);
  });

  after(async () => {
    await Promise.allSettled(startedJobs);
    for (const dir of tempDirs.splice(0)) removeDir(dir);
  });

  describe("the committed schema", () => {
    it("is exactly what write-schema writes from ml/data/breast-cancer.csv today", async () => {
      const { run, text } = await writtenSchema();
      assert.equal(run.status, 0, run.stderr);
      assert.equal(text, SCHEMA_TEXT);
      assert.match(
        run.stdout,
        /^schema: 31 columns \(31 numeric, 0 categorical\), target target with classes '0', '1' -> /,
      );
    });

    it("lists the 31 columns in the dataset's order, all numeric, and the target's classes 0 and 1", () => {
      const schema = JSON.parse(SCHEMA_TEXT) as unknown;
      assert.deepEqual(schema, {
        columns: SAMPLE.header.map((name) => ({ name, type: "numeric" })),
        target: { classes: ["0", "1"], name: "target" },
        version: 1,
      });
      assert.equal(SAMPLE.header.at(-1), "target");
    });
  });

  describe("write-schema", () => {
    it("infers categorical columns, takes --categorical overrides and sorts text classes", async () => {
      const { cases, writeSchema } = await caseRuns();
      const run = writeSchema.get("small categorical dataset");
      assert.equal(run?.status, 0, run?.stderr);
      const output = schemaPath(cases.dataCases["categorical columns, schema written first"].dir);
      assert.equal(fs.readFileSync(output, "utf8"), SMALL_CATEGORICAL_SCHEMA);
    });

    it("reads numeric classes as numbers (2 and 2.0 are one class) and sorts them by value", async () => {
      const { writeSchema } = await caseRuns();
      const run = writeSchema.get("numeric classes");
      assert.equal(run?.status, 0, run?.stderr);
      const output = /-> (.*)\n$/.exec(run?.stdout ?? "")?.[1] ?? "";
      assert.equal(
        fs.readFileSync(output, "utf8"),
        `{
  "columns": [
    { "name": "x", "type": "numeric" },
    { "name": "grade", "type": "numeric" }
  ],
  "target": { "classes": ["1", "2", "10"], "name": "grade" },
  "version": 1
}
`,
      );
    });
  });

  describe("validation as the pipeline step runs it", () => {
    it("passes the shipped dataset against the committed schema, read under its S3 object's name", async () => {
      const { dir, run } = await stepRun();
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(readReport(dir), passed(569, 31, ["breast-cancer.csv"]));
      assert.equal(run.stdout, `passed: 569 rows, 31 columns\nwrote ${reportPath(dir)}\n`);
      assert.equal(run.stderr, "");
    });

    it("writes the report as indented JSON with a trailing newline", async () => {
      const { dir } = await stepRun();
      const text = fs.readFileSync(reportPath(dir), "utf8");
      assert.equal(text, JSON.stringify(readReport(dir), null, 2) + "\n");
    });
  });

  describe("validation of other data: exit code 0 and the report says what is wrong", () => {
    let cases: Cases;
    let runs: ReadonlyMap<string, ScriptRun>;

    before(async () => {
      ({ cases, data: runs } = await caseRuns());
    });

    /** The report of a data case, after checking that the run exited with 0 and printed the summary. */
    function report(name: keyof Cases["dataCases"]): ValidationReport {
      const run = runs.get(name);
      const dir = cases.dataCases[name].dir;
      assert.equal(run?.status, 0, run?.stderr);
      assert.equal(run.stderr, "");
      const written = readReport(dir);
      assert.equal(run.stdout, `${written.summary}\nwrote ${reportPath(dir)}\n`);
      return written;
    }

    it("concatenates the files of one dataset, whatever their column order, with `validate` named", () => {
      assert.deepEqual(
        report("two files of one dataset, columns in another order (validate named)"),
        passed(569, 31, ["more/part-2.csv", "part-1.csv"]),
      );
    });

    it("reports a missing column", () => {
      assert.deepEqual(
        report("a missing column"),
        failed(569, ["data.csv"], [columnProblem("mean_radius", "missing_column", "missing")]),
      );
    });

    it("reports an extra column", () => {
      assert.deepEqual(
        report("an extra column"),
        failed(569, ["data.csv"], [columnProblem("patient_id", "extra_column", "not in the schema")]),
      );
    });

    it("matches names exactly, and points out a name that differs in case only", () => {
      assert.deepEqual(
        report("a column renamed in case only"),
        failed(
          569,
          ["data.csv"],
          [
            columnProblem("mean_texture", "missing_column", "missing (the data has 'Mean_Texture')"),
            columnProblem(
              "Mean_Texture",
              "extra_column",
              "not in the schema (the schema has 'mean_texture')",
            ),
          ],
        ),
      );
    });

    it("names the files that lack a column or have an extra one, and an unreadable file", () => {
      assert.deepEqual(
        report("files that disagree, and an empty file"),
        failed(
          569,
          ["empty.csv", "part-1.csv", "part-2.csv"],
          [
            {
              column: null,
              check: "input",
              found: null,
              limit: null,
              message: "file empty.csv is empty; expected a header row naming the columns",
            },
            columnProblem("worst_area", "missing_column", "missing from part-2.csv (1 of 2 files)"),
            columnProblem("notes", "extra_column", "not in the schema, in part-2.csv"),
          ],
        ),
      );
    });

    it("counts the non-numeric values of a numeric column (infinities included) with three examples", () => {
      assert.deepEqual(
        report("non-numeric values"),
        failed(
          569,
          ["data.csv"],
          [
            {
              column: "mean_area",
              check: "type",
              found: 5,
              limit: 0,
              message: "column mean_area: 5 non-numeric values, e.g. 'n/a', 'inf', 'abc'",
            },
          ],
        ),
      );
    });

    it("lists unknown classes, comparing the values of a numeric target as numbers", () => {
      assert.deepEqual(
        report("unknown classes"),
        failed(
          569,
          ["data.csv"],
          [
            {
              column: "target",
              check: "type",
              found: 1,
              limit: 0,
              message: "column target: 1 non-numeric value, e.g. 'malignant'",
            },
            {
              column: "target",
              check: "unknown_class",
              found: ["2", "malignant"],
              limit: ["0", "1"],
              message:
                "column target: 2 rows with unknown classes '2', 'malignant'; the schema's classes are '0', '1'",
            },
          ],
        ),
      );
    });

    it("reports classes whose share is outside [--min-class-share, --max-class-share]", () => {
      assert.deepEqual(
        report("class imbalance"),
        failed(
          367,
          ["data.csv"],
          [
            {
              column: "target",
              check: "class_share",
              found: 0.972752,
              limit: 0.95,
              message: "column target: class '0' is 97.28% of rows (357 of 367), maximum 95%",
            },
            {
              column: "target",
              check: "class_share",
              found: 0.027248,
              limit: 0.05,
              message: "column target: class '1' is 2.725% of rows (10 of 367), minimum 5%",
            },
          ],
        ),
      );
    });

    it("reports fewer rows than --min-rows", () => {
      assert.deepEqual(
        report("too few rows"),
        failed(
          569,
          ["data.csv"],
          [{ column: null, check: "rows", found: 569, limit: 600, message: "too few rows: 569, limit 600" }],
        ),
      );
    });

    it("judges missing values against --max-missing-rate or the column's own limit", () => {
      // mean_smoothness is 3.5% missing: above the 3% default, within its own 5%.
      assert.deepEqual(
        report("missing values, with per-column limits"),
        failed(
          569,
          ["data.csv"],
          [
            {
              column: "mean_texture",
              check: "missing_rate",
              found: 0.00175747,
              limit: 0,
              message: "column mean_texture: 0.1757% missing (1 of 569 rows), limit 0%",
            },
            {
              column: "worst_area",
              check: "missing_rate",
              found: 0.0702988,
              limit: 0.03,
              message: "column worst_area: 7.03% missing (40 of 569 rows), limit 3%",
            },
          ],
        ),
      );
    });

    it("reports empty input: no CSV files", () => {
      assert.deepEqual(
        report("no CSV files"),
        failed(
          0,
          [],
          [
            {
              column: null,
              check: "input",
              found: null,
              limit: null,
              message: "no .csv files in the input data",
            },
          ],
        ),
      );
    });

    it("reports empty input: a header without data rows", () => {
      assert.deepEqual(
        report("a header without rows"),
        failed(
          0,
          ["data.csv"],
          [{ column: null, check: "rows", found: 0, limit: 100, message: "no data rows, limit 100" }],
        ),
      );
    });

    it("passes inference data without the target column (--inference)", () => {
      assert.deepEqual(report("inference data"), passed(569, 30, ["data.csv"]));
    });

    it("reports a target column in inference data as an extra column", () => {
      assert.deepEqual(
        report("inference data with the target column"),
        failed(
          569,
          ["data.csv"],
          [
            columnProblem(
              "target",
              "extra_column",
              "not expected in inference data (it is the target column)",
            ),
          ],
        ),
      );
    });

    it("cuts a long summary at 800 characters with '… and N more'", () => {
      const written = report("a hundred problems");
      const messages = MANY_EXTRA.map((name) => `column ${name}: not in the schema`);
      assert.deepEqual(
        written.problems,
        MANY_EXTRA.map((name) => columnProblem(name, "extra_column", "not in the schema")),
      );
      const match = /^failed: 100 problems: (.*); … and (\d+) more$/.exec(written.summary);
      assert.ok(match, written.summary);
      const shown = Number(match[2]);
      const listed = messages.slice(0, 100 - shown);
      assert.equal(match[1], listed.join("; "));
      assert.ok(written.summary.length <= 800, `${written.summary.length} characters`);
      // As many as fit: one more would not.
      const longer = `failed: 100 problems: ${messages.slice(0, 101 - shown).join("; ")}; … and ${shown - 1} more`;
      assert.ok(longer.length > 800, `${longer.length} characters would have fitted`);
    });

    it("checks categorical columns: no type check, unknown text classes listed", () => {
      assert.deepEqual(
        report("categorical columns, schema written first"),
        failed(
          7,
          ["data.csv"],
          [
            {
              column: "size",
              check: "type",
              found: 1,
              limit: 0,
              message: "column size: 1 non-numeric value, e.g. 'big'",
            },
            {
              column: "label",
              check: "unknown_class",
              found: ["maybe"],
              limit: ["no", "yes"],
              message:
                "column label: 1 row with unknown classes 'maybe'; the schema's classes are 'no', 'yes'",
            },
          ],
        ),
      );
    });
  });

  describe("bad command lines and schemas: exit code 2, a one-line message and no report", () => {
    it("rejects each with its message", async () => {
      const { cases, badCommandLines } = await caseRuns();
      for (const [name, { message }] of Object.entries(cases.badCommandLines)) {
        const run = badCommandLines.get(name);
        assert.ok(run, name);
        assertCleanFailure(run, message);
      }
    });

    it("writes no report", async () => {
      const { cases } = await caseRuns();
      for (const { entry } of Object.values(cases.badCommandLines)) {
        if ("dir" in entry) assert.equal(fs.existsSync(reportPath(entry.dir)), false, entry.dir);
      }
    });
  });
});
