import {
  AlertRuleValues,
  PIPELINE_RUN_FIELDS,
  pipelineRunFailedPattern,
  undeliveredAlertsAlarm,
} from "../shared/alertRule";
import { ARTIFACT_PREFIXES, EVALUATION_REPORT, STEPS, VALIDATION_REPORT } from "./definition";

/** The rule that pages the model's alert topic about a build's failed or stopped runs: `<pipeline>-stopped`. */
export function pipelineStoppedRuleName(pipelineName: string): string {
  return `${pipelineName}-stopped`;
}

/** The rule that tells the model's alert topic that a build ended without a model, as plain values. */
export type PipelineStoppedRule = AlertRuleValues;

export interface BuildPipelineDescription {
  /** The build pipeline's name, which names the model's resources (`<namePrefix>-<model>`). */
  readonly pipelineName: string;
  readonly pipelineArn: string;
  /**
   * The artifacts bucket: each execution writes its validation report under
   * `pipeline-work/<execution id>/`, and its evaluation report under `pipelines/<execution id>/`.
   */
  readonly artifactsBucket: string;
  /** Days `pipeline-work/` keeps an execution's outputs (`storage.pipelineOutputRetentionDays`). */
  readonly workRetentionDays: number;
}

/**
 * Failed or stopped runs of the model's build pipeline: a gate refused the data or the model (its
 * Fail step, DataRejected, AccuracyBelowThreshold or AccuracyBelowChampion, fails the run with a
 * message giving the gate's reasons), a step broke, or someone stopped the run; no version was
 * registered. Event: "SageMaker Model Building Pipeline Execution Status Change" (SageMaker's
 * EventBridge events,
 * https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html).
 * Its detail names the pipeline, the execution, the statuses and the start and end times but
 * carries no failure reason, neither the execution's nor a step's: the message points at the
 * execution's steps, whose FailureReason holds the Fail step's message.
 */
export function pipelineStoppedRule(pipeline: BuildPipelineDescription): PipelineStoppedRule {
  const gates = [STEPS.dataRejected, STEPS.accuracyBelowThreshold, STEPS.accuracyBelowChampion];
  return {
    description: `Failed or stopped runs of model build pipeline ${pipeline.pipelineName}`,
    eventPattern: pipelineRunFailedPattern(pipeline.pipelineArn),
    inputPathsMap: { ...PIPELINE_RUN_FIELDS },
    // Only the placeholders are in angle brackets, so that no other text reads as one.
    inputTemplate: JSON.stringify(
      `Model build pipeline ${pipeline.pipelineName}: a run ended <status> at <time> and registered no ` +
        `model version. Execution: <execution>. A run stopped at a gate fails at its Fail step ` +
        `(${gates.join(", ")}), whose message gives the gate's reasons. ` +
        `See the failed step and its reason in SageMaker Studio or with aws sagemaker ` +
        `list-pipeline-execution-steps --pipeline-execution-arn <execution> (its FailureReason). ` +
        `The run's ${VALIDATION_REPORT.filePath} is under s3://${pipeline.artifactsBucket}/` +
        `${ARTIFACT_PREFIXES.work}/ for ${pipeline.workRetentionDays} days, its ${EVALUATION_REPORT.filePath} under ` +
        `s3://${pipeline.artifactsBucket}/${ARTIFACT_PREFIXES.outputs}/, each in the folder named after the ` +
        `last part of the execution ARN. Once the cause is fixed, npm run ops -- start-pipeline starts a new ` +
        `run and follows it.`,
    ),
  };
}

/**
 * The alarm on the dead-letter queue of the rule `<pipeline>-stopped`: runs that ended without a
 * model and whose alert reached nobody. Each message is SageMaker's status change event, whose
 * detail names the execution.
 */
export function pipelineStoppedUndeliveredAlarm(pipelineName: string) {
  return undeliveredAlertsAlarm(
    pipelineStoppedRuleName(pipelineName),
    `failed or stopped runs of model build pipeline ${pipelineName}`,
    `see why each run its detail.pipelineExecutionArn names stopped with aws sagemaker ` +
      `list-pipeline-execution-steps --pipeline-execution-arn <that ARN> and start a new run once the cause ` +
      `is fixed (npm run ops -- start-pipeline)`,
  );
}
