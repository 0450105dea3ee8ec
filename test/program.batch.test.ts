import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { batchRoleNames } from "../components/batch/batchInference";
import type { PolicyDocument } from "../components/shared/policyDocument";
import { ConfigError } from "../stacks/errors";
import { named, ofType, recordResources, RecordedResource, settle, valueOf } from "./helpers/mocks";
import { loadProgram, runProgram, startSeededRegistry } from "./helpers/program";
import { StackName, stackFileConfig } from "./helpers/stackFiles";

/**
 * Batch inference as the program wires it: for a model with `models[].batch` whose endpoint serves
 * a version, a BatchInference scoring with that same version, in the model's data bucket, with its
 * outputs expiring; none (and a warning) before a version is served, with the deploy role already
 * allowed to create it; nothing at all when the model's schema is missing.
 */

type BatchOutput = Record<"pipelineName" | "inputUrl" | "outputUrl" | "modelName", pulumi.Output<string>>;
interface Outputs {
  readonly models: Record<
    string,
    {
      readonly dataBucket: pulumi.Output<string>;
      readonly alertTopicArn: pulumi.Output<string>;
      readonly endpoint: { readonly modelPackageArn: pulumi.Output<string> } | null;
      readonly batch: BatchOutput | null;
    }
  >;
}

const BATCH = "mlops:sagemaker:BatchInference";
const MODEL = "aws:sagemaker/model:Model";

/** The stack file's config with its models changed by `change`. */
function withModels(stack: StackName, change: (model: Record<string, unknown>) => Record<string, unknown>) {
  const config = stackFileConfig(stack);
  const models = (JSON.parse(config["mlops:models"]) as Record<string, unknown>[]).map(change);
  return { ...config, "mlops:models": JSON.stringify(models) };
}

describe("the program's batch inference", () => {
  type Run = Awaited<ReturnType<typeof runProgram<Outputs>>>;
  const runs: Partial<Record<StackName, Run>> = {};
  let registry: Awaited<ReturnType<typeof startSeededRegistry>> | undefined;
  before(async () => {
    registry = await startSeededRegistry();
    runs.staging = await runProgram<Outputs>("staging", stackFileConfig("staging"));
    runs.prod = await runProgram<Outputs>("prod", stackFileConfig("prod"));
  });
  after(async () => {
    await registry?.stop();
  });
  const runOf = (stack: StackName) => runs[stack] ?? assert.fail(`stack ${stack} did not run`);

  for (const stack of ["staging", "prod"] as const) {
    const name = `mlops-${stack}-diagnosis-batch`;

    it(`${stack}: scores with the package the endpoint serves, in the model's data bucket, paging the model's topic`, async () => {
      const { recorded, program } = runOf(stack);
      const component = named(recorded, name, BATCH);
      assert.equal(component.parent, "", "a component of the stack");
      const model = recorded.find((r) => r.type === MODEL && r.parent === component.urn);
      const served = await valueOf(
        program.models.diagnosis.endpoint?.modelPackageArn ?? assert.fail("no endpoint"),
      );
      assert.deepEqual(model?.inputs.primaryContainer, { modelPackageName: served });
      const bucket = await valueOf(program.models.diagnosis.dataBucket);
      const trigger = recorded.find((r) => r.name === `${name}-new-data`);
      assert.match(String(trigger?.inputs.eventPattern), new RegExp(`"name":\\["${bucket}"\\]`));
      const topic = await valueOf(program.models.diagnosis.alertTopicArn);
      assert.equal(named(recorded, `${name}-failed-alert`).inputs.arn, topic);
      assert.deepEqual(named(recorded, `${name}-model`, MODEL).inputs.tags, {
        Environment: stack,
        Project: "mlops-platform",
        Owner: "ml-platform@example.com",
        CostCenter: "ML-1001",
        Model: "diagnosis",
      });
    });

    it(`${stack}: exports where datasets go, where runs write, the pipeline and the model`, async () => {
      const { recorded, program } = runOf(stack);
      const batch = program.models.diagnosis.batch ?? assert.fail("no batch output");
      const bucket = await valueOf(program.models.diagnosis.dataBucket);
      assert.deepEqual(
        {
          pipelineName: await valueOf(batch.pipelineName),
          inputUrl: await valueOf(batch.inputUrl),
          outputUrl: await valueOf(batch.outputUrl),
          modelName: await valueOf(batch.modelName),
        },
        {
          pipelineName: name,
          inputUrl: `s3://${bucket}/batch/input/`,
          outputUrl: `s3://${bucket}/batch/output/`,
          modelName: named(recorded, `${name}-model`, MODEL).outputs.name,
        },
      );
    });

    it(`${stack}: expires batch/output/ of the data bucket after storage.batchOutputRetentionDays, and never batch/input/`, () => {
      const { recorded } = runOf(stack);
      const lifecycle = named(
        recorded,
        stack === "staging"
          ? "mlops-staging-diagnosis-data-lifecycle"
          : "mlops-prod-diagnosis-data-lifecycle",
      ).inputs.rules as { id: string; filter?: { prefix?: string }; expiration?: { days: number } }[];
      const expiring = lifecycle.filter((rule) => rule.filter?.prefix?.startsWith("batch/"));
      assert.deepEqual(
        expiring.map((rule) => [rule.filter?.prefix, rule.expiration?.days]),
        [["batch/output/", stack === "prod" ? 90 : 30]],
      );
    });
  }

  it("staging scores each complete dataset; prod also every night, and the schedule scores batch/input/scheduled/", () => {
    const schedules = (stack: StackName) =>
      ofType(runOf(stack).recorded, "aws:scheduler/schedule:Schedule")
        .filter((r) => r.name.includes("-batch-"))
        .map((r) => [r.name, r.inputs.scheduleExpression]);
    assert.deepEqual(schedules("staging"), []);
    assert.deepEqual(schedules("prod"), [["mlops-prod-diagnosis-batch-schedule", "cron(0 2 * * ? *)"]]);
    for (const stack of ["staging", "prod"] as const) {
      assert.ok(
        runOf(stack).recorded.some((r) => r.name === `mlops-${stack}-diagnosis-batch-trigger`),
        stack,
      );
    }
  });

  it("first deploy of a model: no version served, so no batch inference, a warning, and a deploy role that may create it", async () => {
    const { recorded, program, warnings } = await runProgram<Outputs>("staging", {
      ...stackFileConfig("staging"),
      "mlops:namePrefix": JSON.stringify("fresh"),
    });
    assert.deepEqual(ofType(recorded, BATCH), []);
    assert.equal(program.models.diagnosis.batch, null);
    assert.ok(
      warnings.includes(
        'warning: [runtime] Model "diagnosis": batch inference is not deployed either: it scores with the version ' +
          "the endpoint serves",
      ),
      warnings.join("\n"),
    );
    // The first approval's deploy creates it: the deploy role may already pass its roles, by their names.
    const statements = ofType(recorded, "aws:iam/policy:Policy")
      .filter((policy) => policy.name.startsWith("fresh-github-deploy-policy-"))
      .flatMap((policy) => (JSON.parse(policy.inputs.policy as string) as PolicyDocument).Statement);
    const passed = statements
      .filter((statement) => [statement.Action].flat().includes("iam:PassRole"))
      .flatMap((statement) => [statement.Resource ?? []].flat());
    const roles = batchRoleNames("fresh-diagnosis-batch");
    for (const role of [roles.model, roles.pipeline, roles.trigger]) {
      assert.ok(passed.includes(`arn:aws:iam::123456789012:role/${role}`), `${role} in ${passed.join(", ")}`);
    }
    // Staging has no schedule: its role is not passed.
    assert.equal(passed.includes(`arn:aws:iam::123456789012:role/${roles.scheduler}`), false);
  });

  it("creates nothing when a model with batch inference has no schema, and names the file and the command", async () => {
    const config = withModels("prod", (model) => ({ ...model, name: "churn" }));
    const recorded: RecordedResource[] = recordResources("prod");
    pulumi.runtime.setAllConfig(config);
    await assert.rejects(loadProgram<Outputs>()(), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, [
        {
          path: "models[0].batch",
          value: undefined,
          message:
            "needs the model's schema, which each input is checked against, and ml/schemas/churn.json is not " +
            "found: write it with python3 ml/validate.py write-schema --data <the model's CSV> --target-column " +
            "<its label> --output ml/schemas/churn.json",
        },
      ]);
      return true;
    });
    await settle(recorded);
    assert.deepEqual(recorded, []);
  });
});
