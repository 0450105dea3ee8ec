import { ModelApprovalStatus, ProcessingInstanceType, TrainingInstanceType } from "@aws-sdk/client-sagemaker";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { serviceTrustPolicy } from "../shared/policyDocument";
import { pipelineExecutionPolicy } from "./mlPipelinePolicy";
import { buildPipelineDefinition } from "./definition";
import { DEFAULT_HYPERPARAMETERS, IMAGES } from "./defaults";
import { S3_URI_PATTERN } from "../shared/s3Uri";
import { SecureBucket } from "../foundation/secureBucket";

/** The folder of the pipeline's scripts and sample data that ship with the platform. */
export const ML_DIR = path.resolve(__dirname, "..", "..", "ml");

/** Names that become bucket, role and pipeline names: lowercase, DNS-safe, short enough for S3. */
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,43}[a-z0-9]$/;

export interface MlPipelineArgs {
  /** KMS key that encrypts the buckets, job volumes and job outputs. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Tags for every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
  /** What the model does, shown on the registry and the pipeline. @default "Model-build pipeline for <name>" */
  readonly description?: string;
  /** Training data (CSV with a header) as an S3 URI; the role gets read access to that prefix only. @default the bundled sample dataset, uploaded to the data bucket */
  readonly inputDataUri?: string;
  /** Sample CSV uploaded as the default input when `inputDataUri` is not set. @default ml/data/breast-cancer.csv */
  readonly sampleDataPath?: string;
  /** Folder holding `preprocess.py` and `evaluate.py`. @default ml/ */
  readonly scriptsDir?: string;
  /** Label column of the input CSV (binary: 0 or 1). @default "target" */
  readonly targetColumn?: string;
  /** Default instance type of the Preprocess, DataQualityBaseline and Evaluate jobs. @default "ml.m5.large" */
  readonly processingInstanceType?: string;
  /** Default instance type of the Train job. @default "ml.m5.large" */
  readonly trainingInstanceType?: string;
  /** Minimum test accuracy for a model to be registered, from 0 to 1. @default 0.8 */
  readonly accuracyThreshold?: number;
  /** Status of newly registered model versions. @default "PendingManualApproval" */
  readonly modelApprovalStatus?: "PendingManualApproval" | "Approved";
  /** Train on managed spot capacity, resuming from checkpoints after interruptions. @default true */
  readonly spotTraining?: boolean;
  /** Run-time limit of each job, in seconds. @default 3600 */
  readonly maxRuntimeSeconds?: number;
  /** Spot only: capacity wait plus run time, in seconds; at least `maxRuntimeSeconds`. @default 2 × maxRuntimeSeconds */
  readonly maxWaitSeconds?: number;
  /** XGBoost hyperparameters, merged over the defaults. @default DEFAULT_HYPERPARAMETERS */
  readonly hyperparameters?: Readonly<Record<string, string>>;
  /** Disk of each job in GB, encrypted with the key. @default 30 */
  readonly volumeSizeInGB?: number;
  /** Run jobs in these subnets and security groups. @default no VPC */
  readonly network?: { readonly subnetIds: readonly string[]; readonly securityGroupIds: readonly string[] };
  /** Protect buckets and the model registry from deletion. @default true */
  readonly protectFromDeletion?: boolean;
  /** Days non-current object versions are kept in the buckets. @default 90 */
  readonly noncurrentVersionRetentionDays?: number;
  /** Days spot-training checkpoints are kept. @default 14 */
  readonly checkpointRetentionDays?: number;
}

type ResolvedArgs = Required<Omit<MlPipelineArgs, "inputDataUri" | "network" | "maxWaitSeconds">> &
  Pick<MlPipelineArgs, "inputDataUri" | "network"> & { readonly maxWaitSeconds: number | undefined };

/** Applies every default in one place. Pure. */
export function withDefaults(name: string, args: MlPipelineArgs): ResolvedArgs {
  const spotTraining = args.spotTraining ?? true;
  const maxRuntimeSeconds = args.maxRuntimeSeconds ?? 3600;
  return {
    kmsKeyArn: args.kmsKeyArn,
    tags: args.tags,
    description: args.description ?? `Model-build pipeline for ${name}`,
    inputDataUri: args.inputDataUri,
    sampleDataPath: args.sampleDataPath ?? path.join(ML_DIR, "data", "breast-cancer.csv"),
    scriptsDir: args.scriptsDir ?? ML_DIR,
    targetColumn: args.targetColumn ?? "target",
    processingInstanceType: args.processingInstanceType ?? "ml.m5.large",
    trainingInstanceType: args.trainingInstanceType ?? "ml.m5.large",
    accuracyThreshold: args.accuracyThreshold ?? 0.8,
    modelApprovalStatus: args.modelApprovalStatus ?? ModelApprovalStatus.PENDING_MANUAL_APPROVAL,
    spotTraining,
    maxRuntimeSeconds,
    // Spot jobs may wait for capacity; by default they wait as long again as they may run.
    maxWaitSeconds: spotTraining ? (args.maxWaitSeconds ?? maxRuntimeSeconds * 2) : undefined,
    hyperparameters: { ...DEFAULT_HYPERPARAMETERS, ...args.hyperparameters },
    volumeSizeInGB: args.volumeSizeInGB ?? 30,
    network: args.network,
    protectFromDeletion: args.protectFromDeletion ?? true,
    noncurrentVersionRetentionDays: args.noncurrentVersionRetentionDays ?? 90,
    checkpointRetentionDays: args.checkpointRetentionDays ?? 14,
  };
}

/** Every problem with the arguments, so that nothing is created from a half-valid request. */
export function validateArgs(name: string, args: MlPipelineArgs, resolved: ResolvedArgs): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => ok || problems.push(message);
  check(NAME_PATTERN.test(name), `name "${name}" must be 2-45 lowercase letters, digits and hyphens`);
  check(
    (Object.values(ProcessingInstanceType) as string[]).includes(resolved.processingInstanceType),
    `processingInstanceType "${resolved.processingInstanceType}" is not a SageMaker processing instance type`,
  );
  check(
    (Object.values(TrainingInstanceType) as string[]).includes(resolved.trainingInstanceType),
    `trainingInstanceType "${resolved.trainingInstanceType}" is not a SageMaker training instance type`,
  );
  check(
    resolved.accuracyThreshold >= 0 && resolved.accuracyThreshold <= 1,
    `accuracyThreshold ${resolved.accuracyThreshold} must be from 0 to 1`,
  );
  check(
    Number.isInteger(resolved.maxRuntimeSeconds) && resolved.maxRuntimeSeconds >= 1,
    `maxRuntimeSeconds ${resolved.maxRuntimeSeconds} must be a positive whole number`,
  );
  check(
    args.maxWaitSeconds === undefined || resolved.spotTraining,
    "maxWaitSeconds applies to spot training only",
  );
  check(
    resolved.maxWaitSeconds === undefined || resolved.maxWaitSeconds >= resolved.maxRuntimeSeconds,
    `maxWaitSeconds ${resolved.maxWaitSeconds} must be at least maxRuntimeSeconds ${resolved.maxRuntimeSeconds}`,
  );
  check(
    resolved.inputDataUri === undefined || S3_URI_PATTERN.test(resolved.inputDataUri),
    `inputDataUri "${resolved.inputDataUri}" is not an S3 URI`,
  );
  for (const file of ["preprocess.py", "evaluate.py"]) {
    check(existsSync(path.join(resolved.scriptsDir, file)), `${file} not found in ${resolved.scriptsDir}`);
  }
  check(
    resolved.inputDataUri !== undefined || existsSync(resolved.sampleDataPath),
    `sampleDataPath ${resolved.sampleDataPath} not found`,
  );
  return problems;
}

/** Content-addressed key, so that a changed script changes the pipeline definition and its lineage. */
function scriptKey(file: string): string {
  const digest = createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 12);
  return `code/${digest}/${path.basename(file)}`;
}

/**
 * Everything one model's build pipeline needs: data and artifact buckets, a least-privilege
 * execution role, the model registry (a model package group), the uploaded scripts and the
 * SageMaker Pipeline Preprocess → DataQualityBaseline ∥ Train → Evaluate → CheckAccuracy →
 * Register. Each registered version carries the Model Monitor data-quality baseline of its
 * training data, which endpoint monitoring compares live requests with.
 */
export class MlPipeline extends pulumi.ComponentResource {
  public readonly pipelineName: pulumi.Output<string>;
  public readonly pipelineArn: pulumi.Output<string>;
  public readonly dataBucketName: pulumi.Output<string>;
  public readonly artifactsBucketName: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly modelPackageGroupName: pulumi.Output<string>;
  public readonly modelPackageGroupArn: pulumi.Output<string>;
  /** Where the pipeline reads its input by default. */
  public readonly inputDataUri: pulumi.Output<string>;

  constructor(name: string, args: MlPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops:sagemaker:MlPipeline", name, {}, opts);
    const config = withDefaults(name, args);
    const problems = validateArgs(name, args, config);
    if (problems.length > 0) throw new Error(`MlPipeline ${name}: ${problems.join("; ")}.`);

    const parent = { parent: this };
    const region = aws.getRegionOutput({}, parent).region;
    const partition = aws.getPartitionOutput({}, parent).partition;
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
    const images = {
      sklearn: aws.sagemaker.getPrebuiltEcrImageOutput(IMAGES.sklearn, parent),
      xgboost: aws.sagemaker.getPrebuiltEcrImageOutput(IMAGES.xgboost, parent),
      modelMonitor: aws.sagemaker.getPrebuiltEcrImageOutput(IMAGES.modelMonitor, parent),
    };

    const bucketArgs = {
      kmsKeyArn: config.kmsKeyArn,
      tags: config.tags,
      noncurrentVersionRetentionDays: config.noncurrentVersionRetentionDays,
      protect: config.protectFromDeletion,
    };
    const dataBucket = new SecureBucket(`${name}-data`, bucketArgs, parent);
    const artifactsBucket = new SecureBucket(
      `${name}-artifacts`,
      { ...bucketArgs, expireByPrefix: { "checkpoints/": config.checkpointRetentionDays } },
      parent,
    );

    const registry = new aws.sagemaker.ModelPackageGroup(
      `${name}-registry`,
      { modelPackageGroupName: name, modelPackageGroupDescription: config.description, tags: config.tags },
      { parent: this, protect: config.protectFromDeletion },
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `Runs the jobs of SageMaker pipeline ${name}`,
        assumeRolePolicy: JSON.stringify(serviceTrustPolicy("sagemaker.amazonaws.com")),
        tags: config.tags,
      },
      parent,
    );
    const repositoryArn = (image: (typeof images)["sklearn"]) =>
      pulumi.interpolate`arn:${partition}:ecr:${image.region}:${image.registryId}:repository/${image.repositoryName}`;
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-role-policy`,
      {
        role: role.name,
        policy: pulumi
          .all([
            partition,
            region,
            accountId,
            role.arn,
            config.kmsKeyArn,
            dataBucket.bucketName,
            artifactsBucket.bucketName,
            registry.modelPackageGroupName,
            repositoryArn(images.sklearn),
            repositoryArn(images.xgboost),
            // In AWS's regions the analyzer is in another registry account than the framework
            // images; repositoryArn follows each image's own registryId.
            repositoryArn(images.modelMonitor),
          ])
          .apply(([p, r, account, roleArn, kmsKeyArn, data, artifacts, group, ...imageRepositories]) =>
            JSON.stringify(
              pipelineExecutionPolicy({
                partition: p,
                region: r,
                accountId: account,
                roleArn,
                kmsKeyArn,
                dataBucket: data,
                artifactsBucket: artifacts,
                externalInputUri: config.inputDataUri,
                modelPackageGroupName: group,
                approvalStatuses: [
                  ...new Set([ModelApprovalStatus.PENDING_MANUAL_APPROVAL, config.modelApprovalStatus]),
                ],
                ecrRepositoryArns: [...new Set(imageRepositories)],
                network: config.network,
              }),
            ),
          ),
      },
      parent,
    );

    const upload = (file: string, bucket: SecureBucket, key: string) =>
      new aws.s3.BucketObjectv2(
        `${name}-${path.basename(file).replace(/[^A-Za-z0-9]+/g, "-")}`,
        {
          bucket: bucket.bucketName,
          key,
          source: new pulumi.asset.FileAsset(file),
          serverSideEncryption: "aws:kms",
          kmsKeyId: config.kmsKeyArn,
          tags: config.tags,
        },
        parent,
      );
    const scriptUri = (file: string) => {
      const object = upload(
        path.join(config.scriptsDir, file),
        artifactsBucket,
        scriptKey(path.join(config.scriptsDir, file)),
      );
      return pulumi.interpolate`s3://${object.bucket}/${object.key}`;
    };
    const scripts = { preprocess: scriptUri("preprocess.py"), evaluate: scriptUri("evaluate.py") };
    const inputDataUri: pulumi.Output<string> =
      config.inputDataUri !== undefined
        ? pulumi.output(config.inputDataUri)
        : upload(
            config.sampleDataPath,
            dataBucket,
            `input/sample/${path.basename(config.sampleDataPath)}`,
          ).bucket.apply((bucket) => `s3://${bucket}/input/sample/`);

    const definition = pulumi
      .all([
        role.arn,
        config.kmsKeyArn,
        artifactsBucket.bucketName,
        registry.modelPackageGroupName,
        images.sklearn.registryPath,
        images.xgboost.registryPath,
        images.modelMonitor.registryPath,
        scripts.preprocess,
        scripts.evaluate,
        inputDataUri,
      ])
      .apply(
        ([
          roleArn,
          kmsKeyArn,
          artifacts,
          group,
          sklearn,
          xgboost,
          modelMonitor,
          preprocess,
          evaluate,
          input,
        ]) =>
          JSON.stringify(
            buildPipelineDefinition({
              roleArn,
              kmsKeyArn,
              artifactsBucket: artifacts,
              modelPackageGroupName: group,
              images: { sklearn, xgboost, modelMonitor },
              scripts: { preprocess, evaluate },
              defaults: {
                inputDataUri: input,
                processingInstanceType: config.processingInstanceType,
                trainingInstanceType: config.trainingInstanceType,
                accuracyThreshold: config.accuracyThreshold,
                modelApprovalStatus: config.modelApprovalStatus,
              },
              targetColumn: config.targetColumn,
              hyperParameters: config.hyperparameters,
              training: {
                spot: config.spotTraining,
                maxRuntimeSeconds: config.maxRuntimeSeconds,
                maxWaitSeconds: config.maxWaitSeconds,
              },
              processingMaxRuntimeSeconds: config.maxRuntimeSeconds,
              volumeSizeInGB: config.volumeSizeInGB,
              network: config.network,
            }),
          ),
      );

    const pipeline = new aws.sagemaker.Pipeline(
      `${name}-pipeline`,
      {
        pipelineName: name,
        pipelineDisplayName: name,
        pipelineDescription: config.description,
        roleArn: role.arn,
        pipelineDefinition: definition,
        tags: config.tags,
      },
      // The role must hold its permissions before an execution can start a job.
      { parent: this, dependsOn: [rolePolicy] },
    );

    this.pipelineName = pipeline.pipelineName;
    this.pipelineArn = pipeline.arn;
    this.dataBucketName = dataBucket.bucketName;
    this.artifactsBucketName = artifactsBucket.bucketName;
    this.roleArn = role.arn;
    this.modelPackageGroupName = registry.modelPackageGroupName;
    this.modelPackageGroupArn = registry.arn;
    this.inputDataUri = inputDataUri;
    this.registerOutputs({
      pipelineName: this.pipelineName,
      pipelineArn: this.pipelineArn,
      dataBucketName: this.dataBucketName,
      artifactsBucketName: this.artifactsBucketName,
      roleArn: this.roleArn,
      modelPackageGroupName: this.modelPackageGroupName,
      modelPackageGroupArn: this.modelPackageGroupArn,
      inputDataUri: this.inputDataUri,
    });
  }
}
