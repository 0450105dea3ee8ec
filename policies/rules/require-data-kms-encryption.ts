import type { ReportViolation } from "@pulumi/policy";
import { allowedKeyPattern, customerKeyProblem, keyProblemText } from "../lib/customerKeys";
import { show, stackRule } from "../lib/rule";
import { isAccessLogTarget } from "../lib/s3AccessLogging";
import { bucketDefaultKeyProblem, KeyRequirement, NO_KEY_CONSEQUENCE } from "../lib/s3DefaultKeys";
import { BUCKET_TYPES, bucketNames, companionsOf, KMS_ALGORITHMS } from "../lib/s3Protection";
import {
  at,
  isSet,
  ofTypes,
  Props,
  refersTo,
  StackItem,
  stackItems,
  UNKNOWN,
  Unknown,
} from "../lib/sagemakerValues";

interface Config {
  readonly allowedKmsKeyArnPattern: string;
}

/** A resource type whose one property names the key it encrypts with. */
interface KeyedType {
  readonly type: string;
  /** How messages name a resource of the type. */
  readonly label: string;
  readonly property: string;
  /** What the service does without a key (AWS documentation of each service). */
  readonly withoutKey: (props: Props) => string;
  /** What the key encrypts, as the end of "so that ...". */
  readonly encrypts: string;
}

const KEYED_TYPES: readonly KeyedType[] = [
  {
    type: "aws:sns/topic:Topic",
    label: "Topic",
    property: "kmsMasterKeyId",
    // https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html
    withoutKey: () => "SNS then keeps messages with its disk encryption only",
    encrypts: "SNS encrypts the topic's messages at rest",
  },
  {
    type: "aws:sqs/queue:Queue",
    label: "Queue",
    property: "kmsMasterKeyId",
    // SSE-SQS encrypts with keys SQS owns, which no key policy of the platform governs:
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html
    withoutKey: (props) =>
      at(props, "sqsManagedSseEnabled") === true
        ? "sqsManagedSseEnabled encrypts with keys SQS owns, which no key policy of the platform governs"
        : "SQS then encrypts at most with keys it owns (SSE-SQS)",
    encrypts: "SQS encrypts the queue's messages at rest",
  },
  {
    type: "aws:cloudwatch/logGroup:LogGroup",
    label: "Log group",
    property: "kmsKeyId",
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
    withoutKey: () => "CloudWatch Logs then encrypts with a key of its own",
    encrypts: "CloudWatch Logs encrypts the group's log events",
  },
  {
    type: "aws:cloudwatch/eventConnection:EventConnection",
    label: "Connection",
    property: "kmsKeyIdentifier",
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/encryption-connections.html
    withoutKey: () => "EventBridge then keeps the credentials under an AWS owned key",
    encrypts: "EventBridge encrypts the connection's credentials",
  },
];

const OBJECT_TYPES = ["aws:s3/bucketObject:BucketObject", "aws:s3/bucketObjectv2:BucketObjectv2"] as const;

const KEY_FIX = "the platform's KMS key ARN";
const PATTERN_FIX = "use a key the pattern allows";

function checkKeyedResource(item: StackItem, kind: KeyedType, keys: KeyRequirement, report: ReportViolation) {
  const value = at(item.props, kind.property);
  const problem = customerKeyProblem(value, keys.allowed);
  if (!problem) return;
  const text = keyProblemText(problem, kind.property, value, keys.pattern, kind.withoutKey(item.props));
  const fix =
    problem === "notAllowed"
      ? PATTERN_FIX
      : `set ${kind.property} to ${KEY_FIX} so that ${kind.encrypts} with a key the platform controls`;
  report(`${kind.label} "${item.resource.name}": ${text}; ${fix}.`, item.resource.urn);
}

/** A bucket and whether its default encryption uses a customer managed key. */
interface CheckedBucket {
  readonly bucket: StackItem;
  /** Its finding's middle; undefined when its default uses a customer managed key or is unknown. */
  readonly problem: string | undefined;
  /** S3 delivers server access logs into it (UNKNOWN: it may, during preview). */
  readonly accessLogTarget: boolean | Unknown;
}

function checkBuckets(items: readonly StackItem[], keys: KeyRequirement, report: ReportViolation) {
  return ofTypes(items, BUCKET_TYPES).map((bucket): CheckedBucket => {
    const accessLogTarget = isAccessLogTarget(bucket, items);
    const problem = bucketDefaultKeyProblem(bucket, companionsOf(bucket, items), keys);
    // S3 delivers server access logs only into buckets whose default is SSE-S3: no key asked there.
    if (problem !== undefined && accessLogTarget === false)
      report(
        `Bucket "${bucket.resource.name}"${problem}; give it an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and ${KEY_FIX} as kmsMasterKeyId.`,
        bucket.resource.urn,
      );
    return { bucket, problem, accessLogTarget };
  });
}

/**
 * An object the stack writes: its own `serverSideEncryption` and `kmsKeyId` when it sets either
 * (they override the bucket's default), otherwise the default encryption of its bucket, which must
 * be one of the stack's buckets and use a customer managed key.
 */
function checkObject(
  object: StackItem,
  buckets: readonly CheckedBucket[],
  keys: KeyRequirement,
  report: ReportViolation,
) {
  const what = `Object "${object.resource.name}"`;
  const fix = `set serverSideEncryption "aws:kms" and kmsKeyId to ${KEY_FIX}`;
  const algorithm = at(object.props, "serverSideEncryption");
  const key = at(object.props, "kmsKeyId");
  if (algorithm === UNKNOWN) return;
  if (isSet(algorithm) || isSet(key)) {
    if (isSet(algorithm) && !KMS_ALGORITHMS.includes(algorithm)) {
      report(`${what}: serverSideEncryption ${show(algorithm)} is not KMS; ${fix}.`, object.resource.urn);
      return;
    }
    const problem = customerKeyProblem(key, keys.allowed);
    if (problem)
      report(
        `${what}: ${keyProblemText(problem, "kmsKeyId", key, keys.pattern, NO_KEY_CONSEQUENCE)}; ${problem === "notAllowed" ? PATTERN_FIX : fix}.`,
        object.resource.urn,
      );
    return;
  }
  const reference = at(object.props, "bucket");
  const linked = buckets.filter(({ bucket }) =>
    refersTo(object.resource, "bucket", reference, bucket, bucketNames(bucket)),
  );
  // A bucket named by a value unknown during preview, outside the stack: checked when known.
  if (linked.length === 0 && reference === UNKNOWN) return;
  if (linked.length === 0) {
    report(
      `${what} sets no serverSideEncryption, and its bucket ${show(reference)} is not one of the stack's, whose default encryption the rule could check; ${fix}.`,
      object.resource.urn,
    );
    return;
  }
  // A bucket that may be a log target during preview is not held against the object.
  const weak = linked.filter(
    ({ problem, accessLogTarget }) => problem !== undefined || accessLogTarget === true,
  );
  if (weak.length > 0)
    report(
      `${what} sets no serverSideEncryption, and the default encryption of its bucket ${weak.map(({ bucket }) => `"${bucket.resource.name}"`).join(", ")} does not use a customer managed key; ${fix}.`,
      object.resource.urn,
    );
}

/**
 * Requires a customer managed KMS key (the platform's) wherever the stack keeps data at rest
 * outside SageMaker (which `require-sagemaker-kms-encryption` judges):
 * - SNS topics (`kmsMasterKeyId`) and SQS queues (`kmsMasterKeyId`; `sqsManagedSseEnabled` alone
 *   encrypts with keys SQS owns);
 * - CloudWatch Logs log groups (`kmsKeyId`);
 * - EventBridge connections (`kmsKeyIdentifier`), whose secret holds the credentials they call with;
 * - the default encryption of every S3 bucket (`sseAlgorithm` `aws:kms` or `aws:kms:dsse` with a
 *   `kmsMasterKeyId`: without one S3 uses the AWS managed key aws/s3), except a bucket S3 delivers
 *   server access logs into (the target of a BucketLogging[V2] or a bucket's inline logging): S3
 *   supports only SSE-S3 there
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html);
 * - the S3 objects the stack writes (BucketObject, BucketObjectv2): an object that sets
 *   `serverSideEncryption` or `kmsKeyId` must set KMS with a customer managed key (its settings
 *   override the bucket's default, and `aws:kms` without a key means aws/s3); an object that sets
 *   neither takes its bucket's default encryption, which is accepted when the bucket is one of the
 *   stack's and its default uses a customer managed key (not a log target's SSE-S3).
 * An AWS managed key (`alias/aws/sns`, `alias/aws/sqs`, `alias/aws/s3`, or its alias ARN) does not
 * count: its key policy cannot be changed, so the platform cannot limit who decrypts.
 * `allowedKmsKeyArnPattern` (a regular expression; "" allows any key) can restrict the keys further.
 *
 * Not judged, because the stacks set no key there and what they hold is no data of the platform's
 * users: Lambda functions' environment variables (`kmsKeyArn`; the functions' variables are bucket
 * and pipeline names), EventBridge Scheduler schedules (`kmsKeyArn`; the input names a pipeline),
 * and EventBridge buses (`kmsKeyIdentifier`; events carry resource names and states).
 *
 * During preview: an unknown key (the ARN of a key created in the same update) counts as a customer
 * managed key, and is matched against the pattern when known; an unknown algorithm or default is
 * assumed to comply; an object whose bucket is unknown is linked to the stack's bucket it depends
 * on (through `bucket` when the engine gives property dependencies), or checked when known. A
 * bucket that may be a log target (a logging resource depends on it, and the engine gives no
 * property dependencies to tell its source from its target) is neither asked for a key nor held
 * against an object. Stack rules run again at the end of `pulumi up` with every value known.
 */
export const requireDataKmsEncryption = stackRule({
  name: "require-data-kms-encryption",
  description:
    "Requires the platform's customer managed KMS key on SNS topics, SQS queues, log groups, EventBridge connections, S3 default encryption (except server access log buckets) and the S3 objects the stack writes.",
  severity: "medium",
  // Security Hub control ids (SNS.1 and S3.17 are in its NIST SP 800-53 standard, SQS.1 in AWS
  // Foundational Security Best Practices); this rule is stricter (a customer managed key).
  controls: ["SNS.1", "SQS.1", "S3.17"],
  config: {
    allowedKmsKeyArnPattern: {
      type: "string",
      description: 'Regular expression every KMS key ARN must match; "" allows any key.',
      default: "",
    },
  },
  validateStack: (args, report) => {
    const config = args.getConfig<Config>();
    const { allowed, problem } = allowedKeyPattern(config.allowedKmsKeyArnPattern);
    if (problem) {
      report(problem);
      return;
    }
    const keys = { allowed, pattern: config.allowedKmsKeyArnPattern };
    const items = stackItems(args.resources);
    for (const kind of KEYED_TYPES)
      for (const item of ofTypes(items, [kind.type])) checkKeyedResource(item, kind, keys, report);
    const buckets = checkBuckets(items, keys, report);
    for (const object of ofTypes(items, OBJECT_TYPES)) checkObject(object, buckets, keys, report);
  },
});
