import Ajv from "ajv";
import { closest } from "fastest-levenshtein";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { EnforcementLevel } from "./plan";

/**
 * The pack config as `pulumi preview --policy-pack-config <file>` reads it: per policy an
 * enforcement level, or an object with an optional `enforcementLevel` and the policy's settings.
 * Reconciled with what the pack says about its policies (defaults from each configSchema),
 * validated against the schemas, and turned into what the engine sends in Configure.
 *
 * Stricter than the CLI, which passes unknown names on to the pack: a policy name or a setting the
 * pack does not have is an error here, since it is almost always a typo that would silently leave
 * the default in force.
 */

export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = [
  "advisory",
  "mandatory",
  "remediate",
  "disabled",
];

/** The key that sets the enforcement level of every policy at once (as in the CLI). */
const ALL = "all";

/** A policy as the pack describes it in GetAnalyzerInfo. */
export interface PolicyDescription {
  readonly name: string;
  readonly description: string;
  /** The pack's own level for the policy. */
  readonly enforcementLevel: EnforcementLevel;
  /** JSON schema of each setting (with its default), and the settings that are required. */
  readonly configSchema?: {
    readonly properties: Readonly<Record<string, unknown>>;
    readonly required?: readonly string[];
  };
}

/** What Configure carries for one policy: its level and all its settings, defaults included. */
export interface PolicyConfig {
  readonly enforcementLevel: EnforcementLevel;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** One entry of a config source: a level, settings, or both. */
export interface PackConfigEntry {
  readonly enforcementLevel?: EnforcementLevel;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** A parsed config source (the file, or the pack's initial config), by policy name. */
export type PackConfigEntries = ReadonlyMap<string, PackConfigEntry>;

/** A pack config that cannot be used: one line per problem, each starting with the file's name. */
export class PackConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "PackConfigError";
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isLevel(value: unknown): value is EnforcementLevel {
  return ENFORCEMENT_LEVELS.includes(value as EnforcementLevel);
}

const LEVEL_CHOICES = `must be one of ${ENFORCEMENT_LEVELS.map((level) => JSON.stringify(level)).join(", ")}`;

/** `"policy".setting[0]["odd key"]`: how a place in the file is named in messages. */
export function placeOf(policy: string, path: readonly (string | number)[] = []): string {
  return (
    JSON.stringify(policy) +
    path
      .map((part) =>
        typeof part === "number" || /^\d+$/.test(part)
          ? `[${part}]`
          : /^[A-Za-z_$][\w$]*$/.test(part)
            ? `.${part}`
            : `[${JSON.stringify(part)}]`,
      )
      .join("")
  );
}

function parseEntry(
  label: string,
  name: string,
  value: unknown,
  problems: string[],
): PackConfigEntry | undefined {
  if (typeof value === "string") {
    if (isLevel(value)) return { enforcementLevel: value, properties: {} };
    problems.push(`${label}: ${placeOf(name)}: ${LEVEL_CHOICES}`);
    return undefined;
  }
  if (!isObject(value)) {
    problems.push(`${label}: ${placeOf(name)}: must be an enforcement level or an object of settings`);
    return undefined;
  }
  const { enforcementLevel, ...properties } = value;
  if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
    problems.push(`${label}: ${placeOf(name, ["enforcementLevel"])}: ${LEVEL_CHOICES}`);
    return undefined;
  }
  return { enforcementLevel, properties };
}

/**
 * Reads a pack config file's text. `label` names the file in messages (e.g.
 * `policies/config/prod.json`). Throws a PackConfigError for text that is not a JSON object of
 * policy entries or for an entry that is neither a level nor an object with a valid level.
 */
export function parsePackConfig(label: string, text: string): PackConfigEntries {
  let parsed: unknown;
  try {
    parsed = text.trim() === "" ? {} : JSON.parse(text);
  } catch (error) {
    throw new PackConfigError([`${label}: not valid JSON (${(error as Error).message})`]);
  }
  if (!isObject(parsed)) throw new PackConfigError([`${label}: must be an object with an entry per policy`]);
  const problems: string[] = [];
  const entries = new Map<string, PackConfigEntry>();
  for (const [name, value] of Object.entries(parsed)) {
    const entry = parseEntry(label, name, value, problems);
    if (entry) entries.set(name, entry);
  }
  if (problems.length > 0) throw new PackConfigError(problems);
  return entries;
}

function defaultsOf(policy: PolicyDescription): Json {
  return Object.fromEntries(
    Object.entries(policy.configSchema?.properties ?? {}).flatMap(([key, schema]) =>
      isObject(schema) && schema.default !== undefined ? [[key, structuredClone(schema.default)]] : [],
    ),
  );
}

/** Names in a source that are not policies of the pack; `all` takes a level only. */
function unknownNames(
  label: string,
  entries: PackConfigEntries,
  policies: readonly PolicyDescription[],
): string[] {
  const names = policies.map((policy) => policy.name);
  return [...entries].flatMap(([name, entry]) => {
    if (name === ALL) {
      return Object.keys(entry.properties).length > 0
        ? [`${label}: ${placeOf(ALL)}: takes an enforcement level only; settings belong to each policy`]
        : [];
    }
    if (names.includes(name)) return [];
    const hint = names.length > 0 ? ` (did you mean ${JSON.stringify(closest(name, names))}?)` : "";
    return [`${label}: ${placeOf(name)}: the pack has no such policy${hint}`];
  });
}

/** Applies one source the way the CLI does: its `all` level first, then each policy's entry. */
function apply(
  result: Map<string, { enforcementLevel: EnforcementLevel; properties: Json }>,
  entries: PackConfigEntries,
) {
  const all = entries.get(ALL)?.enforcementLevel;
  for (const [name, current] of result) {
    const entry = entries.get(name);
    result.set(name, {
      enforcementLevel: entry?.enforcementLevel ?? all ?? current.enforcementLevel,
      properties: { ...current.properties, ...entry?.properties },
    });
  }
}

const ajv = new Ajv({ allErrors: true, jsonPointers: true, errorDataPath: "property" });

/** The path of an ajv error (JSON pointer, with `errorDataPath: "property"`) as its parts. */
function pathOf(error: Ajv.ErrorObject): string[] {
  return error.dataPath
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function noSuchSetting(policy: PolicyDescription): string {
  const settings = Object.keys(policy.configSchema?.properties ?? {});
  return settings.length === 0
    ? "the policy has no settings"
    : `the policy has no such setting (its settings: ${settings.join(", ")})`;
}

/** One schema error as a short sentence about the value at its place. */
function sentenceOf(error: Ajv.ErrorObject, policy: PolicyDescription, depth: number): string {
  const params = error.params as Json;
  switch (error.keyword) {
    case "type":
      return `must be ${String(params.type).split(",").join(" or ")}`;
    case "enum":
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "required":
      return "is required";
    case "additionalProperties":
      return depth === 1 ? noSuchSetting(policy) : "is not an allowed property";
    default:
      return (error.message ?? error.keyword).replace(/^should\b/, "must");
  }
}

/** Problems with one policy's settings, checked against its configSchema. */
function schemaProblems(label: string, policy: PolicyDescription, properties: Json): string[] {
  const schema = {
    type: "object",
    properties: policy.configSchema?.properties ?? {},
    required: [...(policy.configSchema?.required ?? [])],
    additionalProperties: false,
  };
  const validate = ajv.compile(schema);
  if (validate(properties)) return [];
  return (validate.errors ?? []).map((error) => {
    const path = pathOf(error);
    return `${label}: ${placeOf(policy.name, path)}: ${sentenceOf(error, policy, path.length)}`;
  });
}

/**
 * The Configure payload for every policy of the pack: the schema defaults, overridden by the pack's
 * initial config and then by the file's entries (a level, settings, or both; `all` sets every
 * level); the level falls back to the pack's own. `label` names the file in messages. Throws a
 * PackConfigError listing every unknown policy or setting and every value its schema refuses.
 */
export function reconcilePackConfig(
  policies: readonly PolicyDescription[],
  file: { readonly label: string; readonly entries: PackConfigEntries },
  initialConfig: PackConfigEntries = new Map(),
): Record<string, PolicyConfig> {
  const problems = unknownNames(file.label, file.entries, policies);
  const result = new Map(
    policies.map((policy) => [
      policy.name,
      { enforcementLevel: policy.enforcementLevel, properties: defaultsOf(policy) },
    ]),
  );
  apply(result, initialConfig);
  apply(result, file.entries);
  for (const policy of policies) {
    problems.push(...schemaProblems(file.label, policy, result.get(policy.name)?.properties ?? {}));
  }
  if (problems.length > 0) throw new PackConfigError(problems);
  return Object.fromEntries(result);
}

/** The folder of the stacks' pack configs, `policies/config/<stack>.json`, in a repository. */
export function packConfigFolder(repository: string): string {
  return path.join(repository, "policies", "config");
}

/** A file as messages name it: relative to the repository when it is inside. */
export function packConfigLabel(repository: string, file: string): string {
  const relative = path.relative(repository, file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/**
 * Reads the pack config of a run: `configFile` (`--policy-config`) when given, else the stack's own,
 * `policies/config/<stack>.json`. There is no default file: a stack's pack config says which levels
 * and settings (instance types, counts, the Environment tag's value) hold for it, and a default would
 * silently hold a new stack to another's. A stack without one gets a one-line error naming the file
 * to create and the flag.
 * @throws PackConfigError for a missing file, or one `parsePackConfig` refuses.
 */
export function readPackConfigFile(options: {
  readonly stack: string;
  readonly configFile?: string;
  readonly repository: string;
}): { readonly file: string; readonly label: string; readonly entries: PackConfigEntries } {
  const own = path.join(packConfigFolder(options.repository), `${options.stack}.json`);
  const file = path.resolve(options.configFile ?? own);
  const label = packConfigLabel(options.repository, file);
  if (!existsSync(file)) {
    throw new PackConfigError([
      options.configFile !== undefined
        ? `${label}: no such file (--policy-config)`
        : `${label}: no such file: stack ${options.stack} has no pack config; create it (e.g. a copy of ` +
          `${packConfigLabel(options.repository, path.join(packConfigFolder(options.repository), "staging.json"))} ` +
          `with require-resources-tags.environment set to this stack's environment) or pass --policy-config <file>`,
    ]);
  }
  return { file, label, entries: parsePackConfig(label, readFileSync(file, "utf8")) };
}
