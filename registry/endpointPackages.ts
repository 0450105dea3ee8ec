import type { StackConfig } from "../stacks/config";
import type { DeployablePackage, ModelPackageRequest } from "./modelPackages";

/** Finds the package a request names; `undefined` when `latest-approved` finds no approved version. */
export type PackageResolver = (request: ModelPackageRequest) => Promise<DeployablePackage | undefined>;

/** What one model's endpoint serves. */
export interface EndpointPackages {
  readonly primary: DeployablePackage;
  /** In the order of `endpoint.challengers`. */
  readonly challengers: readonly DeployablePackage[];
  readonly shadow?: DeployablePackage;
}

/** A model whose endpoint is deployed with these packages, or left out for the reason given. */
export type EndpointPlan =
  | { readonly model: string; readonly packages: EndpointPackages; readonly notes: readonly string[] }
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

/**
 * Decides, before any resource is created, which model packages each enabled endpoint serves.
 * A model whose registry has no approved version yet (its first `pulumi up`) gets no endpoint,
 * with the reason; look-up failures reject with the resolver's error.
 */
export async function planEndpoints(config: StackConfig, resolve: PackageResolver): Promise<EndpointPlan[]> {
  const models = config.models
    .map((model, index) => ({ model, index }))
    .filter(({ model }) => model.endpoint.enabled);
  return mapWithConcurrency(models, CONCURRENT_LOOKUPS, async ({ model, index }): Promise<EndpointPlan> => {
    const groupName = modelBaseName(config, model.name);
    const path = `models[${index}].endpoint`;
    const lookup = (modelPackage: string, configPath: string) =>
      resolve({ groupName, modelPackage, configPath });

    const primary = await lookup(model.endpoint.modelPackage, `${path}.modelPackage`);
    if (!primary) {
      return {
        model: model.name,
        skipped:
          `model package group "${groupName}" has no approved version yet, so endpoint "${groupName}" is not deployed. ` +
          `Run pipeline "${groupName}", approve the version you want in the model registry, then run \`pulumi up\` again.`,
      };
    }
    const challengers: DeployablePackage[] = [];
    for (const [i, challenger] of model.endpoint.challengers.entries()) {
      const found = await lookup(challenger.modelPackage, `${path}.challengers[${i}].modelPackage`);
      // Challengers are pinned ARNs, which resolve or throw; this only guards the type.
      if (found) challengers.push(found);
    }
    const notes: string[] = [];
    const shadowSetting = model.endpoint.shadow;
    const shadow = shadowSetting && (await lookup(shadowSetting.modelPackage, `${path}.shadow.modelPackage`));
    if (shadowSetting && !shadow) {
      notes.push(
        `shadow variant "${shadowSetting.name}" is left out: "${groupName}" has no approved version`,
      );
    }
    return { model: model.name, packages: { primary, challengers, shadow }, notes };
  });
}
