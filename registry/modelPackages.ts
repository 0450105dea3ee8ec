import {
  DescribeModelPackageCommand,
  ModelApprovalStatus,
  ModelPackageSortBy,
  SortOrder,
  paginateListModelPackages,
  type DescribeModelPackageCommandOutput,
  type MetricsSource,
  type ModelPackageSummary,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { ModelPackageLookupError, describeAwsError, sharedRegistryAccessFix } from "./errors";
import { DRIFT_BASELINE_CONTENT_TYPE } from "../components/pipeline/definition";

import {
  LATEST_APPROVED,
  LATEST_VERIFIED,
  LIFECYCLE_STATUS,
  lifecycleMetadataKey,
} from "../components/shared/names";

export { LATEST_APPROVED, LATEST_VERIFIED };

/**
 * How many approved versions `latest-verified` describes at most, newest first, looking for one that the
 * environment verified. Each is a DescribeModelPackage request; a stage verifies far fewer versions than
 * a pipeline approves only when promotion has stopped, which the skip message then says.
 */
export const MAX_VERIFIED_CANDIDATES = 100;

/** A model package version as an endpoint needs it. */
export interface DeployablePackage {
  /** ModelPackageArn. */
  readonly arn: string;
  /** ModelPackageGroupName. */
  readonly groupName: string;
  /** ModelPackageVersion. */
  readonly version: number | undefined;
  /** ModelApprovalStatus, e.g. "Approved". */
  readonly approvalStatus: string;
  /** InferenceSpecification.Containers. */
  readonly containers: readonly DeployableContainer[];
  /**
   * The drift baseline (drift_baseline.json) registered with the version, for the endpoint's drift
   * check; absent when the version has none (see {@link driftBaselineOf}).
   */
  readonly driftBaseline?: DriftBaselineFile;
  /**
   * The Model Monitor data-quality baseline registered with the version, for the endpoint's monitoring
   * schedule; absent when the version has none (see {@link dataQualityBaselineOf}).
   */
  readonly dataQualityBaseline?: DataQualityBaseline;
  /** ModelLifeCycle: the latest stage `npm run ops -- promote` recorded; absent when none was. */
  readonly lifecycle?: PackageLifecycle;
  /**
   * The status of each stage the version was promoted to, from the `lifecycle:<stage>` keys of its
   * CustomerMetadataProperties, by stage: unlike {@link lifecycle}, a later stage does not overwrite an
   * earlier one. Absent when the version has no such key.
   */
  readonly stageStatuses?: Readonly<Record<string, string>>;
}

/** SageMaker's ModelLifeCycle of a model package version. */
export interface PackageLifecycle {
  /** Stage, e.g. "staging": the environment of the stack that promoted it. */
  readonly stage: string;
  /** StageStatus, e.g. "Verified". */
  readonly stageStatus: string;
  /** StageDescription, e.g. the URL of the workflow run that verified it. */
  readonly stageDescription?: string;
}

/** Where a version's verification in a stage is recorded; see {@link verificationIn}. */
export type VerificationRecord = "ModelLifeCycle" | "CustomerMetadataProperties";

/**
 * Whether a version was verified in `stage` (an environment, `models[].source.verifiedIn`), and where that
 * is recorded: its ModelLifeCycle says Stage `stage` and StageStatus Verified, or, once a later stage
 * took the lifecycle over, its `lifecycle:<stage>` metadata key says Verified.
 *
 * @returns undefined when neither does.
 */
export function verificationIn(
  version: Pick<DeployablePackage, "lifecycle" | "stageStatuses">,
  stage: string,
): VerificationRecord | undefined {
  const { lifecycle, stageStatuses } = version;
  if (lifecycle?.stage === stage && lifecycle.stageStatus === LIFECYCLE_STATUS.verified) {
    return "ModelLifeCycle";
  }
  return stageStatuses?.[stage] === LIFECYCLE_STATUS.verified ? "CustomerMetadataProperties" : undefined;
}

/**
 * `latest-verified` found no verified version among the {@link MAX_VERIFIED_CANDIDATES} newest approved
 * ones, and did not look at older ones.
 */
export interface VerifiedSearchStopped {
  readonly arn?: undefined;
  /** How many approved versions were described. */
  readonly examined: number;
}

/** What {@link resolveModelPackage} finds: a version, nothing yet (undefined), or a search cut short. */
export type PackageLookup = DeployablePackage | VerifiedSearchStopped | undefined;

/** A Model Monitor data-quality baseline: the statistics and constraints files a monitoring job compares with. */
export interface DataQualityBaseline {
  /** S3 URI of the baseline statistics (statistics.json). */
  readonly statisticsUri: string;
  /** S3 URI of the baseline constraints (constraints.json). */
  readonly constraintsUri: string;
  /** Which part of the package it came from. */
  readonly source: "DriftCheckBaselines" | "ModelMetrics";
}

/** The drift baseline a version was registered with: what `ml/drift_check.py` compares traffic with. */
export interface DriftBaselineFile {
  /** S3 URI of drift_baseline.json. */
  readonly uri: string;
}

/** One inference container of a {@link DeployablePackage}. */
export interface DeployableContainer {
  readonly image: string;
  readonly modelDataUrl?: string;
}

/**
 * The drift baseline of a model package version, from its DescribeModelPackage response:
 * `ModelMetrics.ModelDataQuality.Statistics` when its content type is {@link DRIFT_BASELINE_CONTENT_TYPE},
 * as the pipeline's Register step records drift_baseline.json; otherwise undefined (a version registered
 * before the DriftBaseline step, or by another tool, whose statistics there are Model Monitor's).
 */
export function driftBaselineOf(
  response: Pick<DescribeModelPackageCommandOutput, "ModelMetrics">,
): DriftBaselineFile | undefined {
  const statistics = response.ModelMetrics?.ModelDataQuality?.Statistics;
  const uri = isDriftBaseline(statistics) ? s3UriOf(statistics) : undefined;
  return uri === undefined ? undefined : { uri };
}

/**
 * The Model Monitor data-quality baseline of a model package version, from its DescribeModelPackage response.
 *
 * - `DriftCheckBaselines.ModelDataQuality` when it has both statistics and constraints: it is the baseline
 *   the version was registered with for Model Monitor, which may deliberately differ from the one computed
 *   on its own training data (for example when an earlier baseline is kept).
 * - otherwise `ModelMetrics.ModelDataQuality` when it has both and its statistics are not a drift baseline
 *   ({@link driftBaselineOf}): the baseline calculated from the training data of a version registered before
 *   the pipeline kept its drift baseline there.
 * - otherwise undefined: the version was built without the DataQualityBaseline step, registered before
 *   baselines were produced, or by another tool.
 *
 * A half baseline (statistics without constraints or the reverse) counts as none, because a Model Monitor
 * data-quality job needs both files. Halves of the two sources are not combined either: the statistics of
 * one baseline and the constraints of another may describe different data.
 */
export function dataQualityBaselineOf(
  response: Pick<DescribeModelPackageCommandOutput, "DriftCheckBaselines" | "ModelMetrics">,
): DataQualityBaseline | undefined {
  const candidates = [
    ["DriftCheckBaselines", response.DriftCheckBaselines?.ModelDataQuality],
    ["ModelMetrics", response.ModelMetrics?.ModelDataQuality],
  ] as const;
  for (const [source, quality] of candidates) {
    // A drift baseline is no Model Monitor statistics file, whatever sits beside it.
    if (isDriftBaseline(quality?.Statistics)) continue;
    const statisticsUri = s3UriOf(quality?.Statistics);
    const constraintsUri = s3UriOf(quality?.Constraints);
    if (statisticsUri !== undefined && constraintsUri !== undefined) {
      return { statisticsUri, constraintsUri, source };
    }
  }
  return undefined;
}

function isDriftBaseline(metrics: MetricsSource | undefined): boolean {
  return metrics?.ContentType === DRIFT_BASELINE_CONTENT_TYPE;
}

/** The S3 URI of a metrics file; undefined when missing or empty, as no job could read it. */
function s3UriOf(metrics: MetricsSource | undefined): string | undefined {
  const uri = metrics?.S3Uri;
  return uri === undefined || uri === "" ? undefined : uri;
}

/** What {@link resolveModelPackage} looks up for one endpoint. */
export interface ModelPackageRequest {
  /**
   * The model package group the endpoint serves from: its name, for the stack's own registry, or its ARN,
   * for another stack's (`models[].source.modelPackageGroupArn`), possibly in another account.
   * ListModelPackages' ModelPackageGroupName takes either (the API reference's pattern:
   * `(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z\-]*\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)$`).
   */
  readonly groupName: string;
  /** {@link LATEST_APPROVED}, {@link LATEST_VERIFIED} or a model package ARN. */
  readonly modelPackage: string;
  /**
   * The environment whose verification counts (`models[].source.verifiedIn`); required for
   * {@link LATEST_VERIFIED}, ignored otherwise.
   */
  readonly verifiedIn?: string;
  /** Where `modelPackage` is set, e.g. `models[0].endpoint.modelPackage`, for error messages. */
  readonly configPath: string;
}

/**
 * Approved versions of a group, newest first (SortBy CreationTime, SortOrder Descending, ModelApprovalStatus
 * Approved), following NextToken across pages.
 *
 * Empty pages are skipped rather than taken as the end: when filtering, AWS may return an empty page that
 * still has a NextToken. For a group that does not exist, SageMaker may answer with an empty list or with an
 * error; {@link latestApprovedPackageArn} treats both as "no version yet".
 *
 * @param pageSize MaxResults per ListModelPackages request (1–100).
 * @throws ModelPackageLookupError when a request fails.
 */
export async function* approvedPackagesNewestFirst(
  client: SageMakerClient,
  groupName: string,
  pageSize = 100,
): AsyncGenerator<ModelPackageSummary> {
  yield* listApproved(client, groupName, pageSize, { what: groupWhat(groupName) });
}

/**
 * ARN of the newest approved version of a group.
 *
 * @returns undefined when the group has no approved version or does not exist yet (first deploy).
 * @throws ModelPackageLookupError when the look-up fails for another reason.
 */
export async function latestApprovedPackageArn(
  client: SageMakerClient,
  groupName: string,
): Promise<string | undefined> {
  return latestApproved(client, groupName, { what: groupWhat(groupName) });
}

/**
 * Describes one model package version (DescribeModelPackage) as a {@link DeployablePackage}.
 *
 * @param arn a model package ARN.
 * @throws ModelPackageLookupError when the package does not exist, has no inference containers or the
 *   request fails.
 */
export async function describeDeployablePackage(
  client: SageMakerClient,
  arn: string,
): Promise<DeployablePackage> {
  return describe(client, arn, { what: `model package ${arn}` });
}

/**
 * What an endpoint should serve.
 *
 * - `"latest-approved"`: the newest approved version of the group, described; undefined when there is none
 *   yet (first deploy), so that the caller can skip the endpoint.
 * - `"latest-verified"`: the newest approved version that `verifiedIn` verified ({@link verificationIn});
 *   undefined when none is yet or the group does not exist yet, {@link VerifiedSearchStopped} when none of
 *   the {@link MAX_VERIFIED_CANDIDATES} newest approved versions is.
 * - a model package ARN: that version, described; it must be Approved, so that pinning cannot put a
 *   rejected or unreviewed model in front of traffic.
 *
 * A group given by ARN is another stack's registry: when reading it is denied, the message says how that
 * stack shares it ({@link sharedRegistryAccessFix}).
 *
 * @throws ModelPackageLookupError naming `configPath` when the look-up fails or a pinned version is not
 *   approved.
 */
export async function resolveModelPackage(
  client: SageMakerClient,
  request: ModelPackageRequest,
): Promise<PackageLookup> {
  const { groupName, modelPackage, configPath } = request;
  const accessFix = sharedRegistryAccessFix(groupName);
  const groupRead = { what: `${groupWhat(groupName)} (${configPath})`, accessFix };
  const versionRead = (arn: string) => ({ what: `model package ${arn} (${configPath})`, accessFix });
  if (modelPackage === LATEST_APPROVED) {
    const arn = await latestApproved(client, groupName, groupRead);
    return arn === undefined ? undefined : describe(client, arn, versionRead(arn));
  }
  if (modelPackage === LATEST_VERIFIED) {
    if (request.verifiedIn === undefined) {
      // The stack config refuses this (source.verifiedIn is required with it); a guard for other callers.
      throw new ModelPackageLookupError(
        `${configPath} is "${LATEST_VERIFIED}" without the environment whose verification counts; ` +
          "set source.verifiedIn (e.g. staging).",
      );
    }
    return latestVerified(client, groupName, request.verifiedIn, groupRead, versionRead);
  }
  const pinned = await describe(client, modelPackage, versionRead(modelPackage));
  if (pinned.approvalStatus !== ModelApprovalStatus.APPROVED) {
    throw new ModelPackageLookupError(
      `Model package ${pinned.arn} (${configPath}) is ${pinned.approvalStatus}, not Approved; ` +
        `approve it in the model registry or pin an approved version (or use "${LATEST_APPROVED}").`,
    );
  }
  return pinned;
}

function groupWhat(groupName: string): string {
  return `model packages of group "${groupName}"`;
}

/** What a request reads, for its error messages, and what to do when access is denied (own registry: the default). */
interface Read {
  readonly what: string;
  readonly accessFix?: string;
}

async function* listApproved(
  client: SageMakerClient,
  groupName: string,
  pageSize: number,
  read: Read,
): AsyncGenerator<ModelPackageSummary> {
  const pages = paginateListModelPackages(
    { client, pageSize },
    {
      ModelPackageGroupName: groupName,
      ModelApprovalStatus: ModelApprovalStatus.APPROVED,
      SortBy: ModelPackageSortBy.CREATION_TIME,
      SortOrder: SortOrder.DESCENDING,
    },
  );
  try {
    for await (const page of pages) {
      // The paginator only stops when NextToken is absent, so an empty page with a token is skipped here.
      yield* page.ModelPackageSummaryList ?? [];
    }
  } catch (error) {
    throw lookupError(error, read);
  }
}

async function latestApproved(
  client: SageMakerClient,
  groupName: string,
  read: Read,
): Promise<string | undefined> {
  try {
    // Only the newest is needed, but the page stays large: if AWS filters after taking a page, small pages
    // would mean one request per unapproved version in front of the newest approved one.
    for await (const summary of listApproved(client, groupName, 100, read)) {
      return summary.ModelPackageArn;
    }
    return undefined;
  } catch (error) {
    // A group that does not exist yet is the first deploy, not an error: nothing to serve yet.
    if (isMissingGroup(error)) {
      return undefined;
    }
    throw error;
  }
}

/**
 * The newest approved version that `stage` verified, described.
 *
 * ListModelPackages cannot filter on the lifecycle, and its summaries cannot decide it either:
 * ModelPackageSummary (@aws-sdk/client-sagemaker 3.1142, as in the API reference) has ModelLifeCycle,
 * which holds the latest stage only, but not CustomerMetadataProperties, where an earlier stage's status
 * stays once a later stage took the lifecycle over (prod promoted after staging verified). So every
 * approved version is described (DescribeModelPackage has both), newest first, until one is verified,
 * at most {@link MAX_VERIFIED_CANDIDATES} of them.
 */
async function latestVerified(
  client: SageMakerClient,
  groupName: string,
  stage: string,
  groupRead: Read,
  versionRead: (arn: string) => Read,
): Promise<PackageLookup> {
  const versions = listApproved(client, groupName, 100, groupRead);
  let examined = 0;
  try {
    for (;;) {
      let next: IteratorResult<ModelPackageSummary>;
      try {
        next = await versions.next();
      } catch (error) {
        // As for latest-approved: a group that does not exist yet has nothing verified yet.
        if (isMissingGroup(error)) return undefined;
        throw error;
      }
      if (next.done === true) return undefined;
      if (examined === MAX_VERIFIED_CANDIDATES) return { examined };
      examined++;
      const arn = next.value.ModelPackageArn ?? "";
      const read = versionRead(arn);
      const output = await describeOutput(client, arn, read);
      if (verificationIn(lifecycleOf(output), stage) !== undefined) return toDeployable(output, read.what);
    }
  } finally {
    // Stops the listing when a version was found before its last page.
    await versions.return(undefined);
  }
}

function isMissingGroup(error: unknown): boolean {
  return error instanceof ModelPackageLookupError && isNotFound(error.cause);
}

async function describe(client: SageMakerClient, arn: string, read: Read): Promise<DeployablePackage> {
  return toDeployable(await describeOutput(client, arn, read), read.what);
}

async function describeOutput(
  client: SageMakerClient,
  arn: string,
  read: Read,
): Promise<DescribeModelPackageCommandOutput> {
  try {
    return await client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
  } catch (error) {
    if (isNotFound(error)) {
      throw new ModelPackageLookupError(
        `Could not read ${read.what}: it does not exist (${errorName(error)}: ${errorMessage(error)}). ` +
          `Check the ARN, or use "${LATEST_APPROVED}".`,
        { cause: error },
      );
    }
    throw lookupError(error, read);
  }
}

/** The lifecycle a DescribeModelPackage response records, as a {@link DeployablePackage} has it. */
function lifecycleOf(
  output: Pick<DescribeModelPackageCommandOutput, "ModelLifeCycle" | "CustomerMetadataProperties">,
): Pick<DeployablePackage, "lifecycle" | "stageStatuses"> {
  const { ModelLifeCycle: cycle, CustomerMetadataProperties: metadata = {} } = output;
  const prefix = lifecycleMetadataKey("");
  const statuses = Object.entries(metadata)
    .filter(([key]) => key.startsWith(prefix) && key.length > prefix.length)
    .map(([key, value]) => [key.slice(prefix.length), value] as const);
  return {
    // Left out when absent, so that the result compares equal to a literal without the key.
    ...(cycle?.Stage === undefined || cycle.StageStatus === undefined
      ? {}
      : {
          lifecycle: {
            stage: cycle.Stage,
            stageStatus: cycle.StageStatus,
            ...(cycle.StageDescription === undefined || cycle.StageDescription === ""
              ? {}
              : { stageDescription: cycle.StageDescription }),
          },
        }),
    ...(statuses.length === 0 ? {} : { stageStatuses: Object.fromEntries(statuses) }),
  };
}

function toDeployable(output: DescribeModelPackageCommandOutput, what: string): DeployablePackage {
  if (output.ModelPackageArn === undefined || output.ModelPackageGroupName === undefined) {
    throw new ModelPackageLookupError(
      `Could not read ${what}: it is not a versioned model package of a model package group; ` +
        "pin a version from the group's model registry.",
    );
  }
  const containers: DeployableContainer[] = [];
  for (const container of output.InferenceSpecification?.Containers ?? []) {
    if (container.Image === undefined) {
      throw noContainerImage(what);
    }
    containers.push({
      image: container.Image,
      // Left out rather than undefined, so that the result compares equal to a literal without the key.
      ...(container.ModelDataUrl === undefined ? {} : { modelDataUrl: container.ModelDataUrl }),
    });
  }
  if (containers.length === 0) {
    throw noContainerImage(what);
  }
  const driftBaseline = driftBaselineOf(output);
  const dataQualityBaseline = dataQualityBaselineOf(output);
  return {
    arn: output.ModelPackageArn,
    groupName: output.ModelPackageGroupName,
    version: output.ModelPackageVersion,
    approvalStatus: output.ModelApprovalStatus ?? "without approval status",
    containers,
    // Left out when there is none, like modelDataUrl above.
    ...(driftBaseline === undefined ? {} : { driftBaseline }),
    ...(dataQualityBaseline === undefined ? {} : { dataQualityBaseline }),
    ...lifecycleOf(output),
  };
}

function noContainerImage(what: string): ModelPackageLookupError {
  return new ModelPackageLookupError(
    `Could not read ${what}: it has no inference container image (InferenceSpecification.Containers), ` +
      "so an endpoint cannot serve it; register the model with an inference specification.",
  );
}

function lookupError(error: unknown, read: Read): ModelPackageLookupError {
  // Errors from an inner look-up already have their message.
  return error instanceof ModelPackageLookupError
    ? error
    : new ModelPackageLookupError(describeAwsError(error, read.what, undefined, read.accessFix), {
        cause: error,
      });
}

function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  return (
    name === "ResourceNotFound" ||
    name === "ResourceNotFoundException" ||
    (name === "ValidationException" && /does not exist|not found/i.test(errorMessage(error)))
  );
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "Error";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
}
