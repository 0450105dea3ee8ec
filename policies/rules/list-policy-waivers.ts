import { stackRule, waivedFindings } from "../lib/rule";

/**
 * Lists every finding a waiver set aside, with its reason and expiry, so that waived findings stay
 * visible in every preview. Advisory: it never blocks.
 */
export const listPolicyWaivers = stackRule({
  name: "list-policy-waivers",
  description:
    "Lists the findings that waivers in the pack config set aside, with their reasons and expiry dates.",
  enforcementLevel: "advisory",
  validateStack: (_args, report) => {
    for (const finding of waivedFindings()) {
      report(
        `Waived until ${finding.waiver.expires} (${finding.waiver.reason}) — ${finding.policy}: ${finding.message}`,
        finding.resource.urn,
      );
    }
  },
});
