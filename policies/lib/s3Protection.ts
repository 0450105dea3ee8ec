import { show } from "./rule";
import { at, isSet, list, ofTypes, Props, refersTo, StackItem, UNKNOWN, Unknown } from "./sagemakerValues";

/** Bucket resources of the installed AWS provider (BucketV2 is the v6 name of today's Bucket). */
export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"] as const;

/** The separate resources that protect a bucket, by the protection they give. */
export const COMPANION_TYPES = {
  publicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
  encryption: [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  ],
  versioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
  policy: ["aws:s3/bucketPolicy:BucketPolicy"],
  ownership: ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
  lifecycle: [
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
  ],
} as const;

export type Protection = keyof typeof COMPANION_TYPES;

export const PUBLIC_ACCESS_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
] as const;

/** Default-encryption algorithms that use KMS. */
export const KMS_ALGORITHMS: readonly unknown[] = ["aws:kms", "aws:kms:dsse"];

/**
 * Default-encryption algorithms of a bucket S3 delivers server access logs into: SSE-S3
 * (`AES256`) too, the only default encryption that log delivery supports
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
 */
export const ACCESS_LOG_ALGORITHMS: readonly unknown[] = ["AES256", ...KMS_ALGORITHMS];

/** The statement the rule asks for, as the fix in its messages shows it. */
export const TLS_DENY_STATEMENT =
  '{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":[bucket ARN, bucket ARN + "/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}';

/** The names a companion's `bucket` may refer to a bucket by: its name (`bucket`) and its `id`. */
export function bucketNames(bucket: StackItem): unknown[] {
  return [at(bucket.props, "bucket"), at(bucket.props, "id")];
}

/**
 * The companions of each kind that belong to the bucket: their `bucket` is its name, or, while
 * either name is unknown (an auto-named bucket during preview), they depend on the bucket.
 */
export function companionsOf(
  bucket: StackItem,
  items: readonly StackItem[],
): Record<Protection, StackItem[]> {
  const linked = (types: readonly string[]) =>
    ofTypes(items, types).filter((companion) =>
      refersTo(companion.resource, "bucket", at(companion.props, "bucket"), bucket, bucketNames(bucket)),
    );
  return Object.fromEntries(
    Object.entries(COMPANION_TYPES).map(([protection, types]) => [protection, linked(types)]),
  ) as Record<Protection, StackItem[]>;
}

/** What is wrong with a public access block: its flags that are not true (unknown ones pass). */
export function publicAccessBlockProblem(props: Props): string | undefined {
  const weak = PUBLIC_ACCESS_FLAGS.filter((flag) => ![true, UNKNOWN].includes(at(props, flag) as never));
  return weak.length === 0
    ? undefined
    : `has ${weak.map((flag) => `${flag} ${show(at(props, flag))}`).join(", ")}`;
}

/** What is wrong with a list of encryption rules: no default algorithm, or one `allowed` does not list. */
export function encryptionRulesProblem(
  rules: unknown,
  allowed: readonly unknown[] = KMS_ALGORITHMS,
): string | undefined {
  const all = list(rules);
  if (all === UNKNOWN) return undefined;
  const algorithms = all
    .map((rule) => at(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"))
    .filter((algorithm) => algorithm !== undefined && algorithm !== null);
  if (algorithms.length === 0) return "sets no default encryption";
  const weak = algorithms.filter((algorithm) => algorithm !== UNKNOWN && !allowed.includes(algorithm));
  return weak.length === 0
    ? undefined
    : `uses sseAlgorithm ${weak.map((algorithm) => show(algorithm)).join(", ")}`;
}

/**
 * The encryption rules set on the bucket resource itself (deprecated inline settings), or
 * undefined when there are none: Bucket's `serverSideEncryptionConfiguration.rule`, BucketV2's
 * `serverSideEncryptionConfigurations[].rules`.
 */
export function inlineEncryptionRules(bucket: Props): unknown[] | Unknown | undefined {
  const single = at(bucket, "serverSideEncryptionConfiguration");
  if (single === UNKNOWN) return UNKNOWN;
  if (isSet(single)) return [at(single, "rule")];
  const configurations = list(at(bucket, "serverSideEncryptionConfigurations"));
  if (configurations === UNKNOWN) return UNKNOWN;
  if (configurations.length === 0) return undefined;
  const rules = configurations.map((configuration) => list(at(configuration, "rules")));
  return rules.includes(UNKNOWN) ? UNKNOWN : (rules.flat() as unknown[]);
}

/** What is wrong with a versioning resource: a status other than Enabled (unknown passes). */
export function versioningProblem(props: Props): string | undefined {
  const status = at(props, "versioningConfiguration", "status");
  return status === "Enabled" || status === UNKNOWN
    ? undefined
    : `has versioningConfiguration.status ${show(status)}`;
}

/**
 * Versioning set on the bucket resource itself: Bucket's `versioning.enabled`, BucketV2's
 * `versionings[].enabled`; true when on, UNKNOWN, or the value found (undefined when not set).
 */
export function inlineVersioning(bucket: Props): unknown {
  const single = at(bucket, "versioning", "enabled");
  if (single === true || single === UNKNOWN) return single;
  const versionings = list(at(bucket, "versionings"));
  if (versionings === UNKNOWN) return UNKNOWN;
  const flags = versionings.map((versioning) => at(versioning, "enabled"));
  if (flags.includes(true)) return true;
  if (flags.includes(UNKNOWN)) return UNKNOWN;
  return single ?? flags[0];
}

/**
 * The object ownership that disables ACLs: the bucket owner owns every object, and S3 refuses
 * requests that set an ACL granting anyone else, so that the bucket policy (and IAM) alone decide
 * who has access (https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html).
 */
export const ACLS_DISABLED = "BucketOwnerEnforced";

/** What is wrong with ownership controls: an object ownership other than {@link ACLS_DISABLED} (unknown passes). */
export function ownershipProblem(props: Props): string | undefined {
  const ownership = at(props, "rule", "objectOwnership");
  return ownership === ACLS_DISABLED || ownership === UNKNOWN
    ? undefined
    : `has rule.objectOwnership ${show(ownership)}`;
}

/**
 * What is wrong with a lifecycle configuration: no rule whose `status` is Enabled (a rule with an
 * unknown status, or unknown rules, pass). S3 applies only enabled rules; Security Hub S3.13's
 * check (s3-lifecycle-policy-check) fails a bucket without an active rule
 * (https://docs.aws.amazon.com/config/latest/developerguide/s3-lifecycle-policy-check.html).
 */
export function lifecycleProblem(props: Props): string | undefined {
  const rules = list(at(props, "rules"));
  if (rules === UNKNOWN) return undefined;
  if (rules.length === 0) return "has no rules";
  const statuses = rules.map((rule) => at(rule, "status"));
  if (statuses.some((status) => status === "Enabled" || status === UNKNOWN)) return undefined;
  return `has no rule with status "Enabled" (${statuses.map((status) => show(status)).join(", ")})`;
}

/**
 * Lifecycle rules set on the bucket resource itself (the deprecated `lifecycleRules[].enabled` of
 * Bucket and BucketV2): true when one is enabled, UNKNOWN, or false (undefined when none is set).
 */
export function inlineLifecycle(bucket: Props): boolean | Unknown | undefined {
  const rules = list(at(bucket, "lifecycleRules"));
  if (rules === UNKNOWN) return UNKNOWN;
  if (rules.length === 0) return undefined;
  const flags = rules.map((rule) => at(rule, "enabled"));
  if (flags.includes(true)) return true;
  return flags.includes(UNKNOWN) ? UNKNOWN : false;
}

function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  return typeof value === "object" && value !== null && Object.values(value).some(containsUnknown);
}

const strings = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === "string");

/** Whether a statement denies every S3 action on the bucket's objects to everyone without TLS, and only then. */
function isTlsDeny(statement: unknown): boolean {
  const principal = at(statement, "Principal");
  const everyone = principal === "*" || strings(at(principal, "AWS")).includes("*");
  const actions = strings(at(statement, "Action")).map((action) => action.toLowerCase());
  const objects = strings(at(statement, "Resource")).some((resource) => resource.endsWith("*"));
  const condition = at(statement, "Condition");
  const operators = typeof condition === "object" && condition !== null ? Object.entries(condition) : [];
  // The deny must depend on TLS alone: any further condition would narrow it.
  const [operator, keys] = operators.length === 1 ? operators[0] : [];
  const entries = typeof keys === "object" && keys !== null ? Object.entries(keys) : [];
  const tlsOnly =
    ["bool", "boolifexists"].includes(String(operator).toLowerCase()) &&
    entries.length === 1 &&
    entries[0][0].toLowerCase() === "aws:securetransport" &&
    (Array.isArray(entries[0][1]) ? entries[0][1] : [entries[0][1]]).some(
      (value) => String(value).toLowerCase() === "false",
    );
  return (
    at(statement, "Effect") === "Deny" &&
    everyone &&
    (actions.includes("s3:*") || actions.includes("*")) &&
    objects &&
    tlsOnly
  );
}

/**
 * Whether a bucket policy (JSON text or a document) has a statement that denies every S3 action
 * to everyone on condition `Bool` `aws:SecureTransport` `false`, on resources that cover the
 * bucket's objects. UNKNOWN when the policy, or a statement that does not already decide it, is
 * unknown.
 */
export function deniesInsecureTransport(policy: unknown): boolean | Unknown {
  if (policy === UNKNOWN) return UNKNOWN;
  let document: unknown = policy;
  if (typeof policy === "string") {
    try {
      document = JSON.parse(policy);
    } catch {
      return false;
    }
  }
  const statements = list(at(document, "Statement"));
  if (statements === UNKNOWN) return UNKNOWN;
  if (statements.some(isTlsDeny)) return true;
  return statements.some(containsUnknown) ? UNKNOWN : false;
}

/** The companion resources named in a message. */
const names = (companions: readonly StackItem[]) => companions.map((c) => `"${c.resource.name}"`).join(", ");

/** What the stack does with a bucket, where that changes what protects it. */
export interface BucketRole {
  /**
   * S3 delivers server access logs into it: SSE-S3 default encryption is accepted
   * ({@link ACCESS_LOG_ALGORITHMS}), also while that is UNKNOWN (during preview), and asked for when true.
   */
  readonly accessLogTarget?: boolean | Unknown;
}

/**
 * Every missing or weak protection of one bucket, as messages. A companion resource, when there
 * is one, is what S3 ends up with; the bucket's own (deprecated) inline settings count only when
 * there is none, because the bucket's state shows S3's defaults from before the companion applied.
 * Of several companions of one kind (which overwrite each other), one that complies is enough.
 */
export function bucketFindings(
  bucket: StackItem,
  companions: Record<Protection, StackItem[]>,
  role: BucketRole = {},
): string[] {
  const what = `Bucket "${bucket.resource.name}"`;
  const findings: string[] = [];
  const weakOnes = (linked: readonly StackItem[], problem: (props: Props) => string | undefined) => {
    const problems = linked.map((companion) => ({ companion, problem: problem(companion.props) }));
    return problems.some((p) => p.problem === undefined)
      ? []
      : problems.map((p) => `"${p.companion.resource.name}" ${p.problem}`);
  };

  const flags = `${PUBLIC_ACCESS_FLAGS.slice(0, -1).join(", ")} and ${PUBLIC_ACCESS_FLAGS.at(-1)}`;
  if (companions.publicAccessBlock.length === 0)
    findings.push(
      `${what} has no public access block; add an aws.s3.BucketPublicAccessBlock for it with ${flags} set to true.`,
    );
  else {
    const weak = weakOnes(companions.publicAccessBlock, publicAccessBlockProblem);
    if (weak.length > 0)
      findings.push(`${what}: public access block ${weak.join("; ")}; set ${flags} to true.`);
  }

  // S3 has no inline setting for it: ownership controls are a resource of their own or nothing.
  const aclsOff = `rule.objectOwnership "${ACLS_DISABLED}"`;
  if (companions.ownership.length === 0)
    findings.push(
      `${what} has no ownership controls, so ACLs can still grant access beside its bucket policy; add an aws.s3.BucketOwnershipControls for it with ${aclsOff} (ACLs disabled).`,
    );
  else {
    const weak = weakOnes(companions.ownership, ownershipProblem);
    if (weak.length > 0)
      findings.push(
        `${what}: ownership controls ${weak.join("; ")}, so ACLs can still grant access beside its bucket policy; set ${aclsOff} (ACLs disabled).`,
      );
  }

  const target = role.accessLogTarget ?? false;
  const algorithms = target === false ? KMS_ALGORITHMS : ACCESS_LOG_ALGORITHMS;
  const encryptionFix =
    target === true
      ? 'sseAlgorithm "AES256" (S3 delivers server access logs only to buckets with SSE-S3 default encryption)'
      : 'sseAlgorithm "aws:kms" and the platform\'s KMS key as kmsMasterKeyId';
  if (companions.encryption.length > 0) {
    const weak = weakOnes(companions.encryption, (props) =>
      encryptionRulesProblem(at(props, "rules"), algorithms),
    );
    if (weak.length > 0)
      findings.push(`${what}: default encryption ${weak.join("; ")}; use ${encryptionFix}.`);
  } else {
    const rules = inlineEncryptionRules(bucket.props);
    const problem = rules === undefined ? "no default encryption" : encryptionRulesProblem(rules, algorithms);
    if (problem !== undefined)
      findings.push(
        `${what} ${rules === undefined ? "has" : "itself"} ${problem}; add an aws.s3.BucketServerSideEncryptionConfiguration for it with ${encryptionFix}.`,
      );
  }

  const status = 'versioningConfiguration.status "Enabled"';
  if (companions.versioning.length > 0) {
    const weak = weakOnes(companions.versioning, versioningProblem);
    if (weak.length > 0)
      findings.push(
        `${what}: versioning ${weak.join("; ")}; set versioningConfiguration.status to "Enabled".`,
      );
  } else {
    const enabled = inlineVersioning(bucket.props);
    if (enabled !== true && enabled !== UNKNOWN)
      findings.push(
        `${what} has ${enabled === undefined ? "no versioning" : `versioning.enabled ${show(enabled)}`}; add an aws.s3.BucketVersioning for it with ${status}.`,
      );
  }

  const policies = companions.policy;
  const denies = (policy: unknown) => deniesInsecureTransport(policy) !== false;
  if (policies.length > 0) {
    if (!policies.some((policy) => denies(at(policy.props, "policy"))))
      findings.push(
        `${what}: bucket policy ${names(policies)} does not deny requests without TLS; add the statement ${TLS_DENY_STATEMENT}.`,
      );
  } else if (!denies(at(bucket.props, "policy")))
    findings.push(
      `${what} has no bucket policy that denies requests without TLS; add an aws.s3.BucketPolicy for it with the statement ${TLS_DENY_STATEMENT}.`,
    );

  // Versions kept are kept forever without a lifecycle rule: expiring them is what keeps the
  // retention the stack promises.
  const keptForever = "so S3 keeps every object version until someone deletes it";
  const enabledRule = 'a rule of status "Enabled" (e.g. with noncurrentVersionExpiration)';
  if (companions.lifecycle.length > 0) {
    const weak = weakOnes(companions.lifecycle, lifecycleProblem);
    if (weak.length > 0)
      findings.push(
        `${what}: lifecycle configuration ${weak.join("; ")}, ${keptForever}; give it ${enabledRule}.`,
      );
  } else {
    const enabled = inlineLifecycle(bucket.props);
    if (enabled !== true && enabled !== UNKNOWN)
      findings.push(
        `${what} has ${enabled === undefined ? "no lifecycle configuration" : "no enabled lifecycle rule (lifecycleRules[].enabled false)"}, ${keptForever}; add an aws.s3.BucketLifecycleConfiguration for it with ${enabledRule}.`,
      );
  }
  return findings;
}
