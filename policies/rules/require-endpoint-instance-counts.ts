import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import {
  AUTOSCALING_TARGET,
  InstanceSlot,
  instanceSlots,
  peek,
  PIPELINE,
  pipelineInstanceSettings,
  checkPipelineSettings,
  SAGEMAKER_RESOURCE_LABELS,
} from "../lib/instanceTypes";
import { resourceRule, show } from "../lib/rule";

interface Config {
  readonly minInstancesPerVariant: number;
  readonly maxInstanceCount: number;
}

/** The scalable dimension of an endpoint variant's instance count (not inference component copies). */
export const VARIANT_INSTANCE_COUNT = "sagemaker:variant:DesiredInstanceCount";

/** The SageMaker resource types (besides pipelines and autoscaling targets) that set instance counts. */
const COUNTED_TYPES: ReadonlySet<string> = new Set([
  "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
  "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
  "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
  "aws:sagemaker/trainingJob:TrainingJob",
  "aws:sagemaker/hyperParameterTuningJob:HyperParameterTuningJob",
]);

/** `field value is below ...`, for a count under the per-variant minimum; undefined when it is not. */
function belowMinimum(field: string, value: unknown, config: Config): string | undefined {
  if (typeof value !== "number" || value >= config.minInstancesPerVariant) return undefined;
  return (
    `${field} ${show(value)} is below the minimum of ${config.minInstancesPerVariant} instances per variant in this stack; ` +
    `set ${field} to at least ${config.minInstancesPerVariant}.`
  );
}

/** `field value is above ...`, for a count over the stack's maximum; undefined when it is not. */
function aboveMaximum(field: string, value: unknown, config: Config): string | undefined {
  if (typeof value !== "number" || value <= config.maxInstanceCount) return undefined;
  return (
    `${field} ${show(value)} is above the maximum of ${config.maxInstanceCount} instances in this stack; ` +
    `set ${field} to at most ${config.maxInstanceCount}, or raise maxInstanceCount in the policy config.`
  );
}

/** The problems of one capacity setting of a SageMaker resource. */
function slotProblems(slot: InstanceSlot, config: Config): (string | undefined)[] {
  if (slot.countKey === undefined) return [];
  const { holder, countKey } = slot;
  if (slot.kind !== "productionVariant") return [aboveMaximum(countKey, holder[countKey], config)];
  // Serverless variants run no instances of their own.
  if (holder.serverlessConfig !== undefined && holder.serverlessConfig !== null) return [];
  const count = holder[countKey];
  const problems = [belowMinimum(countKey, count, config), aboveMaximum(countKey, count, config)];
  // SageMaker-managed scaling moves the variant between its own bounds.
  const managed = holder.managedInstanceScaling as Record<string, unknown> | undefined;
  if (managed && managed.status === "ENABLED") {
    problems.push(
      belowMinimum("managedInstanceScaling.minInstanceCount", managed.minInstanceCount, config),
      aboveMaximum("managedInstanceScaling.maxInstanceCount", managed.maxInstanceCount, config),
    );
  }
  return problems;
}

/** An Application Auto Scaling target of an endpoint variant keeps the variant within the stack's bounds. */
function targetProblems(props: Record<string, unknown>, config: Config): (string | undefined)[] {
  return [
    belowMinimum("minCapacity", props.minCapacity, config),
    aboveMaximum("maxCapacity", props.maxCapacity, config),
  ];
}

/** `endpoint "e", variant "v"` from `endpoint/<e>/variant/<v>`, when the resource id is known. */
function targetLabel(resourceId: unknown): string {
  const match =
    typeof resourceId === "string" ? /^endpoint\/([^/]+)\/variant\/([^/]+)$/.exec(resourceId) : null;
  return match ? ` (endpoint "${match[1]}", variant "${match[2]}")` : "";
}

/**
 * Instance counts of a pipeline's job clusters: literal counts per step, parameter defaults once
 * per parameter. A definition that is not JSON is reported by `limit-sagemaker-instance-types`
 * and passed over here; parameters without defaults and other expressions are not judged.
 */
function checkPipeline(name: string, definition: unknown, config: Config, report: ReportViolation): void {
  const parsed = pipelineInstanceSettings(definition);
  if (!parsed.ok) return;
  checkPipelineSettings(
    name,
    parsed,
    {
      pick: (setting) => setting.instanceCount,
      what: "instance count",
      problem: (_use, value, source) =>
        aboveMaximum(source === "step" ? "InstanceCount" : "the default", value, config),
    },
    report,
  );
}

/**
 * Endpoints keep enough instances and nothing runs too many: every instance-based production
 * variant starts with at least `minInstancesPerVariant` instances (initialInstanceCount, and
 * managed instance scaling's minimum when enabled), and its Application Auto Scaling target
 * (dimension `sagemaker:variant:DesiredInstanceCount`) has minCapacity at least that; no count
 * exceeds `maxInstanceCount`: variants, shadow variants, autoscaling maxCapacity, data-quality and
 * inline monitoring job clusters, training and tuning jobs, and pipeline steps' InstanceCount
 * (a parameter reference through its DefaultValue). Serverless variants run no instances and are
 * skipped; shadow variants only have the maximum.
 *
 * A resource rule, not a stack rule: an autoscaling target carries its own bounds, so it is checked
 * on its own, whichever variant it scales; targets of other services are not applicable.
 *
 * During `pulumi preview`: counts are read through the engine's unknown-checking proxy, so an
 * unknown count (or a pipeline definition unknown as a whole) makes the engine report that the
 * rule can't run for that resource; an unknown target resource id only drops the endpoint and
 * variant names from the message.
 */
export const requireEndpointInstanceCounts = resourceRule({
  name: "require-endpoint-instance-counts",
  description:
    "SageMaker endpoint variants run at least the stack's minimum instances, and no instance count anywhere exceeds its maximum.",
  severity: "medium",
  controls: ["SageMaker.4"],
  config: {
    minInstancesPerVariant: {
      type: "integer",
      minimum: 1,
      description:
        "Fewest instances an instance-based production variant may run (initial count and autoscaling minimum).",
      default: 1,
    },
    maxInstanceCount: {
      type: "integer",
      minimum: 1,
      description:
        "Most instances any count may ask for: variants, autoscaling maximum, monitoring, training and pipeline jobs.",
      default: 20,
    },
  },
  validateResource: (args: ResourceValidationArgs, report) => {
    const config = args.getConfig<Config>();
    if (args.type === PIPELINE) {
      if (args.props.pipelineDefinition !== undefined)
        checkPipeline(args.name, args.props.pipelineDefinition, config, report);
      return;
    }
    if (args.type === AUTOSCALING_TARGET) {
      if (args.props.scalableDimension !== VARIANT_INSTANCE_COUNT) {
        return args.notApplicable("the target does not scale a SageMaker endpoint variant's instances");
      }
      const label = `Autoscaling target "${args.name}"${targetLabel(peek(() => args.props.resourceId))}`;
      for (const problem of targetProblems(args.props, config)) if (problem) report(`${label}: ${problem}`);
      return;
    }
    if (!COUNTED_TYPES.has(args.type))
      return args.notApplicable(`${args.type} has no SageMaker instance count`);
    const slots = instanceSlots(args.type, args.props) ?? [];
    const label = `${SAGEMAKER_RESOURCE_LABELS[args.type] ?? args.type} "${args.name}"`;
    for (const slot of slots) {
      for (const problem of slotProblems(slot, config)) {
        if (problem) report(`${label}${slot.where === "" ? "" : `, ${slot.where}`}: ${problem}`);
      }
    }
  },
});
