import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { REPOSITORY_ROOT } from "../../preview";

type StackConfig = Record<string, unknown>;

/**
 * A folder of its own with the project's Pulumi.yaml and `Pulumi.<stack>.yaml`: the shipped stack
 * file `from`, its config changed by `change`. Pass the folder as the preview's root; the caller
 * removes it.
 */
function stackRoot(from: "staging" | "prod", stack: string, change: (config: StackConfig) => void): string {
  const root = mkdtempSync(path.join(tmpdir(), `mlops-${stack}-`));
  writeFileSync(path.join(root, "Pulumi.yaml"), readFileSync(path.join(REPOSITORY_ROOT, "Pulumi.yaml")));
  const file = parse(readFileSync(path.join(REPOSITORY_ROOT, `Pulumi.${from}.yaml`), "utf8")) as {
    config: StackConfig;
  };
  change(file.config);
  writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), stringify(file));
  return root;
}

/**
 * A stack like staging with `count` models (`model-01`, `model-02`, ...), as `Pulumi.models-<count>.yaml`
 * in a folder of its own with the project's Pulumi.yaml: pass the folder as the preview's root.
 * The caller removes the folder.
 */
export function syntheticStackRoot(count: number): { readonly root: string; readonly stack: string } {
  const stack = `models-${count}`;
  const root = stackRoot("staging", stack, (config) => {
    const [model] = config["mlops:models"] as Record<string, unknown>[];
    const { batch, ...rest } = model;
    config["mlops:models"] = Array.from({ length: count }, (_, i) => ({
      ...rest,
      name: `model-${String(i + 1).padStart(2, "0")}`,
      // Each is the sample model under another name: the same schema.
      pipeline: { ...(model.pipeline as Record<string, unknown>), schemaFile: "ml/schemas/diagnosis.json" },
      // Batch inference on the first only: each model with it adds three roles the deploy role passes
      // by name, and with it on 50 models the deploy policy would need more than the 10 managed
      // policies IAM attaches to a role (docs/batch-inference.md).
      ...(i === 0 && batch !== undefined && { batch }),
    }));
  });
  return { root, stack };
}

/**
 * The shipped stack `stack`, under its own name, with each model's `monitoring` extended by
 * `monitoring` (e.g. `{ engine: "model-monitor" }`), in a folder of its own: pass the folder as the
 * preview's root. The caller removes the folder.
 */
export function monitoringStackRoot(stack: "staging" | "prod", monitoring: Record<string, unknown>): string {
  return stackRoot(stack, stack, (config) => {
    config["mlops:models"] = (config["mlops:models"] as Record<string, unknown>[]).map((model) => ({
      ...model,
      monitoring: { ...(model.monitoring as Record<string, unknown>), ...monitoring },
    }));
  });
}
