import type { Plan, PlanResource } from "../plan";

/** Type token of the stack resource every Pulumi program runs under. */
export const STACK_TYPE = "pulumi:pulumi:Stack";

/** Pulumi's placeholder for a value not known until the resource exists, as the engine sends it. */
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const GREEN = "\u001b[32m";
const RESET = "\u001b[0m";

/** Wraps `text` in an ANSI color only when asked, so that piped output and tests stay plain. */
export function paint(text: string, code: string, color: boolean): string {
  return color ? `${code}${text}${RESET}` : text;
}

/**
 * A type token as `pulumi preview` shows it: the module's file part is dropped when it only repeats
 * the type name (`aws:s3/bucket:Bucket` → `aws:s3:Bucket`); other tokens (components, providers,
 * the stack) are shown unchanged.
 */
export function displayType(type: string): string {
  const parts = type.split(":");
  if (parts.length !== 3) return type;
  const [pkg, module, name] = parts as [string, string, string];
  const slash = module.lastIndexOf("/");
  if (name === "" || slash === -1) return type;
  const camelName = name.charAt(0).toLowerCase() + name.slice(1);
  if (module.slice(slash + 1) !== camelName) return type;
  return `${pkg}:${module.slice(0, slash)}:${name}`;
}

/** The resource name a URN ends with (what follows its last `::`). */
export function resourceNameOf(urn: string): string {
  const index = urn.lastIndexOf("::");
  return index === -1 ? urn : urn.slice(index + 2);
}

/** Name Pulumi gives the stack resource: `<project>-<stack>`. */
export function stackResourceName(plan: Plan): string {
  return `${plan.project}-${plan.stack}`;
}

/** URN of the stack resource: the plan's own when it lists one, else the one Pulumi would give it. */
export function stackUrn(plan: Plan): string {
  const listed = plan.resources.find((resource) => resource.type === STACK_TYPE);
  return (
    listed?.urn ?? `urn:pulumi:${plan.stack}::${plan.project}::${STACK_TYPE}::${stackResourceName(plan)}`
  );
}

/** True for providers the engine creates on its own, which `pulumi preview` does not list. */
export function isDefaultProvider(resource: PlanResource): boolean {
  return resource.type.startsWith("pulumi:providers:") && resource.name.startsWith("default");
}

/** The resources shown under the stack: neither the stack itself nor default providers. */
export function shownResources(plan: Plan): PlanResource[] {
  return plan.resources.filter((resource) => resource.type !== STACK_TYPE && !isDefaultProvider(resource));
}

interface Row {
  readonly type: string;
  readonly name: string;
}

/**
 * Parent URN → children, in registration order (the order `pulumi preview` lists them in). A parent
 * missing from the plan (or hidden) hangs its children under the stack, so that none is lost.
 */
function childrenByParent(resources: readonly PlanResource[], root: string): Map<string, PlanResource[]> {
  const known = new Set(resources.map((resource) => resource.urn));
  const children = new Map<string, PlanResource[]>();
  for (const resource of resources) {
    const parent = known.has(resource.parent) ? resource.parent : root;
    children.set(parent, [...(children.get(parent) ?? []), resource]);
  }
  return children;
}

/** The rows under `parent`, drawn with the box characters `pulumi preview` uses. */
function treeRows(children: Map<string, PlanResource[]>, parent: string, indent: string): Row[] {
  const kids = children.get(parent) ?? [];
  return kids.flatMap((resource, index) => {
    const last = index === kids.length - 1;
    const row = {
      type: `${indent}${last ? "└─ " : "├─ "}${displayType(resource.type)}`,
      name: resource.name,
    };
    return [row, ...treeRows(children, resource.urn, `${indent}${last ? "   " : "│  "}`)];
  });
}

function table(rows: readonly Row[], color: boolean): string[] {
  const typeWidth = Math.max("Type".length, ...rows.map((row) => row.type.length));
  const nameWidth = Math.max("Name".length, ...rows.map((row) => row.name.length));
  const header = `     ${"Type".padEnd(typeWidth)}  ${"Name".padEnd(nameWidth)}  Plan`;
  const plus = paint("+", GREEN, color);
  const create = paint("create", GREEN, color);
  return [
    header,
    ...rows.map(
      (row) => ` ${plus}   ${row.type.padEnd(typeWidth)}  ${row.name.padEnd(nameWidth)}  ${create}`,
    ),
  ];
}

/** A value the way `pulumi preview` prints outputs: keys aligned, arrays as `[i]: value`. */
function valueLines(value: unknown, indent: string): string[] {
  if (value === UNKNOWN_VALUE) return ["output<string>"];
  if (Array.isArray(value)) {
    if (value.length === 0) return ["[]"];
    return [
      "[",
      ...entryLines(
        value.map((item, index) => [`[${index}]`, item]),
        `${indent}    `,
      ),
      `${indent}]`,
    ];
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return ["{}"];
    return ["{", ...entryLines(entries, `${indent}    `), `${indent}}`];
  }
  return [JSON.stringify(value) ?? "undefined"];
}

function entryLines(entries: readonly (readonly [string, unknown])[], indent: string): string[] {
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.flatMap(([key, value]) => {
    const [first = "", ...rest] = valueLines(value, indent);
    return [`${indent}${key.padEnd(width)}: ${first}`, ...rest];
  });
}

/** Number of resources per shown type, most frequent first, then by type for a stable order. */
export function countsByType(types: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [...counts].sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The plan as `pulumi preview` prints a first update of the stack: the header, the resource tree
 * under the stack (components with their children nested), the stack outputs, the notes of what the
 * offline run assumed, and the summary with the count per type. No trailing newline.
 */
export function renderTree(plan: Plan, options: { readonly color: boolean }): string {
  const root = stackUrn(plan);
  const resources = shownResources(plan);
  const rows: Row[] = [
    { type: STACK_TYPE, name: stackResourceName(plan) },
    ...treeRows(childrenByParent(resources, root), root, ""),
  ];
  const outputs = Object.entries(plan.outputs);
  const notes = plan.notes ?? [];
  // The stack itself is created too, and `pulumi preview` counts it.
  const counts = countsByType([STACK_TYPE, ...resources.map((resource) => displayType(resource.type))]);
  const countWidth = String(counts[0]?.[1] ?? 0).length;
  const total = resources.length + 1;
  return [
    `Previewing update (${plan.stack}), offline`,
    "",
    ...table(rows, options.color),
    ...(outputs.length > 0 ? ["", "Outputs:", ...entryLines(outputs, "    ")] : []),
    ...(notes.length > 0
      ? ["", "Notes:", ...notes.map((note) => `    - ${note.split("\n").join("\n      ")}`)]
      : []),
    "",
    "Resources:",
    `    ${paint(`+ ${total} to create`, GREEN, options.color)}`,
    ...counts.map(([type, count]) => `        ${String(count).padStart(countWidth)} ${type}`),
  ].join("\n");
}
