import type { Plan, PlanFinding } from "../plan";
import { findingTarget, isShown } from "./findings";
import { stackResourceName } from "./tree";

/** What the report cannot learn from the plan alone. */
export interface JunitOptions {
  /**
   * Every policy the pack ran, so that a policy without findings shows as a passing test; without
   * it, only the policies with findings appear.
   */
  readonly policies?: readonly string[];
}

/**
 * Anything XML 1.0 cannot carry, not even escaped: control characters other than tab, LF and CR,
 * lone surrogates, U+FFFE and U+FFFF. They become U+FFFD so that the report stays well-formed.
 */
const FORBIDDEN = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Text content: `&` and `<` must be escaped, `>` too so that `]]>` never appears; quotes for symmetry. */
export function escapeXml(text: string): string {
  return text
    .replace(FORBIDDEN, "\ufffd")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Attribute values: also line breaks and tabs as references, which parsers would turn into spaces. */
export function escapeAttribute(text: string): string {
  return escapeXml(text).replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

function attributes(values: Readonly<Record<string, string | number>>): string {
  return Object.entries(values)
    .map(([key, value]) => ` ${key}="${escapeAttribute(String(value))}"`)
    .join("");
}

interface Suite {
  readonly policy: string;
  readonly findings: readonly PlanFinding[];
}

/** One suite per policy that ran (listed or with findings), by name; disabled findings are dropped. */
function suitesOf(plan: Plan, options: JunitOptions): Suite[] {
  const findings = plan.findings.filter((finding) => isShown(finding.enforcementLevel));
  const names = new Set([...(options.policies ?? []), ...findings.map((finding) => finding.policy)]);
  return [...names]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((policy) => ({ policy, findings: findings.filter((finding) => finding.policy === policy) }));
}

/**
 * A finding as a test case named after its resource: a failure when mandatory; otherwise skipped,
 * so that CI test views show it apart from both passes and failures without failing the build.
 */
function findingCase(plan: Plan, finding: PlanFinding): string[] {
  const target = findingTarget(plan, finding);
  const head = `    <testcase${attributes({ classname: finding.policy, name: target.name })}>`;
  const detail = `${finding.message}\n\nResource: ${target.urn}`;
  const outcome =
    finding.enforcementLevel === "mandatory"
      ? `      <failure${attributes({ type: finding.enforcementLevel, message: finding.message })}>${escapeXml(detail)}</failure>`
      : `      <skipped${attributes({ message: `${finding.enforcementLevel}: ${finding.message}` })}/>`;
  const output =
    finding.enforcementLevel === "mandatory" ? [] : [`      <system-out>${escapeXml(detail)}</system-out>`];
  return [head, outcome, ...output, "    </testcase>"];
}

function suiteXml(plan: Plan, suite: Suite): string[] {
  const failures = suite.findings.filter((finding) => finding.enforcementLevel === "mandatory").length;
  const cases =
    suite.findings.length === 0
      ? // A policy that found nothing passed for the whole stack.
        [`    <testcase${attributes({ classname: suite.policy, name: stackResourceName(plan) })}/>`]
      : suite.findings.flatMap((finding) => findingCase(plan, finding));
  const counts = {
    tests: Math.max(suite.findings.length, 1),
    failures,
    errors: 0,
    skipped: suite.findings.length - failures,
  };
  return [`  <testsuite${attributes({ name: suite.policy, ...counts })}>`, ...cases, "  </testsuite>"];
}

/**
 * The policy run as JUnit XML for CI test reports: one `<testsuite>` per policy, one `<testcase>`
 * per finding, named after the resource (classname = policy). Mandatory findings are `<failure>`s;
 * advisory (and remediate) findings are `<skipped>` with the message, repeated with the resource's
 * URN in `<system-out>`. A policy without findings has one passing test case named after the stack.
 */
export function toJunit(plan: Plan, options: JunitOptions = {}): string {
  const suites = suitesOf(plan, options);
  const xml = suites.map((suite) => suiteXml(plan, suite));
  const findings = suites.flatMap((suite) => suite.findings);
  const failures = findings.filter((finding) => finding.enforcementLevel === "mandatory").length;
  const tests = suites.reduce((sum, suite) => sum + Math.max(suite.findings.length, 1), 0);
  const root = {
    name: `policy ${stackResourceName(plan)}`,
    tests,
    failures,
    errors: 0,
    skipped: findings.length - failures,
  };
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites${attributes(root)}>`,
    ...xml.flat(),
    "</testsuites>",
    "",
  ].join("\n");
}
