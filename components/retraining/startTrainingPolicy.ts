import { policyDocument, PolicyDocument, PolicyStatement } from "../shared/policyDocument";

/** A SageMaker pipeline's ARN as SageMaker reports it: one pipeline, no wildcard. */
const PIPELINE_ARN =
  /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:pipeline\/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;
/** Lambda function names: letters, digits, hyphens and underscores, at most 64. */
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** One S3 bucket's ARN: no wildcard, no key. */
const BUCKET_ARN = /^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A key prefix ending in `/`, of the characters the setting `newData.inputPrefix` allows. */
const INPUT_PREFIX = /^([a-zA-Z0-9!_.*'()-]+\/)+$/;

/** What the function that starts a model's retraining (functions/start_training.py) may touch. */
export interface StartTrainingScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** The function's name: it logs to `/aws/lambda/<name>`. */
  readonly functionName: string;
  /** The model's build pipeline, as SageMaker reports its ARN (`aws.sagemaker.Pipeline.arn`). */
  readonly pipelineArn: string;
  /**
   * Where datasets arrive, given when drift starts runs: the model's data bucket
   * (`arn:<partition>:s3:::<bucket>`) and the input prefix (`newData.inputPrefix`, e.g. `input/`),
   * which the function lists for the newest complete dataset. Drift also lists the pipeline's
   * recent runs. @default none: the function starts runs for new data only
   */
  readonly inputDatasets?: { readonly bucketArn: string; readonly prefix: string };
  /**
   * The function's dead-letter queue, when it has one: Lambda sends an event the function failed
   * on after its retries there as the function's role, and SQS encrypts it with the stack key as
   * that role.
   */
  readonly deadLetterQueue?: { readonly queueArn: string; readonly kmsKeyArn: string };
}

/**
 * Permissions of the function that starts a model's build pipeline on new data or drift: start
 * executions of that one pipeline and write to its own log group and, when drift starts runs, list
 * that pipeline's executions and the data bucket under the input prefix. Both SageMaker actions take the `pipeline` resource type (Service
 * Authorization Reference, Amazon SageMaker AI), so neither needs `Resource: "*"`. It reads no
 * data: the run reads the dataset as the pipeline's role.
 */
export function startTrainingPolicy(scope: StartTrainingScope): PolicyDocument {
  if (!PIPELINE_ARN.test(scope.pipelineArn)) {
    throw new Error(`"${scope.pipelineArn}" is not the ARN of one SageMaker pipeline`);
  }
  if (!FUNCTION_NAME.test(scope.functionName)) {
    throw new Error(`"${scope.functionName}" is not a Lambda function name`);
  }
  const datasets = scope.inputDatasets;
  if (datasets && !BUCKET_ARN.test(datasets.bucketArn)) {
    throw new Error(`"${datasets.bucketArn}" is not the ARN of one S3 bucket`);
  }
  if (datasets && !INPUT_PREFIX.test(datasets.prefix)) {
    throw new Error(`"${datasets.prefix}" is not a key prefix ending in / (e.g. input/)`);
  }
  const { partition, region, accountId } = scope;
  const logGroup = `arn:${partition}:logs:${region}:${accountId}:log-group:/aws/lambda/${scope.functionName}`;
  const statements: PolicyStatement[] = [
    {
      Sid: "StartModelPipeline",
      Effect: "Allow",
      Action: "sagemaker:StartPipelineExecution",
      Resource: scope.pipelineArn,
    },
    ...(datasets ? driftStatements(scope.pipelineArn, datasets) : []),
    {
      // The log group is the stack's (retention, key); the function only writes to it.
      Sid: "WriteFunctionLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${logGroup}:log-stream:*`,
    },
  ];
  if (scope.deadLetterQueue) {
    statements.push(
      {
        Sid: "SendFailedEvents",
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Resource: scope.deadLetterQueue.queueArn,
      },
      {
        Sid: "EncryptFailedEvents",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: scope.deadLetterQueue.kmsKeyArn,
      },
    );
  }
  return policyDocument(...statements);
}

/** What drift takes: the pipeline's recent runs, for the interval, and the input prefix's datasets. */
function driftStatements(
  pipelineArn: string,
  datasets: NonNullable<StartTrainingScope["inputDatasets"]>,
): PolicyStatement[] {
  return [
    {
      // Drift starts a run only when no drift-started run began within the interval.
      Sid: "ListModelPipelineRuns",
      Effect: "Allow",
      Action: "sagemaker:ListPipelineExecutions",
      Resource: pipelineArn,
    },
    {
      // Drift trains on the newest complete dataset: its marker is found by listing the input
      // prefix (ListObjectsV2), never the rest of the bucket. `s3:prefix` is the condition key of
      // s3:ListBucket for the request's prefix (Service Authorization Reference, Amazon S3,
      // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html);
      // the function always sends it. A `*` of the prefix is written `${*}`, IAM's literal asterisk
      // ("IAM policy elements: Variables and tags"), so that it matches itself only.
      Sid: "ListInputDatasets",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: datasets.bucketArn,
      Condition: { StringLike: { "s3:prefix": [`${datasets.prefix.replaceAll("*", "${*}")}*`] } },
    },
  ];
}
