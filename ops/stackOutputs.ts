import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { REPOSITORY_ROOT } from "../preview/stackFile";
import { EXIT, inputError, OpsError } from "./errors";

/** What a stack deployed for a model's endpoint: `models.<model>.endpoint` of the program's outputs. */
export interface DeployedEndpoint {
  readonly name: string;
  readonly configName: string;
  /** The model package of the primary variant. */
  readonly modelPackageArn: string;
}

/** Where the stack outputs come from. */
export interface OutputsSource {
  /** A file holding `pulumi stack output --json`; otherwise the Pulumi CLI is run. */
  readonly file?: string;
  /** The Pulumi CLI. @default "pulumi" from PATH */
  readonly pulumi?: string;
  /** Environment of the Pulumi CLI. @default this process's */
  readonly env?: NodeJS.ProcessEnv;
  /** Folder of Pulumi.yaml, where the CLI runs. @default the repository */
  readonly root?: string;
}

const endpointOutput = z.object({ name: z.string(), configName: z.string(), modelPackageArn: z.string() });
const batchOutput = z.object({ pipelineName: z.string(), inputUrl: z.string(), outputUrl: z.string() });
const stackOutputs = z.object({
  models: z.record(z.string(), z.object({ endpoint: z.unknown().optional(), batch: z.unknown().optional() })),
});

/** What a stack deployed for a model's batch inference: `models.<model>.batch` of the program's outputs. */
export interface DeployedBatch {
  /** The batch pipeline, `<namePrefix>-<model>-batch`. */
  readonly pipelineName: string;
  /** `s3://<data bucket>/batch/input/`: the only folder the pipeline reads. */
  readonly inputUrl: string;
  /** `s3://<data bucket>/batch/output/`: each run writes under `<execution id>/`. */
  readonly outputUrl: string;
}

/**
 * The stack's outputs as `pulumi stack output --json --stack <stack>` prints them: read from
 * `source.file`, or by running the Pulumi CLI.
 *
 * @throws OpsError (exit 2) when the file cannot be read, the CLI is missing or fails, or the text is not JSON.
 */
export async function readStackOutputs(stack: string, source: OutputsSource = {}): Promise<unknown> {
  const command = `pulumi stack output --json --stack ${stack}`;
  const text =
    source.file === undefined ? await runPulumi(stack, source) : await readOutputsFile(source.file);
  const origin = source.file ?? `the output of \`${command}\``;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw inputError(
      `${origin} is not JSON (${(error as Error).message}); expected what \`${command}\` prints`,
    );
  }
}

async function readOutputsFile(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw inputError(
      `--outputs ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
}

function runPulumi(stack: string, source: OutputsSource): Promise<string> {
  const binary = source.pulumi ?? "pulumi";
  const args = ["stack", "output", "--json", "--stack", stack];
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      { cwd: source.root ?? REPOSITORY_ROOT, env: source.env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve(stdout);
        } else if ((error as NodeJS.ErrnoException).code === "ENOENT") {
          reject(
            inputError(
              `the Pulumi CLI is not installed (no \`${binary}\` on PATH), so the stack's outputs cannot be read: ` +
                `install it (https://www.pulumi.com/docs/install/), or pass --outputs FILE with what ` +
                `\`pulumi stack output --json --stack ${stack}\` prints`,
            ),
          );
        } else {
          const detail = stderr.trim().split("\n")[0] || error.message.split("\n")[0];
          reject(
            inputError(`\`${binary} ${args.join(" ")}\` failed (exit code ${String(error.code)}): ${detail}`),
          );
        }
      },
    );
  });
}

/** The outputs' entry of `model`, or an OpsError (2) when the outputs are not the program's or lack it. */
function modelEntry(outputs: unknown, stack: string, model: string) {
  const parsed = stackOutputs.safeParse(outputs);
  if (!parsed.success) {
    throw inputError(
      `the outputs of stack ${stack} have no \`models\` mapping: expected what \`pulumi stack output --json\` prints for this program`,
    );
  }
  const models = parsed.data.models;
  const entry = models[model];
  if (entry === undefined) {
    const names = Object.keys(models).length === 0 ? "none" : Object.keys(models).join(", ");
    throw inputError(
      `the outputs of stack ${stack} have no model "${model}" (models: ${names}); run \`pulumi up\` on the stack first`,
    );
  }
  return entry;
}

/**
 * `models.<model>.batch` of the outputs, for a model whose configuration has `models[].batch`.
 *
 * @throws OpsError 2 when the outputs are not the program's or lack the model, 1 when the stack
 *   deployed no batch inference for it: null until the endpoint serves an approved version (batch
 *   scores with that version), absent when the last `pulumi up` predates `models[].batch`.
 */
export function deployedBatch(outputs: unknown, stack: string, model: string): DeployedBatch {
  const entry = modelEntry(outputs, stack, model);
  if (entry.batch === null || entry.batch === undefined) {
    throw new OpsError(
      EXIT.failed,
      `stack ${stack} deployed no batch inference for model "${model}" ` +
        (entry.batch === null
          ? `(models.${model}.batch is null: it scores with the version the endpoint serves, and the model ` +
            "registry had no approved version at the last `pulumi up`)"
          : `(the outputs have no models.${model}.batch: run \`pulumi up\` on the stack to deploy models[].batch)`),
    );
  }
  const batch = batchOutput.safeParse(entry.batch);
  if (!batch.success) {
    const missing = batch.error.issues.map((issue) => `models.${model}.batch.${issue.path.join(".")}`);
    throw inputError(`the outputs of stack ${stack} lack ${missing.join(", ")} (expected strings)`);
  }
  return batch.data;
}

/**
 * `models.<model>.endpoint` of the outputs.
 *
 * @throws OpsError 2 when the outputs are not the program's or lack the model, 1 when the stack
 *   deployed no endpoint for it (the output is null until a version is approved).
 */
export function deployedEndpoint(outputs: unknown, stack: string, model: string): DeployedEndpoint {
  const entry = modelEntry(outputs, stack, model);
  if (entry.endpoint === null || entry.endpoint === undefined) {
    throw new OpsError(
      EXIT.failed,
      `stack ${stack} deployed no endpoint for model "${model}" (models.${model}.endpoint is null: the model ` +
        "registry had no approved version at the last `pulumi up`)",
    );
  }
  const endpoint = endpointOutput.safeParse(entry.endpoint);
  if (!endpoint.success) {
    const missing = endpoint.error.issues.map((issue) => `models.${model}.endpoint.${issue.path.join(".")}`);
    throw inputError(`the outputs of stack ${stack} lack ${missing.join(", ")} (expected strings)`);
  }
  return endpoint.data;
}
