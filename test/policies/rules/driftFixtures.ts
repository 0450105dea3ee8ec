import {
  buildDriftCheckDefinition,
  DriftCheckDefinitionInput,
} from "../../../components/monitoring/driftCheckDefinition";

export const PIPELINE_TYPE = "aws:sagemaker/pipeline:Pipeline";
const KEY = "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666";

/** What the DriftCheck component gives the builder for a staging endpoint, with a VPC. */
export function driftDefinitionInput(
  change: Partial<DriftCheckDefinitionInput> = {},
): DriftCheckDefinitionInput {
  return {
    checkName: "mlops-staging-diagnosis-drift",
    roleArn: "arn:aws:iam::123456789012:role/mlops-staging-diagnosis-drift-role",
    kmsKeyArn: KEY,
    functionArn: "arn:aws:lambda:us-east-1:123456789012:function:mlops-staging-diagnosis-drift-steps",
    endpointName: "mlops-staging-diagnosis",
    captureUri: "s3://mlops-staging-data/capture/mlops-staging-diagnosis",
    reportUri: "s3://mlops-staging-data/monitoring/mlops-staging-diagnosis-drift",
    codeUri: "s3://mlops-staging-data/code/0123456789ab/drift_check.py",
    baselineUri: "s3://mlops-staging-artifacts/diagnosis/baseline/drift_baseline.json",
    imageUri: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
    instanceType: "ml.m5.large",
    volumeSizeInGB: 20,
    maxRuntimeSeconds: 1800,
    windowHours: 24,
    thresholds: { psiWarn: 0.1, psiDrift: 0.25, ksDrift: 0.2, missingRateChange: 0.1, unseenShare: 0.01 },
    minRows: 200,
    featureThresholds: {},
    alertTopicArn: "arn:aws:sns:us-east-1:123456789012:mlops-staging-diagnosis-alerts",
    network: { subnetIds: ["subnet-0a1b2c3d"], securityGroupIds: ["sg-0a1b2c3d"] },
    ...change,
  };
}

/** A step of a definition as plain JSON: its name, type and arguments, to change in place. */
export interface StepJson {
  Name: string;
  Type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  Arguments: Record<string, any>;
}

/** The drift check's definition as JSON values, to change in place. */
export interface DriftDefinitionJson {
  Parameters: { Name: string; Type: string; DefaultValue?: unknown }[];
  Steps: StepJson[];
}

/**
 * The drift check's pipeline definition as the DriftCheck component builds it, changed by `edit`:
 * FindCapture (Lambda), then HasTraffic (Condition) whose IfSteps are CheckDrift (Processing) and
 * PublishResults (Lambda).
 */
export function driftDefinition(
  edit: (definition: DriftDefinitionJson) => void = () => undefined,
  input: Partial<DriftCheckDefinitionInput> = {},
): string {
  const definition = JSON.parse(
    JSON.stringify(buildDriftCheckDefinition(driftDefinitionInput(input))),
  ) as DriftDefinitionJson;
  edit(definition);
  return JSON.stringify(definition);
}

/** The CheckDrift step inside HasTraffic's IfSteps. */
export function checkDriftStep(definition: DriftDefinitionJson): StepJson {
  const condition = definition.Steps.find((step) => step.Name === "HasTraffic");
  const step = (condition?.Arguments.IfSteps as StepJson[] | undefined)?.find((s) => s.Name === "CheckDrift");
  if (!step) throw new Error("no CheckDrift step in HasTraffic's IfSteps");
  return step;
}

/** A drift check pipeline's props, as the DriftCheck component creates it. */
export function driftPipelineProps(
  edit?: (definition: DriftDefinitionJson) => void,
  input?: Partial<DriftCheckDefinitionInput>,
): Record<string, unknown> {
  return {
    pipelineName: "mlops-staging-diagnosis-drift",
    pipelineDisplayName: "mlops-staging-diagnosis-drift",
    roleArn: "arn:aws:iam::123456789012:role/mlops-staging-diagnosis-drift-role",
    pipelineDefinition: driftDefinition(edit, input),
    tags: { Environment: "staging" },
  };
}
