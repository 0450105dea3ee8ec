import assert from "node:assert/strict";
import { runProgramOffline, runtimeDebugHooks } from "../../preview/run";

describe("runProgramOffline", () => {
  it("finds the runtime's debugging hooks it turns off while the program runs", () => {
    // If an upgrade of @pulumi/pulumi moves them, the preview would silently run slower.
    const { debuggable, resource } = runtimeDebugHooks();
    assert.equal(typeof debuggable.debuggablePromise, "function");
    assert.equal(typeof resource.callsites, "function");
  });

  it("puts the hooks and stack traces back when the run ends, even in an error", async () => {
    const { debuggable, resource } = runtimeDebugHooks();
    const before = {
      debuggablePromise: debuggable.debuggablePromise,
      callsites: resource.callsites,
      limit: Error.stackTraceLimit,
    };
    await assert.rejects(runProgramOffline({ stack: "staging", modelPackages: ["diagnosis"] }), {
      name: "InputError",
      message: /^--model-package "diagnosis": expected <model>=<versioned model package ARN>/,
    });
    assert.equal(debuggable.debuggablePromise, before.debuggablePromise);
    assert.equal(resource.callsites, before.callsites);
    assert.equal(Error.stackTraceLimit, before.limit);
  });
});
