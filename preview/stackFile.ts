import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse, YAMLError } from "yaml";
import { parseConfigValue } from "../stacks/configValue";

/** A bad command line or stack file: reported in one line, exit code 2, no stack trace. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/** The repository: Pulumi.yaml, the stack files and the policy pack live here. */
export const REPOSITORY_ROOT = path.resolve(__dirname, "..");

/** Stacks that have a `Pulumi.<stack>.yaml` in the repository. */
export function knownStacks(root = REPOSITORY_ROOT): string[] {
  return readdirSync(root)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

/** The project name of `Pulumi.yaml`. */
export function projectName(root = REPOSITORY_ROOT): string {
  const project = parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { name?: unknown } | null;
  if (typeof project?.name !== "string")
    throw new InputError(`${path.join(root, "Pulumi.yaml")} has no project name`);
  return project.name;
}

/** A stack's configuration as the Pulumi CLI hands it to a program, and what could not be read offline. */
export interface StackConfigFile {
  /** Every key with its namespace (`mlops:models`, `aws:region`); mappings and lists as JSON text. */
  readonly config: Record<string, string>;
  /** Keys whose values are secrets (`secure:`), which only the Pulumi CLI can decrypt. */
  readonly secrets: readonly string[];
}

/**
 * Reads `Pulumi.<stack>.yaml`. A secret (`key: { secure: ... }`) cannot be decrypted without the
 * stack's secrets provider, so it is passed on as the text `[secret]` and named in `secrets`.
 */
export function readStackConfigFile(stack: string, root = REPOSITORY_ROOT): StackConfigFile {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!existsSync(path.join(root, "Pulumi.yaml"))) {
    throw new InputError(`${root} is not a Pulumi project: it has no Pulumi.yaml`);
  }
  if (!existsSync(file)) {
    const known = knownStacks(root);
    const listed = known.length > 0 ? known.join(", ") : "none";
    throw new InputError(`unknown stack "${stack}": there is no Pulumi.${stack}.yaml (stacks: ${listed})`);
  }
  let document: unknown;
  try {
    document = parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new InputError(yamlErrorMessage(`Pulumi.${stack}.yaml`, error));
  }
  const entries = (document as { config?: Record<string, unknown> } | null)?.config ?? {};
  const config: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [key, value] of Object.entries(entries)) {
    if (isSecret(value)) {
      secrets.push(key);
      config[key] = "[secret]";
    } else {
      config[key] = typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
    }
  }
  return { config, secrets };
}

/**
 * A YAML error as `<file>:<line>:<column>: not valid YAML: <what>`, followed by the offending line
 * (and the one before it) with a caret under the column, as the `yaml` package quotes them.
 */
export function yamlErrorMessage(file: string, error: unknown): string {
  const what = (error as Error).message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  const position = error instanceof YAMLError ? error.linePos?.[0] : undefined;
  if (position === undefined) return `${file} is not valid YAML: ${what}`;
  // The package's message quotes the offending line (after the one before it) with a caret under the column.
  const excerpt = (error as Error).message
    .split("\n")
    .slice(1)
    .filter((line) => line.trim() !== "");
  return [`${file}:${position.line}:${position.col}: not valid YAML: ${what}`, ...excerpt].join("\n");
}

/**
 * The AWS account of a stack: the (first) account `aws:allowedAccountIds` allows, the provider
 * setting that stops a deploy into another account. Undefined when the stack file does not set it.
 * @throws InputError when the value is not a list of 12-digit account ids.
 */
export function stackAccountId(stack: string, config: Readonly<Record<string, string>>): string | undefined {
  const text = config["aws:allowedAccountIds"];
  if (text === undefined) return undefined;
  const value = parseConfigValue(text);
  const accounts = Array.isArray(value) ? value.map((account) => String(account)) : undefined;
  if (accounts === undefined || accounts.length === 0 || !accounts.every((a) => /^\d{12}$/.test(a))) {
    throw new InputError(
      `Pulumi.${stack}.yaml: aws:allowedAccountIds: ${text} must be a list of 12-digit AWS account ids, ` +
        `quoted, e.g. ["111111111111"]: the account the stack deploys to`,
    );
  }
  return accounts[0];
}

function isSecret(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length === 1 && "secure" in value;
}

/** The pack's policies: one per file in `policies/rules`, named after the file. */
export function packPolicyNames(root = REPOSITORY_ROOT): string[] {
  return readdirSync(path.join(root, "policies", "rules"))
    .filter((file) => file.endsWith(".ts"))
    .map((file) => file.slice(0, -".ts".length))
    .sort();
}
