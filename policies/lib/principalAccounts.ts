import { arnGlob, hasWildcard, parseArnPattern } from "./arnPatterns";
import { Condition, isPositive, Statement } from "./iamDocuments";

/**
 * Whom a resource or trust policy lets in, by account: the accounts its `Principal` names and the
 * accounts, organizations and source resources its conditions name. The rules that review who may
 * use a resource (restrict-iam-resource-principals, restrict-iam-trust-principals) and who a
 * service acts for (require-iam-service-source-conditions) read them here.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 */

/** A 12-digit AWS account id. */
export const isAccountId = (text: string): boolean => /^\d{12}$/.test(text);

/**
 * The account an AWS principal names: `111122223333`, `arn:aws:iam::111122223333:root`, or a role,
 * user or assumed-role ARN of it; undefined for `*` and for what names no account. An account with
 * wildcards (which IAM refuses in a principal) is returned as written: no one trusts it.
 */
export function principalAccount(value: string): string | undefined {
  if (isAccountId(value)) return value;
  const arn = parseArnPattern(value);
  if (!arn || !["iam", "sts"].includes(arn.service) || arn.account === "") return undefined;
  return arn.account;
}

/** The accounts a statement's `Principal` names through its `AWS` entries. */
export function principalAccounts(statement: Statement): string[] {
  const principal = statement.principal;
  if (principal === undefined || principal === "*") return [];
  return [...principal]
    .filter(([type]) => type.toUpperCase() === "AWS")
    .flatMap(([, values]) => values.flatMap((value) => principalAccount(value) ?? []));
}

/** The service principals (`sagemaker.amazonaws.com`) a statement's `Principal` names. */
export function servicePrincipals(statement: Statement): string[] {
  const principal = statement.principal;
  if (principal === undefined || principal === "*") return [];
  return [...principal].filter(([type]) => type.toLowerCase() === "service").flatMap(([, values]) => values);
}

const ORGANIZATION_KEYS = ["aws:principalorgid", "aws:sourceorgid"];
const ORGANIZATION_PATH_KEYS = ["aws:principalorgpaths", "aws:sourceorgpaths"];
const ACCOUNT_KEYS = ["aws:principalaccount", "aws:sourceaccount", "aws:sourceowner"];
const ARN_KEYS = ["aws:principalarn", "aws:sourcearn"];

/** What a positive condition on a key that says who names. */
export type Whom =
  /** `aws:PrincipalOrgID`, `aws:SourceOrgID` (or their paths): one organization. */
  | { readonly kind: "organization" }
  /**
   * Accounts: those of `aws:PrincipalAccount`, `aws:SourceAccount`, `aws:SourceOwner`, or the
   * account sections of `aws:PrincipalArn`, `aws:SourceArn` (and keys that hold ARNs like them).
   * `complete` is false when a value names no account (an S3 bucket's ARN has none).
   */
  | { readonly kind: "accounts"; readonly accounts: readonly string[]; readonly complete: boolean };

/** Whether an organization id, or the organization a path starts with, is named without wildcards. */
function namesOrganization(value: string, path: boolean): boolean {
  const organization = path ? value.split("/")[0] : value;
  return organization !== "" && !hasWildcard(organization);
}

/** The accounts of a condition's ARN values: the account sections, wildcards and all. */
function arnAccounts(values: readonly string[]): { accounts: string[]; complete: boolean } {
  const accounts = values.map((value) => parseArnPattern(value)?.account ?? "");
  return { accounts: accounts.filter((account) => account !== ""), complete: !accounts.includes("") };
}

/**
 * Whom a condition names, when it is a positive condition (see `isPositive`) on a key that says
 * who; undefined for other conditions. `arnKeys` are further keys (globs) whose values are ARNs
 * naming whom, as `aws:SourceArn` does (`kms:EncryptionContext:aws:*`).
 */
export function whomNamed(condition: Condition, arnKeys: readonly string[] = []): Whom | undefined {
  if (!isPositive(condition)) return undefined;
  const key = condition.key.toLowerCase();
  if (ORGANIZATION_KEYS.includes(key) || ORGANIZATION_PATH_KEYS.includes(key)) {
    const path = ORGANIZATION_PATH_KEYS.includes(key);
    // An organization id with a wildcard (`o-*`) names every organization.
    return condition.values.every((value) => namesOrganization(value, path))
      ? { kind: "organization" }
      : { kind: "accounts", accounts: ["*"], complete: true };
  }
  if (ACCOUNT_KEYS.includes(key))
    return { kind: "accounts", accounts: [...condition.values], complete: true };
  if (ARN_KEYS.includes(key) || arnKeys.some((arnKey) => arnGlob(arnKey.toLowerCase()).test(key)))
    return { kind: "accounts", ...arnAccounts(condition.values) };
  return undefined;
}

/**
 * Whether a positive condition on a key that says who names whom exactly: an organization id with
 * no wildcard, 12-digit accounts, ARNs whose account (where they have one) has no wildcard. Keys
 * that do not say who (`aws:SourceVpce`) name exactly what they name.
 */
export function namesWhomExactly(condition: Condition): boolean {
  const whom = whomNamed(condition);
  if (whom === undefined) return isPositive(condition);
  return whom.kind === "organization" || whom.accounts.every(isAccountId);
}

/**
 * The accounts an Allow statement opens to that `isTrusted` does not accept: those its Principal
 * names and those its conditions name. None when a condition limits the statement to one
 * organization or to trusted accounts only (conditions hold together, so one is enough).
 * `isTrusted` is called only for accounts that need it, in order, so that it may read what it
 * needs lazily.
 */
export function untrustedAccounts(
  statement: Statement,
  isTrusted: (account: string) => boolean,
  arnKeys: readonly string[] = [],
): string[] {
  const named = statement.conditions.flatMap((condition) => whomNamed(condition, arnKeys) ?? []);
  if (named.some((whom) => whom.kind === "organization")) return [];
  const accountSets = named.flatMap((whom) => (whom.kind === "accounts" ? [whom] : []));
  if (accountSets.some((set) => set.complete && set.accounts.length > 0 && set.accounts.every(isTrusted)))
    return [];
  const accounts = [...principalAccounts(statement), ...accountSets.flatMap((set) => set.accounts)];
  return [...new Set(accounts)].filter((account) => !isTrusted(account));
}

/**
 * The finding for accounts a statement names outside `trustedAccounts`, after the statement's
 * place: `names account 333333333333, which is not among trustedAccounts [...]; <let in|trust> only...`.
 */
export function untrustedText(
  accounts: readonly string[],
  trustedAccounts: readonly string[],
  verb: "let in" | "trust",
): string {
  const plural = accounts.length > 1;
  return (
    `names account${plural ? "s" : ""} ${accounts.join(", ")}, which ${plural ? "are" : "is"} not among trustedAccounts ${JSON.stringify(trustedAccounts)}; ` +
    `${verb} only the accounts the stack's config names, or limit the statement to them or to the organization with a condition on aws:PrincipalAccount, aws:SourceAccount or aws:PrincipalOrgID`
  );
}

/**
 * Whether an account is trusted: one of `trustedAccounts`, or the resource's own, which `owner`
 * reads from its props once, when first needed (unknown during preview, reading it defers the check).
 */
export function trustCheck(
  trustedAccounts: readonly string[],
  owner: () => string | undefined,
): (account: string) => boolean {
  let own: { value: string | undefined } | undefined;
  return (account) => {
    if (trustedAccounts.includes(account)) return true;
    own ??= { value: owner() };
    return account === own.value;
  };
}
