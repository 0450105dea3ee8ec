import type { ProcessingInstanceType } from "@aws-sdk/client-sagemaker";
import { s3Input } from "../pipeline/definition";
import type {
  ConditionStep,
  LambdaStep,
  PipelineDefinition,
  ProcessingStep,
} from "../pipeline/definitionTypes";
import { DRIFT_METRICS_NAMESPACE } from "./driftCheckPolicy";

/** Where the processing container mounts inputs and collects outputs (SageMaker's convention). */
const PROCESSING_ROOT = "/opt/ml/processing";

/** The check's parameter, steps and the outputs of its function; tests and other modules refer to these. */
export const DRIFT_CHECK_PARAMETERS = {
  /**
   * The time the schedule fired (`<aws.scheduler.scheduled-time>`); the window is the hours before
   * it, floored to the hour. Empty: the current time, for a run started by hand.
   */
  scheduledTime: "ScheduledTime",
} as const;

export const DRIFT_CHECK_STEPS = {
  findCapture: "FindCapture",
  hasTraffic: "HasTraffic",
  check: "CheckDrift",
  publish: "PublishResults",
} as const;

/** What the function's `find` action returns (components/monitoring/functions/drift_steps.py). */
export const FIND_OUTPUTS = {
  windowStart: "WindowStart",
  captureFiles: "CaptureFiles",
  manifestUri: "ManifestUri",
  reportUri: "ReportUri",
} as const;

/** What the function's `publish` action returns. */
export const PUBLISH_OUTPUTS = { status: "Status", driftedFeatures: "DriftedFeatures" } as const;

/** The thresholds of ml/drift_check.py, as the stack config names them. */
export interface DriftThresholds {
  readonly psiWarn: number;
  readonly psiDrift: number;
  readonly ksDrift: number;
  readonly missingRateChange: number;
  readonly unseenShare: number;
}

/** Everything the definition depends on, as plain values (resolved outputs of other resources). */
export interface DriftCheckDefinitionInput {
  /** The check's name: the alert message names it. */
  readonly checkName: string;
  /** Role the pipeline and its processing job run as. */
  readonly roleArn: string;
  readonly kmsKeyArn: string;
  /** The function of the Lambda steps. */
  readonly functionArn: string;
  readonly endpointName: string;
  /** The endpoint's capture prefix, `s3://bucket/prefix/<endpoint>`. */
  readonly captureUri: string;
  /** The check's folder, `s3://bucket/prefix/<check>`: each window's run writes under it. */
  readonly reportUri: string;
  /** drift_check.py as uploaded. */
  readonly codeUri: string;
  /** drift_baseline.json of the served version. */
  readonly baselineUri: string;
  /** The SageMaker scikit-learn image. */
  readonly imageUri: string;
  readonly instanceType: ProcessingInstanceType;
  readonly volumeSizeInGB: number;
  readonly maxRuntimeSeconds: number;
  /** Hours of captured traffic each run checks: the time between scheduled runs. */
  readonly windowHours: number;
  readonly thresholds: DriftThresholds;
  readonly minRows: number;
  /** Per-feature thresholds replacing the ones above. */
  readonly featureThresholds: Readonly<Record<string, Partial<DriftThresholds>>>;
  /** The model's alert topic, which the publish step sends drift to. */
  readonly alertTopicArn: string;
  /** The model's name: the publish step puts a drift event about it, for retraining. @default no event */
  readonly modelName?: string;
  readonly network?: { readonly subnetIds: readonly string[]; readonly securityGroupIds: readonly string[] };
}

const get = (path: string): { readonly Get: string } => ({ Get: path });
const findOutput = (name: string) =>
  get(`Steps.${DRIFT_CHECK_STEPS.findCapture}.OutputParameters['${name}']`);

/** The script's name for each threshold (ml/drift_check.py's options and JSON keys). */
const SCRIPT_NAMES: Record<keyof DriftThresholds, string> = {
  psiWarn: "psi_warn",
  psiDrift: "psi_drift",
  ksDrift: "ks_drift",
  missingRateChange: "missing_rate_change",
  unseenShare: "unseen_share",
};

/** The thresholds and per-feature overrides as ml/drift_check.py names them (and records them in its report). */
function scriptThresholds(input: DriftCheckDefinitionInput) {
  const keys = Object.keys(SCRIPT_NAMES) as (keyof DriftThresholds)[];
  const thresholds = {
    ...Object.fromEntries(keys.map((key) => [SCRIPT_NAMES[key], input.thresholds[key]])),
    min_rows: input.minRows,
  };
  const perFeature = Object.fromEntries(
    Object.entries(input.featureThresholds)
      .filter(([, overrides]) => Object.keys(overrides).length > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([feature, overrides]) => [
        feature,
        Object.fromEntries(
          (Object.entries(overrides) as [keyof DriftThresholds, number][]).map(([key, value]) => [
            SCRIPT_NAMES[key],
            value,
          ]),
        ),
      ]),
  );
  return { thresholds, perFeature };
}

/** `--psi-warn 0.1 ...`: every threshold, so that the report records what the run was judged by. */
function thresholdArguments(input: DriftCheckDefinitionInput): string[] {
  const { thresholds, perFeature } = scriptThresholds(input);
  return [
    ...Object.entries(thresholds).flatMap(([key, value]) => [`--${key.replace(/_/g, "-")}`, String(value)]),
    ...(Object.keys(perFeature).length > 0 ? ["--feature-thresholds", JSON.stringify(perFeature)] : []),
  ];
}

function findCaptureStep(input: DriftCheckDefinitionInput): LambdaStep {
  const { thresholds, perFeature } = scriptThresholds(input);
  return {
    Name: DRIFT_CHECK_STEPS.findCapture,
    Type: "Lambda",
    Description:
      "Lists the endpoint's capture files of the window before the scheduled time and writes their manifest; " +
      "an empty window is reported as such, and nothing else runs.",
    FunctionArn: input.functionArn,
    Arguments: {
      action: "find",
      scheduled_time: get(`Parameters.${DRIFT_CHECK_PARAMETERS.scheduledTime}`),
      window_hours: input.windowHours,
      endpoint: input.endpointName,
      capture_uri: input.captureUri,
      report_uri: input.reportUri,
      // Recorded in an empty window's report, which this step writes itself.
      thresholds: JSON.stringify(thresholds),
      ...(Object.keys(perFeature).length > 0 && { feature_thresholds: JSON.stringify(perFeature) }),
    },
    OutputParameters: [
      { OutputName: FIND_OUTPUTS.windowStart, OutputType: "String" },
      { OutputName: FIND_OUTPUTS.captureFiles, OutputType: "Integer" },
      { OutputName: FIND_OUTPUTS.manifestUri, OutputType: "String" },
      { OutputName: FIND_OUTPUTS.reportUri, OutputType: "String" },
    ],
  };
}

function checkStep(definition: DriftCheckDefinitionInput): ProcessingStep {
  const { network } = definition;
  return {
    Name: DRIFT_CHECK_STEPS.check,
    Type: "Processing",
    Description: "Compares each feature of the window's captured requests with the served model's baseline.",
    Arguments: {
      RoleArn: definition.roleArn,
      AppSpecification: {
        ImageUri: definition.imageUri,
        ContainerEntrypoint: ["python3", `${PROCESSING_ROOT}/input/code/drift_check.py`],
        ContainerArguments: [
          "--window-start",
          findOutput(FIND_OUTPUTS.windowStart),
          "--window-hours",
          String(definition.windowHours),
          "--endpoint",
          definition.endpointName,
          ...thresholdArguments(definition),
          "--report-uri",
          findOutput(FIND_OUTPUTS.reportUri),
        ],
      },
      ProcessingInputs: [
        s3Input("baseline", definition.baselineUri, `${PROCESSING_ROOT}/baseline`),
        // Exactly the window's files: SageMaker copies each one the manifest lists to
        // capture/<variant>/yyyy/mm/dd/hh/, as drift_check.py expects.
        s3Input(
          "capture",
          findOutput(FIND_OUTPUTS.manifestUri),
          `${PROCESSING_ROOT}/capture`,
          "ManifestFile",
        ),
        s3Input("code", definition.codeUri, `${PROCESSING_ROOT}/input/code`),
      ],
      ProcessingOutputConfig: {
        Outputs: [
          {
            OutputName: "report",
            S3Output: {
              S3Uri: findOutput(FIND_OUTPUTS.reportUri),
              LocalPath: `${PROCESSING_ROOT}/report`,
              S3UploadMode: "EndOfJob",
            },
          },
        ],
        KmsKeyId: definition.kmsKeyArn,
      },
      ProcessingResources: {
        ClusterConfig: {
          InstanceCount: 1,
          InstanceType: definition.instanceType,
          VolumeSizeInGB: definition.volumeSizeInGB,
          VolumeKmsKeyId: definition.kmsKeyArn,
        },
      },
      StoppingCondition: { MaxRuntimeInSeconds: definition.maxRuntimeSeconds },
      NetworkConfig: {
        // The script only reads its inputs and writes its report, which SageMaker copies from and
        // to S3: it needs no network, and its results leave through the publish step.
        EnableNetworkIsolation: true,
        EnableInterContainerTrafficEncryption: true,
        ...(network && {
          VpcConfig: { Subnets: network.subnetIds, SecurityGroupIds: network.securityGroupIds },
        }),
      },
    },
  };
}

function publishStep(input: DriftCheckDefinitionInput): LambdaStep {
  return {
    Name: DRIFT_CHECK_STEPS.publish,
    Type: "Lambda",
    Description:
      "Publishes each feature's scores as CloudWatch metrics and sends drift to the model's alert topic.",
    DependsOn: [DRIFT_CHECK_STEPS.check],
    FunctionArn: input.functionArn,
    Arguments: {
      action: "publish",
      report_uri: findOutput(FIND_OUTPUTS.reportUri),
      endpoint: input.endpointName,
      topic_arn: input.alertTopicArn,
      namespace: DRIFT_METRICS_NAMESPACE,
      check_name: input.checkName,
      ...(input.modelName !== undefined && { model: input.modelName }),
    },
    OutputParameters: [
      { OutputName: PUBLISH_OUTPUTS.status, OutputType: "String" },
      { OutputName: PUBLISH_OUTPUTS.driftedFeatures, OutputType: "Integer" },
    ],
  };
}

function hasTrafficStep(input: DriftCheckDefinitionInput): ConditionStep {
  return {
    Name: DRIFT_CHECK_STEPS.hasTraffic,
    Type: "Condition",
    Description: "Checks the window only when the endpoint captured requests in it.",
    Arguments: {
      Conditions: [{ Type: "GreaterThan", LeftValue: findOutput(FIND_OUTPUTS.captureFiles), RightValue: 0 }],
      IfSteps: [checkStep(input), publishStep(input)],
      ElseSteps: [],
    },
  };
}

/**
 * The drift check of one endpoint: FindCapture → HasTraffic → CheckDrift → PublishResults. A
 * processing job cannot list S3 or call CloudWatch and SNS under network isolation, so a Lambda
 * function does that around it. Pure: the same input gives the same definition.
 */
export function buildDriftCheckDefinition(input: DriftCheckDefinitionInput): PipelineDefinition {
  return {
    Version: "2020-12-01",
    Metadata: {},
    Parameters: [{ Name: DRIFT_CHECK_PARAMETERS.scheduledTime, Type: "String", DefaultValue: "" }],
    Steps: [findCaptureStep(input), hasTrafficStep(input)],
  };
}
