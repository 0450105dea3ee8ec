import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { listedIn, matchAction } from "../lib/iamActions";
import { DocumentStatement, KEY_POLICY_TYPES, locate, permissionStatementsOf } from "../lib/iamDocuments";
import { resourceRule, show } from "../lib/rule";

interface Config {
  readonly exemptResourcePolicyTypes: readonly string[];
  readonly allowedWildcardResourceActions: readonly string[];
}

/** The actions of `entries` that can be limited to named resources, as written or as AWS names them. */
async function scopableActions(entries: readonly string[], allowed: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const entry of entries) {
    if (listedIn(entry, allowed)) continue;
    const match = await matchAction(entry);
    // "*" and "*:Get*" cover actions of every service, most of which can be scoped.
    if (match.kind === "any-service") found.add(entry);
    if (match.kind !== "service") continue;
    for (const info of match.matches) {
      if (info.resourceLevel && !listedIn(info.action, allowed)) found.add(info.action);
    }
  }
  return [...found];
}

async function check(found: DocumentStatement, config: Config, report: ReportViolation): Promise<void> {
  const { statement } = found;
  if (!statement.allows) return;
  const scope = statement.resource?.values.includes("*")
    ? `Resource "*"`
    : statement.notResource
      ? `NotResource ${show(statement.notResource.values)} (every resource but those listed)`
      : undefined;
  if (scope === undefined) return;
  if (statement.notAction) {
    report(
      `${locate(found)}: ${scope} with NotAction ${show(statement.notAction.values)} applies almost every action to every resource; list the actions and name the resources (ARNs) they need.`,
    );
    return;
  }
  const actions = await scopableActions(
    statement.action?.values ?? [],
    config.allowedWildcardResourceActions,
  );
  if (actions.length === 0) return;
  // In the order the statement lists them, so that the first names are the ones written there.
  const names = actions.slice(0, 3);
  const count = actions.length;
  const more = count > names.length ? `, and ${count - names.length} more` : "";
  report(
    `${locate(found)}: ${scope} applies to ${count} action${count === 1 ? "" : "s"} that can be limited to named resources (${names.join(", ")}${more}); name the resources (ARNs) the statement needs.`,
  );
}

/**
 * Refuses Allow statements with `Resource: "*"` (or `NotResource`) for actions that can be
 * limited to named resources according to AWS's service authorization data. Actions that have no
 * resource to name (`ecr:GetAuthorizationToken`, `ec2:DescribeSubnets`, `cloudwatch:PutMetricData`) pass.
 *
 * Key policies are exempt by default: in a key policy `"*"` means the key the policy is attached
 * to and nothing else. Bucket, topic, queue and model package group policies are checked: they
 * name their bucket, topic, queue or group and its versions.
 * Documents that are not valid JSON are reported by forbid-iam-unknown-actions only.
 *
 * During preview: a document that is unknown is read through the engine's proxy, so the engine
 * reports "can't run policy ... during preview" for the resource; it is checked at `pulumi up`.
 */
export const forbidIamWildcardResources = resourceRule({
  name: "forbid-iam-wildcard-resources",
  description:
    'IAM policy documents must not allow actions that can be limited to named resources on Resource "*" (or NotResource).',
  config: {
    exemptResourcePolicyTypes: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [...KEY_POLICY_TYPES],
      description:
        'Resource types whose policies are not checked (in a key policy, "*" means the key itself).',
    },
    allowedWildcardResourceActions: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [],
      description:
        'Actions (globs) accepted with Resource "*" even though AWS lists resource types for them.',
    },
  },
  validateResource: async (args: ResourceValidationArgs, report: ReportViolation) => {
    const config = args.getConfig<Config>();
    if (config.exemptResourcePolicyTypes.includes(args.type)) return;
    for (const found of permissionStatementsOf(args.type, args.name, args.props)) {
      await check(found, config, report);
    }
  },
});
