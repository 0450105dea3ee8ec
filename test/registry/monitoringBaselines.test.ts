import assert from "node:assert/strict";
import type { EndpointPlan } from "../../registry/endpointPackages";
import { ModelPackageLookupError } from "../../registry/errors";
import type { DataQualityBaseline, DeployablePackage } from "../../registry/modelPackages";
import { monitoringBaselines } from "../../registry/monitoringBaselines";
import { parseStackConfig } from "../../stacks/config";

const arn = (model: string, version: number) =>
  `arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-staging-${model}/${version}`;
const registered = (model: string, source: DataQualityBaseline["source"]): DataQualityBaseline => ({
  statisticsUri: `s3://mlops-staging-${model}-artifacts/pipelines/run1/DataQualityBaseline/baseline/statistics.json`,
  constraintsUri: `s3://mlops-staging-${model}-artifacts/pipelines/run1/DataQualityBaseline/baseline/constraints.json`,
  source,
});

function served(model: string, baseline?: DataQualityBaseline): EndpointPlan {
  const primary: DeployablePackage = {
    arn: arn(model, 1),
    groupName: `mlops-staging-${model}`,
    version: 1,
    approvalStatus: "Approved",
    containers: [{ image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1" }],
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
        { name: "given", monitoring: { baseline: given } },
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
