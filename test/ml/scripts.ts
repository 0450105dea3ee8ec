import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Condition, PipelineDefinition, PipelineStep } from "../../components/pipeline/definitionTypes";
import { runPython, type ScriptRun } from "../helpers/python";

/**
 * Runs the pipeline's Python scripts for real, in temporary directories laid out like the
 * containers' `/opt/ml/processing`, so tests can check what the SageMaker jobs would produce. The
 * interpreter is the tests' ({@link runPython}).
 */

const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const SCRIPTS = {
  makeSampleData: path.join(REPO_ROOT, "ml", "make_sample_data.py"),
  preprocess: path.join(REPO_ROOT, "ml", "preprocess.py"),
  trainLikeSageMaker: path.join(__dirname, "train_like_sagemaker.py"),
} as const;

/** The committed sample dataset: 569 rows, 30 features and `target` (1 = malignant). */
export const SAMPLE_CSV = path.join(REPO_ROOT, "ml", "data", "breast-cancer.csv");

/** Where the scripts' container paths start; the tests map it to a temporary directory. */
export const PROCESSING_ROOT = "/opt/ml/processing";

/** One run for {@link runInOneInterpreter}: `python3 <script> <args>`. */
export interface InterpreterRun {
  readonly script: string;
  readonly args: readonly string[];
}

/**
 * Runs `runs` one after another in a single interpreter (run_in_one_interpreter.py), each as
 * `python3 <script> <args>` would run, and returns each run's exit status and output, in order. An
 * interpreter spends most of its time importing pandas, scikit-learn or XGBoost: runs that need no
 * process of their own share one.
 */
export async function runInOneInterpreter(runs: readonly InterpreterRun[]): Promise<ScriptRun[]> {
  const batch = await runPython(path.join(__dirname, "run_in_one_interpreter.py"), [JSON.stringify(runs)]);
  if (batch.status !== 0) {
    throw new Error(`run_in_one_interpreter.py exited with ${batch.status}:\n${batch.stderr}`);
  }
  const results = JSON.parse(batch.stdout) as ScriptRun[];
  if (results.length !== runs.length) {
    throw new Error(`run_in_one_interpreter.py ran ${results.length} of ${runs.length} runs`);
  }
  return results;
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

/** preprocess.py on `baseDir`, as a run for {@link runInOneInterpreter}. */
export function preprocessRun(baseDir: string, args: readonly string[] = []): InterpreterRun {
  return { script: SCRIPTS.preprocess, args: ["--base-dir", baseDir, ...args] };
}

/** Runs preprocess.py on `baseDir` and returns its exit code and output, whatever they are. */
export function runPreprocess(baseDir: string, args: readonly string[] = []): Promise<ScriptRun> {
  const { script, args: argv } = preprocessRun(baseDir, args);
  return runPython(script, argv);
}

/** Runs preprocess.py on `baseDir`, which must succeed, and reads the files it wrote. */
export async function preprocess(baseDir: string, args: readonly string[] = []): Promise<PreprocessOutput> {
  return preprocessOutput(baseDir, await runPreprocess(baseDir, args));
}

/** What a run of preprocess.py on `baseDir` wrote; throws unless the run succeeded. */
export function preprocessOutput(baseDir: string, finished: ScriptRun): PreprocessOutput {
  const run = succeeded(SCRIPTS.preprocess, finished);
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

/** make_sample_data.py writing to `output`, as a run for {@link runInOneInterpreter}. */
export function makeSampleDataRun(output: string): InterpreterRun {
  return { script: SCRIPTS.makeSampleData, args: ["--output", output] };
}

/** A run of make_sample_data.py, which must have succeeded. */
export function sampleDataWritten(run: ScriptRun): ScriptRun {
  return succeeded(SCRIPTS.makeSampleData, run);
}

/** The steps of a pipeline, with those nested in condition steps after their condition. */
export function allSteps(steps: readonly PipelineStep[]): PipelineStep[] {
  return steps.flatMap((step) =>
    step.Type === "Condition"
      ? [step, ...allSteps(step.Arguments.IfSteps), ...allSteps(step.Arguments.ElseSteps)]
      : [step],
  );
}

/** The step called `name`, which must be of type `type`. */
export function findStep<T extends PipelineStep["Type"]>(
  definition: PipelineDefinition,
  type: T,
  name: string,
): Extract<PipelineStep, { Type: T }> {
  const step = allSteps(definition.Steps).find((candidate) => candidate.Name === name);
  if (step?.Type !== type) throw new Error(`the pipeline has no ${type} step called ${name}`);
  return step as Extract<PipelineStep, { Type: T }>;
}

function isGet(value: unknown): value is { readonly Get: string } {
  return typeof value === "object" && value !== null && typeof (value as { Get?: unknown }).Get === "string";
}

function literal(value: unknown, what: string): string {
  if (typeof value !== "string") {
    throw new Error(`${what} must be a plain string here, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Follows a `Std:JsonGet` path such as `a.b[0].c` into parsed JSON. */
export function jsonGet(document: unknown, jsonPath: string): unknown {
  let value = document;
  for (const part of jsonPath.split(/\.|(?=\[)/)) {
    const index = /^\[(\d+)\]$/.exec(part);
    const key = index ? Number(index[1]) : part;
    if (typeof value !== "object" || value === null || !(key in value)) {
      throw new Error(`${jsonPath}: nothing at "${part}"`);
    }
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** What running a definition locally produced. */
export interface LocalPipelineRun {
  /** Output of each step that ran, by step name. */
  readonly runs: ReadonlyMap<string, ScriptRun>;
  /** The outcome of each condition step that was reached, by step name. */
  readonly outcomes: ReadonlyMap<string, boolean>;
  /** The Fail step the run stopped at, with its resolved message; undefined when none was reached. */
  readonly failed: { readonly step: string; readonly message: string } | undefined;
  /** Resolves a value of the definition the way SageMaker would once the steps have run. */
  resolve(value: unknown): unknown;
  /** Where a step's processing output ended up locally. */
  outputDir(step: string, outputName: string): string;
  /** The parsed content of a property file, e.g. `propertyFile("Evaluate", "EvaluationReport")`. */
  propertyFile(step: string, propertyFileName: string): unknown;
  /** Resolves both sides of a condition and compares them as SageMaker would. */
  check(condition: Condition): { readonly left: unknown; readonly right: unknown; readonly holds: boolean };
}

/** What a local run needs besides the parameters: stand-ins for S3 objects and Lambda functions. */
export interface LocalRunOptions {
  /** Local files or folders for the literal S3 URIs of the definition (an uploaded schema, say). */
  readonly objects?: Readonly<Record<string, string>>;
  /**
   * What each Lambda step returns, by step name: its output parameters, with local paths where
   * they are S3 URIs that later steps read.
   */
  readonly lambdas?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const COMPARISONS: Record<Condition["Type"], (left: number, right: number) => boolean> = {
  Equals: (left, right) => left === right,
  GreaterThan: (left, right) => left > right,
  GreaterThanOrEqualTo: (left, right) => left >= right,
  LessThan: (left, right) => left < right,
  LessThanOrEqualTo: (left, right) => left <= right,
};

/**
 * Runs a pipeline definition's steps on this machine, in the order they are listed, the way
 * SageMaker would run them:
 *
 * - a processing step runs the `ml/` script its `ContainerEntrypoint` names, with its
 *   `ContainerArguments`, in a directory standing for `/opt/ml/processing`; each input is copied
 *   to the directory its `LocalPath` maps to, and each output's `LocalPath` becomes the location
 *   that later steps get with `Steps.<step>.ProcessingOutputConfig.Outputs['<name>'].S3Output.S3Uri`;
 * - a training step runs train_like_sagemaker.py on its `train` and `validation` channels with its
 *   `HyperParameters`, and `Steps.<step>.ModelArtifacts.S3ModelArtifacts` becomes the model.tar.gz;
 * - a Lambda step answers with what `options.lambdas` gives for it, as
 *   `Steps.<step>.OutputParameters['<name>']`;
 * - a condition step compares its conditions and runs its IfSteps when all hold, else its
 *   ElseSteps; a Fail step stops the run with its message.
 *
 * Other steps (RegisterModel, QualityCheck) do not run. `parameters` gives local paths for
 * parameters that are S3 URIs (the input data); any other parameter resolves to its `DefaultValue`.
 * Anything else that is not resolvable locally fails.
 */
export async function runPipelineLocally(
  definition: PipelineDefinition,
  workDir: string,
  parameters: Readonly<Record<string, string>>,
  options: LocalRunOptions = {},
): Promise<LocalPipelineRun> {
  const locations = new Map<string, string>(
    Object.entries(parameters).map(([name, local]) => [`Parameters.${name}`, local]),
  );
  const runs = new Map<string, ScriptRun>();
  const outcomes = new Map<string, boolean>();
  let failed: { step: string; message: string } | undefined;
  const outputDir = (step: string, outputName: string) => {
    const location = locations.get(
      `Steps.${step}.ProcessingOutputConfig.Outputs['${outputName}'].S3Output.S3Uri`,
    );
    if (location === undefined) throw new Error(`step ${step} has no output ${outputName}, or has not run`);
    return location;
  };
  const locate = (uri: unknown, what: string): string => {
    const location = isGet(uri)
      ? locations.get(uri.Get)
      : typeof uri === "string"
        ? options.objects?.[uri]
        : undefined;
    if (location === undefined) throw new Error(`${what}: cannot resolve ${JSON.stringify(uri)} locally`);
    return location;
  };

  const propertyFile = (stepName: string, propertyFileName: string): unknown => {
    const step = allSteps(definition.Steps).find((candidate) => candidate.Name === stepName);
    const file =
      step?.Type === "Processing"
        ? step.PropertyFiles?.find((candidate) => candidate.PropertyFileName === propertyFileName)
        : undefined;
    if (file === undefined) {
      throw new Error(`the pipeline has no property file ${stepName}.${propertyFileName}`);
    }
    return JSON.parse(
      fs.readFileSync(path.join(outputDir(stepName, file.OutputName), file.FilePath), "utf8"),
    );
  };

  const resolve = (value: unknown): unknown => {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
    if (isGet(value)) {
      const parameter = /^Parameters\.(.+)$/.exec(value.Get)?.[1];
      const declared = definition.Parameters.find((candidate) => candidate.Name === parameter);
      if (declared === undefined) throw new Error(`cannot resolve ${value.Get} locally`);
      return declared.DefaultValue;
    }
    const expression = (typeof value === "object" && value !== null ? value : {}) as {
      "Std:JsonGet"?: { PropertyFile: unknown; Path: string };
      "Std:Join"?: { On: string; Values: unknown[] };
    };
    const jsonGetExpression = expression["Std:JsonGet"];
    if (jsonGetExpression !== undefined && isGet(jsonGetExpression.PropertyFile)) {
      const [, step, name] =
        /^Steps\.([^.]+)\.PropertyFiles\.(.+)$/.exec(jsonGetExpression.PropertyFile.Get) ?? [];
      if (step === undefined || name === undefined) {
        throw new Error(`cannot resolve property file ${jsonGetExpression.PropertyFile.Get} locally`);
      }
      return jsonGet(propertyFile(step, name), jsonGetExpression.Path);
    }
    const join = expression["Std:Join"];
    if (join !== undefined) return join.Values.map((part) => String(resolve(part))).join(join.On);
    throw new Error(`cannot resolve ${JSON.stringify(value)} locally`);
  };
  const check = (condition: Condition) => {
    const left = resolve(condition.LeftValue);
    const right = resolve(condition.RightValue);
    if (condition.Type === "Equals" && typeof left === "string" && typeof right === "string") {
      return { left, right, holds: left === right };
    }
    if (typeof left !== "number" || typeof right !== "number") {
      throw new Error(
        `condition ${condition.Type} compares ${JSON.stringify(left)} with ${JSON.stringify(right)}`,
      );
    }
    return { left, right, holds: COMPARISONS[condition.Type](left, right) };
  };

  const runProcessing = async (step: Extract<PipelineStep, { Type: "Processing" }>) => {
    const stepDir = path.join(workDir, step.Name);
    const args = step.Arguments;
    const entrypoint = args.AppSpecification?.ContainerEntrypoint ?? [];
    const scriptPath = literal(entrypoint.at(-1), `${step.Name} ContainerEntrypoint`);
    const script = path.join(REPO_ROOT, "ml", path.posix.basename(scriptPath));
    for (const input of args.ProcessingInputs ?? []) {
      const target = localPath(stepDir, literal(input.S3Input?.LocalPath, `${step.Name} input LocalPath`));
      // The code input is the script itself, run from ml/ instead.
      if (input.S3Input?.LocalPath === path.posix.dirname(scriptPath)) continue;
      copyInto(locate(input.S3Input?.S3Uri, `${step.Name} input ${input.InputName}`), target);
    }
    const containerArgs = (args.AppSpecification?.ContainerArguments ?? []).map((arg) =>
      literal(arg, `${step.Name} ContainerArguments`),
    );
    runs.set(
      step.Name,
      succeeded(script, await runPython(script, [...containerArgs, "--base-dir", stepDir])),
    );
    for (const output of args.ProcessingOutputConfig?.Outputs ?? []) {
      const local = localPath(stepDir, literal(output.S3Output?.LocalPath, `${step.Name} output LocalPath`));
      locations.set(
        `Steps.${step.Name}.ProcessingOutputConfig.Outputs['${output.OutputName}'].S3Output.S3Uri`,
        local,
      );
    }
  };

  const runTraining = async (step: Extract<PipelineStep, { Type: "Training" }>) => {
    const stepDir = path.join(workDir, step.Name);
    const args = step.Arguments;
    const hyperParameters = Object.fromEntries(
      Object.entries(args.HyperParameters ?? {}).map(([key, value]) => [
        key,
        literal(value, `HyperParameters.${key}`),
      ]),
    );
    const files: Record<string, string> = {};
    for (const channel of args.InputDataConfig ?? []) {
      const name = literal(channel.ChannelName, `${step.Name} ChannelName`);
      const channelDir = path.join(stepDir, "input", "data", name);
      copyInto(locate(channel.DataSource?.S3DataSource?.S3Uri, `${step.Name} channel ${name}`), channelDir);
      const csvFiles = fs.readdirSync(channelDir);
      if (csvFiles.length !== 1) {
        throw new Error(`channel ${name} should hold one file, has: ${csvFiles.join(", ")}`);
      }
      files[name] = path.join(channelDir, csvFiles[0] ?? "");
    }
    const { train, validation } = files;
    if (train === undefined || validation === undefined) {
      throw new Error(
        `${step.Name} needs train and validation channels, has: ${Object.keys(files).join(", ")}`,
      );
    }
    const modelDir = path.join(stepDir, "model");
    runs.set(step.Name, await runTrainingHelper({ train, validation }, hyperParameters, modelDir));
    locations.set(`Steps.${step.Name}.ModelArtifacts.S3ModelArtifacts`, path.join(modelDir, "model.tar.gz"));
  };

  const runSteps = async (steps: readonly PipelineStep[]): Promise<void> => {
    for (const step of steps) {
      if (failed !== undefined) return;
      if (step.Type === "Processing") await runProcessing(step);
      else if (step.Type === "Training") await runTraining(step);
      else if (step.Type === "Lambda") {
        const answer = options.lambdas?.[step.Name];
        if (answer === undefined) throw new Error(`no local answer for the Lambda step ${step.Name}`);
        for (const { OutputName } of step.OutputParameters ?? []) {
          const value = answer[OutputName];
          if (value === undefined) throw new Error(`the local answer of ${step.Name} has no ${OutputName}`);
          locations.set(`Steps.${step.Name}.OutputParameters['${OutputName}']`, value);
        }
      } else if (step.Type === "Condition") {
        const holds = step.Arguments.Conditions.every((condition) => check(condition).holds);
        outcomes.set(step.Name, holds);
        await runSteps(holds ? step.Arguments.IfSteps : step.Arguments.ElseSteps);
      } else if (step.Type === "Fail") {
        failed = { step: step.Name, message: String(resolve(step.Arguments.ErrorMessage)) };
      }
    }
  };
  await runSteps(definition.Steps);
  return { runs, outcomes, failed, resolve, outputDir, propertyFile, check };
}

/** Copies a file into directory `target`, or a directory's contents into it, like an S3 download. */
function copyInto(source: string, target: string): void {
  fs.mkdirSync(target, { recursive: true });
  if (fs.statSync(source).isDirectory()) fs.cpSync(source, target, { recursive: true });
  else fs.copyFileSync(source, path.join(target, path.basename(source)));
}

/** The drift-check scripts: baseline.py describes the training features, drift_check.py checks a window. */
export const DRIFT_SCRIPTS = {
  baseline: path.join(REPO_ROOT, "ml", "baseline.py"),
  driftCheck: path.join(REPO_ROOT, "ml", "drift_check.py"),
} as const;

/** A numeric feature of drift_baseline.json. */
export interface NumericBaselineFeature {
  readonly name: string;
  readonly type: "numeric";
  readonly count: number;
  readonly missing_rate: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  /** Interior cut points: bin 0 is below the first, the last bin from the last one up. */
  readonly bin_edges: readonly number[];
  readonly bin_proportions: readonly number[];
  readonly sample: readonly number[];
}

/** A categorical feature of drift_baseline.json. */
export interface CategoricalBaselineFeature {
  readonly name: string;
  readonly type: "categorical";
  readonly count: number;
  readonly missing_rate: number;
  readonly distinct: number;
  /** Category → share of the values, most frequent first; the rest under `__other__`. */
  readonly categories: Readonly<Record<string, number>>;
}

/** drift_baseline.json as baseline.py writes it. */
export interface DriftBaseline {
  readonly version: 1;
  readonly row_count: number;
  readonly bins: number;
  readonly sample_limit: number;
  readonly max_categories: number;
  readonly features: readonly (NumericBaselineFeature | CategoricalBaselineFeature)[];
}

/** baseline.py on `baseDir`, as a run for {@link runInOneInterpreter}. */
export function baselineRun(baseDir: string, args: readonly string[] = []): InterpreterRun {
  return { script: DRIFT_SCRIPTS.baseline, args: ["--base-dir", baseDir, ...args] };
}

/** Runs baseline.py on `baseDir` and returns its exit code and output, whatever they are. */
export function runBaseline(baseDir: string, args: readonly string[] = []): Promise<ScriptRun> {
  const { script, args: argv } = baselineRun(baseDir, args);
  return runPython(script, argv);
}

/** Where baseline.py writes the baseline, under a processing directory. */
export function driftBaselinePath(baseDir: string): string {
  return localPath(baseDir, `${PROCESSING_ROOT}/drift-baseline/drift_baseline.json`);
}

/** Runs baseline.py on `baseDir`, which must succeed, and reads the baseline it wrote. */
export async function baseline(
  baseDir: string,
  args: readonly string[] = [],
): Promise<{ readonly run: ScriptRun; readonly baseline: DriftBaseline }> {
  return baselineOutput(baseDir, await runBaseline(baseDir, args));
}

/** The baseline a run of baseline.py on `baseDir` wrote; throws unless the run succeeded. */
export function baselineOutput(
  baseDir: string,
  finished: ScriptRun,
): { readonly run: ScriptRun; readonly baseline: DriftBaseline } {
  const run = succeeded(DRIFT_SCRIPTS.baseline, finished);
  return { run, baseline: JSON.parse(fs.readFileSync(driftBaselinePath(baseDir), "utf8")) as DriftBaseline };
}

/** The `encoding` of a captured payload: the text itself (CSV, JSON) or base64. */
export type CaptureEncoding = "CSV" | "JSON" | "BASE64";

/**
 * One line of a SageMaker data-capture file for a request whose body is `payload`, in the shape of
 * AWS's "Capture data from real-time endpoint" page: `captureData.endpointInput` holds the request
 * (base64-encoded when `encoding` is BASE64) and `endpointOutput` a made-up response.
 */
export function captureLine(
  payload: string,
  contentType: string,
  encoding: CaptureEncoding,
  inferenceTime = "2024-05-01T13:25:49Z",
): string {
  const data = encoding === "BASE64" ? Buffer.from(payload, "utf8").toString("base64") : payload;
  return JSON.stringify({
    captureData: {
      endpointInput: { observedContentType: contentType, mode: "INPUT", data, encoding },
      endpointOutput: {
        observedContentType: "text/csv; charset=utf-8",
        mode: "OUTPUT",
        data: "0.5",
        encoding: "CSV",
      },
    },
    eventMetadata: { eventId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", inferenceTime },
    eventVersion: "0",
  });
}

/**
 * Writes a capture file where SageMaker would put it for `hour` (`2024-05-01T13`), under the
 * `capture` input of processing directory `baseDir`: `capture/<endpoint>/<variant>/yyyy/mm/dd/hh/`.
 */
export function writeCaptureFile(
  baseDir: string,
  location: { readonly endpoint: string; readonly variant: string; readonly hour: string },
  name: string,
  lines: readonly string[],
): string {
  const [, year, month, day, hour] = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})$/.exec(location.hour) ?? [];
  if (hour === undefined) throw new Error(`hour ${location.hour} is not like 2024-05-01T13`);
  const dir = path.join(
    localPath(baseDir, `${PROCESSING_ROOT}/capture`),
    location.endpoint,
    location.variant,
    year,
    month,
    day,
    hour,
  );
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.map((line) => `${line}\n`).join(""));
  return file;
}

/** drift_check.py on `baseDir`, as a run for {@link runInOneInterpreter}. */
export function driftCheckRun(baseDir: string, args: readonly string[]): InterpreterRun {
  return { script: DRIFT_SCRIPTS.driftCheck, args: ["--base-dir", baseDir, ...args] };
}

/** Runs drift_check.py on `baseDir` and returns its exit code and output, whatever they are. */
export function runDriftCheck(baseDir: string, args: readonly string[]): Promise<ScriptRun> {
  const { script, args: argv } = driftCheckRun(baseDir, args);
  return runPython(script, argv);
}

/** A feature of drift_report.json. */
export interface DriftFeatureResult {
  readonly name: string;
  readonly type: "numeric" | "categorical";
  readonly count: number;
  readonly psi: number | null;
  readonly ks: number | null;
  readonly missing_rate: number | null;
  readonly baseline_missing_rate: number;
  readonly unseen_share: number | null;
  readonly unseen_categories: readonly { readonly value: string; readonly share: number }[];
  readonly non_numeric: number;
  readonly mean: number | null;
  readonly baseline_mean: number | null;
  readonly verdict: "ok" | "warn" | "drift";
  readonly reasons: readonly string[];
}

/** A schema problem of drift_report.json. */
export interface SchemaProblem {
  readonly problem: "missing_feature" | "extra_feature" | "non_numeric" | "field_count";
  readonly feature: string | null;
  readonly rows: number;
  readonly severity: "warn" | "drift";
  readonly message: string;
  readonly examples?: readonly string[];
  readonly fields?: number;
  readonly expected?: number;
}

/** drift_report.json as drift_check.py writes it. */
export interface DriftReport {
  readonly version: 1;
  readonly endpoint: string | null;
  readonly window: { readonly start: string; readonly end: string };
  readonly capture_files: {
    readonly read: number;
    readonly outside_window: number;
    readonly not_in_hour_directory: number;
  };
  readonly records: number;
  readonly rows: number;
  readonly malformed_lines: number;
  readonly status: "ok" | "warn" | "drift" | "empty";
  readonly thresholds: Readonly<Record<string, number>>;
  readonly feature_thresholds: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly features: readonly DriftFeatureResult[];
  readonly schema_problems: readonly SchemaProblem[];
  readonly drifted_features: readonly string[];
  readonly warned_features: readonly string[];
  readonly summary: string;
}

/** Where drift_check.py writes its report and summary, under a processing directory. */
export function driftReportPaths(baseDir: string): { readonly report: string; readonly summary: string } {
  return {
    report: localPath(baseDir, `${PROCESSING_ROOT}/report/drift_report.json`),
    summary: localPath(baseDir, `${PROCESSING_ROOT}/report/drift_summary.txt`),
  };
}

/** A per-feature metric line drift_check.py prints. */
export interface FeatureMetricLine {
  readonly mlops_drift: 1;
  readonly endpoint: string | null;
  readonly feature: string;
  readonly psi: number | null;
  readonly ks: number | null;
  readonly missing_rate: number | null;
  readonly unseen_share: number | null;
  readonly verdict: string;
}

/** The run's metric line drift_check.py prints. */
export interface RunMetricLine {
  readonly mlops_drift_run: 1;
  readonly endpoint: string | null;
  readonly window_start: string;
  readonly status: string;
  readonly records: number;
  readonly rows: number;
  readonly malformed_lines: number;
  readonly drifted_features: number;
  readonly warned_features: number;
  readonly schema_problems: number;
}

/** The metric lines of drift_check.py's stdout, as the text printed and parsed. */
export function driftMetricLines(stdout: string): {
  readonly raw: readonly string[];
  readonly features: readonly FeatureMetricLine[];
  readonly runs: readonly RunMetricLine[];
} {
  const raw = stdout.split("\n").filter((line) => line.startsWith("{"));
  const parsed = raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    raw,
    features: parsed.filter((line) => line.mlops_drift === 1) as unknown as FeatureMetricLine[],
    runs: parsed.filter((line) => line.mlops_drift_run === 1) as unknown as RunMetricLine[],
  };
}
