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

/** Parses flags, turning node's parse errors into InputError (one line, exit code 2). */
export function parseFlags(argv: readonly string[], options: FlagOptions, usage: string): Flags {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Flags;
  } catch (error) {
    throw new InputError(`${(error as Error).message.split("\n")[0]}\n${usage}`);
  }
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
    throw new InputError(`${(error as Error).message.split("\n")[0]}\n${usage}`);
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
 * Runs a command's body and exits with its code; input errors print one message and exit 2, errors
 * with an `exitCode` print one message and exit with it.
 */
export function main(run: () => Promise<number>): void {
  run().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (hasExitCode(error)) {
        process.stderr.write(`error: ${error.message}\n`);
        process.exit(error.exitCode);
      }
      const problems = (error as { problems?: unknown }).problems;
      if (isInputError(error) && error.name === "PackConfigError" && Array.isArray(problems)) {
        process.stderr.write(`error: ${problems.join("\n       ")}\n`);
        process.exit(EXIT.badInput);
      }
      if (isInputError(error)) {
        process.stderr.write(`error: ${error.message}\n`);
        process.exit(EXIT.badInput);
      }
      process.stderr.write(
        `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(3);
    },
  );
}
