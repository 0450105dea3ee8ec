import { readFileSync } from "node:fs";
import * as path from "node:path";
import { REPOSITORY_ROOT } from "../../preview";

function packConfig(stack: "staging" | "prod"): Record<string, Record<string, unknown>> {
  const file = path.join(REPOSITORY_ROOT, "policies", "config", `${stack}.json`);
  const config = JSON.parse(readFileSync(file, "utf8")) as Record<string, string | Record<string, unknown>>;
  // A rule's settings as getConfig hands them over: everything but the enforcement level.
  return Object.fromEntries(
    Object.entries(config).map(([rule, entry]) => {
      if (typeof entry === "string") return [rule, {}];
      const settings = { ...entry };
      delete settings.enforcementLevel;
      return [rule, settings];
    }),
  );
}

/** Each shipped stack's rule settings, read from `policies/config/<stack>.json`. */
export const RECOMMENDED_CONFIG = { staging: packConfig("staging"), prod: packConfig("prod") };
