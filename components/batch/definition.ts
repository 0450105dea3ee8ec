import type {
  AppSpecification,
  ProcessingInstanceType,
  ProcessingOutput,
  TransformInstanceType,
} from "@aws-sdk/client-sagemaker";
import { hasLocalInstanceStorage } from "../endpoint/instanceStorage";
import { s3Input, VALIDATION_REPORT } from "../pipeline/definition";
import type {
  ConditionStep,
  FailStep,
  Parameterised,
  PipelineDefinition,
  PipelineExpression,
  ProcessingStep,
  TransformStep,
} from "../pipeline/definitionTypes";
import type { NetworkScope } from "../shared/vpc";

/** Where the processing containers mount inputs and collect outputs (SageMaker's convention). */
const PROCESSING_ROOT = "/opt/ml/processing";

/** The pipeline's one parameter: the folder of CSV files a run scores (`s3://bucket/prefix/`). */
export const BATCH_PARAMETERS = { inputData: "InputDataUrl" } as const;

export const BATCH_STEPS = {
  validateInput: "ValidateInput",
  checkInput: "CheckInput",
  inputRejected: "InputRejected",
  score: "Score",
  summarize: "Summarize",
} as const;

/**
 * Where batch inference reads and writes in the model's data bucket. Datasets arrive under
 * `input` (each a folder `<dataset>/`; a schedule scores `scheduled/`); each run writes under
 * `output<execution id>/`, which expires after `storage.batchOutputRetentionDays`.
 */
export const BATCH_PREFIXES = {
  input: "batch/input/",
  output: "batch/output/",
  /** The folder under `input` that scheduled runs score, and a run started without an input. */
  scheduledDataset: "scheduled/",
} as const;

/**
 * The folders of a run, `batch/output/<execution id>/<folder>/`: ValidateInput's report and the
 * copy of the input the model scores, Score's predictions, Summarize's summary.json.
 *
 * A transform job sends every line of its input to the model, header rows included, and SageMaker's
 * XGBoost reads columns by position: so the model never scores the files as delivered, but the copy
 * `ml/validate.py --inference` writes under `features/` when they pass (each file under its own
 * relative path, no header row, the schema's feature columns in its order).
 */
export const BATCH_OUTPUTS = {
  validation: VALIDATION_REPORT.outputName,
  features: "features",
  predictions: "predictions",
  summary: "summary",
} as const;

/** What `ml/batch_summary.py` writes in the summary folder. */
export const SUMMARY_FILE = "summary.json";

/** Everything the definition depends on, as plain values (resolved outputs of other resources). */
export interface BatchDefinitionInput {
  /** Role the pipeline and its processing jobs run as. */
  readonly roleArn: string;
  /** The SageMaker model the Score step's transform job runs (the served version). */
  readonly modelName: string;
  readonly kmsKeyArn: string;
  /** The model's data bucket: inputs under `batch/input/`, each run's outputs under `batch/output/`. */
  readonly dataBucket: string;
  /** The SageMaker scikit-learn image both processing jobs run in. */
  readonly sklearnImage: string;
  /** S3 URIs of the uploaded `ml/validate.py` and `ml/batch_summary.py`. */
  readonly scripts: { readonly validate: string; readonly summary: string };
  /** S3 URI of the uploaded schema of the model, which ValidateInput checks the input against. */
  readonly schemaUri: string;
  /** What ValidateInput holds the input to, beyond the schema's columns and types. */
  readonly dataChecks: {
    readonly maxMissingRate: number;
    readonly columnMaxMissing: Readonly<Record<string, number>>;
  };
  readonly transform: {
    readonly instanceType: TransformInstanceType;
    readonly instanceCount: number;
    readonly maxPayloadInMB: number;
    /** @default the container's suggestion, else 1 */
    readonly maxConcurrentTransforms?: number;
    /** Each output line is the input line and the prediction, rather than the prediction alone. */
    readonly joinInputWithPredictions: boolean;
  };
  readonly processing: {
    readonly instanceType: ProcessingInstanceType;
    readonly maxRuntimeSeconds: number;
    readonly volumeSizeInGB: number;
  };
  /** Processing jobs run in these subnets when set (the model is in them too, by its own config). */
  readonly network?: NetworkScope;
}

const get = (path: string): { readonly Get: string } => ({ Get: path });
const join = (on: string, ...values: (string | PipelineExpression)[]): PipelineExpression => ({
  "Std:Join": { On: on, Values: values },
});
const processingOutputUri = (step: string, output: string) =>
  get(`Steps.${step}.ProcessingOutputConfig.Outputs['${output}'].S3Output.S3Uri`);
const validationValue = (path: string): PipelineExpression => ({
  "Std:JsonGet": {
    PropertyFile: get(
      `Steps.${BATCH_STEPS.validateInput}.PropertyFiles.${VALIDATION_REPORT.propertyFileName}`,
    ),
    Path: path,
  },
});

/** `s3://<bucket>/batch/output/<execution id>/<folder>`: one folder per run and output. */
function runUri(input: BatchDefinitionInput, folder: string): PipelineExpression {
  return join(
    "/",
    `s3://${input.dataBucket}/${BATCH_PREFIXES.output.replace(/\/$/, "")}`,
    get("Execution.PipelineExecutionId"),
    folder,
  );
}

/** The default input of a run: the folder a schedule scores. */
export function scheduledInputUri(dataBucket: string): string {
  return `s3://${dataBucket}/${BATCH_PREFIXES.input}${BATCH_PREFIXES.scheduledDataset}`;
}

/** The stack key for a job's volume, unless its instances have local NVMe storage, which refuses one. */
export function volumeKey(instanceType: string, kmsKeyArn: string): string | undefined {
  return hasLocalInstanceStorage(instanceType) ? undefined : kmsKeyArn;
}

function output(
  input: BatchDefinitionInput,
  name: string,
  localPath: string,
): Parameterised<ProcessingOutput> {
  return {
    OutputName: name,
    S3Output: { S3Uri: runUri(input, name), LocalPath: localPath, S3UploadMode: "EndOfJob" },
  };
}

/** What both processing jobs share: role, size, key, time limit, isolation and network. */
function processingJob(input: BatchDefinitionInput, script: string, args: readonly string[]) {
  const { instanceType, maxRuntimeSeconds, volumeSizeInGB } = input.processing;
  const app: AppSpecification = {
    ImageUri: input.sklearnImage,
    ContainerEntrypoint: ["python3", `${PROCESSING_ROOT}/input/code/${script}`],
    ContainerArguments: [...args],
  };
  const volumeKmsKeyId = volumeKey(instanceType, input.kmsKeyArn);
  return {
    RoleArn: input.roleArn,
    AppSpecification: app,
    ProcessingResources: {
      ClusterConfig: {
        InstanceCount: 1,
        InstanceType: instanceType,
        VolumeSizeInGB: volumeSizeInGB,
        ...(volumeKmsKeyId !== undefined && { VolumeKmsKeyId: volumeKmsKeyId }),
      },
    },
    StoppingCondition: { MaxRuntimeInSeconds: maxRuntimeSeconds },
    NetworkConfig: {
      // SageMaker copies the inputs in and the outputs out: the containers need no network.
      EnableNetworkIsolation: true,
      EnableInterContainerTrafficEncryption: true,
      ...(input.network && {
        VpcConfig: {
          Subnets: [...input.network.subnetIds],
          SecurityGroupIds: [...input.network.securityGroupIds],
        },
      }),
    },
  } as const;
}

/** `ml/validate.py`'s command line in inference mode: any number of rows, the model's missing-value limits. */
function validateArguments(input: BatchDefinitionInput): string[] {
  const { maxMissingRate, columnMaxMissing } = input.dataChecks;
  const columns = Object.keys(columnMaxMissing).sort();
  return [
    "validate",
    "--inference",
    // A batch of one row is as valid as one of a million.
    "--min-rows",
    "1",
    "--max-missing-rate",
    String(maxMissingRate),
    ...(columns.length > 0
      ? [
          "--column-max-missing",
          JSON.stringify(Object.fromEntries(columns.map((name) => [name, columnMaxMissing[name]]))),
        ]
      : []),
  ];
}

/**
 * Checks the input against the model's schema in inference mode (no target column): columns, types,
 * missing values. It writes validation_report.json and, when the input passes, the copy of it the
 * model scores (`BATCH_OUTPUTS`), and exits 0 whether the input passed or not, so that CheckInput can stop the
 * run with the report's summary.
 */
function validateInputStep(input: BatchDefinitionInput): ProcessingStep {
  return {
    Name: BATCH_STEPS.validateInput,
    Type: "Processing",
    Description:
      "Checks the input CSV files against the model's schema (columns, types, missing values), writes " +
      "validation_report.json, and the copy of the input the model scores: no header row, the schema's feature columns in its order.",
    Arguments: {
      ...processingJob(input, "validate.py", validateArguments(input)),
      ProcessingInputs: [
        s3Input(
          "input-data",
          get(`Parameters.${BATCH_PARAMETERS.inputData}`),
          `${PROCESSING_ROOT}/input/data`,
        ),
        // A single object arrives under its own name; validate.py reads the only .json file there.
        s3Input("schema", input.schemaUri, `${PROCESSING_ROOT}/input/schema`),
        s3Input("code", input.scripts.validate, `${PROCESSING_ROOT}/input/code`),
      ],
      ProcessingOutputConfig: {
        Outputs: [
          output(input, BATCH_OUTPUTS.validation, `${PROCESSING_ROOT}/${BATCH_OUTPUTS.validation}`),
          output(input, BATCH_OUTPUTS.features, `${PROCESSING_ROOT}/${BATCH_OUTPUTS.features}`),
        ],
        KmsKeyId: input.kmsKeyArn,
      },
    },
    PropertyFiles: [
      {
        PropertyFileName: VALIDATION_REPORT.propertyFileName,
        OutputName: VALIDATION_REPORT.outputName,
        FilePath: VALIDATION_REPORT.filePath,
      },
    ],
  };
}

/**
 * Scores the validated copy of the input with the served model: CSV lines in, CSV lines out, as
 * many lines to a request as `maxPayloadInMB` holds, each output file `<input file>.out` under
 * `predictions/`, encrypted with the stack key. The model is network-isolated and in the stack's
 * VPC by its own configuration; a transform job has neither setting of its own.
 */
function scoreStep(input: BatchDefinitionInput): TransformStep {
  const { transform } = input;
  const volumeKmsKeyId = volumeKey(transform.instanceType, input.kmsKeyArn);
  return {
    Name: BATCH_STEPS.score,
    Type: "Transform",
    Description:
      "Scores the validated input with the served model version and writes the predictions" +
      (transform.joinInputWithPredictions
        ? ", each after its input row."
        : ", one a line in the input's order."),
    Arguments: {
      ModelName: input.modelName,
      ...(transform.maxConcurrentTransforms !== undefined && {
        MaxConcurrentTransforms: transform.maxConcurrentTransforms,
      }),
      MaxPayloadInMB: transform.maxPayloadInMB,
      BatchStrategy: "MultiRecord",
      TransformInput: {
        DataSource: {
          S3DataSource: {
            S3DataType: "S3Prefix",
            S3Uri: processingOutputUri(BATCH_STEPS.validateInput, BATCH_OUTPUTS.features),
          },
        },
        ContentType: "text/csv",
        CompressionType: "None",
        SplitType: "Line",
      },
      TransformOutput: {
        S3OutputPath: runUri(input, BATCH_OUTPUTS.predictions),
        Accept: "text/csv",
        AssembleWith: "Line",
        KmsKeyId: input.kmsKeyArn,
      },
      TransformResources: {
        InstanceType: transform.instanceType,
        InstanceCount: transform.instanceCount,
        ...(volumeKmsKeyId !== undefined && { VolumeKmsKeyId: volumeKmsKeyId }),
      },
      // With the join, each output line is the input line, a comma and the prediction
      // ("Associate Prediction Results with Input Records",
      // https://docs.aws.amazon.com/sagemaker/latest/dg/batch-transform-data-processing.html).
      ...(transform.joinInputWithPredictions && { DataProcessing: { JoinSource: "Input" } }),
    },
  };
}

/** Counts the rows scored and failed and describes the scores (`ml/batch_summary.py`) in summary.json. */
function summarizeStep(input: BatchDefinitionInput): ProcessingStep {
  const inputs = `${PROCESSING_ROOT}/input`;
  return {
    Name: BATCH_STEPS.summarize,
    Type: "Processing",
    Description:
      "Counts the rows scored and the rows without a numeric prediction, and describes the scores " +
      "(range, mean, quantiles, histogram) in summary.json beside the predictions.",
    Arguments: {
      ...processingJob(input, "batch_summary.py", [
        "--input",
        `${inputs}/data`,
        "--predictions",
        `${inputs}/predictions`,
        "--output",
        `${PROCESSING_ROOT}/output/${BATCH_OUTPUTS.summary}`,
        ...(input.transform.joinInputWithPredictions ? ["--joined"] : []),
      ]),
      ProcessingInputs: [
        s3Input(
          "data",
          processingOutputUri(BATCH_STEPS.validateInput, BATCH_OUTPUTS.features),
          `${inputs}/data`,
        ),
        // Reading the Score step's output makes this step run after it.
        s3Input(
          BATCH_OUTPUTS.predictions,
          get(`Steps.${BATCH_STEPS.score}.TransformOutput.S3OutputPath`),
          `${inputs}/predictions`,
        ),
        s3Input("code", input.scripts.summary, `${inputs}/code`),
      ],
      ProcessingOutputConfig: {
        Outputs: [output(input, BATCH_OUTPUTS.summary, `${PROCESSING_ROOT}/output/${BATCH_OUTPUTS.summary}`)],
        KmsKeyId: input.kmsKeyArn,
      },
    },
  };
}

function inputRejectedStep(): FailStep {
  return {
    Name: BATCH_STEPS.inputRejected,
    Type: "Fail",
    Arguments: {
      ErrorMessage: join(
        " ",
        "The input did not pass the checks against the model's schema, so nothing was scored. Validation",
        validationValue(VALIDATION_REPORT.summaryPath),
        `(${VALIDATION_REPORT.filePath} in the run's ${BATCH_OUTPUTS.validation}/ folder lists each problem).`,
      ),
    },
  };
}

/** Scores and summarises the input only when it passed ValidateInput; otherwise fails the run with the report's summary. */
function checkInputStep(input: BatchDefinitionInput): ConditionStep {
  return {
    Name: BATCH_STEPS.checkInput,
    Type: "Condition",
    Description: "Scores the input only when it passed ValidateInput.",
    Arguments: {
      Conditions: [
        {
          Type: "Equals",
          LeftValue: validationValue(VALIDATION_REPORT.statusPath),
          RightValue: VALIDATION_REPORT.passed,
        },
      ],
      IfSteps: [scoreStep(input), summarizeStep(input)],
      ElseSteps: [inputRejectedStep()],
    },
  };
}

/**
 * The batch inference pipeline: ValidateInput → CheckInput, which fails the run at InputRejected
 * (naming each problem) when the input does not pass, and otherwise runs Score (a transform job of
 * the served model) → Summarize. Every output of a run is under
 * `s3://<data bucket>/batch/output/<execution id>/`. Pure: the same input gives the same definition.
 */
export function buildBatchDefinition(input: BatchDefinitionInput): PipelineDefinition {
  return {
    Version: "2020-12-01",
    Metadata: {},
    Parameters: [
      {
        Name: BATCH_PARAMETERS.inputData,
        Type: "String",
        DefaultValue: scheduledInputUri(input.dataBucket),
      },
    ],
    Steps: [validateInputStep(input), checkInputStep(input)],
  };
}
