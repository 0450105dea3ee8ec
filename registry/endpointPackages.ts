import {
  LATEST_APPROVED,
  LATEST_VERIFIED,
  LIFECYCLE_STATUS,
  lifecycleMetadataKey,
} from "../components/shared/names";
import type { StackConfig } from "../stacks/config";
import {
  MAX_VERIFIED_CANDIDATES,
  verificationIn,
  type DeployablePackage,
  type ModelPackageRequest,
  type PackageLookup,
} from "./modelPackages";

/**
 * Finds the package a request names; `undefined` when `latest-approved` or `latest-verified` finds no
 * version yet, `{ examined }` when `latest-verified` stopped looking (see resolveModelPackage).
 */
export type PackageResolver = (request: ModelPackageRequest) => Promise<PackageLookup>;

/** What one model's endpoint serves. */
export interface EndpointPackages {
  readonly primary: DeployablePackage;
  /** In the order of `endpoint.challengers`. */
  readonly challengers: readonly DeployablePackage[];
  readonly shadow?: DeployablePackage;
}

/** A model whose endpoint is deployed with these packages, or left out for the reason given. */
export type EndpointPlan =
  | {
      readonly model: string;
      readonly packages: EndpointPackages;
      /** What needs a person's attention: a shadow left out, a served version nobody verified. */
      readonly notes: readonly string[];
      /** What was found, for the record: the verification of the version served. */
      readonly info?: readonly string[];
    }
  | { readonly model: string; readonly packages?: undefined; readonly skipped: string };

/** Look-ups run a few at a time: dozens of models must not trip SageMaker's request rate. */
export const CONCURRENT_LOOKUPS = 4;

/** Physical name shared by a model's pipeline, registry and endpoint: `<namePrefix>-<model>`. */
export function modelBaseName(config: Pick<StackConfig, "namePrefix">, model: string): string {
  return `${config.namePrefix}-${model}`;
}

/** Runs `task` on every item, at most `limit` at a time, and returns the results in the items' order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
) {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A version found, rather than nothing yet or a search cut short. */
function isPackage(found: PackageLookup): found is DeployablePackage {
  return found?.arn !== undefined;
}

/**
 * Decides, before any resource is created, which model packages each enabled endpoint serves.
 *
 * A model serves from its own registry (`<namePrefix>-<model>`), or, with `source`, from another stack's
 * (`source.modelPackageGroupArn`, whose `latest-verified` counts `source.verifiedIn`'s verification). A
 * model whose registry has no approved version yet (its first `pulumi up`), or, for `latest-verified`, no
 * version verified yet, gets no endpoint, with the reason. A served model's notes say whether the version
 * it serves was verified. Look-up failures reject with the resolver's error.
 */
export async function planEndpoints(config: StackConfig, resolve: PackageResolver): Promise<EndpointPlan[]> {
  const models = config.models
    .map((model, index) => ({ model, index }))
    .filter(({ model }) => model.endpoint.enabled);
  return mapWithConcurrency(models, CONCURRENT_LOOKUPS, async ({ model, index }): Promise<EndpointPlan> => {
    const endpointName = modelBaseName(config, model.name);
    const source = model.source;
    const groupName = source?.modelPackageGroupArn ?? endpointName;
    const verifiedIn = source?.verifiedIn;
    const path = `models[${index}].endpoint`;
    const lookup = (modelPackage: string, configPath: string) =>
      resolve({ groupName, modelPackage, configPath, ...(verifiedIn === undefined ? {} : { verifiedIn }) });

    const primarySetting = model.endpoint.modelPackage;
    const primary = await lookup(primarySetting, `${path}.modelPackage`);
    if (!isPackage(primary)) {
      const skipped =
        primarySetting === LATEST_VERIFIED
          ? notVerifiedYet(groupName, verifiedIn ?? "", endpointName, model.name, primary?.examined, path)
          : source === undefined
            ? `model package group "${groupName}" has no approved version yet, so endpoint "${endpointName}" is not deployed. ` +
              `Run pipeline "${groupName}", approve the version you want in the model registry, then run \`pulumi up\` again.`
            : `model package group "${groupName}" (source.modelPackageGroupArn) has no approved version yet, so endpoint ` +
              `"${endpointName}" is not deployed. The stack that owns that registry builds the model: run its pipeline ` +
              "there and approve the version you want, then run `pulumi up` again.";
      return { model: model.name, skipped };
    }
    const challengers: DeployablePackage[] = [];
    for (const [i, challenger] of model.endpoint.challengers.entries()) {
      const found = await lookup(challenger.modelPackage, `${path}.challengers[${i}].modelPackage`);
      // Challengers are pinned ARNs, which resolve or throw; this only guards the type.
      if (isPackage(found)) challengers.push(found);
    }
    const notes: string[] = [];
    const info: string[] = [];
    if (verifiedIn !== undefined) {
      const note = verificationNote(primary, verifiedIn, primarySetting, `${path}.modelPackage`);
      (verificationIn(primary, verifiedIn) === undefined ? notes : info).push(note);
    }
    const shadowSetting = model.endpoint.shadow;
    const shadowFound =
      shadowSetting && (await lookup(shadowSetting.modelPackage, `${path}.shadow.modelPackage`));
    const shadow = isPackage(shadowFound) ? shadowFound : undefined;
    if (shadowSetting && !shadow) {
      notes.push(
        `shadow variant "${shadowSetting.name}" is left out: "${groupName}" has no approved version`,
      );
    }
    return { model: model.name, packages: { primary, challengers, shadow }, notes, info };
  });
}

/**
 * Why `latest-verified` deploys nothing: no approved version of the source group has been verified in
 * the environment yet, or none of the newest ones (`examined`, when the search stopped there).
 */
function notVerifiedYet(
  groupArn: string,
  environment: string,
  endpointName: string,
  model: string,
  examined: number | undefined,
  path: string,
): string {
  const promote =
    `deploy it in the ${environment} stack, verify it there and run ` +
    `\`npm run ops -- promote <the ${environment} stack> ${model}\``;
  if (examined === undefined) {
    return (
      `no approved version of model package group "${groupArn}" has been verified in ${environment} yet, so endpoint ` +
      `"${endpointName}" is not deployed. To serve the newest approved version, ${promote}, then run \`pulumi up\` again.`
    );
  }
  return (
    `none of the ${examined} newest approved versions of model package group "${groupArn}" has been verified in ` +
    `${environment} (older ones are not examined: at most ${MAX_VERIFIED_CANDIDATES}), so endpoint "${endpointName}" ` +
    `is not deployed. To serve the newest approved version, ${promote}; or pin a verified version in ` +
    `${path}.modelPackage. Then run \`pulumi up\` again.`
  );
}

/** What a served model's notes say about the verification of the version its primary variant serves. */
function verificationNote(
  primary: DeployablePackage,
  environment: string,
  setting: string,
  configPath: string,
): string {
  const record = verificationIn(primary, environment);
  const { lifecycle } = primary;
  if (record === "ModelLifeCycle") {
    const description = lifecycle?.stageDescription;
    return `serves ${primary.arn}, verified in ${environment}${description === undefined ? "" : ` (${description})`}`;
  }
  if (record === "CustomerMetadataProperties") {
    const since =
      lifecycle === undefined
        ? ""
        : `; its ModelLifeCycle has moved on to ${lifecycle.stage} ${lifecycle.stageStatus}`;
    return (
      `serves ${primary.arn}, verified in ${environment} (CustomerMetadataProperties ` +
      `"${lifecycleMetadataKey(environment)}": "${LIFECYCLE_STATUS.verified}"${since})`
    );
  }
  const how =
    setting === LATEST_APPROVED ? `"${LATEST_APPROVED}" in ${configPath}` : `pinned in ${configPath}`;
  return (
    `serves ${primary.arn} (${how}), which has not been verified in ${environment}; ` +
    `"${LATEST_VERIFIED}" serves only what ${environment} verified`
  );
}
