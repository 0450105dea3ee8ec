import { MODEL_PACKAGE_ARN_PATTERN } from "../components/shared/names";
import type { StackConfig } from "../stacks/config";
import type { EndpointPlan } from "./endpointPackages";
import { ModelPackageLookupError } from "./errors";

/**
 * The environment variable through which a deploy names the package each model must serve:
 * `{"<model>": "<model package ARN>"}`. The promotion workflow sets it for a serving stack, so that
 * prod deploys exactly the version staging verified, or nothing.
 */
export const EXPECTED_PACKAGES_VARIABLE = "MLOPS_EXPECTED_MODEL_PACKAGES";

/** Model name to the versioned model package ARN its primary variant must serve. */
export type ExpectedPackages = Readonly<Record<string, string>>;

/**
 * Reads {@link EXPECTED_PACKAGES_VARIABLE}; undefined when it is unset or empty.
 *
 * @throws ModelPackageLookupError listing every problem when it is not such an object.
 */
export function parseExpectedPackages(text: string | undefined): ExpectedPackages | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ModelPackageLookupError(
      `${EXPECTED_PACKAGES_VARIABLE} is not JSON (${(error as Error).message}); expected {"<model>": "<model package ARN>"}`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ModelPackageLookupError(
      `${EXPECTED_PACKAGES_VARIABLE} is not an object; expected {"<model>": "<model package ARN>"}`,
    );
  }
  const problems = Object.entries(value)
    .filter(([, arn]) => typeof arn !== "string" || !MODEL_PACKAGE_ARN_PATTERN.test(arn))
    .map(([model, arn]) => `  - ${model}: ${JSON.stringify(arn)} is not a versioned model package ARN`);
  if (problems.length > 0) {
    throw new ModelPackageLookupError(
      [`${EXPECTED_PACKAGES_VARIABLE} has problems:`, ...problems].join("\n"),
    );
  }
  return value as ExpectedPackages;
}

/**
 * Every model whose plan does not serve the expected package, worded for the person who has to
 * decide: a newer verified version, a version not yet verified or approved, an unknown model.
 */
export function expectedPackageProblems(
  config: Pick<StackConfig, "models">,
  plans: readonly EndpointPlan[],
  expected: ExpectedPackages,
): string[] {
  return Object.entries(expected).flatMap(([model, arn]) => {
    const index = config.models.findIndex((candidate) => candidate.name === model);
    if (index < 0) {
      const names = config.models.map((candidate) => candidate.name).join(", ");
      return [`  - ${model}: the stack has no such model (models: ${names})`];
    }
    const where = `models[${index}].endpoint.modelPackage "${config.models[index].endpoint.modelPackage}"`;
    const plan = plans.find((candidate) => candidate.model === model);
    if (!plan?.packages) {
      return [
        `  - ${model}: expected ${arn}, but ${where} resolves to no version (${plan ? plan.skipped : "the endpoint is disabled"})`,
      ];
    }
    const served = plan.packages.primary.arn;
    return served === arn ? [] : [`  - ${model}: expected ${arn}, but ${where} resolves to ${served}`];
  });
}

/** @throws ModelPackageLookupError when a plan does not serve the package the deploy expects. */
export function checkExpectedPackages(
  config: Pick<StackConfig, "models">,
  plans: readonly EndpointPlan[],
  expected: ExpectedPackages | undefined,
): void {
  if (expected === undefined) return;
  const problems = expectedPackageProblems(config, plans, expected);
  if (problems.length === 0) return;
  throw new ModelPackageLookupError(
    [
      `This deploy must serve the model packages in ${EXPECTED_PACKAGES_VARIABLE}, and nothing was changed:`,
      ...problems,
      "A newer version was verified or approved since (its own deploy serves it), or the expected one is not " +
        "verified or approved: check the model registry, or pin the version in Pulumi.<stack>.yaml.",
    ].join("\n"),
  );
}
