import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { REPOSITORY_ROOT } from "../../preview";

/**
 * A stack like staging with `count` models (`model-01`, `model-02`, ...), as `Pulumi.models-<count>.yaml`
 * in a folder of its own with the project's Pulumi.yaml: pass the folder as the preview's root.
 * The caller removes the folder.
 */
export function syntheticStackRoot(count: number): { readonly root: string; readonly stack: string } {
  const root = mkdtempSync(path.join(tmpdir(), "mlops-models-"));
  writeFileSync(path.join(root, "Pulumi.yaml"), readFileSync(path.join(REPOSITORY_ROOT, "Pulumi.yaml")));
  const staging = parse(readFileSync(path.join(REPOSITORY_ROOT, "Pulumi.staging.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  const [model] = staging.config["mlops:models"] as Record<string, unknown>[];
  staging.config["mlops:models"] = Array.from({ length: count }, (_, i) => ({
    ...model,
    name: `model-${String(i + 1).padStart(2, "0")}`,
  }));
  const stack = `models-${count}`;
  writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), stringify(staging));
  return { root, stack };
}
