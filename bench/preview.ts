import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { cpus } from "node:os";
import * as path from "node:path";
import { REPOSITORY_ROOT } from "../preview";
import { syntheticStackRoot } from "../test/helpers/syntheticStack";

/**
 * `npm run bench`: wall time of the offline preview for staging, prod and a synthetic stack of 50
 * models, against the floor (a bare node process that only loads @pulumi/pulumi and @pulumi/aws).
 * Each figure is the median of a few runs after a warm-up run (which compiles the pack once).
 */

const RUNS = 3;
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", CI: "true" };

function seconds(args: readonly string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: REPOSITORY_ROOT, env, encoding: "utf8" });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${args.join(" ")} exited ${result.status}:\n${result.stderr}`);
  return elapsed;
}

function median(args: readonly string[]): number {
  seconds(args);
  const times = Array.from({ length: RUNS }, () => seconds(args)).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const cli = path.join(REPOSITORY_ROOT, "preview", "cli.ts");
// As `npm run preview` runs it (see package.json).
const preview = (...args: string[]) => ["--max-semi-space-size=64", "--require", "tsx/cjs", cli, ...args];
const stagingConfig = path.join(REPOSITORY_ROOT, "policies", "config", "staging.json");

const floor = median(["-e", "require('@pulumi/pulumi'); require('@pulumi/aws')"]);
const staging = median(preview("--stack", "staging"));
const prod = median(preview("--stack", "prod"));
const { root, stack: fiftyModels } = syntheticStackRoot(50);
let fifty: number;
try {
  fifty = median(preview("--stack", fiftyModels, "--root", root, "--policy-config", stagingConfig));
} finally {
  rmSync(root, { recursive: true, force: true });
}

const row = (name: string, value: number, note = "") =>
  `${name.padEnd(28)} ${value.toFixed(2).padStart(7)} s ${(value / floor).toFixed(1).padStart(6)}× floor  ${note}`;
process.stdout.write(
  [
    `Offline preview, median of ${RUNS} runs (node ${process.version}, ${cpus().length} cores)`,
    row("floor (load pulumi + aws)", floor),
    row("staging (1 model)", staging),
    row("prod (1 model)", prod, `target ≤ 3× floor: ${prod <= 3 * floor ? "met" : "not met"}`),
    row(
      "50 models",
      fifty,
      `${(fifty / staging).toFixed(1)}× the 1-model stack; target ≤ 3×: ${fifty <= 3 * staging ? "met" : "not met"}`,
    ),
    "",
  ].join("\n"),
);
