import { listedIn } from "./iamActions";
import { conditionsOn, isOnlyWildcardValue, parsePolicyDocument, Statement } from "./iamDocuments";

/**
 * Permissions boundaries recognised by their content. A boundary grants nothing: it caps what the
 * identity policies of a role that carries it may grant, so its Allow statements may name whole
 * services (`sagemaker:*`); what makes it a boundary are the Deny statements that stop a role's
 * holder from escaping it (as the AWS CDK bootstrap's `cdk-hnb659fds-permissions-boundary` does):
 *
 * - an unconditional Deny of `iam:DeleteRolePermissionsBoundary`, so that no role loses its boundary;
 * - Deny statements of `iam:CreateRole` and `iam:PutRolePermissionsBoundary` under a negated
 *   condition on `iam:PermissionsBoundary` (`ArnNotEquals`, `StringNotEquals`, `...NotLike`, with
 *   or without `IfExists`, values not only wildcards), so that a role can be created, or given a
 *   boundary, only with the one named.
 *
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_permissionsboundary
 */

/** The only type whose document can be a role's boundary: a customer managed policy. */
export const MANAGED_POLICY_TYPE = "aws:iam/policy:Policy";

const BOUNDARY_KEY = "iam:PermissionsBoundary";
const KEEP_BOUNDARY = "iam:DeleteRolePermissionsBoundary";
const REQUIRE_BOUNDARY = ["iam:CreateRole", "iam:PutRolePermissionsBoundary"] as const;

/** Operators under which a Deny applies to every value but those listed (and, for negations, when the key is absent). */
const NEGATED_OPERATORS = [
  "StringNotEquals",
  "StringNotLike",
  "ArnNotEquals",
  "ArnNotLike",
  "StringNotEqualsIfExists",
  "StringNotLikeIfExists",
  "ArnNotEqualsIfExists",
  "ArnNotLikeIfExists",
];

const denies = (statement: Statement, action: string): boolean =>
  statement.effect === "Deny" &&
  statement.action !== undefined &&
  statement.action.values.some((pattern) => listedIn(action, [pattern]));

/** Whether a Deny holds unless `iam:PermissionsBoundary` is one of the values it names. */
function unlessBoundary(statement: Statement): boolean {
  return conditionsOn(statement, BOUNDARY_KEY, NEGATED_OPERATORS).some(
    (condition) => condition.values.length > 0 && !condition.values.some(isOnlyWildcardValue),
  );
}

/**
 * What a document lacks to be a permissions boundary, one phrase each (empty when it is one).
 * `document` is a JSON string or an object; unreadable documents lack everything.
 */
export function boundaryGaps(document: unknown): string[] {
  const { statements } = parsePolicyDocument(document);
  const gaps: string[] = [];
  if (!statements.some((statement) => denies(statement, KEEP_BOUNDARY) && statement.conditions.length === 0))
    gaps.push(`no unconditional Deny of ${KEEP_BOUNDARY}`);
  for (const action of REQUIRE_BOUNDARY) {
    if (!statements.some((statement) => denies(statement, action) && unlessBoundary(statement)))
      gaps.push(
        `no Deny of ${action} unless ${BOUNDARY_KEY} is the boundary (a negated condition such as ArnNotEquals)`,
      );
  }
  return gaps;
}

/** Whether a policy document is a permissions boundary (see the module's description). */
export function isPermissionsBoundaryDocument(document: unknown): boolean {
  return boundaryGaps(document).length === 0;
}
