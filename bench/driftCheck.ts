import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { cpus, tmpdir } from "node:os";
import * as path from "node:path";
import { PYTHON } from "../test/helpers/python";
import { captureLine, driftReportPaths, type DriftReport } from "../test/ml/scripts";

/**
 * `npm run bench:drift`: wall time and peak memory of ml/drift_check.py on one core for a window of
 * 1,000,000 captured requests with the sample dataset's 30 features (one CSV row each, in 8 capture
 * files of one hour), against the targets of under 60 s and under 2 GiB. The rows are the sample's,
 * each value moved by up to ±2 % so that they are not all repeats. The baseline is baseline.py's of
 * the whole sample. Memory is the maximum resident set size reported by `/usr/bin/time -v`, or by
 * Python's `resource.getrusage` in a small wrapper where that is missing.
 */

const RECORDS = 1_000_000;
const FILES = 8;
const WINDOW_START = "2024-05-01T13:00:00Z";
const HOUR_DIR = path.join("bench-endpoint", "AllTraffic", "2024", "05", "01", "13");
const WALL_TARGET_S = 60;
const MEMORY_TARGET_MIB = 2048;
const REPO = path.resolve(__dirname, "..");
const SAMPLE = path.join(REPO, "ml", "data", "breast-cancer.csv");
const SCRIPTS = {
  baseline: path.join(REPO, "ml", "baseline.py"),
  driftCheck: path.join(REPO, "ml", "drift_check.py"),
};
const env = {
  ...process.env,
  PYTHONDONTWRITEBYTECODE: "1",
  PYTHONIOENCODING: "utf-8",
  OMP_NUM_THREADS: "1",
  OPENBLAS_NUM_THREADS: "1",
};

/** Runs Python's resource.getrusage around a child process, for machines without /usr/bin/time. */
const RUSAGE_WRAPPER = [
  "import resource, subprocess, sys",
  "status = subprocess.call(sys.argv[1:])",
  "print('Maximum resident set size (kbytes): %d' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)",
  "sys.exit(status)",
].join("\n");

function run(command: string, args: readonly string[]): { stdout: string; stderr: string; seconds: number } {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${result.status}:\n${result.stderr}`);
  }
  return { stdout: result.stdout, stderr: result.stderr, seconds };
}

/** A seeded pseudo-random generator (mulberry32): the same window every run. */
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

/** Writes the baseline's input and the capture files; returns the bytes of capture written. */
function generate(baseDir: string): number {
  const [header = "", ...lines] = fs
    .readFileSync(SAMPLE, "utf8")
    .split("\n")
    .filter((line) => line !== "");
  const features = header.split(",").slice(0, -1);
  const rows = lines.map((line) => line.split(",").slice(0, features.length).map(Number));
  fs.mkdirSync(path.join(baseDir, "baseline"), { recursive: true });
  fs.writeFileSync(
    path.join(baseDir, "baseline", "baseline.csv"),
    [features.join(","), ...rows.map((row) => row.join(","))].join("\n") + "\n",
  );

  const captureDir = path.join(baseDir, "capture", HOUR_DIR);
  fs.mkdirSync(captureDir, { recursive: true });
  const next = random(7);
  let bytes = 0;
  for (let file = 0; file < FILES; file += 1) {
    const fd = fs.openSync(
      path.join(captureDir, `13-${String(file * 7).padStart(2, "0")}-00-000-bench.jsonl`),
      "w",
    );
    try {
      const perFile = RECORDS / FILES;
      for (let written = 0; written < perFile; written += 10_000) {
        const batch: string[] = [];
        for (let i = 0; i < Math.min(10_000, perFile - written); i += 1) {
          const row = rows[Math.floor(next() * rows.length)] ?? [];
          const payload = row.map((value) => (value * (0.98 + 0.04 * next())).toPrecision(6)).join(",");
          batch.push(captureLine(`${payload}\n`, "text/csv", "CSV"));
        }
        const text = batch.join("\n") + "\n";
        bytes += Buffer.byteLength(text);
        fs.writeSync(fd, text);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return bytes;
}

const baseDir = fs.mkdtempSync(path.join(tmpdir(), "bench-drift-"));
try {
  const generateStart = process.hrtime.bigint();
  const bytes = generate(baseDir);
  const generateSeconds = Number(process.hrtime.bigint() - generateStart) / 1e9;
  run(PYTHON, [SCRIPTS.baseline, "--base-dir", baseDir]);
  // baseline.py's output (drift-baseline/) is the check's baseline input (baseline/).
  fs.copyFileSync(
    path.join(baseDir, "drift-baseline", "drift_baseline.json"),
    path.join(baseDir, "baseline", "drift_baseline.json"),
  );
  const pythonVersion = run(PYTHON, ["--version"]).stdout.trim();

  const check = [
    SCRIPTS.driftCheck,
    "--base-dir",
    baseDir,
    "--window-start",
    WINDOW_START,
    "--endpoint",
    "bench",
  ];
  const hasTime = fs.existsSync("/usr/bin/time");
  const measured = hasTime
    ? ["/usr/bin/time", "-v", PYTHON, ...check]
    : [PYTHON, "-c", RUSAGE_WRAPPER, PYTHON, ...check];
  const pinned = spawnSync("taskset", ["-c", "0", "true"]).status === 0;
  const [command = "", ...args] = pinned ? ["taskset", "-c", "0", ...measured] : measured;
  const result = run(command, args);
  const peakKib = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1] ?? NaN);
  const peakMib = peakKib / 1024;

  const report = JSON.parse(fs.readFileSync(driftReportPaths(baseDir).report, "utf8")) as DriftReport;
  if (report.records !== RECORDS || report.rows !== RECORDS) {
    throw new Error(`the check read ${report.records} records and ${report.rows} rows, not ${RECORDS}`);
  }
  const met = (ok: boolean) => (ok ? "met" : "NOT MET");
  process.stdout.write(
    [
      `drift_check.py on ${RECORDS.toLocaleString("en")} captured requests x 30 features ` +
        `(CSV payloads, ${FILES} files, ${(bytes / 1024 ** 2).toFixed(0)} MiB), ${pythonVersion}, ` +
        `${pinned ? "pinned to CPU 0 (taskset -c 0)" : "not pinned (no taskset)"}, ${cpus().length} cores`,
      `  wall time         ${result.seconds.toFixed(1).padStart(7)} s    target < ${WALL_TARGET_S} s: ` +
        met(result.seconds < WALL_TARGET_S),
      `  peak memory (RSS) ${peakMib.toFixed(0).padStart(7)} MiB  target < 2 GiB: ${met(peakMib < MEMORY_TARGET_MIB)} ` +
        `(${hasTime ? "/usr/bin/time -v" : "resource.getrusage"})`,
      `  report            status ${report.status}, ${report.rows} rows, ${report.drifted_features.length} drifted`,
      `  (generating the capture files took ${generateSeconds.toFixed(1)} s)`,
      "",
    ].join("\n"),
  );
} finally {
  fs.rmSync(baseDir, { recursive: true, force: true });
}
