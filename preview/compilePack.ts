import { createHash, randomBytes } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import type * as ts from "typescript";

/**
 * Compiles the policy pack ahead of time, so that `run-policy-pack` loads plain JavaScript and
 * does not type-check the TypeScript pack at every start (ts-node with type checking costs seconds).
 * The compiled pack is kept in a folder named after a hash of everything that goes into it, under
 * the repository's node_modules: from there the pack resolves `@pulumi/policy` and the rest from the
 * repository's node_modules, as the uncompiled pack does.
 */

const REPO = path.resolve(__dirname, "..");
const POLICIES = path.join(REPO, "policies");
const CACHE_ROOT = path.join(REPO, "node_modules", ".cache", "mlops-preview", "pack");
/** Part of the hash: change it when the way the pack is compiled or laid out changes. */
const LAYOUT = "2";
/** Written last into a compiled folder; the folder is only renamed into place after it. */
const MARKER = "compiled.json";
/** Compiled folders kept besides the current one (other branches' packs). */
const KEEP = 2;

/** Pack files that are not part of the compiled pack: the stacks' pack configs. */
function isPackSource(relative: string): boolean {
  return !relative.startsWith(`config${path.sep}`) && !relative.split(path.sep).includes("node_modules");
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .filter(isPackSource)
    .sort();
}

/** Hash of the pack's files, the lock file (the dependencies' versions) and `extra` repository files. */
async function hashOf(packFiles: readonly string[], extra: readonly string[]): Promise<string> {
  const hash = createHash("sha256").update(`layout ${LAYOUT}\0`);
  const files = [
    ...packFiles.map((file) => path.join(POLICIES, file)),
    path.join(REPO, "package-lock.json"),
    ...extra.map((file) => path.join(REPO, file)),
  ];
  for (const file of files) {
    hash.update(`${path.relative(REPO, file)}\0`);
    hash.update(existsSync(file) ? await fs.readFile(file) : "(missing)");
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * The repository files outside `policies/` the pack imported when it was last compiled from these
 * pack files (e.g. `components/endpoint/instanceStorage.ts`); recorded next to the compiled folders.
 */
function importsFile(packHash: string): string {
  return path.join(CACHE_ROOT, `${packHash}.imports.json`);
}

async function recordedImports(packHash: string): Promise<string[] | undefined> {
  try {
    return JSON.parse(await fs.readFile(importsFile(packHash), "utf8")) as string[];
  } catch {
    return undefined;
  }
}

/** Compiler options as the CLI's runner sets them, overridden by `policies/tsconfig.json`. */
function compilerOptions(typescript: typeof ts, outDir: string): ts.CompilerOptions {
  const file = path.join(POLICIES, "tsconfig.json");
  const read = typescript.readConfigFile(file, typescript.sys.readFile.bind(typescript.sys));
  const parsed = typescript.parseJsonConfigFileContent(read.config ?? {}, typescript.sys, POLICIES);
  return {
    sourceMap: true,
    ...parsed.options,
    outDir,
    rootDir: REPO,
    noEmit: false,
    noEmitOnError: true,
    declaration: false,
    incremental: false,
    composite: false,
  };
}

function formatDiagnostics(typescript: typeof ts, diagnostics: readonly ts.Diagnostic[]): string {
  return typescript.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (file) => file,
    getCurrentDirectory: () => REPO,
    getNewLine: () => "\n",
  });
}

/** Relative module specifiers of a TypeScript file: `from "./x"`, `require("../y")`, `import("./z")`. */
function relativeImports(source: string): string[] {
  const found = source.matchAll(/(?:from\s+|require\(\s*|import\(\s*)["'](\.{1,2}\/[^"']+)["']/g);
  return [...found].map((match) => match[1]);
}

function resolveSource(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, path.join(base, "index.ts"), base].find(
    (file) => file.endsWith(".ts") && existsSync(file),
  );
}

/**
 * Transpiles the pack, from `policies/index.ts` through every relative import, into `outDir`
 * (keeping the repository's layout: `policies/`, `components/`); returns the repository files
 * outside `policies/` it read. File by file, without type checking: type errors are
 * `npm run build`'s to report, and checking the whole program would cost seconds at every change.
 */
async function emit(outDir: string): Promise<string[]> {
  // Loaded only when compiling: a cached pack needs no compiler.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const typescript = require("typescript") as typeof ts;
  const options = compilerOptions(typescript, outDir);
  const pending = [path.join(POLICIES, "index.ts")];
  const seen = new Set<string>(pending);
  while (pending.length > 0) {
    const file = pending.pop() as string;
    const source = await fs.readFile(file, "utf8");
    const output = typescript.transpileModule(source, {
      compilerOptions: { ...options, sourceMap: false, inlineSourceMap: false },
      fileName: file,
      reportDiagnostics: true,
    });
    const errors = (output.diagnostics ?? []).filter(
      (d) => d.category === typescript.DiagnosticCategory.Error,
    );
    if (errors.length > 0) {
      throw new Error(`The policy pack does not compile:\n${formatDiagnostics(typescript, errors)}`);
    }
    const target = path.join(outDir, path.relative(REPO, file)).replace(/\.ts$/, ".js");
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, output.outputText);
    for (const specifier of relativeImports(source)) {
      const imported = resolveSource(file, specifier);
      if (imported && !seen.has(imported)) {
        seen.add(imported);
        pending.push(imported);
      }
    }
  }
  return [...seen]
    .map((file) => path.relative(REPO, file))
    .filter((file) => !file.startsWith(`policies${path.sep}`))
    .sort();
}

/**
 * Copies what the runner reads besides code: `package.json` (its `main` pointed at the compiled
 * file), `PulumiPolicy.yaml` and the JSON data files.
 */
async function copyPackFiles(packFiles: readonly string[], packDir: string): Promise<void> {
  for (const file of packFiles.filter((f) => !f.endsWith(".ts") && f !== "tsconfig.json")) {
    const target = path.join(packDir, file);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.copyFile(path.join(POLICIES, file), target);
  }
  const manifest = JSON.parse(await fs.readFile(path.join(POLICIES, "package.json"), "utf8")) as {
    main?: string;
  };
  manifest.main = (manifest.main ?? "index.js").replace(/\.ts$/, ".js");
  await fs.writeFile(path.join(packDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Scratch folders older than this were left by a run that was killed while compiling. */
const ABANDONED_MS = 60 * 60 * 1000;

async function removeAbandonedScratch(names: readonly string[]): Promise<void> {
  for (const name of names.filter((n) => n.startsWith("tmp-"))) {
    const folder = path.join(CACHE_ROOT, name);
    if (Date.now() - (await fs.stat(folder)).mtimeMs > ABANDONED_MS) {
      await fs.rm(folder, { recursive: true, force: true });
    }
  }
}

/** Removes compiled folders other than `current` and the KEEP most recent others. */
async function prune(current: string): Promise<void> {
  const entries = await fs.readdir(CACHE_ROOT, { withFileTypes: true });
  await removeAbandonedScratch(entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name));
  const folders = await Promise.all(
    entries
      .filter((entry) => entry.isDirectory() && entry.name !== current && /^[0-9a-f]{16}$/.test(entry.name))
      .map(async (entry) => ({
        name: entry.name,
        mtime: (await fs.stat(path.join(CACHE_ROOT, entry.name))).mtimeMs,
      })),
  );
  const stale = folders.sort((a, b) => b.mtime - a.mtime).slice(KEEP);
  await Promise.all(
    stale.map((folder) => fs.rm(path.join(CACHE_ROOT, folder.name), { recursive: true, force: true })),
  );
}

/** Another run may compile the same sources meanwhile: whichever is renamed into place first is used. */
async function moveIntoPlace(scratch: string, name: string): Promise<void> {
  const target = path.join(CACHE_ROOT, name);
  if (existsSync(path.join(target, MARKER))) return;
  try {
    await fs.rm(target, { recursive: true, force: true });
    await fs.rename(scratch, target);
  } catch (error) {
    if (!existsSync(path.join(target, MARKER))) throw error;
  }
}

/** Compiles into a fresh folder and renames it into place; returns the compiled folder's name. */
async function compileInto(packFiles: readonly string[], packHash: string): Promise<string> {
  const scratch = path.join(CACHE_ROOT, `tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    const imports = await emit(scratch);
    const name = await hashOf(packFiles, imports);
    await copyPackFiles(packFiles, path.join(scratch, "policies"));
    await fs.writeFile(
      path.join(scratch, MARKER),
      `${JSON.stringify({ sources: [...packFiles.map((f) => path.join("policies", f)), ...imports] }, null, 2)}\n`,
    );
    await fs.writeFile(importsFile(packHash), `${JSON.stringify(imports)}\n`);
    await moveIntoPlace(scratch, name);
    return name;
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The compiled pack's folder (what `run-policy-pack` runs in): compiled from `policies/` with the
 * repository's TypeScript and type-checked as the CLI would, or reused when nothing that goes into
 * it has changed. Throws with the compiler's messages when the pack does not compile.
 */
export async function compilePack(): Promise<string> {
  await fs.mkdir(CACHE_ROOT, { recursive: true });
  const packFiles = await filesUnder(POLICIES);
  const packHash = await hashOf(packFiles, []);
  const imports = await recordedImports(packHash);
  let name = imports && (await hashOf(packFiles, imports));
  if (!name || !existsSync(path.join(CACHE_ROOT, name, MARKER))) {
    name = await compileInto(packFiles, packHash);
    await prune(name);
  }
  return path.join(CACHE_ROOT, name, "policies");
}
