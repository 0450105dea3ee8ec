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
import { ModelPackageLookupError, describeAwsError } from "./errors";

import { LATEST_APPROVED } from "../components/shared/names";

export { LATEST_APPROVED };

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
   * The Model Monitor data-quality baseline registered with the version, for the endpoint's monitoring
   * schedule; absent when the version has none (see {@link dataQualityBaselineOf}).
   */
  readonly dataQualityBaseline?: DataQualityBaseline;
}

/** A Model Monitor data-quality baseline: the statistics and constraints files a monitoring job compares with. */
export interface DataQualityBaseline {
  /** S3 URI of the baseline statistics (statistics.json). */
  readonly statisticsUri: string;
  /** S3 URI of the baseline constraints (constraints.json). */
  readonly constraintsUri: string;
  /** Which part of the package it came from. */
  readonly source: "DriftCheckBaselines" | "ModelMetrics";
}

/** One inference container of a {@link DeployablePackage}. */
export interface DeployableContainer {
  readonly image: string;
  readonly modelDataUrl?: string;
}

/**
 * The data-quality baseline of a model package version, from its DescribeModelPackage response.
 *
 * - `DriftCheckBaselines.ModelDataQuality` when it has both statistics and constraints: it is the baseline
 *   the version was registered with for drift checks, which may deliberately differ from the one computed on
 *   its own training data (for example when an earlier baseline is kept).
 * - otherwise `ModelMetrics.ModelDataQuality` when it has both: the baseline calculated from the version's
 *   training data.
 * - otherwise undefined: the version was registered before baselines were produced, or by another tool.
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
    const statisticsUri = s3UriOf(quality?.Statistics);
    const constraintsUri = s3UriOf(quality?.Constraints);
    if (statisticsUri !== undefined && constraintsUri !== undefined) {
      return { statisticsUri, constraintsUri, source };
    }
  }
  return undefined;
}

/** The S3 URI of a metrics file; undefined when missing or empty, as no job could read it. */
function s3UriOf(metrics: MetricsSource | undefined): string | undefined {
  const uri = metrics?.S3Uri;
  return uri === undefined || uri === "" ? undefined : uri;
}

/** What {@link resolveModelPackage} looks up for one endpoint. */
export interface ModelPackageRequest {
  /** The model package group the endpoint serves from. */
  readonly groupName: string;
  /** {@link LATEST_APPROVED} or a model package ARN. */
  readonly modelPackage: string;
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
  yield* listApproved(client, groupName, pageSize, groupWhat(groupName));
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
  return latestApproved(client, groupName, groupWhat(groupName));
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
  return describe(client, arn, `model package ${arn}`);
}

/**
 * What an endpoint should serve.
 *
 * - `"latest-approved"`: the newest approved version of the group, described; undefined when there is none
 *   yet (first deploy), so that the caller can skip the endpoint.
 * - a model package ARN: that version, described; it must be Approved, so that pinning cannot put a
 *   rejected or unreviewed model in front of traffic.
 *
 * @throws ModelPackageLookupError naming `configPath` when the look-up fails or a pinned version is not
 *   approved.
 */
export async function resolveModelPackage(
  client: SageMakerClient,
  request: ModelPackageRequest,
): Promise<DeployablePackage | undefined> {
  const { groupName, modelPackage, configPath } = request;
  if (modelPackage === LATEST_APPROVED) {
    const arn = await latestApproved(client, groupName, `${groupWhat(groupName)} (${configPath})`);
    return arn === undefined ? undefined : describe(client, arn, `model package ${arn} (${configPath})`);
  }
  const pinned = await describe(client, modelPackage, `model package ${modelPackage} (${configPath})`);
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

async function* listApproved(
  client: SageMakerClient,
  groupName: string,
  pageSize: number,
  what: string,
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
    throw lookupError(error, what);
  }
}

async function latestApproved(
  client: SageMakerClient,
  groupName: string,
  what: string,
): Promise<string | undefined> {
  try {
    // Only the newest is needed, but the page stays large: if AWS filters after taking a page, small pages
    // would mean one request per unapproved version in front of the newest approved one.
    for await (const summary of listApproved(client, groupName, 100, what)) {
      return summary.ModelPackageArn;
    }
    return undefined;
  } catch (error) {
    // A group that does not exist yet is the first deploy, not an error: nothing to serve yet.
    if (error instanceof ModelPackageLookupError && isNotFound(error.cause)) {
      return undefined;
    }
    throw error;
  }
}

async function describe(client: SageMakerClient, arn: string, what: string): Promise<DeployablePackage> {
  let output: DescribeModelPackageCommandOutput;
  try {
    output = await client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
  } catch (error) {
    if (isNotFound(error)) {
      throw new ModelPackageLookupError(
        `Could not read ${what}: it does not exist (${errorName(error)}: ${errorMessage(error)}). ` +
          `Check the ARN, or use "${LATEST_APPROVED}".`,
        { cause: error },
      );
    }
    throw lookupError(error, what);
  }
  return toDeployable(output, what);
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
  const dataQualityBaseline = dataQualityBaselineOf(output);
  return {
    arn: output.ModelPackageArn,
    groupName: output.ModelPackageGroupName,
    version: output.ModelPackageVersion,
    approvalStatus: output.ModelApprovalStatus ?? "without approval status",
    containers,
    // Left out when there is none, like modelDataUrl above.
    ...(dataQualityBaseline === undefined ? {} : { dataQualityBaseline }),
  };
}

function noContainerImage(what: string): ModelPackageLookupError {
  return new ModelPackageLookupError(
    `Could not read ${what}: it has no inference container image (InferenceSpecification.Containers), ` +
      "so an endpoint cannot serve it; register the model with an inference specification.",
  );
}

function lookupError(error: unknown, what: string): ModelPackageLookupError {
  // Errors from an inner look-up already have their message.
  return error instanceof ModelPackageLookupError
    ? error
    : new ModelPackageLookupError(describeAwsError(error, what), { cause: error });
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
