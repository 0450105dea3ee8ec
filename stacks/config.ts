import { batchProblems } from "../components/batch/settings";
import { DEFAULT_DISPATCH_EVENT_TYPE } from "../components/delivery/github";
import { endpointRuleProblems, shadowName } from "../components/endpoint/rules";
import { DATA_CAPTURE_DEFAULTS, ENDPOINT_DEFAULTS } from "../components/endpoint/settings";
import {
  DRIFT_DEFAULTS,
  MONITORING_DEFAULTS,
  MONITORING_ENGINES,
  MonitoringEngine,
  repeatedFeatureProblems,
} from "../components/monitoring/settings";
import { driftWindow, scheduleExpressionProblem } from "../components/monitoring/schedule";
import { PIPELINE_DEFAULTS, spotWaitProblems } from "../components/pipeline/settings";
import { BuildReader, CaptureReader, retentionProblems } from "../components/foundation/retention";
import { sourceProblems, StackPlace } from "../components/promotion/settings";
import { ConfigError, ConfigProblem, problemsFromIssues } from "./errors";
import { NAME_PREFIX_PATTERN } from "../components/shared/names";
import {
  DEFAULT_PREFIX_START,
  DeliveryInput,
  ENVIRONMENT_PATTERN,
  ParsedStackConfig,
  REQUIRED_TAGS,
  stackConfigSchema,
} from "./schema";

/** GitHub Actions access: who may deploy and preview the stack. */
export type GithubDeliveryConfig = NonNullable<DeliveryInput["github"]>;

/** `mlops:delivery` after validation: each part is present only when it is on. */
export interface DeliveryConfig {
  /** The roles GitHub Actions workflows of one repository assume. */
  readonly github?: GithubDeliveryConfig;
  /** Model approvals sent to that repository as `repository_dispatch` events (on by default with `github`). */
  readonly approvalDispatch?: { readonly repository: string; readonly eventType: string };
}

/** A stack's settings after validation, with every default resolved. */
export interface StackConfig extends Omit<ParsedStackConfig, "namePrefix" | "delivery"> {
  /** Prefix of every physical resource name; default `mlops-<stack name>`. */
  readonly namePrefix: string;
  /** CI/CD access and approval dispatch; absent: the stack has no delivery resources. */
  readonly delivery?: DeliveryConfig;
}

type Raw = Record<string, unknown>;

function asRecord(value: unknown): Raw | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Raw) : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Checks that span several keys. They read the raw input defensively so that they run even when
 * other keys are invalid: the user gets every problem in one go.
 */
function crossFieldProblems(stack: string, raw: Raw, place: StackPlace): ConfigProblem[] {
  const problems: ConfigProblem[] = [...namePrefixProblems(stack, raw)];
  const tags = asRecord(raw.tags);
  if (tags) {
    for (const tag of REQUIRED_TAGS) {
      if (tag !== "Environment" && tags[tag] === undefined) {
        problems.push({ path: `tags.${tag}`, value: undefined, message: "is required (a non-empty string)" });
      }
    }
    const environment =
      typeof raw.environment === "string" && ENVIRONMENT_PATTERN.test(raw.environment)
        ? raw.environment
        : undefined;
    if (tags.Environment !== undefined && environment !== undefined && tags.Environment !== environment) {
      problems.push({
        path: "tags.Environment",
        value: tags.Environment,
        message: `must equal environment ("${environment}"), or be left out to be filled in from it`,
      });
    }
  }

  const firstUse = new Map<unknown, number>();
  asArray(raw.models).forEach((value, index) => {
    const model = asRecord(value);
    if (!model) return;
    if (typeof model.name === "string") {
      const first = firstUse.get(model.name);
      if (first === undefined) firstUse.set(model.name, index);
      else {
        problems.push({
          path: `models[${index}].name`,
          value: model.name,
          message: `is already used by models[${first}]; model names must be unique in a stack`,
        });
      }
    }
    problems.push(...pipelineProblems(`models[${index}].pipeline`, asRecord(model.pipeline)));
    problems.push(
      ...sourceProblems(model, place).map(({ key, value, message }) => ({
        path: `models[${index}].${key}`,
        value,
        message,
      })),
    );
    problems.push(...endpointProblems(`models[${index}].endpoint`, model, raw));
    problems.push(...monitoringProblems(`models[${index}]`, model, raw.requireMonitoring === true));
    problems.push(...batchProblems(`models[${index}]`, model, asRecord(raw.storage) ?? {}));
  });
  const built = asArray(raw.models).some((model) => asRecord(model)?.source === undefined);
  problems.push(...deliveryProblems(asRecord(raw.delivery), built));
  problems.push(...promotionProblems(asRecord(raw.promotion), built));
  problems.push(...storageProblems(asRecord(raw.storage) ?? {}, asArray(raw.models)));
  return problems;
}

/**
 * Retention periods must outlast what reads the data (`components/foundation/retention.ts`): the
 * monitors of endpoints that capture, and the builds of the models the stack builds.
 */
function storageProblems(storage: Raw, models: unknown[]): ConfigProblem[] {
  const monitors: CaptureReader[] = [];
  const builds: BuildReader[] = [];
  models.forEach((value, index) => {
    const model = asRecord(value) ?? {};
    const path = `models[${index}]`;
    const endpoint = asRecord(model.endpoint) ?? {};
    const monitoring = asRecord(model.monitoring) ?? {};
    const captured = asRecord(endpoint.dataCapture)?.enabled ?? DATA_CAPTURE_DEFAULTS.enabled;
    const monitored = monitoring.enabled ?? MONITORING_DEFAULTS.enabled;
    const schedule = monitoring.scheduleExpression ?? MONITORING_DEFAULTS.scheduleExpression;
    const valid = typeof schedule === "string" && scheduleExpressionProblem(schedule) === undefined;
    // A malformed schedule is the schema's to report; one whose runs do not tile the day reads at most 24 hours.
    if (endpoint.enabled !== false && endpoint.serverless === undefined && captured && monitored && valid) {
      const window = driftWindow(schedule);
      monitors.push({ path, windowHours: "hours" in window ? window.hours : 24 });
    }
    if (model.source !== undefined) return;
    const pipeline = asRecord(model.pipeline) ?? {};
    const spot = pipeline.spotTraining !== false;
    const runtime = pipeline.maxRuntimeSeconds ?? PIPELINE_DEFAULTS.maxRuntimeSeconds;
    const wait = pipeline.maxWaitSeconds;
    if (typeof runtime !== "number" || (wait !== undefined && typeof wait !== "number")) return;
    const settings = `${path}.pipeline`;
    builds.push(
      !spot
        ? { path, spot, trainingSeconds: runtime, bound: `${settings}.maxRuntimeSeconds` }
        : wait !== undefined
          ? { path, spot, trainingSeconds: wait, bound: `${settings}.maxWaitSeconds` }
          : {
              path,
              spot,
              trainingSeconds: runtime * 2,
              bound: `maxWaitSeconds, by default twice ${settings}.maxRuntimeSeconds`,
            },
    );
  });
  return retentionProblems(storage, { monitors, builds }).map(({ key, value, message }) => ({
    path: `storage.${key}`,
    value,
    message,
  }));
}

/** Sharing is for the models a stack builds; an account listed twice is a mistake. */
function promotionProblems(promotion: Raw | undefined, built: boolean): ConfigProblem[] {
  const accounts = asArray(promotion?.consumerAccounts);
  const problems: ConfigProblem[] = [];
  if (accounts.length > 0 && !built) {
    problems.push({
      path: "promotion.consumerAccounts",
      value: accounts,
      message:
        "shares nothing: every model of the stack is served from a source; list consumer accounts in the stack that builds the models",
    });
  }
  accounts.forEach((account, index) => {
    const first = accounts.indexOf(account);
    if (first !== index) {
      problems.push({
        path: `promotion.consumerAccounts[${index}]`,
        value: account,
        message: `is already listed at promotion.consumerAccounts[${first}]`,
      });
    }
  });
  return problems;
}

/** The name prefix a stack gets when `namePrefix` is unset: `mlops-<stack name>`. */
export function defaultNamePrefix(stack: string): string {
  return `${DEFAULT_PREFIX_START}${stack}`;
}

/**
 * Physical names must not collide between the stacks of an account. The default prefix comes from
 * the stack's name, which is unique in the project, so a stack file copied under a new name gets
 * names of its own; a stack whose name makes no valid prefix must set one.
 */
function namePrefixProblems(stack: string, raw: Raw): ConfigProblem[] {
  if (raw.namePrefix !== undefined) return [];
  const prefix = defaultNamePrefix(stack);
  if (NAME_PREFIX_PATTERN.test(prefix)) return [];
  return [
    {
      path: "namePrefix",
      value: undefined,
      message:
        `is required in stack "${stack}": the default, "${prefix}" (mlops-<stack name>), is not a valid name prefix ` +
        `(1-20 lowercase letters, digits and hyphens; starts with a letter); set mlops:namePrefix to a prefix ` +
        `no other stack in the AWS account uses`,
    },
  ];
}

/**
 * The deploy role trusts exactly one GitHub environment or branch, and approvals can only be
 * dispatched to a repository that is named.
 */
function deliveryProblems(delivery: Raw | undefined, built: boolean): ConfigProblem[] {
  if (!delivery) return [];
  const problems: ConfigProblem[] = [];
  const github = asRecord(delivery.github);
  if (github) {
    const { deployEnvironment: environment, deployBranch: branch } = github;
    if (environment === undefined && branch === undefined) {
      problems.push({
        path: "delivery.github.deployEnvironment",
        value: undefined,
        message:
          "is required unless deployBranch is set: the GitHub environment (or branch) whose jobs may assume the deploy role",
      });
    } else if (environment !== undefined && branch !== undefined) {
      problems.push({
        path: "delivery.github.deployBranch",
        value: branch,
        message: `cannot be combined with deployEnvironment (${JSON.stringify(environment)}): the deploy role trusts one environment or one branch; remove one of them`,
      });
    }
  }
  const dispatch = asRecord(delivery.approvalDispatch);
  if (dispatch?.enabled === true && !built) {
    problems.push({
      path: "delivery.approvalDispatch.enabled",
      value: true,
      message:
        "has nothing to dispatch: every model of the stack is served from a source, and approvals happen in the registry of the stack that builds it; set enabled: false",
    });
  }
  if (dispatch?.enabled === true && delivery.github === undefined) {
    problems.push({
      path: "delivery.approvalDispatch.enabled",
      value: true,
      message:
        "needs delivery.github.repository: approvals are dispatched to that repository; set delivery.github or enabled: false",
    });
  }
  return problems;
}

function pipelineProblems(path: string, pipeline: Raw | undefined): ConfigProblem[] {
  return spotWaitProblems(pipeline ?? {}).map(({ key, value, message }) => ({
    path: `${path}.${key}`,
    value,
    message,
  }));
}

/** The endpoint's cross-key rules (`components/endpoint/rules.ts`), at the keys as written in the stack file. */
function endpointProblems(path: string, model: Raw, stack: Raw): ConfigProblem[] {
  const endpoint = asRecord(model.endpoint);
  if (!endpoint || endpoint.enabled === false) return [];
  const challengers = asArray(endpoint.challengers);
  const problems = endpointRuleProblems({
    variants: [
      { at: "", variant: endpoint },
      ...challengers.map((challenger, index) => ({
        at: `challengers[${index}]`,
        variant: asRecord(challenger) ?? {},
      })),
    ],
    names: [
      { at: "variantName", name: endpoint.variantName ?? ENDPOINT_DEFAULTS.variantName },
      ...challengers.map((challenger, index) => ({
        at: `challengers[${index}].name`,
        name: asRecord(challenger)?.name,
      })),
      ...(endpoint.shadow !== undefined ? [{ at: "shadow.name", name: shadowName(endpoint.shadow) }] : []),
    ],
    shadow: endpoint.shadow,
    deployment: asRecord(endpoint.deployment),
    dataCapture: asRecord(endpoint.dataCapture),
    inNetwork: stack.network !== undefined,
    prefix: `${path}.`,
  }).map(({ key, value, message }) => ({ path: `${path}.${key}`, value, message }));
  // Serverless endpoints capture nothing, so there is nothing to monitor.
  const monitoring = asRecord(model.monitoring);
  if (endpoint.serverless !== undefined && (monitoring?.enabled ?? MONITORING_DEFAULTS.enabled) !== false) {
    problems.push({
      path: path.replace(/\.endpoint$/, ".monitoring.enabled"),
      value: monitoring?.enabled,
      message:
        "must be false: drift monitoring reads captured requests, which serverless endpoints lack (monitoring is on by default)",
    });
  }
  return problems;
}

/**
 * Either engine analyses the endpoint's captured requests, so monitoring without capture can never
 * run. A stack with `requireMonitoring` (prod's) also refuses capture without monitoring: captured
 * traffic nobody watches is cost and risk without the drift alerts it is for. Serverless endpoints
 * are reported by `endpointProblems`.
 */
function monitoringProblems(path: string, model: Raw, requireMonitoring: boolean): ConfigProblem[] {
  const endpoint = asRecord(model.endpoint) ?? {};
  if (endpoint.enabled === false || endpoint.serverless !== undefined) return [];
  const monitoring = asRecord(model.monitoring) ?? {};
  const problems: ConfigProblem[] = [];
  const monitored = monitoring.enabled ?? MONITORING_DEFAULTS.enabled;
  const captured = asRecord(endpoint.dataCapture)?.enabled ?? DATA_CAPTURE_DEFAULTS.enabled;
  if (monitored === true && captured === false) {
    problems.push({
      path: `${path}.monitoring.enabled`,
      value: monitoring.enabled,
      message:
        "needs endpoint.dataCapture.enabled: drift monitoring analyses the captured requests; turn capture on or set monitoring.enabled: false (monitoring is on by default)",
    });
  }
  problems.push(...engineProblems(`${path}.monitoring`, monitoring));
  if (requireMonitoring && monitored === false && captured === true) {
    problems.push({
      path: `${path}.monitoring.enabled`,
      value: false,
      message:
        "must be true while the endpoint captures data (endpoint.dataCapture.enabled is on by default): the stack sets requireMonitoring, so its endpoints are monitored for drift",
    });
  }
  for (const { index, value, message } of repeatedFeatureProblems(
    asArray(asRecord(monitoring.driftAlarms)?.features),
  )) {
    problems.push({ path: `${path}.monitoring.driftAlarms.features[${index}]`, value, message });
  }
  return problems;
}

/**
 * What only one engine reads is refused under the other, so that a setting never silently does
 * nothing; the drift check's runs must tile the day, and its warning level stay below drift.
 */
function engineProblems(path: string, monitoring: Raw): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const engine = monitoring.engine ?? MONITORING_DEFAULTS.engine;
  // An unknown engine is the schema's to report; nothing here depends on it then.
  if (!(MONITORING_ENGINES as readonly unknown[]).includes(engine)) return problems;
  const threshold = asRecord(monitoring.driftAlarms)?.threshold;
  if (engine === "model-monitor" && typeof threshold === "number" && threshold > 1) {
    problems.push({
      path: `${path}.driftAlarms.threshold`,
      value: threshold,
      message:
        "must be at most 1 with the model-monitor engine: Model Monitor's baseline distance is from 0 to 1",
    });
  }
  const only = (key: string, owner: MonitoringEngine) => {
    if (monitoring[key] !== undefined && engine !== owner) {
      problems.push({
        path: `${path}.${key}`,
        value: monitoring[key],
        message: `applies to the ${owner} engine only (monitoring.engine is "${String(engine)}")`,
      });
    }
  };
  only("baseline", "model-monitor");
  only("driftBaselineUri", "drift-check");
  only("drift", "drift-check");
  const uri = monitoring.driftBaselineUri;
  if (typeof uri === "string" && !uri.endsWith("/drift_baseline.json")) {
    problems.push({
      path: `${path}.driftBaselineUri`,
      value: uri,
      message: "must name a drift_baseline.json (what ml/baseline.py writes)",
    });
  }
  const schedule = monitoring.scheduleExpression;
  if (engine === "drift-check" && typeof schedule === "string") {
    const window = driftWindow(schedule);
    // Malformed expressions are the schema's to report.
    if ("problem" in window && scheduleExpressionProblem(schedule) === undefined) {
      problems.push({ path: `${path}.scheduleExpression`, value: schedule, message: window.problem });
    }
  }
  if (engine !== "drift-check") return problems;
  const drift = asRecord(monitoring.drift) ?? {};
  const level = (values: Raw, key: "psiWarn" | "psiDrift") =>
    typeof values[key] === "number" ? (values[key] as number) : undefined;
  const warn = level(drift, "psiWarn") ?? DRIFT_DEFAULTS.psiWarn;
  const driftLevel = level(drift, "psiDrift") ?? DRIFT_DEFAULTS.psiDrift;
  if (warn > driftLevel) {
    problems.push({
      path: `${path}.drift.psiWarn`,
      value: warn,
      message: `must not be above drift.psiDrift (${driftLevel}): a feature warns before it drifts`,
    });
  }
  for (const [feature, overrides] of Object.entries(asRecord(drift.features) ?? {})) {
    const values = asRecord(overrides) ?? {};
    const featureWarn = level(values, "psiWarn") ?? warn;
    const featureDrift = level(values, "psiDrift") ?? driftLevel;
    if (featureWarn > featureDrift) {
      problems.push({
        path: `${path}.drift.features.${feature}.psiWarn`,
        value: featureWarn,
        message: `must not be above the feature's psiDrift (${featureDrift}): a feature warns before it drifts`,
      });
    }
  }
  return problems;
}

/** Fills in defaults that depend on other settings. Pure: the same input gives the same output. */
function resolveDefaults(stack: string, parsed: ParsedStackConfig): StackConfig {
  const { delivery, ...rest } = parsed;
  const built = parsed.models.some((model) => model.source === undefined);
  return {
    ...rest,
    namePrefix: parsed.namePrefix ?? defaultNamePrefix(stack),
    tags: { Environment: parsed.environment, ...parsed.tags },
    ...(delivery ? { delivery: resolveDelivery(delivery, built) } : {}),
  };
}

/**
 * Approval dispatch is on by default once a repository is named and the stack builds a model:
 * approvals happen in the registry of the stack that builds, never in one that only serves.
 */
function resolveDelivery(delivery: DeliveryInput, built: boolean): DeliveryConfig {
  const { github } = delivery;
  const dispatchOn = delivery.approvalDispatch?.enabled ?? (github !== undefined && built);
  return {
    ...(github ? { github } : {}),
    ...(dispatchOn && github
      ? {
          approvalDispatch: {
            repository: github.repository,
            eventType: delivery.approvalDispatch?.eventType ?? DEFAULT_DISPATCH_EVENT_TYPE,
          },
        }
      : {}),
  };
}

/**
 * Validates a stack's raw settings and resolves defaults. Throws one `ConfigError` that lists every
 * problem (key path, value received, what is allowed) before any resource is created.
 *
 * @param place where the stack deploys (`aws:region` of the stack file), for the rules that
 *   compare a source registry with it; unknown parts are not checked.
 */
export function parseStackConfig(stack: string, raw: Raw, place: StackPlace = {}): StackConfig {
  const result = stackConfigSchema.safeParse(raw, { reportInput: true });
  const problems = [
    ...(result.success ? [] : problemsFromIssues(result.error.issues)),
    ...crossFieldProblems(stack, raw, place),
  ].sort((a, b) => a.path.localeCompare(b.path, "en", { numeric: true }));
  if (problems.length > 0 || !result.success) throw new ConfigError(stack, problems);
  return resolveDefaults(stack, result.data);
}
