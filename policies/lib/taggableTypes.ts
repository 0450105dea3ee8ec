import { UnknownValueError } from "@pulumi/policy";
import taggable from "./taggableTypes.json";

/**
 * AWS resource types whose inputs take a `tags` map, derived from the installed `@pulumi/aws` by
 * `npm run generate:taggable` (see `generateTaggableTypes.ts`); a test fails when it is stale.
 */
export const TAGGABLE_TYPES: ReadonlySet<string> = new Set(taggable.types);

/** Whether resources of this type take a tag map. */
export function isTaggable(type: string): boolean {
  return TAGGABLE_TYPES.has(type);
}

/** A tag whose value is not known yet (`pulumi preview` of a value computed from another resource). */
export const UNKNOWN_TAG_VALUE: unique symbol = Symbol("unknown tag value");

/** A resource's tags: each value a string, or `UNKNOWN_TAG_VALUE` while it cannot be known. */
export type EffectiveTags = ReadonlyMap<string, string | typeof UNKNOWN_TAG_VALUE>;

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Reads a tag map's entries. A value that is unknown during preview is kept as `UNKNOWN_TAG_VALUE`
 * (the key is there, its value cannot be judged) instead of stopping the whole check; a map that
 * is unknown as a whole is read through the proxy and so still raises the engine's advisory.
 */
function tagEntries(tags: unknown): [string, string | typeof UNKNOWN_TAG_VALUE][] {
  const record = asRecord(tags);
  if (!record) return [];
  return Object.keys(record).flatMap((key): [string, string | typeof UNKNOWN_TAG_VALUE][] => {
    try {
      const value = record[key];
      // A key without a value is no tag (Pulumi drops undefined inputs).
      if (value === undefined || value === null) return [];
      return [[key, typeof value === "string" ? value : String(value)]];
    } catch (error) {
      if (error instanceof UnknownValueError) return [[key, UNKNOWN_TAG_VALUE]];
      throw error;
    }
  });
}

/**
 * The provider's default tags (`defaultTags.tags`). Provider inputs reach the engine with nested
 * settings as JSON text (`@pulumi/aws` serialises `defaultTags`), and as an object in other
 * setups; both are read, anything else counts as no default tags.
 */
export function providerDefaultTags(defaultTags: unknown): unknown {
  if (typeof defaultTags === "string") {
    try {
      return asRecord(JSON.parse(defaultTags))?.tags;
    } catch {
      return undefined;
    }
  }
  return asRecord(defaultTags)?.tags;
}

/** The tags AWS gives a resource: the provider's default tags, overridden by the resource's own. */
export function effectiveTags(resourceTags: unknown, defaultTags: unknown): EffectiveTags {
  return new Map([...tagEntries(providerDefaultTags(defaultTags)), ...tagEntries(resourceTags)]);
}
