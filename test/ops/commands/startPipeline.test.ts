import assert from "node:assert/strict";
import {
  DescribePipelineExecutionCommand,
  ListPipelineExecutionStepsCommand,
  SageMakerClient,
  type PipelineExecutionStep,
} from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { buildPipelineDefinition, PARAMETERS } from "../../../components/pipeline/definition";
import { followExecution, pipelineShape, startPipelineCommand } from "../../../ops/commands/startPipeline";
import { EXIT } from "../../../ops/errors";
import { definitionInput } from "../../helpers/definitionInput";
import { collector, fakeClock, rejectsWithExit, testIo } from "../helpers";
import { knownStacks } from "../../../preview";

const PIPELINE = "mlops-staging-diagnosis";
const ACCOUNT = "arn:aws:sagemaker:us-east-1:123456789012";
const DEFINITION = JSON.stringify(buildPipelineDefinition(definitionInput()));

/** A step as ListPipelineExecutionSteps answers it (API reference: PipelineExecutionStep). */
function step(
  name: string,
  status: string,
  extra: Partial<PipelineExecutionStep> = {},
): PipelineExecutionStep {
  return {
    StepName: name,
    StepStatus: status as PipelineExecutionStep["StepStatus"],
    AttemptCount: 1,
    ...extra,
  };
}
const job = (kind: "processing-job" | "training-job", name: string) => `${ACCOUNT}:${kind}/pipelines-${name}`;
const REGISTERED = `${ACCOUNT}:model-package/${PIPELINE}/7`;
/** The steps of a successful execution of the program's pipeline. */
const SUCCEEDED_STEPS = [
  step("ValidateData", "Succeeded", {
    Metadata: { ProcessingJob: { Arn: job("processing-job", "a1-validatedata") } },
  }),
  step("CheckData", "Succeeded", { Metadata: { Condition: { Outcome: "True" } } }),
  step("Preprocess", "Succeeded", {
    Metadata: { ProcessingJob: { Arn: job("processing-job", "a1-preprocess") } },
  }),
  step("DataQualityBaseline", "Succeeded"),
  step("Train", "Succeeded", { Metadata: { TrainingJob: { Arn: job("training-job", "a1-train") } } }),
  step("FindChampion", "Succeeded"),
  step("Evaluate", "Succeeded"),
  step("CheckAccuracy", "Succeeded", { Metadata: { Condition: { Outcome: "True" } } }),
  step("CheckChampion", "Succeeded", { Metadata: { Condition: { Outcome: "True" } } }),
  step("CheckGates", "Succeeded", { Metadata: { Condition: { Outcome: "True" } } }),
  step("Register", "Succeeded", { Metadata: { RegisterModel: { Arn: REGISTERED } } }),
];

describe("ops start-pipeline", function () {
  // Against moto (starting executions, unknown parameters, a missing pipeline): modelBuild.test.ts.
  describe("input checked before any request", function () {
    const unused = () => assert.fail("no client should be made");
    const cases: [string, string[], string][] = [
      ["an unknown model", ["fraud"], 'unknown model "fraud" in stack staging (models: diagnosis)'],
      [
        "an unknown stack",
        ["diagnosis", "--stack", "no-such-stack"],
        `unknown stack "no-such-stack": there is no Pulumi.no-such-stack.yaml (stacks: ${knownStacks().join(", ")})`,
      ],
      [
        "a parameter without a value",
        ["diagnosis", "--parameter", "AccuracyThreshold"],
        '--parameter "AccuracyThreshold": expected Name=Value',
      ],
      [
        "a poll interval below a second",
        ["diagnosis", "--poll-seconds=0"],
        '--poll-seconds "0": expected a number from 1 to 3600',
      ],
    ];
    for (const [title, argv, message] of cases) {
      it(`refuses ${title}`, async function () {
        await rejectsWithExit(startPipelineCommand.run(argv, testIo(unused)), EXIT.badInput, message);
      });
    }
  });

  describe("following an execution (aws-sdk-client-mock: moto has no ListPipelineExecutionSteps)", function () {
    const EXECUTION = `${ACCOUNT}:pipeline/${PIPELINE}/execution/4xk2mq9v0abc`;
    const client = new SageMakerClient({
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    });
    const mock = mockClient(client);
    const follow = (clock: ReturnType<typeof fakeClock>, out = collector(), timeoutMinutes = 60) =>
      followExecution(client, out, {
        executionArn: EXECUTION,
        pollSeconds: 30,
        timeoutMinutes,
        stepCount: pipelineShape(DEFINITION)?.stepCount ?? 0,
        clock,
      });
    /** Answers of successive polls: the execution's status, its steps and its failure reason. */
    const polls = (...answers: [string, PipelineExecutionStep[], string?][]) => {
      const executions = mock.on(DescribePipelineExecutionCommand);
      const steps = mock.on(ListPipelineExecutionStepsCommand);
      for (const [status, list, reason] of answers) {
        executions.resolvesOnce({
          PipelineExecutionArn: EXECUTION,
          PipelineExecutionStatus: status as never,
          FailureReason: reason,
        });
        steps.resolvesOnce({ PipelineExecutionSteps: list });
      }
    };
    beforeEach(() => mock.reset());
    after(() => mock.restore());

    it("counts the steps an execution runs: the longer branch of each condition", function () {
      // ValidateData, CheckData and Preprocess, DriftBaseline, Train, FindChampion, Evaluate (or
      // DataRejected); CheckAccuracy and CheckChampion, each with its Fail step; CheckGates, Register.
      assert.equal(pipelineShape(DEFINITION)?.stepCount, 13);
      // The Model Monitor parameters exist only with pipeline.modelMonitorBaseline.
      assert.deepEqual(
        pipelineShape(DEFINITION)?.parameters.map((parameter) => parameter.name),
        [
          PARAMETERS.inputData,
          PARAMETERS.processingInstanceType,
          PARAMETERS.trainingInstanceType,
          PARAMETERS.accuracyThreshold,
          PARAMETERS.modelApprovalStatus,
        ],
      );
      const withModelMonitor = pipelineShape(
        JSON.stringify(buildPipelineDefinition(definitionInput({ modelMonitorBaseline: true }))),
      );
      assert.equal(withModelMonitor?.stepCount, 14);
      assert.deepEqual(
        withModelMonitor?.parameters.map((parameter) => parameter.name),
        Object.values(PARAMETERS),
      );
    });

    it("prints each step's status change with the time and the progress, polling until it succeeds", async function () {
      const validated = SUCCEEDED_STEPS.slice(0, 2);
      polls(
        ["Executing", [step("ValidateData", "Executing")]],
        [
          "Executing",
          [
            ...validated,
            step("Preprocess", "Succeeded"),
            step("DataQualityBaseline", "Executing"),
            step("Train", "Starting"),
          ],
        ],
        [
          "Executing",
          [
            ...validated,
            step("Preprocess", "Succeeded"),
            step("DataQualityBaseline", "Succeeded"),
            step("Train", "Executing"),
          ],
        ],
        ["Succeeded", SUCCEEDED_STEPS],
      );
      const clock = fakeClock();
      const out = collector();

      assert.equal(await follow(clock, out), EXIT.ok);
      assert.equal(
        out.text(),
        [
          "[   0:00] ValidateData             Executing  0/13 steps done",
          "[   0:30] ValidateData             Succeeded  3/13 steps done",
          "[   0:30] CheckData                Succeeded  3/13 steps done",
          "[   0:30] Preprocess               Succeeded  3/13 steps done",
          "[   0:30] DataQualityBaseline      Executing  3/13 steps done",
          "[   0:30] Train                    Starting   3/13 steps done",
          "[   1:00] DataQualityBaseline      Succeeded  4/13 steps done",
          "[   1:00] Train                    Executing  4/13 steps done",
          // A successful execution runs neither gate's Fail step: 11 of the 13 the count allows.
          "[   1:30] Train                    Succeeded  11/13 steps done",
          "[   1:30] FindChampion             Succeeded  11/13 steps done",
          "[   1:30] Evaluate                 Succeeded  11/13 steps done",
          "[   1:30] CheckAccuracy            Succeeded  11/13 steps done",
          "[   1:30] CheckChampion            Succeeded  11/13 steps done",
          "[   1:30] CheckGates               Succeeded  11/13 steps done",
          "[   1:30] Register                 Succeeded  11/13 steps done",
          `Execution succeeded after 1:30: ${EXECUTION}`,
          `Registered model package ${REGISTERED}`,
          "",
        ].join("\n"),
      );
      assert.deepEqual(clock.sleeps, [30_000, 30_000, 30_000]);
      assert.deepEqual(
        mock.commandCalls(ListPipelineExecutionStepsCommand).map((call) => call.args[0].input),
        Array(4).fill({
          PipelineExecutionArn: EXECUTION,
          SortOrder: "Ascending",
          // Set by the paginator.
          MaxResults: undefined,
          NextToken: undefined,
        }),
      );
    });

    it("exits 1 with the execution's and the failed step's reasons when it fails", async function () {
      const reason = "Test accuracy is below the AccuracyThreshold of 0.9; the model was not registered.";
      polls([
        "Failed",
        [
          ...SUCCEEDED_STEPS.slice(0, 7),
          step("CheckAccuracy", "Succeeded", { Metadata: { Condition: { Outcome: "False" } } }),
          step("AccuracyBelowThreshold", "Failed", {
            FailureReason: reason,
            Metadata: { Fail: { ErrorMessage: reason } },
          }),
        ],
        "Step failure: One or multiple steps failed.",
      ]);
      const out = collector();

      assert.equal(await follow(fakeClock(), out), EXIT.failed);
      const lines = out.text().split("\n");
      assert.equal(lines[8], `[   0:00] AccuracyBelowThreshold   Failed     9/13 steps done: ${reason}`);
      assert.deepEqual(lines.slice(9), [
        "Execution failed after 0:00: Step failure: One or multiple steps failed.",
        `  stopped at the accuracy gate (AccuracyBelowThreshold): ${reason}`,
        `  execution: ${EXECUTION}`,
        "",
      ]);
    });

    it("says which gate stopped a run, with the gate's reasons: bad data, and a model worse than the approved one", async function () {
      const data =
        "The input data did not pass the checks against the model's schema, so nothing was trained. Validation failed: " +
        "1 problem: column mean_area: 7.03% missing (40 of 569 rows), limit 5% (validation_report.json of the " +
        "ValidateData step lists each problem).";
      const champion =
        "The model is less accurate than the approved model on the same test split, so it was not registered: " +
        "accuracy 0.907 is 0.0698 below the approved model's 0.9767, more than the margin of 0.01 (see evaluation.json " +
        "of the Evaluate step).";
      for (const [name, message, gate] of [
        ["DataRejected", data, "data gate"],
        ["AccuracyBelowChampion", champion, "champion gate"],
      ] as const) {
        mock.reset();
        polls([
          "Failed",
          [step(name, "Failed", { FailureReason: message, Metadata: { Fail: { ErrorMessage: message } } })],
          "Step failure: One or multiple steps failed.",
        ]);
        const out = collector();
        assert.equal(await follow(fakeClock(), out), EXIT.failed);
        assert.deepEqual(out.text().split("\n").slice(-3), [
          `  stopped at the ${gate} (${name}): ${message}`,
          `  execution: ${EXECUTION}`,
          "",
        ]);
      }
    });

    it("names the failed job and exits 1 when a training job fails", async function () {
      polls([
        "Failed",
        [
          SUCCEEDED_STEPS[0] as PipelineExecutionStep,
          step("Train", "Failed", {
            FailureReason: "ClientError: Insufficient capacity for spot instances",
            Metadata: { TrainingJob: { Arn: job("training-job", "a1-train") } },
          }),
        ],
        "Step failure: One or multiple steps failed.",
      ]);
      const out = collector();

      assert.equal(await follow(fakeClock(), out), EXIT.failed);
      assert.match(
        out.text(),
        new RegExp(
          `  step Train failed: ClientError: Insufficient capacity for spot instances \\(${job("training-job", "a1-train")}\\)\n`,
        ),
      );
    });

    it("exits 1 when the execution is stopped", async function () {
      polls(["Stopping", [step("Train", "Stopping")]], ["Stopped", [step("Train", "Stopped")]]);
      const out = collector();

      assert.equal(await follow(fakeClock(), out), EXIT.failed);
      assert.match(out.text(), /^Execution was stopped after 0:30\n/m);
    });

    it("stops waiting with exit code 5 once the timeout passes, leaving the execution running", async function () {
      mock.on(DescribePipelineExecutionCommand).resolves({ PipelineExecutionStatus: "Executing" });
      mock
        .on(ListPipelineExecutionStepsCommand)
        .resolves({ PipelineExecutionSteps: [step("Train", "Executing")] });
      const clock = fakeClock();

      await rejectsWithExit(
        follow(clock, collector(), 2),
        EXIT.timeout,
        `stopped waiting after 2 minutes: execution ${EXECUTION} is still Executing. It goes on; follow it with ` +
          `\`aws sagemaker describe-pipeline-execution --pipeline-execution-arn ${EXECUTION}\` or in SageMaker Studio.`,
      );
      assert.deepEqual(clock.sleeps, [30_000, 30_000, 30_000, 30_000]);
      assert.equal(mock.commandCalls(DescribePipelineExecutionCommand).length, 5);
    });
  });
});
