import { spawn } from "node:child_process";
import { REPOSITORY_ROOT } from "../../preview";
import { type SeenProcess, watchDescendants } from "./processes";

/** What a command printed and how it ended. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /**
   * The processes the command started (its children, theirs, ...) as seen while it ran; with
   * `isRunning` from ./processes, a test checks that the command left none of them behind.
   */
  readonly descendants: readonly SeenProcess[];
}

/**
 * Runs a TypeScript entry point of the product the way its npm script does (`node [flags]
 * --require tsx/cjs <file>`, see package.json) from the repository, and collects what it prints.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  nodeFlags: readonly string[] = [],
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, "--require", "tsx/cjs", file, ...args], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    });
    if (child.pid === undefined) {
      child.once("error", reject);
      return;
    }
    const watch = watchDescendants(child.pid);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // `close` comes once stdout and stderr have been read to their end.
    child.on("close", (code) => resolve({ code, stdout, stderr, descendants: watch.stop() }));
  });
}
