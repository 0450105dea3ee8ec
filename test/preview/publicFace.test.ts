import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { REPOSITORY_ROOT } from "../../preview";

const PREVIEW = path.join(REPOSITORY_ROOT, "preview");

/** TypeScript files under `dir` (relative to the repository), recursively. */
function typescriptFiles(dir: string): string[] {
  return readdirSync(path.join(REPOSITORY_ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => path.join(dir, file));
}

/** The relative module specifiers a file imports, re-exports or requires. */
function specifiersOf(file: string): string[] {
  const text = readFileSync(path.join(REPOSITORY_ROOT, file), "utf8");
  const pattern = /(?:\bfrom\s+|\bimport\s+|\brequire\(\s*|\bimport\(\s*)"(\.[^"]*)"/g;
  return [...text.matchAll(pattern)].map((match) => match[1]);
}

/** Modules of preview/ a file reaches past preview/index.ts, as `<file>: <specifier>`. */
function pastThePublicFace(file: string): string[] {
  return specifiersOf(file)
    .filter((specifier) => {
      const target = path.resolve(REPOSITORY_ROOT, path.dirname(file), specifier);
      const inside = path.relative(PREVIEW, target);
      if (inside.startsWith("..") || path.isAbsolute(inside)) return false;
      return inside !== "" && inside !== "index" && inside !== "index.ts";
    })
    .map((specifier) => `${file}: ${specifier}`);
}

describe("preview/index.ts, the offline preview's public face", () => {
  it("is all the tests' helpers, the other tests and bench/ import from preview/", () => {
    // preview's own tests (test/preview/) may import the module they test.
    const files = [...typescriptFiles("test"), ...typescriptFiles("bench")].filter(
      (file) => !file.startsWith(`test${path.sep}preview${path.sep}`),
    );
    assert.ok(files.includes(path.join("test", "helpers", "mocks.ts")));
    assert.deepEqual(files.flatMap(pastThePublicFace), []);
  });

  it("exports what the helpers use: the program run offline, the mocks, the pack, the reports", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const face = require("../../preview") as Record<string, unknown>;
    for (const name of [
      "runProgramOffline",
      "recordResources",
      "settle",
      "withoutRuntimeDebugging",
      "compilePack",
      "startPack",
      "runPack",
      "ResourceFeed",
      "parsePlan",
      "toJson",
      "toSarif",
      "toJunit",
      "toMermaid",
      "renderTree",
      "renderFindings",
      "report",
      "readStackConfigFile",
      "REPOSITORY_ROOT",
    ]) {
      assert.equal(typeof face[name], name === "REPOSITORY_ROOT" ? "string" : "function", name);
    }
  });
});
