import type { ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { arnGlob } from "../lib/arnPatterns";
import { boundaryGaps, MANAGED_POLICY_TYPE } from "../lib/permissionsBoundary";
import { show, stackRule } from "../lib/rule";
import { at, list, ofTypes, StackItem, stackItems, UNKNOWN } from "../lib/sagemakerValues";

interface Config {
  readonly allowedBoundaryArns: readonly string[];
}

const ROLE = "aws:iam/role:Role";

/** What attaches managed policies as identity policies, and the prop that names them. */
const ATTACHMENTS: Readonly<Record<string, string>> = {
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
  "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
  "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
  "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
  "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
  [ROLE]: "managedPolicyArns",
};

/** `RolePolicyAttachment "x"`: the type's own name and the resource's. */
const label = (item: StackItem) =>
  `${item.resource.type.slice(item.resource.type.lastIndexOf(":") + 1)} "${item.resource.name}"`;

function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (typeof value !== "object" || value === null) return false;
  return Object.values(value).some(containsUnknown);
}

/**
 * Whether `value` (a prop of `source`) is the ARN of `policy`: equal when both are known; when the
 * value is unknown during preview, only if the engine says the prop depends on the policy (a
 * resource depending on it for another prop, as a role does for its boundary, is not taken to
 * attach it). Otherwise it is taken not to: the stack rules run again with every value known.
 */
function isArnOf(source: StackItem, prop: string, value: unknown, policy: StackItem): boolean {
  const arn = at(policy.props, "arn");
  if (typeof value === "string") return typeof arn === "string" && value === arn;
  if (value !== UNKNOWN) return false;
  const dependencies = source.resource.propertyDependencies?.[prop] ?? [];
  return dependencies.some((dependency) => dependency.urn === policy.resource.urn);
}

/** What a stack policy's document lacks to be a boundary; undefined while the document is unknown. */
function gapsOf(policy: StackItem): string[] | undefined {
  const document = at(policy.props, "policy");
  return containsUnknown(document) ? undefined : boundaryGaps(document);
}

function checkRole(
  role: StackItem,
  policies: readonly StackItem[],
  config: Config,
  report: ReportViolation,
): void {
  const boundary = at(role.props, "permissionsBoundary");
  const what = label(role);
  if (boundary === undefined || boundary === null || boundary === "") {
    report(
      `${what} has no permissionsBoundary, so nothing caps what its policies grant, nor what whoever may change them can give it; set permissionsBoundary to the ARN of the stack's permissions boundary policy.`,
      role.resource.urn,
    );
    return;
  }
  const allowed = config.allowedBoundaryArns;
  if (typeof boundary === "string" && allowed.length > 0 && !allowed.some((p) => arnGlob(p).test(boundary))) {
    report(
      `${what}: permissionsBoundary ${show(boundary)} is not one of allowedBoundaryArns ${show(allowed)}; use the boundary the pack config names.`,
      role.resource.urn,
    );
  }
  for (const policy of policies) {
    if (!isArnOf(role, "permissionsBoundary", boundary, policy)) continue;
    const gaps = gapsOf(policy);
    if (gaps === undefined || gaps.length === 0) continue;
    report(
      `${what}: permissionsBoundary is ${label(policy)}, which is not a permissions boundary (${gaps.join("; ")}), so whoever holds the role can create or change roles without it; give the policy those Deny statements, or use the stack's boundary.`,
      role.resource.urn,
    );
  }
}

function checkAttachments(
  items: readonly StackItem[],
  boundaries: readonly StackItem[],
  report: ReportViolation,
): void {
  for (const source of items) {
    const prop = ATTACHMENTS[source.resource.type];
    if (prop === undefined) continue;
    const values = list(at(source.props, prop));
    for (const value of values === UNKNOWN ? [UNKNOWN] : values) {
      for (const boundary of boundaries) {
        if (!isArnOf(source, prop, value, boundary)) continue;
        report(
          `${label(source)}: ${prop} attaches ${label(boundary)}, a permissions boundary, as an identity policy, which grants what its Allow statements name (whole services) instead of capping it; set it as the roles' permissionsBoundary only.`,
          source.resource.urn,
        );
      }
    }
  }
}

/**
 * Requires every IAM role of the stack (`aws.iam.Role`) to carry a permissions boundary, and the
 * boundaries to be what they claim:
 * - `permissionsBoundary` is set on every role (a value unknown during preview counts as set), and
 *   is one of `allowedBoundaryArns` (globs, `*` any run; empty: any);
 * - a role whose boundary is a managed policy of the stack must get one that is a boundary by its
 *   content (`policies/lib/permissionsBoundary.ts`: Deny statements that keep roles from being
 *   created or re-bounded without it, and from losing it); any other boundary does not stop the
 *   escalation it is there for;
 * - a boundary policy of the stack is not attached as an identity policy (RolePolicyAttachment,
 *   PolicyAttachment, User/GroupPolicyAttachment, RolePolicyAttachmentsExclusive, a role's
 *   `managedPolicyArns`): its Allow statements name whole services, which forbid-iam-wildcard-actions
 *   and forbid-iam-wildcard-resources let pass only because a boundary grants nothing.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
 *
 * During preview a policy's ARN and document are unknown: a role or attachment is compared with a
 * policy only where the engine says the prop depends on it, and a document not known yet is not
 * judged; the stack rules run again at the end of `pulumi up`, with every value known.
 */
export const requireIamRoleBoundary = stackRule({
  name: "require-iam-role-boundary",
  description:
    "Every IAM role carries a permissions boundary that is one (Deny statements that keep roles bounded), and a boundary policy is never attached as an identity policy.",
  severity: "high",
  config: {
    allowedBoundaryArns: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [],
      description: "Boundary policy ARNs (globs, `*` any run) roles may carry; empty: any.",
    },
  },
  validateStack: (args: StackValidationArgs, report: ReportViolation) => {
    const config = args.getConfig<Config>();
    const items = stackItems(args.resources);
    const policies = ofTypes(items, [MANAGED_POLICY_TYPE]);
    for (const role of ofTypes(items, [ROLE])) checkRole(role, policies, config, report);
    const boundaries = policies.filter((policy) => gapsOf(policy)?.length === 0);
    if (boundaries.length > 0) checkAttachments(items, boundaries, report);
  },
});
