import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

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
  const matching = waivers.filter((waiver) => {
    const pattern = globToRegExp(waiver.resource);
    return pattern.test(target.name) || pattern.test(target.urn);
  });
  const inForce = matching.find((waiver) => waiver.expires >= today);
  if (inForce) return { status: "waived", waiver: inForce };
  const expired = matching[0];
  return expired ? { status: "expired", waiver: expired } : { status: "none" };
}
