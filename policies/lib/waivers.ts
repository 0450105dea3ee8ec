import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { distance } from "fastest-levenshtein";

/** A finding someone has accepted for a while: which resource, why, and until when. */
export interface Waiver {
  /** Resource name or URN; `*` matches any run of characters (e.g. `mlops-staging-*`). */
  readonly resource: string;
  /** Why the finding is accepted, shown wherever the waived finding is listed. */
  readonly reason: string;
  /** Last day the waiver applies (`YYYY-MM-DD`, UTC); from the day after, the finding counts again. */
  readonly expires: string;
}

/** The `waivers` setting every rule of the pack accepts in its configSchema. */
export const WAIVERS_SCHEMA: PolicyConfigJSONSchema = {
  type: "array",
  description: "Findings accepted until a date: resource name or URN pattern, reason, expiry (YYYY-MM-DD).",
  default: [],
  items: {
    type: "object",
    properties: {
      resource: { type: "string", minLength: 1 },
      reason: { type: "string", minLength: 1 },
      expires: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
    },
    required: ["resource", "reason", "expires"],
    additionalProperties: false,
  },
};

/** The resource a finding is about. */
export interface FindingTarget {
  readonly name: string;
  readonly urn: string;
}

/** What the waivers say about one finding. */
export type WaiverMatch =
  | { readonly status: "none" }
  | { readonly status: "waived"; readonly waiver: Waiver }
  | { readonly status: "expired"; readonly waiver: Waiver };

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`);
}

/** `YYYY-MM-DD` of `now` in UTC. */
export function isoDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/**
 * Finds the waiver for a finding on `target`: a waiver in force wins over an expired one, so that
 * renewing a waiver by adding a new entry works without deleting the old one.
 */
export function matchWaiver(waivers: readonly Waiver[], target: FindingTarget, now: Date): WaiverMatch {
  const today = isoDay(now);
  const matching = waivers.filter((waiver) => waiverMatches(waiver, target));
  const inForce = matching.find((waiver) => waiver.expires >= today);
  if (inForce) return { status: "waived", waiver: inForce };
  const expired = matching[0];
  return expired ? { status: "expired", waiver: expired } : { status: "none" };
}

/** Whether a waiver's pattern matches a resource: its name (the URN's last part) or its whole URN. */
export function waiverMatches(waiver: Pick<Waiver, "resource">, target: FindingTarget): boolean {
  const pattern = globToRegExp(waiver.resource);
  return pattern.test(target.name) || pattern.test(target.urn);
}

/**
 * The waivers each policy has in the pack config, recorded as the policies run (by policy name), for
 * `list-policy-waivers` to check against the stack's resources.
 */
const configured = new Map<string, readonly Waiver[]>();

/** Records the waivers a policy's config gives; the latest record of a policy wins. */
export function recordWaivers(policy: string, waivers: readonly Waiver[]): void {
  configured.set(policy, waivers);
}

/** The recorded waivers by policy, in the order the policies first recorded theirs. */
export function recordedWaivers(): ReadonlyMap<string, readonly Waiver[]> {
  return configured;
}

/** Forgets the recorded waivers (between test cases). */
export function clearRecordedWaivers(): void {
  configured.clear();
}

/** How many resource names an unmatched waiver's finding suggests. */
const SUGGESTIONS = 3;

/**
 * The resource names closest to a waiver's pattern (Levenshtein distance, without the `*`s), closest
 * first; for a URN pattern, the names of the closest URNs. A name the pattern starts with, followed by
 * `-`, comes first: the pattern is then most likely the physical name (`<name>-<random suffix>`).
 */
export function closestResourceNames(pattern: string, resources: readonly FindingTarget[]): string[] {
  const byUrn = pattern.startsWith("urn:");
  const bare = pattern.replace(/\*/g, "");
  const scored = new Map<string, number>();
  for (const resource of resources) {
    const target = byUrn ? resource.urn : resource.name;
    const score = bare.startsWith(`${target}-`) ? -1 : distance(bare, target);
    const known = scored.get(resource.name);
    if (known === undefined || score < known) scored.set(resource.name, score);
  }
  return [...scored]
    .sort(([a, x], [b, y]) => x - y || a.localeCompare(b))
    .slice(0, SUGGESTIONS)
    .map(([name]) => name);
}

/**
 * One line per recorded waiver that matches none of `resources`: most often a typo, or a name taken
 * from the AWS console (the physical name, with its random suffix) instead of the Pulumi name.
 */
export function unmatchedWaivers(
  waivers: ReadonlyMap<string, readonly Waiver[]>,
  resources: readonly FindingTarget[],
): string[] {
  const messages: string[] = [];
  for (const [policy, list] of waivers) {
    for (const waiver of list) {
      if (resources.some((resource) => waiverMatches(waiver, resource))) continue;
      const closest = closestResourceNames(waiver.resource, resources);
      const suggestion =
        closest.length > 0
          ? `; the closest resource names: ${closest.map((name) => `"${name}"`).join(", ")}`
          : "";
      messages.push(
        `The ${policy} waiver for "${waiver.resource}" (until ${waiver.expires}) matches no resource of the stack: ` +
          `a waiver matches a resource's Pulumi name (the last part of its URN) or its URN${suggestion}.`,
      );
    }
  }
  return messages;
}
