import { readFileSync } from "node:fs";
import * as path from "node:path";
import { REPOSITORY_ROOT } from "../preview/stackFile";
import { inputError } from "./errors";

/** The sample dataset the pipeline is built with by default (`ml/data`). */
export const SAMPLE_DATA = path.join("ml", "data", "breast-cancer.csv");

/** Rows to send to an endpoint, in the layout the model was trained on. */
export interface SampleRows {
  /** Feature names, in column order, without the target. */
  readonly features: readonly string[];
  /** One CSV line per row: the features only, no header, no target (SageMaker XGBoost's text/csv). */
  readonly rows: readonly string[];
  /** Line numbers in the file (the header is line 1), for messages. */
  readonly lines: readonly number[];
}

/**
 * Reads `count` rows spread evenly over a CSV file with a header row (the layout of `ml/data` and of
 * the pipeline's input), and drops the target column: the endpoint gets what
 * `ml/preprocess.py` trains on, without the label and the header.
 *
 * @throws OpsError (exit 2) when the file cannot be read, lacks the target column, has fewer rows
 *   than asked for, or has a row of another width or a value that is not a number.
 */
export function readSampleRows(
  file: string,
  targetColumn: string,
  count: number,
  root = REPOSITORY_ROOT,
): SampleRows {
  const location = path.resolve(root, file);
  let text: string;
  try {
    text = readFileSync(location, "utf8");
  } catch (error) {
    throw inputError(
      `cannot read the sample data ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((name) => name.trim());
  const target = header.indexOf(targetColumn);
  if (target < 0) {
    throw inputError(
      `${file} has no column "${targetColumn}" (the model's pipeline.targetColumn); its columns: ${header.join(", ")}`,
    );
  }
  const data = lines
    .map((line, index) => ({ line, number: index + 1 }))
    .slice(1)
    .filter(({ line }) => line.trim() !== "");
  if (data.length < count) {
    throw inputError(`--rows ${count}: ${file} has only ${data.length} data rows`);
  }
  // Evenly spread: the file may be ordered by class, and both classes should be scored.
  const picked = Array.from({ length: count }, (_, i) => data[Math.floor((i * data.length) / count)]);
  const rows: string[] = [];
  for (const entry of picked) {
    if (entry === undefined) continue;
    const values = entry.line.split(",").map((value) => value.trim());
    if (values.length !== header.length) {
      throw inputError(
        `${file} line ${entry.number} has ${values.length} values for ${header.length} columns`,
      );
    }
    const features = values.filter((_, column) => column !== target);
    const bad = features.find((value) => value === "" || !Number.isFinite(Number(value)));
    if (bad !== undefined) {
      throw inputError(
        `${file} line ${entry.number}: "${bad}" is not a number; the model takes numeric features`,
      );
    }
    rows.push(features.join(","));
  }
  return {
    features: header.filter((_, column) => column !== target),
    rows,
    lines: picked.map((entry) => entry?.number ?? 0),
  };
}
