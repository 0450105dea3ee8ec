import * as pulumi from "@pulumi/pulumi";
import { MlPipeline } from "./components/mlPipeline";
import { PlatformKey } from "./components/platformKey";
import { loadStackConfig } from "./stacks/load";

// Config is read and validated once, before any resource exists: a mistake creates nothing.
const config = loadStackConfig();

const kmsKeyArn: pulumi.Input<string> =
  config.encryption.kmsKeyArn ??
  new PlatformKey(`${config.namePrefix}-platform`, {
    tags: config.tags,
    deletionWindowDays: config.encryption.keyDeletionWindowDays,
    protect: config.storage.protectFromDeletion,
  }).keyArn;

const pipelines = config.models.map(
  (model) =>
    [
      model.name,
      new MlPipeline(`${config.namePrefix}-${model.name}`, {
        kmsKeyArn,
        tags: { ...config.tags, Model: model.name },
        description: model.description,
        inputDataUri: model.pipeline.inputDataUri,
        targetColumn: model.pipeline.targetColumn,
        processingInstanceType: model.pipeline.processingInstanceType,
        trainingInstanceType: model.pipeline.trainingInstanceType,
        accuracyThreshold: model.pipeline.accuracyThreshold,
        modelApprovalStatus: model.pipeline.modelApprovalStatus,
        spotTraining: model.pipeline.spotTraining,
        maxRuntimeSeconds: model.pipeline.maxRuntimeSeconds,
        maxWaitSeconds: model.pipeline.maxWaitSeconds,
        hyperparameters: model.pipeline.hyperparameters,
        network: config.network,
        protectFromDeletion: config.storage.protectFromDeletion,
        noncurrentVersionRetentionDays: config.storage.noncurrentVersionRetentionDays,
        checkpointRetentionDays: config.storage.checkpointRetentionDays,
      }),
    ] as const,
);

export const environment = config.environment;
export const platformKeyArn = kmsKeyArn;
/** Per model: where its pipeline, data, artifacts and registry are. */
export const models = Object.fromEntries(
  pipelines.map(([name, pipeline]) => [
    name,
    {
      pipelineName: pipeline.pipelineName,
      pipelineArn: pipeline.pipelineArn,
      dataBucket: pipeline.dataBucketName,
      artifactsBucket: pipeline.artifactsBucketName,
      inputDataUri: pipeline.inputDataUri,
      executionRoleArn: pipeline.roleArn,
      modelPackageGroupName: pipeline.modelPackageGroupName,
    },
  ]),
);
