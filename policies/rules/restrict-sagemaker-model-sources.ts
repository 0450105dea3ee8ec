import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, show } from "../lib/rule";
import { at, plainProps, surfaceUnknown, UNKNOWN } from "../lib/sagemakerValues";

interface Config {
  readonly allowedModelPackageGroups: readonly string[];
}

/** A versioned model package ARN, and the group ARN it belongs to. */
const PACKAGE_ARN = /^(arn:[^:]+:sagemaker:[^:]*:(\d{12}):)model-package\/([^/]+)\/\d+$/;

/** `*` in a configured group ARN stands for any run of characters (e.g. every group of a stack's prefix). */
function globMatches(pattern: string, value: string): boolean {
  const expression = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${expression.join(".*")}$`).test(value);
}

/** The model packages a model's containers are created from, with where each is set. */
function servedPackages(
  props: Record<string, unknown>,
): { readonly path: string; readonly value: unknown }[] {
  const containers = at(props, "containers");
  return [
    { path: "primaryContainer.modelPackageName", value: at(props, "primaryContainer", "modelPackageName") },
    ...(Array.isArray(containers)
      ? containers.map((_, index) => ({
          path: `containers[${index}].modelPackageName`,
          value: at(props, "containers", index, "modelPackageName"),
        }))
      : []),
  ].filter((entry) => entry.value !== undefined && entry.value !== null);
}

const model = validateResourceOfType(aws.sagemaker.Model, (proxied, args, report) => {
  const { allowedModelPackageGroups: allowed } = args.getConfig<Config>();
  const props = plainProps(args.props);
  const packages = servedPackages(props);
  if (packages.length === 0) {
    args.notApplicable("the model is created from an image, not from a model package");
    return;
  }
  for (const { path, value } of packages) {
    if (value === UNKNOWN) {
      // The engine reports that the rule could not judge it during preview.
      surfaceUnknown(proxied, path.replace(/\[(\d+)\]/g, ".$1").split("."));
      continue;
    }
    const where = `Model "${args.name}": ${path} ${show(value)}`;
    const match = typeof value === "string" ? PACKAGE_ARN.exec(value) : null;
    if (!match) {
      report(`${where} is not a versioned model package ARN, so its registry cannot be told.`);
      continue;
    }
    const [, prefix, account, group] = match;
    const groupArn = `${prefix}model-package-group/${group}`;
    if (allowed.some((pattern) => globMatches(pattern, groupArn))) continue;
    report(
      `${where} is a version of ${groupArn} (account ${account}), which is not one of the stack's model sources ` +
        `(allowedModelPackageGroups: ${show(allowed)}); serve a version of a configured source registry, or add its ` +
        "group to allowedModelPackageGroups in the pack config.",
    );
  }
});

/**
 * A stack serves only model packages of the registries its pack config names: each SageMaker model
 * created from a package (`primaryContainer.modelPackageName`, `containers[].modelPackageName`)
 * must be a version of a group in `allowedModelPackageGroups` (group ARNs; `*` matches any run of
 * characters, e.g. `arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-*`).
 * A hand-pinned package of an unknown account or group is refused, and so is anything that is not
 * a versioned package ARN. With no groups configured, every package is refused: the list is what
 * makes the rule mean something, so each stack's pack config sets it.
 *
 * Models created from an image rather than a package are not applicable. During `pulumi preview`
 * an unknown package ARN is surfaced to the engine, which reports that the rule can't judge it.
 */
export const restrictSagemakerModelSources = resourceRule({
  name: "restrict-sagemaker-model-sources",
  description:
    "SageMaker models serve only versions of the model package groups the stack's pack config names as its sources.",
  severity: "high",
  config: {
    allowedModelPackageGroups: {
      type: "array",
      items: { type: "string" },
      description:
        "Model package group ARNs the stack may serve versions of; `*` matches any run of characters.",
      default: [],
    },
  },
  validateResource: model,
});
