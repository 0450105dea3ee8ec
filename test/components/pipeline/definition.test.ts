import assert from "node:assert/strict";
import {
  buildPipelineDefinition,
  CHAMPION,
  CHAMPION_PLACEHOLDER_KEYS,
  DRIFT_BASELINE_CONTENT_TYPE,
  EVALUATION_REPORT,
  PARAMETERS,
  REGISTERED_VERSION_KEYS,
  STEPS,
  VALIDATION_REPORT,
} from "../../../components/pipeline/definition";
import type {
  ConditionStep,
  FailStep,
  LambdaStep,
  PipelineDefinition,
  PipelineStep,
  ProcessingStep,
  QualityCheckStep,
  RegisterModelStep,
  TrainingStep,
} from "../../../components/pipeline/definitionTypes";
import { definitionInput, FUNCTION_ARN, KEY_ARN, ROLE_ARN } from "../../helpers/definitionInput";

/** Every step, including those nested in conditions, in definition order. */
function allSteps(definition: PipelineDefinition): PipelineStep[] {
  const walk = (steps: readonly PipelineStep[]): PipelineStep[] =>
    steps.flatMap((step) =>
      step.Type === "Condition"
        ? [step, ...walk(step.Arguments.IfSteps), ...walk(step.Arguments.ElseSteps)]
        : [step],
    );
  return walk(definition.Steps);
}

function step<T extends PipelineStep>(definition: PipelineDefinition, name: string): T {
  const found = allSteps(definition).find((s) => s.Name === name);
  assert.ok(found, `step ${name} exists`);
  return found as T;
}

/** Every `Get` reference in a value, e.g. "Parameters.X" or "Steps.Train.ModelArtifacts.S3ModelArtifacts". */
function references(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(references);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === "Get" && typeof inner === "string" ? [inner] : references(inner),
  );
}

/** The references a step makes itself, in any field, leaving out those of the steps a condition nests. */
function ownReferences(s: PipelineStep): string[] {
  return s.Type === "Condition"
    ? references({ ...s, Arguments: { Conditions: s.Arguments.Conditions } })
    : references(s);
}

const stepReferences = (s: PipelineStep) => ownReferences(s).filter((ref) => ref.startsWith("Steps."));

/** The properties a QualityCheck step documents, besides those of its processing job. */
const QUALITY_CHECK_PROPERTIES = [
  "CalculatedBaselineStatistics",
  "CalculatedBaselineConstraints",
  "BaselineUsedForDriftCheckStatistics",
  "BaselineUsedForDriftCheckConstraints",
];

const VPC = { subnetIds: ["subnet-0a1b2c3d"], securityGroupIds: ["sg-0a1b2c3d"] };

const EXECUTION = "p4jn9xou8a8s";

/** An S3 URI of the definition as an execution resolves it: its id filled in, joins joined. */
function resolved(value: unknown): string {
  if (typeof value === "string") return value;
  const expression = value as { Get?: string; "Std:Join"?: { On: string; Values: unknown[] } };
  if (expression.Get === "Execution.PipelineExecutionId") return EXECUTION;
  const joined = expression["Std:Join"];
  if (joined) return joined.Values.map(resolved).join(joined.On);
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** Whether an object key matches an IAM resource pattern's key part, where `*` stands for any characters. */
function keyMatches(pattern: string, key: string): boolean {
  const literal = (part: string) => part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`^${pattern.split("*").map(literal).join(".*")}$`).test(key);
}

/**
 * The joined S3 URI of a step output as the definition writes it: under `pipelines/` what a
 * registered version points to, under `pipeline-work/` (which expires) the rest.
 */
const executionOutput = (stepName: string, output: string, prefix: "pipelines" | "pipeline-work") => ({
  "Std:Join": {
    On: "/",
    Values: [
      `s3://mlops-staging-diagnosis-artifacts-1a2b3c4/${prefix}`,
      { Get: "Execution.PipelineExecutionId" },
      stepName,
      output,
    ],
  },
});

/** Each step's name and type, and for a condition the steps it runs either way: `[name, type, if, else]`. */
function tree(steps: readonly PipelineStep[]): unknown[] {
  return steps.map((s) =>
    s.Type === "Condition"
      ? [s.Name, s.Type, tree(s.Arguments.IfSteps), tree(s.Arguments.ElseSteps)]
      : [s.Name, s.Type],
  );
}

/** The SageMaker API actions each step type becomes: the steps that start jobs or register models. */
const WORK_STEP_TYPES = ["Processing", "QualityCheck", "Training", "Lambda", "RegisterModel"];

describe("buildPipelineDefinition", () => {
  const definition = buildPipelineDefinition(definitionInput());
  const validate = step<ProcessingStep>(definition, STEPS.validateData);
  const checkData = step<ConditionStep>(definition, STEPS.checkData);
  const findChampion = step<LambdaStep>(definition, STEPS.findChampion);
  const checkChampion = step<ConditionStep>(definition, STEPS.checkChampion);
  const checkGates = step<ConditionStep>(definition, STEPS.checkGates);
  const preprocess = step<ProcessingStep>(definition, STEPS.preprocess);
  const driftBaseline = step<ProcessingStep>(definition, STEPS.driftBaseline);
  const train = step<TrainingStep>(definition, STEPS.train);
  const evaluate = step<ProcessingStep>(definition, STEPS.evaluate);
  const check = step<ConditionStep>(definition, STEPS.checkAccuracy);
  const register = step<RegisterModelStep>(definition, STEPS.register);
  /** With the Model Monitor baseline too. */
  const withMonitor = buildPipelineDefinition(definitionInput({ modelMonitorBaseline: true }));
  const dataQuality = step<QualityCheckStep>(withMonitor, STEPS.dataQuality);

  it("validates the data first, builds only on data that passed, then checks two gates before Register", () => {
    assert.equal(definition.Version, "2020-12-01");
    assert.deepEqual(tree(definition.Steps), [
      ["ValidateData", "Processing"],
      [
        "CheckData",
        "Condition",
        [
          ["Preprocess", "Processing"],
          ["DriftBaseline", "Processing"],
          ["Train", "Training"],
          ["FindChampion", "Lambda"],
          ["Evaluate", "Processing"],
        ],
        [["DataRejected", "Fail"]],
      ],
      ["CheckAccuracy", "Condition", [], [["AccuracyBelowThreshold", "Fail"]]],
      ["CheckChampion", "Condition", [], [["AccuracyBelowChampion", "Fail"]]],
      ["CheckGates", "Condition", [["Register", "RegisterModel"]], []],
    ]);
  });

  it("with the Model Monitor baseline, runs DataQualityBaseline alongside DriftBaseline", () => {
    assert.deepEqual(tree(withMonitor.Steps).slice(0, 2), [
      ["ValidateData", "Processing"],
      [
        "CheckData",
        "Condition",
        [
          ["Preprocess", "Processing"],
          ["DriftBaseline", "Processing"],
          ["DataQualityBaseline", "QualityCheck"],
          ["Train", "Training"],
          ["FindChampion", "Lambda"],
          ["Evaluate", "Processing"],
        ],
        [["DataRejected", "Fail"]],
      ],
    ]);
    assert.deepEqual(tree(withMonitor.Steps).slice(2), tree(definition.Steps).slice(2));
  });

  for (const [title, built] of [
    ["", definition],
    [", with the Model Monitor baseline", withMonitor],
  ] as const) {
    it(`starts no job and registers nothing before the data passed, except ValidateData${title}`, () => {
      const working = allSteps(built).filter((s) => WORK_STEP_TYPES.includes(s.Type));
      const gated = allSteps({ ...built, Steps: [step<ConditionStep>(built, STEPS.checkData)] });
      const afterGates = allSteps({ ...built, Steps: built.Steps.slice(2) });
      assert.deepEqual(
        working.filter((s) => !gated.includes(s) && !afterGates.includes(s)).map((s) => s.Name),
        ["ValidateData"],
      );
      // What runs after the gates reads Evaluate, so it waits for data that passed too.
      for (const s of built.Steps.slice(2)) {
        assert.deepEqual(
          [...new Set(stepReferences(s).map((ref) => ref.split(".")[1]))],
          ["Evaluate"],
          s.Name,
        );
      }
    });

    it(`nests no condition step in another, which SageMaker Pipelines do not support${title}`, () => {
      for (const condition of built.Steps.filter((s): s is ConditionStep => s.Type === "Condition")) {
        const nested = [...condition.Arguments.IfSteps, ...condition.Arguments.ElseSteps];
        assert.deepEqual(
          nested.filter((s) => s.Type === "Condition").map((s) => s.Name),
          [],
          condition.Name,
        );
      }
    });
  }

  it("refuses the Model Monitor baseline without the analyzer image", () => {
    const { modelMonitor: _analyzer, ...frameworks } = definitionInput().images;
    assert.throws(
      () => buildPipelineDefinition(definitionInput({ modelMonitorBaseline: true, images: frameworks })),
      { message: "modelMonitorBaseline needs images.modelMonitor, the Model Monitor analyzer image" },
    );
    // Without the step, no analyzer is needed: the image is not in the definition at all.
    const withoutImage = JSON.stringify(buildPipelineDefinition(definitionInput({ images: frameworks })));
    assert.equal(withoutImage, JSON.stringify(definition));
    assert.doesNotMatch(JSON.stringify(definition), /model-monitor-analyzer/);
  });

  const BUILD_PARAMETERS = [
    {
      Name: "InputDataUrl",
      Type: "String",
      DefaultValue: "s3://mlops-staging-diagnosis-data-1a2b3c4/input/sample/",
    },
    { Name: "ProcessingInstanceType", Type: "String", DefaultValue: "ml.t3.medium" },
    { Name: "TrainingInstanceType", Type: "String", DefaultValue: "ml.m5.large" },
    { Name: "AccuracyThreshold", Type: "Float", DefaultValue: 0.8 },
    { Name: "ModelApprovalStatus", Type: "String", DefaultValue: "PendingManualApproval" },
  ];

  it("declares the parameters with their types and defaults", () => {
    assert.deepEqual(definition.Parameters, BUILD_PARAMETERS);
  });

  it("declares the QualityCheck step's parameters only with that step", () => {
    assert.deepEqual(withMonitor.Parameters, [
      ...BUILD_PARAMETERS,
      { Name: "SkipDataQualityCheck", Type: "Boolean", DefaultValue: true },
      { Name: "RegisterNewDataQualityBaseline", Type: "Boolean", DefaultValue: true },
    ]);
  });

  for (const [title, built] of [
    ["", definition],
    [", with the Model Monitor baseline", withMonitor],
  ] as const) {
    it(`uses every parameter and refers only to declared parameters${title}`, () => {
      const used = new Set(
        references(built.Steps)
          .filter((ref) => ref.startsWith("Parameters."))
          .map((ref) => ref.slice("Parameters.".length)),
      );
      assert.deepEqual([...used].sort(), built.Parameters.map((p) => p.Name).sort());
    });
  }

  it("refers only to properties of steps that run earlier, and to outputs or properties those steps have", () => {
    const seen: string[] = [];
    const checked: string[] = [];
    for (const s of allSteps(withMonitor)) {
      for (const ref of stepReferences(s)) {
        const [, target, property] = ref.split(".");
        assert.ok(seen.includes(target), `${s.Name} refers to ${ref} before ${target} ran`);
        const producer = step<PipelineStep>(withMonitor, target);
        const output = /Outputs\['([^']+)'\]/.exec(ref)?.[1];
        const lambdaOutput = /^Steps\.[^.]+\.OutputParameters\['([^']+)'\]$/.exec(ref)?.[1];
        const propertyFile = /^Steps\.[^.]+\.PropertyFiles\.(.+)$/.exec(ref)?.[1];
        if (lambdaOutput) {
          const declared = producer.Type === "Lambda" ? (producer.OutputParameters ?? []) : [];
          assert.ok(
            declared.some((o) => o.OutputName === lambdaOutput),
            `${ref}: ${target} declares no such output parameter`,
          );
        } else if (propertyFile) {
          const declared = producer.Type === "Processing" ? (producer.PropertyFiles ?? []) : [];
          assert.ok(
            declared.some((f) => f.PropertyFileName === propertyFile),
            `${ref}: ${target} declares no such property file`,
          );
        } else if (output) {
          const outputs =
            producer.Type === "Processing" || producer.Type === "QualityCheck"
              ? producer.Arguments.ProcessingOutputConfig?.Outputs
              : undefined;
          const declared = outputs?.map((o) => o.OutputName) ?? [];
          assert.ok(declared.includes(output), `${ref}: ${target} declares outputs ${declared.join(", ")}`);
        } else if (producer.Type === "QualityCheck") {
          assert.ok(QUALITY_CHECK_PROPERTIES.includes(property), `${ref}: not a QualityCheck step property`);
        }
        checked.push(ref);
      }
      seen.push(s.Name);
    }
    // The walk reaches the baselines' references to Preprocess and Register's to the baselines.
    assert.ok(checked.includes("Steps.Preprocess.ProcessingOutputConfig.Outputs['baseline'].S3Output.S3Uri"));
    assert.ok(
      checked.includes("Steps.Preprocess.ProcessingOutputConfig.Outputs['monitor-baseline'].S3Output.S3Uri"),
    );
    assert.ok(
      checked.includes("Steps.DriftBaseline.ProcessingOutputConfig.Outputs['drift-baseline'].S3Output.S3Uri"),
    );
    assert.equal(checked.filter((ref) => ref.startsWith("Steps.DataQualityBaseline.")).length, 2);
    // And the gates' references to the reports and to the champion.
    assert.ok(checked.includes("Steps.ValidateData.PropertyFiles.ValidationReport"));
    assert.ok(checked.includes("Steps.Evaluate.PropertyFiles.EvaluationReport"));
    assert.ok(checked.includes("Steps.FindChampion.OutputParameters['ChampionModelUri']"));
  });

  it("baselines the data alongside training: each depends on Preprocess only, not on each other", () => {
    const targets = (s: PipelineStep) => [...new Set(stepReferences(s).map((ref) => ref.split(".")[1]))];
    const steps = [
      step<ProcessingStep>(withMonitor, STEPS.driftBaseline),
      dataQuality,
      step<TrainingStep>(withMonitor, STEPS.train),
    ];
    for (const s of steps) {
      assert.deepEqual(targets(s), ["Preprocess"], s.Name);
      assert.equal(s.DependsOn, undefined, s.Name);
    }
  });

  it("validates the input parameter against the uploaded schema with validate.py, holding it to the data checks", () => {
    assert.deepEqual(validate, {
      Name: "ValidateData",
      Type: "Processing",
      Description:
        "Checks the input CSV against the model's schema (columns, types, missing values, rows, class " +
        "balance) and writes validation_report.json.",
      Arguments: {
        RoleArn: ROLE_ARN,
        AppSpecification: {
          ImageUri: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
          ContainerEntrypoint: ["python3", "/opt/ml/processing/input/code/validate.py"],
          ContainerArguments: [
            "--min-rows",
            "100",
            "--max-missing-rate",
            "0.05",
            "--min-class-share",
            "0.05",
            "--max-class-share",
            "0.95",
          ],
        },
        ProcessingResources: {
          ClusterConfig: {
            InstanceCount: 1,
            InstanceType: { Get: "Parameters.ProcessingInstanceType" },
            VolumeSizeInGB: 30,
            VolumeKmsKeyId: KEY_ARN,
          },
        },
        StoppingCondition: { MaxRuntimeInSeconds: 1800 },
        NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true },
        ProcessingInputs: [
          {
            InputName: "input-data",
            S3Input: {
              S3Uri: { Get: "Parameters.InputDataUrl" },
              LocalPath: "/opt/ml/processing/input/data",
              S3DataType: "S3Prefix",
              S3InputMode: "File",
              S3DataDistributionType: "FullyReplicated",
            },
          },
          {
            InputName: "schema",
            S3Input: {
              S3Uri: "s3://mlops-staging-diagnosis-artifacts-1a2b3c4/code/6f5e4d3c2b1a/diagnosis.json",
              LocalPath: "/opt/ml/processing/input/schema",
              S3DataType: "S3Prefix",
              S3InputMode: "File",
              S3DataDistributionType: "FullyReplicated",
            },
          },
          {
            InputName: "code",
            S3Input: {
              S3Uri: "s3://mlops-staging-diagnosis-artifacts-1a2b3c4/code/a1b2c3d4e5f6/validate.py",
              LocalPath: "/opt/ml/processing/input/code",
              S3DataType: "S3Prefix",
              S3InputMode: "File",
              S3DataDistributionType: "FullyReplicated",
            },
          },
        ],
        ProcessingOutputConfig: {
          Outputs: [
            {
              OutputName: "validation",
              S3Output: {
                S3Uri: executionOutput("ValidateData", "validation", "pipeline-work"),
                LocalPath: "/opt/ml/processing/validation",
                S3UploadMode: "EndOfJob",
              },
            },
          ],
          KmsKeyId: KEY_ARN,
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
    assert.deepEqual(VALIDATION_REPORT, {
      propertyFileName: "ValidationReport",
      outputName: "validation",
      filePath: "validation_report.json",
      statusPath: "status",
      passed: "passed",
      summaryPath: "summary",
    });
  });

  it("passes per-column missing-value limits as one JSON argument, its keys sorted, only when there are any", () => {
    const checks = {
      minRows: 500,
      maxMissingRate: 0,
      minClassShare: 0.2,
      maxClassShare: 0.8,
      columnMaxMissing: { worst_area: 0.25, mean_area: 0.1 },
    };
    const app = step<ProcessingStep>(
      buildPipelineDefinition(definitionInput({ dataChecks: checks })),
      STEPS.validateData,
    ).Arguments.AppSpecification;
    assert.deepEqual(app?.ContainerArguments, [
      "--min-rows",
      "500",
      "--max-missing-rate",
      "0",
      "--min-class-share",
      "0.2",
      "--max-class-share",
      "0.8",
      "--column-max-missing",
      '{"mean_area":0.1,"worst_area":0.25}',
    ]);
  });

  it("builds only when validation_report.json says passed, and otherwise fails with its summary", () => {
    assert.deepEqual(checkData.Arguments.Conditions, [
      {
        Type: "Equals",
        LeftValue: {
          "Std:JsonGet": {
            PropertyFile: { Get: "Steps.ValidateData.PropertyFiles.ValidationReport" },
            Path: "status",
          },
        },
        RightValue: "passed",
      },
    ]);
    assert.equal(checkData.Description, "Builds the model only when the input data passed ValidateData.");
    assert.deepEqual(checkData.Arguments.ElseSteps, [
      {
        Name: "DataRejected",
        Type: "Fail",
        Arguments: {
          ErrorMessage: {
            "Std:Join": {
              On: " ",
              Values: [
                "The input data did not pass the checks against the model's schema, so nothing was trained. Validation",
                {
                  "Std:JsonGet": {
                    PropertyFile: { Get: "Steps.ValidateData.PropertyFiles.ValidationReport" },
                    Path: "summary",
                  },
                },
                "(validation_report.json of the ValidateData step lists each problem).",
              ],
            },
          },
        },
      },
    ]);
  });

  it("preprocesses the input parameter with the uploaded script in the scikit-learn image, features in the schema's order", () => {
    const args = preprocess.Arguments;
    assert.deepEqual(args.AppSpecification, {
      ImageUri: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
      ContainerEntrypoint: ["python3", "/opt/ml/processing/input/code/preprocess.py"],
      ContainerArguments: ["--target-column", "target", "--schema-order"],
    });
    assert.deepEqual(
      args.ProcessingInputs?.map((i) => [i.InputName, i.S3Input?.S3Uri, i.S3Input?.LocalPath]),
      [
        ["input-data", { Get: "Parameters.InputDataUrl" }, "/opt/ml/processing/input/data"],
        ["code", definitionInput().scripts.preprocess, "/opt/ml/processing/input/code"],
        ["schema", definitionInput().schemaUri, "/opt/ml/processing/input/schema"],
      ],
    );
    assert.deepEqual(
      args.ProcessingOutputConfig?.Outputs?.map((o) => [o.OutputName, o.S3Output?.LocalPath]),
      [
        ["train", "/opt/ml/processing/train"],
        ["validation", "/opt/ml/processing/validation"],
        ["test", "/opt/ml/processing/test"],
        ["baseline", "/opt/ml/processing/baseline"],
      ],
    );
    assert.deepEqual(
      args.ProcessingOutputConfig?.Outputs?.[0].S3Output?.S3Uri,
      executionOutput("Preprocess", "train", "pipeline-work"),
    );
  });

  it("uploads the Model Monitor analyzer's dataset (label first) only when the analyzer runs", () => {
    const outputs = step<ProcessingStep>(withMonitor, STEPS.preprocess).Arguments.ProcessingOutputConfig
      ?.Outputs;
    assert.deepEqual(outputs?.at(-1), {
      OutputName: "monitor-baseline",
      S3Output: {
        S3Uri: executionOutput("Preprocess", "monitor-baseline", "pipeline-work"),
        LocalPath: "/opt/ml/processing/monitor-baseline",
        S3UploadMode: "EndOfJob",
      },
    });
    assert.equal(outputs?.length, 5);
  });

  it("describes the training features with baseline.py in the scikit-learn image, from Preprocess's baseline", () => {
    assert.deepEqual(driftBaseline, {
      Name: "DriftBaseline",
      Type: "Processing",
      Description:
        "Describes the training features (quantile bins, samples, category shares) in " +
        "drift_baseline.json, the baseline endpoint drift checks compare captured requests with.",
      Arguments: {
        RoleArn: ROLE_ARN,
        AppSpecification: {
          ImageUri: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
          // baseline.py's defaults: /opt/ml/processing as its base directory, deciles.
          ContainerEntrypoint: ["python3", "/opt/ml/processing/input/code/baseline.py"],
        },
        ProcessingResources: {
          ClusterConfig: {
            InstanceCount: 1,
            InstanceType: { Get: "Parameters.ProcessingInstanceType" },
            VolumeSizeInGB: 30,
            VolumeKmsKeyId: KEY_ARN,
          },
        },
        StoppingCondition: { MaxRuntimeInSeconds: 1800 },
        NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true },
        ProcessingInputs: [
          {
            InputName: "baseline",
            S3Input: {
              S3Uri: { Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['baseline'].S3Output.S3Uri" },
              LocalPath: "/opt/ml/processing/baseline",
              S3DataType: "S3Prefix",
              S3InputMode: "File",
              S3DataDistributionType: "FullyReplicated",
            },
          },
          {
            InputName: "code",
            S3Input: {
              S3Uri: "s3://mlops-staging-diagnosis-artifacts-1a2b3c4/code/5f6e7d8c9b0a/baseline.py",
              LocalPath: "/opt/ml/processing/input/code",
              S3DataType: "S3Prefix",
              S3InputMode: "File",
              S3DataDistributionType: "FullyReplicated",
            },
          },
        ],
        ProcessingOutputConfig: {
          Outputs: [
            {
              OutputName: "drift-baseline",
              S3Output: {
                S3Uri: executionOutput("DriftBaseline", "drift-baseline", "pipelines"),
                LocalPath: "/opt/ml/processing/drift-baseline",
                S3UploadMode: "EndOfJob",
              },
            },
          ],
          KmsKeyId: KEY_ARN,
        },
      },
    });
  });

  it("runs every job as the role, encrypted with the key, isolated and parameterised in size", () => {
    for (const job of [validate, preprocess, driftBaseline, dataQuality, evaluate]) {
      assert.equal(job.Arguments.RoleArn, ROLE_ARN);
      assert.deepEqual(job.Arguments.ProcessingResources, {
        ClusterConfig: {
          InstanceCount: 1,
          InstanceType: { Get: "Parameters.ProcessingInstanceType" },
          VolumeSizeInGB: 30,
          VolumeKmsKeyId: KEY_ARN,
        },
      });
      assert.equal(job.Arguments.ProcessingOutputConfig?.KmsKeyId, KEY_ARN);
      assert.deepEqual(job.Arguments.NetworkConfig, {
        EnableNetworkIsolation: true,
        EnableInterContainerTrafficEncryption: true,
      });
      assert.deepEqual(job.Arguments.StoppingCondition, { MaxRuntimeInSeconds: 1800 });
    }
    assert.equal(train.Arguments.RoleArn, ROLE_ARN);
    assert.deepEqual(train.Arguments.ResourceConfig, {
      InstanceCount: 1,
      InstanceType: { Get: "Parameters.TrainingInstanceType" },
      VolumeSizeInGB: 30,
      VolumeKmsKeyId: KEY_ARN,
    });
    assert.equal(train.Arguments.OutputDataConfig?.KmsKeyId, KEY_ARN);
    assert.equal(train.Arguments.EnableNetworkIsolation, true);
    assert.equal(train.Arguments.EnableInterContainerTrafficEncryption, true);
  });

  it("baselines Preprocess's label-first dataset with the Model Monitor analyzer, as a DATA_QUALITY check", () => {
    assert.deepEqual(dataQuality, {
      Name: "DataQualityBaseline",
      Type: "QualityCheck",
      Description:
        "Computes the data-quality baseline (statistics and constraints) of the training features, " +
        "and checks it for drift against the approved version's baseline unless SkipDataQualityCheck.",
      Arguments: {
        RoleArn: ROLE_ARN,
        // The analyzer's own entrypoint runs: no ContainerEntrypoint or ContainerArguments.
        AppSpecification: {
          ImageUri: "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer:latest",
        },
        ProcessingResources: {
          ClusterConfig: {
            InstanceCount: 1,
            InstanceType: { Get: "Parameters.ProcessingInstanceType" },
            VolumeSizeInGB: 30,
            VolumeKmsKeyId: KEY_ARN,
          },
        },
        StoppingCondition: { MaxRuntimeInSeconds: 1800 },
        NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true },
        ProcessingInputs: [
          {
            InputName: "baseline_dataset_input",
            S3Input: {
              S3Uri: {
                Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['monitor-baseline'].S3Output.S3Uri",
              },
              LocalPath: "/opt/ml/processing/input/baseline_dataset_input",
              S3DataType: "S3Prefix",
              S3InputMode: "File",
              S3DataDistributionType: "FullyReplicated",
            },
          },
        ],
        ProcessingOutputConfig: {
          Outputs: [
            {
              OutputName: "quality_check_output",
              S3Output: {
                S3Uri: executionOutput("DataQualityBaseline", "baseline", "pipelines"),
                LocalPath: "/opt/ml/processing/output",
                S3UploadMode: "EndOfJob",
              },
            },
          ],
          KmsKeyId: KEY_ARN,
        },
        Environment: {
          dataset_format: '{"csv":{"header":true,"output_columns_position":"START"}}',
          dataset_source: "/opt/ml/processing/input/baseline_dataset_input",
          output_path: "/opt/ml/processing/output",
          publish_cloudwatch_metrics: "Disabled",
        },
      },
      CheckType: "DATA_QUALITY",
      ModelPackageGroupName: "mlops-staging-diagnosis",
      SkipCheck: { Get: "Parameters.SkipDataQualityCheck" },
      RegisterNewBaseline: { Get: "Parameters.RegisterNewDataQualityBaseline" },
    });
  });

  it("trains the built-in XGBoost algorithm on the train and validation splits with the hyperparameters", () => {
    const args = train.Arguments;
    assert.deepEqual(args.AlgorithmSpecification, {
      TrainingImage: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
      TrainingInputMode: "File",
    });
    assert.deepEqual(args.HyperParameters, { objective: "binary:logistic", num_round: "50" });
    assert.deepEqual(
      args.InputDataConfig?.map((c) => [c.ChannelName, c.ContentType, c.DataSource?.S3DataSource?.S3Uri]),
      [
        [
          "train",
          "text/csv",
          { Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri" },
        ],
        [
          "validation",
          "text/csv",
          { Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['validation'].S3Output.S3Uri" },
        ],
      ],
    );
  });

  it("trains on managed spot capacity with checkpoints and a wait limit", () => {
    assert.equal(train.Arguments.EnableManagedSpotTraining, true);
    assert.deepEqual(train.Arguments.StoppingCondition, {
      MaxRuntimeInSeconds: 1800,
      MaxWaitTimeInSeconds: 3600,
    });
    assert.deepEqual(train.Arguments.CheckpointConfig, {
      S3Uri: {
        "Std:Join": {
          On: "/",
          Values: [
            "s3://mlops-staging-diagnosis-artifacts-1a2b3c4/checkpoints",
            { Get: "Execution.PipelineExecutionId" },
          ],
        },
      },
    });
  });

  it("trains on demand, without checkpoints or a wait limit, when spot is off", () => {
    const onDemand = step<TrainingStep>(
      buildPipelineDefinition(definitionInput({ training: { spot: false, maxRuntimeSeconds: 900 } })),
      STEPS.train,
    );
    assert.equal(onDemand.Arguments.EnableManagedSpotTraining, undefined);
    assert.equal(onDemand.Arguments.CheckpointConfig, undefined);
    assert.deepEqual(onDemand.Arguments.StoppingCondition, { MaxRuntimeInSeconds: 900 });
  });

  it("finds the champion with the function: the group, and the execution's placeholder folder", () => {
    assert.deepEqual(findChampion, {
      Name: "FindChampion",
      Type: "Lambda",
      Description:
        "Finds the model of the group's latest approved version (the champion) for Evaluate to compare " +
        "with, or writes the placeholder that stands for none.",
      FunctionArn: FUNCTION_ARN,
      Arguments: {
        model_package_group_name: "mlops-staging-diagnosis",
        placeholder_uri: executionOutput("FindChampion", "none", "pipeline-work"),
      },
      OutputParameters: [
        { OutputName: "ChampionModelUri", OutputType: "String" },
        { OutputName: "ChampionArn", OutputType: "String" },
      ],
    });
    // The function may write there: the placeholder's key matches its policy's pattern.
    assert.ok(
      keyMatches(CHAMPION_PLACEHOLDER_KEYS, `pipeline-work/${EXECUTION}/FindChampion/none/NO_CHAMPION`),
    );
    assert.equal(CHAMPION_PLACEHOLDER_KEYS, "pipeline-work/*/FindChampion/*");
  });

  it("scores the trained model and the champion on the test split, with the margin, into evaluation.json", () => {
    assert.deepEqual(evaluate.Arguments.AppSpecification, {
      ImageUri: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
      ContainerEntrypoint: ["python3", "/opt/ml/processing/input/code/evaluate.py"],
      ContainerArguments: ["--margin", "0.01"],
    });
    assert.deepEqual(
      evaluate.Arguments.ProcessingInputs?.map((i) => [i.InputName, i.S3Input?.S3Uri, i.S3Input?.LocalPath]),
      [
        ["model", { Get: "Steps.Train.ModelArtifacts.S3ModelArtifacts" }, "/opt/ml/processing/model"],
        [
          "test",
          { Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri" },
          "/opt/ml/processing/test",
        ],
        [
          "champion",
          { Get: "Steps.FindChampion.OutputParameters['ChampionModelUri']" },
          "/opt/ml/processing/champion",
        ],
        ["code", definitionInput().scripts.evaluate, "/opt/ml/processing/input/code"],
      ],
    );
    // A prefix: the champion's model.tar.gz, or the placeholder folder, arrives in champion/.
    assert.deepEqual(
      evaluate.Arguments.ProcessingInputs?.map((i) => i.S3Input?.S3DataType),
      ["S3Prefix", "S3Prefix", "S3Prefix", "S3Prefix"],
    );
    assert.deepEqual(evaluate.PropertyFiles, [
      { PropertyFileName: "EvaluationReport", OutputName: "evaluation", FilePath: "evaluation.json" },
    ]);
    assert.equal(
      evaluate.Description,
      "Scores the trained model and the approved model (the champion) on the test split, and writes " +
        "evaluation.json with the new model's metrics, the champion's and the champion gate's decision.",
    );
    assert.deepEqual(CHAMPION, {
      modelUriOutput: "ChampionModelUri",
      arnOutput: "ChampionArn",
      inputName: "champion",
      placeholderFolder: "none",
    });
  });

  it("passes the margin as evaluate.py reads it, 0 included", () => {
    const margin = (championMargin: number) =>
      step<ProcessingStep>(buildPipelineDefinition(definitionInput({ championMargin })), STEPS.evaluate)
        .Arguments.AppSpecification?.ContainerArguments;
    assert.deepEqual(margin(0), ["--margin", "0"]);
    assert.deepEqual(margin(0.025), ["--margin", "0.025"]);
  });

  const accuracyReached = {
    Type: "GreaterThanOrEqualTo",
    LeftValue: {
      "Std:JsonGet": {
        PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.EvaluationReport" },
        Path: "binary_classification_metrics.accuracy.value",
      },
    },
    RightValue: { Get: `Parameters.${PARAMETERS.accuracyThreshold}` },
  } as const;
  const championGatePassed = {
    Type: "GreaterThanOrEqualTo",
    LeftValue: {
      "Std:JsonGet": {
        PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.EvaluationReport" },
        Path: "champion_gate",
      },
    },
    RightValue: 1,
  } as const;
  const championReason = {
    "Std:JsonGet": {
      PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.EvaluationReport" },
      Path: "decision.reason",
    },
  } as const;

  it("compares the accuracy read with JsonGet from the evaluation report against the threshold parameter", () => {
    assert.deepEqual(check.Arguments.Conditions, [accuracyReached]);
    assert.deepEqual(check.Arguments.IfSteps, []);
    assert.equal(
      check.Description,
      "Fails the build when the model's test accuracy is below AccuracyThreshold.",
    );
    assert.equal(EVALUATION_REPORT.accuracyPath, "binary_classification_metrics.accuracy.value");
  });

  it("checks the champion gate, a number in the evaluation report, and fails with the gate's reason", () => {
    assert.deepEqual(checkChampion.Arguments.Conditions, [championGatePassed]);
    assert.deepEqual(checkChampion.Arguments.IfSteps, []);
    assert.equal(
      checkChampion.Description,
      "Fails the build when the model's test accuracy is below the approved model's by more than the margin.",
    );
    assert.deepEqual(checkChampion.Arguments.ElseSteps, [
      {
        Name: "AccuracyBelowChampion",
        Type: "Fail",
        Arguments: {
          ErrorMessage: {
            "Std:Join": {
              On: " ",
              Values: [
                "The model is less accurate than the approved model on the same test split, so it was not registered:",
                championReason,
                "(see evaluation.json of the Evaluate step).",
              ],
            },
          },
        },
      },
    ]);
    assert.equal(EVALUATION_REPORT.championGatePath, "champion_gate");
    assert.equal(EVALUATION_REPORT.championReasonPath, "decision.reason");
  });

  it("registers only when both gates pass, and fails nothing itself: each gate says why it failed", () => {
    assert.deepEqual(checkGates.Arguments.Conditions, [accuracyReached, championGatePassed]);
    assert.deepEqual(
      checkGates.Arguments.IfSteps.map((s) => s.Name),
      ["Register"],
    );
    assert.deepEqual(checkGates.Arguments.ElseSteps, []);
    assert.equal(
      checkGates.Description,
      "Registers the model when it passed both CheckAccuracy and CheckChampion.",
    );
  });

  const registered = {
    ModelPackageGroupName: "mlops-staging-diagnosis",
    ModelPackageDescription: {
      "Std:Join": {
        On: "",
        Values: [
          "Trained by pipeline execution ",
          { Get: "Execution.PipelineExecutionArn" },
          ". Champion gate: ",
          {
            "Std:JsonGet": {
              PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.EvaluationReport" },
              Path: "decision.reason",
            },
          },
          ".",
        ],
      },
    },
    ModelApprovalStatus: { Get: "Parameters.ModelApprovalStatus" },
    InferenceSpecification: {
      Containers: [
        {
          Image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
          ModelDataUrl: { Get: "Steps.Train.ModelArtifacts.S3ModelArtifacts" },
        },
      ],
      SupportedContentTypes: ["text/csv"],
      SupportedResponseMIMETypes: ["text/csv"],
    },
    ModelMetrics: {
      ModelQuality: {
        Statistics: {
          ContentType: "application/json",
          S3Uri: {
            "Std:Join": {
              On: "/",
              Values: [
                { Get: "Steps.Evaluate.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri" },
                "evaluation.json",
              ],
            },
          },
        },
      },
      ModelDataQuality: {
        Statistics: {
          ContentType: "application/vnd.mlops.drift-baseline+json",
          S3Uri: {
            "Std:Join": {
              On: "/",
              Values: [
                {
                  Get: "Steps.DriftBaseline.ProcessingOutputConfig.Outputs['drift-baseline'].S3Output.S3Uri",
                },
                "drift_baseline.json",
              ],
            },
          },
        },
      },
    },
  } as const;

  it("registers the model with its evaluation report, drift baseline and the approval status parameter", () => {
    assert.deepEqual(register.Arguments, registered);
    assert.equal(
      register.Description,
      "Adds the model to the registry with its drift baseline and its evaluation report (its metrics, " +
        "the approved model's on the same test split and the champion gate's decision, for the approver " +
        "to compare), awaiting approval.",
    );
    assert.equal(DRIFT_BASELINE_CONTENT_TYPE, "application/vnd.mlops.drift-baseline+json");
    // MetricsSource's ContentType: at most 256 characters (SageMaker API reference).
    assert.ok(DRIFT_BASELINE_CONTENT_TYPE.length <= 256);
  });

  it("registers Model Monitor's baseline only in DriftCheckBaselines, and only with its step", () => {
    const withModelMonitor = step<RegisterModelStep>(withMonitor, STEPS.register);
    assert.deepEqual(withModelMonitor.Arguments, {
      ...registered,
      DriftCheckBaselines: {
        ModelDataQuality: {
          Statistics: {
            ContentType: "application/json",
            S3Uri: { Get: "Steps.DataQualityBaseline.BaselineUsedForDriftCheckStatistics" },
          },
          Constraints: {
            ContentType: "application/json",
            S3Uri: { Get: "Steps.DataQualityBaseline.BaselineUsedForDriftCheckConstraints" },
          },
        },
      },
    });
    assert.equal(
      withModelMonitor.Description,
      "Adds the model to the registry with its drift baseline, its Model Monitor baseline and its " +
        "evaluation report (its metrics, the approved model's on the same test split and the champion " +
        "gate's decision, for the approver to compare), awaiting approval.",
    );
  });

  it("fails with a message naming the threshold when the accuracy is too low", () => {
    const fail = step<FailStep>(definition, STEPS.accuracyBelowThreshold);
    assert.deepEqual(check.Arguments.ElseSteps, [fail]);
    assert.deepEqual(fail.Arguments, {
      ErrorMessage: {
        "Std:Join": {
          On: " ",
          Values: [
            "Test accuracy is below the AccuracyThreshold of",
            { Get: "Parameters.AccuracyThreshold" },
            "; the model was not registered. See evaluation.json of the Evaluate step.",
          ],
        },
      },
    });
  });

  it("puts every job in the VPC when the stack has one", () => {
    const inVpc = buildPipelineDefinition(definitionInput({ network: VPC, modelMonitorBaseline: true }));
    const vpc = { Subnets: ["subnet-0a1b2c3d"], SecurityGroupIds: ["sg-0a1b2c3d"] };
    for (const name of [
      STEPS.validateData,
      STEPS.preprocess,
      STEPS.driftBaseline,
      STEPS.dataQuality,
      STEPS.evaluate,
    ]) {
      assert.deepEqual(
        step<ProcessingStep | QualityCheckStep>(inVpc, name).Arguments.NetworkConfig,
        { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: vpc },
        name,
      );
    }
    assert.deepEqual(step<TrainingStep>(inVpc, STEPS.train).Arguments.VpcConfig, vpc);
    assert.equal(train.Arguments.VpcConfig, undefined);
    assert.equal(dataQuality.Arguments.NetworkConfig?.VpcConfig, undefined);
  });

  it("names the keys of what a registered version points to, and of nothing else an execution writes", () => {
    const bucket = `s3://${definitionInput().artifactsBucket}/`;
    const keyOf = (uri: string) => {
      assert.ok(uri.startsWith(bucket), uri);
      return uri.slice(bucket.length);
    };
    // SageMaker puts a training job's model under <S3OutputPath>/<job name>/output/model.tar.gz.
    const modelUri = `${resolved(train.Arguments.OutputDataConfig?.S3OutputPath)}/pipelines-${EXECUTION}-Train-k3j4h5g6f7/output/model.tar.gz`;
    const driftUri = resolved(driftBaseline.Arguments.ProcessingOutputConfig?.Outputs?.[0].S3Output?.S3Uri);
    const baselineUri = resolved(dataQuality.Arguments.ProcessingOutputConfig?.Outputs?.[0].S3Output?.S3Uri);
    const pointedTo = [
      modelUri,
      `${driftUri}/drift_baseline.json`,
      `${baselineUri}/statistics.json`,
      `${baselineUri}/constraints.json`,
    ].map(keyOf);
    assert.deepEqual(
      pointedTo.map((key) => REGISTERED_VERSION_KEYS.filter((pattern) => keyMatches(pattern, key)).length),
      [1, 1, 1, 1],
    );
    assert.deepEqual(REGISTERED_VERSION_KEYS, [
      "pipelines/*/Train/model/*/output/model.tar.gz",
      "pipelines/*/DriftBaseline/drift-baseline/drift_baseline.json",
      "pipelines/*/DataQualityBaseline/baseline/statistics.json",
      "pipelines/*/DataQualityBaseline/baseline/constraints.json",
    ]);
    const otherOutputs = [
      ...(step<ProcessingStep>(withMonitor, STEPS.preprocess).Arguments.ProcessingOutputConfig?.Outputs ??
        []),
      ...(evaluate.Arguments.ProcessingOutputConfig?.Outputs ?? []),
    ].flatMap((output) =>
      ["evaluation.json", "baseline.csv", "drift_baseline.json"].map(
        (file) => `${resolved(output.S3Output?.S3Uri)}/${file}`,
      ),
    );
    const others = [
      ...otherOutputs,
      `${resolved(validate.Arguments.ProcessingOutputConfig?.Outputs?.[0].S3Output?.S3Uri)}/validation_report.json`,
      `${resolved(findChampion.Arguments.placeholder_uri)}/NO_CHAMPION`,
      definitionInput().schemaUri,
      `${resolved(train.Arguments.CheckpointConfig?.S3Uri)}/checkpoint-10.json`,
      `${resolved(train.Arguments.OutputDataConfig?.S3OutputPath)}/pipelines-${EXECUTION}-Train-k3j4h5g6f7/output/output.tar.gz`,
      `${baselineUri}/constraint_violations.json`,
      `${driftUri}/drift_report.json`,
      definitionInput().scripts.preprocess,
      definitionInput().scripts.baseline,
    ].map(keyOf);
    assert.deepEqual(
      others.filter((key) => REGISTERED_VERSION_KEYS.some((pattern) => keyMatches(pattern, key))),
      [],
    );
  });

  it("writes what a registered version points to under pipelines/, which is kept, and the rest under prefixes that expire", () => {
    const prefixOf = (uri: unknown) => {
      const key = resolved(uri).replace(`s3://${definitionInput().artifactsBucket}/`, "");
      return key.slice(0, key.indexOf("/"));
    };
    // Where each step writes, by step and output.
    const written = allSteps(withMonitor).flatMap((s): [string, string][] => {
      if (s.Type === "Processing" || s.Type === "QualityCheck") {
        return (s.Arguments.ProcessingOutputConfig?.Outputs ?? []).map((output) => [
          `${s.Name} ${output.OutputName}`,
          prefixOf(output.S3Output?.S3Uri),
        ]);
      }
      if (s.Type === "Training") {
        return [
          [`${s.Name} model`, prefixOf(s.Arguments.OutputDataConfig?.S3OutputPath)],
          [`${s.Name} checkpoints`, prefixOf(s.Arguments.CheckpointConfig?.S3Uri)],
        ];
      }
      if (s.Type === "Lambda") return [[`${s.Name} placeholder`, prefixOf(s.Arguments.placeholder_uri)]];
      return [];
    });
    assert.deepEqual(written, [
      ["ValidateData validation", "pipeline-work"],
      ["Preprocess train", "pipeline-work"],
      ["Preprocess validation", "pipeline-work"],
      ["Preprocess test", "pipeline-work"],
      ["Preprocess baseline", "pipeline-work"],
      ["Preprocess monitor-baseline", "pipeline-work"],
      ["DriftBaseline drift-baseline", "pipelines"],
      ["DataQualityBaseline quality_check_output", "pipelines"],
      ["Train model", "pipelines"],
      ["Train checkpoints", "checkpoints"],
      ["FindChampion placeholder", "pipeline-work"],
      ["Evaluate evaluation", "pipelines"],
    ]);
    // Every location the Register step records is the output of a step that writes under pipelines/.
    const registerRefs = references(step<RegisterModelStep>(withMonitor, STEPS.register).Arguments).filter(
      (ref) => ref.startsWith("Steps."),
    );
    assert.deepEqual([...new Set(registerRefs.map((ref) => ref.split(".")[1]))].sort(), [
      "DataQualityBaseline",
      "DriftBaseline",
      "Evaluate",
      "Train",
    ]);
    const kept = written
      .filter(([, prefix]) => prefix === "pipelines")
      .map(([output]) => output.split(" ")[0]);
    assert.deepEqual(kept.sort(), ["DataQualityBaseline", "DriftBaseline", "Evaluate", "Train"]);
  });

  it("is deterministic and serialises to JSON without loss", () => {
    const json = JSON.stringify(buildPipelineDefinition(definitionInput()));
    assert.equal(json, JSON.stringify(definition));
    assert.deepEqual(JSON.parse(json), definition);
    const monitored = JSON.stringify(
      buildPipelineDefinition(definitionInput({ modelMonitorBaseline: true })),
    );
    assert.deepEqual(JSON.parse(monitored), withMonitor);
  });
});
