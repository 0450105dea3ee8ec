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

const LAMBDA_PERMISSION = "aws:lambda/permission:Permission";

/**
 * A Lambda permission is one statement of its function's resource policy: `principal`, narrowed by
 * `sourceArn` (ArnLike aws:SourceArn), `sourceAccount` and `principalOrgId` (StringEquals
 * aws:SourceAccount, aws:PrincipalOrgID), as Lambda writes it. The narrowing inputs are read only
 * for a principal of everyone, so that a rule's ARN unknown during preview defers nothing else.
 */
function checkLambdaPermission(
  name: string,
  props: Record<string, unknown>,
  config: Config,
  report: ReportViolation,
): void {
  if (props.principal !== "*") return;
  const narrowing: [string, string, unknown][] = [
    ["ArnLike", "aws:SourceArn", props.sourceArn],
    ["StringEquals", "aws:SourceAccount", props.sourceAccount],
    ["StringEquals", "aws:PrincipalOrgID", props.principalOrgId],
  ];
  const conditions = narrowing.flatMap(([operator, key, value]) =>
    typeof value === "string" && value !== "" ? [{ operator, key, values: [value] }] : [],
  );
  if (conditions.some((condition) => narrows(condition, config.narrowingConditionKeys))) return;
  report(
    `Lambda permission "${name}": principal "*" lets anyone (any account, or anonymous callers) invoke the function; name the account or service in principal, or narrow it with sourceArn, sourceAccount or principalOrgId.`,
  );
}

/**
 * Reviews who resource policies let in: bucket, key, topic, queue, model package group and event
 * bus policies, and Lambda permissions, must not allow everyone (`"*"`, `{ AWS: "*" }`, or
 * NotPrincipal) unless a condition names whom, e.g. `aws:PrincipalOrgID`, `aws:PrincipalAccount`,
 * `aws:SourceAccount` or `aws:SourceArn` with StringEquals/StringLike/ArnEquals/ArnLike and no value
 * made of wildcards only (a Lambda permission's `sourceArn`, `sourceAccount`, `principalOrgId`). A
 * registry, a bucket or a drift bus shared with other accounts names them; a condition on what
 * they may do (`events:source`) does not say who. Deny statements may name everyone. Role trust
 * policies are restrict-iam-trust-principals' part; identity policies have no principal.
 *
 * During preview: a document that is unknown is read through the engine's proxy, so the engine
 * reports "can't run policy ... during preview" for the resource; it is checked at `pulumi up`.
 */
export const restrictIamResourcePrincipals = resourceRule({
  name: "restrict-iam-resource-principals",
  description:
    "Resource policies (bucket, key, topic, queue, model package group, event bus, Lambda permission) must not allow everyone unless a condition names the accounts, organization or source.",
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
    const config = args.getConfig<Config>();
    if (args.type === LAMBDA_PERMISSION) {
      checkLambdaPermission(args.name, args.props, config, report);
      return;
    }
    // Identity documents have no principal: they are not read at all, so an unknown one never defers.
    if (!RESOURCE_DOCUMENT_TYPES.includes(args.type)) return;
    for (const found of permissionStatementsOf(args.type, args.name, args.props))
      check(found, config, report);
  },
});
