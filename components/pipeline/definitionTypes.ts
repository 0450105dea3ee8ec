import type {
  CreateModelPackageInput,
  CreateProcessingJobRequest,
  CreateTrainingJobRequest,
  CreateTransformJobRequest,
} from "@aws-sdk/client-sagemaker";

/**
 * Types of the SageMaker Pipelines JSON definition (schema version 2020-12-01).
 *
 * Each step's `Arguments` is the SageMaker API request the step becomes, typed with the request
 * types of `@aws-sdk/client-sagemaker`, so a misspelt or misplaced key fails the build.
 */

/** A value that SageMaker Pipelines resolves when an execution runs. */
export type PipelineExpression =
  | { readonly Get: string }
  | {
      readonly "Std:Join": {
        readonly On: string;
        readonly Values: readonly (string | number | PipelineExpression)[];
      };
    }
  | { readonly "Std:JsonGet": { readonly PropertyFile: { readonly Get: string }; readonly Path: string } };

/** `T` where any scalar may instead be a pipeline expression (a parameter, a step property, a join). */
export type Parameterised<T> = T extends string | number | boolean
  ? T | PipelineExpression
  : T extends Date
    ? T
    : T extends readonly (infer U)[]
      ? readonly Parameterised<U>[]
      : T extends object
        ? { readonly [K in keyof T]: Parameterised<T[K]> }
        : T;

export interface PipelineParameter {
  readonly Name: string;
  readonly Type: "String" | "Integer" | "Float" | "Boolean";
  readonly DefaultValue: string | number | boolean;
}

/** A JSON file a processing step writes, which later steps read with `Std:JsonGet`. */
export interface PropertyFile {
  readonly PropertyFileName: string;
  readonly OutputName: string;
  readonly FilePath: string;
}

interface StepBase {
  readonly Name: string;
  readonly Description?: string;
  readonly DependsOn?: readonly string[];
}

/** Pipelines name the job themselves, so the job name is the one request field left out. */
export interface ProcessingStep extends StepBase {
  readonly Type: "Processing";
  readonly Arguments: Parameterised<Omit<CreateProcessingJobRequest, "ProcessingJobName">>;
  readonly PropertyFiles?: readonly PropertyFile[];
}

/**
 * A Model Monitor baseline job (`CheckType` DATA_QUALITY or MODEL_QUALITY) plus what SageMaker
 * does around it: a drift check against the group's latest approved baseline unless `SkipCheck`,
 * and the choice of baseline the step exposes as `BaselineUsedForDriftCheck*`. The supplied
 * baselines stand in for the registry's when set.
 */
export interface QualityCheckStep extends StepBase {
  readonly Type: "QualityCheck";
  readonly Arguments: Parameterised<Omit<CreateProcessingJobRequest, "ProcessingJobName">>;
  readonly CheckType: "DATA_QUALITY" | "MODEL_QUALITY";
  readonly ModelPackageGroupName?: string | PipelineExpression;
  readonly SkipCheck: boolean | PipelineExpression;
  readonly RegisterNewBaseline: boolean | PipelineExpression;
  readonly SuppliedBaselineStatistics?: string | PipelineExpression;
  readonly SuppliedBaselineConstraints?: string | PipelineExpression;
}

export interface TrainingStep extends StepBase {
  readonly Type: "Training";
  readonly Arguments: Parameterised<Omit<CreateTrainingJobRequest, "TrainingJobName">>;
}

/** A batch transform job of an existing model; the step exposes `TransformOutput.S3OutputPath`. */
export interface TransformStep extends StepBase {
  readonly Type: "Transform";
  readonly Arguments: Parameterised<Omit<CreateTransformJobRequest, "TransformJobName">>;
}

export interface RegisterModelStep extends StepBase {
  readonly Type: "RegisterModel";
  readonly Arguments: Parameterised<CreateModelPackageInput>;
}

export interface FailStep extends StepBase {
  readonly Type: "Fail";
  readonly Arguments: { readonly ErrorMessage: string | PipelineExpression };
}

export interface Condition {
  readonly Type: "Equals" | "GreaterThan" | "GreaterThanOrEqualTo" | "LessThan" | "LessThanOrEqualTo";
  readonly LeftValue: string | number | PipelineExpression;
  readonly RightValue: string | number | PipelineExpression;
}

export interface ConditionStep extends StepBase {
  readonly Type: "Condition";
  readonly Arguments: {
    readonly Conditions: readonly Condition[];
    readonly IfSteps: readonly PipelineStep[];
    readonly ElseSteps: readonly PipelineStep[];
  };
}

/** What a Lambda step's function returns, by name: later steps read `Steps.<step>.OutputParameters['<name>']`. */
export interface LambdaOutputParameter {
  readonly OutputName: string;
  readonly OutputType: "String" | "Integer" | "Boolean" | "Float";
}

/**
 * Invokes a Lambda function with `Arguments` as the event and exposes the returned object's keys
 * as `OutputParameters` (the pipeline definition JSON schema's LambdaStep).
 */
export interface LambdaStep extends StepBase {
  readonly Type: "Lambda";
  readonly FunctionArn: string;
  readonly Arguments: Readonly<Record<string, string | number | boolean | PipelineExpression>>;
  readonly OutputParameters?: readonly LambdaOutputParameter[];
}

export type PipelineStep =
  | ProcessingStep
  | QualityCheckStep
  | TrainingStep
  | TransformStep
  | RegisterModelStep
  | FailStep
  | ConditionStep
  | LambdaStep;

export interface PipelineDefinition {
  readonly Version: "2020-12-01";
  readonly Metadata: Record<string, never>;
  readonly Parameters: readonly PipelineParameter[];
  readonly Steps: readonly PipelineStep[];
}
