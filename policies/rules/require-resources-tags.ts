import type { ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, show } from "../lib/rule";
import { EffectiveTags, effectiveTags, isTaggable } from "../lib/taggableTypes";

/** The tags every taggable resource carries unless the pack config says otherwise. */
export const DEFAULT_REQUIRED_TAGS = ["Environment", "Project", "Owner", "CostCenter"] as const;

interface Config {
  readonly requiredTags: readonly string[];
  readonly environment: string;
}

/** Problems with one resource's tags, each a sentence that starts after the resource's name. */
export function tagProblems(tags: EffectiveTags, config: Config): string[] {
  const problems: string[] = [];
  const missing = config.requiredTags.filter((key) => !tags.has(key));
  if (missing.length > 0) {
    problems.push(
      `is missing the required tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")}; ` +
        `add ${missing.length > 1 ? "them" : "it"} to its tags or to the provider's defaultTags.`,
    );
  }
  for (const key of config.requiredTags) {
    const value = tags.get(key);
    // Unknown during preview: the key is there, the value is judged at update time.
    if (typeof value === "string" && value.trim() === "") {
      problems.push(`has an empty required tag ${key} (${show(value)}); give it a value.`);
    }
  }
  const environment = tags.get("Environment");
  if (
    config.environment !== "" &&
    typeof environment === "string" &&
    environment.trim() !== "" &&
    environment !== config.environment
  ) {
    problems.push(
      `has tag Environment ${show(environment)}, but this stack is ${show(config.environment)}; ` +
        `set Environment to ${show(config.environment)}.`,
    );
  }
  return problems;
}

/**
 * Every AWS resource whose type takes tags (the list is derived from `@pulumi/aws`, see
 * `lib/generateTaggableTypes.ts`) carries each of `requiredTags` with a non-empty value, and
 * `Environment` equals `environment`. The provider's `defaultTags` count, under the resource's own
 * tags. Other types are reported as not applicable: e.g. an EventBridge Scheduler schedule
 * (`aws:scheduler/schedule:Schedule`), which AWS does not tag (only schedule groups take tags), so
 * a drift check's schedule is not judged while its function and log group are.
 *
 * During `pulumi preview`: when `tags` as a whole is unknown the engine reports that the rule
 * can't run; when one tag's value is unknown the key counts as present and its value is not
 * judged (it is checked again at update time, when it is known).
 */
export const requireResourcesTags = resourceRule({
  name: "require-resources-tags",
  description:
    "Every taggable AWS resource carries the required tags with non-empty values, and Environment names this stack's environment.",
  severity: "low",
  config: {
    requiredTags: {
      type: "array",
      items: { type: "string", minLength: 1 },
      description: "Tag keys every taggable AWS resource must carry (case-sensitive).",
      default: [...DEFAULT_REQUIRED_TAGS],
    },
    environment: {
      type: "string",
      description:
        'The value the Environment tag must have in this stack (e.g. "staging", "prod"); "" only requires a non-empty value.',
      default: "",
    },
  },
  validateResource: (args: ResourceValidationArgs, report) => {
    if (!isTaggable(args.type)) args.notApplicable(`${args.type} takes no tags`);
    const config = args.getConfig<Config>();
    // Only an AWS provider's default tags apply to AWS resources.
    const defaultTags =
      args.provider?.type === "pulumi:providers:aws" ? args.provider.props.defaultTags : undefined;
    const tags = effectiveTags(args.props.tags, defaultTags);
    for (const problem of tagProblems(tags, config)) {
      report(`Resource "${args.name}" (${args.type}) ${problem}`);
    }
  },
});
