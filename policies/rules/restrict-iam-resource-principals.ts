import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import { accountOfArn } from "../lib/arnPatterns";
import {
  Condition,
  DocumentStatement,
  isEveryone,
  locate,
  permissionStatementsOf,
  RESOURCE_DOCUMENT_TYPES,
  Statement,
} from "../lib/iamDocuments";
import {
  isAccountId,
  namesWhomExactly,
  principalAccount,
  untrustedAccounts,
  untrustedText,
  trustCheck,
} from "../lib/principalAccounts";
import { resourceRule, show } from "../lib/rule";

interface Config {
  readonly narrowingConditionKeys: readonly string[];
  readonly trustedAccounts: readonly string[];
}

/**
 * Whether a condition limits the statement to the accounts, organization, source or network it
 * names: a positive operator (see `isPositive`), no value made of wildcards only, and no wildcard
 * where an organization id or an account goes (`o-*`, `1111*`, `arn:aws:sns:*:*:topic`).
 */
function narrows(condition: Condition, keys: readonly string[]): boolean {
  return keys.some((key) => key.toLowerCase() === condition.key.toLowerCase()) && namesWhomExactly(condition);
}

function principalText(statement: Statement): string {
  const principal = statement.principal;
  return show(principal === "*" ? "*" : Object.fromEntries(principal ?? []));
}

/** The props that hold the ARN or URL of the resource a policy belongs to, by type. */
const OWNER_PROPS: Readonly<Record<string, string>> = {
  "aws:kms/key:Key": "arn",
  "aws:kms/replicaKey:ReplicaKey": "arn",
  "aws:kms/keyPolicy:KeyPolicy": "keyId",
  "aws:sns/topic:Topic": "arn",
  "aws:sns/topicPolicy:TopicPolicy": "arn",
  "aws:sqs/queuePolicy:QueuePolicy": "queueUrl",
  "aws:cloudwatch/eventBusPolicy:EventBusPolicy": "eventBusName",
  "aws:lambda/permission:Permission": "function",
};

/**
 * The account of the resource a policy belongs to, when its props say (a key's, topic's or
 * function's ARN, a queue's URL); undefined otherwise (a bucket's or registry's name). Read only
 * when an account outside `trustedAccounts` is found: unknown during preview, it defers the check.
 */
function ownAccountOf(type: string, props: Record<string, unknown>): string | undefined {
  const prop = OWNER_PROPS[type];
  const value = prop === undefined ? undefined : props[prop];
  if (typeof value !== "string") return undefined;
  const queueAccount = /^https:\/\/sqs\.[^/]+\/(\d{12})\//.exec(value)?.[1];
  const account = queueAccount ?? accountOfArn(value);
  return account !== undefined && isAccountId(account) ? account : undefined;
}

function check(
  found: DocumentStatement,
  config: Config,
  isTrusted: (account: string) => boolean,
  report: ReportViolation,
): void {
  const { statement } = found;
  if (!statement.allows) return;
  const keys = config.narrowingConditionKeys.slice(0, 4);
  const fix = `name the accounts or services in Principal${keys.length > 0 ? `, or narrow it with a condition on ${keys.join(", ")}` : ""}`;
  if (statement.notPrincipal !== undefined) {
    report(
      `${locate(found)}: Allow with NotPrincipal lets everyone but those listed use the resource; ${fix}.`,
    );
  }
  if (
    isEveryone(statement.principal) &&
    !statement.conditions.some((condition) => narrows(condition, config.narrowingConditionKeys))
  ) {
    report(
      `${locate(found)}: Principal ${principalText(statement)} lets anyone (any account, or anonymous callers) use the resource; ${fix}.`,
    );
    return;
  }
  if (config.trustedAccounts.length === 0) return;
  const untrusted = untrustedAccounts(statement, isTrusted);
  if (untrusted.length > 0)
    report(`${locate(found)}: ${untrustedText(untrusted, config.trustedAccounts, "let in")}.`);
}

const LAMBDA_PERMISSION = "aws:lambda/permission:Permission";

/** A prop read through the engine's proxy, or undefined while it is unknown (during preview). */
function knownOrUndefined(props: Record<string, unknown>, prop: string): unknown {
  try {
    return props[prop];
  } catch (error) {
    if (error instanceof UnknownValueError) return undefined;
    throw error;
  }
}

/**
 * A Lambda permission is one statement of its function's resource policy: `principal`, narrowed by
 * `sourceArn` (ArnLike aws:SourceArn), `sourceAccount` and `principalOrgId` (StringEquals
 * aws:SourceAccount, aws:PrincipalOrgID), as Lambda writes it. For a principal of everyone the
 * narrowing inputs are read through the engine's proxy (an unknown one defers the check); for
 * others, only to compare accounts with `trustedAccounts`, and a value unknown during preview is
 * left out, so that a rule's ARN unknown during preview defers nothing.
 */
function checkLambdaPermission(
  name: string,
  props: Record<string, unknown>,
  config: Config,
  isTrusted: (account: string) => boolean,
  report: ReportViolation,
): void {
  const principal = props.principal;
  const everyone = principal === "*";
  if (!everyone && config.trustedAccounts.length === 0) return;
  const read = (prop: string) => (everyone ? props[prop] : knownOrUndefined(props, prop));
  const narrowing: [string, string, unknown][] = [
    ["ArnLike", "aws:SourceArn", read("sourceArn")],
    ["StringEquals", "aws:SourceAccount", read("sourceAccount")],
    ["StringEquals", "aws:PrincipalOrgID", read("principalOrgId")],
  ];
  const conditions = narrowing.flatMap(([operator, key, value]) =>
    typeof value === "string" && value !== "" ? [{ operator, key, values: [value] }] : [],
  );
  if (everyone) {
    if (conditions.some((condition) => narrows(condition, config.narrowingConditionKeys))) return;
    report(
      `Lambda permission "${name}": principal "*" lets anyone (any account, or anonymous callers) invoke the function; name the account or service in principal, or narrow it with sourceArn, sourceAccount or principalOrgId.`,
    );
    return;
  }
  if (typeof principal !== "string") return;
  const type = principalAccount(principal) !== undefined ? "AWS" : "Service";
  const statement: Statement = {
    label: "permission",
    effect: "Allow",
    allows: true,
    principal: new Map([[type, [principal]]]),
    conditions,
  };
  const untrusted = untrustedAccounts(statement, isTrusted);
  if (untrusted.length > 0)
    report(`Lambda permission "${name}": ${untrustedText(untrusted, config.trustedAccounts, "let in")}.`);
}

/**
 * Reviews who resource policies let in: bucket, key, topic, queue, model package group and event
 * bus policies, and Lambda permissions.
 *
 * No Allow statement may let in everyone (`"*"`, `{ AWS: "*" }`, or NotPrincipal) unless a
 * condition names whom, e.g. `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceAccount` or
 * `aws:SourceArn` (`narrowingConditionKeys`) with StringEquals/StringLike/ArnEquals/ArnLike, no
 * value made of wildcards only, and no wildcard where the organization id or the account goes
 * (`o-*`, `1111*`, `arn:aws:sns:*:*:alerts` name anyone); a Lambda permission's `sourceArn`,
 * `sourceAccount`, `principalOrgId`. A registry, a bucket or a drift bus shared with other
 * accounts names them; a condition on what they may do (`events:source`) does not say who.
 *
 * With `trustedAccounts` set (the accounts the stack's config names: its own, the accounts it
 * shares models with, the accounts whose registries it serves from), no Allow statement may name
 * another account: in Principal (`111122223333`, `arn:aws:iam::111122223333:root`, a role or user
 * of it) or in a condition (`aws:PrincipalAccount`, `aws:SourceAccount`, `aws:SourceOwner`, the
 * account of an `aws:PrincipalArn` or `aws:SourceArn`), unless a condition limits the statement to
 * one organization (`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:SourceOrgID`,
 * `aws:SourceOrgPaths`, no wildcard in the organization id) or to trusted accounts only. The
 * resource's own account counts as trusted where its props name it (a key's, topic's or function's
 * ARN, a queue's URL). Conditions hold together, so one that limits is enough.
 *
 * Deny statements may name anyone. Role trust policies are restrict-iam-trust-principals' part;
 * identity policies have no principal.
 *
 * During preview: a document that is unknown is read through the engine's proxy, so the engine
 * reports "can't run policy ... during preview" for the resource; it is checked at `pulumi up`.
 */
export const restrictIamResourcePrincipals = resourceRule({
  name: "restrict-iam-resource-principals",
  description:
    "Resource policies (bucket, key, topic, queue, model package group, event bus, Lambda permission) must not allow everyone, nor accounts outside trustedAccounts, unless a condition limits them to the organization or to trusted accounts or sources.",
  severity: "critical",
  controls: ["KMS.5", "Lambda.1", "SNS.4", "SQS.3"],
  config: {
    narrowingConditionKeys: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [
        "aws:PrincipalOrgID",
        "aws:PrincipalAccount",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:PrincipalArn",
        "aws:PrincipalOrgPaths",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:SourceOwner",
        "aws:SourceVpce",
        "aws:SourceVpc",
      ],
      description:
        "Condition keys that, with a positive string or ARN operator and a value that is not only wildcards, limit an Allow for everyone to whom they name.",
    },
    trustedAccounts: {
      type: "array",
      items: { type: "string", pattern: "^[0-9]{12}$" },
      default: [],
      description: "Accounts (12-digit ids) resource policies may let in; empty: accounts are not checked.",
    },
  },
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    const config = args.getConfig<Config>();
    const isTrusted = trustCheck(config.trustedAccounts, () => ownAccountOf(args.type, args.props));
    if (args.type === LAMBDA_PERMISSION) {
      checkLambdaPermission(args.name, args.props, config, isTrusted, report);
      return;
    }
    // Identity documents have no principal: they are not read at all, so an unknown one never defers.
    if (!RESOURCE_DOCUMENT_TYPES.includes(args.type)) return;
    for (const found of permissionStatementsOf(args.type, args.name, args.props))
      check(found, config, isTrusted, report);
  },
});
