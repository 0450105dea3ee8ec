import {
  _InstanceType as NotebookInstanceType,
  AppInstanceType,
  ProcessingInstanceType,
  ProductionVariantInstanceType,
  TrainingInstanceType,
  TransformInstanceType,
} from "@aws-sdk/client-sagemaker";
import { UnknownValueError } from "@pulumi/policy";
import { closest } from "fastest-levenshtein";
import {
  allSteps,
  parsePipelineDefinition,
  PipelineParameterDefault,
  PROCESSING_STEP_TYPES,
  PipelineStep,
  resolvePipelineValue,
} from "./pipelineDefinition";
import { show } from "./rule";

export { resolvePipelineValue } from "./pipelineDefinition";
export type { PipelineParameterDefault, ResolvedPipelineValue } from "./pipelineDefinition";

/** What an instance runs: each use has its own set of instance types in SageMaker. */
export type InstanceUse = "endpoint" | "processing" | "training" | "transform" | "notebook" | "studioApp";

/** The instance types SageMaker offers for each use (the enums of `@aws-sdk/client-sagemaker`). */
export const VALID_INSTANCE_TYPES: Readonly<Record<InstanceUse, readonly string[]>> = {
  endpoint: Object.values(ProductionVariantInstanceType),
  processing: Object.values(ProcessingInstanceType),
  training: Object.values(TrainingInstanceType),
  transform: Object.values(TransformInstanceType),
  notebook: Object.values(NotebookInstanceType),
  studioApp: Object.values(AppInstanceType),
};

/** Each use as messages name it ("... for processing jobs"). */
export const INSTANCE_USE_NAMES: Readonly<Record<InstanceUse, string>> = {
  endpoint: "endpoints",
  processing: "processing jobs",
  training: "training jobs",
  transform: "batch transform jobs",
  notebook: "notebook instances",
  studioApp: "SageMaker Studio apps",
};

/**
 * What is wrong with `value` as the instance type of `use`, completing a sentence that starts with
 * what the value is (e.g. `instance type `); undefined when it is valid and allowed. An empty
 * `allowed` list allows every valid type; `configKey` names the setting that lists them.
 */
export function instanceTypeProblem(
  use: InstanceUse,
  value: unknown,
  allowed: readonly string[],
  configKey: string,
): string | undefined {
  const valid = VALID_INSTANCE_TYPES[use];
  const uses = INSTANCE_USE_NAMES[use];
  if (typeof value !== "string" || !valid.includes(value)) {
    const hint =
      typeof value === "string" && value !== "" ? ` (did you mean "${closest(value, valid)}"?)` : "";
    return `${show(value)} is not a valid SageMaker instance type for ${uses}${hint}; use a type SageMaker offers for ${uses}.`;
  }
  if (allowed.length > 0 && !allowed.includes(value)) {
    return (
      `${show(value)} is not allowed for ${uses} in this stack (allowed: ${allowed.join(", ")}); ` +
      `use one of them, or add it to ${configKey} in the policy config.`
    );
  }
  return undefined;
}

/** The value `read` returns, or undefined while it is unknown (for labels, which must not stop a check). */
export function peek(read: () => unknown): unknown {
  try {
    return read();
  } catch (error) {
    if (error instanceof UnknownValueError) return undefined;
    throw error;
  }
}

type Props = Record<string, unknown>;

function asRecord(value: unknown): Props | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Props) : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** How a capacity setting is used, which decides the counts it must have. */
export type SlotKind = "productionVariant" | "shadowVariant" | "job" | "interactive";

/**
 * One place of a resource that names an instance type (and maybe a count). The values stay in
 * `holder` (behind the engine's unknown-checking proxy) and are read only by the rule that needs
 * them, so that an unknown value stops only the checks that read it.
 */
export interface InstanceSlot {
  /** Where in the resource, for messages (`production variant "primary"`); "" for the resource itself. */
  readonly where: string;
  readonly use: InstanceUse;
  readonly kind: SlotKind;
  /** The object that holds the settings. */
  readonly holder: Props;
  readonly typeKey: string;
  readonly countKey?: string;
}

const ENDPOINT_CONFIGURATION = "aws:sagemaker/endpointConfiguration:EndpointConfiguration";
export const PIPELINE = "aws:sagemaker/pipeline:Pipeline";
export const AUTOSCALING_TARGET = "aws:appautoscaling/target:Target";

/** How messages name each resource type this module reads. */
export const SAGEMAKER_RESOURCE_LABELS: Readonly<Record<string, string>> = {
  [ENDPOINT_CONFIGURATION]: "Endpoint configuration",
  "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition": "Data-quality job definition",
  "aws:sagemaker/monitoringSchedule:MonitoringSchedule": "Monitoring schedule",
  "aws:sagemaker/notebookInstance:NotebookInstance": "Notebook instance",
  "aws:sagemaker/trainingJob:TrainingJob": "Training job",
  "aws:sagemaker/hyperParameterTuningJob:HyperParameterTuningJob": "Tuning job",
  "aws:sagemaker/domain:Domain": "Domain",
  "aws:sagemaker/userProfile:UserProfile": "User profile",
  "aws:sagemaker/space:Space": "Space",
  "aws:sagemaker/app:App": "Studio app",
  [PIPELINE]: "Pipeline",
  [AUTOSCALING_TARGET]: "Autoscaling target",
};

function variantSlots(variants: unknown, kind: "productionVariant" | "shadowVariant"): InstanceSlot[] {
  const what = kind === "productionVariant" ? "production variant" : "shadow variant";
  return asArray(variants).flatMap((variant, index) => {
    const holder = asRecord(variant);
    if (!holder) return [];
    const name = peek(() => holder.variantName);
    const where = typeof name === "string" ? `${what} "${name}"` : `${what} ${index + 1}`;
    return [
      { where, use: "endpoint", kind, holder, typeKey: "instanceType", countKey: "initialInstanceCount" },
    ];
  });
}

/** A job cluster (`clusterConfig`): one instance type, one count. */
function clusterSlot(holder: unknown, use: InstanceUse, where = ""): InstanceSlot[] {
  const record = asRecord(holder);
  return record
    ? [{ where, use, kind: "job", holder: record, typeKey: "instanceType", countKey: "instanceCount" }]
    : [];
}

/** A training `resourceConfig`: the cluster, its heterogeneous instance groups, and tuning's instance configs. */
function trainingResourceSlots(resourceConfig: unknown, where: string): InstanceSlot[] {
  const record = asRecord(resourceConfig);
  if (!record) return [];
  const named = (key: string, label: string) =>
    asArray(record[key]).flatMap((group, index) => {
      const name = peek(() => asRecord(group)?.instanceGroupName);
      const groupLabel = typeof name === "string" ? `${label} "${name}"` : `${label} ${index + 1}`;
      return clusterSlot(group, "training", where === "" ? groupLabel : `${where}, ${groupLabel}`);
    });
  return [
    ...clusterSlot(record, "training", where),
    ...named("instanceGroups", "instance group"),
    ...named("instanceConfigs", "instance config"),
  ];
}

/** Studio settings: the default resource spec of every `*AppSettings` they hold. */
function studioSlots(settings: unknown, path: string): InstanceSlot[] {
  const record = asRecord(settings);
  if (!record) return [];
  return Object.keys(record)
    .filter((key) => key.endsWith("AppSettings") || key.endsWith("DomainSettings"))
    .flatMap((key) => {
      const spec = asRecord(asRecord(record[key])?.defaultResourceSpec);
      return spec
        ? [
            {
              where: `${path}.${key}.defaultResourceSpec`,
              use: "studioApp" as const,
              kind: "interactive" as const,
              holder: spec,
              typeKey: "instanceType",
            },
          ]
        : [];
    });
}

/**
 * The places a SageMaker resource (other than a pipeline, see `pipelineInstanceSettings`) names an
 * instance type; undefined for types that name none. Serverless variants are included: they have
 * no instance type, which the rules skip.
 */
export function instanceSlots(type: string, props: Props): InstanceSlot[] | undefined {
  switch (type) {
    case ENDPOINT_CONFIGURATION:
      return [
        ...variantSlots(props.productionVariants, "productionVariant"),
        ...variantSlots(props.shadowProductionVariants, "shadowVariant"),
      ];
    case "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition":
      return clusterSlot(asRecord(props.jobResources)?.clusterConfig, "processing");
    case "aws:sagemaker/monitoringSchedule:MonitoringSchedule": {
      // Only a schedule with an inline job definition; a named one is checked as its own resource.
      const definition = asRecord(asRecord(props.monitoringScheduleConfig)?.monitoringJobDefinition);
      return clusterSlot(asRecord(definition?.monitoringResources)?.clusterConfig, "processing");
    }
    case "aws:sagemaker/notebookInstance:NotebookInstance":
      return [{ where: "", use: "notebook", kind: "interactive", holder: props, typeKey: "instanceType" }];
    case "aws:sagemaker/trainingJob:TrainingJob":
      return trainingResourceSlots(props.resourceConfig, "");
    case "aws:sagemaker/hyperParameterTuningJob:HyperParameterTuningJob": {
      const definitions = [props.trainingJobDefinition, ...asArray(props.trainingJobDefinitions)];
      return definitions.flatMap((definition, index) => {
        const record = asRecord(definition);
        if (!record) return [];
        const label = index === 0 ? "trainingJobDefinition" : `trainingJobDefinitions[${index - 1}]`;
        return [
          ...trainingResourceSlots(record.resourceConfig, label),
          ...trainingResourceSlots(record.hyperParameterTuningResourceConfig, label),
        ];
      });
    }
    case "aws:sagemaker/domain:Domain":
      return [
        ...studioSlots(props.defaultUserSettings, "defaultUserSettings"),
        ...studioSlots(props.defaultSpaceSettings, "defaultSpaceSettings"),
        ...studioSlots(props.domainSettings, "domainSettings"),
      ];
    case "aws:sagemaker/userProfile:UserProfile":
      return studioSlots(props.userSettings, "userSettings");
    case "aws:sagemaker/space:Space":
      return studioSlots(props.spaceSettings, "spaceSettings");
    case "aws:sagemaker/app:App": {
      const spec = asRecord(props.resourceSpec);
      return spec
        ? [
            {
              where: "resourceSpec",
              use: "studioApp",
              kind: "interactive",
              holder: spec,
              typeKey: "instanceType",
            },
          ]
        : [];
    }
    default:
      return undefined;
  }
}

/** The pipeline step kinds that run jobs on instances, and the use their instances are checked for. */
export type PipelineUse = "processing" | "training" | "transform";

/** One job cluster of a pipeline step: its instance type and count as the definition writes them. */
export interface PipelineInstanceSetting {
  /** The step's name. */
  readonly step: string;
  readonly use: PipelineUse;
  /** Where in the step, for messages (`instance group "gpu"`); "" for the step's cluster. */
  readonly where: string;
  /** A value, or a pipeline expression such as `{"Get": "Parameters.X"}`; undefined when absent. */
  readonly instanceType: unknown;
  readonly instanceCount: unknown;
}

export type ParsedPipeline =
  | {
      readonly ok: true;
      readonly parameters: ReadonlyMap<string, PipelineParameterDefault>;
      readonly settings: readonly PipelineInstanceSetting[];
    }
  | { readonly ok: false; readonly problem: string };

function clusterSetting(
  step: string,
  use: PipelineUse,
  holder: unknown,
  where = "",
): PipelineInstanceSetting[] {
  const record = asRecord(holder);
  return record
    ? [{ step, use, where, instanceType: record.InstanceType, instanceCount: record.InstanceCount }]
    : [];
}

function trainingSettings(step: string, resourceConfig: unknown, where = ""): PipelineInstanceSetting[] {
  const record = asRecord(resourceConfig);
  if (!record) return [];
  const named = (key: string, label: string) =>
    asArray(record[key]).flatMap((group, index) => {
      const name = asRecord(group)?.InstanceGroupName;
      const groupLabel = typeof name === "string" ? `${label} "${name}"` : `${label} ${index + 1}`;
      return clusterSetting(step, "training", group, where === "" ? groupLabel : `${where}, ${groupLabel}`);
    });
  return [
    ...clusterSetting(step, "training", record, where),
    ...named("InstanceGroups", "instance group"),
    ...named("InstanceConfigs", "instance config"),
  ];
}

/** The job clusters of one step (the steps a Condition step runs are steps of their own). */
function stepSettings({ name, type, args }: PipelineStep): PipelineInstanceSetting[] {
  if (typeof type === "string" && PROCESSING_STEP_TYPES.has(type)) {
    return clusterSetting(name, "processing", asRecord(args.ProcessingResources)?.ClusterConfig);
  }
  switch (type) {
    case "Training":
      return trainingSettings(name, args.ResourceConfig);
    case "Tuning":
      return [args.TrainingJobDefinition, ...asArray(args.TrainingJobDefinitions)].flatMap(
        (definition, index) => {
          const record = asRecord(definition);
          const where = index === 0 ? "TrainingJobDefinition" : `TrainingJobDefinitions[${index - 1}]`;
          return record
            ? [
                ...trainingSettings(name, record.ResourceConfig, where),
                ...trainingSettings(name, record.HyperParameterTuningResourceConfig, where),
              ]
            : [];
        },
      );
    case "Transform":
      return clusterSetting(name, "transform", args.TransformResources);
    default:
      return [];
  }
}

/**
 * The job clusters of a SageMaker pipeline definition (JSON text, schema 2020-12-01) with its
 * parameters' defaults, also those of the steps Condition steps run. Text that is not a definition
 * gives `ok: false` and why (see `parsePipelineDefinition`).
 */
export function pipelineInstanceSettings(text: unknown): ParsedPipeline {
  const parsed = parsePipelineDefinition(text);
  if (!parsed.ok) return parsed;
  return { ok: true, parameters: parsed.parameters, settings: allSteps(parsed.steps).flatMap(stepSettings) };
}

/** How messages name the steps of a use ("processing steps Preprocess, Evaluate"). */
export function stepsLabel(use: PipelineUse, steps: readonly string[]): string {
  const kind = { processing: "processing", training: "training", transform: "transform" }[use];
  return `${kind} step${steps.length > 1 ? "s" : ""} ${steps.join(", ")}`;
}

/** What {@link checkPipelineSettings} checks: one setting of every job cluster, and how to judge it. */
export interface PipelineSettingCheck {
  /** The setting, as the step declares it (a literal or a parameter reference); undefined when absent. */
  readonly pick: (setting: PipelineInstanceSetting) => unknown;
  /** "instance type" or "instance count", for the messages. */
  readonly what: string;
  /** The problem with a value, or undefined; `source` says whether it is a step's literal or a parameter's default. */
  readonly problem: (use: PipelineUse, value: unknown, source: "step" | "default") => string | undefined;
}

/**
 * Checks one setting across a parsed pipeline: a step's literal value on that step, a parameter's
 * default once per parameter and use (naming the steps that use it), and a reference to a parameter
 * the definition does not declare. Parameters without defaults and other expressions are only known
 * when an execution runs and are not judged.
 */
export function checkPipelineSettings(
  name: string,
  parsed: Extract<ParsedPipeline, { ok: true }>,
  check: PipelineSettingCheck,
  report: (message: string) => void,
): void {
  const byParameter = new Map<
    string,
    { parameter: string; use: PipelineUse; value: unknown; steps: string[] }
  >();
  for (const setting of parsed.settings) {
    const declared = check.pick(setting);
    if (declared === undefined) continue;
    const step = `Pipeline "${name}", step "${setting.step}"${setting.where === "" ? "" : `, ${setting.where}`}`;
    const resolved = resolvePipelineValue(declared, parsed.parameters);
    if (resolved.kind === "value") {
      const problem = check.problem(setting.use, resolved.value, "step");
      if (problem) report(`${step}: ${problem}`);
    } else if (resolved.kind === "undeclaredParameter") {
      report(
        `${step}: the ${check.what} refers to parameter "${resolved.parameter}", which the definition does not declare; declare it with a DefaultValue.`,
      );
    } else if (resolved.kind === "parameterDefault") {
      const key = `${resolved.parameter}\u0000${setting.use}`;
      const group = byParameter.get(key) ?? { ...resolved, use: setting.use, steps: [] };
      if (!group.steps.includes(setting.step)) group.steps.push(setting.step);
      byParameter.set(key, group);
    }
  }
  for (const { parameter, use, value, steps } of byParameter.values()) {
    const problem = check.problem(use, value, "default");
    if (problem) {
      report(
        `Pipeline "${name}", parameter "${parameter}" (${check.what} of ${stepsLabel(use, steps)}): ${problem}`,
      );
    }
  }
}
