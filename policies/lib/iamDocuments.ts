import { UnknownValueError } from "@pulumi/policy";

/**
 * IAM policy documents as the pack's IAM rules read them: where each resource type keeps its
 * documents, and each document's statements normalised (lists always arrays, principals and
 * conditions as maps). Nothing here throws on malformed input: what cannot be read is left out of
 * the statements and described in `problems`.
 *
 * Values are read from the resource's props, which the engine wraps in its unknown-checking proxy:
 * reading a value that is unknown during preview throws the engine's `UnknownValueError`, which
 * the engine turns into its "can't run ... during preview" advisory. That is deliberate: a document
 * that is not known yet cannot be reviewed, and is reviewed at `pulumi up`.
 */

/** Identity documents (what a role or user may do) or resource documents (who may use a resource). */
export type DocumentKind = "identity" | "resource";

/** One policy document a resource holds. */
export interface PolicyDocumentRef {
  /** How messages name the document, e.g. `Role policy "mlops-prod-diagnosis-role-policy"`. */
  readonly label: string;
  readonly kind: DocumentKind;
  /** The resource's type, e.g. `aws:kms/key:Key`. */
  readonly resourceType: string;
  /** As the resource holds it: a JSON string or an object. */
  readonly raw: unknown;
}

type Props = Record<string, unknown>;

const ROLE = "aws:iam/role:Role";

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** An inline policy's name for messages; its position when the name is missing or not known yet. */
function inlinePolicyName(entry: Record<string, unknown>, index: number): string {
  try {
    const name = entry.name;
    return typeof name === "string" && name !== "" ? `"${name}"` : String(index + 1);
  } catch (error) {
    // Only the name is unknown: the document itself is known and worth checking.
    if (error instanceof UnknownValueError) return String(index + 1);
    throw error;
  }
}

/** A role's `inlinePolicies`, one at a time. */
function* roleInlinePolicies(name: string, props: Props): Iterable<PolicyDocumentRef> {
  const entries = props.inlinePolicies;
  if (!Array.isArray(entries)) return;
  for (let index = 0; index < entries.length; index++) {
    const entry: unknown = entries[index];
    if (!isRecord(entry)) continue;
    const raw = entry.policy;
    // The provider reports a role without inline policies as one empty entry.
    if (raw === undefined || raw === null || raw === "") continue;
    yield {
      label: `Role "${name}", inline policy ${inlinePolicyName(entry, index)}`,
      kind: "identity",
      resourceType: ROLE,
      raw,
    };
  }
}

/** Key policies: there, `Resource: "*"` means the key itself. */
export const KEY_POLICY_TYPES: readonly string[] = [
  "aws:kms/key:Key",
  "aws:kms/keyPolicy:KeyPolicy",
  "aws:kms/replicaKey:ReplicaKey",
];

/**
 * Types that hold one permission document, in `policy` unless `prop` says otherwise, and how
 * messages name it.
 */
const POLICY_PROPS: Readonly<
  Record<string, { kind: DocumentKind; label: (name: string) => string; prop?: string }>
> = {
  "aws:iam/policy:Policy": { kind: "identity", label: (n) => `Policy "${n}"` },
  "aws:iam/rolePolicy:RolePolicy": { kind: "identity", label: (n) => `Role policy "${n}"` },
  "aws:iam/userPolicy:UserPolicy": { kind: "identity", label: (n) => `User policy "${n}"` },
  "aws:iam/groupPolicy:GroupPolicy": { kind: "identity", label: (n) => `Group policy "${n}"` },
  "aws:s3/bucketPolicy:BucketPolicy": { kind: "resource", label: (n) => `Bucket policy "${n}"` },
  "aws:kms/key:Key": { kind: "resource", label: (n) => `Key policy of "${n}"` },
  "aws:kms/keyPolicy:KeyPolicy": { kind: "resource", label: (n) => `Key policy "${n}"` },
  "aws:kms/replicaKey:ReplicaKey": { kind: "resource", label: (n) => `Key policy of "${n}"` },
  "aws:sns/topicPolicy:TopicPolicy": { kind: "resource", label: (n) => `Topic policy "${n}"` },
  "aws:sns/topic:Topic": { kind: "resource", label: (n) => `Topic policy of "${n}"` },
  "aws:sqs/queuePolicy:QueuePolicy": { kind: "resource", label: (n) => `Queue policy "${n}"` },
  "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": {
    kind: "resource",
    label: (n) => `Model package group policy "${n}"`,
    prop: "resourcePolicy",
  },
  "aws:cloudwatch/eventBusPolicy:EventBusPolicy": {
    kind: "resource",
    label: (n) => `Event bus policy "${n}"`,
  },
};

/**
 * Types whose permission documents the IAM rules review: a role's inline policies and the types of
 * `POLICY_PROPS`. Trust policies (`Role.assumeRolePolicy`) are not permission documents: they say
 * who may assume a role, not what it may do; `trustPolicyOf` reads them.
 */
export const PERMISSION_DOCUMENT_TYPES: readonly string[] = [ROLE, ...Object.keys(POLICY_PROPS)];

/** Types whose document says who may use a resource (bucket, key, topic, queue, registry, event bus policies). */
export const RESOURCE_DOCUMENT_TYPES: readonly string[] = Object.entries(POLICY_PROPS)
  .filter(([, source]) => source.kind === "resource")
  .map(([type]) => type);

/**
 * The permission documents of a resource (none for other types), read one at a time through the
 * props' proxy: the rules check the documents that are known before a document that is unknown
 * during preview throws the engine's `UnknownValueError`.
 */
export function* permissionDocumentsOf(
  type: string,
  name: string,
  props: Props,
): Iterable<PolicyDocumentRef> {
  if (type === ROLE) {
    yield* roleInlinePolicies(name, props);
    return;
  }
  const source = POLICY_PROPS[type];
  if (!source) return;
  const raw = props[source.prop ?? "policy"];
  if (raw !== undefined && raw !== null) {
    yield { label: source.label(name), kind: source.kind, resourceType: type, raw };
  }
}

/** A statement and the document it belongs to. */
export interface DocumentStatement {
  readonly document: PolicyDocumentRef;
  readonly statement: Statement;
}

/** Every readable statement of a resource's permission documents, document by document (see {@link permissionDocumentsOf}). */
export function* permissionStatementsOf(
  type: string,
  name: string,
  props: Props,
): Iterable<DocumentStatement> {
  for (const document of permissionDocumentsOf(type, name, props)) {
    for (const statement of parsePolicyDocument(document.raw).statements) yield { document, statement };
  }
}

/** Where a finding is, for messages: `Role policy "x", statement "ReadAll"`. */
export function locate({ document, statement }: DocumentStatement): string {
  return `${document.label}, ${statement.label}`;
}

/** A role's trust policy (`assumeRolePolicy`), if the resource is a role that has one. */
export function trustPolicyOf(type: string, name: string, props: Props): PolicyDocumentRef | undefined {
  if (type !== ROLE) return undefined;
  const raw = props.assumeRolePolicy;
  if (raw === undefined || raw === null) return undefined;
  return { label: `Role "${name}" trust policy`, kind: "resource", resourceType: ROLE, raw };
}

/** Strings of a policy element that may be one string or a list; anything else is kept aside. */
export interface StringList {
  readonly values: readonly string[];
  /** Entries that are not strings (a number, an object...): AWS refuses them. */
  readonly invalid: readonly unknown[];
}

/** A principal: everyone (`"*"`), or principals by type (`AWS`, `Service`, `Federated`, `CanonicalUser`). */
export type Principal = "*" | ReadonlyMap<string, readonly string[]>;

/** One key of a condition block: `{ operator: { key: values } }`. */
export interface Condition {
  /** As written, e.g. `StringEquals`, `ForAnyValue:StringLike`. */
  readonly operator: string;
  /** As written; compare in lower case (AWS treats condition keys case-insensitively). */
  readonly key: string;
  /** Every value as a string (`true` becomes `"true"`). */
  readonly values: readonly string[];
}

/** A statement with every element in one shape; an element that is absent is `undefined`. */
export interface Statement {
  /** `statement "Sid"`, or `statement 2` (its position) when it has no Sid. */
  readonly label: string;
  readonly effect: unknown;
  /** True unless the effect is `Deny`: an invalid effect is checked as if it allowed. */
  readonly allows: boolean;
  readonly action?: StringList;
  readonly notAction?: StringList;
  readonly resource?: StringList;
  readonly notResource?: StringList;
  readonly principal?: Principal;
  readonly notPrincipal?: Principal;
  readonly conditions: readonly Condition[];
}

/** A document's statements, and why parts of it could not be read. */
export interface ParsedDocument {
  readonly statements: readonly Statement[];
  /** Each completes the document's label: `is not valid JSON (...)`, `has no Statement`... */
  readonly problems: readonly string[];
}

/** A string element or a list of them; `undefined` when the element is absent. */
export function stringList(value: unknown): StringList | undefined {
  if (value === undefined || value === null) return undefined;
  const entries: unknown[] = Array.isArray(value) ? [...value] : [value];
  return {
    values: entries.filter((entry): entry is string => typeof entry === "string"),
    invalid: entries.filter((entry) => typeof entry !== "string"),
  };
}

/** `"*"`, or principal types mapped to their values; `undefined` when absent or unreadable. */
export function principalOf(value: unknown): Principal | undefined {
  if (value === "*") return "*";
  if (!isRecord(value)) return undefined;
  const principals = new Map<string, string[]>();
  for (const [type, ids] of Object.entries(value)) {
    principals.set(type, stringList(ids)?.values.slice() ?? []);
  }
  return principals;
}

/** Whether a principal is everyone: `"*"` or `{ AWS: "*" }`. */
export function isEveryone(principal: Principal | undefined): boolean {
  if (principal === undefined) return false;
  if (principal === "*") return true;
  return [...principal].some(([type, ids]) => type.toUpperCase() === "AWS" && ids.includes("*"));
}

const conditionValue = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value]).flatMap((entry: unknown) =>
    typeof entry === "string" || typeof entry === "number" || typeof entry === "boolean"
      ? [String(entry)]
      : [],
  );

/** A condition block as a list of (operator, key, values); unreadable parts are left out. */
export function conditionsOf(value: unknown): Condition[] {
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([operator, block]) =>
    isRecord(block)
      ? Object.entries(block).map(([key, values]) => ({ operator, key, values: conditionValue(values) }))
      : [],
  );
}

/** The conditions on `key` (compared case-insensitively) whose operator is one of `operators`. */
export function conditionsOn(
  statement: Statement,
  key: string,
  operators: readonly string[],
): readonly Condition[] {
  const wanted = new Set(operators.map((operator) => operator.toLowerCase()));
  return statement.conditions.filter(
    (condition) =>
      condition.key.toLowerCase() === key.toLowerCase() && wanted.has(condition.operator.toLowerCase()),
  );
}

/** A condition value made of wildcards only (or empty) matches whatever the key holds. */
export const isOnlyWildcardValue = (value: string): boolean => /^[*?]*$/.test(value);

/**
 * Operators under which a condition holds only for the values listed: `...IfExists` and
 * `ForAllValues:` also hold when the key is absent, and negations hold for every other value.
 */
const POSITIVE_OPERATOR =
  /^(ForAnyValue:)?(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike)$/i;

/** Whether a condition holds only for the values it lists, and lists some that are not only wildcards. */
export function isPositive(condition: Condition): boolean {
  return (
    POSITIVE_OPERATOR.test(condition.operator) &&
    condition.values.length > 0 &&
    !condition.values.some(isOnlyWildcardValue)
  );
}

function statementLabel(statement: Record<string, unknown>, index: number): string {
  const sid = statement.Sid;
  return typeof sid === "string" && sid !== "" ? `statement "${sid}"` : `statement ${index + 1}`;
}

function normaliseStatement(statement: Record<string, unknown>, index: number): Statement {
  return {
    label: statementLabel(statement, index),
    effect: statement.Effect,
    allows: statement.Effect !== "Deny",
    action: stringList(statement.Action),
    notAction: stringList(statement.NotAction),
    resource: stringList(statement.Resource),
    notResource: stringList(statement.NotResource),
    principal: principalOf(statement.Principal),
    notPrincipal: principalOf(statement.NotPrincipal),
    conditions: conditionsOf(statement.Condition),
  };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** A JSON string or an object, as a document object; a problem when it is neither. */
function documentObject(raw: unknown): { document?: Record<string, unknown>; problem?: string } {
  if (typeof raw === "string") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      return { problem: `is not valid JSON (${(error as Error).message})` };
    }
    return isRecord(parsed)
      ? { document: parsed }
      : { problem: `is JSON but ${describe(parsed)}, not an object` };
  }
  return isRecord(raw) ? { document: raw } : { problem: `is ${describe(raw)}, not a policy document` };
}

/**
 * Reads a policy document (a JSON string or an object): `Statement` may be one statement or a
 * list, each element one value or a list. Never throws on malformed input (only the engine's
 * `UnknownValueError` when the document holds an unknown value).
 */
export function parsePolicyDocument(raw: unknown): ParsedDocument {
  const { document, problem } = documentObject(raw);
  if (!document) return { statements: [], problems: [problem ?? "is not a policy document"] };
  const statement = document.Statement;
  if (statement === undefined || statement === null)
    return { statements: [], problems: ["has no Statement"] };
  const entries: unknown[] = Array.isArray(statement) ? [...statement] : [statement];
  const problems: string[] = [];
  const statements = entries.flatMap((entry, index) => {
    if (isRecord(entry)) return [normaliseStatement(entry, index)];
    problems.push(`has a statement that is ${describe(entry)}, not an object (statement ${index + 1})`);
    return [];
  });
  return { statements, problems };
}
