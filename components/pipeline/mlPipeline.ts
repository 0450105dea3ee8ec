import { ModelApprovalStatus } from "@aws-sdk/client-sagemaker";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ML_DIR, scriptKey } from "../shared/scripts";
import { functionLogGroup, pythonFunctionArgs } from "../shared/pythonFunction";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { lambdaTrustPolicy, sageMakerAssumeRolePolicy } from "../shared/serviceTrust";
import { findChampionPolicy, pipelineExecutionPolicy } from "./mlPipelinePolicy";
import { ARTIFACT_PREFIXES, buildPipelineDefinition, REGISTERED_VERSION_KEYS } from "./definition";
import { modelPackageGroupSharingPolicy } from "./registrySharingPolicy";
import {
  pipelineStoppedRule,
  pipelineStoppedRuleName,
  pipelineStoppedUndeliveredAlarm,
} from "./pipelineAlerts";
import { ALERT_RULE_TYPES, alertRule } from "../shared/alertRule";
import type { AccountContext } from "../shared/account";
import {
  combineFootprints,
  DeployFootprint,
  LAMBDA_SERVICE,
  SAGEMAKER_SERVICE,
  TYPES,
} from "../shared/footprint";
import { accountListProblems, STORAGE_DEFAULTS, STORAGE_SETTINGS } from "../foundation/settings";
import { retentionProblems } from "../foundation/retention";
import { describeValue, settingProblem } from "../shared/settings";
import { DEFAULT_HYPERPARAMETERS } from "./defaults";
import {
  DataChecks,
  dataChecksSetting,
  PIPELINE_DEFAULTS,
  PIPELINE_SETTINGS,
  spotWaitProblems,
} from "./settings";
import { SecureBucket, secureBucketFootprint } from "../foundation/secureBucket";

/** The scripts the pipeline's processing steps run, uploaded from `scriptsDir`. */
const SCRIPTS = ["validate.py", "preprocess.py", "baseline.py", "evaluate.py"] as const;

/** The function of the FindChampion step. */
const FIND_CHAMPION_FILE = path.join(__dirname, "functions", "find_champion.py");

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
  /** The permissions boundary the pipeline's and its function's roles carry (the stack's: every role carries it). */
  readonly permissionsBoundaryArn: pulumi.Input<string>;
  /** Tags for every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
  /** What the model does, shown on the registry and the pipeline. @default "Model-build pipeline for <name>" */
  readonly description?: string;
  /** Training data (CSV with a header) as an S3 URI; the role gets read access to that prefix only. @default the bundled sample dataset, uploaded to the data bucket */
  readonly inputDataUri?: string;
  /** Sample CSV uploaded as the default input when `inputDataUri` is not set. @default ml/data/breast-cancer.csv */
  readonly sampleDataPath?: string;
  /** Folder holding `validate.py`, `preprocess.py`, `baseline.py` and `evaluate.py`. @default ml/ */
  readonly scriptsDir?: string;
  /**
   * The model's schema (`ml/schemas/<model>.json`, written by `python3 ml/validate.py write-schema`),
   * which the ValidateData step checks the input data against; its target column must be
   * `targetColumn`. A path on this machine; uploaded under a content-addressed key.
   */
  readonly schemaFile: string;
  /**
   * What ValidateData holds the input to; each key left out keeps its default.
   * @default minRows 100, maxMissingRate 0.05, minClassShare 0.05, maxClassShare 0.95, no columnMaxMissing
   */
  readonly dataChecks?: Partial<DataChecks>;
  /**
   * How far the new model's test accuracy may be below the approved model's for it to be
   * registered, from 0 to 1. @default 0.01
   */
  readonly championMargin?: number;
  /** Label column of the input CSV (binary: 0 or 1). @default "target" */
  readonly targetColumn?: string;
  /** Default instance type of the ValidateData, Preprocess, DriftBaseline, DataQualityBaseline and Evaluate jobs. @default "ml.m5.large" */
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
   * Days an execution's intermediate outputs (`pipeline-work/`: validation report, splits, baseline
   * datasets, champion placeholder) are kept. What a registered version points to (`pipelines/`)
   * never expires. @default 30
   */
  readonly pipelineOutputRetentionDays?: number;
  /**
   * Objects under these prefixes of the data bucket expire after the given days: the stack's
   * captured traffic and monitoring reports (`dataBucketExpiry`). @default {} (nothing expires)
   */
  readonly dataExpireByPrefix?: Readonly<Record<string, number>>;
  /** Days the FindChampion function's log group keeps its events. @default 90 */
  readonly logRetentionDays?: number;
  /**
   * Accounts (12 digits) whose stacks serve this model's versions: they may describe the registry,
   * describe and list its versions, and read (over TLS) each version's model and baselines in the
   * artifacts bucket. The stack key must let them decrypt those objects (PlatformKey's
   * `consumerAccounts`). @default [] (nothing is shared)
   */
  readonly consumerAccounts?: readonly string[];
  /**
   * SNS topic told of each run that fails or is stopped (a gate refused the data or the model, a
   * step broke, someone stopped it), through an EventBridge rule named `<name>-stopped`; the
   * topic's policy must let this account's EventBridge rules of that name publish, and its key
   * let EventBridge use it (AlertTopic and PlatformKey do). An alert EventBridge cannot deliver
   * within an hour goes to the dead-letter queue `<name>-stopped-dlq`, whose alarm
   * `<name>-stopped-undelivered` pages the topic (`alertRule`). @default none: no alert
   */
  readonly alertTopicArn?: pulumi.Input<string>;
}

type ResolvedArgs = Required<
  Omit<MlPipelineArgs, "inputDataUri" | "network" | "maxWaitSeconds" | "dataChecks" | "alertTopicArn">
> &
  Pick<MlPipelineArgs, "inputDataUri" | "network" | "alertTopicArn"> & {
    readonly maxWaitSeconds: number | undefined;
    readonly dataChecks: DataChecks;
  };

/** Applies every default in one place. Pure. */
export function withDefaults(name: string, args: MlPipelineArgs): ResolvedArgs {
  const spotTraining = args.spotTraining ?? PIPELINE_DEFAULTS.spotTraining;
  const maxRuntimeSeconds = args.maxRuntimeSeconds ?? PIPELINE_DEFAULTS.maxRuntimeSeconds;
  return {
    account: args.account,
    kmsKeyArn: args.kmsKeyArn,
    permissionsBoundaryArn: args.permissionsBoundaryArn,
    tags: args.tags,
    description: args.description ?? `Model-build pipeline for ${name}`,
    inputDataUri: args.inputDataUri,
    sampleDataPath: args.sampleDataPath ?? path.join(ML_DIR, "data", "breast-cancer.csv"),
    scriptsDir: args.scriptsDir ?? ML_DIR,
    schemaFile: args.schemaFile,
    dataChecks: { ...PIPELINE_DEFAULTS.dataChecks, ...args.dataChecks },
    championMargin: args.championMargin ?? PIPELINE_DEFAULTS.championMargin,
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
    pipelineOutputRetentionDays:
      args.pipelineOutputRetentionDays ?? STORAGE_DEFAULTS.pipelineOutputRetentionDays,
    dataExpireByPrefix: args.dataExpireByPrefix ?? {},
    logRetentionDays: args.logRetentionDays ?? STORAGE_DEFAULTS.logRetentionDays,
    consumerAccounts: args.consumerAccounts ?? [],
    alertTopicArn: args.alertTopicArn,
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
    "championMargin",
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
  problems.push(...dataCheckProblems(resolved.dataChecks));
  for (const file of SCRIPTS) {
    check(existsSync(path.join(resolved.scriptsDir, file)), `${file} not found in ${resolved.scriptsDir}`);
  }
  problems.push(...schemaFileProblems(resolved.schemaFile, resolved.targetColumn, resolved.dataChecks));
  check(
    resolved.inputDataUri !== undefined || existsSync(resolved.sampleDataPath),
    `sampleDataPath ${resolved.sampleDataPath} not found`,
  );
  problems.push(...accountListProblems("consumerAccounts", resolved.consumerAccounts));
  problems.push(...retentionArgProblems(name, resolved));
  return problems;
}

/**
 * The retention settings' ranges, as the stack config has them, and the rule that a build's
 * intermediate outputs and checkpoints outlast its training (`retentionProblems`).
 */
function retentionArgProblems(name: string, resolved: ResolvedArgs): string[] {
  const problems: string[] = [];
  for (const key of ["checkpointRetentionDays", "pipelineOutputRetentionDays", "logRetentionDays"] as const) {
    const problem = settingProblem(key, STORAGE_SETTINGS[key], resolved[key]);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) return problems;
  const spot = resolved.maxWaitSeconds !== undefined;
  const build = {
    path: `pipeline ${name}`,
    spot,
    trainingSeconds: resolved.maxWaitSeconds ?? resolved.maxRuntimeSeconds,
    bound: spot ? "maxWaitSeconds" : "maxRuntimeSeconds",
  };
  return retentionProblems(resolved, { monitors: [], builds: [build] }).map(
    ({ key, value, message }) => `${key} ${describeValue(value)} ${message}`,
  );
}

/** The data checks' problems, each at its key (`dataChecks.maxClassShare 0.02 must be ...`). */
function dataCheckProblems(checks: DataChecks): string[] {
  const result = dataChecksSetting.safeParse(checks);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const value = issue.path.reduce<unknown>(
      (inner, key) => (inner as Record<PropertyKey, unknown> | undefined)?.[key],
      checks,
    );
    return `${["dataChecks", ...issue.path].join(".")} ${describeValue(value)} ${issue.message}`;
  });
}

/** What `ml/validate.py` needs of a schema (its `parse_schema`), as a problem, or undefined. */
function schemaDocumentProblem(document: unknown): string | undefined {
  const record = (value: unknown) =>
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  const schema = record(document);
  if (schema?.version !== 1) return "not a version 1 schema";
  const columns = Array.isArray(schema.columns) ? schema.columns.map(record) : [];
  if (columns.length === 0) return "'columns' must be a non-empty list";
  const names = columns.map((column) => column?.name);
  const unnamed = names.findIndex((name) => typeof name !== "string" || name === "");
  if (unnamed >= 0) return `column ${unnamed + 1} has no name`;
  const untyped = columns.find((column) => !["numeric", "categorical"].includes(String(column?.type)));
  if (untyped) return `column '${String(untyped.name)}' has a type other than numeric or categorical`;
  if (new Set(names).size !== names.length) return "names a column more than once";
  const target = record(schema.target);
  if (!names.includes(target?.name)) return "'target.name' must name one of its columns";
  const classes = target?.classes;
  if (
    !Array.isArray(classes) ||
    classes.length < 2 ||
    !classes.every((name) => typeof name === "string") ||
    new Set(classes).size !== classes.length
  ) {
    return "'target.classes' must be a list of two or more distinct strings";
  }
  return undefined;
}

/**
 * The schema file's problems: missing, not a schema, another target column, or columns that
 * `dataChecks.columnMaxMissing` names and it does not have (validate.py refuses those at run time).
 */
export function schemaFileProblems(file: string, targetColumn: string, checks: DataChecks): string[] {
  // Callers outside TypeScript may leave it out.
  const given = typeof file === "string" && file !== "";
  const write = `python3 ml/validate.py write-schema --data <the model's CSV> --target-column ${targetColumn} --output ${given ? file : "ml/schemas/<model>.json"}`;
  if (!given) {
    return [
      `schemaFile is required: the model's schema, which ValidateData checks the input against; write it with ${write}`,
    ];
  }
  if (!existsSync(file)) {
    return [`schemaFile ${file} not found: write the model's schema from its dataset with ${write}`];
  }
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    // One line: the parser may quote the file's text, line breaks included.
    const reason = (error as Error).message.replace(/\s+/g, " ");
    return [`schemaFile ${file} is not JSON (${reason}): write it with ${write}`];
  }
  const problem = schemaDocumentProblem(document);
  if (problem) return [`schemaFile ${file} is not a model schema (${problem}): write it with ${write}`];
  const schema = document as { columns: { name: string }[]; target: { name: string } };
  const problems: string[] = [];
  if (schema.target.name !== targetColumn) {
    problems.push(
      `schemaFile ${file} has the target column "${schema.target.name}", not targetColumn "${targetColumn}"`,
    );
  }
  const columns = new Set(schema.columns.map((column) => column.name));
  const unknown = Object.keys(checks.columnMaxMissing).filter((name) => !columns.has(name));
  if (unknown.length > 0) {
    problems.push(
      `dataChecks.columnMaxMissing names ${unknown.map((name) => `"${name}"`).join(", ")}, not a column of schemaFile ${file}`,
    );
  }
  return problems;
}

/**
 * Two buckets, the registry, a role SageMaker runs the pipeline's jobs as, uploads, the
 * FindChampion function with its role and log group, and the pipeline; with consumer accounts,
 * the registry's resource policy too; with an alert topic, the rule and target that tell it of
 * failed or stopped runs, with their dead-letter queue, its policy and alarm. The types do not
 * depend on the roles.
 *
 * @param roleArn The role SageMaker runs the pipeline's jobs as.
 * @param functionRoleArn The role of the FindChampion function. @default none: the types alone
 * @param options.alerts Whether runs that fail or are stopped page a topic (`alertTopicArn`).
 *   @default false
 */
export function mlPipelineFootprint(
  roleArn: pulumi.Input<string>,
  consumerAccounts: readonly string[] = [],
  functionRoleArn?: pulumi.Input<string>,
  functionRoleName?: string,
  options: { readonly alerts?: boolean } = {},
): DeployFootprint {
  return combineFootprints(secureBucketFootprint(), {
    types: [
      TYPES.modelPackageGroup,
      ...(consumerAccounts.length > 0 ? [TYPES.modelPackageGroupPolicy] : []),
      TYPES.role,
      TYPES.rolePolicy,
      TYPES.bucketObject,
      TYPES.logGroup,
      TYPES.lambdaFunction,
      TYPES.pipeline,
      ...(options.alerts ? ALERT_RULE_TYPES : []),
    ],
    passedRoles: [
      { service: SAGEMAKER_SERVICE, roleArn },
      ...(functionRoleArn === undefined
        ? []
        : [{ service: LAMBDA_SERVICE, roleArn: functionRoleArn, roleName: functionRoleName }]),
    ],
  });
}

/**
 * Everything one model's build pipeline needs: data and artifact buckets, a least-privilege
 * execution role, the model registry (a model package group), the uploaded scripts and schema,
 * the FindChampion Lambda function and the SageMaker Pipeline ValidateData → CheckData →
 * Preprocess → DriftBaseline ∥ Train, FindChampion → Evaluate → CheckAccuracy, CheckChampion →
 * CheckGates → Register (with `modelMonitorBaseline`, DataQualityBaseline alongside
 * DriftBaseline): data that fails its schema checks trains nothing, and a model is registered only
 * when it reaches the accuracy threshold and is not less accurate than the approved model by more
 * than the margin. Each registered version carries the drift baseline of its training data, which
 * endpoint drift checks compare captured requests with, and with `modelMonitorBaseline` the Model
 * Monitor baseline too. With
 * consumer accounts, stacks of those accounts may serve the registered versions: read the
 * registry, and each version's model and baselines. With an alert topic, each run that fails (at
 * a gate's Fail step or otherwise) or is stopped pages it.
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
    const dataBucket = new SecureBucket(
      `${name}-data`,
      { ...bucketArgs, expireByPrefix: config.dataExpireByPrefix },
      parent,
    );
    const sharing = config.consumerAccounts.length > 0;
    const artifactsBucket = new SecureBucket(
      `${name}-${ARTIFACTS_SUFFIX}`,
      {
        ...bucketArgs,
        // What a registered version points to, under pipelines/, is kept.
        expireByPrefix: {
          [`${ARTIFACT_PREFIXES.checkpoints}/`]: config.checkpointRetentionDays,
          [`${ARTIFACT_PREFIXES.work}/`]: config.pipelineOutputRetentionDays,
        },
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
        assumeRolePolicy: sageMakerAssumeRolePolicy(config.account),
        permissionsBoundary: config.permissionsBoundaryArn,
        tags: config.tags,
      },
      parent,
    );
    // The FindChampion step's function: its role, log group and least-privilege policy first.
    const functionName = `${name}-steps`;
    const functionRole = new aws.iam.Role(
      `${name}-steps-role`,
      {
        // A fixed name: the deploy role may pass exactly this role, before the function exists.
        name: `${name}-steps-role`,
        description: `Finds the approved model that builds of SageMaker pipeline ${name} compare with`,
        assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()),
        permissionsBoundary: config.permissionsBoundaryArn,
        tags: config.tags,
      },
      parent,
    );
    const logGroup = functionLogGroup(
      `${name}-steps-logs`,
      functionName,
      { kmsKeyArn: config.kmsKeyArn, retentionInDays: config.logRetentionDays, tags: config.tags },
      parent,
    );
    const functionPolicy = new aws.iam.RolePolicy(
      `${name}-steps-role-policy`,
      {
        role: functionRole.name,
        policy: pulumi
          .all([
            partition,
            region,
            accountId,
            registry.modelPackageGroupName,
            artifactsBucket.bucketName,
            config.kmsKeyArn,
          ])
          .apply(([p, r, account, group, artifacts, kmsKeyArn]) =>
            JSON.stringify(
              findChampionPolicy({
                partition: p,
                region: r,
                accountId: account,
                functionName,
                modelPackageGroupName: group,
                artifactsBucket: artifacts,
                kmsKeyArn,
              }),
            ),
          ),
      },
      parent,
    );
    const findChampion = new aws.lambda.Function(
      `${name}-steps`,
      {
        name: functionName,
        description: `Finds the approved model that builds of SageMaker pipeline ${name} compare with`,
        role: functionRole.arn,
        ...pythonFunctionArgs(FIND_CHAMPION_FILE, logGroup.name),
        // Two registry calls, or one small S3 write.
        timeout: 60,
        memorySize: 128,
        tags: config.tags,
      },
      // Its permissions and log group exist before the first invocation.
      { parent: this, dependsOn: [functionPolicy, logGroup] },
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
            findChampion.arn,
            images.sklearn.repositoryArn,
            images.xgboost.repositoryArn,
            // In AWS's regions the analyzer is in another registry account than the framework images.
            ...(analyzer ? [analyzer.repositoryArn] : []),
          ])
          .apply(
            ([
              p,
              r,
              account,
              roleArn,
              kmsKeyArn,
              data,
              artifacts,
              group,
              findChampionFunctionArn,
              ...imageRepositories
            ]) =>
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
                  findChampionFunctionArn,
                  ecrRepositoryArns: [...new Set(imageRepositories)],
                  modelMonitorBaseline: config.modelMonitorBaseline,
                  network: config.network,
                }),
              ),
          ),
      },
      parent,
    );

    const upload = (
      file: string,
      bucket: SecureBucket,
      key: string,
      resourceName = `${name}-${path.basename(file).replace(/[^A-Za-z0-9]+/g, "-")}`,
    ) =>
      new aws.s3.BucketObjectv2(
        resourceName,
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
    const uriOf = (object: aws.s3.BucketObjectv2) => pulumi.interpolate`s3://${object.bucket}/${object.key}`;
    const scriptUri = (file: string) => {
      const local = path.join(config.scriptsDir, file);
      return uriOf(upload(local, artifactsBucket, scriptKey(local)));
    };
    const scripts = {
      validate: scriptUri("validate.py"),
      preprocess: scriptUri("preprocess.py"),
      baseline: scriptUri("baseline.py"),
      evaluate: scriptUri("evaluate.py"),
    };
    // Under a key of its content, like the scripts: a changed schema changes the definition.
    const schemaUri = uriOf(
      upload(config.schemaFile, artifactsBucket, scriptKey(config.schemaFile), `${name}-schema`),
    );
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
        pulumi.all([scripts.validate, scripts.preprocess, scripts.baseline, scripts.evaluate]),
        pulumi.all([schemaUri, findChampion.arn, inputDataUri]),
      ])
      .apply(
        ([
          roleArn,
          kmsKeyArn,
          artifacts,
          group,
          [sklearn, xgboost, modelMonitor],
          [validate, preprocess, baseline, evaluate],
          [schema, findChampionFunctionArn, input],
        ]) =>
          JSON.stringify(
            buildPipelineDefinition({
              roleArn,
              kmsKeyArn,
              artifactsBucket: artifacts,
              modelPackageGroupName: group,
              images: { sklearn, xgboost, ...(modelMonitor !== undefined && { modelMonitor }) },
              scripts: { validate, preprocess, baseline, evaluate },
              schemaUri: schema,
              dataChecks: config.dataChecks,
              championMargin: config.championMargin,
              findChampionFunctionArn,
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

    if (config.alertTopicArn !== undefined) {
      const stopped = pulumi
        .all([pipeline.arn, artifactsBucket.bucketName])
        .apply(([pipelineArn, artifacts]) =>
          pipelineStoppedRule({
            pipelineName: name,
            pipelineArn,
            artifactsBucket: artifacts,
            workRetentionDays: config.pipelineOutputRetentionDays,
          }),
        );
      // Named after the model: its alert topic accepts events only from rules with that prefix.
      alertRule(
        pipelineStoppedRuleName(name),
        {
          accountId,
          description: stopped.description,
          eventPattern: stopped.apply((rule) => JSON.stringify(rule.eventPattern)),
          inputPaths: stopped.inputPathsMap,
          inputTemplate: stopped.inputTemplate,
          alertTopicArn: config.alertTopicArn,
          kmsKeyArn: config.kmsKeyArn,
          undeliveredAlarm: pipelineStoppedUndeliveredAlarm(name),
          tags: config.tags,
        },
        this,
      );
    }

    this.footprint = mlPipelineFootprint(
      role.arn,
      config.consumerAccounts,
      functionRole.arn,
      `${name}-steps-role`,
      { alerts: config.alertTopicArn !== undefined },
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
