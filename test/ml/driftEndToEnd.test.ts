import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  buildPipelineDefinition,
  DRIFT_BASELINE,
  PARAMETERS,
  STEPS,
} from "../../components/pipeline/definition";
import type { PipelineDefinition } from "../../components/pipeline/definitionTypes";
import { definitionInput } from "../helpers/definitionInput";
import { checkPython } from "../helpers/python";
import {
  allSteps,
  captureLine,
  type DriftBaseline,
  driftCheckRun,
  driftReportPaths,
  type DriftReport,
  readLabelFirstCsv,
  removeDir,
  runInOneInterpreter,
  runPipelineLocally,
  SAMPLE_CSV,
} from "./scripts";

/**
 * The drift check end to end, for real: the pipeline definition's own Preprocess and DriftBaseline
 * steps run locally (their scripts, arguments and paths as the definition gives them) on the sample
 * data, then drift_check.py reads the drift baseline they wrote and the held-out rows (validation and
 * test splits, which the baseline never saw) sent to the endpoint as SageMaker data capture. Three
 * Python processes: the two steps in a row, then both checks one after another in one interpreter
 * (run_in_one_interpreter.py), which imports pandas once for both.
 */

const ENDPOINT = "mlops-staging-diagnosis";
const VARIANT = "AllTraffic";
const WINDOW_START = "2024-05-01T13:00:00Z";
/** The feature whose values the drifted traffic shifts. */
const SHIFTED = "mean_area";

const tempDirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-drift-e2e-"));
  tempDirs.push(dir);
  return dir;
}

/** The definition with only the steps up to the drift baseline, which need no training. */
function upToDriftBaseline(definition: PipelineDefinition): PipelineDefinition {
  const wanted: readonly string[] = [STEPS.preprocess, STEPS.driftBaseline];
  return { ...definition, Steps: allSteps(definition.Steps).filter((step) => wanted.includes(step.Name)) };
}

/**
 * A drift check's processing directory: the baseline where drift_check.py reads it, and `rows` sent
 * as CSV requests of one to three rows, captured in the hour of the window. The capture input keeps
 * the key below the endpoint's capture prefix (`<variant>/yyyy/mm/dd/hh/<file>.jsonl`), as a
 * processing input of the prefix `s3://<bucket>/<prefix>/<endpoint>/` copies it.
 */
function checkDir(baselineFile: string, rows: readonly (readonly string[])[]): string {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, "baseline"));
  fs.copyFileSync(baselineFile, path.join(dir, "baseline", "drift_baseline.json"));
  const lines: string[] = [];
  for (let start = 0, size = 1; start < rows.length; start += size, size = (size % 3) + 1) {
    const payload = rows
      .slice(start, start + size)
      .map((row) => row.join(","))
      .join("\n");
    const second = String(lines.length % 60).padStart(2, "0");
    lines.push(captureLine(payload, "text/csv", "CSV", `2024-05-01T13:25:${second}Z`));
  }
  const hourDir = path.join(dir, "capture", VARIANT, "2024", "05", "01", "13");
  fs.mkdirSync(hourDir, { recursive: true });
  // SageMaker writes several files an hour; two here, split where a request ends.
  const half = Math.ceil(lines.length / 2);
  fs.writeFileSync(path.join(hourDir, "13-25-00-000-aaaa.jsonl"), lines.slice(0, half).join("\n") + "\n");
  fs.writeFileSync(path.join(hourDir, "13-55-00-000-bbbb.jsonl"), lines.slice(half).join("\n") + "\n");
  return dir;
}

describe("drift check end to end: the pipeline's baseline, then held-out traffic", function () {
  this.timeout(60_000);

  let baseline: DriftBaseline;
  let features: readonly string[];
  let heldOut: readonly (readonly string[])[];
  let steady: DriftReport;
  let shifted: DriftReport;

  before(async () => {
    await checkPython();
    const definition = buildPipelineDefinition(definitionInput());
    const inputData = tempDir();
    fs.copyFileSync(SAMPLE_CSV, path.join(inputData, path.basename(SAMPLE_CSV)));
    const input = definitionInput();
    const local = await runPipelineLocally(
      upToDriftBaseline(definition),
      tempDir(),
      { [PARAMETERS.inputData]: inputData },
      // Preprocess orders the features as the model's schema lists them.
      { objects: { [input.schemaUri]: path.join(__dirname, "..", "..", "ml", "schemas", "diagnosis.json") } },
    );
    const baselineFile = path.join(
      local.outputDir(STEPS.driftBaseline, DRIFT_BASELINE.outputName),
      DRIFT_BASELINE.fileName,
    );
    baseline = JSON.parse(fs.readFileSync(baselineFile, "utf8")) as DriftBaseline;
    features = baseline.features.map((feature) => feature.name);

    // The rows the model was not trained on, as requests carry them: the features, no label.
    heldOut = ["validation", "test"].flatMap((split) =>
      readLabelFirstCsv(path.join(local.outputDir(STEPS.preprocess, split), `${split}.csv`)).rows.map((row) =>
        row.slice(1),
      ),
    );
    const column = features.indexOf(SHIFTED);
    const drifted = heldOut.map((row) =>
      row.map((value, index) => (index === column ? String(Number(value) * 1.6) : value)),
    );

    // The held-out rows are 171, fewer than the check's default 200 rows a window needs before it
    // judges distributions (min_rows): every one of them is judged here.
    const args = [
      "--window-start",
      WINDOW_START,
      "--endpoint",
      ENDPOINT,
      "--min-rows",
      String(heldOut.length),
    ];
    const dirs = [checkDir(baselineFile, heldOut), checkDir(baselineFile, drifted)];
    const runs = await runInOneInterpreter(dirs.map((dir) => driftCheckRun(dir, args)));
    [steady, shifted] = dirs.map((dir, index) => {
      assert.equal(runs[index]?.status, 0, runs[index]?.stderr);
      return JSON.parse(fs.readFileSync(driftReportPaths(dir).report, "utf8")) as DriftReport;
    });
  });

  after(() => {
    for (const dir of tempDirs.splice(0)) removeDir(dir);
  });

  it("baselines the 30 training features of the sample data, as the DriftBaseline step runs", () => {
    assert.equal(baseline.row_count, 398);
    assert.equal(features.length, 30);
    assert.equal(heldOut.length, 569 - 398);
  });

  it("reads every held-out row from the capture files, lined up with the baseline's features", () => {
    assert.deepEqual(
      {
        files: steady.capture_files,
        rows: steady.rows,
        malformed: steady.malformed_lines,
        schema: steady.schema_problems,
      },
      {
        files: { read: 2, outside_window: 0, not_in_hour_directory: 0 },
        rows: heldOut.length,
        malformed: 0,
        schema: [],
      },
    );
    assert.deepEqual(
      steady.features.map((feature) => feature.name),
      features,
    );
  });

  it("finds no drift in held-out rows of the same data", () => {
    assert.deepEqual(steady.drifted_features, []);
    for (const feature of steady.features) {
      assert.equal(feature.count, heldOut.length, feature.name);
      assert.ok((feature.psi ?? 1) < 0.25 && (feature.ks ?? 1) < 0.2, `${feature.name}: ${feature.reasons}`);
    }
    // With 171 rows over 10 bins, sampling noise alone puts the PSI of some features near 0.1: they
    // are warnings, which page nobody.
    assert.equal(steady.status, "warn");
    assert.deepEqual(steady.warned_features, [
      "mean_radius",
      "radius_error",
      "concave_points_error",
      "worst_texture",
      "worst_smoothness",
    ]);
  });

  it("flags the shifted feature by name, and only it", () => {
    assert.equal(shifted.status, "drift");
    assert.deepEqual(shifted.drifted_features, [SHIFTED]);
    const result = shifted.features.find((feature) => feature.name === SHIFTED);
    assert.equal(result?.verdict, "drift");
    assert.ok((result?.psi ?? 0) >= 0.25 && (result?.ks ?? 0) >= 0.2, `PSI ${result?.psi}, KS ${result?.ks}`);
    // Every other feature is judged as before.
    assert.deepEqual(shifted.warned_features, steady.warned_features);
  });
});
