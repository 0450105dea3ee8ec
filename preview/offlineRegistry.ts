import type { PackageResolver } from "../registry/endpointPackages";
import { LATEST_APPROVED, type DeployablePackage } from "../registry/modelPackages";
import { MODEL_PACKAGE_ARN_PATTERN } from "../components/shared/names";
import type { MockAccount } from "./mocks";

/** The image a model version of the built-in pipeline serves: XGBoost, from AWS's prebuilt registry. */
const XGBOOST = (region: string) => `683313688378.dkr.ecr.${region}.amazonaws.com/sagemaker-xgboost:1.7-1`;

export interface OfflineRegistryOptions extends MockAccount {
  /** Model package ARN to serve per model package group (from `--model-package`), instead of version 1. */
  readonly packages: ReadonlyMap<string, string>;
}

/**
 * Stands in for the model registry when there is no AWS account: a model's endpoint serves the
 * version given for its group, a pinned ARN from config, or else version 1 of its group. Each stand-in
 * is the package the pipeline would register (XGBoost, with its artifacts and data-quality baseline),
 * and approved. `notes` says, for a person to read, what was assumed.
 */
export function offlineResolver(options: OfflineRegistryOptions): {
  resolve: PackageResolver;
  notes: string[];
} {
  const notes: string[] = [];
  const resolve: PackageResolver = async ({ groupName, modelPackage, configPath }) => {
    const given = options.packages.get(groupName);
    const arn =
      modelPackage !== LATEST_APPROVED
        ? modelPackage
        : (given ?? `arn:aws:sagemaker:${options.region}:${options.accountId}:model-package/${groupName}/1`);
    const how =
      modelPackage !== LATEST_APPROVED
        ? "pinned in the stack file, taken as approved"
        : given
          ? "given with --model-package"
          : `assumed for "${LATEST_APPROVED}"; pass --model-package ${groupName}=<ARN> to choose`;
    notes.push(`${configPath}: ${arn} (${how})`);
    return standInPackage(arn, options.region);
  };
  return { resolve, notes };
}

/** A model package as the pipeline registers it, for an ARN `.../model-package/<group>/<version>`. */
export function standInPackage(arn: string, region: string): DeployablePackage {
  const [, groupName = "", version = "1"] = /model-package\/([^/]+)\/(\d+)$/.exec(arn) ?? [];
  const run = `s3://${groupName}-artifacts/pipelines/offline-v${version}`;
  return {
    arn,
    groupName,
    version: Number(version),
    approvalStatus: "Approved",
    containers: [{ image: XGBOOST(region), modelDataUrl: `${run}/Train/model/model.tar.gz` }],
    dataQualityBaseline: {
      statisticsUri: `${run}/DataQualityBaseline/baseline/statistics.json`,
      constraintsUri: `${run}/DataQualityBaseline/baseline/constraints.json`,
      source: "DriftCheckBaselines",
    },
  };
}

/** Parses `--model-package <group or model>=<ARN>` values; the group is `<namePrefix>-<model>`. */
export function parseModelPackages(
  values: readonly string[],
  groupOf: (model: string) => string,
): { packages: Map<string, string>; problems: string[] } {
  const packages = new Map<string, string>();
  const problems: string[] = [];
  for (const value of values) {
    const [model, arn] = [value.slice(0, value.indexOf("=")), value.slice(value.indexOf("=") + 1)];
    if (!value.includes("=") || model === "" || !MODEL_PACKAGE_ARN_PATTERN.test(arn)) {
      problems.push(
        `--model-package "${value}": expected <model>=<versioned model package ARN>, e.g. diagnosis=arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-staging-diagnosis/3`,
      );
      continue;
    }
    packages.set(groupOf(model), arn);
  }
  return { packages, problems };
}
