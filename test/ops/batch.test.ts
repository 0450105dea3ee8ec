import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreatePipelineCommand,
  DescribePipelineCommand,
  DescribePipelineExecutionCommand,
  ListPipelineExecutionsCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelineParametersForExecutionCommand,
  StartPipelineExecutionCommand,
  type PipelineExecutionStep,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { parse, stringify } from "yaml";
import { buildBatchDefinition } from "../../components/batch/definition";
import { batchCommand } from "../../ops/commands/batch";
import { closeClients, type OpsClients } from "../../ops/clients";
import { EXIT } from "../../ops/errors";
import { REPOSITORY_ROOT } from "../../preview";
import { startMotoServer, testClient, type MotoServer } from "../helpers/motoServer";
import { BATCH_DATA_BUCKET, batchDefinitionInput } from "../helpers/batchDefinitionInput";
import { localClients, rejectsWithExit, tempDir, TEST_CREDENTIALS, testIo } from "./helpers";

const PIPELINE = "mlops-staging-diagnosis-batch";
const BUCKET = BATCH_DATA_BUCKET;
const INPUT_URL = `s3://${BUCKET}/batch/input/`;
const OUTPUT_URL = `s3://${BUCKET}/batch/output/`;
const ACCOUNT = "arn:aws:sagemaker:us-east-1:123456789012";
/** A dataset as a team drops it: two parts and the marker that says it is complete. */
const DATASET = `${INPUT_URL}2026-06-01/`;
const ROWS = "17.99,10.38,122.8,1001.0,0.1184\n20.57,17.77,132.9,1326.0,0.08474\n";

/** The steps of a successful batch run, as ListPipelineExecutionSteps answers them (API reference: PipelineExecutionStep). */
const SUCCEEDED_STEPS: PipelineExecutionStep[] = [
  {
    StepName: "ValidateInput",
    StepStatus: "Succeeded",
    AttemptCount: 1,
    Metadata: { ProcessingJob: { Arn: `${ACCOUNT}:processing-job/pipelines-b1-validateinput` } },
  },
  {
    StepName: "CheckInput",
    StepStatus: "Succeeded",
    AttemptCount: 1,
    Metadata: { Condition: { Outcome: "True" } },
  },
  {
    StepName: "Score",
    StepStatus: "Succeeded",
    AttemptCount: 1,
    Metadata: { TransformJob: { Arn: `${ACCOUNT}:transform-job/pipelines-b1-score` } },
  },
  {
    StepName: "Summarize",
    StepStatus: "Succeeded",
    AttemptCount: 1,
    Metadata: { ProcessingJob: { Arn: `${ACCOUNT}:processing-job/pipelines-b1-summarize` } },
  },
];

/** summary.json as the Summarize step writes it (ml/batch_summary.py). */
const SUMMARY = {
  rows_in: 569,
  rows_scored: 567,
  rows_failed: 2,
  score: {
    min: 0.0012346,
    max: 0.99871,
    mean: 0.37261,
    quantiles: { "0.1": 0.004, "0.5": 0.09, "0.9": 0.991 },
    histogram: { edges: [0, 0.5, 1], counts: [355, 212] },
  },
  files: ["part-0001.csv", "part-0002.csv"],
};

describe("ops batch against moto", function () {
  this.timeout(20_000);
  let moto: MotoServer;
  let admin: SageMakerClient;
  let s3: S3Client;
  let clients: ReturnType<typeof localClients>;
  const dir = tempDir();
  /** What `pulumi stack output --json` prints for staging with batch inference for diagnosis (or `batch`). */
  const outputsFile = (
    batch: unknown = { pipelineName: PIPELINE, inputUrl: INPUT_URL, outputUrl: OUTPUT_URL },
  ) => {
    const file = path.join(dir, `outputs-${Math.random().toString(36).slice(2)}.json`);
    const diagnosis = { pipelineName: "mlops-staging-diagnosis", dataBucket: BUCKET, endpoint: null };
    writeFileSync(
      file,
      JSON.stringify({
        environment: "staging",
        models: { diagnosis: batch === "absent" ? diagnosis : { ...diagnosis, batch } },
      }),
    );
    return file;
  };
  const executionsOf = async () =>
    (await admin.send(new ListPipelineExecutionsCommand({ PipelineName: PIPELINE })))
      .PipelineExecutionSummaries ?? [];
  const put = (key: string, body: string) =>
    s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Buffer.from(body) }));
  const run = (argv: string[], io = testIo(clients)) =>
    batchCommand.run(["staging", "diagnosis", ...argv, "--outputs", outputsFile()], io);

  /**
   * The product's clients against moto, where moto lacks ListPipelineExecutionSteps (HTTP 500, not
   * implemented): that call alone answers `steps`, as the API reference shapes them; `onStart` runs
   * after the real StartPipelineExecution with its answer (to write what the run would write).
   */
  const followingClients = (
    steps: PipelineExecutionStep[],
    onStart: (executionArn: string) => Promise<unknown> = async () => undefined,
  ) =>
    testIo((location) => {
      const made: OpsClients = clients(location);
      const real = made.sageMaker.send.bind(made.sageMaker) as (command: unknown) => Promise<unknown>;
      const mock = mockClient(made.sageMaker);
      mock.on(DescribePipelineCommand).callsFake((input) => real(new DescribePipelineCommand(input)));
      mock.on(StartPipelineExecutionCommand).callsFake(async (input) => {
        const started = (await real(new StartPipelineExecutionCommand(input))) as {
          PipelineExecutionArn: string;
        };
        await onStart(started.PipelineExecutionArn);
        return started;
      });
      mock
        .on(DescribePipelineExecutionCommand)
        .callsFake((input) => real(new DescribePipelineExecutionCommand(input)));
      mock.on(ListPipelineExecutionStepsCommand).resolves({ PipelineExecutionSteps: steps });
      return made;
    });

  before(async function () {
    moto = await startMotoServer();
    admin = testClient(moto.endpoint);
    s3 = new S3Client({
      region: "us-east-1",
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: TEST_CREDENTIALS,
    });
    await admin.send(
      new CreatePipelineCommand({
        PipelineName: PIPELINE,
        PipelineDefinition: JSON.stringify(buildBatchDefinition(batchDefinitionInput())),
        RoleArn: `arn:aws:iam::123456789012:role/${PIPELINE}-role`,
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await put("batch/input/2026-06-01/part-0001.csv", ROWS);
    await put("batch/input/2026-06-01/part-0002.csv", ROWS);
    await put("batch/input/2026-06-01/_SUCCESS", "");
    // A folder made in the S3 console (a placeholder object), and a marker without data.
    await put("batch/input/console-folder/", "");
    await put("batch/input/marker-only/_SUCCESS", "");
    await put("batch/input/single.csv", ROWS);
    await put("exports/2026-06-01/part-0001.csv", ROWS);
  });
  beforeEach(function () {
    clients = localClients(moto.endpoint);
  });
  afterEach(function () {
    clients.made.forEach(closeClients);
  });
  after(async function () {
    admin?.destroy();
    s3?.destroy();
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts the batch pipeline on the folder, with a trailing / added, and prints where the predictions go", async function () {
    const io = testIo(clients);

    assert.equal(await run(["--input", DATASET.slice(0, -1)], io), EXIT.ok);

    const executions = await executionsOf();
    assert.equal(executions.length, 1);
    const arn = executions[0]?.PipelineExecutionArn ?? "";
    assert.match(arn, new RegExp(`^${ACCOUNT}:pipeline/${PIPELINE}/execution/[a-z0-9]{12}$`));
    assert.equal(
      executions[0]?.PipelineExecutionDescription,
      `Batch inference of ${DATASET}, started with npm run ops -- batch`,
    );
    const recorded = await admin.send(
      new ListPipelineParametersForExecutionCommand({ PipelineExecutionArn: arn }),
    );
    assert.deepEqual(recorded.PipelineParameters, [{ Name: "InputDataUrl", Value: DATASET }]);
    const id = arn.slice(arn.lastIndexOf("/") + 1);
    assert.equal(
      io.out.text(),
      [
        `Started batch inference ${arn}`,
        `  pipeline:    ${PIPELINE}`,
        // The marker is empty: not a file to score.
        `  input:       ${DATASET} (2 files)`,
        `  predictions: ${OUTPUT_URL}${id}/predictions/`,
        "Not waiting (--wait follows it): see it in SageMaker Studio, or with `aws sagemaker " +
          `describe-pipeline-execution --pipeline-execution-arn ${arn}\`.`,
        "",
      ].join("\n"),
    );
  });

  it("with --wait, follows the run to Succeeded and reports the predictions and the summary's rows", async function () {
    const io = followingClients(SUCCEEDED_STEPS, async (arn) => {
      // What the Summarize step writes, where the run writes it.
      const id = arn.slice(arn.lastIndexOf("/") + 1);
      await put(`batch/output/${id}/summary/summary.json`, JSON.stringify(SUMMARY));
    });

    assert.equal(await run(["--input", DATASET, "--wait"], io), EXIT.ok);

    const arn = (await executionsOf()).at(-1)?.PipelineExecutionArn ?? "";
    const id = arn.slice(arn.lastIndexOf("/") + 1);
    assert.equal(
      io.out.text(),
      [
        `Started batch inference ${arn}`,
        `  pipeline:    ${PIPELINE}`,
        `  input:       ${DATASET} (2 files)`,
        `  predictions: ${OUTPUT_URL}${id}/predictions/`,
        // The longer branch of CheckInput runs Score and Summarize: 4 steps.
        "[   0:00] ValidateInput            Succeeded  4/4 steps done",
        "[   0:00] CheckInput               Succeeded  4/4 steps done",
        "[   0:00] Score                    Succeeded  4/4 steps done",
        "[   0:00] Summarize                Succeeded  4/4 steps done",
        `Execution succeeded after 0:00: ${arn}`,
        `Predictions: ${OUTPUT_URL}${id}/predictions/`,
        `Summary:     ${OUTPUT_URL}${id}/summary/summary.json`,
        "  569 rows in, 567 scored, 2 failed; scores from 0.001235 to 0.9987, mean 0.3726",
        "",
      ].join("\n"),
    );
  });

  it("still succeeds when the summary cannot be read, and says why", async function () {
    const io = followingClients(SUCCEEDED_STEPS);

    assert.equal(await run(["--input", DATASET, "--wait"], io), EXIT.ok);

    const arn = (await executionsOf()).at(-1)?.PipelineExecutionArn ?? "";
    const summary = `${OUTPUT_URL}${arn.slice(arn.lastIndexOf("/") + 1)}/summary/summary.json`;
    assert.deepEqual(io.out.text().split("\n").slice(-3), [
      `Summary:     ${summary}`,
      `  (could not read ${summary}: NoSuchKey: The specified key does not exist.)`,
      "",
    ]);
  });

  describe("refuses, starting nothing", function () {
    let started = 0;
    beforeEach(async () => (started = (await executionsOf()).length));
    afterEach(async () => assert.equal((await executionsOf()).length, started));

    it("a folder outside the stack's batch input folder: the pipeline's role could not read it", async function () {
      for (const input of [`s3://${BUCKET}/exports/2026-06-01/`, "s3://team-exports/2026-06-01/"]) {
        await rejectsWithExit(
          run(["--input", input]),
          EXIT.badInput,
          `--input ${input}: the batch pipeline of model "diagnosis" in stack staging reads only under ` +
            `${INPUT_URL} (its role may read nothing else); copy the data there, e.g. \`aws s3 cp --recursive ` +
            `${input} ${INPUT_URL}2026-06-01/\`, and pass that folder`,
        );
      }
      // batch/output/ is the pipeline's to write, not to read.
      await rejectsWithExit(run(["--input", `${OUTPUT_URL}x/`]), EXIT.badInput, /reads only under/);
    });

    it("a folder without data: empty, a console folder, only the marker", async function () {
      for (const folder of ["never-uploaded/", "console-folder/", "marker-only/"]) {
        await rejectsWithExit(
          run(["--input", `${INPUT_URL}${folder}`]),
          EXIT.badInput,
          `--input ${INPUT_URL}${folder}: the folder holds no file to score; upload the data first, e.g. ` +
            `\`aws s3 cp data.csv ${INPUT_URL}${folder}\``,
        );
      }
    });

    it("a file instead of its folder", async function () {
      await rejectsWithExit(
        run(["--input", `${INPUT_URL}single.csv`]),
        EXIT.badInput,
        `--input ${INPUT_URL}single.csv is a file; pass its folder (${INPUT_URL}): the pipeline scores every ` +
          "file of a folder",
      );
    });

    it("a model without models[].batch, before reading the outputs", async function () {
      // Staging's stack file without the model's batch settings, in a folder of its own.
      const root = path.join(dir, "without-batch");
      mkdirSync(root);
      copyFileSync(path.join(REPOSITORY_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
      const file = parse(readFileSync(path.join(REPOSITORY_ROOT, "Pulumi.staging.yaml"), "utf8"));
      for (const model of file.config["mlops:models"]) delete model.batch;
      writeFileSync(path.join(root, "Pulumi.staging.yaml"), stringify(file));

      await rejectsWithExit(
        batchCommand.run(
          ["staging", "diagnosis", "--input", DATASET, "--outputs", path.join(dir, "none.json")],
          {
            ...testIo(clients),
            root,
          },
        ),
        EXIT.badInput,
        'model "diagnosis" has no batch inference in stack staging; add models[].batch to its entry in ' +
          "Pulumi.staging.yaml (docs/batch-inference.md) and run `pulumi up`",
      );
    });

    it("a stack that deployed no batch inference for the model yet, exiting 1", async function () {
      for (const [batch, why] of [
        [
          null,
          "models.diagnosis.batch is null: it scores with the version the endpoint serves, and the model registry " +
            "had no approved version at the last `pulumi up`",
        ],
        [
          "absent",
          "the outputs have no models.diagnosis.batch: run `pulumi up` on the stack to deploy models[].batch",
        ],
      ] as const) {
        await rejectsWithExit(
          batchCommand.run(
            ["staging", "diagnosis", "--input", DATASET, "--outputs", outputsFile(batch)],
            testIo(clients),
          ),
          EXIT.failed,
          `stack staging deployed no batch inference for model "diagnosis" (${why})`,
        );
      }
      await rejectsWithExit(
        batchCommand.run(
          ["staging", "diagnosis", "--input", DATASET, "--outputs", outputsFile({ pipelineName: PIPELINE })],
          testIo(clients),
        ),
        EXIT.badInput,
        "the outputs of stack staging lack models.diagnosis.batch.inputUrl, models.diagnosis.batch.outputUrl " +
          "(expected strings)",
      );
    });

    it("a pipeline the stack has not created yet, saying how to create it", async function () {
      const missing = {
        pipelineName: "mlops-staging-diagnosis-scoring",
        inputUrl: INPUT_URL,
        outputUrl: OUTPUT_URL,
      };
      await rejectsWithExit(
        batchCommand.run(
          ["staging", "diagnosis", "--input", DATASET, "--outputs", outputsFile(missing)],
          testIo(clients),
        ),
        EXIT.aws,
        'could not describe pipeline "mlops-staging-diagnosis-scoring": it does not exist (ValidationException: ' +
          "Could not find pipeline with PipelineName mlops-staging-diagnosis-scoring.). Run `pulumi up` on stack " +
          "staging to create it.",
      );
    });
  });
});
