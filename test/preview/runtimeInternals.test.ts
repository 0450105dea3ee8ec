import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { recordResources, REGISTRATION_ANSWER_READS } from "../../preview/mocks";
import { runtimeDebugHooks } from "../../preview/run";

/**
 * The offline preview answers registrations itself and switches off two debugging aids of
 * @pulumi/pulumi's runtime. These are internals, not API: this file names each one, so that an
 * upgrade that moves them fails here, with what moved, rather than as resources that never resolve.
 */
describe("what the offline preview relies on in @pulumi/pulumi", () => {
  it("answers every field the runtime reads of a registration's answer", () => {
    const source = readFileSync(require.resolve("@pulumi/pulumi/runtime/resource.js"), "utf8");
    const start = source.indexOf("function registerResource(");
    const end = source.indexOf("function prepareResource(", start);
    assert.ok(
      start >= 0 && end > start,
      "runtime/resource.js no longer has registerResource followed by prepareResource",
    );
    const reads = [
      ...new Set([...source.slice(start, end).matchAll(/\bresp\.(get\w+)\(/g)].map((m) => m[1])),
    ].sort();
    const missing = reads.filter((read) => !(REGISTRATION_ANSWER_READS as readonly string[]).includes(read));
    assert.deepEqual(
      missing,
      [],
      `the runtime now reads ${missing.join(", ")}: answer it in preview/mocks.ts (answered)`,
    );
  });

  it("finds the debugging aids it switches off where it replaces them", () => {
    const { debuggable, resource } = runtimeDebugHooks();
    assert.equal(
      typeof debuggable.debuggablePromise,
      "function",
      "runtime/debuggable.debuggablePromise moved",
    );
    assert.equal(typeof resource.callsites, "function", "resource.Resource.callsites moved");
  });
  it("finds the mock monitor's resource table and URN maker, which the answers use", () => {
    recordResources({
      project: "mlops",
      stack: "internals",
      preview: false,
      accountId: "123456789012",
      region: "us-east-1",
    });
    const monitor = pulumi.runtime.getMonitor() as unknown as { resources?: unknown; newUrn?: unknown };
    assert.ok(monitor.resources instanceof Map, "MockMonitor.resources is no longer a Map");
    assert.equal(typeof monitor.newUrn, "function", "MockMonitor.newUrn moved");
  });

  it("is a release that supports the project's Node.js (.nvmrc): newer 3.x releases need Node.js 22", () => {
    const manifest = JSON.parse(readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")) as {
      engines?: { node?: string };
    };
    const engines = manifest.engines?.node ?? "";
    const nvmrc = Number(readFileSync(require.resolve("../../.nvmrc"), "utf8").trim());
    const minimum = Number(/^>=\s*(\d+)/.exec(engines)?.[1] ?? Number.NaN);
    assert.ok(
      minimum <= nvmrc,
      `@pulumi/pulumi requires node ${engines}, the project runs on ${nvmrc} (.nvmrc)`,
    );
  });
});
