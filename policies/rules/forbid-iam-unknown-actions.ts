import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { closestAction, closestService, listedIn, matchAction } from "../lib/iamActions";
import { DocumentStatement, locate, parsePolicyDocument, permissionDocumentsOf } from "../lib/iamDocuments";
import { resourceRule, show } from "../lib/rule";

interface Config {
  readonly allowedUnknownActions: readonly string[];
}

/** Why one `Action`/`NotAction` entry names no real action; undefined when it does. */
async function unknownProblem(action: string, effect: string): Promise<string | undefined> {
  const match = await matchAction(action);
  switch (match.kind) {
    case "malformed":
      return `action ${show(action)} is not of the form "service:Action"`;
    case "any-service":
      return undefined;
    case "unknown-service": {
      const suggestion = await closestService(match.service);
      const hint = suggestion !== undefined ? `; did you mean "${suggestion}"?` : "";
      return `action ${show(action)} names service "${match.service}", which AWS does not have, so it ${effect} nothing${hint}`;
    }
    case "service": {
      if (match.matches.length > 0) return undefined;
      if (match.pattern) {
        return `action pattern ${show(action)} matches no ${match.service} action, so it ${effect} nothing; check the spelling`;
      }
      const suggestion = await closestAction(match.service, match.name);
      const hint = suggestion !== undefined ? `; did you mean "${suggestion}"?` : "";
      return `action ${show(action)} does not exist, so it ${effect} nothing${hint}`;
    }
  }
}

async function checkList(
  found: DocumentStatement,
  element: "Action" | "NotAction",
  config: Config,
  report: ReportViolation,
): Promise<void> {
  const list = found.statement[element === "Action" ? "action" : "notAction"];
  // A misspelt NotAction entry excludes nothing: an Allow then grants more, a Deny denies more.
  const effect = element === "NotAction" ? "excludes" : found.statement.allows ? "grants" : "denies";
  for (const invalid of list?.invalid ?? []) {
    report(`${locate(found)}: action ${show(invalid)} is not a string; write actions as "service:Action".`);
  }
  for (const action of list?.values ?? []) {
    if (listedIn(action, config.allowedUnknownActions)) continue;
    const problem = await unknownProblem(action, effect);
    if (problem !== undefined) report(`${locate(found)}: ${problem}${problem.endsWith("?") ? "" : "."}`);
  }
}

/**
 * Refuses actions that AWS does not have: a typo such as `sagemaker:CreateEndpiont` is accepted by
 * IAM and silently grants (or denies) nothing. Every `Action` and `NotAction` entry of Allow and
 * Deny statements must name an action of AWS's service authorization data, or be a pattern that
 * matches at least one; unknown service prefixes are refused too. Messages suggest the closest
 * real action or service.
 *
 * This is the one rule that reports permission documents it cannot read at all: a string that is
 * not valid JSON, a document without `Statement`, statements that are not objects. The other IAM
 * rules skip what they cannot read, so each such problem is reported once.
 *
 * During preview: a document that is unknown is read through the engine's proxy, so the engine
 * reports "can't run policy ... during preview" for the resource; it is checked at `pulumi up`.
 */
export const forbidIamUnknownActions = resourceRule({
  name: "forbid-iam-unknown-actions",
  description:
    "IAM policy documents must be valid JSON and name only actions (or patterns matching actions) that AWS has.",
  severity: "low",
  config: {
    allowedUnknownActions: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [],
      description:
        "Actions (globs) accepted although AWS's service data, as installed, does not list them yet.",
    },
  },
  validateResource: async (args: ResourceValidationArgs, report: ReportViolation) => {
    const config = args.getConfig<Config>();
    for (const document of permissionDocumentsOf(args.type, args.name, args.props)) {
      const { statements, problems } = parsePolicyDocument(document.raw);
      if (problems.length > 0) {
        report(
          `${document.label} ${problems.join("; ")}; write it as a JSON policy document (e.g. with JSON.stringify).`,
        );
      }
      for (const statement of statements) {
        if (statement.action === undefined && statement.notAction === undefined) {
          report(
            `${locate({ document, statement })}: has neither Action nor NotAction, so it applies to nothing; list the actions.`,
          );
        }
        await checkList({ document, statement }, "Action", config, report);
        await checkList({ document, statement }, "NotAction", config, report);
      }
    }
  },
});
