import type { Plan, PlanResource } from "../plan";
import { COLLAPSE_ABOVE, commonNamePrefix, shownResources } from "./tree";

// More than COLLAPSE_ABOVE custom resources of one type outside components are one node, named
// as the tree names a run.
export { COLLAPSE_ABOVE, commonNamePrefix } from "./tree";

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

/** What the diagram draws: a node, a subgraph (a component with components in it), or a model's group. */
interface Item {
  /** Names the item: a component's URN, or a key of its own; sorts items for their ids. */
  readonly key: string;
  /** The id of a model's group (the other items are numbered). */
  readonly groupId?: string;
  readonly label: string;
  readonly type: string;
  readonly name: string;
  /** The resources it stands for: a component and what it contains, or custom resources of one type. */
  readonly urns: readonly string[];
  /** Key of the item it is drawn in; "" for the top level. */
  readonly parent: string;
  readonly subgraph: boolean;
  /** Drawn after the other items beside it (models' groups come after the stack-level items). */
  readonly last: boolean;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Adds `value` to the list under `key`. */
function append<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** Custom resources outside any component, as nodes: more than three of one type as one. */
function customItems(parent: string, resources: readonly PlanResource[]): Item[] {
  const byType = new Map<string, PlanResource[]>();
  for (const resource of resources) append(byType, resource.type, resource);
  return [...byType].flatMap(([type, group]): Item[] => {
    const short = typeShortName(type);
    if (group.length <= COLLAPSE_ABOVE) {
      return group.map((resource) => ({
        key: resource.urn,
        label: `${escapeLabel(short)}<br/>${escapeLabel(resource.name)}`,
        type,
        name: resource.name,
        urns: [resource.urn],
        parent,
        subgraph: false,
        last: false,
      }));
    }
    const prefix = commonNamePrefix(group.map((resource) => resource.name));
    return [
      {
        key: `${parent}\u0000${type}`,
        label: `${escapeLabel(`${short} × ${group.length}`)}${prefix === "" ? "" : `<br/>${escapeLabel(`${prefix}*`)}`}`,
        type,
        name: prefix,
        urns: group.map((resource) => resource.urn),
        parent,
        subgraph: false,
        last: false,
      },
    ];
  });
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

/** The `Model` tag a custom resource was given, if any. */
function modelTag(resource: PlanResource): string | undefined {
  const tags = resource.inputs.tags;
  if (tags === null || typeof tags !== "object" || Array.isArray(tags)) return undefined;
  const model = (tags as Record<string, unknown>).Model;
  return typeof model === "string" && model !== "" ? model : undefined;
}

/**
 * Short ids, so that a large stack's diagram stays small: a resource's or component's is the
 * capitals of its type's short name (`R` if none) and a number (`ModelEndpoint` → `ME1`, `ME2`),
 * a model's group is `model_<name>`. Numbers are given in key order, so the same plan always gets
 * the same ids.
 */
function assignIds(items: readonly Item[]): Map<Item, string> {
  const ids = new Map<Item, string>();
  const taken = new Set<string>();
  const counts = new Map<string, number>();
  for (const item of [...items].sort((a, b) => compare(a.key, b.key))) {
    let id: string;
    if (item.groupId !== undefined) {
      const base = mermaidId(item.groupId);
      id = base;
      for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
    } else {
      const capitals = typeShortName(item.type).replace(/[^A-Z]/g, "");
      const initials = capitals === "" ? "R" : capitals;
      do {
        const n = (counts.get(initials) ?? 0) + 1;
        counts.set(initials, n);
        id = `${initials}${n}`;
      } while (taken.has(id));
    }
    taken.add(id);
    ids.set(item, id);
  }
  return ids;
}

/** Where each URN is drawn (a component's resources share its node), and under which id. */
interface Layout {
  readonly items: readonly Item[];
  readonly ids: ReadonlyMap<Item, string>;
  readonly itemOf: ReadonlyMap<string, Item>;
  readonly byKey: ReadonlyMap<string, Item>;
}

/** Ids of the subgraphs an item is drawn in, innermost first. */
function containers(layout: Layout, item: Item): string[] {
  const found: string[] = [];
  for (
    let outer = layout.byKey.get(item.parent);
    outer !== undefined;
    outer = layout.byKey.get(outer.parent)
  ) {
    const id = layout.ids.get(outer) ?? "";
    if (found.includes(id)) break; // a parent cycle, which only a hand-written plan can have
    found.push(id);
  }
  return found;
}

/** The model's group an item is drawn in, if any. */
function groupOf(layout: Layout, item: Item): Item | undefined {
  const seen = new Set<Item>();
  let outer: Item | undefined = item;
  while (outer !== undefined && outer.groupId === undefined && !seen.has(outer)) {
    seen.add(outer);
    outer = layout.byKey.get(outer.parent);
  }
  return outer?.groupId === undefined ? undefined : outer;
}

/**
 * One `from --> to` per pair of drawn items where something `to` stands for depends on something
 * `from` stands for, sorted. An arrow into or out of a model's group goes to or from the group
 * itself, so that what all models use (the platform key, say) has one arrow per model. Dependencies
 * on what is not drawn (providers, the stack, unknown URNs), inside one item, or between a
 * component and what it contains (obvious from the nesting) give no arrow.
 */
function links(resources: readonly PlanResource[], layout: Layout): string[] {
  const found = new Set<string>();
  for (const resource of resources) {
    const drawnTarget = layout.itemOf.get(resource.urn);
    if (drawnTarget === undefined) continue;
    for (const dependency of resource.dependencies) {
      const drawnSource = layout.itemOf.get(dependency);
      if (drawnSource === undefined) continue;
      const [sourceGroup, targetGroup] = [groupOf(layout, drawnSource), groupOf(layout, drawnTarget)];
      const lift = sourceGroup !== targetGroup;
      const source = (lift ? sourceGroup : undefined) ?? drawnSource;
      const target = (lift ? targetGroup : undefined) ?? drawnTarget;
      const [from, to] = [layout.ids.get(source), layout.ids.get(target)];
      if (from === undefined || to === undefined || from === to) continue;
      if (containers(layout, target).includes(from) || containers(layout, source).includes(to)) continue;
      found.add(`${from} --> ${to}`);
    }
  }
  return withoutShortcuts([...found].sort());
}

/**
 * The links without those another path already shows (a transitive reduction): `A --> C` goes
 * when `A --> B --> C` is drawn. Links are taken in order and each one dropped leaves the graph,
 * so what can reach what is the same as before, even around a cycle.
 */
function withoutShortcuts(sorted: readonly string[]): string[] {
  const next = new Map<string, Set<string>>();
  const pairs = sorted.map((link) => link.split(" --> ") as [string, string]);
  for (const [from, to] of pairs) next.set(from, (next.get(from) ?? new Set<string>()).add(to));
  const reachesOtherwise = (from: string, to: string): boolean => {
    const seen = new Set<string>([from]);
    const queue = [...(next.get(from) ?? [])].filter((step) => step !== to);
    for (let node = queue.pop(); node !== undefined; node = queue.pop()) {
      if (node === to) return true;
      if (seen.has(node)) continue;
      seen.add(node);
      queue.push(...(next.get(node) ?? []));
    }
    return false;
  };
  return pairs.flatMap(([from, to]) => {
    if (!reachesOtherwise(from, to)) return [`${from} --> ${to}`];
    next.get(from)?.delete(to);
    return [];
  });
}

/** What a node that every model uses says instead of an arrow to each model. */
export const EVERY_MODEL_NOTE = "used by every model";

/**
 * The links, less those from a node to every model's group when there are two models or more: the
 * ids of such nodes (the platform key, the permissions boundary) are returned, to be labelled
 * instead. An arrow per model would say nothing the label does not, and would take a stack of 50
 * models past mermaid's 500 arrows.
 */
function withoutEveryModelLinks(
  drawn: readonly string[],
  groupIds: readonly string[],
): { readonly links: string[]; readonly hubs: Set<string> } {
  const targets = new Map<string, Set<string>>();
  for (const [from, to] of drawn.map((link) => link.split(" --> "))) {
    targets.set(from, (targets.get(from) ?? new Set<string>()).add(to));
  }
  const hubs = new Set(
    groupIds.length < 2
      ? []
      : [...targets].flatMap(([from, to]) => (groupIds.every((group) => to.has(group)) ? [from] : [])),
  );
  const groups = new Set(groupIds);
  return {
    links: drawn.filter((link) => {
      const [from, to] = link.split(" --> ");
      return !(hubs.has(from) && groups.has(to));
    }),
    hubs,
  };
}

/** The items drawn in `parent`, by type then name (models' groups last), subgraphs with their contents. */
function render(layout: Layout, parent: string, indent: string, hubs: ReadonlySet<string>): string[] {
  return layout.items
    .filter((item) => item.parent === parent)
    .sort((a, b) => Number(a.last) - Number(b.last) || compare(a.type, b.type) || compare(a.name, b.name))
    .flatMap((item) => {
      const id = layout.ids.get(item) ?? "";
      const label = hubs.has(id) ? `${item.label}<br/>${EVERY_MODEL_NOTE}` : item.label;
      const node = `${id}["${label}"]`;
      if (!item.subgraph) return [`${indent}${node}`];
      return [`${indent}subgraph ${node}`, ...render(layout, item.key, `${indent}  `, hubs), `${indent}end`];
    });
}

/**
 * The plan as a mermaid `flowchart LR` of the stack's capabilities: one node per component resource
 * (labelled `<type><br/><name>`; a component with components in it is a subgraph around them), the
 * components of each model in a subgraph of the model's name, the stack-level ones beside them,
 * and an arrow from a component to each one that uses it: one where any resource of the second
 * depends on a resource of the first. A component's model is the `Model` tag its resources carry
 * (when they all carry the same). An arrow between a model's component and something outside the
 * model's subgraph goes to or from the subgraph, once. Custom resources outside any component are
 * nodes of their own (more than three of one type, one node with their count); providers and the
 * stack are left out, and so are arrows between a component and what it contains, and an arrow
 * that a path of others already shows (`A --> C` beside `A --> B --> C`); with two models or more,
 * a node every model's subgraph depends on (the platform key) says "used by every model" instead of
 * an arrow to each. The text stays
 * within what mermaid draws by default (50,000 characters, 500 arrows) for a stack of 50 models.
 * The same plan gives the same text, whatever order its resources come in. Ends with a newline.
 */
export function toMermaid(plan: Plan): string {
  const resources = shownResources(plan).filter((resource) => !resource.type.startsWith("pulumi:providers:"));
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const containerByUrn = new Map(resources.map((resource) => [resource.urn, containerOf(resource, byUrn)]));
  const container = (resource: PlanResource) => containerByUrn.get(resource.urn) ?? "";
  // The models of each component: the tags of the custom resources in it, at any depth.
  const models = new Map<string, Set<string>>();
  for (const resource of resources.filter((candidate) => candidate.custom)) {
    const model = modelTag(resource);
    if (model === undefined) continue;
    const seen = new Set<string>();
    for (let urn = container(resource); urn !== "" && !seen.has(urn); urn = containerByUrn.get(urn) ?? "") {
      seen.add(urn);
      const found = models.get(urn) ?? new Set<string>();
      models.set(urn, found.add(model));
    }
  }
  const modelOf = (resource: PlanResource): string | undefined => {
    if (resource.custom) return modelTag(resource);
    const found = [...(models.get(resource.urn) ?? [])];
    return found.length === 1 ? found[0] : undefined;
  };
  const groupKey = (model: string) => `\u0000model\u0000${model}`;
  // Items at the top level go in their model's group, if they have one.
  const placed = (resource: PlanResource) => {
    const parent = container(resource);
    if (parent !== "") return parent;
    const model = modelOf(resource);
    return model === undefined ? "" : groupKey(model);
  };
  const components = resources.filter((resource) => !resource.custom);
  // The custom resources in each component (not in a component within it), and those in none.
  const inside = new Map<string, string[]>();
  const loose = new Map<string, PlanResource[]>();
  for (const resource of resources.filter((candidate) => candidate.custom)) {
    const parent = container(resource);
    if (parent !== "") append(inside, parent, resource.urn);
    else append(loose, placed(resource), resource);
  }
  const containing = new Set(components.map(container));
  const componentItems = components.map((resource): Item => ({
    key: resource.urn,
    label: `${escapeLabel(typeShortName(resource.type))}<br/>${escapeLabel(resource.name)}`,
    type: resource.type,
    name: resource.name,
    urns: [resource.urn, ...(inside.get(resource.urn) ?? [])],
    parent: placed(resource),
    subgraph: containing.has(resource.urn),
    last: false,
  }));
  const customs = [...loose].flatMap(([parent, group]) => customItems(parent, group));
  const groups = [
    ...new Set(
      [...componentItems, ...customs].flatMap((item) =>
        item.parent.startsWith("\u0000") ? [item.parent] : [],
      ),
    ),
  ].map((key): Item => {
    const model = key.slice(groupKey("").length);
    return {
      key,
      groupId: `model_${model}`,
      label: escapeLabel(model),
      type: "",
      name: model,
      urns: [],
      parent: "",
      subgraph: true,
      last: true,
    };
  });
  const items = [...componentItems, ...customs, ...groups];
  const layout: Layout = {
    items,
    ids: assignIds(items),
    itemOf: new Map(items.flatMap((item) => item.urns.map((urn) => [urn, item] as const))),
    byKey: new Map(items.map((item) => [item.key, item])),
  };
  const groupIds = groups.map((group) => layout.ids.get(group) ?? "");
  const { links: drawn, hubs } = withoutEveryModelLinks(links(resources, layout), groupIds);
  return ["flowchart LR", ...render(layout, "", "  ", hubs), ...drawn.map((link) => `  ${link}`), ""].join(
    "\n",
  );
}
