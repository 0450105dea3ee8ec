import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { localPath, PROCESSING_ROOT, removeDir, SAMPLE_CSV } from "./scripts";

/**
 * Data to score for the batch inference tests: files cut from the sample dataset as a team would
 * write them (a header row, the target column left out), the features as `ml/validate.py
 * --inference` writes them for the transform job, and processing directories to run the scripts
 * in, laid out like the containers' `/opt/ml/processing`.
 */

const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const VALIDATE = path.join(REPO_ROOT, "ml", "validate.py");
export const BATCH_SUMMARY = path.join(REPO_ROOT, "ml", "batch_summary.py");
const SCHEMA_TEXT = fs.readFileSync(path.join(REPO_ROOT, "ml", "schemas", "diagnosis.json"), "utf8");

const [SAMPLE_HEADER_LINE = "", ...SAMPLE_LINES] = fs
  .readFileSync(SAMPLE_CSV, "utf8")
  .split("\n")
  .filter((line) => line !== "");
export const SAMPLE_HEADER = SAMPLE_HEADER_LINE.split(",");
export const SAMPLE_ROWS = SAMPLE_LINES.map((line) => line.split(","));
/** The schema's feature columns, in its order: every column but the target. */
export const FEATURES = SAMPLE_HEADER.filter((name) => name !== "target");
export const LABELS = SAMPLE_ROWS.map((row) => Number(row.at(-1)));

/** validate.py's options in the ValidateInput step: inference mode and the data checks' limits. */
export const INFERENCE_ARGS = ["--inference", "--min-rows", "100", "--max-missing-rate", "0.05"];

/** Replacement cells: column → data row (from 0) → text. */
export type CellEdits = Readonly<Record<string, Readonly<Record<number, string>>>>;

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_unused, at) => from + at);
}

function cell(row: number, column: string, edits: CellEdits): string {
  const edited = edits[column]?.[row];
  if (edited !== undefined) return edited;
  const index = SAMPLE_HEADER.indexOf(column);
  if (index < 0) throw new Error(`no column ${column}`);
  return SAMPLE_ROWS[row][index];
}

/** A CSV file of sample rows with a header row: the features in schema order unless `columns`. */
export function csvFile(
  rows: readonly number[],
  edits: CellEdits = {},
  columns: readonly string[] = FEATURES,
): string {
  return text([
    columns.join(","),
    ...rows.map((row) => columns.map((name) => cell(row, name, edits)).join(",")),
  ]);
}

/** Rows as validate.py writes them for the transform job: no header, missing values empty. */
export function featureLines(rows: readonly number[], edits: CellEdits = {}): string[] {
  const missing = new Set(["", "NaN", "nan"]);
  return rows.map((row) =>
    FEATURES.map((name) => cell(row, name, edits))
      .map((value) => (missing.has(value) ? "" : value))
      .join(","),
  );
}

/** Lines as a file holds them, each ended by a newline. */
export const text = (lines: readonly string[]) => lines.map((line) => `${line}\n`).join("");
/** The lines of a file's `content`. */
export const lines = (content: string) => content.split("\n").slice(0, -1);

/** Temporary directories of one test file, removed together. */
export function temporaryDirectories(prefix: string) {
  const made: string[] = [];
  return {
    make(): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    removeAll(): void {
      for (const dir of made.splice(0)) removeDir(dir);
    },
  };
}

export function writeFiles(dir: string, files: Readonly<Record<string, string>>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, ...name.split("/"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

/** Every file under `dir` (relative, with `/`) with its content; none when `dir` does not exist. */
export function readTree(dir: string): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  const files = (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((name) => fs.statSync(path.join(dir, name)).isFile())
    .sort();
  return Object.fromEntries(
    files.map((name) => [name.split(path.sep).join("/"), fs.readFileSync(path.join(dir, name), "utf8")]),
  );
}

/** Fills `baseDir` for ValidateInput: `files` under input/data/, the schema under its S3 name. */
export function fillValidationDir(baseDir: string, files: Readonly<Record<string, string>>): string {
  writeFiles(localPath(baseDir, `${PROCESSING_ROOT}/input/data`), files);
  writeFiles(localPath(baseDir, `${PROCESSING_ROOT}/input/schema`), { "diagnosis.json": SCHEMA_TEXT });
  return baseDir;
}

/** Where validate.py --inference writes the features the transform job reads. */
export const featuresDir = (baseDir: string) => localPath(baseDir, `${PROCESSING_ROOT}/features`);
export const reportPath = (baseDir: string) =>
  localPath(baseDir, `${PROCESSING_ROOT}/validation/validation_report.json`);
