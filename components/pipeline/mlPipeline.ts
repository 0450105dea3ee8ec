import { ModelApprovalStatus } from "@aws-sdk/client-sagemaker";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ML_DIR, scriptKey } from "../shared/scripts";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { serviceTrustPolicy } from "../shared/policyDocument";
import { pipelineExecutionPolicy } from "./mlPipelinePolicy";
import { buildPipelineDefinition, REGISTERED_VERSION_KEYS } from "./definition";
import { modelPackageGroupSharingPolicy } from "./registrySharingPolicy";
import type { AccountContext } from "../shared/account";
import { combineFootprints, DeployFootprint, SAGEMAKER_SERVICE, TYPES } from "../shared/footprint";
import { accountListProblems, STORAGE_DEFAULTS } from "../foundation/settings";
import { settingProblem } from "../shared/settings";
import { DEFAULT_HYPERPARAMETERS } from "./defaults";
import { PIPELINE_DEFAULTS, PIPELINE_SETTINGS, spotWaitProblems } from "./settings";
import { SecureBucket, secureBucketFootprint } from "../foundation/secureBucket";

/** Names that become bucket, role and pipeline names: lowercase, DNS-safe, short enough for S3. */
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,43}[a-z0-9]$/;

/** The artifacts bucket is the component's `<name>-artifacts`, auto-named `<name>-artifacts-<suffix>` by Pulumi. */
const ARTIFACTS_SUFFIX = "artifacts";

/**
 * The names of the artifacts buckets of every pipeline named `<namePrefix>-<model>`, as an IAM
 * wildcard (`mlops-staging-*-artifacts-*`): what a key policy written before the buckets exist can
 * name them by (PlatformKey's `sharedBucketPattern`).
 */
export function artifactsBucketPattern(namePrefix: string): string {
  return `${namePrefix}-*-${ARTIFACTS_SUFFIX}-*`;
}

export interface MlPipelineArgs {
  /** Where the stack deploys, looked up once per stack (`lookupAccountContext`). */
  readonly account: AccountContext;
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
  /** Folder holding `preprocess.py`, `baseline.py` and `evaluate.py`. @default ml/ */
  readonly scriptsDir?: string;
  /** Label column of the input CSV (binary: 0 or 1). @default "target" */
  readonly targetColumn?: string;
  /** Default instance type of the Preprocess, DriftBaseline, DataQualityBaseline and Evaluate jobs. @default "ml.m5.large" */
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
  /**
   * Also baseline the training data with the Model Monitor analyzer (the DataQualityBaseline
   * QualityCheck step) and register that baseline with each version, for endpoints that Model
   * Monitor watches; the role may then pull the analyzer image and list the registry's versions
   * (for `SkipDataQualityCheck=false`). Every version registers its drift baseline either way.
   * @default false
   */
  readonly modelMonitorBaseline?: boolean;
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
  /**
   * Accounts (12 digits) whose stacks serve this model's versions: they may describe the registry,
   * describe and list its versions, and read (over TLS) each version's model and baselines in the
   * artifacts bucket. The stack key must let them decrypt those objects (PlatformKey's
   * `consumerAccounts`). @default [] (nothing is shared)
   */
  readonly consumerAccounts?: readonly string[];
}

type ResolvedArgs = Required<Omit<MlPipelineArgs, "inputDataUri" | "network" | "maxWaitSeconds">> &
  Pick<MlPipelineArgs, "inputDataUri" | "network"> & { readonly maxWaitSeconds: number | undefined };

/** Applies every default in one place. Pure. */
export function withDefaults(name: string, args: MlPipelineArgs): ResolvedArgs {
  const spotTraining = args.spotTraining ?? PIPELINE_DEFAULTS.spotTraining;
  const maxRuntimeSeconds = args.maxRuntimeSeconds ?? PIPELINE_DEFAULTS.maxRuntimeSeconds;
  return {
    account: args.account,
    kmsKeyArn: args.kmsKeyArn,
    tags: args.tags,
    description: args.description ?? `Model-build pipeline for ${name}`,
    inputDataUri: args.inputDataUri,
    sampleDataPath: args.sampleDataPath ?? path.join(ML_DIR, "data", "breast-cancer.csv"),
    scriptsDir: args.scriptsDir ?? ML_DIR,
    targetColumn: args.targetColumn ?? PIPELINE_DEFAULTS.targetColumn,
    processingInstanceType: args.processingInstanceType ?? PIPELINE_DEFAULTS.processingInstanceType,
    trainingInstanceType: args.trainingInstanceType ?? PIPELINE_DEFAULTS.trainingInstanceType,
    accuracyThreshold: args.accuracyThreshold ?? PIPELINE_DEFAULTS.accuracyThreshold,
    modelApprovalStatus: args.modelApprovalStatus ?? PIPELINE_DEFAULTS.modelApprovalStatus,
    spotTraining,
    maxRuntimeSeconds,
    // Spot jobs may wait for capacity; by default they wait as long again as they may run.
    maxWaitSeconds: spotTraining ? (args.maxWaitSeconds ?? maxRuntimeSeconds * 2) : undefined,
    hyperparameters: { ...DEFAULT_HYPERPARAMETERS, ...args.hyperparameters },
    // Unset in the stack config means "as the model's monitoring engine needs", which the stack
    // decides; a component left to itself needs no Model Monitor.
    modelMonitorBaseline: args.modelMonitorBaseline ?? false,
    volumeSizeInGB: args.volumeSizeInGB ?? 30,
    network: args.network,
    protectFromDeletion: args.protectFromDeletion ?? STORAGE_DEFAULTS.protectFromDeletion,
    noncurrentVersionRetentionDays:
      args.noncurrentVersionRetentionDays ?? STORAGE_DEFAULTS.noncurrentVersionRetentionDays,
    checkpointRetentionDays: args.checkpointRetentionDays ?? STORAGE_DEFAULTS.checkpointRetentionDays,
    consumerAccounts: args.consumerAccounts ?? [],
  };
}

/** Every problem with the arguments, so that nothing is created from a half-valid request. */
export function validateArgs(name: string, args: MlPipelineArgs, resolved: ResolvedArgs): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => ok || problems.push(message);
  check(NAME_PATTERN.test(name), `name "${name}" must be 2-45 lowercase letters, digits and hyphens`);
  // The same ranges and cross-key rules as the stack config: one definition of each (settings.ts).
  for (const key of [
    "inputDataUri",
    "processingInstanceType",
    "trainingInstanceType",
    "accuracyThreshold",
    "maxRuntimeSeconds",
    "maxWaitSeconds",
  ] as const) {
    const problem = settingProblem(key, PIPELINE_SETTINGS[key], args[key]);
    if (problem) problems.push(problem);
  }
  for (const { key, value, message } of spotWaitProblems({
    ...resolved,
    maxWaitSeconds: args.maxWaitSeconds,
  })) {
    problems.push(`${key} ${JSON.stringify(value)} ${message}`);
  }
  for (const file of ["preprocess.py", "baseline.py", "evaluate.py"]) {
    check(existsSync(path.join(resolved.scriptsDir, file)), `${file} not found in ${resolved.scriptsDir}`);
  }
  check(
    resolved.inputDataUri !== undefined || existsSync(resolved.sampleDataPath),
    `sampleDataPath ${resolved.sampleDataPath} not found`,
  );
  problems.push(...accountListProblems("consumerAccounts", resolved.consumerAccounts));
  return problems;
}

/**
 * Two buckets, the registry, a role SageMaker runs the pipeline's jobs as, uploads and the
 * pipeline; with consumer accounts, the registry's resource policy too.
 */
export function mlPipelineFootprint(
  roleArn: pulumi.Input<string>,
  consumerAccounts: readonly string[] = [],
): DeployFootprint {
  return combineFootprints(secureBucketFootprint(), {
    types: [
      TYPES.modelPackageGroup,
      ...(consumerAccounts.length > 0 ? [TYPES.modelPackageGroupPolicy] : []),
      TYPES.role,
      TYPES.rolePolicy,
      TYPES.bucketObject,
      TYPES.pipeline,
    ],
    passedRoles: [{ service: SAGEMAKER_SERVICE, roleArn }],
  });
}

/**
 * Everything one model's build pipeline needs: data and artifact buckets, a least-privilege
 * execution role, the model registry (a model package group), the uploaded scripts and the
 * SageMaker Pipeline Preprocess → DriftBaseline ∥ Train → Evaluate → CheckAccuracy → Register
 * (with `modelMonitorBaseline`, DataQualityBaseline alongside DriftBaseline). Each registered
 * version carries the drift baseline of its training data, which endpoint drift checks compare
 * captured requests with, and with `modelMonitorBaseline` the Model Monitor baseline too. With
 * consumer accounts, stacks of those accounts may serve the registered versions: read the
 * registry, and each version's model and baselines.
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
  /** The resource types it creates and the roles it hands to services, for the deploy role. */
  public readonly footprint: DeployFootprint;

  constructor(name: string, args: MlPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    const config = withDefaults(name, args);
    const problems = validateArgs(name, args, config);
    // Before super(), so that a refused request registers nothing, not even the component.
    if (problems.length > 0) throw new Error(`MlPipeline ${name}: ${problems.join("; ")}.`);
    super("mlops:sagemaker:MlPipeline", name, {}, opts);

    const parent = { parent: this };
    const { partition, region, accountId, images } = config.account;
    // The analyzer only for the step that runs it: without it, the role may not pull its image.
    const analyzer = config.modelMonitorBaseline ? images.modelMonitor : undefined;

    const bucketArgs = {
      kmsKeyArn: config.kmsKeyArn,
      tags: config.tags,
      noncurrentVersionRetentionDays: config.noncurrentVersionRetentionDays,
      protect: config.protectFromDeletion,
    };
    const dataBucket = new SecureBucket(`${name}-data`, bucketArgs, parent);
    const sharing = config.consumerAccounts.length > 0;
    const artifactsBucket = new SecureBucket(
      `${name}-${ARTIFACTS_SUFFIX}`,
      {
        ...bucketArgs,
        expireByPrefix: { "checkpoints/": config.checkpointRetentionDays },
        // Consumers read what a version points to, not training data, checkpoints or reports.
        ...(sharing && {
          readers: { accounts: config.consumerAccounts, keyPatterns: REGISTERED_VERSION_KEYS },
        }),
      },
      parent,
    );

    const registry = new aws.sagemaker.ModelPackageGroup(
      `${name}-registry`,
      { modelPackageGroupName: name, modelPackageGroupDescription: config.description, tags: config.tags },
      { parent: this, protect: config.protectFromDeletion },
    );
    if (sharing) {
      new aws.sagemaker.ModelPackageGroupPolicy(
        `${name}-registry-policy`,
        {
          modelPackageGroupName: registry.modelPackageGroupName,
          resourcePolicy: pulumi
            .all([partition, region, accountId, registry.modelPackageGroupName])
            .apply(([p, r, account, group]) =>
              JSON.stringify(
                modelPackageGroupSharingPolicy({
                  partition: p,
                  region: r,
                  accountId: account,
                  groupName: group,
                  consumerAccounts: config.consumerAccounts,
                }),
              ),
            ),
        },
        parent,
      );
    }

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `Runs the jobs of SageMaker pipeline ${name}`,
        assumeRolePolicy: JSON.stringify(serviceTrustPolicy("sagemaker.amazonaws.com")),
        tags: config.tags,
      },
      parent,
    );
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
            images.sklearn.repositoryArn,
            images.xgboost.repositoryArn,
            // In AWS's regions the analyzer is in another registry account than the framework images.
            ...(analyzer ? [analyzer.repositoryArn] : []),
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
                modelMonitorBaseline: config.modelMonitorBaseline,
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
    const scripts = {
      preprocess: scriptUri("preprocess.py"),
      baseline: scriptUri("baseline.py"),
      evaluate: scriptUri("evaluate.py"),
    };
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
        pulumi.all([images.sklearn.uri, images.xgboost.uri, analyzer?.uri]),
        pulumi.all([scripts.preprocess, scripts.baseline, scripts.evaluate]),
        inputDataUri,
      ])
      .apply(
        ([
          roleArn,
          kmsKeyArn,
          artifacts,
          group,
          [sklearn, xgboost, modelMonitor],
          [preprocess, baseline, evaluate],
          input,
        ]) =>
          JSON.stringify(
            buildPipelineDefinition({
              roleArn,
              kmsKeyArn,
              artifactsBucket: artifacts,
              modelPackageGroupName: group,
              images: { sklearn, xgboost, ...(modelMonitor !== undefined && { modelMonitor }) },
              scripts: { preprocess, baseline, evaluate },
              modelMonitorBaseline: config.modelMonitorBaseline,
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

    this.footprint = mlPipelineFootprint(role.arn, config.consumerAccounts);
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
