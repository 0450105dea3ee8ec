import type { Plan, PlanResource } from "../plan";
import { shownResources } from "./tree";

/** Custom resources of one type under one parent are drawn as one node when there are more than this. */
export const COLLAPSE_ABOVE = 3;

/** Words mermaid's flowchart grammar reserves; an id equal to one would break the diagram. */
const RESERVED = new Set([
  "end",
  "graph",
  "flowchart",
  "subgraph",
  "style",
  "class",
  "classdef",
  "click",
  "linkstyle",
  "direction",
  "default",
  "call",
  "href",
]);

/** The last part of a type token: `aws:s3/bucket:Bucket` → `Bucket`, `mlops:sagemaker:ModelEndpoint` → `ModelEndpoint`. */
export function typeShortName(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1);
}

/**
 * A mermaid node id (`^[A-Za-z0-9_]+$`). Ids starting with a digit, a lowercase `o` or `x` (which
 * mermaid can read as an arrow head after `--`) or equal to a keyword get an `n_` prefix.
 */
export function mermaidId(text: string): string {
  const id = text.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_|_$/g, "");
  return id === "" || /^[0-9ox]/.test(id) || RESERVED.has(id.toLowerCase()) ? `n_${id}` : id;
}

/**
 * Text inside a quoted mermaid label: `#` starts mermaid's entity codes and `"` ends the label, and
 * `<`, `>` and `&` would be read as HTML; all become entity codes.
 */
export function escapeLabel(text: string): string {
  return text
    .replace(/#/g, "#35;")
    .replace(/"/g, "#quot;")
    .replace(/&/g, "#amp;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;");
}

/** What the diagram draws: a node (one or several resources) or a subgraph (a component). */
interface Item {
  /** Sorts items and decides which one keeps an id when two would get the same. */
  readonly key: string;
  readonly baseId: string;
  readonly label: string;
  readonly type: string;
  readonly name: string;
  readonly urns: readonly string[];
  /** URN of the component it is drawn in; "" for the top level. */
  readonly parent: string;
  readonly subgraph: boolean;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

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

/** The items under one parent: components, single resources, and groups of many of one type. */
function itemsUnder(parent: string, children: readonly PlanResource[], hasChildren: Set<string>): Item[] {
  const byType = new Map<string, PlanResource[]>();
  for (const resource of children.filter((child) => child.custom)) {
    byType.set(resource.type, [...(byType.get(resource.type) ?? []), resource]);
  }
  const single = (resource: PlanResource): Item => ({
    key: resource.urn,
    baseId: `${typeShortName(resource.type)}_${resource.name}`,
    label: `${escapeLabel(typeShortName(resource.type))}<br/>${escapeLabel(resource.name)}`,
    type: resource.type,
    name: resource.name,
    urns: [resource.urn],
    parent,
    subgraph: !resource.custom && hasChildren.has(resource.urn),
  });
  const groups = [...byType].flatMap(([type, resources]): Item[] => {
    if (resources.length <= COLLAPSE_ABOVE) return resources.map(single);
    const short = typeShortName(type);
    const prefix = commonNamePrefix(resources.map((resource) => resource.name));
    return [
      {
        key: `${parent}\u0000${type}`,
        baseId: `${short}_${prefix === "" ? "all" : prefix}_x${resources.length}`,
        label: `${escapeLabel(`${short} × ${resources.length}`)}${prefix === "" ? "" : `<br/>${escapeLabel(`${prefix}*`)}`}`,
        type,
        name: "",
        urns: resources.map((resource) => resource.urn),
        parent,
        subgraph: false,
      },
    ];
  });
  return [...children.filter((child) => !child.custom).map(single), ...groups];
}

/**
 * URN of the component a resource is drawn in: its nearest ancestor that is a component in the plan
 * (a custom resource's children sit beside it), or "" for the top level.
 */
function containerOf(resource: PlanResource, byUrn: ReadonlyMap<string, PlanResource>): string {
  const seen = new Set<string>();
  let parent = byUrn.get(resource.parent);
  // A parent cycle cannot come from Pulumi, but would otherwise loop forever.
  while (parent !== undefined && parent.custom && !seen.has(parent.urn)) {
    seen.add(parent.urn);
    parent = byUrn.get(parent.parent);
  }
  return parent === undefined || parent.custom ? "" : parent.urn;
}

/** Unique ids, given in key order, so that the same plan always gets the same ids. */
function assignIds(items: readonly Item[]): Map<Item, string> {
  const ids = new Map<Item, string>();
  const taken = new Set<string>();
  for (const item of [...items].sort((a, b) => compare(a.key, b.key))) {
    const base = mermaidId(item.baseId);
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
    taken.add(id);
    ids.set(item, id);
  }
  return ids;
}

/** Where each URN is drawn (several URNs share a grouped node), and under which id. */
interface Layout {
  readonly items: readonly Item[];
  readonly ids: ReadonlyMap<Item, string>;
  readonly itemOf: ReadonlyMap<string, Item>;
}

/** Ids of the subgraphs an item is drawn in, innermost first. */
function containers(layout: Layout, item: Item): string[] {
  const found: string[] = [];
  for (
    let outer = layout.itemOf.get(item.parent);
    outer !== undefined;
    outer = layout.itemOf.get(outer.parent)
  ) {
    const id = layout.ids.get(outer) ?? "";
    if (found.includes(id)) break; // a parent cycle, which only a hand-written plan can have
    found.push(id);
  }
  return found;
}

/**
 * One `from --> to` per pair of drawn items where `to` depends on `from`, sorted. Dependencies on
 * what is not drawn (providers, the stack, unknown URNs), inside one grouped node, or between a
 * component and what it contains (obvious from the nesting) give no arrow.
 */
function links(resources: readonly PlanResource[], layout: Layout): string[] {
  const found = new Set<string>();
  for (const resource of resources) {
    const target = layout.itemOf.get(resource.urn);
    const to = target === undefined ? undefined : layout.ids.get(target);
    if (target === undefined || to === undefined) continue;
    for (const dependency of resource.dependencies) {
      const source = layout.itemOf.get(dependency);
      const from = source === undefined ? undefined : layout.ids.get(source);
      if (source === undefined || from === undefined || from === to) continue;
      if (containers(layout, target).includes(from) || containers(layout, source).includes(to)) continue;
      found.add(`${from} --> ${to}`);
    }
  }
  return [...found].sort();
}

/** The items drawn under `parent`, by type then name, subgraphs with their contents. */
function render(layout: Layout, parent: string, indent: string): string[] {
  return layout.items
    .filter((item) => item.parent === parent)
    .sort((a, b) => compare(a.type, b.type) || compare(a.name, b.name))
    .flatMap((item) => {
      const node = `${layout.ids.get(item)}["${item.label}"]`;
      if (!item.subgraph) return [`${indent}${node}`];
      return [
        `${indent}subgraph ${node}`,
        ...render(layout, item.urns[0] ?? "", `${indent}  `),
        `${indent}end`,
      ];
    });
}

/**
 * The plan as a mermaid `flowchart LR` of the architecture: components are subgraphs (nested as
 * their parents are), custom resources are nodes labelled `<type><br/><name>`, and each dependency
 * is an arrow from what is used to what uses it, drawn once. Providers and the stack are left out,
 * and so are arrows between a component and what it contains. More than three custom resources of
 * one type under one parent are drawn as one node with their count (components are never grouped,
 * so that what they contain stays visible). The same plan gives the same text, whatever order its
 * resources come in. Ends with a newline.
 */
export function toMermaid(plan: Plan): string {
  const resources = shownResources(plan).filter((resource) => !resource.type.startsWith("pulumi:providers:"));
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const children = new Map<string, PlanResource[]>();
  for (const resource of resources) {
    const container = containerOf(resource, byUrn);
    children.set(container, [...(children.get(container) ?? []), resource]);
  }
  const hasChildren = new Set(children.keys());
  const items = [...children].flatMap(([parent, kids]) => itemsUnder(parent, kids, hasChildren));
  const layout: Layout = {
    items,
    ids: assignIds(items),
    itemOf: new Map(items.flatMap((item) => item.urns.map((urn) => [urn, item] as const))),
  };
  return [
    "flowchart LR",
    ...render(layout, "", "  "),
    ...links(resources, layout).map((link) => `  ${link}`),
    "",
  ].join("\n");
}
