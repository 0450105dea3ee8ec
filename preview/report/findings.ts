import type { EnforcementLevel, Plan, PlanFinding } from "../plan";
import { paint, resourceNameOf, stackResourceName, stackUrn } from "./tree";

const RED = "\u001b[31m";
const YELLOW = "\u001b[33m";
const CYAN = "\u001b[36m";
const GREEN = "\u001b[32m";

/** The levels that are reported, most severe first; `disabled` findings are never shown. */
export const SHOWN_LEVELS = ["mandatory", "advisory", "remediate"] as const;
/** An enforcement level whose findings are reported. */
export type ShownLevel = (typeof SHOWN_LEVELS)[number];

const LEVEL_COLORS: Record<ShownLevel, string> = { mandatory: RED, advisory: YELLOW, remediate: CYAN };

/** The resource a finding is about; a stack-wide finding is about the stack resource. */
export interface FindingTarget {
  readonly urn: string;
  readonly name: string;
}

/** Where a finding points: its resource's URN and name, or the stack's for a stack-wide finding. */
export function findingTarget(plan: Plan, finding: PlanFinding): FindingTarget {
  return finding.urn === undefined
    ? { urn: stackUrn(plan), name: stackResourceName(plan) }
    : { urn: finding.urn, name: resourceNameOf(finding.urn) };
}

/** False for `disabled`: such findings are never reported. */
export function isShown(level: EnforcementLevel): level is ShownLevel {
  return level !== "disabled";
}

/** The findings of one level, grouped by policy (by name), each policy's in the order they came. */
export function findingsAt(findings: readonly PlanFinding[], level: ShownLevel): PlanFinding[] {
  return findings
    .filter((finding) => finding.enforcementLevel === level)
    .sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0));
}

/** A multi-line message kept readable under its heading: every line indented, blank lines kept bare. */
function indented(message: string, indent: string): string[] {
  return message.split("\n").map((line) => (line === "" ? "" : `${indent}${line}`));
}

function section(plan: Plan, level: ShownLevel, findings: readonly PlanFinding[], color: boolean): string[] {
  const title = `${level.charAt(0).toUpperCase()}${level.slice(1)} findings:`;
  return [
    paint(title, LEVEL_COLORS[level], color),
    ...findings.flatMap((finding) => [
      `    - ${finding.policy}  (${findingTarget(plan, finding).name})`,
      ...indented(finding.message, "      "),
    ]),
    "",
  ];
}

/** The closing line: `Policy: N mandatory, M advisory` (remediations only when there are some). */
function summary(counts: Record<ShownLevel, number>, color: boolean): string {
  if (counts.mandatory + counts.advisory + counts.remediate === 0) {
    return `Policy: ${paint("no findings", GREEN, color)}`;
  }
  const parts = SHOWN_LEVELS.filter((level) => level !== "remediate" || counts.remediate > 0).map((level) => {
    const text = `${counts[level]} ${level}`;
    return counts[level] > 0 ? paint(text, LEVEL_COLORS[level], color) : text;
  });
  return `Policy: ${parts.join(", ")}`;
}

/**
 * The policy findings for people: one section per enforcement level, mandatory first, each finding
 * with its policy, the resource's name and the message; then the closing `Policy:` line. Disabled
 * findings are left out. No trailing newline.
 */
export function renderFindings(plan: Plan, options: { readonly color: boolean }): string {
  const byLevel = SHOWN_LEVELS.map((level) => [level, findingsAt(plan.findings, level)] as const);
  const counts = Object.fromEntries(byLevel.map(([level, found]) => [level, found.length])) as Record<
    ShownLevel,
    number
  >;
  return [
    ...byLevel.flatMap(([level, found]) =>
      found.length > 0 ? section(plan, level, found, options.color) : [],
    ),
    summary(counts, options.color),
  ].join("\n");
}

/** The exit code a policy run ends with: 1 when any finding is mandatory, as `pulumi preview` fails. */
export function exitCodeOf(findings: readonly PlanFinding[]): 0 | 1 {
  return findings.some((finding) => finding.enforcementLevel === "mandatory") ? 1 : 0;
}
