import assert from "node:assert/strict";
import { GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import {
  DescribePipelineCommand,
  DescribePipelineExecutionCommand,
  ListPipelineExecutionStepsCommand,
  SageMakerClient,
  StartPipelineExecutionCommand,
  type PipelineExecutionStep,
} from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { buildBatchDefinition } from "../../../components/batch/definition";
import { batchCommand, parseS3Folder, runBatch, runLocations } from "../../../ops/commands/batch";
import { createOpsClients, closeClients } from "../../../ops/clients";
import { EXIT } from "../../../ops/errors";
import { BATCH_DATA_BUCKET, batchDefinitionInput } from "../../helpers/batchDefinitionInput";
import { collector, fakeClock, rejectsWithExit, testIo } from "../helpers";

const BUCKET = BATCH_DATA_BUCKET;
const PIPELINE = "mlops-staging-diagnosis-batch";
const ACCOUNT = "arn:aws:sagemaker:us-east-1:123456789012";
const EXECUTION = `${ACCOUNT}:pipeline/${PIPELINE}/execution/7hq2kd81xz0p`;
const INPUT = `s3://${BUCKET}/batch/input/2026-06-01/`;
const BATCH = {
  pipelineName: PIPELINE,
  inputUrl: `s3://${BUCKET}/batch/input/`,
  outputUrl: `s3://${BUCKET}/batch/output/`,
};
const STEP_FAILURE = "Step failure: One or multiple steps failed.";

describe("ops batch", function () {
  describe("input checked before any request", function () {
    const unused = () => assert.fail("no client should be made");
    const cases: [string, string[], string][] = [
      [
        "a missing --input",
        ["staging", "diagnosis"],
        "--input is required: the folder to score, s3://<data bucket>/batch/input/<dataset>/\n" +
          "usage: npm run ops -- batch <stack> <model> --input s3://<bucket>/batch/input/<dataset>/ [--wait] " +
          "[--outputs FILE] [--poll-seconds N] [--timeout-minutes N]",
      ],
      [
        "an https URL",
        ["staging", "diagnosis", "--input", `https://${BUCKET}.s3.amazonaws.com/batch/input/a/`],
        `--input "https://${BUCKET}.s3.amazonaws.com/batch/input/a/": expected an S3 folder URL, ` +
          "s3://<data bucket>/batch/input/<dataset>/",
      ],
      [
        "a bucket name S3 does not allow",
        ["staging", "diagnosis", "--input", "s3://Team_Exports/batch/input/a/"],
        '--input "s3://Team_Exports/batch/input/a/": expected an S3 folder URL, s3://<data bucket>/batch/input/<dataset>/',
      ],
      [
        "an unknown model",
        ["staging", "fraud", "--input", INPUT],
        'unknown model "fraud" in stack staging (models: diagnosis)',
      ],
      [
        "a poll interval below a second",
        ["staging", "diagnosis", "--input", INPUT, "--wait", "--poll-seconds", "0.5"],
        '--poll-seconds "0.5": expected a number from 1 to 3600',
      ],
    ];
    for (const [title, argv, message] of cases) {
      it(`refuses ${title}`, async function () {
        await rejectsWithExit(batchCommand.run(argv, testIo(unused)), EXIT.badInput, message);
      });
    }

    it("reads an S3 URL as a folder, and a run's locations from its execution ARN", function () {
      assert.deepEqual(parseS3Folder(`s3://${BUCKET}/batch/input/2026-06-01`), {
        bucket: BUCKET,
        prefix: "batch/input/2026-06-01/",
        url: INPUT,
      });
      assert.deepEqual(parseS3Folder(` s3://${BUCKET} `), {
        bucket: BUCKET,
        prefix: "",
        url: `s3://${BUCKET}/`,
      });
      assert.deepEqual(runLocations(BATCH.outputUrl, EXECUTION), {
        predictions: `s3://${BUCKET}/batch/output/7hq2kd81xz0p/predictions/`,
        summary: `s3://${BUCKET}/batch/output/7hq2kd81xz0p/summary/summary.json`,
      });
    });
  });

  describe("following a run (aws-sdk-client-mock: moto has no ListPipelineExecutionSteps)", function () {
    const credentials = { accessKeyId: "a", secretAccessKey: "b" };
    const sageMaker = new SageMakerClient({ region: "us-east-1", credentials });
    const s3 = new S3Client({ region: "us-east-1", credentials });
    const sageMakerMock = mockClient(sageMaker);
    const s3Mock = mockClient(s3);
    const batch = (out = collector(), timeoutMinutes = 60) =>
      runBatch({ sageMaker, s3 }, out, {
        stack: "staging",
        batch: BATCH,
        inputUrl: INPUT,
        wait: true,
        pollSeconds: 30,
        timeoutMinutes,
        clock: fakeClock(),
      });
    /** The deployed pipeline, a started execution and its end: the status, the steps, the reason. */
    const ends = (status: string, steps: PipelineExecutionStep[], reason?: string) => {
      sageMakerMock
        .on(DescribePipelineCommand)
        .resolves({ PipelineDefinition: JSON.stringify(buildBatchDefinition(batchDefinitionInput())) });
      sageMakerMock.on(StartPipelineExecutionCommand).resolves({ PipelineExecutionArn: EXECUTION });
      sageMakerMock
        .on(DescribePipelineExecutionCommand)
        .resolves({ PipelineExecutionStatus: status as never, FailureReason: reason });
      sageMakerMock.on(ListPipelineExecutionStepsCommand).resolves({ PipelineExecutionSteps: steps });
    };
    const step = (name: string, status: string, extra: Partial<PipelineExecutionStep> = {}) =>
      ({ StepName: name, StepStatus: status, AttemptCount: 1, ...extra }) as PipelineExecutionStep;
    const denied = (message: string) =>
      new S3ServiceException({ name: "AccessDenied", $fault: "client", $metadata: {}, message });
    beforeEach(() => {
      sageMakerMock.reset();
      s3Mock.reset();
      s3Mock.on(ListObjectsV2Command).resolves({
        Contents: [{ Key: "batch/input/2026-06-01/part-0001.csv", Size: 2048 }],
        IsTruncated: false,
      });
    });
    after(() => {
      sageMakerMock.restore();
      s3Mock.restore();
    });

    it("names the input gate and its problems when the input is rejected, and exits 1", async function () {
      // The Fail step's message: its text, validate.py's summary and where the report is.
      const problems =
        "The input did not pass the checks against the model's schema, so nothing was scored. Validation failed: " +
        "2 problems: column mean_radius: missing; column mean_area: 7.03% missing (40 of 569 rows), limit 5% " +
        "(validation_report.json in the run's validation/ folder lists each problem).";
      ends(
        "Failed",
        [
          step("ValidateInput", "Succeeded"),
          step("CheckInput", "Succeeded", { Metadata: { Condition: { Outcome: "False" } } }),
          step("InputRejected", "Failed", {
            FailureReason: problems,
            Metadata: { Fail: { ErrorMessage: problems } },
          }),
        ],
        STEP_FAILURE,
      );
      const out = collector();

      assert.equal(await batch(out), EXIT.failed);
      assert.deepEqual(out.text().split("\n").slice(-5), [
        `[   0:00] InputRejected            Failed     3/4 steps done: ${problems}`,
        `Execution failed after 0:00: ${STEP_FAILURE}`,
        `  input rejected (InputRejected): ${problems}`,
        `  execution: ${EXECUTION}`,
        "",
      ]);
      // Nothing about predictions: there are none.
      assert.doesNotMatch(out.text(), /^Predictions:/m);
      assert.deepEqual(
        sageMakerMock.commandCalls(StartPipelineExecutionCommand)[0]?.args[0].input.PipelineParameters,
        [{ Name: "InputDataUrl", Value: INPUT }],
      );
    });

    it("names the failed transform job and its reason when scoring fails", async function () {
      const transformJob = `${ACCOUNT}:transform-job/pipelines-7hq2kd81xz0p-score-a1b2c3`;
      const reason =
        "AlgorithmError: See job logs for more information (too many columns: expected 30, got 31 in row 12)";
      ends(
        "Failed",
        [
          step("ValidateInput", "Succeeded"),
          step("CheckInput", "Succeeded", { Metadata: { Condition: { Outcome: "True" } } }),
          step("Score", "Failed", {
            FailureReason: reason,
            Metadata: { TransformJob: { Arn: transformJob } },
          }),
        ],
        STEP_FAILURE,
      );
      const out = collector();

      assert.equal(await batch(out), EXIT.failed);
      assert.deepEqual(out.text().split("\n").slice(-4), [
        `Execution failed after 0:00: ${STEP_FAILURE}`,
        `  step Score failed: ${reason} (${transformJob})`,
        `  execution: ${EXECUTION}`,
        "",
      ]);
    });

    it("says why the summary could not be read, naming the permissions, without failing the run", async function () {
      ends("Succeeded", [step("Summarize", "Succeeded")]);
      s3Mock.on(GetObjectCommand).rejects(denied("Access Denied"));
      const out = collector();

      assert.equal(await batch(out), EXIT.ok);
      const summary = `s3://${BUCKET}/batch/output/7hq2kd81xz0p/summary/summary.json`;
      assert.deepEqual(out.text().split("\n").slice(-3), [
        `Summary:     ${summary}`,
        `  (could not read ${summary}: access denied (AccessDenied: Access Denied). The identity running this ` +
          "command needs s3:GetObject on it and kms:Decrypt with the stack's key.)",
        "",
      ]);
      assert.deepEqual(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input, {
        Bucket: BUCKET,
        Key: "batch/output/7hq2kd81xz0p/summary/summary.json",
      });
    });

    it("reports a summary that is not JSON, or lacks fields, as far as it can", async function () {
      // GetObject's Body as the code reads it (the SDK's stream mixin).
      const body = (text: string) => ({ transformToString: async () => text }) as never;
      for (const [text, line] of [
        ["<html>", `  (s3://${BUCKET}/batch/output/7hq2kd81xz0p/summary/summary.json is not JSON)`],
        ['{"rows_in": 10, "rows_scored": 10}', "  10 rows in, 10 scored, ? failed"],
      ]) {
        sageMakerMock.reset();
        s3Mock.on(GetObjectCommand).resolves({ Body: body(text) });
        ends("Succeeded", [step("Summarize", "Succeeded")]);
        const out = collector();
        assert.equal(await batch(out), EXIT.ok);
        assert.equal(out.text().split("\n").at(-2), line);
      }
    });

    it("stops waiting with exit code 5 once the timeout passes, leaving the run going", async function () {
      ends("Executing", [step("Score", "Executing")]);

      await rejectsWithExit(
        batch(collector(), 1),
        EXIT.timeout,
        `stopped waiting after 1 minutes: execution ${EXECUTION} is still Executing. It goes on; follow it with ` +
          `\`aws sagemaker describe-pipeline-execution --pipeline-execution-arn ${EXECUTION}\` or in SageMaker Studio.`,
      );
    });

    it("names s3:ListBucket when the folder cannot be listed, and starts nothing", async function () {
      ends("Succeeded", []);
      s3Mock.on(ListObjectsV2Command).rejects(denied("Access Denied"));

      await rejectsWithExit(
        batch(),
        EXIT.aws,
        `could not list ${INPUT}: access denied (AccessDenied: Access Denied). The identity running this ` +
          `command needs s3:ListBucket on bucket ${BUCKET}.`,
      );
      assert.equal(sageMakerMock.commandCalls(StartPipelineExecutionCommand).length, 0);
    });
  });

  it("makes an S3 client with the same retries as the SageMaker ones, path-style only for a local endpoint", async function () {
    const made = createOpsClients({ region: "us-east-1" });
    const local = createOpsClients({ region: "us-east-1", endpoint: "http://127.0.0.1:5000" });
    try {
      assert.equal(await made.s3.config.maxAttempts(), 5);
      assert.equal(made.s3.config.forcePathStyle, false);
      assert.equal(local.s3.config.forcePathStyle, true);
    } finally {
      closeClients(made);
      closeClients(local);
    }
  });
});
