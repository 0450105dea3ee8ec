import assert from "node:assert/strict";
import {
  EVALUATION_REPORT,
  REGISTERED_OUTPUTS,
  STEPS,
  VALIDATION_REPORT,
} from "../../../components/pipeline/definition";
import { pipelineStoppedRule } from "../../../components/pipeline/pipelineAlerts";
import { COMMANDS } from "../../../ops/commands";

const PIPELINE = "mlops-staging-diagnosis";
const PIPELINE_ARN = `arn:aws:sagemaker:us-east-1:123456789012:pipeline/${PIPELINE}`;
const ARTIFACTS = `${PIPELINE}-artifacts-1a2b3c4`;
const EXECUTION = `${PIPELINE_ARN}/execution/4o0pdyfx9n3k`;

/** An event of the kind the rule matches, as SageMaker's EventBridge events document it. */
const EVENT = {
  version: "0",
  id: "315c1398-40ff-a850-213b-158f73a6f6e4",
  "detail-type": "SageMaker Model Building Pipeline Execution Status Change",
  source: "aws.sagemaker",
  account: "123456789012",
  time: "2026-03-02T10:15:30Z",
  region: "us-east-1",
  resources: [PIPELINE_ARN, EXECUTION],
  detail: {
    pipelineExecutionDisplayName: "execution-1772446530",
    currentPipelineExecutionStatus: "Failed",
    previousPipelineExecutionStatus: "Executing",
    executionStartTime: "2026-03-02T10:01:12Z",
    executionEndTime: "2026-03-02T10:15:29Z",
    pipelineArn: PIPELINE_ARN,
    pipelineExecutionArn: EXECUTION,
  },
};

/** What EventBridge delivers: each `<key>` of the template replaced by the value at its path. */
function render(template: string, paths: Record<string, string>, event: unknown): string {
  const text = template.replace(/<([^<>]+)>/g, (placeholder, key: string) => {
    const path = paths[key];
    assert.ok(path, `placeholder ${placeholder} has a path`);
    const value = path
      .replace(/^\$\./, "")
      .split(".")
      .reduce<unknown>((inner, part) => (inner as Record<string, unknown>)[part], event);
    return String(value);
  });
  return JSON.parse(text) as string;
}

describe("pipelineStoppedRule", () => {
  const rule = pipelineStoppedRule({
    pipelineName: PIPELINE,
    pipelineArn: PIPELINE_ARN,
    artifactsBucket: ARTIFACTS,
    workRetentionDays: 30,
  });

  it("matches failed and stopped runs of exactly this pipeline", () => {
    assert.equal(rule.description, `Failed or stopped runs of model build pipeline ${PIPELINE}`);
    assert.deepEqual(rule.eventPattern, {
      source: ["aws.sagemaker"],
      "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
      detail: { pipelineArn: [PIPELINE_ARN], currentPipelineExecutionStatus: ["Failed", "Stopped"] },
    });
  });

  it("writes a plain-text message: the pipeline, the status, the time, the execution and how to see why", () => {
    assert.deepEqual(rule.inputPathsMap, {
      execution: "$.detail.pipelineExecutionArn",
      status: "$.detail.currentPipelineExecutionStatus",
      time: "$.time",
    });
    assert.equal(
      rule.inputTemplate,
      JSON.stringify(
        `Model build pipeline ${PIPELINE}: a run ended <status> at <time> and registered no model version. ` +
          "Execution: <execution>. A run stopped at a gate fails at its Fail step (DataRejected, " +
          "AccuracyBelowThreshold, AccuracyBelowChampion), whose message gives the gate's reasons. See the " +
          "failed step and its reason in SageMaker Studio or with aws sagemaker list-pipeline-execution-steps " +
          "--pipeline-execution-arn <execution> (its FailureReason). The run's validation_report.json is under " +
          `s3://${ARTIFACTS}/pipeline-work/ for 30 days, its evaluation.json under s3://${ARTIFACTS}/pipelines/, ` +
          "each in the folder named after the last part of the execution ARN. Once the cause is fixed, npm run " +
          "ops -- start-pipeline starts a new run and follows it.",
      ),
    );
    assert.equal(
      render(rule.inputTemplate, rule.inputPathsMap, EVENT),
      `Model build pipeline ${PIPELINE}: a run ended Failed at 2026-03-02T10:15:30Z and registered no model ` +
        `version. Execution: ${EXECUTION}. A run stopped at a gate fails at its Fail step (DataRejected, ` +
        "AccuracyBelowThreshold, AccuracyBelowChampion), whose message gives the gate's reasons. See the failed " +
        "step and its reason in SageMaker Studio or with aws sagemaker list-pipeline-execution-steps " +
        `--pipeline-execution-arn ${EXECUTION} (its FailureReason). The run's validation_report.json is under ` +
        `s3://${ARTIFACTS}/pipeline-work/ for 30 days, its evaluation.json under s3://${ARTIFACTS}/pipelines/, ` +
        "each in the folder named after the last part of the execution ARN. Once the cause is fixed, npm run " +
        "ops -- start-pipeline starts a new run and follows it.",
    );
  });

  it("names the gates' Fail steps and an ops command that exist, and no placeholder without a path", () => {
    const template = JSON.parse(rule.inputTemplate) as string;
    for (const step of [STEPS.dataRejected, STEPS.accuracyBelowThreshold, STEPS.accuracyBelowChampion]) {
      assert.ok(template.includes(step), step);
    }
    assert.ok(COMMANDS.some((command) => command.name === "start-pipeline"));
    // The reports are where the definition writes them: the evaluation report is kept with the
    // outputs a version points to, the validation report with the outputs that expire.
    const kept = (step: string, output: string) =>
      REGISTERED_OUTPUTS.some(([s, o]) => s === step && o === output);
    assert.deepEqual(
      [
        kept(STEPS.evaluate, EVALUATION_REPORT.outputName),
        kept(STEPS.validateData, VALIDATION_REPORT.outputName),
      ],
      [true, false],
    );
    assert.deepEqual(
      [...new Set(template.match(/<[^<>]*>/g))].sort(),
      Object.keys(rule.inputPathsMap)
        .map((key) => `<${key}>`)
        .sort(),
    );
  });
});
