import { parseArgs } from "node:util";
import type { OutputFiles } from "./output";
import { InputError } from "./stackFile";

/** Exit codes of `npm run preview` and `npm run policy`. */
export const EXIT = { clean: 0, mandatory: 1, badInput: 2 } as const;

/** The output-file flags both commands take. */
export const OUTPUT_OPTIONS = {
  json: { type: "string" },
  sarif: { type: "string" },
  junit: { type: "string" },
  mermaid: { type: "string" },
} as const;

/** Flag values: strings, booleans, or lists of strings for repeated flags. */
export type Flags = Record<string, string | boolean | string[] | undefined>;

export type FlagOptions = Record<string, { type: "string" | "boolean"; multiple?: boolean }>;

/**
 * Node's parse error as a message of ours: its first sentence, starting lowercase like every message
 * after `error: ` (e.g. `unknown option '--colour'`).
 */
export function parseErrorMessage(error: unknown): string {
  const first = (error as Error).message.split("\n")[0].split(". ")[0].replace(/\.$/, "");
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/** Parses flags, turning node's parse errors into InputError (one line, exit code 2). */
export function parseFlags(argv: readonly string[], options: FlagOptions, usage: string): Flags {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Flags;
  } catch (error) {
    throw new InputError(`${parseErrorMessage(error)}\n${usage}`);
  }
}

/** Whether the command line asks for the help text (`--help` or `-h`, anywhere). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes("--help") || argv.includes("-h");
}

/**
 * The message for flags npm kept for itself: `npm run <script> --stack staging` (without `--`)
 * hands the script no flags, only the values (`staging`), and sets `npm_config_stack` in its
 * environment instead. Returns undefined unless the command line has no flag at all, npm runs this
 * script, and it has set one of the script's flags.
 */
export function forgottenDashes(
  script: string,
  argv: readonly string[],
  options: FlagOptions,
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (env.npm_lifecycle_event !== script || argv.some((arg) => arg.startsWith("-"))) return undefined;
  const swallowed = Object.keys(options).filter(
    (name) => env[`npm_config_${name.replace(/-/g, "_")}`] !== undefined,
  );
  if (swallowed.length === 0) return undefined;
  const values = [...argv];
  const words = swallowed.map((name) => {
    const value = env[`npm_config_${name.replace(/-/g, "_")}`] ?? "";
    if (options[name].type === "boolean") return `--${name}`;
    // `--stack staging` sets npm_config_stack=true and leaves "staging" as an argument; `--stack=staging` sets the value.
    const given =
      value === "true" ? (swallowed.length === 1 && values.length === 1 ? values[0] : undefined) : value;
    return `--${name} ${given ?? `<${name}>`}`;
  });
  return (
    `npm took ${swallowed.map((name) => `--${name}`).join(", ")} for itself: put -- before the flags, ` +
    `as in npm run ${script} -- ${words.join(" ")}`
  );
}

/** Parses flags and positional arguments, turning node's parse errors into InputError (one line, exit code 2). */
export function parseArguments(
  argv: readonly string[],
  options: FlagOptions,
  usage: string,
): { flags: Flags; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: true,
    });
    return { flags: values as Flags, positionals };
  } catch (error) {
    throw new InputError(`${parseErrorMessage(error)}\n${usage}`);
  }
}

/** A string flag's value, or undefined. */
export function text(flags: Flags, key: string): string | undefined {
  const value = flags[key];
  return typeof value === "string" ? value : undefined;
}

export function outputFiles(flags: Flags): OutputFiles {
  return {
    json: text(flags, "json"),
    sarif: text(flags, "sarif"),
    junit: text(flags, "junit"),
    mermaid: text(flags, "mermaid"),
  };
}

/**
 * Errors a person fixes in their input, by name: the modules that define them load Pulumi, and a
 * mistyped flag should be answered before that.
 */
const INPUT_ERRORS = new Set([
  "InputError",
  "ConfigError",
  "PackConfigError",
  "PlanFormatError",
  "ModelPackageLookupError",
  "RunError",
]);

function isInputError(error: unknown): error is Error {
  return error instanceof Error && INPUT_ERRORS.has(error.name);
}

/** An error that decides the exit code itself (a numeric `exitCode`); its message is printed alone. */
function hasExitCode(error: unknown): error is Error & { readonly exitCode: number } {
  return error instanceof Error && typeof (error as { exitCode?: unknown }).exitCode === "number";
}

/**
 * How every command (`npm run preview`, `npm run policy`, `npm run ops`) prints an error on stderr:
 * `error: ` before the first line, as the Pulumi CLI does; further lines (a usage line, a list of
 * problems as `  - …`) follow as they are.
 */
export function formatError(message: string): string {
  return `error: ${message}\n`;
}

/** A pack config's problems: one on the line, or a count and a list like the stack config's. */
function packConfigMessage(problems: readonly string[]): string {
  if (problems.length === 1) return problems[0];
  return [
    `the pack config has ${problems.length} problems:`,
    ...problems.map((problem) => `  - ${problem}`),
  ].join("\n");
}

/**
 * Runs a command's body and exits with its code; input errors print one message and exit 2, errors
 * with an `exitCode` print one message and exit with it; anything else prints its stack and exits 3.
 * Every message is printed by {@link formatError}.
 */
export function main(run: () => Promise<number>): void {
  run().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (hasExitCode(error)) {
        process.stderr.write(formatError(error.message));
        process.exit(error.exitCode);
      }
      const problems = (error as { problems?: unknown }).problems;
      if (isInputError(error) && error.name === "PackConfigError" && Array.isArray(problems)) {
        process.stderr.write(formatError(packConfigMessage(problems as string[])));
        process.exit(EXIT.badInput);
      }
      if (isInputError(error)) {
        process.stderr.write(formatError(error.message));
        process.exit(EXIT.badInput);
      }
      process.stderr.write(
        formatError(error instanceof Error ? (error.stack ?? error.message) : String(error)),
      );
      process.exit(3);
    },
  );
}
