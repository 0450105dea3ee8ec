import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_HYPERPARAMETERS } from "../../components/pipeline/defaults";
import { checkPython, runPython, type ScriptRun } from "../helpers/python";
import {
  createProcessingDir,
  type EvaluationReport,
  jsonGet,
  readLabelFirstCsv,
  removeDir,
  SCRIPTS,
} from "./scripts";

/**
 * The champion gate of ml/evaluate.py, run for real: two models trained on the sample data the way
 * SageMaker's built-in XGBoost does (a strong one with the platform's default hyperparameters and
 * a deliberately weak one: one round of a depth-1 tree), each evaluated as the new model
 * (challenger) against the other, itself or no approved model (champion), on the test split
 * preprocess.py writes.
 *
 * Every script runs in one of two interpreters (run_in_one_interpreter.py), so that the libraries
 * are imported twice instead of once a run: preprocess.py and the two trainings, then every
 * evaluate.py run.
 */

const EVALUATE = path.resolve(__dirname, "..", "..", "ml", "evaluate.py");
const RUNNER = path.join(__dirname, "run_in_one_interpreter.py");

const WEAK_HYPERPARAMETERS = { objective: "binary:logistic", num_round: "1", max_depth: "1" };

/** The models' results on the test split: correct predictions of its 86 rows. */
const TEST_ROWS = 86;
const STRONG_CORRECT = 84;
const WEAK_CORRECT = 78;

interface Decision {
  readonly register: boolean;
  readonly challenger_accuracy: number;
  readonly champion_accuracy: number | null;
  readonly margin: number;
  readonly reason: string;
}

/** evaluation.json as evaluate.py writes it with the champion gate. */
interface GatedReport extends EvaluationReport {
  readonly champion: EvaluationReport | null;
  readonly decision: Decision;
  readonly champion_gate: 0 | 1;
}

type Model = "strong" | "weak";

interface EvaluateCase {
  readonly challenger: Model;
  /** A model, files to put in `champion/` (name → content), or no `champion/` at all. */
  readonly champion: Model | Readonly<Record<string, string>> | undefined;
  readonly args?: readonly string[];
}

/** The shortfall of the weak model, 6 test rows of 86, as the margin that exactly covers it. */
const EXACT_MARGIN = (STRONG_CORRECT - WEAK_CORRECT) / TEST_ROWS;

const CASES = {
  better: { challenger: "strong", champion: "weak" },
  worseBeyondMargin: { challenger: "weak", champion: "strong", args: ["--margin", "0.01"] },
  worseWithinMargin: { challenger: "weak", champion: "strong", args: ["--margin", "0.07"] },
  worseByExactlyTheMargin: {
    challenger: "weak",
    champion: "strong",
    args: ["--margin", String(EXACT_MARGIN)],
  },
  equal: { challenger: "strong", champion: "strong" },
  strongAlone: { challenger: "strong", champion: undefined },
  weakWithEmptyChampionDir: { challenger: "weak", champion: {} },
  // What the pipeline's FindChampion step puts there when the group has no approved version.
  weakWithNoChampionPlaceholder: { challenger: "weak", champion: { NO_CHAMPION: "" } },
  corruptChampion: { challenger: "strong", champion: { "model.tar.gz": "not a model archive\n" } },
  championDirWithoutArchive: { challenger: "strong", champion: { "model-v2.tar.gz": "" } },
  negativeMargin: { challenger: "strong", champion: "weak", args: ["--margin", "-0.01"] },
} as const satisfies Record<string, EvaluateCase>;

type CaseName = keyof typeof CASES;

interface CaseResult {
  readonly run: ScriptRun;
  readonly dir: string;
  /** evaluation.json, when the run wrote it. */
  readonly report: GatedReport | undefined;
}

/** Runs `runs` in one interpreter, in order; returns each run's exit status and output. */
async function runInOneInterpreter(
  runs: readonly { readonly script: string; readonly args: readonly string[] }[],
): Promise<ScriptRun[]> {
  const batch = await runPython(RUNNER, [JSON.stringify(runs)]);
  if (batch.status !== 0) {
    throw new Error(`run_in_one_interpreter.py exited with ${batch.status}:\n${batch.stderr}`);
  }
  return JSON.parse(batch.stdout) as ScriptRun[];
}

function succeeded(what: string, run: ScriptRun | undefined): ScriptRun {
  if (run?.status !== 0) throw new Error(`${what} exited with ${run?.status}:\n${run?.stderr}${run?.stdout}`);
  return run;
}

describe("evaluate.py's champion gate, run for real on two models trained like SageMaker", function () {
  this.timeout(60_000);

  let root: string | undefined;
  let preprocessDir: string | undefined;
  let testRows: number;
  const results = new Map<CaseName, CaseResult>();

  const result = (name: CaseName): CaseResult => {
    const found = results.get(name);
    assert.ok(found, `no result for ${name}`);
    return found;
  };
  const report = (name: CaseName): GatedReport => {
    const { run, report: written } = result(name);
    assert.ok(written, `${name}: no evaluation.json; exit ${run.status}, stderr: ${run.stderr}`);
    return written;
  };

  before(async () => {
    await checkPython();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "ml-champion-"));
    root = work;
    // Preprocess as the pipeline does, then train both models on its train and validation splits.
    const base = createProcessingDir();
    preprocessDir = base;
    const split = (name: string) => path.join(base, name, `${name}.csv`);
    const modelDir = (model: Model) => path.join(work, "models", model);
    const train = (model: Model, hyperParameters: Readonly<Record<string, string>>) => ({
      script: SCRIPTS.trainLikeSageMaker,
      args: [
        "--train",
        split("train"),
        "--validation",
        split("validation"),
        "--hyperparameters",
        JSON.stringify(hyperParameters),
        "--model-dir",
        modelDir(model),
      ],
    });
    const [preprocessRun, strongRun, weakRun] = await runInOneInterpreter([
      { script: SCRIPTS.preprocess, args: ["--base-dir", base, "--target-column", "target"] },
      train("strong", DEFAULT_HYPERPARAMETERS),
      train("weak", WEAK_HYPERPARAMETERS),
    ]);
    succeeded("preprocess.py", preprocessRun);
    succeeded("train_like_sagemaker.py (strong)", strongRun);
    succeeded("train_like_sagemaker.py (weak)", weakRun);
    testRows = readLabelFirstCsv(split("test")).rows.length;

    // One processing directory per case, laid out as the Evaluate step's inputs.
    const names = Object.keys(CASES) as CaseName[];
    const dirs = names.map((name) => {
      const { challenger, champion }: EvaluateCase = CASES[name];
      const dir = path.join(work, "cases", name);
      for (const input of ["model", "test"]) fs.mkdirSync(path.join(dir, input), { recursive: true });
      fs.copyFileSync(split("test"), path.join(dir, "test", "test.csv"));
      fs.copyFileSync(
        path.join(modelDir(challenger), "model.tar.gz"),
        path.join(dir, "model", "model.tar.gz"),
      );
      if (champion !== undefined) {
        const championDir = path.join(dir, "champion");
        fs.mkdirSync(championDir);
        if (typeof champion === "string") {
          fs.copyFileSync(
            path.join(modelDir(champion), "model.tar.gz"),
            path.join(championDir, "model.tar.gz"),
          );
        } else {
          for (const [file, text] of Object.entries(champion)) {
            fs.writeFileSync(path.join(championDir, file), text);
          }
        }
      }
      return dir;
    });
    const runs = await runInOneInterpreter(
      names.map((name, index) => {
        const { args = [] }: EvaluateCase = CASES[name];
        return { script: EVALUATE, args: ["--base-dir", dirs[index] ?? "", ...args] };
      }),
    );
    names.forEach((name, index) => {
      const dir = dirs[index] ?? "";
      const run = runs[index];
      assert.ok(run, `no run for ${name}`);
      const file = path.join(dir, "evaluation", "evaluation.json");
      const written = fs.existsSync(file)
        ? (JSON.parse(fs.readFileSync(file, "utf8")) as GatedReport)
        : undefined;
      results.set(name, { run, dir, report: written });
    });
  });

  after(() => {
    for (const dir of [root, preprocessDir]) if (dir !== undefined) removeDir(dir);
  });

  it("trains models that differ: 84 and 78 of the 86 test rows right", () => {
    assert.equal(testRows, TEST_ROWS);
    const correct = (name: CaseName) => {
      const matrix = report(name).binary_classification_metrics.confusion_matrix;
      return matrix["0"]["0"] + matrix["1"]["1"];
    };
    assert.equal(correct("strongAlone"), STRONG_CORRECT);
    assert.equal(correct("weakWithEmptyChampionDir"), WEAK_CORRECT);
    assert.equal(
      report("strongAlone").binary_classification_metrics.accuracy.value,
      STRONG_CORRECT / TEST_ROWS,
    );
    assert.equal(
      report("weakWithEmptyChampionDir").binary_classification_metrics.accuracy.value,
      WEAK_CORRECT / TEST_ROWS,
    );
  });

  it("registers a challenger more accurate than the champion (margin 0 by default)", () => {
    assert.deepEqual(report("better").decision, {
      register: true,
      challenger_accuracy: 0.976744,
      champion_accuracy: 0.906977,
      margin: 0,
      reason: "accuracy 0.9767 is above the approved model's 0.907",
    });
    assert.equal(report("better").champion_gate, 1);
  });

  it("refuses a challenger whose shortfall exceeds the margin, and still exits 0", () => {
    const { run } = result("worseBeyondMargin");
    const reason = "accuracy 0.907 is 0.0698 below the approved model's 0.9767, more than the margin of 0.01";
    assert.deepEqual(report("worseBeyondMargin").decision, {
      register: false,
      challenger_accuracy: 0.906977,
      champion_accuracy: 0.976744,
      margin: 0.01,
      reason,
    });
    assert.equal(report("worseBeyondMargin").champion_gate, 0);
    assert.equal(run.status, 0);
    assert.match(run.stdout, new RegExp(`^champion gate fails: ${reason.replace(/[.()]/g, "\\$&")}$`, "m"));
  });

  it("registers a challenger below the champion by less than the margin", () => {
    assert.deepEqual(report("worseWithinMargin").decision, {
      register: true,
      challenger_accuracy: 0.906977,
      champion_accuracy: 0.976744,
      margin: 0.07,
      reason: "accuracy 0.907 is 0.0698 below the approved model's 0.9767, within the margin of 0.07",
    });
    assert.equal(report("worseWithinMargin").champion_gate, 1);
  });

  it("registers a challenger below the champion by exactly the margin, which the subtraction overshoots", () => {
    // 84/86 - 78/86 is one unit in the last place above 6/86: without a tolerance the model that
    // is exactly at the margin would be refused.
    assert.ok(STRONG_CORRECT / TEST_ROWS - WEAK_CORRECT / TEST_ROWS > EXACT_MARGIN);
    assert.deepEqual(report("worseByExactlyTheMargin").decision, {
      register: true,
      challenger_accuracy: 0.906977,
      champion_accuracy: 0.976744,
      margin: EXACT_MARGIN,
      reason:
        "accuracy 0.907 is 0.06976744186 below the approved model's 0.9767, within the margin of 0.06976744186",
    });
    assert.equal(report("worseByExactlyTheMargin").champion_gate, 1);
  });

  it("registers a challenger as accurate as the champion", () => {
    assert.deepEqual(report("equal").decision, {
      register: true,
      challenger_accuracy: 0.976744,
      champion_accuracy: 0.976744,
      margin: 0,
      reason: "accuracy 0.9767 equals the approved model's 0.9767",
    });
    assert.equal(report("equal").champion_gate, 1);
  });

  it("leaves the decision to the accuracy threshold without a champion: no champion/ or an empty one", () => {
    for (const [name, accuracy, shown] of [
      ["strongAlone", 0.976744, "0.9767"],
      ["weakWithEmptyChampionDir", 0.906977, "0.907"],
    ] as const) {
      const written = report(name);
      assert.equal(written.champion, null, name);
      assert.equal(written.champion_gate, 1, name);
      assert.deepEqual(
        written.decision,
        {
          register: true,
          challenger_accuracy: accuracy,
          champion_accuracy: null,
          margin: 0,
          reason: `accuracy ${shown}; no approved model to compare with: the accuracy threshold decides`,
        },
        name,
      );
    }
  });

  it("reads the pipeline's placeholder, a champion/ holding only NO_CHAMPION, as no champion", () => {
    const { run } = result("weakWithNoChampionPlaceholder");
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(report("weakWithNoChampionPlaceholder"), report("weakWithEmptyChampionDir"));
  });

  it("scores the champion with the same code on the same split: its metrics are the ones it gets as the challenger", () => {
    assert.deepEqual(report("better").champion, {
      binary_classification_metrics: report("weakWithEmptyChampionDir").binary_classification_metrics,
    });
    assert.deepEqual(report("worseBeyondMargin").champion, {
      binary_classification_metrics: report("strongAlone").binary_classification_metrics,
    });
    // The challenger's metrics, which the model registry shows, do not depend on the champion.
    assert.deepEqual(
      report("equal").binary_classification_metrics,
      report("strongAlone").binary_classification_metrics,
    );
  });

  it("puts the gate where a condition step's Std:JsonGet reads it: a number at champion_gate", () => {
    for (const [name, gate] of [
      ["better", 1],
      ["worseBeyondMargin", 0],
      ["strongAlone", 1],
    ] as const) {
      assert.equal(jsonGet(report(name), "champion_gate"), gate, name);
      assert.equal(jsonGet(report(name), "decision.reason"), report(name).decision.reason, name);
    }
  });

  describe("fails with exit code 2, a one-line message and no evaluation.json", () => {
    const failures: Partial<Record<CaseName, RegExp>> = {
      corruptChampion:
        /^evaluate\.py: error: approved model \(champion\): cannot read model archive \S+\/champion\/model\.tar\.gz: /,
      championDirWithoutArchive:
        /^evaluate\.py: error: champion input \S+\/champion has no model\.tar\.gz \(it has: model-v2\.tar\.gz\); it must be empty or hold the approved model's model\.tar\.gz$/,
    };
    for (const [name, message] of Object.entries(failures) as [CaseName, RegExp][]) {
      it(`for ${name}`, () => {
        const { run, report: written } = result(name);
        assert.equal(run.status, 2, `expected exit code 2, got ${run.status}; stderr: ${run.stderr}`);
        assert.doesNotMatch(run.stderr, /Traceback/);
        const lines = run.stderr.trim().split("\n");
        assert.equal(lines.length, 1, `expected a one-line message, got:\n${run.stderr}`);
        assert.match(lines[0] ?? "", message);
        assert.equal(written, undefined);
      });
    }

    it("for a negative --margin, after the usage line", () => {
      const { run, report: written } = result("negativeMargin");
      assert.equal(run.status, 2);
      assert.match(run.stderr, /^evaluate\.py: error: argument --margin: -0\.01 is not between 0 and 1$/m);
      assert.equal(written, undefined);
    });
  });
});
