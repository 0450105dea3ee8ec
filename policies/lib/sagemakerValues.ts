import type { PolicyResource } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";

/** Stands for a value the engine does not know yet (during preview), where the engine has its sentinel. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

/** Resource properties as plain data, with {@link UNKNOWN} where a value is unknown. */
export type Props = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A plain copy of a value read through the engine's unknown-checking proxy, with {@link UNKNOWN}
 * where the engine has an unknown value. Reading through the proxy directly ends a whole check at
 * the first unknown value; on the copy, a rule checks what is known and decides what an unknown
 * value means for it.
 */
export function plain(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const source = value as Record<string, unknown>;
  const read = (key: string): unknown => {
    try {
      return plain(source[key]);
    } catch (error) {
      if (error instanceof UnknownValueError) return UNKNOWN;
      throw error;
    }
  };
  if (Array.isArray(value)) return Array.from({ length: value.length }, (_, index) => read(String(index)));
  return Object.fromEntries(Object.keys(source).map((key) => [key, read(key)]));
}

/** A resource's properties as {@link plain} data (an empty record for anything but an object). */
export function plainProps(props: unknown): Props {
  const copy = plain(props);
  return isRecord(copy) ? copy : {};
}

/** The value at `path` in plain data: undefined where the path ends, UNKNOWN below an unknown value. */
export function at(value: unknown, ...path: readonly (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === UNKNOWN) return UNKNOWN;
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** A list property as a list: [] when not set, one item when it is a single object, or UNKNOWN. */
export function list(value: unknown): readonly unknown[] | Unknown {
  if (value === UNKNOWN) return UNKNOWN;
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** Whether a value is set in the sense of "present": unknown counts as set (it will have a value). */
export function isSet(value: unknown): boolean {
  return value === UNKNOWN || (value !== undefined && value !== null && value !== "");
}

/**
 * Reads `path` of a resource's (proxied) props again, so that an unknown value there ends the check
 * with the engine's "can't run ... during preview" advisory; findings reported before stay reported.
 */
export function surfaceUnknown(proxied: unknown, path: readonly string[]): void {
  path.reduce<unknown>(
    (value, key) =>
      typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined,
    proxied,
  );
}

/** A resource of the stack with its properties as plain data. */
export interface StackItem {
  readonly resource: PolicyResource;
  readonly props: Props;
}

/** The stack's resources as {@link StackItem}s, their properties read once. */
export function stackItems(resources: readonly PolicyResource[]): StackItem[] {
  return resources.map((resource) => ({ resource, props: plainProps(resource.props) }));
}

/** The items of the given types. */
export function ofTypes(items: readonly StackItem[], types: readonly string[]): StackItem[] {
  return items.filter((item) => types.includes(item.resource.type));
}

/**
 * Whether `source` refers to `target` through its property `property`, whose value is `reference`
 * (a name): by name when both names are known; by dependency when either is unknown, as during
 * preview for a name the provider assigns (an auto-named resource's). Property dependencies are
 * used when the engine gives them for `property`, otherwise every dependency of the source.
 */
export function refersTo(
  source: PolicyResource,
  property: string,
  reference: unknown,
  target: StackItem,
  targetNames: readonly unknown[],
): boolean {
  const known = targetNames.filter((name): name is string => typeof name === "string" && name !== "");
  if (typeof reference === "string" && known.includes(reference)) return true;
  const undecided =
    reference === UNKNOWN ||
    (typeof reference === "string" && known.length === 0 && targetNames.includes(UNKNOWN));
  if (!undecided) return false;
  const byProperty = source.propertyDependencies?.[property] ?? [];
  const dependencies = byProperty.length > 0 ? byProperty : (source.dependencies ?? []);
  return dependencies.some((dependency) => dependency.urn === target.resource.urn);
}
