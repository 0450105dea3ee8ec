import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import {
  actionResourceFormats,
  isOnlyWildcards,
  parseArnPattern,
  Reach,
  reachOf,
  serviceResourceFormats,
} from "../lib/arnPatterns";
import { listedIn, matchAction } from "../lib/iamActions";
import {
  DocumentStatement,
  isPositive,
  KEY_POLICY_TYPES,
  locate,
  parsePolicyDocument,
  permissionDocumentsOf,
  Statement,
} from "../lib/iamDocuments";
import { isPermissionsBoundaryDocument, MANAGED_POLICY_TYPE } from "../lib/permissionsBoundary";
import { resourceRule, show } from "../lib/rule";

interface Config {
  readonly exemptResourcePolicyTypes: readonly string[];
  readonly allowedWildcardResourceActions: readonly string[];
}

/** An action of the statement that can be limited to named resources. */
interface Scopable {
  /** As AWS names it (`s3:GetObject`), or as written when it names actions of any service (`*`, `*:Get*`). */
  readonly name: string;
  readonly anyService: boolean;
}

/** The actions of `entries` that can be limited to named resources. */
async function scopableActions(entries: readonly string[], allowed: readonly string[]): Promise<Scopable[]> {
  const found = new Map<string, Scopable>();
  for (const entry of entries) {
    if (listedIn(entry, allowed)) continue;
    const match = await matchAction(entry);
    // "*" and "*:Get*" cover actions of every service, most of which can be scoped.
    if (match.kind === "any-service") found.set(entry, { name: entry, anyService: true });
    if (match.kind !== "service") continue;
    for (const info of match.matches) {
      if (info.resourceLevel && !listedIn(info.action, allowed))
        found.set(info.action, { name: info.action, anyService: false });
    }
  }
  return [...found.values()];
}

/** `N actions that can be limited to named resources (a, b, c, and N more)`, in the order written. */
function actionsText(actions: readonly string[]): string {
  const names = actions.slice(0, 3);
  const count = actions.length;
  const more = count > names.length ? `, and ${count - names.length} more` : "";
  return `${count} action${count === 1 ? "" : "s"} that can be limited to named resources (${names.join(", ")}${more})`;
}

const NAME_RESOURCES = "name the resources (ARNs) the statement needs";

/** `key`, `bucket and object`, `endpoint, model, pipeline and 4 more types`. */
function typesText(types: readonly string[]): string {
  if (types.length === 1) return types[0];
  if (types.length <= 3) return `${types.slice(0, -1).join(", ")} and ${types[types.length - 1]}`;
  return `${types.slice(0, 3).join(", ")} and ${types.length - 3} more types`;
}

/** What an ARN pattern reaches, for the message, and how to fix it. */
function describeReach(entry: string, reach: Reach): { what: string; fix: string } {
  switch (reach.kind) {
    case "everything":
      return {
        what: isOnlyWildcards(entry) ? "" : " (a wildcard in its service: every service's resources)",
        fix: NAME_RESOURCES,
      };
    case "other-places": {
      const sections = reach.sections.join(" and ");
      const places = reach.sections.map((section) => `${section === "region" ? "regions" : "accounts"}'`);
      return {
        what: ` (a wildcard in its ${sections}: other ${places.join(" and ")} resources)`,
        fix: `name the ${sections}, and the resources (ARNs) the statement needs`,
      };
    }
    case "every-account-type":
      return { what: ` (every ${typesText(reach.types)} of every account)`, fix: NAME_RESOURCES };
    case "type": {
      const arn = parseArnPattern(entry);
      const where = arn?.region ? ` in ${arn.region}` : "";
      return {
        what: ` (every ${typesText(reach.types)} of account ${arn?.account ?? ""}${where})`,
        fix: `${NAME_RESOURCES}, or narrow it with a condition on aws:ResourceTag/<key> or on one of the ${reach.service}: condition keys`,
      };
    }
  }
}

/** A positive condition on one of `prefixes` (lower case). */
const hasPositive = (statement: Statement, prefixes: readonly string[]) =>
  statement.conditions.some(
    (condition) =>
      prefixes.some((prefix) => condition.key.toLowerCase().startsWith(prefix)) && isPositive(condition),
  );

/**
 * Whether a condition narrows which resources of a type the statement reaches: a positive
 * condition on a tag of the resource (`aws:ResourceTag/<key>`) or on a key of the ARN's service
 * (`kms:ViaService`, `application-autoscaling:service-namespace`).
 *
 * Tags given when a resource is created are authorised as `TagResource` before the resource
 * exists, so no resource condition can hold such a statement; it is held to the tags it writes
 * (`aws:RequestTag/<key>`) instead — but only while no Allow of the same document grants anything
 * of that service by a resource tag. Where tags do give reach (a key managed by its tags), writing
 * them on any resource would bring it within reach: that is refused.
 */
function narrowsResources(
  statement: Statement,
  service: string,
  actions: readonly string[],
  siblings: readonly Statement[],
): boolean {
  const prefix = `${service.toLowerCase()}:`;
  if (hasPositive(statement, ["aws:resourcetag/", prefix])) return true;
  const tagsOnly = actions.length > 0 && actions.every((action) => /^[^:]+:TagResource$/i.test(action));
  // Removing tags, by a tag the resource carries, reaches nothing else.
  const tagging = /^[^:]+:(Tag|Untag)Resource$/i;
  const tagsGiveReach = siblings.some(
    (sibling) =>
      sibling.allows &&
      hasPositive(sibling, ["aws:resourcetag/"]) &&
      (sibling.action?.values ?? []).some(
        (action) => action.toLowerCase().startsWith(prefix) && !tagging.test(action),
      ),
  );
  return tagsOnly && !tagsGiveReach && hasPositive(statement, ["aws:requesttag/"]);
}

/** The reach of `entry` for one action: through the action's resource types, or its service's for `*`. */
async function reachFor(
  entry: string,
  action: Scopable,
  others: readonly string[] = [],
): Promise<Reach | undefined> {
  const service = parseArnPattern(entry)?.service ?? "";
  const formats = action.anyService
    ? await serviceResourceFormats(service)
    : await actionResourceFormats(action.name);
  return reachOf(entry, formats, others);
}

/** Findings for the ARN patterns of `Resource` that reach further than what they name. */
async function checkPatterns(
  found: DocumentStatement,
  siblings: readonly Statement[],
  actions: readonly Scopable[],
  report: ReportViolation,
): Promise<void> {
  const { statement } = found;
  const entries = [...new Set(statement.resource?.values ?? [])];
  for (const entry of entries) {
    const others = entries.filter((other) => other !== entry);
    let reach: Reach | undefined;
    const reached: string[] = [];
    const types = new Set<string>();
    for (const action of actions) {
      const actionReach = await reachFor(entry, action, others);
      if (!actionReach) continue;
      reach ??= actionReach;
      reached.push(action.name);
      if ("types" in actionReach) for (const type of actionReach.types) types.add(type);
    }
    if (!reach) continue;
    if (reach.kind === "type" && narrowsResources(statement, reach.service, reached, siblings)) continue;
    const { what, fix } = describeReach(entry, "types" in reach ? { ...reach, types: [...types] } : reach);
    report(`${locate(found)}: Resource ${show(entry)}${what} applies to ${actionsText(reached)}; ${fix}.`);
  }
}

/** NotAction stands for almost every action, of every service. */
const ANY_ACTION: Scopable = { name: "*", anyService: true };

/** Findings for a NotAction statement's ARN patterns that reach further than what they name. */
async function checkNotActionPatterns(found: DocumentStatement, report: ReportViolation): Promise<void> {
  const { statement } = found;
  for (const entry of statement.resource?.values ?? []) {
    const reach = await reachFor(entry, ANY_ACTION);
    if (!reach || (reach.kind === "type" && narrowsResources(statement, reach.service, [], []))) continue;
    report(
      `${locate(found)}: Resource ${show(entry)}${describeReach(entry, reach).what} with NotAction ${show(statement.notAction?.values)} applies almost every action to those resources; list the actions and name the resources (ARNs) they need.`,
    );
  }
}

async function check(
  found: DocumentStatement,
  siblings: readonly Statement[],
  config: Config,
  report: ReportViolation,
): Promise<void> {
  const { statement } = found;
  if (!statement.allows) return;
  const everything = statement.resource?.values.find(isOnlyWildcards);
  const scope =
    everything !== undefined
      ? `Resource ${show(everything)}`
      : statement.notResource
        ? `NotResource ${show(statement.notResource.values)} (every resource but those listed)`
        : undefined;
  if (scope === undefined) {
    if (statement.notAction) await checkNotActionPatterns(found, report);
    else
      await checkPatterns(
        found,
        siblings,
        await scopableActions(statement.action?.values ?? [], config.allowedWildcardResourceActions),
        report,
      );
    return;
  }
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
  report(
    `${locate(found)}: ${scope} applies to ${actionsText(actions.map((action) => action.name))}; ${NAME_RESOURCES}.`,
  );
}

/**
 * Refuses Allow statements with `Resource: "*"` (or `NotResource`) for actions that can be
 * limited to named resources according to AWS's service authorization data. Actions that have no
 * resource to name (`ecr:GetAuthorizationToken`, `ec2:DescribeSubnets`, `cloudwatch:PutMetricData`) pass.
 *
 * ARN patterns are judged like `*` when their wildcards reach further than the stack's own names,
 * for the actions whose resource types they match (AWS's ARN formats of each type):
 * - only wildcards (`**`), or a wildcard in the service (`arn:*:*:*:*:*`): every resource of every
 *   service; an ARN cut short after a `*` (`arn:aws:s3:*`) matches everything after it;
 * - a wildcard in the region or the account (`arn:aws:sagemaker:*:*:*`,
 *   `arn:aws:iam::*:role/x`): the resources of other regions or other accounts, whatever the rest
 *   names — the stack lives in one account and region and names them;
 * - a resource part that matches every resource of a type whose ARNs name no account
 *   (`arn:aws:s3:::*`, objects of every bucket too): every bucket or object of every account;
 * - a resource part that matches every resource of a type (`...:111111111111:*`, `key/*`,
 *   `log-group:*`, `scalable-target/*`) in the account and region it names: refused unless a
 *   positive condition (StringEquals, StringLike, ArnEquals, ArnLike, values not only wildcards)
 *   narrows which ones, on a tag of the resource (`aws:ResourceTag/<key>`) or on a condition key of
 *   the ARN's service (`kms:ViaService`, `application-autoscaling:service-namespace`). That is how
 *   a statement reaches resources whose ids AWS chooses: the stack's keys by their tags. Also
 *   accepted when the statement names resources of another type the action requires, which the
 *   request must match too (`ec2:CreateNetworkInterface` on `network-interface/*` and the stack's
 *   subnets: a new interface has no id to name).
 * A pattern with a literal part where a type's name goes narrows to names: `arn:aws:s3:::mlops-staging-*`,
 * `.../processing-job/pipelines-*`, `schedule/default/mlops-*`, `model-package/group/*` pass.
 *
 * Key policies are exempt by default: in a key policy `"*"` means the key the policy is attached
 * to and nothing else. Bucket, topic, queue and model package group policies are checked: they
 * name their bucket, topic, queue or group and its versions. A permissions boundary (a managed
 * policy recognised by its Deny statements, see `policies/lib/permissionsBoundary.ts`) is not
 * checked: it grants nothing, it caps what the roles that carry it may be granted, so its Allow
 * statements name whole services on every resource; require-iam-role-boundary keeps it from being
 * attached as an identity policy. Documents that are not valid JSON are reported by
 * forbid-iam-unknown-actions only.
 *
 * During preview: a document that is unknown is read through the engine's proxy, so the engine
 * reports "can't run policy ... during preview" for the resource; it is checked at `pulumi up`.
 */
export const forbidIamWildcardResources = resourceRule({
  name: "forbid-iam-wildcard-resources",
  description:
    'IAM policy documents must not allow actions that can be limited to named resources on Resource "*", NotResource, or ARN patterns whose wildcards reach other services, accounts or regions, or every resource of a type.',
  severity: "medium",
  controls: ["KMS.1", "KMS.2"],
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
    for (const document of permissionDocumentsOf(args.type, args.name, args.props)) {
      if (args.type === MANAGED_POLICY_TYPE && isPermissionsBoundaryDocument(document.raw)) continue;
      const { statements } = parsePolicyDocument(document.raw);
      for (const statement of statements) await check({ document, statement }, statements, config, report);
    }
  },
});
