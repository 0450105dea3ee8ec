import type { StackConfig } from "../stacks/config";
import type { MonitoringEngine } from "../components/monitoring/settings";
import { DRIFT_BASELINE_CONTENT_TYPE } from "../components/pipeline/definition";
import type { EndpointPlan } from "./endpointPackages";
import { ModelPackageLookupError } from "./errors";
import type { DeployablePackage } from "./modelPackages";

type ModelConfig = StackConfig["models"][number];

/** The statistics and constraints a model's Model Monitor schedule compares traffic with, and where they came from. */
export interface MonitorBaseline {
  readonly statisticsUri: string;
  readonly constraintsUri: string;
  /** `config` (monitoring.baseline) or the part of the served package it was read from. */
  readonly source: "config" | "DriftCheckBaselines" | "ModelMetrics";
}

/** The drift_baseline.json a model's drift check compares traffic with, and where it came from. */
export interface DriftCheckBaseline {
  readonly engine: "drift-check";
  /** S3 URI of drift_baseline.json. */
  readonly uri: string;
  /** `config` (monitoring.driftBaselineUri) or the part of the served package it was read from. */
  readonly source: "config" | "ModelMetrics";
}

/** Model Monitor's baseline of a model monitored with the `model-monitor` engine. */
export interface ModelMonitorBaseline extends MonitorBaseline {
  readonly engine: "model-monitor";
}

/** What a monitored model's engine compares its traffic with. */
export type EngineBaseline = DriftCheckBaseline | ModelMonitorBaseline;

/** A monitored model: its config, and the served version its baseline is read from. */
interface Monitored {
  readonly index: number;
  readonly model: ModelConfig;
  readonly served: DeployablePackage;
}

/** Each engine: where its baseline comes from, what a version without one lacks, and how to give it one. */
const ENGINES: {
  readonly [E in MonitoringEngine]: {
    readonly baseline: (monitored: Monitored) => Extract<EngineBaseline, { engine: E }> | undefined;
    readonly lacking: string;
    readonly fix: string;
  };
} = {
  "drift-check": {
    baseline: ({ model, served }) => {
      const configured = model.monitoring.driftBaselineUri;
      if (configured !== undefined) return { engine: "drift-check", uri: configured, source: "config" };
      return (
        served.driftBaseline && {
          engine: "drift-check",
          uri: served.driftBaseline.uri,
          source: "ModelMetrics",
        }
      );
    },
    lacking: `a drift baseline (ModelMetrics ModelDataQuality Statistics of content type ${DRIFT_BASELINE_CONTENT_TYPE})`,
    fix:
      "drift-check: run the model's pipeline again and approve the new version (its DriftBaseline step registers one), " +
      "or set models[].monitoring.driftBaselineUri to the S3 URI of a drift_baseline.json.",
  },
  "model-monitor": {
    baseline: ({ model, served }) => {
      const configured = model.monitoring.baseline;
      if (configured) return { engine: "model-monitor", ...configured, source: "config" };
      return served.dataQualityBaseline && { engine: "model-monitor", ...served.dataQualityBaseline };
    },
    lacking: "a Model Monitor data-quality baseline (DriftCheckBaselines or ModelMetrics ModelDataQuality)",
    fix:
      "model-monitor: run the model's pipeline again with pipeline.modelMonitorBaseline on and approve the new " +
      "version (its DataQualityBaseline step registers one), or set models[].monitoring.baseline to the S3 URIs " +
      "of statistics.json and constraints.json.",
  },
};

/** The monitored models: deployed (a served version), capturing, with monitoring on. */
function monitoredModels(config: StackConfig, plans: readonly EndpointPlan[]): Monitored[] {
  return config.models.flatMap((model, index) => {
    const plan = plans.find((p) => p.model === model.name);
    if (!plan?.packages || !model.monitoring.enabled || !model.endpoint.dataCapture.enabled) return [];
    return [{ index, model, served: plan.packages.primary }];
  });
}

/**
 * The baseline each deployed and monitored model's engine (`monitoring.engine`) compares its
 * traffic with: for `drift-check`, `monitoring.driftBaselineUri` when set, else the drift baseline
 * the served version was registered with; for `model-monitor`, `monitoring.baseline` when set, else
 * the served version's Model Monitor baseline. Models without an endpoint, without capture or
 * without monitoring get none.
 *
 * @throws ModelPackageLookupError listing every monitored model whose served version lacks its
 *   engine's baseline, with the ways to give it one, before any resource is created.
 */
export function engineBaselines(
  config: StackConfig,
  plans: readonly EndpointPlan[],
): Map<string, EngineBaseline> {
  const baselines = new Map<string, EngineBaseline>();
  const missing: string[] = [];
  const lackingEngines = new Set<MonitoringEngine>();
  for (const monitored of monitoredModels(config, plans)) {
    const { index, model, served } = monitored;
    const engine = model.monitoring.engine;
    const baseline = ENGINES[engine].baseline(monitored);
    if (baseline) baselines.set(model.name, baseline);
    else {
      lackingEngines.add(engine);
      missing.push(
        `  - models[${index}] "${model.name}" (${engine}): model package ${served.arn} was registered ` +
          `without ${ENGINES[engine].lacking}`,
      );
    }
  }
  if (missing.length > 0) {
    throw new ModelPackageLookupError(
      [
        "Monitoring needs the baseline of each monitored model's engine, and these served versions have none:",
        ...missing,
        // Only the fixes of the engines concerned, in a fixed order.
        ...(Object.keys(ENGINES) as MonitoringEngine[])
          .filter((engine) => lackingEngines.has(engine))
          .map((engine) => ENGINES[engine].fix),
        "Or set models[].monitoring.enabled: false.",
      ].join("\n"),
    );
  }
  return baselines;
}

/**
 * The Model Monitor baseline of every model whose endpoint is deployed and monitored, whatever its
 * engine: `monitoring.baseline` when set, else the one the served version was registered with.
 * Models without an endpoint, without capture or without monitoring get none.
 *
 * @deprecated Use {@link engineBaselines}, which gives each model the baseline its engine needs: a
 *   drift-check model's version has no Model Monitor baseline unless built with
 *   `pipeline.modelMonitorBaseline`.
 * @throws ModelPackageLookupError listing every monitored model whose served version has no
 *   baseline, with the ways to give it one, before any resource is created.
 */
export function monitoringBaselines(
  config: StackConfig,
  plans: readonly EndpointPlan[],
): Map<string, MonitorBaseline> {
  const baselines = new Map<string, MonitorBaseline>();
  const missing: string[] = [];
  for (const { index, model, served } of monitoredModels(config, plans)) {
    const configured = model.monitoring.baseline;
    const registered = served.dataQualityBaseline;
    if (configured) baselines.set(model.name, { ...configured, source: "config" });
    else if (registered) baselines.set(model.name, registered);
    else {
      missing.push(
        `  - models[${index}] "${model.name}": model package ${served.arn} was registered ` +
          "without a data-quality baseline (DriftCheckBaselines or ModelMetrics ModelDataQuality)",
      );
    }
  }
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
