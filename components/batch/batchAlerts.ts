import {
  AlertRuleValues,
  PIPELINE_RUN_FIELDS,
  pipelineRunFailedPattern,
  undeliveredAlertsAlarm,
} from "../shared/alertRule";
import { queueNotEmptyAlarm } from "../shared/metricAlarm";
import { BATCH_OUTPUTS, BATCH_PREFIXES, BATCH_STEPS } from "./definition";
import { VALIDATION_REPORT } from "../pipeline/definition";

/** The rule that pages the model's alert topic about a batch run that failed or was stopped: `<name>-failed`. */
export function batchFailedRuleName(name: string): string {
  return `${name}-failed`;
}

/** The rule that tells the model's alert topic that a batch run wrote no scores, as plain values. */
export type BatchFailedRule = AlertRuleValues;

export interface BatchPipelineDescription {
  /** The model's name in the stack config. */
  readonly modelName: string;
  /** The batch pipeline's name (`<namePrefix>-<model>-batch`). */
  readonly pipelineName: string;
  readonly pipelineArn: string;
  /** The model's data bucket: each run writes under `batch/output/<execution id>/`. */
  readonly dataBucket: string;
  /** Days a run's outputs are kept (`storage.batchOutputRetentionDays`). */
  readonly outputRetentionDays: number;
  /** The stack, for the command that shows a run. */
  readonly stack: string;
}

/**
 * Failed or stopped runs of a model's batch pipeline: the input did not pass the checks against
 * the model's schema (the InputRejected step fails the run with each problem), a job failed
 * (a file the model could not score fails the whole transform job), or someone stopped the run.
 * Event: "SageMaker Model Building Pipeline Execution Status Change" (SageMaker's EventBridge
 * events, https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html);
 * its detail names the execution but carries no failure reason, so the message says where the
 * reason is.
 */
export function batchFailedRule(batch: BatchPipelineDescription): BatchFailedRule {
  return {
    description: `Failed or stopped runs of batch inference pipeline ${batch.pipelineName}`,
    eventPattern: pipelineRunFailedPattern(batch.pipelineArn),
    inputPathsMap: { ...PIPELINE_RUN_FIELDS },
    // Only the placeholders are in angle brackets, so that no other text reads as one.
    inputTemplate: JSON.stringify(
      `Batch inference of model ${batch.modelName} (pipeline ${batch.pipelineName}): a run ended <status> at ` +
        `<time> and wrote no scores. Execution: <execution>. An input that did not pass the checks against the ` +
        `model's schema stops the run at its ${BATCH_STEPS.inputRejected} step, whose message names each problem; ` +
        `otherwise a job failed (a file the model cannot score fails the whole ${BATCH_STEPS.score} step) or ` +
        `someone stopped the run. See each step and its FailureReason with aws sagemaker ` +
        `list-pipeline-execution-steps --pipeline-execution-arn <execution>. The run's ` +
        `${VALIDATION_REPORT.filePath} is under s3://${batch.dataBucket}/${BATCH_PREFIXES.output}, in the folder ` +
        `named after the last part of the execution ARN, under ${BATCH_OUTPUTS.validation}/, for ` +
        `${batch.outputRetentionDays} days. Once the cause is fixed, write the dataset's marker again, or run ` +
        `npm run ops -- batch ${batch.stack} ${batch.modelName} --input followed by the dataset's folder.`,
    ),
  };
}

/**
 * The alarm on the dead-letter queue of the rule `<name>-failed`: failed runs whose alert reached
 * nobody. Each message is SageMaker's status change event, whose detail names the execution.
 */
export function batchFailedUndeliveredAlarm(name: string) {
  return undeliveredAlertsAlarm(
    batchFailedRuleName(name),
    `failed or stopped runs of batch inference pipeline ${name}`,
    `see why each run its detail.pipelineExecutionArn names stopped with aws sagemaker ` +
      `list-pipeline-execution-steps --pipeline-execution-arn <that ARN>, and score its input again once the ` +
      `cause is fixed (npm run ops -- batch)`,
  );
}

/**
 * The alarm on the dead-letter queue `<name>-dlq` of the triggers: a dataset or a scheduled run
 * that started nothing after its retries. Each message holds the event (and for the function's
 * failures, the error in its attributes).
 */
export function failedBatchStartsAlarm(name: string, modelName: string) {
  const queueName = `${name}-dlq`;
  return queueNotEmptyAlarm(
    `${name}-failed-starts`,
    queueName,
    `SQS queue ${queueName} holds events that did not start a batch inference run of ${modelName}: a complete ` +
      `dataset or a scheduled run whose start failed after its retries, so nothing was scored. Each message holds ` +
      `the event (and for the function's failures, the error in its attributes): fix the cause, start the run with ` +
      `npm run ops -- batch and the dataset's folder, then delete the message; the alarm returns to OK once the ` +
      `queue is empty`,
  );
}
