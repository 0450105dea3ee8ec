import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import {
  Condition,
  DocumentStatement,
  isEveryone,
  locate,
  permissionStatementsOf,
  RESOURCE_DOCUMENT_TYPES,
  Statement,
} from "../lib/iamDocuments";
import { resourceRule, show } from "../lib/rule";

interface Config {
  readonly narrowingConditionKeys: readonly string[];
}

/**
 * Operators under which a condition holds only for the values listed: `...IfExists` and
 * `ForAllValues:` also hold when the key is absent, and negations hold for every other value.
 */
const NARROWING_OPERATOR =
  /^(ForAnyValue:)?(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike)$/i;

/** A value made of wildcards only matches whatever the key holds. */
const ONLY_WILDCARDS = /^[*?]*$/;

/** Whether a condition limits the statement to the accounts, organization, source or network it names. */
function narrows(condition: Condition, keys: readonly string[]): boolean {
  return (
    keys.some((key) => key.toLowerCase() === condition.key.toLowerCase()) &&
    NARROWING_OPERATOR.test(condition.operator) &&
    condition.values.length > 0 &&
    !condition.values.some((value) => ONLY_WILDCARDS.test(value))
  );
}

function principalText(statement: Statement): string {
  const principal = statement.principal;
  return show(principal === "*" ? "*" : Object.fromEntries(principal ?? []));
}

function check(found: DocumentStatement, config: Config, report: ReportViolation): void {
  const { statement } = found;
  if (!statement.allows) return;
  const keys = config.narrowingConditionKeys.slice(0, 4);
  const fix = `name the accounts or services in Principal${keys.length > 0 ? `, or narrow it with a condition on ${keys.join(", ")}` : ""}`;
  if (statement.notPrincipal !== undefined) {
    report(
      `${locate(found)}: Allow with NotPrincipal lets everyone but those listed use the resource; ${fix}.`,
    );
  }
  if (!isEveryone(statement.principal)) return;
  if (statement.conditions.some((condition) => narrows(condition, config.narrowingConditionKeys))) return;
  report(
    `${locate(found)}: Principal ${principalText(statement)} lets anyone (any account, or anonymous callers) use the resource; ${fix}.`,
  );
}

/**
 * Reviews who resource policies let in: bucket, key, topic, queue and model package group policies
 * must not allow everyone (`"*"`, `{ AWS: "*" }`, or NotPrincipal) unless a condition names whom,
 * e.g. `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceAccount` or `aws:SourceArn` with
 * StringEquals/StringLike/ArnEquals/ArnLike and no value made of wildcards only. A registry or a
 * bucket shared with other accounts names them; Deny statements may name everyone. Role trust
 * policies are restrict-iam-trust-principals' part; identity policies have no principal.
 *
 * During preview: a document that is unknown is read through the engine's proxy, so the engine
 * reports "can't run policy ... during preview" for the resource; it is checked at `pulumi up`.
 */
export const restrictIamResourcePrincipals = resourceRule({
  name: "restrict-iam-resource-principals",
  description:
    "Resource policies (bucket, key, topic, queue, model package group) must not allow everyone unless a condition names the accounts, organization or source.",
  config: {
    narrowingConditionKeys: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [
        "aws:PrincipalOrgID",
        "aws:PrincipalAccount",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:PrincipalArn",
        "aws:PrincipalOrgPaths",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:SourceOwner",
        "aws:SourceVpce",
        "aws:SourceVpc",
      ],
      description:
        "Condition keys that, with a positive string or ARN operator and a value that is not only wildcards, limit an Allow for everyone to whom they name.",
    },
  },
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    // Identity documents have no principal: they are not read at all, so an unknown one never defers.
    if (!RESOURCE_DOCUMENT_TYPES.includes(args.type)) return;
    const config = args.getConfig<Config>();
    for (const found of permissionStatementsOf(args.type, args.name, args.props))
      check(found, config, report);
  },
});
