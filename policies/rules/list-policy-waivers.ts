import { stackRule, waivedFindings } from "../lib/rule";
import { recordedWaivers, recordWaivers, unmatchedWaivers, type Waiver } from "../lib/waivers";

const NAME = "list-policy-waivers";

/**
 * Lists every finding a waiver set aside, with its reason and expiry, so that waived findings stay
 * visible in every preview; and every waiver that matches no resource of the stack (a typo, or an
 * AWS name instead of the Pulumi name), with the closest resource names. Advisory: it never blocks.
 */
export const listPolicyWaivers = stackRule({
  name: NAME,
  description:
    "Lists the findings that waivers in the pack config set aside, with their reasons and expiry dates, and the waivers that match no resource.",
  severity: "low",
  enforcementLevel: "advisory",
  validateStack: (args, report) => {
    for (const finding of waivedFindings()) {
      report(
        `Waived until ${finding.waiver.expires} (${finding.waiver.reason}) — ${finding.policy}: ${finding.message}`,
        finding.resource.urn,
      );
    }
    recordWaivers(NAME, (args.getConfig() as { waivers?: readonly Waiver[] }).waivers ?? []);
    const resources = args.resources.map(({ name, urn }) => ({ name, urn }));
    for (const message of unmatchedWaivers(recordedWaivers(), resources)) report(message);
  },
});
