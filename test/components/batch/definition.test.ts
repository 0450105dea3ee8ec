import assert from "node:assert/strict";
import {
  BatchDefinitionInput,
  buildBatchDefinition,
  scheduledInputUri,
  volumeKey,
} from "../../../components/batch/definition";
import type {
  ConditionStep,
  PipelineDefinition,
  ProcessingStep,
  TransformStep,
} from "../../../components/pipeline/definitionTypes";

const ACCOUNT = "111111111111";
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0d5a6c3e-1111-4222-8333-944455556666`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/mlops-staging-diagnosis-batch-role`;
const MODEL = "mlops-staging-diagnosis-batch-model-1a2b3c4";
const DATA = "mlops-staging-diagnosis-data-9z8y7x6";
const SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3";
const VALIDATE = `s3://${DATA}/code/0123456789ab/validate.py`;
const SUMMARY = `s3://${DATA}/code/ba9876543210/batch_summary.py`;
const SCHEMA = `s3://${DATA}/code/aaaabbbbcccc/diagnosis.json`;

function input(overrides: Partial<BatchDefinitionInput> = {}): BatchDefinitionInput {
  return {
    roleArn: ROLE,
    modelName: MODEL,
    kmsKeyArn: KEY,
    dataBucket: DATA,
    sklearnImage: SKLEARN,
    scripts: { validate: VALIDATE, summary: SUMMARY },
    schemaUri: SCHEMA,
    dataChecks: { maxMissingRate: 0.05, columnMaxMissing: { worst_area: 0.2, mean_area: 0.1 } },
    transform: {
      instanceType: "ml.m5.large",
      instanceCount: 2,
      maxPayloadInMB: 6,
      joinInputWithPredictions: true,
    },
    processing: { instanceType: "ml.m5.large", maxRuntimeSeconds: 1800, volumeSizeInGB: 30 },
    ...overrides,
  };
}

/** `s3://<data>/batch/output/<execution id>/<folder>`, as the pipeline resolves it. */
const runFolder = (folder: string) => ({
  "Std:Join": {
    On: "/",
    Values: [`s3://${DATA}/batch/output`, { Get: "Execution.PipelineExecutionId" }, folder],
  },
});
const report = (path: string) => ({
  "Std:JsonGet": { PropertyFile: { Get: "Steps.ValidateInput.PropertyFiles.ValidationReport" }, Path: path },
});
const featuresUri = {
  Get: "Steps.ValidateInput.ProcessingOutputConfig.Outputs['features'].S3Output.S3Uri",
};
const s3Input = (name: string, uri: unknown, localPath: string) => ({
  InputName: name,
  S3Input: {
    S3Uri: uri,
    LocalPath: localPath,
    S3DataType: "S3Prefix",
    S3InputMode: "File",
    S3DataDistributionType: "FullyReplicated",
  },
});
const output = (name: string, localPath: string) => ({
  OutputName: name,
  S3Output: { S3Uri: runFolder(name), LocalPath: localPath, S3UploadMode: "EndOfJob" },
});
/** What both processing jobs share, for a script and its arguments. */
const job = (script: string, args: readonly string[]) => ({
  RoleArn: ROLE,
  AppSpecification: {
    ImageUri: SKLEARN,
    ContainerEntrypoint: ["python3", `/opt/ml/processing/input/code/${script}`],
    ContainerArguments: args,
  },
  ProcessingResources: {
    ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.large", VolumeSizeInGB: 30, VolumeKmsKeyId: KEY },
  },
  StoppingCondition: { MaxRuntimeInSeconds: 1800 },
  NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true },
});

const checkInput = (definition: PipelineDefinition) => definition.Steps[1] as ConditionStep;
const scoreOf = (definition: PipelineDefinition) =>
  checkInput(definition).Arguments.IfSteps[0] as TransformStep;

describe("batch inference pipeline definition", () => {
  const definition = buildBatchDefinition(input());

  it("has one parameter, the input folder, which defaults to the folder a schedule scores", () => {
    assert.equal(definition.Version, "2020-12-01");
    assert.deepEqual(definition.Metadata, {});
    assert.deepEqual(definition.Parameters, [
      { Name: "InputDataUrl", Type: "String", DefaultValue: `s3://${DATA}/batch/input/scheduled/` },
    ]);
    assert.equal(scheduledInputUri(DATA), `s3://${DATA}/batch/input/scheduled/`);
  });

  it("runs ValidateInput, then CheckInput, which scores and summarises a valid input and fails the run otherwise", () => {
    assert.deepEqual(
      definition.Steps.map((step) => `${step.Type} ${step.Name}`),
      ["Processing ValidateInput", "Condition CheckInput"],
    );
    const check = checkInput(definition);
    assert.deepEqual(check.Arguments.Conditions, [
      { Type: "Equals", LeftValue: report("status"), RightValue: "passed" },
    ]);
    assert.deepEqual(
      check.Arguments.IfSteps.map((step) => `${step.Type} ${step.Name}`),
      ["Transform Score", "Processing Summarize"],
    );
    assert.deepEqual(check.Arguments.ElseSteps, [
      {
        Name: "InputRejected",
        Type: "Fail",
        Arguments: {
          ErrorMessage: {
            "Std:Join": {
              On: " ",
              Values: [
                "The input did not pass the checks against the model's schema, so nothing was scored. Validation",
                report("summary"),
                "(validation_report.json in the run's validation/ folder lists each problem).",
              ],
            },
          },
        },
      },
    ]);
  });

  it("validates the input in inference mode, any number of rows, the model's missing-value limits, isolated and encrypted", () => {
    const step = definition.Steps[0] as ProcessingStep;
    assert.deepEqual(step, {
      Name: "ValidateInput",
      Type: "Processing",
      Description:
        "Checks the input CSV files against the model's schema (columns, types, missing values), writes " +
        "validation_report.json, and the copy of the input the model scores: no header row, the schema's feature columns in its order.",
      Arguments: {
        ...job("validate.py", [
          "validate",
          "--inference",
          "--min-rows",
          "1",
          "--max-missing-rate",
          "0.05",
          "--column-max-missing",
          '{"mean_area":0.1,"worst_area":0.2}',
        ]),
        ProcessingInputs: [
          s3Input("input-data", { Get: "Parameters.InputDataUrl" }, "/opt/ml/processing/input/data"),
          s3Input("schema", SCHEMA, "/opt/ml/processing/input/schema"),
          s3Input("code", VALIDATE, "/opt/ml/processing/input/code"),
        ],
        ProcessingOutputConfig: {
          Outputs: [
            output("validation", "/opt/ml/processing/validation"),
            output("features", "/opt/ml/processing/features"),
          ],
          KmsKeyId: KEY,
        },
      },
      PropertyFiles: [
        {
          PropertyFileName: "ValidationReport",
          OutputName: "validation",
          FilePath: "validation_report.json",
        },
      ],
    });
  });

  it("scores the validated copy with the served model: CSV lines, the payload limit, the join, encrypted volume and output", () => {
    assert.deepEqual(scoreOf(definition), {
      Name: "Score",
      Type: "Transform",
      Description:
        "Scores the validated input with the served model version and writes the predictions, each after its input row.",
      Arguments: {
        ModelName: MODEL,
        MaxPayloadInMB: 6,
        BatchStrategy: "MultiRecord",
        TransformInput: {
          DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: featuresUri } },
          ContentType: "text/csv",
          CompressionType: "None",
          SplitType: "Line",
        },
        TransformOutput: {
          S3OutputPath: runFolder("predictions"),
          Accept: "text/csv",
          AssembleWith: "Line",
          KmsKeyId: KEY,
        },
        TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 2, VolumeKmsKeyId: KEY },
        DataProcessing: { JoinSource: "Input" },
      },
    });
  });

  it("summarises the copy and the predictions after Score, beside them", () => {
    const step = checkInput(definition).Arguments.IfSteps[1] as ProcessingStep;
    assert.deepEqual(step, {
      Name: "Summarize",
      Type: "Processing",
      Description:
        "Counts the rows scored and the rows without a numeric prediction, and describes the scores " +
        "(range, mean, quantiles, histogram) in summary.json beside the predictions.",
      Arguments: {
        ...job("batch_summary.py", [
          "--input",
          "/opt/ml/processing/input/data",
          "--predictions",
          "/opt/ml/processing/input/predictions",
          "--output",
          "/opt/ml/processing/output/summary",
          "--joined",
        ]),
        ProcessingInputs: [
          s3Input("data", featuresUri, "/opt/ml/processing/input/data"),
          s3Input(
            "predictions",
            { Get: "Steps.Score.TransformOutput.S3OutputPath" },
            "/opt/ml/processing/input/predictions",
          ),
          s3Input("code", SUMMARY, "/opt/ml/processing/input/code"),
        ],
        ProcessingOutputConfig: {
          Outputs: [output("summary", "/opt/ml/processing/output/summary")],
          KmsKeyId: KEY,
        },
      },
    });
  });

  it("without the join, writes the predictions alone and tells the summary so", () => {
    const alone = buildBatchDefinition(
      input({
        transform: {
          instanceType: "ml.m5.large",
          instanceCount: 1,
          maxPayloadInMB: 20,
          maxConcurrentTransforms: 5,
          joinInputWithPredictions: false,
        },
      }),
    );
    const score = scoreOf(alone);
    assert.equal(score.Arguments.DataProcessing, undefined);
    assert.equal(score.Arguments.MaxPayloadInMB, 20);
    assert.equal(score.Arguments.MaxConcurrentTransforms, 5);
    assert.match(score.Description ?? "", /one a line in the input's order\.$/);
    const summary = checkInput(alone).Arguments.IfSteps[1] as ProcessingStep;
    assert.equal(summary.Arguments.AppSpecification?.ContainerArguments?.includes("--joined"), false);
  });

  it("leaves the volume key out for instance types with local NVMe storage, which refuse one", () => {
    assert.equal(volumeKey("ml.m5d.large", KEY), undefined);
    assert.equal(volumeKey("ml.m5.large", KEY), KEY);
    const local = buildBatchDefinition(
      input({
        transform: { ...input().transform, instanceType: "ml.g4dn.xlarge" },
        processing: { instanceType: "ml.r5d.large", maxRuntimeSeconds: 600, volumeSizeInGB: 50 },
      }),
    );
    assert.deepEqual(scoreOf(local).Arguments.TransformResources, {
      InstanceType: "ml.g4dn.xlarge",
      InstanceCount: 2,
    });
    const validate = local.Steps[0] as ProcessingStep;
    assert.deepEqual(validate.Arguments.ProcessingResources, {
      ClusterConfig: { InstanceCount: 1, InstanceType: "ml.r5d.large", VolumeSizeInGB: 50 },
    });
  });

  it("runs the processing jobs in the stack's VPC when it has one; no missing-value limits of a column, no option", () => {
    const network = { subnetIds: ["subnet-0123abcd"], securityGroupIds: ["sg-0123abcd"] };
    const inVpc = buildBatchDefinition(
      input({ network, dataChecks: { maxMissingRate: 0.1, columnMaxMissing: {} } }),
    );
    const validate = inVpc.Steps[0] as ProcessingStep;
    assert.deepEqual(validate.Arguments.NetworkConfig, {
      EnableNetworkIsolation: true,
      EnableInterContainerTrafficEncryption: true,
      VpcConfig: { Subnets: ["subnet-0123abcd"], SecurityGroupIds: ["sg-0123abcd"] },
    });
    assert.deepEqual(validate.Arguments.AppSpecification?.ContainerArguments, [
      "validate",
      "--inference",
      "--min-rows",
      "1",
      "--max-missing-rate",
      "0.1",
    ]);
    // The transform job has no network setting: its model carries the VPC and the isolation.
    assert.deepEqual(Object.keys(scoreOf(inVpc).Arguments).sort(), [
      "BatchStrategy",
      "DataProcessing",
      "MaxPayloadInMB",
      "ModelName",
      "TransformInput",
      "TransformOutput",
      "TransformResources",
    ]);
  });

  it("is pure: the same input gives the same definition", () => {
    assert.deepEqual(buildBatchDefinition(input()), definition);
  });
});
