/**
 * Compile-time checks, run by `npm run build`: the Transform step's arguments follow
 * CreateTransformJob's request type, so each `@ts-expect-error` below must stay an error. If one
 * stops being an error the build fails ("Unused '@ts-expect-error' directive").
 */
import type { TransformStep } from "../../../components/pipeline/definitionTypes";

const transformInput = {
  DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://bucket/batch/output/run/features" } },
  ContentType: "text/csv",
  SplitType: "Line",
} as const;

export const misspeltKey: TransformStep = {
  Name: "Score",
  Type: "Transform",
  Arguments: {
    ModelName: "model",
    TransformInput: transformInput,
    TransformOutput: { S3OutputPath: "s3://bucket/batch/output/run/predictions", AssembleWith: "Line" },
    TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1 },
    // @ts-expect-error CreateTransformJob has MaxPayloadInMB, not MaxPayloadInMb.
    MaxPayloadInMb: 6,
  },
};

export const notATransformInstanceType: TransformStep = {
  Name: "Score",
  Type: "Transform",
  Arguments: {
    ModelName: "model",
    TransformInput: transformInput,
    TransformOutput: { S3OutputPath: "s3://bucket/batch/output/run/predictions" },
    // @ts-expect-error "ml.t3.medium" is not a TransformInstanceType.
    TransformResources: { InstanceType: "ml.t3.medium", InstanceCount: 1 },
  },
};

export const noJobName: TransformStep = {
  Name: "Score",
  Type: "Transform",
  Arguments: {
    // @ts-expect-error Pipelines name the job: TransformJobName is left out of the arguments.
    TransformJobName: "score",
    ModelName: "model",
    TransformInput: transformInput,
    TransformOutput: { S3OutputPath: "s3://bucket/batch/output/run/predictions" },
    TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1 },
  },
};

export const parameterised: TransformStep = {
  Name: "Score",
  Type: "Transform",
  Arguments: {
    ModelName: "model",
    TransformInput: {
      ...transformInput,
      DataSource: {
        S3DataSource: {
          S3DataType: "S3Prefix",
          S3Uri: { Get: "Steps.ValidateInput.ProcessingOutputConfig.Outputs['features'].S3Output.S3Uri" },
        },
      },
    },
    TransformOutput: { S3OutputPath: { Get: "Parameters.OutputUrl" }, KmsKeyId: "key" },
    TransformResources: { InstanceType: { Get: "Parameters.TransformInstanceType" }, InstanceCount: 1 },
    DataProcessing: { JoinSource: "Input" },
  },
};
