import { BUCKET_TYPES, bucketNames } from "./s3Protection";
import { at, list, ofTypes, refersTo, StackItem, UNKNOWN, Unknown } from "./sagemakerValues";

/** The resources that turn on S3 server access logging of a bucket (`bucket`) into another (`targetBucket`). */
export const BUCKET_LOGGING_TYPES = [
  "aws:s3/bucketLogging:BucketLogging",
  "aws:s3/bucketLoggingV2:BucketLoggingV2",
] as const;

/** Whether `reference` names `bucket` by a name that is known (not during preview for an auto-named bucket). */
function namesByKnownName(reference: unknown, bucket: StackItem): boolean {
  return typeof reference === "string" && reference !== "" && bucketNames(bucket).includes(reference);
}

/**
 * Whether `source` names `bucket` through `property`: true by a known name, or by the engine's
 * dependencies of that property; UNKNOWN when only the source's dependencies as a whole link them
 * (they may be through another property); false otherwise.
 */
function names(
  source: StackItem,
  property: string,
  reference: unknown,
  bucket: StackItem,
): boolean | Unknown {
  if (namesByKnownName(reference, bucket)) return true;
  if (!refersTo(source.resource, property, reference, bucket, bucketNames(bucket))) return false;
  return (source.resource.propertyDependencies?.[property] ?? []).length > 0 ? true : UNKNOWN;
}

/** Whether a logging resource delivers its bucket's access logs into `bucket`. */
function loggingTargets(logging: StackItem, bucket: StackItem): boolean | Unknown {
  const target = at(logging.props, "targetBucket");
  if (namesByKnownName(target, bucket)) return true;
  // A bucket the logging names by name as its source is not taken for its target on dependencies.
  if (namesByKnownName(at(logging.props, "bucket"), bucket)) return false;
  return names(logging, "targetBucket", target, bucket);
}

/**
 * The target buckets a bucket's own (deprecated) logging settings name: Bucket's
 * `logging.targetBucket`, BucketV2's `loggings[].targetBucket`, with the property they are under.
 */
function inlineTargets(source: StackItem): { readonly property: string; readonly target: unknown }[] {
  const single = at(source.props, "logging");
  const targets = [{ property: "logging", target: at(single, "targetBucket") }];
  const many = list(at(source.props, "loggings"));
  if (many === UNKNOWN) targets.push({ property: "loggings", target: UNKNOWN });
  else
    targets.push(...many.map((logging) => ({ property: "loggings", target: at(logging, "targetBucket") })));
  return targets.filter(({ target }) => target !== undefined && target !== null && target !== "");
}

/**
 * Whether S3 delivers the server access logs of a bucket of the stack into `bucket`: a
 * BucketLogging[V2] of the stack, or a bucket's inline logging setting, names it as the target.
 * While names are unknown (auto-named buckets during preview), the logging resource's dependencies
 * decide: through `targetBucket` when the engine gives property dependencies (true), otherwise
 * UNKNOWN when it depends on the bucket at all (it depends on the bucket it logs as much).
 *
 * S3 supports only SSE-S3 (AES256) as the default encryption of such a bucket: "Default
 * server-side encryption with AWS Key Management Service (AWS KMS) keys (SSE-KMS) is not
 * supported" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshooting-server-access-logging.html).
 */
export function isAccessLogTarget(bucket: StackItem, items: readonly StackItem[]): boolean | Unknown {
  const links = [
    ...ofTypes(items, BUCKET_LOGGING_TYPES).map((logging) => loggingTargets(logging, bucket)),
    ...ofTypes(items, BUCKET_TYPES).flatMap((source) =>
      inlineTargets(source).map(({ property, target }) =>
        source === bucket ? namesByKnownName(target, bucket) : names(source, property, target, bucket),
      ),
    ),
  ];
  if (links.includes(true)) return true;
  return links.includes(UNKNOWN) ? UNKNOWN : false;
}
