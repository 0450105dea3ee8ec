import type { PackageResolver } from "../registry/endpointPackages";
import type { DeployablePackage } from "../registry/modelPackages";
import { DRIFT_BASELINE, STEPS } from "../components/pipeline/definition";
import { groupArnOfPackage, groupArnParts } from "../components/promotion/settings";
import { LIFECYCLE_STATUS, MODEL_PACKAGE_ARN_PATTERN } from "../components/shared/names";
import { autoNameOf, type MockAccount } from "./mocks";

/** The image a model version of the built-in pipeline serves: XGBoost, from AWS's prebuilt registry. */
const XGBOOST = (region: string) => `683313688378.dkr.ecr.${region}.amazonaws.com/sagemaker-xgboost:1.7-1`;

export interface OfflineRegistryOptions extends MockAccount {
  /**
   * Model package ARN to serve per model package group (from `--model-package`), instead of version 1;
   * keyed like the requests' `groupName`: the group's name, or its ARN for a served model.
   */
  readonly packages: ReadonlyMap<string, string>;
  /**
   * The model of each model package group (`<namePrefix>-<model>`, or a served model's source group
   * ARN, to `<model>`), for the notes' `--model-package <model>=<ARN>`; {@link modelsByGroup} makes it.
   * @default `<model>` in the notes
   */
  readonly models?: ReadonlyMap<string, string>;
  /**
   * Takes the registry as empty, as on a first deploy (`--empty-registry`): `latest-approved` and
   * `latest-verified` find no version, so that their endpoints are skipped; pinned versions still resolve.
   * @default false
   */
  readonly emptyRegistry?: boolean;
}

/**
 * Stands in for the model registry when there is no AWS account: a model's endpoint serves the
 * version given for its group, a pinned ARN from config, or else version 1 of its group (for a served
 * model, of its source group, in the source's account). Each stand-in is the package the pipeline would
 * register (XGBoost, with its artifacts, drift baseline and Model Monitor baseline), and approved; a
 * served model's is also taken as verified in `verifiedIn`. With `emptyRegistry`, only pinned versions
 * are found.
 * `notes` says, for a person to read, what was assumed.
 */
export function offlineResolver(options: OfflineRegistryOptions): {
  resolve: PackageResolver;
  notes: string[];
} {
  const notes: string[] = [];
  const resolve: PackageResolver = async ({ groupName, modelPackage, configPath, verifiedIn }) => {
    const pinned = MODEL_PACKAGE_ARN_PATTERN.test(modelPackage);
    const source = groupArnParts(groupName);
    if (!pinned && options.emptyRegistry === true) {
      notes.push(
        `${configPath}: no version ("${modelPackage}" of ${groupName} finds none: the registry is taken as empty, ` +
          "as on a first deploy, with --empty-registry)",
      );
      return undefined;
    }
    const given = options.packages.get(groupName);
    const versionOne = source
      ? `arn:${source.partition}:sagemaker:${source.region}:${source.accountId}:model-package/${source.groupName}/1`
      : `arn:aws:sagemaker:${options.region}:${options.accountId}:model-package/${groupName}/1`;
    const arn = pinned ? modelPackage : (given ?? versionOne);
    // A served model's package stands for one the stack that builds it promoted.
    const verified = source !== undefined && verifiedIn !== undefined ? verifiedIn : undefined;
    const taken = verified === undefined ? "" : `, taken as verified in ${verified}`;
    const choose = `pass --model-package ${options.models?.get(groupName) ?? "<model>"}=<ARN> to choose`;
    const how = pinned
      ? `pinned in the stack file, taken as approved${verified === undefined ? "" : ` and verified in ${verified}`}`
      : given
        ? `given with --model-package${taken}`
        : source
          ? `assumed for "${modelPackage}": version 1 of ${groupName}${taken}; ${choose}`
          : `assumed for "${modelPackage}"; ${choose}`;
    notes.push(`${configPath}: ${arn} (${how})`);
    const stand = standInPackage(arn, options.region);
    return verified === undefined
      ? stand
      : { ...stand, lifecycle: { stage: verified, stageStatus: LIFECYCLE_STATUS.verified } };
  };
  return { resolve, notes };
}

/**
 * A model package as the pipeline registers it, for an ARN `.../model-package/<group>/<version>`:
 * its artifacts and baselines in the artifacts bucket of the group's pipeline, as the stack names it
 * (the SecureBucket `<group>-artifacts` of components/pipeline/mlPipeline.ts, auto-named), so that
 * the plan's IAM documents name a bucket the stack creates. It has both baselines, the drift check's
 * and Model Monitor's (as built with `pipeline.modelMonitorBaseline`), so that either engine's
 * monitoring can be planned.
 */
export function standInPackage(arn: string, region: string): DeployablePackage {
  const [, groupName = "", version = "1"] = /model-package\/([^/]+)\/(\d+)$/.exec(arn) ?? [];
  const run = `s3://${autoNameOf(`${groupName}-artifacts`)}/pipelines/offline-v${version}`;
  return {
    arn,
    groupName,
    version: Number(version),
    approvalStatus: "Approved",
    containers: [{ image: XGBOOST(region), modelDataUrl: `${run}/Train/model/model.tar.gz` }],
    driftBaseline: {
      uri: `${run}/${STEPS.driftBaseline}/${DRIFT_BASELINE.outputName}/${DRIFT_BASELINE.fileName}`,
    },
    dataQualityBaseline: {
      statisticsUri: `${run}/DataQualityBaseline/baseline/statistics.json`,
      constraintsUri: `${run}/DataQualityBaseline/baseline/constraints.json`,
      source: "DriftCheckBaselines",
    },
  };
}

/** The stack's models, the name prefix of their model package groups, and the source group of served ones. */
export interface StackModels {
  readonly namePrefix: string;
  readonly models: readonly {
    readonly name: string;
    /** A served model's: the other stack's group it is served from. */
    readonly source?: { readonly modelPackageGroupArn: string };
  }[];
}

/**
 * Each model's package group, keyed by the group as the model's look-ups name it: `<namePrefix>-<model>`,
 * or a served model's source group ARN. The `models` of OfflineRegistryOptions.
 */
export function modelsByGroup(stack: StackModels): Map<string, string> {
  return new Map(
    stack.models.map((model) => [
      model.source?.modelPackageGroupArn ?? `${stack.namePrefix}-${model.name}`,
      model.name,
    ]),
  );
}

const EXAMPLE = "diagnosis=arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-staging-diagnosis/3";

/**
 * Parses `--model-package <model>=<ARN>` values, keyed by the model's name in the stack file
 * (`models[].name`): the package to serve for that model, a versioned package of its own group
 * (`<namePrefix>-<model>`), or, for a served model, of its source group (`source.modelPackageGroupArn`:
 * same name, account, region and partition). Returns the packages by group (as {@link modelsByGroup}
 * keys them), and one line per value that is refused: a malformed value, a model the stack does not
 * have, or a package of another group.
 */
export function parseModelPackages(
  values: readonly string[],
  stack: StackModels,
): { packages: Map<string, string>; problems: string[] } {
  const packages = new Map<string, string>();
  const problems: string[] = [];
  const groups = modelsByGroup(stack);
  const groupOfModel = new Map([...groups].map(([group, model]) => [model, group]));
  const listed = () => (groupOfModel.size > 0 ? [...groupOfModel.keys()].join(", ") : "none");
  for (const value of values) {
    const [model, arn] = [value.slice(0, value.indexOf("=")), value.slice(value.indexOf("=") + 1)];
    if (!value.includes("=") || model === "" || !MODEL_PACKAGE_ARN_PATTERN.test(arn)) {
      problems.push(
        `--model-package "${value}": expected <model>=<versioned model package ARN>, e.g. ${EXAMPLE}`,
      );
      continue;
    }
    const group = groupOfModel.get(model);
    if (group === undefined) {
      const hint = groups.has(model) ? ` (that is the group of model "${groups.get(model)}")` : "";
      problems.push(
        `--model-package "${value}": the stack has no model "${model}"${hint} (models: ${listed()})`,
      );
      continue;
    }
    const packageGroup = /model-package\/([^/]+)\/\d+$/.exec(arn)?.[1] ?? "";
    const packageGroupArn = groupArnOfPackage(arn) ?? "";
    const served = groupArnParts(group) !== undefined;
    if (served ? packageGroupArn !== group : packageGroup !== group) {
      const owner = groups.get(packageGroupArn) ?? groups.get(packageGroup);
      const whose = owner === undefined ? "" : ` (model "${owner}")`;
      problems.push(
        served
          ? `--model-package "${value}": the package is in group ${packageGroupArn}${whose}, not in model ` +
              `"${model}"'s source group ${group} (source.modelPackageGroupArn) (models: ${listed()})`
          : `--model-package "${value}": the package is in group "${packageGroup}"${whose}, not in model ` +
              `"${model}"'s group "${group}" (models: ${listed()})`,
      );
      continue;
    }
    packages.set(group, arn);
  }
  return { packages, problems };
}
