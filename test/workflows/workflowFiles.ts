import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { REPOSITORY_ROOT } from "../../preview";

/** The repository's workflows and the files they use. */
export const GITHUB_DIR = path.join(REPOSITORY_ROOT, ".github");
export const WORKFLOWS_DIR = path.join(GITHUB_DIR, "workflows");

/** A step of a job, as written. */
export interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly if?: string | boolean;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, unknown>>;
  readonly "continue-on-error"?: string | boolean;
}

/** A job: either steps on a runner, or a call of a reusable workflow (`uses`). */
export interface Job {
  readonly name?: string;
  readonly needs?: string | readonly string[];
  readonly if?: string;
  readonly "runs-on"?: string;
  readonly "timeout-minutes"?: number;
  readonly container?: string | { readonly image: string };
  readonly permissions?: Readonly<Record<string, string>> | string;
  readonly environment?: string | { readonly name: string };
  readonly concurrency?: { readonly group: string; readonly "cancel-in-progress"?: boolean | string };
  readonly strategy?: { readonly matrix?: Readonly<Record<string, unknown>> };
  readonly outputs?: Readonly<Record<string, string>>;
  readonly steps?: readonly Step[];
  readonly uses?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly secrets?: Readonly<Record<string, string>> | "inherit";
}

/** A reusable workflow's declared input. */
export interface CallInput {
  readonly type: "string" | "boolean" | "number";
  readonly required?: boolean;
  readonly default?: unknown;
}

export interface Workflow {
  readonly name: string;
  readonly on: Readonly<Record<string, unknown>>;
  readonly permissions?: Readonly<Record<string, string>> | string;
  readonly concurrency?: { readonly group: string; readonly "cancel-in-progress"?: boolean };
  readonly jobs: Readonly<Record<string, Job>>;
}

/** The workflow files, by file name (`deploy.yml`). */
export function workflowFileNames(): string[] {
  return readdirSync(WORKFLOWS_DIR)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort();
}

export function workflowText(file: string): string {
  return readFileSync(path.join(WORKFLOWS_DIR, file), "utf8");
}

const parsed = new Map<string, Workflow>();

/** A workflow parsed as GitHub reads it (`on` stays a key: YAML 1.2 has no `on: true`). */
export function workflow(file: string): Workflow {
  let document = parsed.get(file);
  if (document === undefined) {
    document = parse(workflowText(file)) as Workflow;
    parsed.set(file, document);
  }
  return document;
}

/** Every file under `.github`, with its path relative to the repository. */
export function githubFiles(dir = GITHUB_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? githubFiles(full) : [path.relative(REPOSITORY_ROOT, full)];
  });
}

/** The file name of the local reusable workflow a job calls (`./.github/workflows/x.yml` → `x.yml`). */
export function calledWorkflow(job: Job): string | undefined {
  const match = /^\.\/\.github\/workflows\/([\w.-]+\.ya?ml)$/.exec(job.uses ?? "");
  return match?.[1];
}

/** The inputs a reusable workflow declares under `on.workflow_call.inputs`. */
export function callInputs(file: string): Record<string, CallInput> {
  const call = workflow(file).on.workflow_call as { inputs?: Record<string, CallInput> } | null;
  return call?.inputs ?? {};
}

export function jobNeeds(job: Job): string[] {
  return job.needs === undefined ? [] : typeof job.needs === "string" ? [job.needs] : [...job.needs];
}

/** The steps of a job, or of the jobs of the workflow it calls, with where each comes from. */
export function stepsOf(file: string, jobId: string): { file: string; jobId: string; step: Step }[] {
  const job = workflow(file).jobs[jobId];
  const called = calledWorkflow(job);
  if (called !== undefined) {
    return Object.keys(workflow(called).jobs).flatMap((calledJob) => stepsOf(called, calledJob));
  }
  return (job.steps ?? []).map((step) => ({ file, jobId, step }));
}

/** The step named `name` (exactly) of a job; fails the test when there is none. */
export function namedStep(file: string, jobId: string, name: string): Step {
  const step = workflow(file).jobs[jobId]?.steps?.find((candidate) => candidate.name === name);
  if (step === undefined) throw new Error(`${file}: job ${jobId} has no step named "${name}"`);
  return step;
}

/** What a step's script did when run by {@link runSteps}. */
export interface StepRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The lines the step wrote to `$GITHUB_OUTPUT`. */
  readonly outputLines: string[];
  /** `$GITHUB_OUTPUT` as key/value pairs. */
  readonly outputs: Record<string, string>;
  /** What the step appended to `$GITHUB_STEP_SUMMARY`. */
  readonly summary: string;
  /** What the fake commands wrote to `$FAKE_LOG` (one line per call: the arguments, tab-separated). */
  readonly calls: string[];
  /** The step's working directory, kept until {@link StepRun.cleanUp}. */
  readonly dir: string;
  /** A file the step left in its working directory. */
  file(name: string): string;
  cleanUp(): void;
}

/** A step to run, and what it runs with. */
export interface StepCase {
  readonly step: Step;
  /** Values of the step's `${{ }}` environment variables (and any extra). Literal values come from the YAML. */
  readonly env?: Readonly<Record<string, string>>;
  /** Commands put first on PATH: name → bash script body. `$FAKE_LOG` is the file to record calls in. */
  readonly fakes?: Readonly<Record<string, string>>;
  /** Files to create in the working directory before the step runs. */
  readonly files?: Readonly<Record<string, string>>;
}

/** A word bash reads back as exactly `text`. */
function quoted(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** Writes a case's working directory: its script, fakes, files, and a launcher with its environment. */
function prepare(name: string, { step, env = {}, fakes = {}, files = {} }: StepCase): string {
  if (step.run === undefined) throw new Error(`${name}: step "${step.name ?? step.uses}" has no run script`);
  const dir = mkdtempSync(path.join(tmpdir(), "mlops-workflow-step-"));
  const bin = path.join(dir, ".fake-bin");
  mkdirSync(bin);
  for (const [command, body] of Object.entries(fakes)) {
    writeFileSync(path.join(bin, command), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(path.join(bin, command), 0o755);
  }
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  for (const file of [".output", ".summary", ".fake-log"]) writeFileSync(path.join(dir, file), "");
  const stepEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(step.env ?? {})) {
    if (typeof value === "string" && value.includes("${{")) {
      const given = env[key];
      if (given === undefined) throw new Error(`${name}: the test must give ${key} (${value})`);
      stepEnv[key] = given;
    } else {
      stepEnv[key] = String(value);
    }
  }
  const variables = {
    PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: dir,
    LANG: "C.UTF-8",
    GITHUB_REPOSITORY: "acme/mlops",
    GITHUB_OUTPUT: path.join(dir, ".output"),
    GITHUB_STEP_SUMMARY: path.join(dir, ".summary"),
    FAKE_LOG: path.join(dir, ".fake-log"),
    ...stepEnv,
    ...env,
  };
  writeFileSync(path.join(dir, ".step.sh"), step.run);
  const assignments = Object.entries(variables).map(([key, value]) => quoted(`${key}=${value}`));
  // As a GitHub-hosted runner runs `shell: bash`, with nothing else in the environment.
  writeFileSync(
    path.join(dir, ".launch.sh"),
    `exec env -i ${assignments.join(" ")} bash --noprofile --norc -eo pipefail .step.sh\n`,
  );
  return dir;
}

function collect(dir: string): StepRun {
  const read = (file: string) => readFileSync(path.join(dir, file), "utf8");
  const outputLines = lines(read(".output"));
  const outputs: Record<string, string> = {};
  for (const line of outputLines) {
    const at = line.indexOf("=");
    outputs[line.slice(0, at)] = line.slice(at + 1);
  }
  return {
    code: Number(read(".code")),
    stdout: read(".stdout"),
    stderr: read(".stderr"),
    outputLines,
    outputs,
    summary: read(".summary"),
    calls: lines(read(".fake-log")),
    dir,
    file: read,
    cleanUp: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Runs steps' `run:` scripts as a GitHub-hosted runner does for `shell: bash`
 * (`bash --noprofile --norc -eo pipefail`), each in a fresh directory with `$GITHUB_OUTPUT` and
 * `$GITHUB_STEP_SUMMARY` files and its fake commands first on PATH. All of them run from one bash
 * process: starting a process from a test process that holds much memory takes tens of milliseconds.
 */
export function runSteps<K extends string>(cases: Readonly<Record<K, StepCase>>): Record<K, StepRun> {
  const dirs = Object.entries<StepCase>(cases).map(([name, stepCase]) => [name, prepare(name, stepCase)]);
  const driver = dirs
    .map(([, dir]) => `(cd ${quoted(dir)} && bash .launch.sh > .stdout 2> .stderr; echo $? > .code)`)
    .join("\n");
  const result = spawnSync("bash", ["--noprofile", "--norc", "-c", driver], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`the steps could not be run: ${result.stderr}`);
  return Object.fromEntries(dirs.map(([name, dir]) => [name, collect(dir)])) as Record<K, StepRun>;
}

/**
 * Runs the cases before the tests of the enclosing `describe` (see {@link runSteps}) and removes their
 * directories after them; the returned record is filled in by then.
 */
export function stepRunsBefore<K extends string>(
  cases: Readonly<Record<K, StepCase>>,
): Readonly<Record<K, StepRun>> {
  const runs = {} as Record<K, StepRun>;
  before(() => Object.assign(runs, runSteps(cases)));
  after(() => Object.values<StepRun>(runs).forEach((run) => run.cleanUp()));
  return runs;
}

function lines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

/** A fake command that records its arguments (tab-separated) in `$FAKE_LOG`, then runs `then`. */
export function recordingFake(name: string, then = "exit 0"): string {
  return `(IFS=$'\\t'; echo "${name}"$'\\t'"$*") >> "$FAKE_LOG"\n${then}`;
}
