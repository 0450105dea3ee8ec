import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, StackConfig } from "./config";
import { parseConfigValue } from "./configValue";

/** The config namespace of this project's keys (`mlops:models` in `Pulumi.<stack>.yaml`). */
export const CONFIG_NAMESPACE = "mlops";

/**
 * Reads the stack's `mlops:*` settings once, at the edge of the program. Components never read
 * config: they get the typed result of this function. Unknown keys are reported by the schema.
 */
export function loadStackConfig(): StackConfig {
  const config = pulumi.runtime.allConfig();
  return parseStackConfig(pulumi.getStack(), mlopsSettings(config), { region: config["aws:region"] });
}

/**
 * The `mlops:*` keys of a stack's configuration as Pulumi hands it over (namespaced keys, values as
 * text), without the namespace and with structured values parsed: the input of `parseStackConfig`.
 */
export function mlopsSettings(config: Readonly<Record<string, string>>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(config)) {
    const [namespace, key] = fullKey.split(":", 2);
    if (namespace === CONFIG_NAMESPACE && key !== undefined) raw[key] = parseConfigValue(value);
  }
  return raw;
}

/** The AWS provider's own settings, which SDK look-ups at preview time must agree with. */
export function loadAwsSettings(): { readonly region?: string; readonly profile?: string } {
  const config = pulumi.runtime.allConfig();
  return { region: config["aws:region"], profile: config["aws:profile"] };
}
