import { unknownCheckingProxy } from "@pulumi/policy";
import assert from "node:assert/strict";
import { buildPipelineDefinition } from "../../../components/pipeline/definition";
import {
  instanceSlots,
  instanceTypeProblem,
  peek,
  pipelineInstanceSettings,
  resolvePipelineValue,
  stepsLabel,
  VALID_INSTANCE_TYPES,
} from "../../../policies/lib/instanceTypes";
import { definitionInput } from "../../helpers/definitionInput";
import { UNKNOWN } from "../../helpers/policyArgs";

const PROCESSING = { Get: "Parameters.ProcessingInstanceType" };
const TRAINING = { Get: "Parameters.TrainingInstanceType" };

describe("instanceTypes", () => {
  it("takes the valid types of each use from @aws-sdk/client-sagemaker", () => {
    assert.ok(VALID_INSTANCE_TYPES.endpoint.includes("ml.t2.medium"));
    assert.ok(!VALID_INSTANCE_TYPES.processing.includes("ml.t2.medium"));
    assert.ok(VALID_INSTANCE_TYPES.notebook.includes("ml.t3.medium"));
    assert.ok(VALID_INSTANCE_TYPES.studioApp.includes("system"));
    assert.ok(VALID_INSTANCE_TYPES.transform.includes("ml.m5.large"));
  });

  it("says why an instance type is not valid or not allowed, and passes valid allowed ones", () => {
    assert.equal(instanceTypeProblem("endpoint", "ml.m5.large", [], "endpointInstanceTypes"), undefined);
    assert.equal(
      instanceTypeProblem("endpoint", "ml.m5.large", ["ml.m5.large"], "endpointInstanceTypes"),
      undefined,
    );
    assert.equal(
      instanceTypeProblem("endpoint", "ml.t3.medium", [], "endpointInstanceTypes"),
      '"ml.t3.medium" is not a valid SageMaker instance type for endpoints (did you mean "ml.t2.medium"?); use a type SageMaker offers for endpoints.',
    );
    assert.equal(
      instanceTypeProblem("processing", 4, [], "processingInstanceTypes"),
      "4 is not a valid SageMaker instance type for processing jobs; use a type SageMaker offers for processing jobs.",
    );
    assert.equal(
      instanceTypeProblem(
        "training",
        "ml.p3.2xlarge",
        ["ml.m5.large", "ml.m5.xlarge"],
        "trainingInstanceTypes",
      ),
      '"ml.p3.2xlarge" is not allowed for training jobs in this stack (allowed: ml.m5.large, ml.m5.xlarge); use one of them, or add it to trainingInstanceTypes in the policy config.',
    );
  });

  it("finds the job clusters of the platform's pipeline definition, with its parameter defaults", () => {
    const parsed = pipelineInstanceSettings(JSON.stringify(buildPipelineDefinition(definitionInput())));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.settings, [
      { step: "ValidateData", use: "processing", where: "", instanceType: PROCESSING, instanceCount: 1 },
      { step: "Preprocess", use: "processing", where: "", instanceType: PROCESSING, instanceCount: 1 },
      {
        step: "DriftBaseline",
        use: "processing",
        where: "",
        instanceType: PROCESSING,
        instanceCount: 1,
      },
      { step: "Train", use: "training", where: "", instanceType: TRAINING, instanceCount: 1 },
      { step: "Evaluate", use: "processing", where: "", instanceType: PROCESSING, instanceCount: 1 },
    ]);
    assert.deepEqual(resolvePipelineValue(PROCESSING, parsed.parameters), {
      kind: "parameterDefault",
      parameter: "ProcessingInstanceType",
      value: "ml.t3.medium",
    });
    assert.deepEqual(resolvePipelineValue(TRAINING, parsed.parameters), {
      kind: "parameterDefault",
      parameter: "TrainingInstanceType",
      value: "ml.m5.large",
    });
  });

  it("looks into Condition steps, instance groups, tuning and transform steps", () => {
    const definition = {
      Version: "2020-12-01",
      Parameters: [{ Name: "Count", Type: "Integer" }],
      Steps: [
        {
          Name: "Check",
          Type: "Condition",
          Arguments: {
            IfSteps: [
              {
                Name: "Big",
                Type: "Training",
                Arguments: {
                  ResourceConfig: {
                    InstanceGroups: [
                      { InstanceGroupName: "gpu", InstanceType: "ml.p3.2xlarge", InstanceCount: 2 },
                    ],
                  },
                },
              },
            ],
            ElseSteps: [
              {
                Name: "Tune",
                Type: "Tuning",
                Arguments: {
                  TrainingJobDefinition: {
                    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1 },
                  },
                },
              },
              {
                Name: "Score",
                Type: "Transform",
                Arguments: { TransformResources: { InstanceType: "ml.m5.large" } },
              },
              {
                Name: "Clarify",
                Type: "ClarifyCheck",
                Arguments: {
                  ProcessingResources: {
                    ClusterConfig: {
                      InstanceType: "ml.m5.large",
                      InstanceCount: { Get: "Parameters.Count" },
                    },
                  },
                },
              },
              { Name: "Notify", Type: "Lambda", Arguments: {} },
            ],
          },
        },
      ],
    };
    const parsed = pipelineInstanceSettings(JSON.stringify(definition));
    assert.ok(parsed.ok);
    assert.deepEqual(
      parsed.settings.map((s) => [s.step, s.use, s.where, s.instanceType, s.instanceCount]),
      [
        ["Big", "training", "", undefined, undefined],
        ["Big", "training", 'instance group "gpu"', "ml.p3.2xlarge", 2],
        ["Tune", "training", "TrainingJobDefinition", "ml.m5.large", 1],
        ["Score", "transform", "", "ml.m5.large", undefined],
        ["Clarify", "processing", "", "ml.m5.large", { Get: "Parameters.Count" }],
      ],
    );
    assert.deepEqual(resolvePipelineValue({ Get: "Parameters.Count" }, parsed.parameters), {
      kind: "parameterWithoutDefault",
      parameter: "Count",
    });
    assert.deepEqual(resolvePipelineValue({ Get: "Parameters.Nope" }, parsed.parameters), {
      kind: "undeclaredParameter",
      parameter: "Nope",
    });
    assert.deepEqual(resolvePipelineValue({ Get: "Steps.Train.X" }, parsed.parameters), {
      kind: "expression",
    });
    assert.deepEqual(resolvePipelineValue({ "Std:Join": { On: "", Values: [] } }, parsed.parameters), {
      kind: "expression",
    });
  });

  it("says why a definition cannot be read, without throwing", () => {
    const problem = (text: unknown) => {
      const parsed = pipelineInstanceSettings(text);
      return parsed.ok ? assert.fail("parsed") : parsed.problem;
    };
    assert.match(problem("{not json"), /^is not valid JSON \(/);
    assert.equal(problem("[]"), "has no Steps list, so it is not a SageMaker pipeline definition");
    assert.equal(problem('{"Steps": {}}'), "has no Steps list, so it is not a SageMaker pipeline definition");
    assert.equal(problem(42), "is not JSON text but 42");
    // Malformed steps are passed over.
    const parsed = pipelineInstanceSettings(
      '{"Steps": [null, 3, {"Type": "Processing"}, {"Type": "Condition"}]}',
    );
    assert.deepEqual(parsed.ok && parsed.settings, []);
  });

  it("finds the instance settings of SageMaker resources, reading no value until asked", () => {
    const props = unknownCheckingProxy({
      productionVariants: [
        {
          variantName: "primary",
          instanceType: "ml.m5.large",
          initialInstanceCount: 2,
          modelName: UNKNOWN.string,
        },
        { variantName: UNKNOWN.string, serverlessConfig: { memorySizeInMb: 2048, maxConcurrency: 5 } },
      ],
      shadowProductionVariants: [
        { variantName: "shadow", instanceType: "ml.m5.large", initialInstanceCount: 1 },
      ],
    }) as Record<string, unknown>;
    const slots = instanceSlots("aws:sagemaker/endpointConfiguration:EndpointConfiguration", props) ?? [];
    assert.deepEqual(
      slots.map((s) => [s.where, s.use, s.kind, s.typeKey, s.countKey]),
      [
        [
          'production variant "primary"',
          "endpoint",
          "productionVariant",
          "instanceType",
          "initialInstanceCount",
        ],
        ["production variant 2", "endpoint", "productionVariant", "instanceType", "initialInstanceCount"],
        ['shadow variant "shadow"', "endpoint", "shadowVariant", "instanceType", "initialInstanceCount"],
      ],
    );
    const studio = instanceSlots("aws:sagemaker/domain:Domain", {
      defaultUserSettings: {
        executionRole: "arn",
        jupyterLabAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.medium" } },
        kernelGatewayAppSettings: { customImages: [] },
      },
      domainSettings: { rStudioServerProDomainSettings: { defaultResourceSpec: { instanceType: "system" } } },
    });
    assert.deepEqual(
      studio?.map((s) => [s.where, s.use]),
      [
        ["defaultUserSettings.jupyterLabAppSettings.defaultResourceSpec", "studioApp"],
        ["domainSettings.rStudioServerProDomainSettings.defaultResourceSpec", "studioApp"],
      ],
    );
    assert.deepEqual(
      instanceSlots("aws:sagemaker/hyperParameterTuningJob:HyperParameterTuningJob", {
        trainingJobDefinitions: [{ resourceConfig: { instanceType: "ml.m5.large", instanceCount: 1 } }],
      })?.map((s) => [s.where, s.use, s.countKey]),
      [["trainingJobDefinitions[0]", "training", "instanceCount"]],
    );
    assert.equal(instanceSlots("aws:s3/bucket:Bucket", {}), undefined);
    assert.deepEqual(instanceSlots("aws:sagemaker/monitoringSchedule:MonitoringSchedule", {}), []);
  });

  it("peeks at values without stopping on unknown ones", () => {
    const props = unknownCheckingProxy({ name: UNKNOWN.string, known: "x" }) as Record<string, unknown>;
    assert.equal(
      peek(() => props.name),
      undefined,
    );
    assert.equal(
      peek(() => props.known),
      "x",
    );
    assert.throws(() => peek(() => assert.fail("other errors pass")));
  });

  it("names the steps of a use", () => {
    assert.equal(stepsLabel("processing", ["A", "B"]), "processing steps A, B");
    assert.equal(stepsLabel("training", ["Train"]), "training step Train");
  });
});
