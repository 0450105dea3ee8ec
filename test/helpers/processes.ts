import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * Processes a test started, and only those: a test never looks at the machine's other processes
 * (another test run, an editor's language server, a second checkout), so what else runs on the
 * machine cannot make it pass or fail.
 */

/** A process as seen while it ran. */
export interface SeenProcess {
  readonly pid: number;
  /**
   * When it started, in clock ticks after boot (`/proc/<pid>/stat`, field 22): with the pid, it
   * tells the process from a later one that happens to get the same pid.
   */
  readonly startTime: number;
  /** Its command line, arguments separated by spaces. */
  readonly command: string;
}

interface Stat {
  readonly state: string;
  readonly startTime: number;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** `/proc/<pid>/stat`; undefined once the process is gone (and reaped). */
function statOf(pid: number): Stat | undefined {
  const text = readText(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), fields[19] field 22 (start time).
  return { state: fields[0], startTime: Number(fields[19]) };
}

/** The process with this pid as it is now; undefined when there is none. */
export function seeProcess(pid: number): SeenProcess | undefined {
  const stat = statOf(pid);
  if (stat === undefined) return undefined;
  const command = (readText(`/proc/${pid}/cmdline`) ?? "").split("\0").join(" ").trim();
  return { pid, startTime: stat.startTime, command };
}

/**
 * The direct children of a process: `/proc/<pid>/task/<tid>/children` for each of its threads
 * (a child belongs to the thread that forked it), or `ps --ppid` on a kernel without those files.
 */
export function childrenOf(pid: number): number[] {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const thread of threads) {
    const text = readText(`/proc/${pid}/task/${thread}/children`);
    if (text === undefined) return childrenFromPs(pid);
    children.push(...text.split(" ").filter(Boolean).map(Number));
  }
  return children;
}

function childrenFromPs(pid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map(Number);
  } catch {
    // ps exits 1 when the process has no children.
    return [];
  }
}

/** Every process below `pid` now: children, their children, and so on. */
export function descendantsOf(pid: number): SeenProcess[] {
  const found: SeenProcess[] = [];
  const pending = childrenOf(pid);
  for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
    const seen = seeProcess(next);
    if (seen === undefined) continue;
    found.push(seen);
    pending.push(...childrenOf(next));
  }
  return found;
}

/**
 * True while the process runs: the same process (pid and start time) exists and is not a zombie
 * (which has exited and only waits to be reaped, maybe by an init process that never does it in a
 * container).
 */
export function isRunning(seen: SeenProcess): boolean {
  const stat = statOf(seen.pid);
  return stat !== undefined && stat.startTime === seen.startTime && stat.state !== "Z";
}

/** True once the process with this pid has exited (it may be a zombie still). */
export function hasExited(pid: number): boolean {
  const stat = statOf(pid);
  return stat === undefined || stat.state === "Z";
}

/** Waits up to `timeoutMs` for the process with this pid to exit; true when it has. */
export async function exitsWithin(pid: number, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!hasExited(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return hasExited(pid);
}

/**
 * Those of `processes` still running after up to `graceMs`: a process killed as its parent exits
 * (SIGKILL from an exit handler) takes a moment to end, one left behind runs on.
 */
export async function stillRunning(
  processes: readonly SeenProcess[],
  graceMs = 2_000,
): Promise<SeenProcess[]> {
  const deadline = Date.now() + graceMs;
  while (processes.some(isRunning) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return processes.filter(isRunning);
}

/** What {@link watchDescendants} saw. */
export interface DescendantWatch {
  /** Looks one last time, stops watching and returns every process seen below the root. */
  stop(): SeenProcess[];
}

/**
 * Watches the processes below `pid` (a process the test started) every `intervalMs` until
 * stopped, and keeps every one it saw: a process the root started and left running is reparented
 * when the root exits, and would no longer be found below it afterwards.
 */
export function watchDescendants(pid: number, intervalMs = 50): DescendantWatch {
  const seen = new Map<string, SeenProcess>();
  const look = () => {
    for (const found of descendantsOf(pid)) {
      const key = `${found.pid}@${found.startTime}`;
      // A zombie has no command line any more: keep the one seen while it ran. (Right after the
      // fork, a child still shows its parent's command line; the later one is what it runs.)
      if (found.command !== "" || !seen.has(key)) seen.set(key, found);
    }
  };
  look();
  const timer = setInterval(look, intervalMs);
  return {
    stop: () => {
      look();
      clearInterval(timer);
      return [...seen.values()];
    },
  };
}
