import { variantAlarms } from "./alarms";
import {
  ALARM_DEFAULTS,
  DATA_CAPTURE_DEFAULTS,
  DEPLOYMENT_DEFAULTS,
  SHADOW_DEFAULTS,
  VARIANT_DEFAULTS,
} from "./settings";

/**
 * SageMaker takes at most 10 rollback alarms per endpoint (AutoRollbackConfig.Alarms: "Array Members:
 * Minimum number of 1 item. Maximum number of 10 items", SageMaker API reference), and every
 * production variant brings its own.
 */
export const MAX_ROLLBACK_ALARMS = 10;
const ALARMS_PER_INSTANCE_VARIANT = variantAlarms("endpoint", "variant", false, ALARM_DEFAULTS).length;

/**
 * The rules across an endpoint's keys, defined once: the stack config runs them on the raw values
 * (so that they run even when other keys are invalid, and every problem is reported in one go),
 * and `ModelEndpoint` on its arguments, so that a component used without config refuses the same
 * requests with the same words.
 */

/** One problem, at a key path relative to the endpoint. */
export interface EndpointRuleProblem {
  readonly key: string;
  readonly value: unknown;
  readonly message: string;
}

type Raw = Readonly<Record<string, unknown>>;

/** A variant's settings and where they are written: `""` for keys at the endpoint's root, `challengers[1]`, `variants[0]`. */
export interface PlacedVariant {
  readonly at: string;
  readonly variant: Raw;
}

/** An endpoint's settings as the rules read them; each value as given, possibly of the wrong type. */
export interface EndpointRuleInput {
  /** The production variants, the primary first. */
  readonly variants: readonly PlacedVariant[];
  /** Each variant name with the key it is written at, the shadow's included. */
  readonly names: readonly { readonly at: string; readonly name: unknown }[];
  readonly shadow?: unknown;
  readonly deployment?: Raw;
  readonly dataCapture?: Raw;
  /** The stack runs its models in a VPC. */
  readonly inNetwork: boolean;
  /** What the keys are below, for messages that name another key (e.g. `models[0].endpoint.`). @default "" */
  readonly prefix?: string;
}

const join = (at: string, key: string) => (at === "" ? key : `${at}.${key}`);
const asRecord = (value: unknown): Raw | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Raw) : undefined;

/** Instances or serverless, not both; warm workers within the concurrency; the first fleet within its scaling range. */
export function capacityProblems({ at, variant }: PlacedVariant): EndpointRuleProblem[] {
  const problems: EndpointRuleProblem[] = [];
  const serverless = asRecord(variant.serverless);
  if (serverless) {
    for (const key of ["instanceType", "initialInstanceCount", "autoscaling"]) {
      if (variant[key] !== undefined) {
        problems.push({
          key: join(at, key),
          value: variant[key],
          message: "cannot be combined with serverless: a variant runs on instances or serverless, not both",
        });
      }
    }
    const { maxConcurrency: max, provisionedConcurrency: provisioned } = serverless;
    if (typeof max === "number" && typeof provisioned === "number" && provisioned > max) {
      problems.push({
        key: join(at, "serverless.provisionedConcurrency"),
        value: provisioned,
        message: `must be at most serverless.maxConcurrency (${max})`,
      });
    }
    return problems;
  }
  const scaling = asRecord(variant.autoscaling);
  if (!scaling) return problems;
  const { minCapacity: min, maxCapacity: max } = scaling;
  if (typeof min === "number" && typeof max === "number" && min > max) {
    problems.push({
      key: join(at, "autoscaling.maxCapacity"),
      value: max,
      message: `must be at least autoscaling.minCapacity (${min})`,
    });
  }
  const count = variant.initialInstanceCount ?? VARIANT_DEFAULTS.initialInstanceCount;
  if (typeof count !== "number") return problems;
  if (typeof min === "number" && count < min) {
    problems.push({
      key: join(at, "initialInstanceCount"),
      value: count,
      message: `must be at least autoscaling.minCapacity (${min}) so the endpoint starts within its scaling range`,
    });
  } else if (typeof max === "number" && typeof min === "number" && min <= max && count > max) {
    problems.push({
      key: join(at, "initialInstanceCount"),
      value: count,
      message: `must be at most autoscaling.maxCapacity (${max}) so the endpoint starts within its scaling range`,
    });
  }
  return problems;
}

/**
 * Canary and linear settings apply to their own strategy; both shift traffic in steps, which one
 * instance cannot; SageMaker's time-out must leave room for the baking and the termination wait.
 */
export function deploymentProblems(
  deployment: Raw | undefined,
  variants: readonly PlacedVariant[],
): EndpointRuleProblem[] {
  const problems: EndpointRuleProblem[] = [];
  const settings = deployment ?? {};
  const strategy = settings.strategy ?? DEPLOYMENT_DEFAULTS.strategy;
  const onlyFor = (key: string, wanted: string) => {
    if (settings[key] !== undefined && strategy !== wanted) {
      problems.push({
        key: `deployment.${key}`,
        value: settings[key],
        message: `applies to strategy ${wanted} only (strategy is ${String(strategy)})`,
      });
    }
  };
  onlyFor("canarySizePercent", "CANARY");
  onlyFor("linearStepPercent", "LINEAR");
  if (strategy === "CANARY" || strategy === "LINEAR") {
    for (const { at, variant } of variants) {
      const count = variant.initialInstanceCount ?? VARIANT_DEFAULTS.initialInstanceCount;
      if (variant.serverless !== undefined || typeof count !== "number" || count >= 2) continue;
      problems.push({
        key: "deployment.strategy",
        value: strategy,
        message: `needs at least 2 instances (${join(at, "initialInstanceCount")}) to shift traffic in steps; use ALL_AT_ONCE`,
      });
    }
  }
  const { maximumExecutionTimeoutSeconds: timeout } = settings;
  const waits =
    Number(settings.waitIntervalSeconds ?? DEPLOYMENT_DEFAULTS.waitIntervalSeconds) +
    Number(settings.terminationWaitSeconds ?? DEPLOYMENT_DEFAULTS.terminationWaitSeconds);
  if (typeof timeout === "number" && Number.isFinite(waits) && timeout <= waits) {
    problems.push({
      key: "deployment.maximumExecutionTimeoutSeconds",
      value: timeout,
      message: `must be longer than waitIntervalSeconds + terminationWaitSeconds (${waits})`,
    });
  }
  return problems;
}

/** Blue/green updates match variants by name, so the names of one endpoint are unique. */
export function variantNameProblems(names: EndpointRuleInput["names"], prefix = ""): EndpointRuleProblem[] {
  const problems: EndpointRuleProblem[] = [];
  const firstUse = new Map<unknown, string>();
  for (const { at, name } of names) {
    if (typeof name !== "string") continue;
    const first = firstUse.get(name);
    if (first === undefined) firstUse.set(name, at);
    else
      problems.push({
        key: at,
        value: name,
        message: `is already used by ${prefix}${first}; variant names must be unique`,
      });
  }
  return problems;
}

/**
 * What SageMaker Serverless Inference does not offer, reported against the key that asks for it.
 * Capture is on by default.
 */
export function serverlessProblems(endpoint: {
  readonly challengers?: unknown;
  readonly shadow?: unknown;
  readonly dataCapture?: { readonly enabled?: unknown };
  readonly serverless?: unknown;
  readonly inNetwork: boolean;
}): EndpointRuleProblem[] {
  const problems: EndpointRuleProblem[] = [];
  const capture = endpoint.dataCapture?.enabled;
  if ((capture ?? DATA_CAPTURE_DEFAULTS.enabled) !== false) {
    problems.push({
      key: "dataCapture.enabled",
      value: capture,
      message: "must be false: serverless endpoints cannot capture data (capture is on by default)",
    });
  }
  if (Array.isArray(endpoint.challengers) && endpoint.challengers.length > 0) {
    problems.push({
      key: "challengers",
      value: endpoint.challengers,
      message: "must be empty: a serverless endpoint serves one variant",
    });
  }
  if (endpoint.shadow !== undefined) {
    problems.push({
      key: "shadow",
      value: endpoint.shadow,
      message: "must be left out: serverless endpoints cannot have a shadow variant",
    });
  }
  if (endpoint.inNetwork) {
    problems.push({
      key: "serverless",
      value: endpoint.serverless,
      message: "cannot be used in a stack with a network: serverless endpoints do not run in a VPC",
    });
  }
  return problems;
}

/** Every rule across the endpoint's keys. */
export function endpointRuleProblems(endpoint: EndpointRuleInput): EndpointRuleProblem[] {
  const challengers = endpoint.variants.slice(1);
  const problems = [
    ...endpoint.variants.flatMap(capacityProblems),
    ...deploymentProblems(endpoint.deployment, endpoint.variants),
    ...variantNameProblems(endpoint.names, endpoint.prefix),
  ];
  // An endpoint configuration holds instance-based variants or one serverless variant, not both
  // (AWS CDK EndpointConfig: "instanceProductionVariants ... Cannot be specified if serverlessProductionVariant is").
  const serverless = endpoint.variants.find(({ variant }) => variant.serverless !== undefined);
  if (serverless) {
    problems.push(
      ...serverlessProblems({
        challengers: challengers.map((challenger) => challenger.variant),
        shadow: endpoint.shadow,
        dataCapture: endpoint.dataCapture,
        serverless: serverless.variant.serverless,
        inNetwork: endpoint.inNetwork,
      }),
    );
  }
  const alarms = endpoint.variants.length * ALARMS_PER_INSTANCE_VARIANT;
  if (!serverless && alarms > MAX_ROLLBACK_ALARMS) {
    const most = Math.floor(MAX_ROLLBACK_ALARMS / ALARMS_PER_INSTANCE_VARIANT) - 1;
    problems.push({
      key: "challengers",
      value: challengers.map(({ variant }) => variant.name),
      message:
        `are too many: with the primary, ${endpoint.variants.length} variants have ${ALARMS_PER_INSTANCE_VARIANT} ` +
        `rollback alarms each (${alarms}), and SageMaker takes at most ${MAX_ROLLBACK_ALARMS} per endpoint; list at ` +
        `most ${most} challengers`,
    });
  }
  if (endpoint.shadow !== undefined && challengers.length > 0) {
    problems.push({
      key: "shadow",
      value: endpoint.shadow,
      message: "cannot be combined with challengers: a shadow test mirrors exactly one production variant",
    });
  }
  return problems;
}

/** The shadow's name as the endpoint will use it. */
export function shadowName(shadow: unknown): unknown {
  return asRecord(shadow)?.name ?? SHADOW_DEFAULTS.name;
}
