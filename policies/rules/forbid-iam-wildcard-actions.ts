import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { ACCESS_LEVELS, examplesOf, listedIn, matchAction } from "../lib/iamActions";
import { DocumentStatement, locate, parsePolicyDocument, permissionDocumentsOf } from "../lib/iamDocuments";
import { isPermissionsBoundaryDocument, MANAGED_POLICY_TYPE } from "../lib/permissionsBoundary";
import { resourceRule, show } from "../lib/rule";

interface Config {
  readonly allowedWildcardActions: readonly string[];
  readonly refusedAccessLevels: readonly string[];
}

/** What one `Action` entry of an Allow statement grants that it should not; undefined when fine. */
async function wildcardProblem(action: string, config: Config): Promise<string | undefined> {
  if (listedIn(action, config.allowedWildcardActions)) return undefined;
  if (action === "*")
    return `action "*" allows every action of every service; list the actions that are needed`;
  const match = await matchAction(action);
  if (match.kind === "any-service") {
    return `action ${show(action)} has a wildcard in the service prefix and allows actions of any service; name the service and the actions that are needed`;
  }
  // Unknown services, malformed entries and patterns that match nothing are forbid-iam-unknown-actions' part.
  if (match.kind !== "service" || !match.pattern) return undefined;
  if (match.name === "*") {
    return `action ${show(action)} allows every ${match.service} action; list the ${match.service} actions that are needed`;
  }
  const refused = match.matches.filter((info) =>
    info.accessLevels.some((level) => config.refusedAccessLevels.includes(level)),
  );
  if (refused.length === 0) return undefined;
  const { names, count } = examplesOf(refused);
  const more = count > names.length ? `, and ${count - names.length} more` : "";
  return (
    `action ${show(action)} matches ${count} ${config.refusedAccessLevels.join(" or ")} action${count === 1 ? "" : "s"} ` +
    `(${names.join(", ")}${more}); list the actions that are needed instead of the pattern`
  );
}

async function check(found: DocumentStatement, config: Config, report: ReportViolation): Promise<void> {
  const { statement } = found;
  if (!statement.allows) return;
  if (statement.notAction) {
    report(
      `${locate(found)}: Allow with NotAction ${show(statement.notAction.values)} allows every action of every service except those listed; use Action with the actions that are needed.`,
    );
  }
  for (const action of statement.action?.values ?? []) {
    const problem = await wildcardProblem(action, config);
    if (problem !== undefined) report(`${locate(found)}: ${problem}.`);
  }
}

/**
 * Refuses Allow statements that grant whole services: `*`, `<service>:*`, a wildcard service
 * prefix, or `NotAction` (which allows everything not listed). Narrower patterns such as `s3:Put*`
 * are expanded over AWS's service authorization data and refused when they match an action of a
 * refused access level (write or permissions management by default); the message names a few of
 * them and how many. Deny statements may use any wildcard.
 *
 * Reviews every permission document (role inline policies, IAM, role, user and group policies,
 * bucket, key, topic, queue and model package group policies). Documents that are not valid JSON are reported by
 * forbid-iam-unknown-actions only; this rule checks the statements it can read. A permissions
 * boundary (a managed policy recognised by its Deny statements, see
 * `policies/lib/permissionsBoundary.ts`) is not checked: a boundary grants nothing, it caps what
 * the roles that carry it may be granted, so naming whole services (`sagemaker:*`) is how it is
 * written; require-iam-role-boundary keeps it from being attached as an identity policy.
 *
 * During preview: a document that is unknown (built from outputs of resources not created yet) is
 * read through the engine's proxy, so the engine reports "can't run policy ... during preview" for
 * the resource and the document is checked at `pulumi up`.
 */
export const forbidIamWildcardActions = resourceRule({
  name: "forbid-iam-wildcard-actions",
  description:
    "IAM policy documents must not allow every action of a service (*, service:*, NotAction) nor wildcard patterns that match write or permissions-management actions.",
  severity: "high",
  controls: ["IAM.1", "IAM.21"],
  config: {
    allowedWildcardActions: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [],
      description:
        'Action patterns accepted as written even though they match refused actions (globs, e.g. "logs:Put*").',
    },
    refusedAccessLevels: {
      type: "array",
      items: { type: "string", enum: [...ACCESS_LEVELS] },
      default: ["Write", "Permissions management"],
      description:
        "Access levels a wildcard pattern must not match (tagging actions are also writes in AWS's data).",
    },
  },
  validateResource: async (args: ResourceValidationArgs, report: ReportViolation) => {
    const config = args.getConfig<Config>();
    for (const document of permissionDocumentsOf(args.type, args.name, args.props)) {
      if (args.type === MANAGED_POLICY_TYPE && isPermissionsBoundaryDocument(document.raw)) continue;
      for (const statement of parsePolicyDocument(document.raw).statements)
        await check({ document, statement }, config, report);
    }
  },
});
