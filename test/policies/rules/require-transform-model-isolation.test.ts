import assert from "node:assert/strict";
import { MODEL_TYPE, PIPELINE_TYPE } from "../../../policies/lib/sagemakerResources";
import { requireTransformModelIsolation as rule } from "../../../policies/rules/require-transform-model-isolation";
import { StackResourceInput, UNKNOWN, usePolicyDay } from "../../helpers/policyArgs";
import { edited, find, previewStacks, programStacks, propsOf, stackCheck } from "../../helpers/programStacks";
import { BatchDefinitionJson, transformStep } from "./pipelineSteps";

/** Staging's batch inference, as the BatchInference component creates it: its pipeline and the model Score runs. */
const PIPELINE = "mlops-staging-diagnosis-batch-pipeline";
const MODEL = "mlops-staging-diagnosis-batch-model";
const NONE = { violations: [], urns: [], unknown: [] };
const STEP = `Pipeline "${PIPELINE}", step "Score"`;
const ISOLATION_OFF = (physical: string, value: string) =>
  `${STEP}: its transform job runs model "${physical}" (aws.sagemaker.Model "${MODEL}"), whose ` +
  `enableNetworkIsolation is ${value}; a transform job has no isolation setting of its own and runs the ` +
  "model's containers as the model is configured, so set enableNetworkIsolation to true on that model so " +
  "that the model's containers cannot make outbound network calls.";

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Stacks = Awaited<ReturnType<typeof programStacks>>;

describe("require-transform-model-isolation", () => {
  let stacks: Stacks;
  let previews: Stacks;
  before(async () => {
    stacks = await programStacks();
    previews = await previewStacks();
  });
  usePolicyDay("2026-11-22");

  const check = stackCheck(rule);
  /** The batch model's props in a copy of a stack. */
  const model = (r: StackResourceInput[]): Props => propsOf(r, MODEL_TYPE, MODEL);
  /** A copy of deployed staging changed by `change`. */
  const stagingWith = (change: (resources: StackResourceInput[]) => unknown) =>
    edited(stacks.staging, change);
  /** A copy of deployed staging with the batch pipeline's definition changed by `edit`. */
  const definitionWith = (edit: (definition: BatchDefinitionJson) => void) =>
    stagingWith((r) => {
      const props = propsOf(r, PIPELINE_TYPE, PIPELINE);
      const definition = JSON.parse(props.pipelineDefinition) as BatchDefinitionJson;
      edit(definition);
      props.pipelineDefinition = JSON.stringify(definition);
    });

  it("passes both shipped stacks, deployed and in a first preview; each scores with its own batch model", async () => {
    for (const [label, resources] of [
      ["staging", stacks.staging],
      ["prod", stacks.prod],
      ["staging preview", previews.staging],
      ["prod preview", previews.prod],
    ] as const) {
      assert.deepEqual(await check(resources), NONE, label);
    }
    // Deployed, the Score step (inside CheckInput's IfSteps) names the batch model's physical name.
    for (const [resources, prefix] of [
      [stacks.staging, "mlops-staging-diagnosis"],
      [stacks.prod, "mlops-prod-diagnosis"],
    ] as const) {
      const pipeline = find(resources, PIPELINE_TYPE, `${prefix}-batch-pipeline`).props as Props;
      const score = transformStep(JSON.parse(pipeline.pipelineDefinition) as BatchDefinitionJson);
      const batchModel = find(resources, MODEL_TYPE, `${prefix}-batch-model`).props as Props;
      assert.equal(score.Arguments.ModelName, batchModel.name);
      assert.match(batchModel.name, new RegExp(`^${prefix}-batch-model-[0-9a-f]{7}$`));
    }
  });

  it("reports the batch model when it is not isolated, against the pipeline", async () => {
    const physical = (propsOf(stacks.staging as StackResourceInput[], MODEL_TYPE, MODEL) as Props).name;
    for (const [value, shown] of [
      [false, "false"],
      [undefined, "undefined"],
    ] as const) {
      const outcome = await check(stagingWith((r) => (model(r).enableNetworkIsolation = value)));
      assert.deepEqual(outcome, {
        violations: [ISOLATION_OFF(physical, shown)],
        urns: [find(stacks.staging, PIPELINE_TYPE, PIPELINE).urn],
        unknown: [],
      });
    }
  });

  it("reports a model the stack does not create", async () => {
    const outcome = await check(
      definitionWith((d) => (transformStep(d).Arguments.ModelName = "team-fraud-model")),
    );
    assert.deepEqual(outcome.violations, [
      `${STEP}: ModelName "team-fraud-model" is no SageMaker model of this stack, so whether its containers are ` +
        "network-isolated cannot be checked; create the model in the stack (aws.sagemaker.Model with " +
        "enableNetworkIsolation: true) and name it here.",
    ]);
  });

  it("reports a model from a parameter, which lets an execution run any model", async () => {
    const outcome = await check(
      definitionWith((d) => {
        const name = transformStep(d).Arguments.ModelName;
        d.Parameters.push({ Name: "ModelName", Type: "String", DefaultValue: name });
        transformStep(d).Arguments.ModelName = { Get: "Parameters.ModelName" };
      }),
    );
    assert.deepEqual(outcome.violations, [
      `${STEP}: ModelName comes from parameter "ModelName", so an execution can run any model, isolated or ` +
        "not; name the stack's model in the step.",
    ]);
  });

  it("judges a model that a Model step of the pipeline creates by that step's flag", async () => {
    const withModelStep = (isolated: unknown) =>
      definitionWith((d) => {
        d.Steps.unshift({
          Name: "CreateModel",
          Type: "Model",
          Arguments: {
            ExecutionRoleArn: "arn:aws:iam::123456789012:role/mlops-staging-diagnosis-batch-model-role",
            PrimaryContainer: {
              ModelPackageName:
                "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-staging-diagnosis/7",
            },
            ...(isolated !== undefined && { EnableNetworkIsolation: isolated }),
          },
        });
        transformStep(d).Arguments.ModelName = { Get: "Steps.CreateModel.ModelName" };
      });
    assert.deepEqual(await check(withModelStep(true)), NONE);
    assert.deepEqual((await check(withModelStep(false))).violations, [
      `${STEP}: its transform job runs the model that step "CreateModel" creates, whose EnableNetworkIsolation ` +
        `is false; set it to true in step "CreateModel" so that the model's containers cannot make outbound network calls.`,
    ]);
    assert.equal((await check(withModelStep(undefined))).violations.length, 1);
  });

  it("reports other expressions, known only when an execution runs, and a missing ModelName", async () => {
    const joined = {
      "Std:Join": { On: "-", Values: ["mlops-staging-diagnosis", { Get: "Execution.PipelineExecutionId" }] },
    };
    const expression = await check(definitionWith((d) => (transformStep(d).Arguments.ModelName = joined)));
    assert.deepEqual(expression.violations, [
      `${STEP}: ModelName is ${JSON.stringify(joined)}, known only when an execution runs, so whether its ` +
        "model is network-isolated cannot be checked; name a model of the stack, or of a Model step of the pipeline.",
    ]);
    const missing = await check(definitionWith((d) => delete transformStep(d).Arguments.ModelName));
    assert.deepEqual(missing.violations, [
      `${STEP}: ModelName is undefined; name a network-isolated SageMaker model of the stack.`,
    ]);
  });

  it("passes definitions kept in S3, and leaves definitions that are not JSON to the resource rules", async () => {
    const inS3 = stagingWith((r) => {
      model(r).enableNetworkIsolation = false;
      const props = propsOf(r, PIPELINE_TYPE, PIPELINE);
      delete props.pipelineDefinition;
      props.pipelineDefinitionS3Location = { bucket: "b", objectKey: "batch.json" };
    });
    assert.deepEqual(await check(inS3), NONE);
    const invalid = stagingWith((r) => {
      model(r).enableNetworkIsolation = false;
      propsOf(r, PIPELINE_TYPE, PIPELINE).pipelineDefinition = "{";
    });
    assert.deepEqual(await check(invalid), NONE);
  });

  it("lets a waiver set the pipeline's finding aside", async () => {
    const waivers = [
      { resource: PIPELINE, reason: "model isolated from the next release", expires: "2026-12-31" },
    ];
    const outcome = await check(
      stagingWith((r) => (model(r).enableNetworkIsolation = false)),
      { waivers },
    );
    assert.deepEqual(outcome, NONE);
  });

  describe("during preview", () => {
    const previewWith = (change: (resources: StackResourceInput[]) => unknown) =>
      edited(previews.staging, change);

    it("assumes an unknown definition or an unknown flag complies, without the engine's advisory", async () => {
      // A first preview: the definition is built from the model's name, which AWS assigns.
      assert.equal(find(previews.staging, PIPELINE_TYPE, PIPELINE).props.pipelineDefinition, UNKNOWN.string);
      assert.deepEqual(await check(previewWith((r) => (model(r).enableNetworkIsolation = false))), NONE);
      assert.deepEqual(
        await check(stagingWith((r) => (model(r).enableNetworkIsolation = UNKNOWN.boolean))),
        NONE,
      );
    });

    it("matches a model whose name is unknown by the pipeline's dependency on it", async () => {
      // A known definition with a name (an update's preview) while the model is replaced.
      const autoNamed = (isolated: boolean, depends: boolean) =>
        stagingWith((r) => {
          model(r).name = UNKNOWN.string;
          model(r).enableNetworkIsolation = isolated;
          return depends
            ? r
            : r.map((resource) =>
                resource.type === PIPELINE_TYPE && resource.name === PIPELINE
                  ? { ...resource, dependencies: [] }
                  : resource,
              );
        });
      assert.deepEqual(await check(autoNamed(true, true)), NONE);
      assert.match(
        (await check(autoNamed(false, true))).violations[0] ?? "",
        /whose enableNetworkIsolation is false/,
      );
      // Without the dependency, the name is no model's of the stack.
      assert.match(
        (await check(autoNamed(true, false))).violations[0] ?? "",
        /is no SageMaker model of this stack/,
      );
    });
  });
});
