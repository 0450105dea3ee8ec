import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { BatchInference } from "../../../components/batch/batchInference";
import { buildBatchDefinition } from "../../../components/batch/definition";
import { ML_DIR } from "../../../components/shared/scripts";
import { TEST_ACCOUNT, TEST_BOUNDARY_ARN } from "../../helpers/account";
import { archiveFiles } from "../../helpers/lambdaArchive";
import { named, recordResources, settle } from "../../helpers/mocks";
import { startMotoServer, type MotoServer } from "../../helpers/motoServer";
import { checkBoto3, resultOf, runLambdaSteps, type StepOutcome } from "../../helpers/pythonLambda";

/**
 * The function that starts a batch inference run for a complete dataset: the one BatchInference
 * deploys (the retraining trigger's start_training.py), run with the environment the component gives
 * it, against a local AWS API (moto_server), with S3's Object Created events as EventBridge delivers
 * them. The pipeline in moto has the batch definition's parameter; its steps are not run.
 */

const NAME = "mlops-staging-diagnosis-batch";
const BUCKET = "mlops-staging-diagnosis-data-1a2b3c4";
const ACCOUNT = "123456789012";

/** The function's handler file and environment, as the component registers them. */
async function deployedFunction() {
  const recorded = recordResources();
  new BatchInference(NAME, {
    account: TEST_ACCOUNT,
    modelName: "diagnosis",
    stack: "staging",
    modelPackage: {
      arn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/mlops-staging-diagnosis/1`,
      containers: [{ image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1" }],
    },
    dataBucketName: BUCKET,
    schemaFile: path.join(ML_DIR, "schemas", "diagnosis.json"),
    kmsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/0d5a6c3e-1111-4222-8333-944455556666`,
    permissionsBoundaryArn: TEST_BOUNDARY_ARN,
    alertTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:mlops-staging-diagnosis-alerts`,
    tags: { Model: "diagnosis" },
  });
  await settle(recorded);
  const fn = named(recorded, `${NAME}-trigger`, "aws:lambda/function:Function").inputs;
  const [handlerFile, name] = [
    archiveFiles(fn.code)["start_training.py"],
    (fn.handler as string).split(".")[1],
  ];
  const env = (fn.environment as { variables: Record<string, string> }).variables;
  return { handler: { file: handlerFile, name }, env };
}

/** S3's Object Created event as EventBridge delivers it. */
function objectCreated(id: string, key: string): Record<string, unknown> {
  return {
    version: "0",
    id,
    "detail-type": "Object Created",
    source: "aws.s3",
    account: ACCOUNT,
    time: "2026-12-06T09:00:00Z",
    region: "us-east-1",
    resources: [`arn:aws:s3:::${BUCKET}`],
    detail: { version: "0", bucket: { name: BUCKET }, object: { key, size: 0 }, reason: "PutObject" },
  };
}

describe("the batch trigger: start_training.py with the batch pipeline's settings (against moto_server)", function () {
  this.timeout(60_000);
  let moto: MotoServer;
  let outcomes: StepOutcome[];

  before(async () => {
    const [, server, deployed] = await Promise.all([checkBoto3(), startMotoServer(), deployedFunction()]);
    moto = server;
    const definition = buildBatchDefinition({
      roleArn: `arn:aws:iam::${ACCOUNT}:role/${NAME}-role`,
      modelName: `${NAME}-model-1a2b3c4`,
      kmsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/0d5a6c3e-1111-4222-8333-944455556666`,
      dataBucket: BUCKET,
      sklearnImage: TEST_ACCOUNT.images.sklearn.uri as string,
      scripts: {
        validate: `s3://${BUCKET}/code/a/validate.py`,
        summary: `s3://${BUCKET}/code/b/batch_summary.py`,
      },
      schemaUri: `s3://${BUCKET}/code/c/diagnosis.json`,
      dataChecks: { maxMissingRate: 0.05, columnMaxMissing: {} },
      transform: {
        instanceType: "ml.m5.large",
        instanceCount: 1,
        maxPayloadInMB: 6,
        joinInputWithPredictions: true,
      },
      processing: { instanceType: "ml.m5.large", maxRuntimeSeconds: 3600, volumeSizeInGB: 30 },
    });
    outcomes = await runLambdaSteps(
      deployed.handler,
      [
        {
          call: [
            "sagemaker",
            "create_pipeline",
            {
              PipelineName: NAME,
              PipelineDefinition: JSON.stringify(definition),
              RoleArn: `arn:aws:iam::${ACCOUNT}:role/${NAME}-role`,
            },
          ],
        },
        // 1: a dataset to score is complete.
        { invoke: objectCreated("e-batch", "batch/input/2026-12-06/_SUCCESS") },
        {
          call: [
            "sagemaker",
            "list_pipeline_parameters_for_execution",
            { PipelineExecutionArn: resultOf(1, "executionArn") },
          ],
        },
        // 3-5: training data, the run's own outputs, a file of the dataset: nothing to score.
        { invoke: objectCreated("e-train", "input/2026-12-06/_SUCCESS") },
        { invoke: objectCreated("e-output", "batch/output/p4jn9xou8a8s/predictions/_SUCCESS") },
        { invoke: objectCreated("e-csv", "batch/input/2026-12-06/part-1.csv") },
      ],
      { endpoint: moto.endpoint, env: deployed.env },
    );
  });

  after(async () => {
    await moto?.stop();
  });

  it("runs the retraining trigger's handler, with the batch pipeline, the data bucket, batch/input/ and the marker", async () => {
    const { handler, env } = await deployedFunction();
    assert.equal(
      handler.file,
      path.resolve(__dirname, "..", "..", "..", "components", "retraining", "functions", "start_training.py"),
    );
    assert.equal(handler.name, "handler");
    assert.deepEqual(env, {
      PIPELINE_NAME: NAME,
      DATA_BUCKET: BUCKET,
      INPUT_PREFIX: "batch/input/",
      MARKER_NAME: "_SUCCESS",
    });
  });

  it("a dataset's marker under batch/input/ starts one run of the batch pipeline on its folder", () => {
    const started = outcomes[1];
    assert.equal(started.error, undefined, JSON.stringify(started.error));
    const token = createHash("sha256").update(`${NAME}/e-batch`).digest("hex");
    assert.deepEqual(
      started.calls.map((call) => call.params),
      [
        {
          PipelineName: NAME,
          PipelineExecutionDisplayName: `new-data-${token.slice(0, 12)}`,
          PipelineExecutionDescription:
            `New data: dataset s3://${BUCKET}/batch/input/2026-12-06/ is complete (_SUCCESS written at ` +
            "2026-12-06T09:00:00Z). EventBridge event e-batch.",
          ClientRequestToken: token,
          PipelineParameters: [{ Name: "InputDataUrl", Value: `s3://${BUCKET}/batch/input/2026-12-06/` }],
        },
      ],
    );
    assert.deepEqual(outcomes[2].result, {
      PipelineParameters: [{ Name: "InputDataUrl", Value: `s3://${BUCKET}/batch/input/2026-12-06/` }],
    });
  });

  it("starts nothing for training data, a run's own outputs or a dataset's files, and says why", () => {
    const reasons = [3, 4, 5].map((step) => {
      assert.deepEqual(outcomes[step].calls, []);
      return (outcomes[step].result as { started: boolean; reason: string }).reason;
    });
    assert.deepEqual(reasons, [
      "the key input/2026-12-06/_SUCCESS is not under the input prefix batch/input/",
      "the key batch/output/p4jn9xou8a8s/predictions/_SUCCESS is not under the input prefix batch/input/",
      "the object batch/input/2026-12-06/part-1.csv is not a dataset's marker (_SUCCESS)",
    ]);
  });
});
