import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import type {
  PipelineDefinition,
  ProcessingStep,
  TrainingStep,
} from "../components/pipeline/definitionTypes";
import { ConfigError } from "../stacks/errors";
import { named, ofType, recordResources, RecordedResource, settle, valueOf } from "./helpers/mocks";
import { StackName, stackFileConfig } from "./helpers/stackFiles";

const PROGRAM = require.resolve("../index");
const TAGGABLE = [
  "aws:kms/key:Key",
  "aws:s3/bucket:Bucket",
  "aws:iam/role:Role",
  "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
  "aws:sagemaker/pipeline:Pipeline",
  "aws:s3/bucketObjectv2:BucketObjectv2",
];

interface Program {
  readonly environment: string;
  readonly platformKeyArn: pulumi.Output<string>;
  readonly models: Record<string, Record<string, pulumi.Output<string>>>;
}

/** Loads index.ts afresh: a Pulumi program runs at load time, once per stack here. */
function loadProgram(): Program {
  // The module cache would hand back the first stack's program; each run needs its own.
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
  delete require.cache[PROGRAM];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(PROGRAM) as Program;
}

/** Runs index.ts under mocks with the given stack's config, as `pulumi preview` would. */
async function runProgram(stack: string, config: Record<string, string>) {
  const recorded = recordResources(stack);
  pulumi.runtime.setAllConfig(config);
  const program = loadProgram();
  await settle(recorded);
  return { recorded, program };
}

const runStack = (stack: StackName) => runProgram(stack, stackFileConfig(stack));
const definitionOf = (recorded: RecordedResource[], name: string): PipelineDefinition =>
  JSON.parse(named(recorded, `${name}-pipeline`).inputs.pipelineDefinition as string);

describe("the program (index.ts)", () => {
  const stacks: Partial<Record<StackName, { recorded: RecordedResource[]; program: Program }>> = {};
  before(async () => {
    stacks.staging = await runStack("staging");
    stacks.prod = await runStack("prod");
  });
  const recordedOf = (stack: StackName) =>
    stacks[stack]?.recorded ?? assert.fail(`stack ${stack} did not run`);

  for (const stack of ["staging", "prod"] as const) {
    it(`${stack}: builds the stack key and one pipeline per model, at the top of the stack`, () => {
      // Under the mock runtime the stack resource is implicit: top-level resources have no parent.
      const topLevel = recordedOf(stack).filter((r) => r.parent === "");
      assert.deepEqual(
        topLevel.map((r) => `${r.type} ${r.name}`),
        [
          `mlops:kms:PlatformKey mlops-${stack}-platform`,
          `mlops:sagemaker:MlPipeline mlops-${stack}-diagnosis`,
        ],
      );
    });

    it(`${stack}: tags every taggable resource with Environment=${stack}, Project, Owner, CostCenter and Model`, () => {
      const taggable = recordedOf(stack).filter((r) => TAGGABLE.includes(r.type));
      assert.equal(taggable.length, 9);
      for (const resource of taggable) {
        const tags = resource.inputs.tags as Record<string, string>;
        assert.equal(tags.Environment, stack, resource.name);
        assert.deepEqual(
          [tags.Project, tags.Owner, tags.CostCenter],
          ["mlops-platform", "ml-platform@example.com", "ML-1001"],
          resource.name,
        );
        if (resource.type !== "aws:kms/key:Key") assert.equal(tags.Model, "diagnosis", resource.name);
      }
    });

    it(`${stack}: encrypts both buckets with the stack's own key`, () => {
      const key = named(recordedOf(stack), `mlops-${stack}-platform-key`).outputs.arn;
      for (const bucket of ["data", "artifacts"]) {
        const rules = named(recordedOf(stack), `mlops-${stack}-diagnosis-${bucket}-encryption`).inputs.rules;
        assert.deepEqual(rules, [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key },
            bucketKeyEnabled: true,
          },
        ]);
      }
    });
  }

  it("staging: small instances, a short run time and nothing protected, so it can be torn down", () => {
    const recorded = recordedOf("staging");
    const definition = definitionOf(recorded, "mlops-staging-diagnosis");
    assert.deepEqual(definition.Parameters.map((p) => [p.Name, p.DefaultValue]).slice(1), [
      ["ProcessingInstanceType", "ml.t3.medium"],
      ["TrainingInstanceType", "ml.m5.large"],
      ["AccuracyThreshold", 0.8],
      ["ModelApprovalStatus", "PendingManualApproval"],
    ]);
    assert.deepEqual((definition.Steps[1] as TrainingStep).Arguments.StoppingCondition, {
      MaxRuntimeInSeconds: 1800,
      MaxWaitTimeInSeconds: 3600,
    });
    assert.deepEqual(
      recorded.filter((r) => r.protect).map((r) => r.name),
      [],
    );
    assert.equal(named(recorded, "mlops-staging-platform-key").inputs.deletionWindowInDays, 7);
    const lifecycle = named(recorded, "mlops-staging-diagnosis-artifacts-lifecycle").inputs.rules as Record<
      string,
      unknown
    >[];
    assert.deepEqual(lifecycle[0].noncurrentVersionExpiration, { noncurrentDays: 30 });
  });

  it("prod: larger instances, a higher bar, and the key, buckets and registry protected from deletion", () => {
    const recorded = recordedOf("prod");
    const definition = definitionOf(recorded, "mlops-prod-diagnosis");
    assert.deepEqual(definition.Parameters.map((p) => [p.Name, p.DefaultValue]).slice(1, 4), [
      ["ProcessingInstanceType", "ml.m5.xlarge"],
      ["TrainingInstanceType", "ml.m5.xlarge"],
      ["AccuracyThreshold", 0.9],
    ]);
    assert.deepEqual(
      recorded
        .filter((r) => r.protect)
        .map((r) => r.name)
        .sort(),
      [
        "mlops-prod-diagnosis-artifacts",
        "mlops-prod-diagnosis-data",
        "mlops-prod-diagnosis-registry",
        "mlops-prod-platform-key",
      ],
    );
    assert.equal(named(recorded, "mlops-prod-platform-key").inputs.deletionWindowInDays, 30);
    const lifecycle = named(recorded, "mlops-prod-diagnosis-artifacts-lifecycle").inputs.rules as Record<
      string,
      unknown
    >[];
    assert.deepEqual(lifecycle[0].noncurrentVersionExpiration, { noncurrentDays: 365 });
    assert.equal(
      (definition.Steps[0] as ProcessingStep).Arguments.StoppingCondition?.MaxRuntimeInSeconds,
      3600,
    );
  });

  it("exports each model's pipeline, buckets, role and registry", async () => {
    const program = stacks.prod?.program ?? assert.fail("prod did not run");
    assert.equal(program.environment, "prod");
    const outputs = program.models.diagnosis;
    assert.deepEqual(Object.keys(outputs).sort(), [
      "artifactsBucket",
      "dataBucket",
      "executionRoleArn",
      "inputDataUri",
      "modelPackageGroupName",
      "pipelineArn",
      "pipelineName",
    ]);
    assert.equal(await valueOf(outputs.pipelineName), "mlops-prod-diagnosis");
    assert.equal(await valueOf(outputs.modelPackageGroupName), "mlops-prod-diagnosis");
    assert.match(await valueOf(program.platformKeyArn), /^arn:aws:kms:us-east-1:123456789012:key\//);
  });

  it("uses an existing key instead of creating one when encryption.kmsKeyArn is set", async () => {
    const existing = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
    const config = {
      ...stackFileConfig("staging"),
      "mlops:encryption": JSON.stringify({ kmsKeyArn: existing }),
    };
    const { recorded } = await runProgram("staging", config);
    assert.deepEqual(ofType(recorded, "aws:kms/key:Key"), []);
    const rules = named(recorded, "mlops-staging-diagnosis-data-encryption").inputs.rules as unknown[];
    assert.deepEqual(rules, [
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: existing },
        bucketKeyEnabled: true,
      },
    ]);
  });

  it("scales to many models with one key and no shared or colliding resources", async () => {
    const models = Array.from({ length: 12 }, (_, i) => ({ name: `model-${i}` }));
    const { recorded } = await runProgram("staging", {
      ...stackFileConfig("staging"),
      "mlops:models": JSON.stringify(models),
    });
    assert.equal(ofType(recorded, "aws:sagemaker/pipeline:Pipeline").length, 12);
    assert.equal(ofType(recorded, "aws:s3/bucket:Bucket").length, 24);
    assert.equal(ofType(recorded, "aws:kms/key:Key").length, 1);
    const urns = recorded.map((r) => r.urn);
    assert.equal(new Set(urns).size, urns.length, "every URN is unique");
    const groups = ofType(recorded, "aws:sagemaker/modelPackageGroup:ModelPackageGroup").map(
      (r) => r.inputs.modelPackageGroupName,
    );
    assert.deepEqual(
      groups,
      models.map((m) => `mlops-staging-${m.name}`),
    );
  });

  it("creates nothing when the config is invalid, and reports every problem at once", async () => {
    const config = {
      ...stackFileConfig("staging"),
      "mlops:environment": "qa",
      "mlops:models": JSON.stringify([
        { name: "a", endpoint: { instanceType: "ml.m5.huge" } },
        { name: "a" },
      ]),
    };
    const recorded = recordResources("staging");
    pulumi.runtime.setAllConfig(config);
    assert.throws(
      () => loadProgram(),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(
          error.problems.map((p) => p.path),
          ["environment", "models[0].endpoint.instanceType", "models[1].name"],
        );
        return true;
      },
    );
    await settle(recorded);
    assert.deepEqual(recorded, []);
  });
});
