import {
  allSteps,
  parsePipelineDefinition,
  PipelineStep,
  resolvePipelineValue,
  stepPropertyReference,
} from "../lib/pipelineDefinition";
import { show, stackRule } from "../lib/rule";
import { MODEL_TYPE, PIPELINE_TYPE, sageMakerNames } from "../lib/sagemakerResources";
import { at, ofTypes, refersTo, stackItems, StackItem, UNKNOWN } from "../lib/sagemakerValues";

const ISOLATION = "so that the model's containers cannot make outbound network calls";

/** Why a Transform step's model is not known to be isolated; undefined when it is, or may be (unknown values). */
function transformProblem(
  pipeline: StackItem,
  step: PipelineStep,
  steps: readonly PipelineStep[],
  parameters: Parameters<typeof resolvePipelineValue>[1],
  models: readonly StackItem[],
): string | undefined {
  const reference = step.args.ModelName;
  const resolved = resolvePipelineValue(reference, parameters);
  if (
    resolved.kind === "parameterDefault" ||
    resolved.kind === "parameterWithoutDefault" ||
    resolved.kind === "undeclaredParameter"
  ) {
    return `ModelName comes from parameter "${resolved.parameter}", so an execution can run any model, isolated or not; name the stack's model in the step.`;
  }
  if (resolved.kind === "expression") {
    // A model that a Model step of the same pipeline creates (a CreateModel request): its own flag.
    const property = stepPropertyReference(reference);
    const creator = steps.find(
      (candidate) => candidate.name === property?.step && candidate.type === "Model",
    );
    if (creator && property?.path === "ModelName") {
      const flag = creator.args.EnableNetworkIsolation;
      return flag === true
        ? undefined
        : `its transform job runs the model that step "${creator.name}" creates, whose EnableNetworkIsolation is ${show(flag)}; set it to true in step "${creator.name}" ${ISOLATION}.`;
    }
    return `ModelName is ${show(reference)}, known only when an execution runs, so whether its model is network-isolated cannot be checked; name a model of the stack, or of a Model step of the pipeline.`;
  }
  const name = resolved.value;
  if (typeof name !== "string" || name === "") {
    return `ModelName is ${show(name)}; name a network-isolated SageMaker model of the stack.`;
  }
  const named = models.filter((model) =>
    refersTo(pipeline.resource, "pipelineDefinition", name, model, sageMakerNames(model)),
  );
  if (named.length === 0) {
    return `ModelName ${show(name)} is no SageMaker model of this stack, so whether its containers are network-isolated cannot be checked; create the model in the stack (aws.sagemaker.Model with enableNetworkIsolation: true) and name it here.`;
  }
  const flags = named.map((model) => at(model.props, "enableNetworkIsolation"));
  // Several candidates only while names are unknown (matched by dependency): one may be it.
  if (flags.some((flag) => flag === true || flag === UNKNOWN)) return undefined;
  const [model] = named as [StackItem];
  return `its transform job runs model ${show(name)} (aws.sagemaker.Model "${model.resource.name}"), whose enableNetworkIsolation is ${show(flags[0])}; a transform job has no isolation setting of its own and runs the model's containers as the model is configured, so set enableNetworkIsolation to true on that model ${ISOLATION}.`;
}

/**
 * Requires the model of every Transform step of a SageMaker pipeline, also inside Condition steps,
 * to be network-isolated. A transform job has no isolation setting of its own: it runs the model
 * its `ModelName` names, an existing model of the account and Region
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTransformJob.html), with that
 * model's `EnableNetworkIsolation` and VPC. So the name must be that of an aws.sagemaker.Model of the
 * stack whose `enableNetworkIsolation` is true (`require-sagemaker-network-isolation` holds every
 * model of the stack to it too), or a `{"Get": "Steps.<step>.ModelName"}` of a Model step of the same
 * pipeline whose `EnableNetworkIsolation` is true. A model from a parameter lets an execution run any
 * model, and a name no model of the stack has cannot be judged: both are findings, against the pipeline.
 *
 * A stack rule: the step names the model, and only the stack knows the model's settings.
 *
 * During preview: a definition that is unknown as a whole (it is built from the model's name, which
 * AWS assigns) or a model's unknown flag is assumed to comply; a name matches a model whose name is
 * unknown when the pipeline depends on that model. The rule never reads through unknown values, so
 * it never gives the engine's advisory; stack rules run again at the end of `pulumi up`, with every
 * value known. A definition that is not JSON is reported by the resource rules
 * (`limit-sagemaker-instance-types`, `require-sagemaker-network-isolation`) and passed over here.
 */
export const requireTransformModelIsolation = stackRule({
  name: "require-transform-model-isolation",
  description:
    "Requires the model of every pipeline Transform step to be a network-isolated SageMaker model of the stack.",
  severity: "medium",
  validateStack: (args, report) => {
    const items = stackItems(args.resources);
    const models = ofTypes(items, [MODEL_TYPE]);
    for (const pipeline of ofTypes(items, [PIPELINE_TYPE])) {
      const definition = at(pipeline.props, "pipelineDefinition");
      // Kept in S3 (pipelineDefinitionS3Location), or unknown during preview.
      if (definition === undefined || definition === UNKNOWN) continue;
      const parsed = parsePipelineDefinition(definition);
      if (!parsed.ok) continue;
      const steps = allSteps(parsed.steps);
      for (const step of steps.filter((candidate) => candidate.type === "Transform")) {
        const problem = transformProblem(pipeline, step, steps, parsed.parameters, models);
        if (problem)
          report(
            `Pipeline "${pipeline.resource.name}", step "${step.name}": ${problem}`,
            pipeline.resource.urn,
          );
      }
    }
  },
});
