import assert from "node:assert/strict";
import type { EndpointPlan } from "../../registry/endpointPackages";
import { ModelPackageLookupError } from "../../registry/errors";
import type { DataQualityBaseline, DeployablePackage, DriftBaselineFile } from "../../registry/modelPackages";
import { engineBaselines, monitoringBaselines } from "../../registry/monitoringBaselines";
import { parseStackConfig } from "../../stacks/config";

const arn = (model: string, version: number) =>
  `arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-staging-${model}/${version}`;
const registered = (model: string, source: DataQualityBaseline["source"]): DataQualityBaseline => ({
  statisticsUri: `s3://mlops-staging-${model}-artifacts/pipelines/run1/DataQualityBaseline/baseline/statistics.json`,
  constraintsUri: `s3://mlops-staging-${model}-artifacts/pipelines/run1/DataQualityBaseline/baseline/constraints.json`,
  source,
});

const driftFile = (model: string): DriftBaselineFile => ({
  uri: `s3://mlops-staging-${model}-artifacts/pipelines/run1/DriftBaseline/drift-baseline/drift_baseline.json`,
});

function served(model: string, baseline?: DataQualityBaseline, drift?: DriftBaselineFile): EndpointPlan {
  const primary: DeployablePackage = {
    arn: arn(model, 1),
    groupName: `mlops-staging-${model}`,
    version: 1,
    approvalStatus: "Approved",
    containers: [{ image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1" }],
    ...(drift && { driftBaseline: drift }),
    ...(baseline && { dataQualityBaseline: baseline }),
  };
  return { model, packages: { primary, challengers: [] }, notes: [] };
}

function config(models: Record<string, unknown>[]) {
  return parseStackConfig("staging", {
    environment: "staging",
    tags: { Project: "p", Owner: "o@example.com", CostCenter: "c" },
    alerts: { emails: ["o@example.com"] },
    models,
  });
}

describe("monitoringBaselines", () => {
  it("uses monitoring.baseline when set, else the served version's, for monitored endpoints only", () => {
    const given = {
      statisticsUri: "s3://team/statistics.json",
      constraintsUri: "s3://team/constraints.json",
    };
    const baselines = monitoringBaselines(
      config([
        { name: "drift" },
        { name: "metrics" },
        { name: "given", monitoring: { engine: "model-monitor", baseline: given } },
        { name: "unmonitored", monitoring: { enabled: false } },
        { name: "uncaptured", endpoint: { dataCapture: { enabled: false } }, monitoring: { enabled: false } },
        { name: "first" },
      ]),
      [
        served("drift", registered("drift", "DriftCheckBaselines")),
        served("metrics", registered("metrics", "ModelMetrics")),
        served("given", registered("given", "DriftCheckBaselines")),
        served("unmonitored"),
        served("uncaptured"),
        { model: "first", skipped: "no approved version yet" },
      ],
    );
    assert.deepEqual(Object.fromEntries(baselines), {
      drift: registered("drift", "DriftCheckBaselines"),
      metrics: registered("metrics", "ModelMetrics"),
      given: { ...given, source: "config" },
    });
  });

  it("lists every monitored model whose served version has no baseline, and how to give it one", () => {
    assert.throws(
      () =>
        monitoringBaselines(config([{ name: "a" }, { name: "b" }, { name: "c" }]), [
          served("a"),
          served("b", registered("b", "ModelMetrics")),
          served("c"),
        ]),
      (error: unknown) => {
        assert.ok(error instanceof ModelPackageLookupError);
        const lines = error.message.split("\n");
        assert.deepEqual(lines.slice(0, 3), [
          "Monitoring needs a data-quality baseline, and these served versions have none:",
          `  - models[0] "a": model package ${arn("a", 1)} was registered without a data-quality baseline (DriftCheckBaselines or ModelMetrics ModelDataQuality)`,
          `  - models[2] "c": model package ${arn("c", 1)} was registered without a data-quality baseline (DriftCheckBaselines or ModelMetrics ModelDataQuality)`,
        ]);
        assert.match(
          lines[3],
          /set models\[\]\.monitoring\.baseline .*models\[\]\.monitoring\.enabled: false\.$/,
        );
        return true;
      },
    );
  });
});

describe("engineBaselines", () => {
  const modelMonitor = { engine: "model-monitor" };

  it("gives each monitored model its engine's baseline: the one in config, else the served version's", () => {
    const given = {
      statisticsUri: "s3://team/statistics.json",
      constraintsUri: "s3://team/constraints.json",
    };
    const driftGiven = "s3://team/diagnosis/drift_baseline.json";
    const baselines = engineBaselines(
      config([
        { name: "drift" },
        { name: "drift-given", monitoring: { driftBaselineUri: driftGiven } },
        { name: "monitor", monitoring: modelMonitor },
        { name: "monitor-given", monitoring: { ...modelMonitor, baseline: given } },
        { name: "unmonitored", monitoring: { enabled: false } },
        { name: "uncaptured", endpoint: { dataCapture: { enabled: false } }, monitoring: { enabled: false } },
        { name: "first" },
      ]),
      [
        // Versions built with the Model Monitor baseline too: each engine takes its own.
        served("drift", registered("drift", "DriftCheckBaselines"), driftFile("drift")),
        served("drift-given", undefined, driftFile("drift-given")),
        served("monitor", registered("monitor", "DriftCheckBaselines"), driftFile("monitor")),
        served("monitor-given", registered("monitor-given", "ModelMetrics")),
        served("unmonitored"),
        served("uncaptured"),
        { model: "first", skipped: "no approved version yet" },
      ],
    );
    assert.deepEqual(Object.fromEntries(baselines), {
      drift: { engine: "drift-check", uri: driftFile("drift").uri, source: "ModelMetrics" },
      "drift-given": { engine: "drift-check", uri: driftGiven, source: "config" },
      monitor: { engine: "model-monitor", ...registered("monitor", "DriftCheckBaselines") },
      "monitor-given": { engine: "model-monitor", ...given, source: "config" },
    });
  });

  it("lists every monitored model lacking its engine's baseline, with the fixes of those engines", () => {
    assert.throws(
      () =>
        engineBaselines(
          config([
            { name: "a" },
            { name: "b" },
            { name: "c", monitoring: modelMonitor },
            { name: "d", monitoring: modelMonitor },
          ]),
          [
            // A version built without the DriftBaseline step; one with it but without Model Monitor's.
            served("a", registered("a", "ModelMetrics")),
            served("b", undefined, driftFile("b")),
            served("c", undefined, driftFile("c")),
            served("d", registered("d", "DriftCheckBaselines")),
          ],
        ),
      {
        name: "ModelPackageLookupError",
        message: [
          "Monitoring needs the baseline of each monitored model's engine, and these served versions have none:",
          `  - models[0] "a" (drift-check): model package ${arn("a", 1)} was registered without a drift baseline ` +
            "(ModelMetrics ModelDataQuality Statistics of content type application/vnd.mlops.drift-baseline+json)",
          `  - models[2] "c" (model-monitor): model package ${arn("c", 1)} was registered without a Model Monitor ` +
            "data-quality baseline (DriftCheckBaselines or ModelMetrics ModelDataQuality)",
          "drift-check: run the model's pipeline again and approve the new version (its DriftBaseline step " +
            "registers one), or set models[].monitoring.driftBaselineUri to the S3 URI of a drift_baseline.json.",
          "model-monitor: run the model's pipeline again with pipeline.modelMonitorBaseline on and approve the " +
            "new version (its DataQualityBaseline step registers one), or set models[].monitoring.baseline to the " +
            "S3 URIs of statistics.json and constraints.json.",
          "Or set models[].monitoring.enabled: false.",
        ].join("\n"),
      },
    );
  });

  it("gives only the fixes of the engines concerned", () => {
    assert.throws(
      () => engineBaselines(config([{ name: "a" }]), [served("a")]),
      (error: unknown) => {
        assert.ok(error instanceof ModelPackageLookupError);
        assert.deepEqual(error.message.split("\n").slice(2), [
          "drift-check: run the model's pipeline again and approve the new version (its DriftBaseline step " +
            "registers one), or set models[].monitoring.driftBaselineUri to the S3 URI of a drift_baseline.json.",
          "Or set models[].monitoring.enabled: false.",
        ]);
        return true;
      },
    );
  });
});
