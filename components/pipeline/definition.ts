import type {
  AppSpecification,
  Channel,
  MetricsSource,
  ProcessingInput,
  ProcessingOutput,
} from "@aws-sdk/client-sagemaker";
import type { DataChecks } from "./settings";
import type {
  Condition,
  ConditionStep,
  FailStep,
  LambdaStep,
  Parameterised,
  PipelineDefinition,
  PipelineExpression,
  PipelineParameter,
  PipelineStep,
  ProcessingStep,
  QualityCheckStep,
  RegisterModelStep,
  TrainingStep,
} from "./definitionTypes";

/** Where the processing containers mount inputs and collect outputs (SageMaker's convention). */
const PROCESSING_ROOT = "/opt/ml/processing";

/** Names the pipeline's parameters, steps and property file; other modules and tests refer to these. */
export const PARAMETERS = {
  inputData: "InputDataUrl",
  processingInstanceType: "ProcessingInstanceType",
  trainingInstanceType: "TrainingInstanceType",
  accuracyThreshold: "AccuracyThreshold",
  modelApprovalStatus: "ModelApprovalStatus",
  skipDataQualityCheck: "SkipDataQualityCheck",
  registerNewDataQualityBaseline: "RegisterNewDataQualityBaseline",
} as const;

export const STEPS = {
  validateData: "ValidateData",
  checkData: "CheckData",
  dataRejected: "DataRejected",
  preprocess: "Preprocess",
  driftBaseline: "DriftBaseline",
  dataQuality: "DataQualityBaseline",
  train: "Train",
  findChampion: "FindChampion",
  evaluate: "Evaluate",
  checkAccuracy: "CheckAccuracy",
  accuracyBelowThreshold: "AccuracyBelowThreshold",
  checkChampion: "CheckChampion",
  accuracyBelowChampion: "AccuracyBelowChampion",
  checkGates: "CheckGates",
  register: "Register",
} as const;

/** The report `ml/validate.py` writes, which the CheckData step reads. */
export const VALIDATION_REPORT = {
  propertyFileName: "ValidationReport",
  outputName: "validation",
  filePath: "validation_report.json",
  /** JSON path of the verdict, `passed` or `failed`. */
  statusPath: "status",
  passed: "passed",
  /** JSON path of the one-line summary that names each problem. */
  summaryPath: "summary",
} as const;

export const EVALUATION_REPORT = {
  propertyFileName: "EvaluationReport",
  outputName: "evaluation",
  filePath: "evaluation.json",
  /** JSON path of the accuracy in the report `ml/evaluate.py` writes. */
  accuracyPath: "binary_classification_metrics.accuracy.value",
  /** JSON path of the champion gate: 1 passes, 0 fails (a number, as conditions compare numbers). */
  championGatePath: "champion_gate",
  /** JSON path of the gate's decision in one sentence. */
  championReasonPath: "decision.reason",
} as const;

/**
 * The FindChampion step: its function's output parameters, the Evaluate input they feed, and the
 * placeholder folder it points that input to when the group has no approved version.
 */
export const CHAMPION = {
  modelUriOutput: "ChampionModelUri",
  arnOutput: "ChampionArn",
  inputName: "champion",
  /** Under the step's folder of the execution: `pipeline-work/<execution id>/FindChampion/none/`. */
  placeholderFolder: "none",
} as const;

/** The splits `ml/preprocess.py` writes, each a processing output of the Preprocess step. */
export const SPLITS = ["train", "validation", "test"] as const;

/** The Preprocess output holding baseline.csv: the training features with a header row, no label. */
export const BASELINE_OUTPUT = "baseline";

/**
 * The Preprocess output holding the Model Monitor analyzer's dataset, `baseline.csv`: the label
 * column first, then the training features, with a header row. Only the DataQualityBaseline step
 * reads it, so Preprocess uploads it only with `modelMonitorBaseline`.
 */
export const MONITOR_BASELINE_OUTPUT = "monitor-baseline";

/**
 * Content type under which each version registers its drift baseline (ModelMetrics →
 * ModelDataQuality → Statistics): what tells it apart from a Model Monitor statistics.json, which
 * is `application/json` too. CreateModelPackage takes any content type of up to 256 characters
 * (MetricsSource, https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_MetricsSource.html).
 */
export const DRIFT_BASELINE_CONTENT_TYPE = "application/vnd.mlops.drift-baseline+json";

/** The DriftBaseline step's output and the file `ml/baseline.py` writes there. */
export const DRIFT_BASELINE = {
  outputName: "drift-baseline",
  fileName: "drift_baseline.json",
} as const;

/**
 * Where an execution writes in the artifacts bucket, `<prefix>/<execution id>/<step>/<output>`, by
 * how long it is kept: what a registered version points to stays as long as the bucket (the stack
 * cannot know when a version is deleted); the rest expires (MlPipeline's lifecycle rules).
 */
export const ARTIFACT_PREFIXES = {
  /** The outputs a registered version points to: model, evaluation report, baselines. Never expire. */
  outputs: "pipelines",
  /** Read by later steps of the same execution only: validation report, splits, placeholder. Expire. */
  work: "pipeline-work",
  /** Spot training's checkpoints, `<prefix>/<execution id>/`. Expire. */
  checkpoints: "checkpoints",
} as const;

/** Keys (an IAM wildcard) the FindChampion function writes its placeholder under, in any execution. */
export const CHAMPION_PLACEHOLDER_KEYS = `${ARTIFACT_PREFIXES.work}/*/${STEPS.findChampion}/*`;
/** The Train step's output folder, and the DataQualityBaseline step's. */
const MODEL_OUTPUT = "model";
const DATA_QUALITY_OUTPUT = "baseline";

/**
 * The step outputs a registered version points to (Register's `ModelDataUrl`, `ModelMetrics` and
 * `DriftCheckBaselines`), and which stacks serving it read: kept under `pipelines/`. Every other
 * output is written under `pipeline-work/` and expires.
 */
export const REGISTERED_OUTPUTS: readonly (readonly [step: string, output: string])[] = [
  [STEPS.train, MODEL_OUTPUT],
  [STEPS.evaluate, EVALUATION_REPORT.outputName],
  [STEPS.driftBaseline, DRIFT_BASELINE.outputName],
  [STEPS.dataQuality, DATA_QUALITY_OUTPUT],
];

/**
 * Keys (IAM wildcards) of the objects a registered version points to, in any execution: its model
 * (SageMaker writes `<S3OutputPath>/<training job name>/output/model.tar.gz`), its drift baseline
 * and, when the pipeline has the DataQualityBaseline step, its Model Monitor baseline (the
 * analyzer's statistics.json and constraints.json; listed either way, as they match nothing when
 * the step does not run). What another account serving the version reads, and nothing else of an
 * execution.
 */
export const REGISTERED_VERSION_KEYS: readonly string[] = [
  `${ARTIFACT_PREFIXES.outputs}/*/${STEPS.train}/${MODEL_OUTPUT}/*/output/model.tar.gz`,
  `${ARTIFACT_PREFIXES.outputs}/*/${STEPS.driftBaseline}/${DRIFT_BASELINE.outputName}/${DRIFT_BASELINE.fileName}`,
  `${ARTIFACT_PREFIXES.outputs}/*/${STEPS.dataQuality}/${DATA_QUALITY_OUTPUT}/statistics.json`,
  `${ARTIFACT_PREFIXES.outputs}/*/${STEPS.dataQuality}/${DATA_QUALITY_OUTPUT}/constraints.json`,
];

/**
 * Names and paths the Model Monitor analyzer is configured with, as the SageMaker Python SDK's
 * QualityCheckStep sets them; the analyzer reads a folder, so the dataset input is a prefix.
 */
const ANALYZER = {
  inputName: "baseline_dataset_input",
  datasetPath: `${PROCESSING_ROOT}/input/baseline_dataset_input`,
  outputName: "quality_check_output",
  outputPath: `${PROCESSING_ROOT}/output`,
} as const;

/** Everything the definition depends on, as plain values (resolved outputs of other resources). */
export interface PipelineDefinitionInput {
  /** Execution role the pipeline's jobs run as. */
  readonly roleArn: string;
  /** KMS key for job volumes and job outputs. */
  readonly kmsKeyArn: string;
  /** Bucket for everything an execution writes (splits, model, reports, checkpoints): see ARTIFACT_PREFIXES. */
  readonly artifactsBucket: string;
  /** Model package group the Register step adds versions to. */
  readonly modelPackageGroupName: string;
  /**
   * Container images for the region: scikit-learn processing, the built-in XGBoost algorithm and,
   * with `modelMonitorBaseline`, the Model Monitor analyzer that computes its baseline.
   */
  readonly images: { readonly sklearn: string; readonly xgboost: string; readonly modelMonitor?: string };
  /** S3 URIs of the uploaded `ml/validate.py`, `ml/preprocess.py`, `ml/baseline.py` and `ml/evaluate.py`. */
  readonly scripts: {
    readonly validate: string;
    readonly preprocess: string;
    readonly baseline: string;
    readonly evaluate: string;
  };
  /** S3 URI of the uploaded schema of the model (`ml/schemas/<model>.json`), which ValidateData checks the input against. */
  readonly schemaUri: string;
  /** What ValidateData holds the input to (`ml/validate.py`'s options). */
  readonly dataChecks: DataChecks;
  /** How far the accuracy may be below the approved model's, from 0 to 1 (`ml/evaluate.py --margin`). */
  readonly championMargin: number;
  /** The Lambda function of the FindChampion step (`functions/find_champion.py`). */
  readonly findChampionFunctionArn: string;
  /**
   * Also baseline the training data with the Model Monitor analyzer (the DataQualityBaseline
   * QualityCheck step, which needs `images.modelMonitor`) and register that baseline with each
   * version, for endpoints that Model Monitor watches. @default false
   */
  readonly modelMonitorBaseline?: boolean;
  /** Parameter defaults; every execution may override them. */
  readonly defaults: {
    readonly inputDataUri: string;
    readonly processingInstanceType: string;
    readonly trainingInstanceType: string;
    readonly accuracyThreshold: number;
    readonly modelApprovalStatus: string;
  };
  /** Label column of the input CSV. */
  readonly targetColumn: string;
  /** XGBoost hyperparameters, as strings the way CreateTrainingJob takes them. */
  readonly hyperParameters: Readonly<Record<string, string>>;
  readonly training: {
    readonly spot: boolean;
    readonly maxRuntimeSeconds: number;
    /** Spot only: capacity wait plus run time. */
    readonly maxWaitSeconds?: number;
  };
  /** Processing job run-time limit. */
  readonly processingMaxRuntimeSeconds: number;
  /** Job size on disk, encrypted with `kmsKeyArn`. */
  readonly volumeSizeInGB: number;
  /** Jobs run in these subnets when set. */
  readonly network?: { readonly subnetIds: readonly string[]; readonly securityGroupIds: readonly string[] };
}

const get = (path: string): { readonly Get: string } => ({ Get: path });
const parameter = (name: string) => get(`Parameters.${name}`);
const join = (on: string, ...values: (string | PipelineExpression)[]): PipelineExpression => ({
  "Std:Join": { On: on, Values: values },
});
const processingOutputUri = (step: string, output: string) =>
  get(`Steps.${step}.ProcessingOutputConfig.Outputs['${output}'].S3Output.S3Uri`);
const MODEL_ARTIFACTS = get(`Steps.${STEPS.train}.ModelArtifacts.S3ModelArtifacts`);
/** A value of a step's property file, read when the execution gets there. */
const jsonGet = (step: string, propertyFile: string, path: string): PipelineExpression => ({
  "Std:JsonGet": { PropertyFile: get(`Steps.${step}.PropertyFiles.${propertyFile}`), Path: path },
});
const validationValue = (path: string) =>
  jsonGet(STEPS.validateData, VALIDATION_REPORT.propertyFileName, path);
const evaluationValue = (path: string) => jsonGet(STEPS.evaluate, EVALUATION_REPORT.propertyFileName, path);

/**
 * `s3://<artifacts>/<prefix>/<execution id>/<step>/<name>`: one folder per execution, under
 * `pipelines/` for what a registered version points to, else under `pipeline-work/`.
 */
function executionUri(input: PipelineDefinitionInput, step: string, name: string): PipelineExpression {
  const registered = REGISTERED_OUTPUTS.some(([s, output]) => s === step && output === name);
  return join(
    "/",
    `s3://${input.artifactsBucket}/${registered ? ARTIFACT_PREFIXES.outputs : ARTIFACT_PREFIXES.work}`,
    get("Execution.PipelineExecutionId"),
    step,
    name,
  );
}

/**
 * A processing input SageMaker copies to `localPath` before the job starts: every object under an
 * S3 prefix, or (`ManifestFile`) exactly the objects a manifest lists.
 */
export function s3Input(
  name: string,
  uri: string | PipelineExpression,
  localPath: string,
  type: "S3Prefix" | "ManifestFile" = "S3Prefix",
): Parameterised<ProcessingInput> {
  return {
    InputName: name,
    S3Input: {
      S3Uri: uri,
      LocalPath: localPath,
      S3DataType: type,
      S3InputMode: "File",
      S3DataDistributionType: "FullyReplicated",
    },
  };
}

function s3Output(
  input: PipelineDefinitionInput,
  step: string,
  name: string,
): Parameterised<ProcessingOutput> {
  return {
    OutputName: name,
    S3Output: {
      S3Uri: executionUri(input, step, name),
      LocalPath: `${PROCESSING_ROOT}/${name}`,
      S3UploadMode: "EndOfJob",
    },
  };
}

function channel(name: string, uri: PipelineExpression): Parameterised<Channel> {
  return {
    ChannelName: name,
    ContentType: "text/csv",
    DataSource: {
      S3DataSource: { S3DataType: "S3Prefix", S3Uri: uri, S3DataDistributionType: "FullyReplicated" },
    },
  };
}

/** `{ VpcConfig }` when the stack has a VPC, else nothing: jobs then run in SageMaker's network. */
function vpcConfig(input: PipelineDefinitionInput) {
  return input.network
    ? { VpcConfig: { Subnets: input.network.subnetIds, SecurityGroupIds: input.network.securityGroupIds } }
    : {};
}

/** Runs one of the uploaded `ml/` scripts with the image's Python. */
function scriptApp(image: string, script: string, args: string[] = []): AppSpecification {
  return {
    ImageUri: image,
    ContainerEntrypoint: ["python3", `${PROCESSING_ROOT}/input/code/${script}`],
    ...(args.length > 0 && { ContainerArguments: args }),
  };
}

/** Settings every processing job shares: size, encryption, isolation and time limit. */
function processingJob(input: PipelineDefinitionInput, app: AppSpecification) {
  return {
    RoleArn: input.roleArn,
    AppSpecification: app,
    ProcessingResources: {
      ClusterConfig: {
        InstanceCount: 1,
        InstanceType: parameter(PARAMETERS.processingInstanceType),
        VolumeSizeInGB: input.volumeSizeInGB,
        VolumeKmsKeyId: input.kmsKeyArn,
      },
    },
    StoppingCondition: { MaxRuntimeInSeconds: input.processingMaxRuntimeSeconds },
    NetworkConfig: {
      // Containers only read inputs and write outputs that SageMaker copies from and to S3, so
      // they need no network.
      EnableNetworkIsolation: true,
      EnableInterContainerTrafficEncryption: true,
      ...vpcConfig(input),
    },
  } as const;
}

/** `ml/validate.py`'s options for the limits; a column's own limit only when there is one. */
function dataCheckArguments(checks: DataChecks): string[] {
  const columns = Object.keys(checks.columnMaxMissing).sort();
  return [
    "--min-rows",
    String(checks.minRows),
    "--max-missing-rate",
    String(checks.maxMissingRate),
    "--min-class-share",
    String(checks.minClassShare),
    "--max-class-share",
    String(checks.maxClassShare),
    ...(columns.length > 0
      ? [
          "--column-max-missing",
          JSON.stringify(Object.fromEntries(columns.map((name) => [name, checks.columnMaxMissing[name]]))),
        ]
      : []),
  ];
}

/** A step's JSON report that later steps read with JsonGet: which output holds it, and where. */
function propertyFile(report: {
  readonly propertyFileName: string;
  readonly outputName: string;
  readonly filePath: string;
}) {
  return {
    PropertyFileName: report.propertyFileName,
    OutputName: report.outputName,
    FilePath: report.filePath,
  };
}
/**
 * Checks the input data against the model's schema with `ml/validate.py`: columns, types, missing
 * values, row count, target classes and their balance. The script writes validation_report.json
 * and exits 0 whether the data passed or not, so that CheckData can stop the build with the
 * report's summary instead of a failed job.
 */
function validateDataStep(input: PipelineDefinitionInput): ProcessingStep {
  return {
    Name: STEPS.validateData,
    Type: "Processing",
    Description:
      "Checks the input CSV against the model's schema (columns, types, missing values, rows, class " +
      "balance) and writes validation_report.json.",
    Arguments: {
      ...processingJob(
        input,
        scriptApp(input.images.sklearn, "validate.py", dataCheckArguments(input.dataChecks)),
      ),
      ProcessingInputs: [
        s3Input("input-data", parameter(PARAMETERS.inputData), `${PROCESSING_ROOT}/input/data`),
        // A single object arrives under its own name; validate.py reads the only .json file there.
        s3Input("schema", input.schemaUri, `${PROCESSING_ROOT}/input/schema`),
        s3Input("code", input.scripts.validate, `${PROCESSING_ROOT}/input/code`),
      ],
      ProcessingOutputConfig: {
        Outputs: [s3Output(input, STEPS.validateData, VALIDATION_REPORT.outputName)],
        KmsKeyId: input.kmsKeyArn,
      },
    },
    PropertyFiles: [propertyFile(VALIDATION_REPORT)],
  };
}

function preprocessStep(input: PipelineDefinitionInput): ProcessingStep {
  // The analyzer's dataset only when the analyzer runs: nothing else reads it.
  const outputs = [
    ...SPLITS,
    BASELINE_OUTPUT,
    ...(input.modelMonitorBaseline === true ? [MONITOR_BASELINE_OUTPUT] : []),
  ];
  return {
    Name: STEPS.preprocess,
    Type: "Processing",
    Description: "Validates the input CSV and splits it into train, validation and test sets.",
    Arguments: {
      ...processingJob(
        input,
        // The features in the schema's order: the order the model learns, and batch scoring sends.
        scriptApp(input.images.sklearn, "preprocess.py", [
          "--target-column",
          input.targetColumn,
          "--schema-order",
        ]),
      ),
      ProcessingInputs: [
        s3Input("input-data", parameter(PARAMETERS.inputData), `${PROCESSING_ROOT}/input/data`),
        s3Input("code", input.scripts.preprocess, `${PROCESSING_ROOT}/input/code`),
        s3Input("schema", input.schemaUri, `${PROCESSING_ROOT}/input/schema`),
      ],
      ProcessingOutputConfig: {
        Outputs: outputs.map((name) => s3Output(input, STEPS.preprocess, name)),
        KmsKeyId: input.kmsKeyArn,
      },
    },
  };
}

/**
 * Describes the training features for the drift check (`ml/baseline.py`): quantile bins, a sample
 * and category shares of each feature in drift_baseline.json, which each version registers and
 * endpoint drift checks compare captured requests with.
 */
function driftBaselineStep(input: PipelineDefinitionInput): ProcessingStep {
  return {
    Name: STEPS.driftBaseline,
    Type: "Processing",
    Description:
      "Describes the training features (quantile bins, samples, category shares) in " +
      "drift_baseline.json, the baseline endpoint drift checks compare captured requests with.",
    Arguments: {
      ...processingJob(input, scriptApp(input.images.sklearn, "baseline.py")),
      ProcessingInputs: [
        // baseline.py reads <base dir>/baseline/baseline.csv, where Preprocess wrote it.
        s3Input(
          BASELINE_OUTPUT,
          processingOutputUri(STEPS.preprocess, BASELINE_OUTPUT),
          `${PROCESSING_ROOT}/${BASELINE_OUTPUT}`,
        ),
        s3Input("code", input.scripts.baseline, `${PROCESSING_ROOT}/input/code`),
      ],
      ProcessingOutputConfig: {
        Outputs: [s3Output(input, STEPS.driftBaseline, DRIFT_BASELINE.outputName)],
        KmsKeyId: input.kmsKeyArn,
      },
    },
  };
}

/**
 * Baselines the training data with the Model Monitor analyzer: statistics.json and
 * constraints.json, which Model Monitor schedules compare live requests with. SageMaker also
 * checks them for drift against the latest approved version's baseline unless SkipDataQualityCheck.
 */
function dataQualityStep(input: PipelineDefinitionInput, analyzerImage: string): QualityCheckStep {
  return {
    Name: STEPS.dataQuality,
    Type: "QualityCheck",
    Description:
      "Computes the data-quality baseline (statistics and constraints) of the training features, " +
      "and checks it for drift against the approved version's baseline unless SkipDataQualityCheck.",
    Arguments: {
      // The analyzer has its own entrypoint; the environment below is its whole configuration.
      ...processingJob(input, { ImageUri: analyzerImage }),
      ProcessingInputs: [
        s3Input(
          ANALYZER.inputName,
          processingOutputUri(STEPS.preprocess, MONITOR_BASELINE_OUTPUT),
          ANALYZER.datasetPath,
        ),
      ],
      ProcessingOutputConfig: {
        Outputs: [
          {
            OutputName: ANALYZER.outputName,
            S3Output: {
              S3Uri: executionUri(input, STEPS.dataQuality, DATA_QUALITY_OUTPUT),
              LocalPath: ANALYZER.outputPath,
              S3UploadMode: "EndOfJob",
            },
          },
        ],
        KmsKeyId: input.kmsKeyArn,
      },
      Environment: {
        // Model Monitor lines captured records up with the baseline column by column: "the training
        // dataset data schema and the inference dataset schema should exactly match (the number and
        // order of the features)", with "the prediction/output column(s) ... assumed to be the 1st
        // column(s)" (Create a Baseline,
        // https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-create-baseline.html), where
        // output_columns_position START puts them (the SageMaker Python SDK's DatasetFormat.csv
        // default). A captured record is the model's score, then the request's features; so the
        // analyzer's dataset is the label (as a decimal, like the score), then the features
        // (MONITOR_BASELINE_OUTPUT), whose header row names each column in the statistics. The
        // features alone would be one column short of every record (extra_column_check) and each
        // shifted by one (Schema for Violations,
        // https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-interpreting-violations.html).
        dataset_format: JSON.stringify({ csv: { header: true, output_columns_position: "START" } }),
        dataset_source: ANALYZER.datasetPath,
        output_path: ANALYZER.outputPath,
        // CloudWatch metrics are for monitoring schedules; a baseline has none to publish.
        publish_cloudwatch_metrics: "Disabled",
      },
    },
    CheckType: "DATA_QUALITY",
    // The check compares with the baseline of the latest approved version in this group.
    ModelPackageGroupName: input.modelPackageGroupName,
    SkipCheck: parameter(PARAMETERS.skipDataQualityCheck),
    RegisterNewBaseline: parameter(PARAMETERS.registerNewDataQualityBaseline),
  };
}

function trainStep(input: PipelineDefinitionInput): TrainingStep {
  const { spot, maxRuntimeSeconds, maxWaitSeconds } = input.training;
  return {
    Name: STEPS.train,
    Type: "Training",
    Description:
      "Trains the built-in XGBoost algorithm on the train split, validated on the validation split.",
    Arguments: {
      RoleArn: input.roleArn,
      AlgorithmSpecification: { TrainingImage: input.images.xgboost, TrainingInputMode: "File" },
      HyperParameters: { ...input.hyperParameters },
      InputDataConfig: ["train", "validation"].map((split) =>
        channel(split, processingOutputUri(STEPS.preprocess, split)),
      ),
      OutputDataConfig: {
        S3OutputPath: executionUri(input, STEPS.train, MODEL_OUTPUT),
        KmsKeyId: input.kmsKeyArn,
      },
      ResourceConfig: {
        InstanceCount: 1,
        InstanceType: parameter(PARAMETERS.trainingInstanceType),
        VolumeSizeInGB: input.volumeSizeInGB,
        VolumeKmsKeyId: input.kmsKeyArn,
      },
      StoppingCondition: {
        MaxRuntimeInSeconds: maxRuntimeSeconds,
        ...(spot && { MaxWaitTimeInSeconds: maxWaitSeconds ?? maxRuntimeSeconds * 2 }),
      },
      EnableNetworkIsolation: true,
      EnableInterContainerTrafficEncryption: true,
      ...(spot && {
        EnableManagedSpotTraining: true,
        // A spot interruption resumes from the last checkpoint instead of starting over.
        CheckpointConfig: {
          S3Uri: join(
            "/",
            `s3://${input.artifactsBucket}/${ARTIFACT_PREFIXES.checkpoints}`,
            get("Execution.PipelineExecutionId"),
          ),
        },
      }),
      ...vpcConfig(input),
    },
  };
}

/**
 * Finds the model the new one would replace (the champion): the group's latest approved version,
 * or, when there is none, a placeholder folder holding only `NO_CHAMPION`, which `ml/evaluate.py`
 * reads as no champion. The Evaluate job is network-isolated, so it cannot look the registry up
 * itself, and a processing input must name objects that exist: hence a Lambda step that always
 * answers with a location (`functions/find_champion.py`).
 */
function findChampionStep(input: PipelineDefinitionInput): LambdaStep {
  return {
    Name: STEPS.findChampion,
    Type: "Lambda",
    Description:
      "Finds the model of the group's latest approved version (the champion) for Evaluate to compare " +
      "with, or writes the placeholder that stands for none.",
    FunctionArn: input.findChampionFunctionArn,
    Arguments: {
      model_package_group_name: input.modelPackageGroupName,
      placeholder_uri: executionUri(input, STEPS.findChampion, CHAMPION.placeholderFolder),
    },
    OutputParameters: [
      { OutputName: CHAMPION.modelUriOutput, OutputType: "String" },
      { OutputName: CHAMPION.arnOutput, OutputType: "String" },
    ],
  };
}

function evaluateStep(input: PipelineDefinitionInput): ProcessingStep {
  return {
    Name: STEPS.evaluate,
    Type: "Processing",
    Description:
      "Scores the trained model and the approved model (the champion) on the test split, and writes " +
      "evaluation.json with the new model's metrics, the champion's and the champion gate's decision.",
    Arguments: {
      // The XGBoost image has the library the model was trained with, so the model loads as saved.
      ...processingJob(
        input,
        scriptApp(input.images.xgboost, "evaluate.py", ["--margin", String(input.championMargin)]),
      ),
      ProcessingInputs: [
        s3Input("model", MODEL_ARTIFACTS, `${PROCESSING_ROOT}/model`),
        s3Input("test", processingOutputUri(STEPS.preprocess, "test"), `${PROCESSING_ROOT}/test`),
        // The champion's model.tar.gz, or the placeholder: either arrives in champion/.
        s3Input(
          CHAMPION.inputName,
          get(`Steps.${STEPS.findChampion}.OutputParameters['${CHAMPION.modelUriOutput}']`),
          `${PROCESSING_ROOT}/${CHAMPION.inputName}`,
        ),
        s3Input("code", input.scripts.evaluate, `${PROCESSING_ROOT}/input/code`),
      ],
      ProcessingOutputConfig: {
        Outputs: [s3Output(input, STEPS.evaluate, EVALUATION_REPORT.outputName)],
        KmsKeyId: input.kmsKeyArn,
      },
    },
    PropertyFiles: [propertyFile(EVALUATION_REPORT)],
  };
}

/** A JSON metrics file of a model package, at a location the pipeline resolves. */
const jsonMetrics = (uri: PipelineExpression): Parameterised<MetricsSource> => ({
  ContentType: "application/json",
  S3Uri: uri,
});
const dataQualityProperty = (name: string) => get(`Steps.${STEPS.dataQuality}.${name}`);

function registerStep(input: PipelineDefinitionInput): RegisterModelStep {
  const modelMonitor = input.modelMonitorBaseline === true;
  return {
    Name: STEPS.register,
    Type: "RegisterModel",
    // The evaluation report is the challenger's: its metrics are what the registry shows, and it
    // also holds the champion's, scored on the same test split, and the gate's decision.
    Description:
      "Adds the model to the registry with its drift baseline" +
      (modelMonitor ? ", its Model Monitor baseline" : "") +
      " and its evaluation report (its metrics, the approved model's on the same test split and the " +
      "champion gate's decision, for the approver to compare), awaiting approval.",
    Arguments: {
      ModelPackageGroupName: input.modelPackageGroupName,
      // The decision in words, where the registry lists the version.
      ModelPackageDescription: join(
        "",
        "Trained by pipeline execution ",
        get("Execution.PipelineExecutionArn"),
        ". Champion gate: ",
        evaluationValue(EVALUATION_REPORT.championReasonPath),
        ".",
      ),
      ModelApprovalStatus: parameter(PARAMETERS.modelApprovalStatus),
      InferenceSpecification: {
        Containers: [{ Image: input.images.xgboost, ModelDataUrl: MODEL_ARTIFACTS }],
        SupportedContentTypes: ["text/csv"],
        SupportedResponseMIMETypes: ["text/csv"],
      },
      ModelMetrics: {
        ModelQuality: {
          Statistics: {
            ContentType: "application/json",
            S3Uri: join(
              "/",
              processingOutputUri(STEPS.evaluate, EVALUATION_REPORT.outputName),
              EVALUATION_REPORT.filePath,
            ),
          },
        },
        // The drift baseline of this version's own training data, told apart from a Model Monitor
        // statistics.json by its content type.
        ModelDataQuality: {
          Statistics: {
            ContentType: DRIFT_BASELINE_CONTENT_TYPE,
            S3Uri: join(
              "/",
              processingOutputUri(STEPS.driftBaseline, DRIFT_BASELINE.outputName),
              DRIFT_BASELINE.fileName,
            ),
          },
        },
      },
      // Model Monitor's own place: what later builds check drift against and Model Monitor
      // schedules compare with, the new baseline when RegisterNewDataQualityBaseline, else the one
      // carried over from the group.
      ...(modelMonitor && {
        DriftCheckBaselines: {
          ModelDataQuality: {
            Statistics: jsonMetrics(dataQualityProperty("BaselineUsedForDriftCheckStatistics")),
            Constraints: jsonMetrics(dataQualityProperty("BaselineUsedForDriftCheckConstraints")),
          },
        },
      }),
    },
  };
}

const fail = (name: string, ...message: (string | PipelineExpression)[]): FailStep => ({
  Name: name,
  Type: "Fail",
  Arguments: { ErrorMessage: join(" ", ...message) },
});

/**
 * Runs everything else only when the input data passed ValidateData; otherwise fails the build
 * with the report's summary, which names each problem.
 */
function checkDataStep(build: readonly PipelineStep[]): ConditionStep {
  return {
    Name: STEPS.checkData,
    Type: "Condition",
    Description: "Builds the model only when the input data passed ValidateData.",
    Arguments: {
      Conditions: [
        {
          Type: "Equals",
          LeftValue: validationValue(VALIDATION_REPORT.statusPath),
          RightValue: VALIDATION_REPORT.passed,
        },
      ],
      IfSteps: build,
      ElseSteps: [
        fail(
          STEPS.dataRejected,
          "The input data did not pass the checks against the model's schema, so nothing was trained. Validation",
          validationValue(VALIDATION_REPORT.summaryPath),
          `(${VALIDATION_REPORT.filePath} of the ${STEPS.validateData} step lists each problem).`,
        ),
      ],
    },
  };
}

const accuracyReached = (): Condition => ({
  Type: "GreaterThanOrEqualTo",
  LeftValue: evaluationValue(EVALUATION_REPORT.accuracyPath),
  RightValue: parameter(PARAMETERS.accuracyThreshold),
});
const championGatePassed = (): Condition => ({
  Type: "GreaterThanOrEqualTo",
  LeftValue: evaluationValue(EVALUATION_REPORT.championGatePath),
  RightValue: 1,
});

/** The accuracy gate: fails the build, naming the threshold, below it. */
function checkAccuracyStep(): ConditionStep {
  return {
    Name: STEPS.checkAccuracy,
    Type: "Condition",
    Description: "Fails the build when the model's test accuracy is below AccuracyThreshold.",
    Arguments: {
      Conditions: [accuracyReached()],
      IfSteps: [],
      ElseSteps: [
        fail(
          STEPS.accuracyBelowThreshold,
          "Test accuracy is below the AccuracyThreshold of",
          parameter(PARAMETERS.accuracyThreshold),
          `; the model was not registered. See ${EVALUATION_REPORT.filePath} of the ${STEPS.evaluate} step.`,
        ),
      ],
    },
  };
}

/** The champion gate: fails the build, with the decision's reason, when `ml/evaluate.py` refused the model. */
function checkChampionStep(): ConditionStep {
  return {
    Name: STEPS.checkChampion,
    Type: "Condition",
    Description:
      "Fails the build when the model's test accuracy is below the approved model's by more than the margin.",
    Arguments: {
      Conditions: [championGatePassed()],
      IfSteps: [],
      ElseSteps: [
        fail(
          STEPS.accuracyBelowChampion,
          "The model is less accurate than the approved model on the same test split, so it was not registered:",
          evaluationValue(EVALUATION_REPORT.championReasonPath),
          `(see ${EVALUATION_REPORT.filePath} of the ${STEPS.evaluate} step).`,
        ),
      ],
    },
  };
}

/**
 * Registers the model when it passed both gates. The gates and this step are three condition steps
 * side by side, each reading evaluation.json: SageMaker Pipelines do not support a condition step
 * inside another's branches ("Condition step",
 * https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-condition),
 * so they cannot be nested in CheckData, nor in each other. Each gate fails the build with a message
 * about itself, and when both fail, both say so; this step only registers.
 */
function checkGatesStep(input: PipelineDefinitionInput): ConditionStep {
  return {
    Name: STEPS.checkGates,
    Type: "Condition",
    Description: "Registers the model when it passed both CheckAccuracy and CheckChampion.",
    Arguments: {
      Conditions: [accuracyReached(), championGatePassed()],
      IfSteps: [registerStep(input)],
      ElseSteps: [],
    },
  };
}

/**
 * Builds the model-build pipeline: ValidateData → CheckData, which fails the build when the input
 * data does not pass (DataRejected) and otherwise runs Preprocess → DriftBaseline ∥ Train, and
 * FindChampion, → Evaluate; then the gates CheckAccuracy (AccuracyBelowThreshold) and CheckChampion
 * (AccuracyBelowChampion), and CheckGates → Register when both pass. With `modelMonitorBaseline`,
 * DataQualityBaseline runs alongside DriftBaseline. The baselines and Train all start once
 * Preprocess is done, FindChampion once the data passed (SageMaker orders steps by the properties
 * they read); Register records the baselines with the model. Pure: the same input gives the same
 * definition.
 *
 * @throws Error when `modelMonitorBaseline` is set without `images.modelMonitor`.
 */
export function buildPipelineDefinition(input: PipelineDefinitionInput): PipelineDefinition {
  const { defaults } = input;
  const analyzerImage = input.modelMonitorBaseline === true ? input.images.modelMonitor : undefined;
  if (input.modelMonitorBaseline === true && analyzerImage === undefined) {
    throw new Error("modelMonitorBaseline needs images.modelMonitor, the Model Monitor analyzer image");
  }
  const parameters: PipelineParameter[] = [
    { Name: PARAMETERS.inputData, Type: "String", DefaultValue: defaults.inputDataUri },
    {
      Name: PARAMETERS.processingInstanceType,
      Type: "String",
      DefaultValue: defaults.processingInstanceType,
    },
    { Name: PARAMETERS.trainingInstanceType, Type: "String", DefaultValue: defaults.trainingInstanceType },
    { Name: PARAMETERS.accuracyThreshold, Type: "Float", DefaultValue: defaults.accuracyThreshold },
    { Name: PARAMETERS.modelApprovalStatus, Type: "String", DefaultValue: defaults.modelApprovalStatus },
    // The QualityCheck step's, so only with it. Both true by default: the first build of a new
    // group has no approved version to compare with, and each approved version should carry the
    // baseline of its own training data. Run with SkipDataQualityCheck=false to fail the build
    // when new training data drifts from the approved version's baseline (the execution role may
    // list the group's versions for that: mlPipelinePolicy.ts).
    ...(analyzerImage === undefined
      ? []
      : ([
          { Name: PARAMETERS.skipDataQualityCheck, Type: "Boolean", DefaultValue: true },
          { Name: PARAMETERS.registerNewDataQualityBaseline, Type: "Boolean", DefaultValue: true },
        ] as const)),
  ];
  return {
    Version: "2020-12-01",
    Metadata: {},
    Parameters: parameters,
    Steps: [
      validateDataStep(input),
      checkDataStep([
        preprocessStep(input),
        driftBaselineStep(input),
        ...(analyzerImage === undefined ? [] : [dataQualityStep(input, analyzerImage)]),
        trainStep(input),
        findChampionStep(input),
        evaluateStep(input),
      ]),
      checkAccuracyStep(),
      checkChampionStep(),
      checkGatesStep(input),
    ],
  };
}
