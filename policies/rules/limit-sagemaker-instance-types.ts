import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import {
  InstanceUse,
  instanceSlots,
  instanceTypeProblem,
  PIPELINE,
  pipelineInstanceSettings,
  checkPipelineSettings,
  SAGEMAKER_RESOURCE_LABELS,
  VALID_INSTANCE_TYPES,
} from "../lib/instanceTypes";
import { resourceRule } from "../lib/rule";

/** The allow-list settings, and the uses each one governs. */
export const ALLOW_LIST_KEYS = {
  endpointInstanceTypes: ["endpoint"],
  processingInstanceTypes: ["processing"],
  trainingInstanceTypes: ["training"],
  transformInstanceTypes: ["transform"],
  notebookInstanceTypes: ["notebook", "studioApp"],
} as const satisfies Record<string, readonly InstanceUse[]>;
type AllowListKey = keyof typeof ALLOW_LIST_KEYS;
type Config = Readonly<Record<AllowListKey, readonly string[]>>;

const CONFIG_KEY_OF: Readonly<Record<InstanceUse, AllowListKey>> = {
  endpoint: "endpointInstanceTypes",
  processing: "processingInstanceTypes",
  training: "trainingInstanceTypes",
  transform: "transformInstanceTypes",
  notebook: "notebookInstanceTypes",
  studioApp: "notebookInstanceTypes",
};

const DESCRIPTIONS: Readonly<Record<AllowListKey, string>> = {
  endpointInstanceTypes:
    "Instance types endpoint variants (production and shadow) may use; [] allows every valid type.",
  processingInstanceTypes:
    "Instance types of processing jobs (data-quality and monitoring jobs, pipeline Processing, QualityCheck and ClarifyCheck steps); [] allows every valid type.",
  trainingInstanceTypes:
    "Instance types of training and tuning jobs (resources and pipeline steps); [] allows every valid type.",
  transformInstanceTypes: "Instance types of pipeline Transform steps; [] allows every valid type.",
  notebookInstanceTypes:
    "Instance types of notebook instances and SageMaker Studio apps; [] allows every valid type.",
};

/** An allow-list setting: only instance types SageMaker offers for its uses, so a typo fails the pack config. */
function allowListSchema(key: AllowListKey): PolicyConfigJSONSchema {
  const valid = [...new Set(ALLOW_LIST_KEYS[key].flatMap((use) => VALID_INSTANCE_TYPES[use]))].sort();
  return {
    type: "array",
    items: { type: "string", enum: valid },
    uniqueItems: true,
    description: DESCRIPTIONS[key],
    default: [],
  };
}

function checkValue(config: Config, use: InstanceUse, value: unknown): string | undefined {
  const key = CONFIG_KEY_OF[use];
  return instanceTypeProblem(use, value, config[key], key);
}

/**
 * The pipeline definition's job clusters: literal instance types per step, parameter defaults once
 * per parameter and use (with the steps that use it). A parameter without a default, or another
 * expression, is only known when an execution runs and is not judged; executions may also
 * override defaults, which no deployment-time rule can see.
 */
function checkPipeline(name: string, definition: unknown, config: Config, report: ReportViolation): void {
  // A definition kept in S3 (pipelineDefinitionS3Location) is not part of the stack's inputs.
  if (definition === undefined) return;
  const parsed = pipelineInstanceSettings(definition);
  if (!parsed.ok) {
    report(
      `Pipeline "${name}": the pipeline definition ${parsed.problem}; its instance types cannot be checked.`,
    );
    return;
  }
  checkPipelineSettings(
    name,
    parsed,
    {
      pick: (setting) => setting.instanceType,
      what: "instance type",
      problem: (use, value, source) => {
        const problem = checkValue(config, use, value);
        return problem && `${source === "step" ? "instance type" : "default"} ${problem}`;
      },
    },
    report,
  );
}

/**
 * Every SageMaker instance a stack can start is of a type SageMaker offers for its use and on the
 * stack's allow-list for that use: endpoint variants (production and shadow; serverless variants
 * have none), data-quality job definitions and inline monitoring jobs (processing), notebook
 * instances and Studio default resource specs (notebook list), training and tuning jobs, and the
 * Processing, QualityCheck, ClarifyCheck, Training, Tuning and Transform steps of a pipeline
 * definition, also inside Condition steps (a `{"Get": "Parameters.X"}` instance type is checked
 * through X's DefaultValue). An empty allow-list allows every valid type. A type that is not
 * valid for its use is reported as such, with the closest valid type.
 *
 * During `pulumi preview`: instance types are read through the engine's unknown-checking proxy, so
 * an unknown instance type, or a pipeline definition that is unknown as a whole (it is built from
 * other resources' outputs, e.g. on a stack's first preview), makes the engine report that the rule
 * can't run for that resource; it runs at update time, when the values are known. Labels (variant
 * names) that are unknown do not stop the check.
 */
export const limitSagemakerInstanceTypes = resourceRule({
  name: "limit-sagemaker-instance-types",
  description:
    "SageMaker endpoints, jobs, pipeline steps and notebooks use valid instance types from the stack's allow-list for each use.",
  severity: "low",
  config: Object.fromEntries(
    (Object.keys(ALLOW_LIST_KEYS) as AllowListKey[]).map((key) => [key, allowListSchema(key)]),
  ),
  validateResource: (args: ResourceValidationArgs, report) => {
    const config = args.getConfig<Config>();
    if (args.type === PIPELINE) {
      checkPipeline(args.name, args.props.pipelineDefinition, config, report);
      return;
    }
    const slots = instanceSlots(args.type, args.props);
    if (slots === undefined) return args.notApplicable(`${args.type} names no SageMaker instance type`);
    const label = `${SAGEMAKER_RESOURCE_LABELS[args.type] ?? args.type} "${args.name}"`;
    for (const slot of slots) {
      const value = slot.holder[slot.typeKey];
      // Serverless variants and absent optional settings name no instance type.
      if (value === undefined) continue;
      const problem = checkValue(config, slot.use, value);
      if (problem) report(`${label}${slot.where === "" ? "" : `, ${slot.where}`}: instance type ${problem}`);
    }
  },
});
