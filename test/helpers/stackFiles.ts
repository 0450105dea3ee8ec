import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { readStackConfigFile, REPOSITORY_ROOT } from "../../preview";

export type StackName = "staging" | "prod";

/** The `mlops:*` settings of a shipped stack file, keyed without the namespace (`models`, `tags`, ...). */
export function readStackFile(stack: StackName): Record<string, unknown> {
  const file = path.join(REPOSITORY_ROOT, `Pulumi.${stack}.yaml`);
  const document = parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document?.config ?? {})) {
    if (key.startsWith("mlops:")) settings[key.slice("mlops:".length)] = value;
  }
  return settings;
}

/**
 * A shipped stack's whole configuration as the Pulumi CLI hands it to a program: every key with its
 * namespace, mappings and lists as JSON text, scalars as strings. Pass it to `pulumi.runtime.setAllConfig`.
 */
export function stackFileConfig(stack: StackName): Record<string, string> {
  return readStackConfigFile(stack).config;
}
