import { policyDocument, PolicyDocument } from "./policyDocument";

/** What a schedule that starts a SageMaker pipeline may do. */
export interface PipelineScheduleScope {
  /** The pipeline the schedule starts. */
  readonly pipelineArn: string;
  /** The dead-letter queue the schedule sends a start that failed after its retries to. */
  readonly deadLetterQueueArn: string;
  /** The stack key, which encrypts the queue. */
  readonly kmsKeyArn: string;
}

/**
 * Start one pipeline, and send a start that failed after the schedule's retries to its dead-letter
 * queue: EventBridge Scheduler delivers dead-letter events as the schedule's execution role
 * ("Configuring a schedule's dead-letter queue", EventBridge Scheduler user guide), and SQS
 * encrypts them with the stack key as that role.
 */
export function pipelineSchedulePolicy(scope: PipelineScheduleScope): PolicyDocument {
  return policyDocument(
    {
      Sid: "StartPipeline",
      Effect: "Allow",
      Action: "sagemaker:StartPipelineExecution",
      Resource: scope.pipelineArn,
    },
    {
      Sid: "SendFailedStarts",
      Effect: "Allow",
      Action: "sqs:SendMessage",
      Resource: scope.deadLetterQueueArn,
    },
    {
      Sid: "EncryptFailedStarts",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: scope.kmsKeyArn,
    },
  );
}

/** EventBridge Scheduler's universal target for SageMaker's StartPipelineExecution. */
export const START_PIPELINE_TARGET = "arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution";
