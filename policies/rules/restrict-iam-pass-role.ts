import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { actionGlob } from "../lib/iamActions";
import {
  Condition,
  DocumentStatement,
  locate,
  parsePolicyDocument,
  permissionDocumentsOf,
  Statement,
} from "../lib/iamDocuments";
import { isPermissionsBoundaryDocument, MANAGED_POLICY_TYPE } from "../lib/permissionsBoundary";
import { resourceRule, show } from "../lib/rule";

interface Config {
  readonly allowedPassedToServices: readonly string[];
}

const PASS_ROLE = "iam:PassRole";
const PASSED_TO_SERVICE = "iam:PassedToService";
/** Operators under which an `iam:PassedToService` condition limits the services (key always present). */
const LIMITING_OPERATOR = /^(ForAnyValue:|ForAllValues:)?String(Equals|Like)(IgnoreCase)?(IfExists)?$/i;

const hasWildcard = (text: string) => text.includes("*") || text.includes("?");

/** How a statement grants iam:PassRole (`iam:PassRole`, `through action "iam:*"`...), if it does. */
function passRoleGrant(statement: Statement): string | undefined {
  const action = statement.action?.values.find((entry) => actionGlob(entry).test(PASS_ROLE));
  if (action !== undefined) {
    return action.toLowerCase() === PASS_ROLE.toLowerCase()
      ? PASS_ROLE
      : `${PASS_ROLE} (through ${show(action)})`;
  }
  const except = statement.notAction;
  if (except && !except.values.some((entry) => actionGlob(entry).test(PASS_ROLE))) {
    return `${PASS_ROLE} (through NotAction ${show(except.values)})`;
  }
  return undefined;
}

/** The values of a PassedToService condition that do not limit it to an allowed service. */
function badServices(condition: Condition, allowed: readonly string[]): string[] {
  return condition.values.filter(
    (value) => hasWildcard(value) || (allowed.length > 0 && !allowed.includes(value)),
  );
}

function check(found: DocumentStatement, config: Config, report: ReportViolation): void {
  const { statement } = found;
  if (!statement.allows) return;
  const grant = passRoleGrant(statement);
  if (grant === undefined) return;
  const where = `${locate(found)}: ${grant}`;

  if (statement.notResource) {
    report(
      `${where} with NotResource ${show(statement.notResource.values)} can pass every role but those listed; name the role ARNs it passes in Resource.`,
    );
  }
  const wildcards = statement.resource?.values.filter(hasWildcard) ?? [];
  if (wildcards.length > 0) {
    report(
      `${where} on ${show(wildcards.length === 1 ? wildcards[0] : wildcards)} can pass any matching role; name the role ARNs it passes (no "*").`,
    );
  }

  const conditions = statement.conditions.filter(
    (condition) =>
      condition.key.toLowerCase() === PASSED_TO_SERVICE.toLowerCase() &&
      LIMITING_OPERATOR.test(condition.operator),
  );
  const service = config.allowedPassedToServices[0] ?? "<service>.amazonaws.com";
  if (conditions.length === 0 || conditions.every((condition) => condition.values.length === 0)) {
    report(
      `${where} has no ${PASSED_TO_SERVICE} condition, so the role can be passed to any service; add Condition {"StringEquals": {"${PASSED_TO_SERVICE}": "${service}"}}.`,
    );
    return;
  }
  // Condition operators are ANDed: one condition that limits the services is enough.
  const problems = conditions.map((condition) => badServices(condition, config.allowedPassedToServices));
  if (problems.some((bad) => bad.length === 0)) return;
  const bad = [...new Set(problems.flat())];
  const allowed = config.allowedPassedToServices;
  report(
    allowed.length > 0
      ? `${where} has ${PASSED_TO_SERVICE} ${show(bad)} beyond allowedPassedToServices ${show(allowed)}; name only those services, without wildcards.`
      : `${where} has ${PASSED_TO_SERVICE} ${show(bad)} with wildcards, so the role can be passed to any matching service; name the services.`,
  );
}

/**
 * Limits `iam:PassRole`, which lets a principal hand a role (and its permissions) to a service:
 * an Allow statement that grants it, by name or through a pattern (`iam:Pass*`, `iam:*`, `*`,
 * NotAction), must name the roles (no `*` in Resource, no NotResource) and carry an
 * `iam:PassedToService` condition naming the services, without wildcards (and, when
 * `allowedPassedToServices` is set, only those).
 *
 * Reviews every permission document; documents that are not valid JSON are reported by
 * forbid-iam-unknown-actions only. A permissions boundary (policies/lib/permissionsBoundary.ts)
 * passes no role: it only caps what its roles' own policies allow, so it is not reviewed here.
 *
 * During preview: a document that is unknown is read through the engine's proxy, so the engine
 * reports "can't run policy ... during preview" for the resource; it is checked at `pulumi up`.
 */
export const restrictIamPassRole = resourceRule({
  name: "restrict-iam-pass-role",
  description:
    "iam:PassRole may only be allowed on named roles and with an iam:PassedToService condition naming the services.",
  severity: "high",
  config: {
    allowedPassedToServices: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [],
      description:
        'Services roles may be passed to (e.g. "sagemaker.amazonaws.com"); empty: any service the condition names.',
    },
  },
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    const config = args.getConfig<Config>();
    for (const document of permissionDocumentsOf(args.type, args.name, args.props)) {
      if (args.type === MANAGED_POLICY_TYPE && isPermissionsBoundaryDocument(document.raw)) continue;
      for (const statement of parsePolicyDocument(document.raw).statements)
        check({ document, statement }, config, report);
    }
  },
});
