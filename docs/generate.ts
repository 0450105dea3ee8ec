import type { Policies } from "@pulumi/policy";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { z } from "zod";
import { policies } from "../policies/pack";
import { ruleMetadata } from "../policies/lib/rule";
import { stackConfigSchema } from "../stacks/schema";

/**
 * Writes the reference tables of `docs/` from the code they describe: the stack settings from the
 * zod schema in `stacks/schema.ts`, and the policy rules from the pack's rule list and the per-stack
 * pack configs in `policies/config/`. Each table goes between `<!-- BEGIN GENERATED: <name> -->` and
 * `<!-- END GENERATED: <name> -->` in its page; the rest of the page is written by hand.
 *
 *   npm run docs             rewrites the generated parts
 *   npm run docs -- --check  exits 1, naming each page that is out of date, without writing
 *
 * The functions are pure apart from `generatedDocs` (which reads the pages and the pack configs),
 * so that `test/docs/generated.test.ts` runs them in-process.
 */

const REPO = path.resolve(__dirname, "..");

// ---------------------------------------------------------------------------------------------
// Markdown helpers

/** A table cell: one line, with the pipes that would end the cell escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

/** A Markdown table; every cell goes through `cell`. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Inline code that survives any backtick in the text. */
function code(text: string): string {
  const fence = text.includes("`") ? "``" : "`";
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * Prose from the code (descriptions) as Markdown shows it literally: `*`, `_`, `<`, `[` and `\\` are
 * escaped outside code spans, so that "s3:*" is no emphasis and "<namePrefix>" no HTML tag.
 */
export function prose(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(/[\\*_<[]/g, (char) => `\\${char}`)))
    .join("");
}

/** Where a generated part begins and ends in its page. */
export function markers(name: string): { begin: string; end: string } {
  return { begin: `<!-- BEGIN GENERATED: ${name} -->`, end: `<!-- END GENERATED: ${name} -->` };
}

/** The page with the part between the markers of `name` replaced by `content`; throws without the markers. */
export function replaceGenerated(page: string, name: string, content: string, file: string): string {
  const { begin, end } = markers(name);
  const start = page.indexOf(begin);
  const stop = page.indexOf(end);
  if (start < 0 || stop < start) {
    throw new Error(`${file} has no "${begin}" followed by "${end}": put both where the ${name} table goes`);
  }
  return `${page.slice(0, start + begin.length)}\n\n${content.trim()}\n\n${page.slice(stop)}`;
}

/** Formats a page as `prettier --write` would, so that the written page passes `prettier --check`. */
export async function formatMarkdown(text: string, file: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...options, filepath: file });
}

// ---------------------------------------------------------------------------------------------
// The configuration reference, from the zod schema

type Schema = z.core.$ZodType;
type Def = z.core.$ZodTypes["_zod"]["def"];
interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly format?: string;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly multipleOf?: number;
}

function defOf(schema: Schema): Def {
  return (schema as z.core.$ZodTypes)._zod.def;
}

/** The schema a schema was derived from by `.describe()` or `.meta()`, if any. */
function parentOf(schema: Schema): Schema | undefined {
  return (schema._zod as { parent?: Schema }).parent;
}

function metaOf(schema: Schema): Record<string, unknown> | undefined {
  return z.globalRegistry.get(schema) as Record<string, unknown> | undefined;
}

function descriptionOf(schema: Schema): string | undefined {
  const description = metaOf(schema)?.description;
  return typeof description === "string" && description.trim() !== "" ? description.trim() : undefined;
}

/** A schema's JSON Schema on the input side (what a stack file may hold), as far as JSON Schema can say. */
function jsonOf(schema: Schema): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

/** What a key's schema says once its wrappers (optional, default, pipe, ...) are taken off. */
interface Unwrapped {
  /** The schema that says what the value is: string, number, enum, object, array, ... */
  readonly core: Schema;
  /** The key may be left out of a stack file. */
  readonly optional: boolean;
  /** The value used when the key is left out: the schema's default, or a `default` in its metadata. */
  readonly defaultValue?: { readonly value: unknown };
  /** The key's description: the outermost one of its wrappers, else the core's (see `enumDescription`). */
  readonly description?: string;
}

/** Enums longer than this are summarised instead of listed. */
const LONG_ENUM = 8;

function enumValues(core: Schema): readonly unknown[] | undefined {
  const def = defOf(core);
  if (def.type === "enum") return Object.values(def.entries);
  if (def.type === "literal") return def.values;
  return undefined;
}

function isLongEnum(core: Schema): boolean {
  return (enumValues(core)?.length ?? 0) > LONG_ENUM;
}

/**
 * The description a long enum was given where it is defined (the first one in the chain of schemas
 * `.describe()` derived it from), e.g. "a SageMaker endpoint instance type"; a description added on
 * top of that one is the key's own.
 */
function enumDescription(core: Schema): string | undefined {
  const chain: Schema[] = [];
  for (let at: Schema | undefined = core; at; at = parentOf(at)) chain.unshift(at);
  for (const schema of chain) {
    const description = descriptionOf(schema);
    if (description !== undefined) return description;
  }
  return undefined;
}

function unwrap(schema: Schema): Unwrapped {
  let optional = schema._zod.optin === "optional";
  let defaultValue: { value: unknown } | undefined;
  let description: string | undefined;
  let documentedDefault: { value: unknown } | undefined;
  let at = schema;
  for (;;) {
    description ??= descriptionOf(at);
    const meta = metaOf(at);
    if (meta && "default" in meta) documentedDefault ??= { value: meta.default };
    const def = defOf(at);
    if (def.type === "default" || def.type === "prefault") {
      optional = true;
      defaultValue ??= { value: def.defaultValue };
      at = def.innerType;
    } else if (def.type === "optional") {
      optional = true;
      at = def.innerType;
    } else if (def.type === "nullable" || def.type === "readonly" || def.type === "catch") {
      at = def.innerType;
    } else if (def.type === "nonoptional") {
      at = def.innerType;
    } else if (def.type === "pipe") {
      // A stack file holds the pipe's input.
      at = def.in;
    } else if (def.type === "lazy") {
      at = def.getter();
    } else {
      break;
    }
  }
  const core = at;
  // The core's own description, unless it is the long enum's (which becomes its type, see typeOf).
  const own = descriptionOf(core);
  if (description === own && isLongEnum(core) && own === enumDescription(core)) description = undefined;
  return { core, optional, defaultValue: defaultValue ?? documentedDefault, description };
}

function quoteValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A bound JSON Schema states, unless it is only the limit of safe integers that `.int()` implies. */
function bound(value: number | undefined): number | undefined {
  return value === undefined || Math.abs(value) >= Number.MAX_SAFE_INTEGER ? undefined : value;
}

function numberRange(json: JsonSchema): string {
  const [min, max] = [bound(json.minimum), bound(json.maximum)];
  const [above, below] = [bound(json.exclusiveMinimum), bound(json.exclusiveMaximum)];
  if (min !== undefined && max !== undefined) return `${min}–${max}`;
  const parts = [
    ...(min !== undefined ? [`≥ ${min}`] : []),
    ...(above !== undefined ? [`> ${above}`] : []),
    ...(max !== undefined ? [`≤ ${max}`] : []),
    ...(below !== undefined ? [`< ${below}`] : []),
  ];
  return parts.join(", ");
}

/** Patterns longer than this are not spelt out in the table. */
const LONG_PATTERN = 60;

function stringType(json: JsonSchema): string {
  if (json.format === "email") return "e-mail address";
  if (json.format !== undefined && json.format !== "regex") return `string (${json.format})`;
  if (json.pattern !== undefined) {
    // zod keeps a RegExp's source, where "/" is escaped; it means the same unescaped.
    const pattern = json.pattern.replace(/\\\//g, "/");
    return pattern.length <= LONG_PATTERN
      ? `string matching ${code(pattern)}`
      : "string matching a pattern (see `stacks/schema.ts`)";
  }
  const { minLength: min, maxLength: max } = json;
  if (min === 1 && max === undefined) return "non-empty string";
  if (min !== undefined && max !== undefined) return `string of ${min}–${max} characters`;
  if (min !== undefined) return `string of at least ${min} characters`;
  if (max !== undefined) return `string of at most ${max} characters`;
  return "string";
}

function itemCount(json: { minItems?: number; maxItems?: number }): string {
  const { minItems: min, maxItems: max } = json;
  if (min !== undefined && max !== undefined) return ` (${min}–${max} items)`;
  if (min !== undefined) return ` (at least ${min} item${min === 1 ? "" : "s"})`;
  if (max !== undefined) return ` (at most ${max} items)`;
  return "";
}

/** The value's type as the table shows it: allowed values, ranges and patterns included. */
function typeOf(schema: Schema): string {
  const { core } = unwrap(schema);
  const def = defOf(core);
  const values = enumValues(core);
  if (values) {
    if (values.length > LONG_ENUM) {
      const description = enumDescription(core);
      return description !== undefined ? prose(description) : `one of ${values.length} values`;
    }
    if (values.length === 1) return code(quoteValue(values[0]));
    return `one of ${values.map((value) => code(quoteValue(value))).join(", ")}`;
  }
  switch (def.type) {
    case "string":
      return stringType(jsonOf(core));
    case "number": {
      const json = jsonOf(core);
      const kind = json.type === "integer" ? "integer" : "number";
      const range = numberRange(json);
      return range === "" ? kind : `${kind} ${range}`;
    }
    case "boolean":
      return "boolean";
    case "object":
      return "mapping";
    case "array": {
      const count = itemCount(jsonOf(core) as { minItems?: number; maxItems?: number });
      const element = unwrap(def.element).core;
      return defOf(element).type === "object"
        ? `list of mappings${count}`
        : `list${count}, each: ${typeOf(def.element)}`;
    }
    case "record":
      return `mapping of ${typeOf(def.keyType)} to ${typeOf(def.valueType)}`;
    case "union":
      return def.options.map((option) => typeOf(option)).join(" or ");
    default:
      return def.type;
  }
}

function defaultText(value: { readonly value: unknown } | undefined): string {
  if (value === undefined) return "";
  const { value: v } = value;
  if (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length > 0) {
    // The keys below show their own defaults.
    return "";
  }
  return code(quoteValue(v));
}

/** One row of the configuration reference. */
export interface ConfigRow {
  /** Dotted key path below `mlops:`; `[]` stands for every item of a list, e.g. `models[].name`. */
  readonly key: string;
  readonly type: string;
  readonly default: string;
  readonly required: boolean;
  readonly description: string;
}

/** The rows of a key and of every key under it, in the schema's order. */
function rowsOf(key: string, schema: Schema): ConfigRow[] {
  const { core, optional, defaultValue, description } = unwrap(schema);
  const row: ConfigRow = {
    key,
    type: typeOf(schema),
    default: defaultText(defaultValue),
    required: !optional,
    description: description === undefined ? "" : prose(description),
  };
  return [row, ...childRows(key, core)];
}

function childRows(key: string, core: Schema): ConfigRow[] {
  const def = defOf(core);
  if (def.type === "object") {
    return Object.entries(def.shape).flatMap(([name, child]) => rowsOf(`${key}.${name}`, child));
  }
  if (def.type === "array") {
    const element = unwrap(def.element).core;
    if (defOf(element).type === "object") return childRows(`${key}[]`, element);
  }
  return [];
}

/** A part of the reference: the top-level keys, or every key under one top-level key. */
export interface ConfigSection {
  /** The top-level key, or undefined for the table of top-level keys. */
  readonly key?: string;
  readonly rows: readonly ConfigRow[];
}

/**
 * The configuration reference: a table of the top-level keys, then a table per top-level key that
 * holds more keys (a mapping, or a list of mappings), with nested keys flattened to dotted paths.
 */
export function configSections(schema: Schema): ConfigSection[] {
  const def = defOf(unwrap(schema).core);
  if (def.type !== "object") throw new Error(`the stack schema is a ${def.type}, not an object`);
  const entries = Object.entries(def.shape);
  const top: ConfigSection = { rows: entries.map(([key, child]) => rowsOf(key, child)[0]) };
  const nested = entries
    .map(([key, child]): ConfigSection => ({ key, rows: rowsOf(key, child).slice(1) }))
    .filter((section) => section.rows.length > 0);
  return [top, ...nested];
}

/** The configuration reference as Markdown (before formatting). */
export function configReference(schema: Schema): string {
  const header = ["Key", "Type", "Default", "Required", "Description"];
  return configSections(schema)
    .map((section) => {
      const heading = section.key === undefined ? "### Top-level keys" : `### ${code(section.key)}`;
      const rows = section.rows.map((row) => [
        code(row.key),
        row.type,
        row.default,
        row.required ? "yes" : "no",
        row.description,
      ]);
      return `${heading}\n\n${markdownTable(header, rows)}`;
    })
    .join("\n\n");
}

// ---------------------------------------------------------------------------------------------
// The policy rule table, from the pack and its per-stack configs

/** One stack's pack config, as in `policies/config/<stack>.json`. */
export interface StackPackConfig {
  readonly stack: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/** Every `policies/config/<stack>.json`, by stack name. */
export function readPackConfigs(dir: string): StackPackConfig[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => ({
      stack: file.replace(/\.json$/, ""),
      config: JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Record<string, unknown>,
    }));
}

interface ConfigProperty {
  readonly default?: unknown;
}

/** What a stack's pack config says for one rule: its enforcement level, and its settings. */
function ruleEntry(config: Readonly<Record<string, unknown>>, rule: string) {
  const entry = config[rule];
  const all = config.all;
  const levelOf = (value: unknown) =>
    typeof value === "string"
      ? value
      : typeof value === "object" && value !== null
        ? ((value as { enforcementLevel?: string }).enforcementLevel ?? undefined)
        : undefined;
  const settings =
    typeof entry === "object" && entry !== null ? { ...(entry as Record<string, unknown>) } : {};
  delete settings.enforcementLevel;
  return { level: levelOf(entry) ?? levelOf(all), settings };
}

function settingValue(key: string, value: unknown): string {
  if (key === "waivers" && Array.isArray(value))
    return `${value.length} waiver${value.length === 1 ? "" : "s"}`;
  if (Array.isArray(value)) return `[${value.map(quoteValue).join(", ")}]`;
  if (typeof value === "string") return value === "" ? '""' : value;
  return JSON.stringify(value);
}

/** A rule's severity and its controls, as code; blank cells for a policy with no metadata of ours. */
function metadataCells(policy: Policies[number]): [string, string] {
  const metadata = ruleMetadata(policy);
  return [metadata?.severity ?? "", (metadata?.controls ?? []).map(code).join(", ")];
}

/** A rule's settings in one stack: the stack's values, else the rule's defaults; waivers only when set. */
function settingsText(policy: Policies[number], settings: Readonly<Record<string, unknown>>): string {
  const properties = (policy.configSchema?.properties ?? {}) as Record<string, ConfigProperty>;
  const keys = [...Object.keys(properties), ...Object.keys(settings).filter((key) => !(key in properties))];
  const shown = keys.flatMap((key) => {
    const value = key in settings ? settings[key] : properties[key]?.default;
    if (value === undefined) return [];
    if (key === "waivers" && Array.isArray(value) && value.length === 0) return [];
    return [code(`${key}=${settingValue(key, value)}`)];
  });
  return shown.length === 0 ? "none" : shown.join(", ");
}

/**
 * The rule table: each rule's description, severity and the controls it checks (AWS Foundational
 * Security Best Practices ids), and its level and settings in every stack.
 */
export function policyTable(policies: Policies, stacks: readonly StackPackConfig[]): string {
  const header = [
    "Rule",
    "Description",
    "Severity",
    "Controls",
    ...stacks.flatMap(({ stack }) => [`${stack}: level`, `${stack}: settings`]),
  ];
  const rows = policies.map((policy) => [
    code(policy.name),
    prose(policy.description ?? ""),
    ...metadataCells(policy),
    ...stacks.flatMap(({ config }) => {
      const { level, settings } = ruleEntry(config, policy.name);
      return [level ?? policy.enforcementLevel ?? "advisory", settingsText(policy, settings)];
    }),
  ]);
  return markdownTable(header, rows);
}

// ---------------------------------------------------------------------------------------------
// The pages

/** A page with generated parts, as it should be. */
export interface GeneratedDoc {
  /** Path from the repository's root, e.g. `docs/configuration.md`. */
  readonly file: string;
  /** The page with its generated parts written and the whole page formatted. */
  readonly expected: string;
  /** The page as it is now. */
  readonly current: string;
}

/** Every page with generated parts, with the content it should have. */
export async function generatedDocs(root: string = REPO): Promise<GeneratedDoc[]> {
  const parts: { file: string; name: string; content: string }[] = [
    { file: "docs/configuration.md", name: "config", content: configReference(stackConfigSchema) },
    {
      file: "docs/policies.md",
      name: "policies",
      content: policyTable(policies, readPackConfigs(path.join(root, "policies", "config"))),
    },
  ];
  return Promise.all(
    parts.map(async ({ file, name, content }) => {
      const absolute = path.join(root, file);
      const current = existsSync(absolute) ? readFileSync(absolute, "utf8") : "";
      const expected = await formatMarkdown(replaceGenerated(current, name, content, file), absolute);
      return { file, expected, current };
    }),
  );
}

async function main(args: readonly string[]): Promise<number> {
  const unknown = args.filter((arg) => arg !== "--check");
  if (unknown.length > 0) {
    console.error(`error: unknown argument ${unknown.join(" ")} (usage: npm run docs [-- --check])`);
    return 2;
  }
  const check = args.includes("--check");
  const docs = await generatedDocs();
  const stale = docs.filter((doc) => doc.expected !== doc.current);
  if (check) {
    for (const doc of stale)
      console.error(`${doc.file} is out of date: run \`npm run docs\` and commit the result.`);
    return stale.length > 0 ? 1 : 0;
  }
  for (const doc of stale) {
    writeFileSync(path.join(REPO, doc.file), doc.expected);
    console.log(`wrote ${doc.file}`);
  }
  if (stale.length === 0) console.log("docs are up to date");
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(2);
    },
  );
}
