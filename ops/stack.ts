import { InputError, knownStacks, readStackConfigFile, REPOSITORY_ROOT } from "../preview/stackFile";
import { modelBaseName } from "../registry/endpointPackages";
import type { StackConfig } from "../stacks/config";
import { inputError } from "./errors";

/** One model of the configuration. */
export type ModelConfig = StackConfig["models"][number];

/** A model of a stack, with what the ops commands need to find its resources. */
export interface OpsTarget extends OpsStack {
  readonly model: ModelConfig;
  /** Physical name of the model's pipeline, model package group and endpoint (`<namePrefix>-<model>`). */
  readonly baseName: string;
}

/**
 * Reads `Pulumi.<stack>.yaml` with the same validation as the program, and finds `model` in it.
 *
 * @throws OpsError (exit 2) for an unknown stack or model (listing the known ones), a stack file
 *   without `aws:region`, or an invalid configuration (every problem listed).
 */
export function loadTarget(stack: string, model: string, root = REPOSITORY_ROOT): OpsTarget {
  const { config, ...where } = loadStack(stack, root);
  const found = config.models.find((candidate) => candidate.name === model);
  if (found === undefined) {
    const names = config.models.map((candidate) => candidate.name).join(", ");
    throw inputError(`unknown model "${model}" in stack ${stack} (models: ${names})`);
  }
  return { ...where, config, model: found, baseName: modelBaseName(config, model) };
}

/**
 * Refuses (exit 2) a model the stack serves from another stack's registry (`models[].source`) for a
 * command that acts on the model's own pipeline or registry: it has neither here.
 */
export function requireBuiltHere(target: OpsTarget, what: string): void {
  const source = target.model.source;
  if (source === undefined) return;
  throw inputError(
    `stack ${target.stack} serves model "${target.model.name}" from ${source.modelPackageGroupArn} ` +
      `(models[].source) and has no pipeline or registry of its own: ${what} in the stack that builds it`,
  );
}

/** The stacks that can be named, for usage texts. */
export function stackNames(root = REPOSITORY_ROOT): string {
  return knownStacks(root).join(", ");
}

/** A stack with every model, for the commands that act on all of them (teardown). */
export interface OpsStack {
  readonly stack: string;
  readonly config: StackConfig;
  /** `aws:region` of the stack file: where the stack deploys, so where its resources are. */
  readonly region: string;
  /** `aws:profile` of the stack file, if it sets one. */
  readonly profile?: string;
}

/**
 * Reads `Pulumi.<stack>.yaml` with the same validation as the program, so with the same defaults
 * and names as `pulumi up`: the whole stack, for the commands that act on every model, and for
 * {@link loadTarget}.
 *
 * @throws OpsError (exit 2) for an unknown stack (listing the known ones), a stack file without
 *   `aws:region`, or an invalid configuration (every problem listed).
 */
export function loadStack(stack: string, root = REPOSITORY_ROOT): OpsStack {
  let file: ReturnType<typeof readStackConfigFile>;
  try {
    file = readStackConfigFile(stack, root);
  } catch (error) {
    throw error instanceof InputError ? inputError(error.message) : error;
  }
  const region = file.config["aws:region"];
  if (region === undefined || region === "") {
    throw inputError(`Pulumi.${stack}.yaml sets no aws:region, so the stack's resources cannot be found`);
  }
  // The program's own parser. Loaded here because it loads Pulumi, which takes a second: usage
  // errors and --help are answered before.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { parseStackConfig } = require("../stacks/config") as typeof import("../stacks/config");
  const { mlopsSettings } = require("../stacks/load") as typeof import("../stacks/load");
  /* eslint-enable @typescript-eslint/no-require-imports */
  let config: StackConfig;
  try {
    config = parseStackConfig(stack, mlopsSettings(file.config), { region });
  } catch (error) {
    throw error instanceof Error && error.name === "ConfigError" ? inputError(error.message) : error;
  }
  const profile = file.config["aws:profile"];
  return { stack, config, region, ...(profile === undefined ? {} : { profile }) };
}
