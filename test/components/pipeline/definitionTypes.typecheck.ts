/**
 * Compile-time checks, run by `npm run build`: step arguments follow the SageMaker API request
 * types, so each `@ts-expect-error` below must stay an error. If one stops being an error the
 * build fails ("Unused '@ts-expect-error' directive").
 */
import type {
  FailStep,
  LambdaStep,
  ProcessingStep,
  QualityCheckStep,
  RegisterModelStep,
  TrainingStep,
} from "../../../components/pipeline/definitionTypes";

export const misspeltKey: ProcessingStep = {
  Name: "Preprocess",
  Type: "Processing",
  Arguments: {
    AppSpecification: { ImageUri: "image" },
    ProcessingResources: {
      ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.large", VolumeSizeInGB: 30 },
    },
    RoleArn: "arn",
    // @ts-expect-error CreateProcessingJob has ProcessingInputs, not ProcessingInput.
    ProcessingInput: [],
  },
};

export const notAnInstanceType: TrainingStep = {
  Name: "Train",
  Type: "Training",
  Arguments: {
    AlgorithmSpecification: { TrainingInputMode: "File", TrainingImage: "image" },
    RoleArn: "arn",
    OutputDataConfig: { S3OutputPath: "s3://bucket/out" },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
    // @ts-expect-error "ml.m5.huge" is not a TrainingInstanceType.
    ResourceConfig: { InstanceCount: 1, InstanceType: "ml.m5.huge", VolumeSizeInGB: 30 },
  },
};

export const misplacedKey: TrainingStep = {
  Name: "Train",
  Type: "Training",
  Arguments: {
    AlgorithmSpecification: { TrainingInputMode: "File", TrainingImage: "image" },
    RoleArn: "arn",
    // @ts-expect-error KmsKeyId belongs in OutputDataConfig; ResourceConfig has VolumeKmsKeyId.
    ResourceConfig: { InstanceCount: 1, InstanceType: "ml.m5.large", VolumeSizeInGB: 30, KmsKeyId: "key" },
    OutputDataConfig: { S3OutputPath: "s3://bucket/out" },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
  },
};

export const parameterised: TrainingStep = {
  Name: "Train",
  Type: "Training",
  Arguments: {
    AlgorithmSpecification: { TrainingInputMode: "File", TrainingImage: "image" },
    RoleArn: "arn",
    // A pipeline parameter may stand wherever a value may be parameterised.
    ResourceConfig: {
      InstanceCount: 1,
      InstanceType: { Get: "Parameters.TrainingInstanceType" },
      VolumeSizeInGB: 30,
    },
    OutputDataConfig: { S3OutputPath: "s3://bucket/out" },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
  },
};

export const badApprovalStatus: RegisterModelStep = {
  Name: "Register",
  Type: "RegisterModel",
  // @ts-expect-error "Maybe" is not a ModelApprovalStatus.
  Arguments: { ModelPackageGroupName: "group", ModelApprovalStatus: "Maybe" },
};

const analyzerJob = {
  AppSpecification: { ImageUri: "image" },
  ProcessingResources: {
    ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.large", VolumeSizeInGB: 30 },
  },
  RoleArn: "arn",
} as const;

export const qualityCheckMisspeltKey: QualityCheckStep = {
  Name: "DataQualityBaseline",
  Type: "QualityCheck",
  CheckType: "DATA_QUALITY",
  SkipCheck: { Get: "Parameters.SkipDataQualityCheck" },
  RegisterNewBaseline: true,
  Arguments: {
    ...analyzerJob,
    // @ts-expect-error CreateProcessingJob has Environment, not Environments.
    Environments: { dataset_source: "/opt/ml/processing/input/baseline_dataset_input" },
  },
};

export const notAQualityCheckType: QualityCheckStep = {
  Name: "DataQualityBaseline",
  Type: "QualityCheck",
  // @ts-expect-error DATA_BIAS belongs to ClarifyCheck steps; QualityCheck has DATA_QUALITY and MODEL_QUALITY.
  CheckType: "DATA_BIAS",
  SkipCheck: true,
  RegisterNewBaseline: true,
  Arguments: analyzerJob,
};

export const skipCheckNotABoolean: QualityCheckStep = {
  Name: "DataQualityBaseline",
  Type: "QualityCheck",
  CheckType: "DATA_QUALITY",
  // @ts-expect-error SkipCheck is a boolean or a pipeline expression, not the string "true".
  SkipCheck: "true",
  RegisterNewBaseline: true,
  Arguments: analyzerJob,
};

export const lambdaOutputType: LambdaStep = {
  Name: "FindChampion",
  Type: "Lambda",
  FunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:f",
  Arguments: { model_package_group_name: "group" },
  // @ts-expect-error A Lambda step's outputs are String, Integer, Boolean or Float.
  OutputParameters: [{ OutputName: "ChampionModelUri", OutputType: "Text" }],
};

export const lambdaObjectArgument: LambdaStep = {
  Name: "FindChampion",
  Type: "Lambda",
  FunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:f",
  // @ts-expect-error An argument is a scalar or a pipeline expression; objects go as JSON text.
  Arguments: { thresholds: { psi: 0.2 } },
};

export const failMessageFromReport: FailStep = {
  Name: "DataRejected",
  Type: "Fail",
  // A property file's value may stand in a message, joined to text.
  Arguments: {
    ErrorMessage: {
      "Std:Join": {
        On: " ",
        Values: [
          "Validation",
          {
            "Std:JsonGet": {
              PropertyFile: { Get: "Steps.ValidateData.PropertyFiles.ValidationReport" },
              Path: "summary",
            },
          },
        ],
      },
    },
  },
};
