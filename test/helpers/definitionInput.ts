import type { PipelineDefinitionInput } from "../../components/pipeline/definition";

export const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666";
export const ROLE_ARN = "arn:aws:iam::123456789012:role/mlops-staging-diagnosis-role-1a2b3c4";
export const FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:mlops-staging-diagnosis-steps";

/** A realistic definition input; tests change one property at a time. */
export function definitionInput(overrides: Partial<PipelineDefinitionInput> = {}): PipelineDefinitionInput {
  return {
    roleArn: ROLE_ARN,
    kmsKeyArn: KEY_ARN,
    artifactsBucket: "mlops-staging-diagnosis-artifacts-1a2b3c4",
    modelPackageGroupName: "mlops-staging-diagnosis",
    images: {
      sklearn: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
      xgboost: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
      modelMonitor: "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer:latest",
    },
    scripts: {
      validate: "s3://mlops-staging-diagnosis-artifacts-1a2b3c4/code/a1b2c3d4e5f6/validate.py",
      preprocess: "s3://mlops-staging-diagnosis-artifacts-1a2b3c4/code/0123456789ab/preprocess.py",
      baseline: "s3://mlops-staging-diagnosis-artifacts-1a2b3c4/code/5f6e7d8c9b0a/baseline.py",
      evaluate: "s3://mlops-staging-diagnosis-artifacts-1a2b3c4/code/ba9876543210/evaluate.py",
    },
    schemaUri: "s3://mlops-staging-diagnosis-artifacts-1a2b3c4/code/6f5e4d3c2b1a/diagnosis.json",
    dataChecks: {
      minRows: 100,
      maxMissingRate: 0.05,
      minClassShare: 0.05,
      maxClassShare: 0.95,
      columnMaxMissing: {},
    },
    championMargin: 0.01,
    findChampionFunctionArn: FUNCTION_ARN,
    defaults: {
      inputDataUri: "s3://mlops-staging-diagnosis-data-1a2b3c4/input/sample/",
      processingInstanceType: "ml.t3.medium",
      trainingInstanceType: "ml.m5.large",
      accuracyThreshold: 0.8,
      modelApprovalStatus: "PendingManualApproval",
    },
    targetColumn: "target",
    hyperParameters: { objective: "binary:logistic", num_round: "50" },
    training: { spot: true, maxRuntimeSeconds: 1800, maxWaitSeconds: 3600 },
    processingMaxRuntimeSeconds: 1800,
    volumeSizeInGB: 30,
    ...overrides,
  };
}
