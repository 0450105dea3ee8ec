import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkPython, type ScriptRun } from "../helpers/python";
import {
  baseline,
  baselineOutput,
  baselineRun,
  captureLine,
  createProcessingDir,
  type CategoricalBaselineFeature,
  type DriftBaseline,
  driftBaselinePath,
  driftCheckRun,
  type DriftFeatureResult,
  driftMetricLines,
  type DriftReport,
  driftReportPaths,
  type InterpreterRun,
  localPath,
  type NumericBaselineFeature,
  preprocess,
  PROCESSING_ROOT,
  removeDir,
  runInOneInterpreter,
  writeCaptureFile,
} from "./scripts";

/**
 * Runs ml/baseline.py and ml/drift_check.py for real, the way SageMaker Processing runs them (the
 * container's /opt/ml/processing mapped to a temporary directory with --base-dir, the same
 * arguments): a baseline of the sample dataset's real Preprocess output and of a small dataset with
 * categories, then drift checks of synthetic capture files in SageMaker's data-capture layout.
 *
 * The sample's Preprocess and baseline runs are processes of their own, as in the pipeline; every
 * other run shares an interpreter with the runs that wait for the same baseline
 * (run_in_one_interpreter.py), as `python3 <script> ARGS` each: a process spends most of its time
 * importing pandas.
 */

const ENDPOINT = "breast-cancer-prod";
const WINDOW = { start: "2024-05-01T13:00:00Z", end: "2024-05-01T14:00:00Z" } as const;
const HOUR = "2024-05-01T13";
const REPORT_URI = "s3://mlops-drift/breast-cancer-prod/2024-05-01T13";
const REPORT_LOCATION = `${REPORT_URI}/drift_report.json`;
const DEFAULT_THRESHOLDS = {
  psi_warn: 0.1,
  psi_drift: 0.25,
  ks_drift: 0.2,
  missing_rate_change: 0.1,
  unseen_share: 0.01,
  min_rows: 200,
};
/** Rows of the traffic sampled from the training data, in requests of 1 to 3 rows. */
const TRAFFIC_ROWS = 2000;
const PSI_EPSILON = 1e-4;

// ---------------------------------------------------------------------------
// Temporary directories and jobs

const tempDirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-drift-"));
  tempDirs.push(dir);
  return dir;
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

function assertCleanFailure(run: ScriptRun, message: RegExp): void {
  assert.equal(run.status, 2, `expected exit code 2, got ${run.status}; stderr: ${run.stderr}`);
  assert.doesNotMatch(run.stderr, /Traceback/);
  const lines = run.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `expected a one-line message, got:\n${run.stderr}`);
  assert.match(lines[0] ?? "", message);
}

/** A seeded pseudo-random generator (mulberry32), so that the synthetic traffic is the same every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------
// What the scripts should compute, computed here independently

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** numpy's "lower" quantile of sorted values: the value of rank floor((n - 1) q). */
function quantile(values: readonly number[], q: number): number {
  return values[Math.floor((values.length - 1) * q)];
}

/** Shares of `values` in the bins that `edges` (interior cut points) make. */
function binShares(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const value of values) counts[edges.filter((edge) => edge <= value).length] += 1;
  return counts.map((count) => count / values.length);
}

function psi(window: readonly number[], baselineShares: readonly number[]): number {
  return window.reduce((sum, share, index) => {
    const actual = Math.max(share, PSI_EPSILON);
    const expected = Math.max(baselineShares[index] ?? 0, PSI_EPSILON);
    return sum + (actual - expected) * Math.log(actual / expected);
  }, 0);
}

/** The two-sample Kolmogorov–Smirnov statistic: the largest gap between the two empirical CDFs. */
function ks(first: readonly number[], second: readonly number[]): number {
  const a = sorted(first);
  const b = sorted(second);
  let i = 0;
  let j = 0;
  let gap = 0;
  while (i < a.length && j < b.length) {
    const value = Math.min(a[i], b[j]);
    while (i < a.length && a[i] <= value) i += 1;
    while (j < b.length && b[j] <= value) j += 1;
    gap = Math.max(gap, Math.abs(i / a.length - j / b.length));
  }
  return gap;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function assertClose(actual: number | null | undefined, expected: number, what: string, tolerance = 1e-6) {
  assert.ok(
    typeof actual === "number" && Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} vs ${expected}`,
  );
}

function numericFeature(drift: DriftBaseline, name: string): NumericBaselineFeature {
  const feature = drift.features.find((candidate) => candidate.name === name);
  if (feature?.type !== "numeric") throw new Error(`${name} is not a numeric baseline feature`);
  return feature;
}

function categoricalFeature(drift: DriftBaseline, name: string): CategoricalBaselineFeature {
  const feature = drift.features.find((candidate) => candidate.name === name);
  if (feature?.type !== "categorical") throw new Error(`${name} is not a categorical baseline feature`);
  return feature;
}

function result(report: DriftReport, name: string): DriftFeatureResult {
  return report.features.find((feature) => feature.name === name) ?? assert.fail(`no result for ${name}`);
}

// ---------------------------------------------------------------------------
// Baselines

/** The sample dataset through preprocess.py, then baseline.py on its baseline/baseline.csv. */
const sampleBaseline = once(async () => {
  const dir = createProcessingDir();
  tempDirs.push(dir);
  const output = await preprocess(dir);
  const { run, baseline: drift } = await baseline(dir);
  return {
    run,
    drift,
    file: driftBaselinePath(dir),
    header: output.baseline.header,
    rows: output.baseline.rows,
  };
});

/**
 * 25,000 rows: `colour` (red 50 %, green 30 %, blue 20 %), `size` (numbers 0 to 999, missing in
 * every 50th row), `flag` (0 in 70 % of rows, else 1), `code` (150 categories, c000 to c149) and
 * `grade` (1, 2 or 3: numbers, but categorical through --categorical).
 */
const SYNTHETIC_ROWS = 25_000;
const SYNTHETIC_HEADER = ["colour", "size", "flag", "code", "grade"];

function colourOf(i: number): string {
  return i % 10 < 5 ? "red" : i % 10 < 8 ? "green" : "blue";
}

function code(i: number): string {
  return `c${String(i % 150).padStart(3, "0")}`;
}

function syntheticSize(i: number): string {
  return i % 50 === 0 ? "" : String((i * 37) % 1000);
}

/** A processing directory whose `baseline/baseline.csv` is `text`. */
function baselineInputDir(text: string): string {
  const dir = tempDir();
  const file = localPath(dir, `${PROCESSING_ROOT}/baseline/baseline.csv`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return dir;
}

/** baseline.py on the synthetic dataset and on a baseline.csv without rows, in one interpreter. */
const otherBaselines = once(async () => {
  const rows = Array.from({ length: SYNTHETIC_ROWS }, (_, i) =>
    [colourOf(i), syntheticSize(i), i % 10 < 7 ? "0" : "1", code(i), String(1 + (i % 3))].join(","),
  );
  const synthetic = baselineInputDir([SYNTHETIC_HEADER.join(","), ...rows].join("\n") + "\n");
  const bad = baselineInputDir("mean_radius,mean_area\n");
  const [syntheticRun, badRun] = await runInOneInterpreter([
    baselineRun(synthetic, ["--categorical", "grade"]),
    baselineRun(bad),
  ]);
  return { synthetic: { dir: synthetic, run: syntheticRun }, bad: badRun };
});

const syntheticBaseline = once(async () => {
  const { dir, run: finished } = (await otherBaselines()).synthetic;
  const { run, baseline: drift } = baselineOutput(dir, finished);
  return { run, drift, file: driftBaselinePath(dir) };
});

const badBaselineInput = once(async () => (await otherBaselines()).bad);

// ---------------------------------------------------------------------------
// Traffic and drift checks

type Row = readonly string[];

/** TRAFFIC_ROWS rows drawn (with replacement) from the training rows, in requests of 1 to 3 rows. */
async function traffic(): Promise<{ readonly header: readonly string[]; readonly requests: Row[][] }> {
  const { header, rows } = await sampleBaseline();
  const next = random(19);
  const requests: Row[][] = [];
  let count = 0;
  while (count < TRAFFIC_ROWS) {
    const size = Math.min(1 + Math.floor(next() * 3), TRAFFIC_ROWS - count);
    requests.push(Array.from({ length: size }, () => rows[Math.floor(next() * rows.length)] ?? []));
    count += size;
  }
  return { header, requests };
}

function csvPayload(rows: readonly Row[]): string {
  return rows.map((row) => row.join(",")).join("\n") + "\n";
}

function csvLines(requests: readonly (readonly Row[])[]): string[] {
  return requests.map((rows) => captureLine(csvPayload(rows), "text/csv", "CSV"));
}

/** `requests` with `feature` multiplied by `factor` in every row. */
function scaled(header: readonly string[], requests: readonly Row[][], feature: string, factor: number) {
  const index = header.indexOf(feature);
  return requests.map((rows) =>
    rows.map((row) => row.map((cell, column) => (column === index ? String(Number(cell) * factor) : cell))),
  );
}

interface DriftRun {
  readonly run: ScriptRun;
  readonly report: DriftReport;
  readonly summary: string;
}

/** A drift_check.py run to make, on the processing directory prepared for it. */
interface PreparedCheck {
  readonly dir: string;
  readonly run: InterpreterRun;
}

/** A drift_check.py run that has been made, on the processing directory prepared for it. */
interface FinishedCheck {
  readonly dir: string;
  readonly run: ScriptRun;
}

/**
 * Prepares a drift_check.py run on a processing directory with `baselineFile` and the capture
 * files `write` makes.
 */
function prepareCheck(
  baselineFile: string,
  write: (dir: string) => void,
  args: readonly string[] = [],
): PreparedCheck {
  const dir = tempDir();
  const target = localPath(dir, `${PROCESSING_ROOT}/baseline/drift_baseline.json`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(baselineFile, target);
  write(dir);
  const run = driftCheckRun(dir, [
    "--window-start",
    WINDOW.start,
    "--window-hours",
    "1",
    "--endpoint",
    ENDPOINT,
    "--report-uri",
    REPORT_URI,
    ...args,
  ]);
  return { dir, run };
}

/**
 * Makes the prepared runs one after another in one interpreter; each name's promise settles with
 * its run.
 */
function runChecks<Name extends string>(
  prepare: () => Promise<Readonly<Record<Name, PreparedCheck>>>,
): (name: Name) => Promise<FinishedCheck> {
  const batch = once(async () => {
    const prepared = Object.entries(await prepare()) as [Name, PreparedCheck][];
    const runs = await runInOneInterpreter(prepared.map(([, check]) => check.run));
    return new Map(prepared.map(([name, { dir }], index) => [name, { dir, run: runs[index] }] as const));
  });
  return async (name) => (await batch()).get(name) ?? assert.fail(`no drift_check.py run ${name}`);
}

/** The report and summary of a check that has run. */
function checked({ dir, run }: FinishedCheck): DriftRun {
  // Drift is a finding, not a failure: the check always exits with 0.
  assert.equal(run.status, 0, `drift_check.py exited with ${run.status}:\n${run.stderr}`);
  const paths = driftReportPaths(dir);
  return {
    run,
    report: JSON.parse(fs.readFileSync(paths.report, "utf8")) as DriftReport,
    summary: fs.readFileSync(paths.summary, "utf8"),
  };
}

const at = (hour: string, variant = "AllTraffic") => ({ endpoint: ENDPOINT, variant, hour });

/**
 * The sampled traffic in three files of the window (two variants), plus files it must ignore:
 * shifted traffic in the hours before and after, in a file outside any hour directory and in a
 * file that is not .jsonl.
 */
async function prepareNoDrift(): Promise<PreparedCheck> {
  const { file } = await sampleBaseline();
  const { header, requests } = await traffic();
  const lines = csvLines(requests);
  const shifted = csvLines(scaled(header, requests, "mean_area", 3));
  const third = Math.floor(lines.length / 3);
  return prepareCheck(file, (dir) => {
    writeCaptureFile(dir, at(HOUR), "13-05-12-001-aaaa.jsonl", lines.slice(0, third));
    writeCaptureFile(dir, at(HOUR), "13-41-07-350-bbbb.jsonl", lines.slice(third, 2 * third));
    writeCaptureFile(dir, at(HOUR, "Challenger"), "13-20-55-004-cccc.jsonl", lines.slice(2 * third));
    writeCaptureFile(dir, at(HOUR), "13-59-59-999-dddd.jsonl.tmp", shifted);
    writeCaptureFile(dir, at("2024-05-01T12"), "12-30-00-000-eeee.jsonl", shifted);
    writeCaptureFile(dir, at("2024-05-01T14"), "14-00-01-000-ffff.jsonl", shifted);
    const undated = localPath(dir, `${PROCESSING_ROOT}/capture/${ENDPOINT}/AllTraffic/stray.jsonl`);
    fs.writeFileSync(undated, shifted.join("\n") + "\n");
  });
}

const shiftedRequests = async () => {
  const { header, requests } = await traffic();
  return scaled(header, requests, "mean_area", 1.5);
};

/** The sampled traffic with mean_area 1.5 times as large. */
async function prepareShifted(): Promise<PreparedCheck> {
  const { file } = await sampleBaseline();
  const lines = csvLines(await shiftedRequests());
  return prepareCheck(file, (dir) => writeCaptureFile(dir, at(HOUR), "part.jsonl", lines));
}

const OVERRIDES = { mean_area: { psi_drift: 50, ks_drift: 1 } };

/** The shifted traffic with thresholds for mean_area that only let it warn. */
async function prepareOverridden(): Promise<PreparedCheck> {
  const { file } = await sampleBaseline();
  const lines = csvLines(await shiftedRequests());
  return prepareCheck(file, (dir) => writeCaptureFile(dir, at(HOUR), "part.jsonl", lines), [
    "--feature-thresholds",
    JSON.stringify(OVERRIDES),
  ]);
}

/** The sampled traffic of noDrift, each request in one of the payload formats an endpoint may get. */
async function prepareEncoded(): Promise<PreparedCheck> {
  const { file } = await sampleBaseline();
  const { header, requests } = await traffic();
  const numbers = (row: Row) => row.map(Number);
  const formats: ((rows: readonly Row[]) => string)[] = [
    (rows) => captureLine(csvPayload(rows), "text/csv", "CSV"),
    (rows) => captureLine(csvPayload(rows), "text/csv", "BASE64"),
    (rows) => captureLine(JSON.stringify({ instances: rows.map(numbers) }), "application/json", "JSON"),
    (rows) =>
      captureLine(
        JSON.stringify(
          rows.map((row) => Object.fromEntries(header.map((name, i) => [name, Number(row[i])]))),
        ),
        "application/json",
        "BASE64",
      ),
    (rows) => captureLine(JSON.stringify(rows.map(numbers)), "application/json", "JSON"),
    // No content type to go by: the script recognises JSON by its first character.
    (rows) =>
      captureLine(
        JSON.stringify({ instances: rows.map((row) => ({ features: numbers(row) })) }),
        "application/octet-stream",
        "BASE64",
      ),
    (rows) =>
      captureLine(
        rows.map((row) => JSON.stringify(numbers(row))).join("\n"),
        "application/jsonlines",
        "JSON",
      ),
  ];
  const lines = requests.map((rows, index) => formats[index % formats.length](rows));
  return prepareCheck(file, (dir) => writeCaptureFile(dir, at(HOUR), "part.jsonl", lines));
}

/** Requests only in the hours before and after the window. */
async function prepareEmpty(): Promise<PreparedCheck> {
  const { file } = await sampleBaseline();
  const { requests } = await traffic();
  const lines = csvLines(requests.slice(0, 20));
  return prepareCheck(file, (dir) => {
    writeCaptureFile(dir, at("2024-05-01T12"), "late.jsonl", lines);
    writeCaptureFile(dir, at("2024-05-01T14"), "early.jsonl", lines);
  });
}

const MALFORMED_LINES = [
  "this is not JSON",
  JSON.stringify({ captureData: {} }),
  JSON.stringify({ captureData: { endpointInput: { observedContentType: "text/csv", encoding: "CSV" } } }),
  JSON.stringify({ captureData: { endpointInput: { mode: "INPUT", data: "1,2", encoding: "XML" } } }),
  JSON.stringify({ captureData: { endpointInput: { data: "@@ not base64 @@", encoding: "BASE64" } } }),
  captureLine('{"instances": [[1, 2,', "application/json", "JSON"),
  captureLine("", "text/csv", "CSV"),
  captureLine('"just a string"', "application/json", "JSON"),
  '{"captureData": {"endpointInput": {"data": "1,2',
];

/** The sampled traffic with a malformed line after every 50th request, and a blank line. */
async function prepareMalformed(): Promise<PreparedCheck> {
  const { file } = await sampleBaseline();
  const { requests } = await traffic();
  const lines = csvLines(requests).flatMap((line, index) => {
    const bad = index % 50 === 0 ? MALFORMED_LINES[index / 50] : undefined;
    return bad === undefined ? [line] : [line, bad];
  });
  lines.splice(10, 0, "");
  return prepareCheck(file, (dir) => writeCaptureFile(dir, at(HOUR), "part.jsonl", lines));
}

const SCHEMA_KEYED_ROWS = 60;

/**
 * Keyed JSON rows without mean_area, with a field the baseline does not have and "abc" in every
 * tenth mean_radius, and CSV rows with 29 and 31 fields. --min-rows keeps the distributions of so
 * few rows out of the verdicts.
 */
async function prepareSchemaChange(): Promise<PreparedCheck> {
  const { file } = await sampleBaseline();
  const { header, requests } = await traffic();
  const rows = requests.flat();
  const keyed = rows.slice(0, SCHEMA_KEYED_ROWS).map((row, index) => {
    const object: Record<string, unknown> = Object.fromEntries(
      header.map((name, i) => [name, Number(row[i])]),
    );
    delete object.mean_area;
    object.patient_age = 40 + index;
    if (index % 10 === 0) object.mean_radius = "abc";
    return captureLine(JSON.stringify([object]), "application/json", "JSON");
  });
  const short = rows.slice(100, 105).map((row) => captureLine(row.slice(0, -1).join(","), "text/csv", "CSV"));
  const long = rows.slice(200, 203).map((row) => captureLine(`${row.join(",")},1`, "text/csv", "CSV"));
  return prepareCheck(
    file,
    (dir) => writeCaptureFile(dir, at(HOUR), "part.jsonl", [...keyed, ...short, ...long]),
    ["--min-rows", "1000000"],
  );
}

/** The categorical dataset's window: 1000 keyed JSON rows with a new colour, purple, and 10 CSV rows. */
interface CategoricalRow {
  readonly colour: string;
  readonly size: number | string | null;
  readonly flag: number;
  readonly code: string;
  readonly grade: number | null;
}

const CATEGORICAL_WINDOW: readonly CategoricalRow[] = [
  ...Array.from({ length: 1000 }, (_, j) => ({
    colour: j % 20 < 8 ? "red" : j % 20 < 13 ? "green" : j % 20 < 16 ? "blue" : "purple",
    size: j % 5 === 0 ? null : (j * 37) % 1000,
    flag: j % 10 < 7 ? 0 : 1,
    code: code(j),
    grade: j % 100 === 0 ? null : 1 + (j % 3),
  })),
  ...Array.from({ length: 10 }, () => ({ colour: "purple", size: "abc", flag: 0, code: "c000", grade: 1 })),
];

async function prepareCategorical(): Promise<PreparedCheck> {
  const { file } = await syntheticBaseline();
  const keyed = CATEGORICAL_WINDOW.slice(0, 1000);
  const lines = [
    ...Array.from({ length: 250 }, (_, i) =>
      captureLine(
        JSON.stringify(keyed.slice(i * 4, i * 4 + 4)),
        "application/json",
        i % 2 ? "BASE64" : "JSON",
      ),
    ),
    ...CATEGORICAL_WINDOW.slice(1000).map((row) =>
      captureLine(
        SYNTHETIC_HEADER.map((name) => row[name as keyof CategoricalRow]).join(","),
        "text/csv",
        "CSV",
      ),
    ),
  ];
  return prepareCheck(file, (dir) => writeCaptureFile(dir, at(HOUR), "part.jsonl", lines));
}

const badDriftArguments: Record<string, { args: string[]; baseline?: string | null; message: RegExp }> = {
  "a window start that is not on the hour": {
    args: ["--window-start", "2024-05-01T13:30:00Z"],
    message:
      /argument --window-start: '2024-05-01T13:30:00Z' is not on the hour; capture files are grouped by hour$/,
  },
  "a window start without a time zone": {
    args: ["--window-start", "2024-05-01T13:00:00"],
    message: /argument --window-start: '2024-05-01T13:00:00' has no time zone; end it with Z for UTC$/,
  },
  "per-feature thresholds for a feature the baseline does not have": {
    args: ["--window-start", WINDOW.start, "--feature-thresholds", '{"colur": {"psi_drift": 0.3}}'],
    message: /--feature-thresholds names feature\(s\) the baseline does not have: colur$/,
  },
  "a PSI warn threshold above the drift threshold": {
    args: ["--window-start", WINDOW.start, "--psi-warn", "0.3", "--psi-drift", "0.2"],
    message: /--psi-warn \(0\.3\) must not exceed --psi-drift \(0\.2\)$/,
  },
  "no baseline": {
    args: ["--window-start", WINDOW.start],
    baseline: null,
    message: /baseline \S+drift_baseline\.json not found; baseline\.py writes it$/,
  },
  "a baseline that is not one": {
    args: ["--window-start", WINDOW.start],
    baseline: '{"features": []}',
    message: /baseline \S+ is not a drift baseline from baseline\.py: its version is null, expected 1$/,
  },
};

function prepareBadDrift(file: string, { args, baseline: content }: (typeof badDriftArguments)[string]) {
  const dir = tempDir();
  const target = localPath(dir, `${PROCESSING_ROOT}/baseline/drift_baseline.json`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (content === undefined) fs.copyFileSync(file, target);
  else if (content !== null) fs.writeFileSync(target, content);
  return { dir, run: driftCheckRun(dir, args) };
}

/** The checks against the sample's baseline, in one interpreter once the baseline is made. */
const sampleCheck = runChecks(async () => ({
  noDrift: await prepareNoDrift(),
  shifted: await prepareShifted(),
  overridden: await prepareOverridden(),
  encoded: await prepareEncoded(),
  empty: await prepareEmpty(),
  malformed: await prepareMalformed(),
  schemaChange: await prepareSchemaChange(),
}));

/** The checks against the synthetic dataset's baseline (or none), in one interpreter once it is made. */
const syntheticCheck = runChecks<string>(async () => {
  const { file } = await syntheticBaseline();
  return {
    categorical: await prepareCategorical(),
    ...Object.fromEntries(
      Object.entries(badDriftArguments).map(([name, entry]) => [
        `bad: ${name}`,
        prepareBadDrift(file, entry),
      ]),
    ),
  };
});

const noDrift = once(async () => checked(await sampleCheck("noDrift")));
const shifted = once(async () => checked(await sampleCheck("shifted")));
const overridden = once(async () => checked(await sampleCheck("overridden")));
const encoded = once(async () => checked(await sampleCheck("encoded")));
const empty = once(async () => checked(await sampleCheck("empty")));
const malformed = once(async () => checked(await sampleCheck("malformed")));
const schemaChange = once(async () => checked(await sampleCheck("schemaChange")));
const categorical = once(async () => checked(await syntheticCheck("categorical")));

const badDrift = once(
  async (): Promise<Map<string, ScriptRun>> =>
    new Map(
      await Promise.all(
        Object.keys(badDriftArguments).map(
          async (name) => [name, (await syntheticCheck(`bad: ${name}`)).run] as const,
        ),
      ),
    ),
);

/** The runs that need only the interpreter go first; the sample's go once its baseline is made. */
const allJobs: readonly (() => Promise<unknown>)[] = [
  sampleBaseline,
  syntheticBaseline,
  badBaselineInput,
  noDrift,
  shifted,
  encoded,
  malformed,
  schemaChange,
  categorical,
  overridden,
  empty,
  badDrift,
];

describe("drift baselines and checks (ml/baseline.py, ml/drift_check.py), run for real", function () {
  // Each run spends most of its time importing pandas and SciPy.
  this.timeout(60_000);

  before(async () => {
    await checkPython();
    // The runs are independent, so they all start now and run side by side; each test then waits
    // for the one it checks, which reports any failure.
    for (const job of allJobs) job().catch(() => undefined);
  });

  after(async () => {
    await Promise.allSettled(startedJobs);
    for (const dir of tempDirs.splice(0)) removeDir(dir);
  });

  describe("baseline.py on the sample's Preprocess output (baseline/baseline.csv)", () => {
    let drift: DriftBaseline;
    let header: readonly string[];
    let columns: Map<string, number[]>;

    before(async () => {
      const sample = await sampleBaseline();
      ({ drift, header } = sample);
      columns = new Map(header.map((name, i) => [name, sample.rows.map((row) => Number(row[i]))]));
    });

    it("describes the 30 training features in baseline.csv's order, all numeric, none missing", async () => {
      const { rows, run } = await sampleBaseline();
      assert.equal(drift.version, 1);
      assert.equal(drift.row_count, rows.length);
      assert.deepEqual([drift.bins, drift.sample_limit, drift.max_categories], [10, 10_000, 100]);
      assert.deepEqual(
        drift.features.map((feature) => feature.name),
        header,
      );
      assert.equal(header.length, 30);
      for (const feature of drift.features) {
        assert.equal(feature.type, "numeric", feature.name);
        assert.equal(feature.count, rows.length, feature.name);
        assert.equal(feature.missing_rate, 0, feature.name);
      }
      assert.match(
        run.stdout,
        new RegExp(
          `^baseline: ${rows.length} rows x 30 features \\(30 numeric, 0 categorical\\) from .+ -> .+drift_baseline\\.json$`,
          "m",
        ),
      );
    });

    it("cuts each feature at its deciles, duplicates merged, and records the training share of each bin", () => {
      for (const [name, values] of columns) {
        const feature = numericFeature(drift, name);
        const ordered = sorted(values);
        const deciles = Array.from({ length: 9 }, (_, i) => quantile(ordered, (i + 1) / 10));
        const edges = deciles.filter((edge, i) => edge > ordered[0] && edge !== deciles[i - 1]);
        assert.deepEqual(feature.bin_edges, edges, name);
        const shares = binShares(values, feature.bin_edges);
        assert.equal(feature.bin_proportions.length, feature.bin_edges.length + 1, name);
        feature.bin_proportions.forEach((share, i) =>
          assertClose(share, shares[i], `${name} bin ${i}`, 1e-12),
        );
      }
    });

    it("keeps every training value, sorted, as the KS sample (there are fewer than 10,000), with min, max, mean and std", () => {
      for (const [name, values] of columns) {
        const feature = numericFeature(drift, name);
        const ordered = sorted(values);
        assert.deepEqual(feature.sample, ordered, name);
        assert.equal(feature.min, ordered[0], name);
        assert.equal(feature.max, ordered.at(-1), name);
        const average = mean(values);
        assertClose(feature.mean, average, `${name} mean`, 1e-9 * Math.abs(average));
        const variance = values.reduce((sum, value) => sum + (value - average) ** 2, 0) / (values.length - 1);
        assertClose(feature.std, Math.sqrt(variance), `${name} std`, 1e-9 * Math.sqrt(variance));
      }
    });
  });

  describe("baseline.py on a dataset with categories, missing values and ties (25,000 rows)", () => {
    let drift: DriftBaseline;

    before(async () => {
      ({ drift } = await syntheticBaseline());
    });

    it("types each column: categorical when a value is not a number or --categorical names it", () => {
      assert.deepEqual(
        drift.features.map((feature) => [feature.name, feature.type]),
        [
          ["colour", "categorical"],
          ["size", "numeric"],
          ["flag", "numeric"],
          ["code", "categorical"],
          ["grade", "categorical"],
        ],
      );
    });

    it("records each category's share, most frequent first and ties by name", () => {
      const colour = categoricalFeature(drift, "colour");
      assert.deepEqual(Object.entries(colour.categories), [
        ["red", 0.5],
        ["green", 0.3],
        ["blue", 0.2],
      ]);
      assert.deepEqual([colour.count, colour.distinct, colour.missing_rate], [SYNTHETIC_ROWS, 3, 0]);
      const grade = categoricalFeature(drift, "grade");
      assert.deepEqual(Object.entries(grade.categories), [
        ["1", 8334 / SYNTHETIC_ROWS],
        ["2", 8333 / SYNTHETIC_ROWS],
        ["3", 8333 / SYNTHETIC_ROWS],
      ]);
    });

    it("keeps the 100 most frequent categories and counts the rest as __other__", () => {
      const feature = categoricalFeature(drift, "code");
      // c000 to c099 occur 167 times each, c100 to c149 166 times.
      const top = Array.from({ length: 100 }, (_, i) => code(i));
      assert.deepEqual(Object.keys(feature.categories), [...top, "__other__"]);
      for (const name of top) assert.equal(feature.categories[name], 167 / SYNTHETIC_ROWS, name);
      assert.equal(feature.categories.__other__, (50 * 166) / SYNTHETIC_ROWS);
      assert.equal(feature.distinct, 150);
    });

    it("counts empty cells as missing and samples 10,000 evenly spaced order statistics of larger features", () => {
      const size = numericFeature(drift, "size");
      const values = sorted(
        Array.from({ length: SYNTHETIC_ROWS }, (_, i) => syntheticSize(i))
          .filter((cell) => cell !== "")
          .map(Number),
      );
      assert.deepEqual([size.count, size.missing_rate], [values.length, 0.02]);
      assert.equal(values.length, 24_500);
      const ranks = Array.from({ length: 10_000 }, (_, i) =>
        Math.floor(((i + 0.5) * values.length) / 10_000),
      );
      assert.deepEqual(
        size.sample,
        ranks.map((rank) => values[rank]),
      );
    });

    it("merges duplicate edges and drops one at the minimum: a 0/1 feature gets two bins", () => {
      const flag = numericFeature(drift, "flag");
      assert.deepEqual(flag.bin_edges, [1]);
      assert.deepEqual(flag.bin_proportions, [0.7, 0.3]);
    });
  });

  describe("baseline.py rejects bad input with exit code 2 and a one-line message", () => {
    it("a baseline.csv with a header but no rows", async () => {
      assertCleanFailure(await badBaselineInput(), /baseline\.csv has a header row but no data rows$/);
    });
  });

  describe("drift_check.py on traffic sampled from the training data", () => {
    let report: DriftReport;
    let run: ScriptRun;

    before(async () => {
      ({ report, run } = await noDrift());
    });

    it("flags nothing: status ok, every feature ok", async () => {
      const { requests } = await traffic();
      assert.equal(report.status, "ok");
      assert.deepEqual(report.drifted_features, []);
      assert.deepEqual(report.warned_features, []);
      assert.deepEqual(report.schema_problems, []);
      assert.deepEqual(
        [report.records, report.rows, report.malformed_lines],
        [requests.length, TRAFFIC_ROWS, 0],
      );
      for (const feature of report.features) {
        assert.equal(feature.verdict, "ok", feature.name);
        assert.deepEqual(feature.reasons, [], feature.name);
        assert.ok(feature.psi !== null && feature.psi < 0.1, `${feature.name}: PSI ${feature.psi}`);
        assert.ok(feature.ks !== null && feature.ks < 0.2, `${feature.name}: KS ${feature.ks}`);
        assert.deepEqual(
          [feature.count, feature.missing_rate, feature.baseline_missing_rate, feature.non_numeric],
          [TRAFFIC_ROWS, 0, 0, 0],
        );
        assert.deepEqual([feature.unseen_share, feature.unseen_categories], [null, []]);
      }
    });

    it("computes each feature's PSI on the baseline's bins and its KS statistic against the baseline's sample", async () => {
      const { drift } = await sampleBaseline();
      const { header, requests } = await traffic();
      const rows = requests.flat();
      assert.deepEqual(
        report.features.map((feature) => feature.name),
        header,
      );
      header.forEach((name, i) => {
        const values = rows.map((row) => Number(row[i]));
        const feature = numericFeature(drift, name);
        const entry = result(report, name);
        assertClose(
          entry.psi,
          psi(binShares(values, feature.bin_edges), feature.bin_proportions),
          `${name} PSI`,
        );
        assertClose(entry.ks, ks(values, feature.sample), `${name} KS`);
        assertClose(entry.mean, mean(values), `${name} mean`, 1e-5 * Math.abs(mean(values)));
      });
    });

    it("reads the files of the window's hour directories, of every variant, and no other", () => {
      assert.deepEqual(report.window, WINDOW);
      assert.deepEqual(report.capture_files, { read: 3, outside_window: 2, not_in_hour_directory: 1 });
    });

    it("records the endpoint and the thresholds it applied", () => {
      assert.equal(report.version, 1);
      assert.equal(report.endpoint, ENDPOINT);
      assert.deepEqual(report.thresholds, DEFAULT_THRESHOLDS);
      assert.deepEqual(report.feature_thresholds, {});
    });

    it("prints one metric line per feature and one for the run, with the report's values", async () => {
      const { requests } = await traffic();
      const lines = driftMetricLines(run.stdout);
      assert.deepEqual(
        lines.features,
        report.features.map((feature) => ({
          mlops_drift: 1,
          endpoint: ENDPOINT,
          feature: feature.name,
          psi: feature.psi,
          ks: feature.ks,
          missing_rate: feature.missing_rate,
          unseen_share: feature.unseen_share,
          verdict: feature.verdict,
        })),
      );
      assert.deepEqual(lines.runs, [
        {
          mlops_drift_run: 1,
          endpoint: ENDPOINT,
          window_start: WINDOW.start,
          status: "ok",
          records: requests.length,
          rows: TRAFFIC_ROWS,
          malformed_lines: 0,
          drifted_features: 0,
          warned_features: 0,
          schema_problems: 0,
        },
      ]);
      // The exact text the metric filters match: keys in this order, Python's JSON spacing.
      assert.equal(lines.raw.length, 31);
      for (const line of lines.raw.slice(0, 30)) {
        assert.match(
          line,
          /^\{"mlops_drift": 1, "endpoint": "breast-cancer-prod", "feature": "[a-z_]+", "psi": /,
        );
        assert.deepEqual(Object.keys(JSON.parse(line) as object), [
          "mlops_drift",
          "endpoint",
          "feature",
          "psi",
          "ks",
          "missing_rate",
          "unseen_share",
          "verdict",
        ]);
      }
      assert.match(
        lines.raw[30] ?? "",
        /^\{"mlops_drift_run": 1, "endpoint": "breast-cancer-prod", "window_start": /,
      );
    });

    it("writes the summary to drift_summary.txt, saying where the report is", async () => {
      const { summary } = await noDrift();
      const { requests } = await traffic();
      assert.equal(summary, `${report.summary}\n`);
      assert.equal(
        report.summary,
        `Drift check of endpoint ${ENDPOINT} from ${WINDOW.start} to ${WINDOW.end}: ${TRAFFIC_ROWS} rows in ` +
          `${requests.length} captured requests, status OK. All 30 features are within their thresholds. ` +
          `Report: ${REPORT_LOCATION}.`,
      );
      assert.ok(run.stdout.includes(report.summary));
    });
  });

  describe("drift_check.py on a shifted feature (mean_area × 1.5)", () => {
    it("flags mean_area by name, with its PSI and KS, and nothing else", async () => {
      const { report, run } = await shifted();
      const { drift } = await sampleBaseline();
      const { header } = await traffic();
      const index = header.indexOf("mean_area");
      const values = (await shiftedRequests()).flat().map((row) => Number(row[index]));
      const feature = numericFeature(drift, "mean_area");
      const expectedPsi = psi(binShares(values, feature.bin_edges), feature.bin_proportions);
      const expectedKs = ks(values, feature.sample);

      assert.equal(report.status, "drift");
      assert.deepEqual(report.drifted_features, ["mean_area"]);
      assert.deepEqual(report.warned_features, []);
      const entry = result(report, "mean_area");
      assertClose(entry.psi, expectedPsi, "PSI");
      assertClose(entry.ks, expectedKs, "KS");
      assert.ok(expectedPsi >= 0.25 && expectedKs >= 0.2, `PSI ${expectedPsi}, KS ${expectedKs}`);
      const psiText = (entry.psi ?? 0).toFixed(3);
      const ksText = (entry.ks ?? 0).toFixed(3);
      assert.equal(entry.verdict, "drift");
      assert.deepEqual(entry.reasons, [
        `PSI ${psiText} >= drift threshold 0.25`,
        `KS ${ksText} >= drift threshold 0.2`,
      ]);
      assertClose(entry.mean, mean(values), "window mean", 1e-5 * mean(values));
      assertClose(entry.baseline_mean, feature.mean, "baseline mean", 1e-5 * feature.mean);

      // Every other feature is the no-drift traffic's.
      const unchanged = (await noDrift()).report.features.filter((other) => other.name !== "mean_area");
      assert.deepEqual(
        report.features.filter((other) => other.name !== "mean_area"),
        unchanged,
      );

      const line = driftMetricLines(run.stdout).features.find((metric) => metric.feature === "mean_area");
      assert.deepEqual(line, {
        mlops_drift: 1,
        endpoint: ENDPOINT,
        feature: "mean_area",
        psi: entry.psi,
        ks: entry.ks,
        missing_rate: 0,
        unseen_share: null,
        verdict: "drift",
      });
      assert.equal(driftMetricLines(run.stdout).runs[0]?.drifted_features, 1);
      assert.ok(
        report.summary.includes(
          `status DRIFT. 1 of 30 features drifted: mean_area (PSI ${psiText} >= drift threshold 0.25; ` +
            `KS ${ksText} >= drift threshold 0.2; mean ${entry.baseline_mean} in training, ${entry.mean} now). ` +
            `Report: ${REPORT_LOCATION}.`,
        ),
        report.summary,
      );
    });

    it("per-feature thresholds override the defaults: with them mean_area only warns", async () => {
      const { report } = await overridden();
      const entry = result(report, "mean_area");
      assert.equal(report.status, "warn");
      assert.deepEqual(report.feature_thresholds, OVERRIDES);
      assert.deepEqual([report.drifted_features, report.warned_features], [[], ["mean_area"]]);
      assert.equal(entry.verdict, "warn");
      assert.deepEqual(entry.reasons, [`PSI ${(entry.psi ?? 0).toFixed(3)} >= warn threshold 0.1`]);
      assert.deepEqual(entry.psi, result((await shifted()).report, "mean_area").psi);
    });
  });

  describe("drift_check.py reads every payload format", () => {
    it("CSV, JSON (instances, objects, lists, features, JSON Lines), base64 or not: the same result as CSV", async () => {
      const { report } = await encoded();
      const plain = (await noDrift()).report;
      assert.deepEqual([report.records, report.rows, report.malformed_lines], [plain.records, plain.rows, 0]);
      assert.deepEqual(report.features, plain.features);
      assert.equal(report.status, "ok");
    });
  });

  describe("drift_check.py on an empty window", () => {
    it("reports status empty, pages nobody and prints only the run's metric line", async () => {
      const { report, run, summary } = await empty();
      assert.equal(report.status, "empty");
      assert.deepEqual(report.capture_files, { read: 0, outside_window: 2, not_in_hour_directory: 0 });
      assert.deepEqual([report.records, report.rows, report.malformed_lines], [0, 0, 0]);
      assert.deepEqual([report.features, report.schema_problems], [[], []]);
      assert.deepEqual([report.drifted_features, report.warned_features], [[], []]);
      const text =
        `No requests were captured for endpoint ${ENDPOINT} from ${WINDOW.start} to ${WINDOW.end}, ` +
        `so there was nothing to check. Report: ${REPORT_LOCATION}.`;
      assert.equal(report.summary, text);
      assert.equal(summary, `${text}\n`);
      const lines = driftMetricLines(run.stdout);
      assert.deepEqual(lines.features, []);
      assert.deepEqual(lines.runs, [
        {
          mlops_drift_run: 1,
          endpoint: ENDPOINT,
          window_start: WINDOW.start,
          status: "empty",
          records: 0,
          rows: 0,
          malformed_lines: 0,
          drifted_features: 0,
          warned_features: 0,
          schema_problems: 0,
        },
      ]);
    });
  });

  describe("drift_check.py on malformed capture lines", () => {
    it("counts and skips them: the rest of the window gives the same result", async () => {
      const { report, run } = await malformed();
      const plain = (await noDrift()).report;
      assert.equal(report.malformed_lines, MALFORMED_LINES.length);
      assert.deepEqual([report.records, report.rows], [plain.records, plain.rows]);
      assert.deepEqual(report.features, plain.features);
      assert.equal(report.status, "ok");
      assert.ok(report.summary.includes(`${MALFORMED_LINES.length} malformed capture line(s) were skipped.`));
      assert.equal(driftMetricLines(run.stdout).runs[0]?.malformed_lines, MALFORMED_LINES.length);
    });
  });

  describe("drift_check.py on a schema change", () => {
    it("reports a missing feature, an extra one, non-numeric values and rows of the wrong width", async () => {
      const { report } = await schemaChange();
      assert.deepEqual(report.schema_problems, [
        {
          problem: "missing_feature",
          feature: "mean_area",
          rows: SCHEMA_KEYED_ROWS,
          severity: "drift",
          message: `no request sends 'mean_area': none of the ${SCHEMA_KEYED_ROWS} rows names it`,
        },
        {
          problem: "extra_feature",
          feature: "patient_age",
          rows: SCHEMA_KEYED_ROWS,
          severity: "warn",
          message: `${SCHEMA_KEYED_ROWS} row(s) send 'patient_age', which is not a baseline feature`,
        },
        {
          problem: "non_numeric",
          feature: "mean_radius",
          rows: 6,
          severity: "drift",
          examples: ["abc"],
          message: "numeric feature 'mean_radius' received 6 value(s) that are not numbers, e.g. 'abc'",
        },
        {
          problem: "field_count",
          feature: null,
          rows: 5,
          severity: "drift",
          fields: 29,
          expected: 30,
          message: "5 row(s) have 29 field(s) but the baseline has 30 features, so they were left out",
        },
        {
          problem: "field_count",
          feature: null,
          rows: 3,
          severity: "drift",
          fields: 31,
          expected: 30,
          message: "3 row(s) have 31 field(s) but the baseline has 30 features, so they were left out",
        },
      ]);
      assert.equal(report.status, "drift");
      assert.deepEqual([report.records, report.rows], [SCHEMA_KEYED_ROWS + 8, SCHEMA_KEYED_ROWS]);
      assert.deepEqual([report.drifted_features, report.warned_features], [["mean_radius", "mean_area"], []]);
      const tooFew = `only ${SCHEMA_KEYED_ROWS} rows: too few (< 1000000) to judge the distribution`;
      assert.deepEqual(result(report, "mean_radius").reasons, [
        "6 value(s) are not numbers (10.0% of rows), e.g. 'abc'",
        tooFew,
      ]);
      assert.deepEqual(
        [result(report, "mean_radius").non_numeric, result(report, "mean_radius").count],
        [6, SCHEMA_KEYED_ROWS - 6],
      );
      const area = result(report, "mean_area");
      assert.deepEqual(area.reasons, ["no request sends this feature", tooFew]);
      assert.deepEqual([area.count, area.psi, area.ks, area.missing_rate], [0, null, null, 1]);
      for (const feature of report.features.filter(
        (entry) => !["mean_radius", "mean_area"].includes(entry.name),
      )) {
        assert.deepEqual([feature.verdict, feature.reasons], ["ok", [tooFew]], feature.name);
      }
      assert.ok(report.summary.includes("Schema problems: no request sends 'mean_area'"), report.summary);
    });
  });

  describe("drift_check.py on categorical features (the 25,000-row dataset's baseline)", () => {
    let report: DriftReport;
    let drift: DriftBaseline;
    const window = CATEGORICAL_WINDOW;

    before(async () => {
      ({ report } = await categorical());
      ({ drift } = await syntheticBaseline());
    });

    it("flags a new category: its share, its name, and the PSI over the baseline's categories", () => {
      const colour = result(report, "colour");
      const baselineColour = categoricalFeature(drift, "colour");
      const listed = Object.keys(baselineColour.categories);
      const shares = [...listed, "other"].map(
        (name) =>
          window.filter((row) => (name === "other" ? !listed.includes(row.colour) : row.colour === name))
            .length / window.length,
      );
      const expectedPsi = psi(shares, [...Object.values(baselineColour.categories), 0]);
      const purple = window.filter((row) => row.colour === "purple").length / window.length;
      assertClose(colour.psi, expectedPsi, "colour PSI");
      assertClose(colour.unseen_share, purple, "unseen share");
      assert.equal(colour.unseen_categories.length, 1);
      assert.equal(colour.unseen_categories[0]?.value, "purple");
      assertClose(colour.unseen_categories[0]?.share, purple, "purple share");
      assert.equal(colour.verdict, "drift");
      assert.deepEqual(colour.reasons, [
        `PSI ${(colour.psi ?? 0).toFixed(3)} >= drift threshold 0.25`,
        "20.8% of values are categories the baseline does not have ('purple'; threshold 1.0%)",
      ]);
      assert.equal(colour.ks, null);
    });

    it("does not count categories beyond the baseline's 100 most frequent as new ones beyond its __other__ share", () => {
      const entry = result(report, "code");
      // c100 to c149 are not listed, but make up about as much of the window as __other__ of training.
      const unlisted = window.filter((row) => Number(row.code.slice(1)) >= 100).length / window.length;
      assertClose(entry.unseen_share, unlisted, "code unseen share");
      assert.deepEqual(
        entry.unseen_categories.map((item) => item.value),
        ["c100", "c101", "c102", "c103", "c104"],
      );
      assert.deepEqual([entry.verdict, entry.reasons], ["ok", []]);
    });

    it("compares categories as text: JSON numbers 1, 2 and 3 are the categories '1', '2' and '3', null is missing", () => {
      const grade = result(report, "grade");
      assert.deepEqual([grade.unseen_share, grade.verdict, grade.reasons], [0, "ok", []]);
      assertClose(grade.missing_rate, 10 / window.length, "grade missing rate");
      assert.equal(grade.count, window.length - 10);
    });

    it("flags a change in missing values and values that are not numbers (in CSV rows) in a numeric feature", () => {
      const size = result(report, "size");
      const missing = window.filter((row) => row.size === null).length / window.length;
      assertClose(size.missing_rate, missing, "missing rate");
      assert.equal(size.baseline_missing_rate, 0.02);
      assert.equal(size.non_numeric, 10);
      const values = window.flatMap((row) => (typeof row.size === "number" ? [row.size] : []));
      const feature = numericFeature(drift, "size");
      assertClose(size.psi, psi(binShares(values, feature.bin_edges), feature.bin_proportions), "size PSI");
      assertClose(size.ks, ks(values, feature.sample), "size KS");
      assert.equal(size.verdict, "drift");
      assert.deepEqual(size.reasons, [
        "10 value(s) are not numbers (1.0% of rows), e.g. 'abc'",
        "missing values 2.0% in training, 19.8% now (change >= 10.0%)",
      ]);
      assert.deepEqual(
        report.schema_problems.map((problem) => [problem.problem, problem.feature, problem.rows]),
        [["non_numeric", "size", 10]],
      );
    });

    it("gives status drift for colour and size, from 250 JSON requests of 4 rows and 10 CSV ones", () => {
      assert.equal(report.status, "drift");
      assert.deepEqual([report.drifted_features, report.warned_features], [["colour", "size"], []]);
      assert.deepEqual([report.records, report.rows, report.malformed_lines], [260, window.length, 0]);
      assert.deepEqual([result(report, "flag").verdict, result(report, "flag").reasons], ["ok", []]);
    });
  });

  describe("drift_check.py rejects bad arguments and baselines with exit code 2 and a one-line message", () => {
    for (const [name, { message }] of Object.entries(badDriftArguments)) {
      it(name, async () => {
        const run = (await badDrift()).get(name);
        assert.ok(run);
        assertCleanFailure(run, message);
      });
    }
  });
});
