import { InputError } from "../preview/stackFile";
import { parseArguments, type FlagOptions, type Flags } from "../preview/main";
import type { ClientFactory } from "./clients";
import { inputError } from "./errors";

/** Where a command writes its progress and results: process.stdout, or a collector in tests. */
export interface Output {
  write(text: string): unknown;
}

/** What a command runs with. */
export interface OpsIo {
  readonly out: Output;
  /** Clients for the stack's region. */
  readonly clients: ClientFactory;
  /** Folder with the stack files and `ml/data`. @default the repository */
  readonly root?: string;
}

/** One `npm run ops -- <name>` command. */
export interface OpsCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The `--help` text. */
  readonly help: string;
  /** Runs the command line after the command name; resolves the exit code, rejects with an OpsError. */
  run(argv: readonly string[], io: OpsIo): Promise<number>;
}

/** Time for commands that wait, so that tests can run them on a clock of their own. */
export interface Clock {
  /** Milliseconds since some fixed point. */
  now(): number;
  sleep(milliseconds: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
};

/** A parsed command line, or `"help"` when `--help` was asked for. */
export type CommandLine = { readonly flags: Flags; readonly positionals: readonly string[] } | "help";

/**
 * Parses a command's arguments: `--help`/`-h` anywhere wins; otherwise exactly the named positional
 * arguments must be there.
 *
 * @throws OpsError (exit 2) naming the problem, followed by the usage line.
 */
export function parseCommandLine(
  argv: readonly string[],
  options: FlagOptions,
  positionalNames: readonly string[],
  usage: string,
): CommandLine {
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  let parsed: ReturnType<typeof parseArguments>;
  try {
    parsed = parseArguments(argv, options, usage);
  } catch (error) {
    throw error instanceof InputError ? inputError(error.message) : error;
  }
  const { positionals } = parsed;
  if (positionals.length < positionalNames.length) {
    const missing = positionalNames.slice(positionals.length).map((name) => `<${name}>`);
    throw inputError(`missing ${missing.join(" and ")}\n${usage}`);
  }
  if (positionals.length > positionalNames.length) {
    const extra = positionals.slice(positionalNames.length).map((value) => `"${value}"`);
    throw inputError(`unexpected argument ${extra.join(", ")}\n${usage}`);
  }
  return parsed;
}

/** A string flag's value, or `fallback`. */
export function textFlag(flags: Flags, name: string, fallback: string): string;
export function textFlag(flags: Flags, name: string): string | undefined;
export function textFlag(flags: Flags, name: string, fallback?: string): string | undefined {
  const value = flags[name];
  return typeof value === "string" ? value : fallback;
}

/**
 * A numeric flag within `[min, max]`, or `fallback` when it is not given.
 *
 * @throws OpsError (exit 2) for anything else, with the range allowed.
 */
export function numberFlag(
  flags: Flags,
  name: string,
  fallback: number,
  range: { readonly min: number; readonly max: number; readonly integer?: boolean },
): number {
  const value = textFlag(flags, name);
  if (value === undefined) return fallback;
  const number = value.trim() === "" ? Number.NaN : Number(value);
  const kind = range.integer === true ? "a whole number" : "a number";
  if (
    !Number.isFinite(number) ||
    number < range.min ||
    number > range.max ||
    (range.integer === true && !Number.isInteger(number))
  ) {
    throw inputError(`--${name} "${value}": expected ${kind} from ${range.min} to ${range.max}`);
  }
  return number;
}

/** `1:05` for 65 s, `1:02:03` past the hour. */
export function formatElapsed(milliseconds: number): string {
  const total = Math.max(0, Math.floor(milliseconds / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}
