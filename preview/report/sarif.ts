import { createHash } from "node:crypto";
import type { EnforcementLevel, Plan, PlanFinding } from "../plan";
import { findingTarget, isShown } from "./findings";

/** The SARIF levels a finding can have. */
export type SarifLevel = "error" | "warning" | "note";

/** How bad a policy's findings are, as the pack grades its rules. */
export type Severity = "critical" | "high" | "medium" | "low";

/** A policy as the pack describes itself (GetAnalyzerInfo): what a SARIF rule says of it besides its level. */
export interface SarifPolicy {
  readonly name: string;
  /** One sentence: what the policy requires. */
  readonly description: string;
  /** Undefined when the pack gives none. */
  readonly severity?: Severity;
  /** The controls the policy checks (the pack's policy tags), e.g. `S3.5`. */
  readonly tags: readonly string[];
}

/** One policy as a SARIF rule (a `reportingDescriptor`). */
export interface SarifRule {
  readonly id: string;
  readonly name: string;
  readonly shortDescription: { readonly text: string };
  readonly defaultConfiguration: { readonly level: SarifLevel };
  readonly helpUri?: string;
  readonly properties: {
    readonly enforcementLevel: EnforcementLevel;
    /** GitHub code scanning's score of a security rule, "0.1" to "10.0", by which it ranks alerts. */
    readonly "security-severity"?: string;
    /** `security`, then the controls the policy checks; code scanning filters alerts by them. */
    readonly tags?: readonly string[];
  };
}

/** One finding as a SARIF result. */
export interface SarifResult {
  readonly ruleId: string;
  readonly ruleIndex: number;
  readonly level: SarifLevel;
  readonly message: { readonly text: string };
  readonly locations: readonly {
    readonly physicalLocation: {
      readonly artifactLocation: { readonly uri: string };
      readonly region: { readonly startLine: number };
    };
    readonly logicalLocations: readonly {
      readonly fullyQualifiedName: string;
      readonly name: string;
      readonly kind: "resource";
    }[];
  }[];
  readonly partialFingerprints: Readonly<Record<string, string>>;
  readonly properties: { readonly enforcementLevel: EnforcementLevel };
}

/** A SARIF 2.1.0 log with one run, the subset GitHub code scanning reads. */
export interface SarifLog {
  readonly $schema: string;
  readonly version: "2.1.0";
  readonly runs: readonly {
    readonly tool: {
      readonly driver: {
        readonly name: string;
        readonly version: string;
        readonly informationUri?: string;
        readonly rules: readonly SarifRule[];
      };
    };
    readonly automationDetails: { readonly id: string };
    readonly results: readonly SarifResult[];
  }[];
}

/** The policy pack the results come from. */
export interface SarifOptions {
  /** The policy pack's name, e.g. `mlops-guardrails` (the tool's name in code scanning). */
  readonly packName: string;
  readonly packVersion: string;
  /** Where people read about the pack (e.g. the repository's README); also each rule's help link. */
  readonly informationUri?: string;
  /**
   * The pack's policies as it describes itself, for each rule's description, severity and tags; a
   * rule of a policy not among them has its name as description and neither severity nor tags.
   * @default none
   */
  readonly policies?: readonly SarifPolicy[];
}

/** The schema URL code scanning expects in `$schema`. */
export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

/** Key of the fingerprint in `partialFingerprints`; versioned so that a change of recipe is visible. */
export const FINGERPRINT_KEY = "mlopsPolicyFinding/v1";

const LEVEL_RANK: Record<EnforcementLevel, number> = { mandatory: 0, advisory: 1, remediate: 2, disabled: 3 };

/** Mandatory findings fail the preview (error), advisory ones do not (warning); the rest are notes. */
export function sarifLevel(level: EnforcementLevel): SarifLevel {
  return level === "mandatory" ? "error" : level === "advisory" ? "warning" : "note";
}

/**
 * A severity as the score GitHub code scanning reads from `properties.security-severity`: over 9.0
 * is critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, 0.1 to 3.9 low; each grade gets a score inside
 * its band (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning#reportingdescriptor-object).
 */
export const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: "9.5",
  high: "7.5",
  medium: "5.5",
  low: "3.0",
};

/**
 * A rule's properties: its level, and for a policy with a severity the score and tags that make
 * code scanning treat its findings as security alerts (the `security` tag is what it looks for).
 */
function propertiesOf(level: EnforcementLevel, policy: SarifPolicy | undefined): SarifRule["properties"] {
  if (policy?.severity === undefined) return { enforcementLevel: level };
  return {
    enforcementLevel: level,
    "security-severity": SECURITY_SEVERITY[policy.severity],
    tags: ["security", ...policy.tags],
  };
}

/**
 * What identifies a finding across runs: policy, resource and message. The location cannot serve,
 * since every finding points at line 1 of the stack file.
 */
export function fingerprintOf(finding: PlanFinding, urn: string): string {
  return createHash("sha256")
    .update(JSON.stringify([finding.policy, urn, finding.message]))
    .digest("hex");
}

/** One rule per policy with findings, sorted by name; its level is its most severe finding's. */
function rulesOf(
  findings: readonly PlanFinding[],
  informationUri: string | undefined,
  policies: readonly SarifPolicy[],
): SarifRule[] {
  const levels = new Map<string, EnforcementLevel>();
  for (const finding of findings) {
    const known = levels.get(finding.policy);
    if (known === undefined || LEVEL_RANK[finding.enforcementLevel] < LEVEL_RANK[known]) {
      levels.set(finding.policy, finding.enforcementLevel);
    }
  }
  return [...levels]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([policy, level]) => {
      const described = policies.find((known) => known.name === policy);
      return {
        id: policy,
        name: policy,
        shortDescription: { text: described?.description || policy },
        defaultConfiguration: { level: sarifLevel(level) },
        ...(informationUri === undefined ? {} : { helpUri: informationUri }),
        properties: propertiesOf(level, described),
      };
    });
}

/**
 * The plan's findings as SARIF 2.1.0 for GitHub code scanning: one run whose tool is the policy
 * pack, one rule per policy with findings, one result per finding (disabled ones left out). Each
 * result points at the stack's settings file, `Pulumi.<stack>.yaml` line 1, where the resource's
 * configuration comes from, and names the resource as a logical location; its message starts with
 * the resource's name, since all results share that one line. `automationDetails.id` carries the
 * stack, so that uploads for different stacks do not close each other's alerts.
 */
export function toSarif(plan: Plan, options: SarifOptions): SarifLog {
  const findings = plan.findings.filter((finding) => isShown(finding.enforcementLevel));
  const rules = rulesOf(findings, options.informationUri, options.policies ?? []);
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  const results = findings.map((finding): SarifResult => {
    const target = findingTarget(plan, finding);
    return {
      ruleId: finding.policy,
      ruleIndex: ruleIndex.get(finding.policy) ?? -1,
      level: sarifLevel(finding.enforcementLevel),
      message: { text: `${target.name}: ${finding.message}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: `Pulumi.${plan.stack}.yaml` },
            region: { startLine: 1 },
          },
          logicalLocations: [{ fullyQualifiedName: target.urn, name: target.name, kind: "resource" }],
        },
      ],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprintOf(finding, target.urn) },
      properties: { enforcementLevel: finding.enforcementLevel },
    };
  });
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: options.packName,
            version: options.packVersion,
            ...(options.informationUri === undefined ? {} : { informationUri: options.informationUri }),
            rules,
          },
        },
        // A trailing slash makes the whole id the category (GitHub's convention for automationDetails).
        automationDetails: { id: `${options.packName}/${plan.stack}/` },
        results,
      },
    ],
  };
}
