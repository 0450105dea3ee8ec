import type { OpsCommand, OpsIo } from "./command";
import { approveCommand } from "./commands/approve";
import { batchCommand } from "./commands/batch";
import { cleanupCommand } from "./commands/cleanup";
import { promoteCommand } from "./commands/promote";
import { rejectCommand } from "./commands/reject";
import { smokeTestCommand } from "./commands/smokeTest";
import { startPipelineCommand } from "./commands/startPipeline";
import { teardownCommand } from "./commands/teardown";
import { verifyCommand } from "./commands/verify";
import { EXIT, inputError } from "./errors";

/** Every command of `npm run ops`, in the order of a model's life. */
export const COMMANDS: readonly OpsCommand[] = [
  startPipelineCommand,
  approveCommand,
  rejectCommand,
  verifyCommand,
  smokeTestCommand,
  promoteCommand,
  batchCommand,
  cleanupCommand,
  teardownCommand,
];

const USAGE = "usage: npm run ops -- <command> [arguments] (npm run ops -- <command> --help for its own)";

/** The command list of `npm run ops -- --help`. */
export function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    USAGE,
    "",
    "Commands:",
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
    "Exit codes: 0 ok, 1 a check failed (execution failed or stopped, endpoint mismatch, smoke test)",
    "or an endpoint is changing (cleanup, teardown),",
    "2 bad input, 3 unexpected error, 4 AWS error (credentials, access, throttling, not found),",
    "5 start-pipeline or batch --wait stopped waiting.",
    "",
  ].join("\n");
}

/**
 * Runs `npm run ops -- <command> ...` with `argv` the words after `--`.
 *
 * @returns the exit code; rejects with an OpsError (one line and its exit code) otherwise.
 */
export async function runOps(argv: readonly string[], io: OpsIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out.write(overview());
    return name === undefined ? EXIT.badInput : EXIT.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    const names = COMMANDS.map((candidate) => candidate.name).join(", ");
    throw inputError(`unknown command "${name}" (commands: ${names})\n${USAGE}`);
  }
  return command.run(rest, io);
}
