import type { StackConfig } from "../stacks/config";
import type { EndpointPlan } from "./endpointPackages";
import { ModelPackageLookupError } from "./errors";

/** The statistics and constraints a model's monitor compares traffic with, and where they came from. */
export interface MonitorBaseline {
  readonly statisticsUri: string;
  readonly constraintsUri: string;
  /** `config` (monitoring.baseline) or the part of the served package it was read from. */
  readonly source: "config" | "DriftCheckBaselines" | "ModelMetrics";
}

/**
 * The baseline of every model whose endpoint is deployed and monitored: `monitoring.baseline` when
 * set, else the one the served version was registered with. Models without an endpoint, without
 * capture or without monitoring get none.
 *
 * @throws ModelPackageLookupError listing every monitored model whose served version has no
 *   baseline, with the ways to give it one, before any resource is created.
 */
export function monitoringBaselines(
  config: StackConfig,
  plans: readonly EndpointPlan[],
): Map<string, MonitorBaseline> {
  const baselines = new Map<string, MonitorBaseline>();
  const missing: string[] = [];
  config.models.forEach((model, index) => {
    const plan = plans.find((p) => p.model === model.name);
    if (!plan?.packages || !model.monitoring.enabled || !model.endpoint.dataCapture.enabled) return;
    const configured = model.monitoring.baseline;
    const registered = plan.packages.primary.dataQualityBaseline;
    if (configured) baselines.set(model.name, { ...configured, source: "config" });
    else if (registered) baselines.set(model.name, registered);
    else {
      missing.push(
        `  - models[${index}] "${model.name}": model package ${plan.packages.primary.arn} was registered ` +
          "without a data-quality baseline (DriftCheckBaselines or ModelMetrics ModelDataQuality)",
      );
    }
  });
  if (missing.length > 0) {
    throw new ModelPackageLookupError(
      [
        "Monitoring needs a data-quality baseline, and these served versions have none:",
        ...missing,
        "Run the model's pipeline again and approve the new version (its DataQualityBaseline step registers one), " +
          "set models[].monitoring.baseline to the S3 URIs of statistics.json and constraints.json, " +
          "or set models[].monitoring.enabled: false.",
      ].join("\n"),
    );
  }
  return baselines;
}
