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

/** How {@link renderTree} draws the plan. */
export interface TreeOptions {
  /** ANSI colors, for a terminal. */
  readonly color: boolean;
  /**
   * Columns a line of the tree may take (a terminal's `process.stdout.columns`): longer names, then
   * longer types, are shortened in the middle with `…` (the plan written by `--json` keeps them
   * whole). @default {@link DEFAULT_WIDTH}, whatever the terminal, so that the text is the same everywhere
   */
  readonly width?: number;
  /** List every resource, instead of one line for a run of more than three of one type. @default false */
  readonly expand?: boolean;
}

/** The width the tree fits when none is given (and what to give when the output is not a terminal). */
export const DEFAULT_WIDTH = 120;

/** Resources of one type side by side under one parent are shown as one when there are more than this. */
export const COLLAPSE_ABOVE = 3;

/**
 * The width asked for, or {@link DEFAULT_WIDTH} when none (or no usable one, such as a terminal's
 * unknown columns) is given.
 */
function widthOf(options: TreeOptions): number {
  const width = options.width;
  return width !== undefined && Number.isFinite(width) && width > 0 ? Math.floor(width) : DEFAULT_WIDTH;
}

/** The fewest columns a name is shortened to, however narrow the width. */
const MIN_NAME_WIDTH = 16;

/** The fewest columns a type token is shortened to (after the tree's lines). */
const MIN_TYPE_WIDTH = 16;

/** Columns a row takes besides its type and name: ` +   `, the gap between them, `  create`. */
const ROW_OVERHEAD = " +   ".length + 2 + "  create".length;

/** The start the names share, cut back to a separator so that no word is cut (`alarm-a1`, `alarm-a2` → `alarm-`). */
export function commonNamePrefix(names: readonly string[]): string {
  const [first = "", ...rest] = names;
  let length = first.length;
  for (const name of rest) {
    let same = 0;
    while (same < length && same < name.length && name[same] === first[same]) same++;
    length = same;
  }
  const prefix = first.slice(0, length);
  const cut = Math.max(...["-", "_", ".", "/", ":"].map((separator) => prefix.lastIndexOf(separator)));
  return cut === -1 ? "" : prefix.slice(0, cut + 1);
}

/**
 * `text` in at most `width` columns: when it is longer, a third of them from its start, `…`, and the
 * rest from its end (which tells names of one stack apart more than their shared start).
 */
export function shorten(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return "…".slice(0, Math.max(width, 0));
  const head = Math.floor((width - 1) / 3);
  return `${chars.slice(0, head).join("")}…${chars.slice(chars.length - (width - 1 - head)).join("")}`;
}

interface Row {
  /** The tree's lines drawn before the type. */
  readonly indent: string;
  /** The type token as shown, or `<count> × <type>` for a collapsed run. */
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
    const siblings = children.get(parent);
    if (siblings === undefined) children.set(parent, [resource]);
    else siblings.push(resource);
  }
  return children;
}

/**
 * The entries under one parent: each resource, or (unless `expand`) one entry for a run of more
 * than {@link COLLAPSE_ABOVE} resources of one type side by side that have nothing under them.
 */
function entries(
  kids: readonly PlanResource[],
  children: ReadonlyMap<string, PlanResource[]>,
  expand: boolean,
): PlanResource[][] {
  const runs: PlanResource[][] = [];
  for (const resource of kids) {
    const run = runs.at(-1);
    const leaf = !children.has(resource.urn);
    if (!expand && leaf && run !== undefined && run[0]?.type === resource.type && !children.has(run[0].urn)) {
      run.push(resource);
    } else runs.push([resource]);
  }
  return runs.flatMap((run) => (run.length > COLLAPSE_ABOVE ? [run] : run.map((resource) => [resource])));
}

/** The rows under `parent`, drawn with the box characters `pulumi preview` uses. */
function treeRows(
  children: ReadonlyMap<string, PlanResource[]>,
  parent: string,
  indent: string,
  expand: boolean,
): Row[] {
  const kids = entries(children.get(parent) ?? [], children, expand);
  return kids.flatMap((run, index) => {
    const last = index === kids.length - 1;
    const [first] = run as [PlanResource, ...PlanResource[]];
    const branch = `${indent}${last ? "└─ " : "├─ "}`;
    if (run.length > 1) {
      const prefix = commonNamePrefix(run.map((resource) => resource.name));
      return [
        {
          indent: branch,
          type: `${run.length} × ${displayType(first.type)}`,
          name: prefix === "" ? "" : `${prefix}*`,
        },
      ];
    }
    const row = { indent: branch, type: displayType(first.type), name: first.name };
    return [row, ...treeRows(children, first.urn, `${indent}${last ? "   " : "│  "}`, expand)];
  });
}

/**
 * The rows with the widths of their columns, shortened to fit `width` where they can: when the
 * columns are too wide together, names keep at least two fifths of the room (or what they need),
 * types the rest, and names what types leave. Neither goes below {@link MIN_NAME_WIDTH} or
 * {@link MIN_TYPE_WIDTH} (after the tree's lines), so a very narrow width is overrun.
 */
function fitted(rows: readonly Row[], width: number): { rows: Row[]; typeWidth: number; nameWidth: number } {
  const typeNeeds = Math.max("Type".length, ...rows.map((row) => row.indent.length + row.type.length));
  const nameNeeds = Math.max("Name".length, ...rows.map((row) => row.name.length));
  const room = width - ROW_OVERHEAD;
  if (typeNeeds + nameNeeds <= room) return { rows: [...rows], typeWidth: typeNeeds, nameWidth: nameNeeds };
  const indentWidth = Math.max(...rows.map((row) => row.indent.length));
  const nameShare = Math.min(nameNeeds, Math.max(MIN_NAME_WIDTH, Math.floor((room * 2) / 5)));
  const typeWidth = Math.min(typeNeeds, Math.max(indentWidth + MIN_TYPE_WIDTH, room - nameShare));
  const nameWidth = Math.min(nameNeeds, Math.max(MIN_NAME_WIDTH, room - typeWidth));
  return {
    rows: rows.map((row) => ({
      indent: row.indent,
      type: shorten(row.type, typeWidth - row.indent.length),
      name: shorten(row.name, nameWidth),
    })),
    typeWidth,
    nameWidth,
  };
}

function table(rows: readonly Row[], options: { readonly color: boolean; readonly width: number }): string[] {
  const fit = fitted(rows, options.width);
  const header = `     ${"Type".padEnd(fit.typeWidth)}  ${"Name".padEnd(fit.nameWidth)}  Plan`;
  const plus = paint("+", GREEN, options.color);
  const create = paint("create", GREEN, options.color);
  return [
    header,
    ...fit.rows.map(
      (row) =>
        ` ${plus}   ${`${row.indent}${row.type}`.padEnd(fit.typeWidth)}  ${row.name.padEnd(fit.nameWidth)}  ${create}`,
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
 * under the stack (components with their children nested; a run of more than three resources of one
 * type under one parent, with nothing under them, as one line `<count> × <type>` named by the start
 * their names share, unless `expand`; fitted to `width`), the stack outputs, the notes of what the
 * offline run assumed, and the summary with the count per type. No trailing newline.
 */
export function renderTree(plan: Plan, options: TreeOptions): string {
  const root = stackUrn(plan);
  const resources = shownResources(plan);
  const rows: Row[] = [
    { indent: "", type: STACK_TYPE, name: stackResourceName(plan) },
    ...treeRows(childrenByParent(resources, root), root, "", options.expand ?? false),
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
    ...table(rows, { color: options.color, width: widthOf(options) }),
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
