import assert from "node:assert/strict";
import {
  allSteps,
  parsePipelineDefinition,
  resolvePipelineValue,
} from "../../../policies/lib/pipelineDefinition";
import { driftDefinition } from "../rules/driftFixtures";

describe("pipeline definitions (lib/pipelineDefinition)", () => {
  it("parses a definition's parameters and steps, and says why text is not one", () => {
    const parsed = parsePipelineDefinition(driftDefinition());
    assert.ok(parsed.ok);
    assert.deepEqual([...parsed.parameters], [["ScheduledTime", { hasDefault: true, defaultValue: "" }]]);
    assert.deepEqual(
      parsed.steps.map((step) => (step as { Name: string }).Name),
      ["FindCapture", "HasTraffic"],
    );
    assert.deepEqual(parsePipelineDefinition(3), { ok: false, problem: "is not JSON text but 3" });
    assert.deepEqual(parsePipelineDefinition('{"Steps": {}}'), {
      ok: false,
      problem: "has no Steps list, so it is not a SageMaker pipeline definition",
    });
    const invalid = parsePipelineDefinition("{");
    assert.ok(!invalid.ok && /^is not valid JSON \(.+\)$/.test(invalid.problem));
  });

  it("lists every step depth-first, with those Condition steps run, IfSteps before ElseSteps", () => {
    const parsed = parsePipelineDefinition(driftDefinition());
    assert.ok(parsed.ok);
    assert.deepEqual(
      allSteps(parsed.steps).map((step) => [step.name, step.type]),
      [
        ["FindCapture", "Lambda"],
        ["HasTraffic", "Condition"],
        ["CheckDrift", "Processing"],
        ["PublishResults", "Lambda"],
      ],
    );
    const outerArguments = {
      IfSteps: [
        { Name: "Inner", Type: "Condition", Arguments: { ElseSteps: [{ Name: "Deep", Type: "Fail" }] } },
      ],
      ElseSteps: [{ Type: "Processing" }],
    };
    const nested = [
      { Name: "Outer", Type: "Condition", Arguments: outerArguments },
      "not a step",
      { Name: "Last", Type: "Lambda", Arguments: [] },
    ];
    assert.deepEqual(
      allSteps(nested).map((step) => [step.name, step.type, step.args]),
      [
        ["Outer", "Condition", outerArguments],
        ["Inner", "Condition", { ElseSteps: [{ Name: "Deep", Type: "Fail" }] }],
        ["Deep", "Fail", {}],
        ["(unnamed)", "Processing", {}],
        ["Last", "Lambda", {}],
      ],
    );
  });

  it("resolves a parameter reference to its default, and leaves other expressions unresolved", () => {
    const parameters = new Map([
      ["Endpoint", { hasDefault: true, defaultValue: "mlops-staging-diagnosis" }],
      ["Window", { hasDefault: false, defaultValue: undefined }],
    ]);
    assert.deepEqual(resolvePipelineValue("ml.m5.large", parameters), {
      kind: "value",
      value: "ml.m5.large",
    });
    assert.deepEqual(resolvePipelineValue({ Get: "Parameters.Endpoint" }, parameters), {
      kind: "parameterDefault",
      parameter: "Endpoint",
      value: "mlops-staging-diagnosis",
    });
    assert.deepEqual(resolvePipelineValue({ Get: "Parameters.Window" }, parameters), {
      kind: "parameterWithoutDefault",
      parameter: "Window",
    });
    assert.deepEqual(resolvePipelineValue({ Get: "Parameters.Nope" }, parameters), {
      kind: "undeclaredParameter",
      parameter: "Nope",
    });
    assert.deepEqual(
      resolvePipelineValue({ Get: "Steps.FindCapture.OutputParameters['ReportUri']" }, parameters),
      {
        kind: "expression",
      },
    );
  });
});
