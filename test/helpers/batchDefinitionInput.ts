import type { BatchDefinitionInput } from "../../components/batch/definition";
import { KEY_ARN } from "./definitionInput";

export const BATCH_DATA_BUCKET = "mlops-staging-diagnosis-data-4c1d2e3";
/** The model the batch pipeline's Score step runs (auto-named by Pulumi). */
export const BATCH_MODEL_NAME = "mlops-staging-diagnosis-batch-model-5e1f0a2";

/** A realistic batch pipeline definition input for staging's model `diagnosis`; tests change one property at a time. */
export function batchDefinitionInput(overrides: Partial<BatchDefinitionInput> = {}): BatchDefinitionInput {
  const bucket = overrides.dataBucket ?? BATCH_DATA_BUCKET;
  return {
    roleArn: "arn:aws:iam::123456789012:role/mlops-staging-diagnosis-batch-role",
    modelName: BATCH_MODEL_NAME,
    kmsKeyArn: KEY_ARN,
    dataBucket: bucket,
    sklearnImage: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
    scripts: {
      validate: `s3://${bucket}/code/batch/a1b2c3d4e5f6/validate.py`,
      summary: `s3://${bucket}/code/batch/0f1e2d3c4b5a/batch_summary.py`,
    },
    schemaUri: `s3://${bucket}/code/batch/6f5e4d3c2b1a/diagnosis.json`,
    dataChecks: { maxMissingRate: 0.05, columnMaxMissing: {} },
    transform: {
      instanceType: "ml.m5.large",
      instanceCount: 1,
      maxPayloadInMB: 6,
      joinInputWithPredictions: true,
    },
    processing: { instanceType: "ml.m5.large", maxRuntimeSeconds: 3600, volumeSizeInGB: 30 },
    ...overrides,
  };
}
