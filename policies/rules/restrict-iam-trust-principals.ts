import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { accountOfArn } from "../lib/arnPatterns";
import {
  conditionsOn,
  DocumentStatement,
  isEveryone,
  locate,
  parsePolicyDocument,
  Statement,
  trustPolicyOf,
} from "../lib/iamDocuments";
import { trustCheck, untrustedAccounts, untrustedText } from "../lib/principalAccounts";
import { resourceRule, show } from "../lib/rule";

/** What a GitHub OIDC subject may pin besides the repository. */
const SUBJECT_KINDS = ["branch", "environment", "tag", "pull_request"] as const;
type SubjectKind = (typeof SUBJECT_KINDS)[number];

interface Config {
  readonly githubRepositories: readonly string[];
  readonly githubSubjectKinds: readonly SubjectKind[];
  readonly githubAudience: string;
  readonly trustedAccounts: readonly string[];
}

const GITHUB = "token.actions.githubusercontent.com";
const SUB = `${GITHUB}:sub`;
const AUD = `${GITHUB}:aud`;
/** Operators whose values the claim must match; `...IfExists` and negations do not pin it. */
const PINNING_OPERATORS = ["StringEquals", "StringLike"];

/** `repo:<owner>/<repository>:<rest>`, owner and repository as GitHub allows them. */
const SUBJECT = /^repo:([A-Za-z0-9-]+\/[A-Za-z0-9._-]+):(.+)$/;
const KIND_PATTERNS: Readonly<Record<SubjectKind, RegExp>> = {
  branch: /^ref:refs\/heads\/.+$/,
  environment: /^environment:.+$/,
  tag: /^ref:refs\/tags\/.+$/,
  pull_request: /^pull_request$/,
};
const KIND_EXAMPLES: Readonly<Record<SubjectKind, string>> = {
  branch: "repo:<owner>/<repo>:ref:refs/heads/<branch>",
  environment: "repo:<owner>/<repo>:environment:<name>",
  tag: "repo:<owner>/<repo>:ref:refs/tags/<tag>",
  pull_request: "repo:<owner>/<repo>:pull_request",
};

const KIND_NOUNS: Readonly<Record<SubjectKind, string>> = {
  branch: "a branch",
  environment: "an environment",
  tag: "a tag",
  pull_request: "pull requests",
};

const hasWildcard = (text: string) => text.includes("*") || text.includes("?");

/** The repository a subject pins (`owner/repo`), when it pins one and an allowed kind. */
function pinnedRepository(subject: string, kinds: readonly SubjectKind[]): string | undefined {
  if (hasWildcard(subject)) return undefined;
  const match = SUBJECT.exec(subject);
  if (!match) return undefined;
  return kinds.some((kind) => KIND_PATTERNS[kind].test(match[2])) ? match[1] : undefined;
}

/** Why a `sub` condition's values do not pin one repository and a branch or environment. */
function subjectProblem(values: readonly string[], config: Config): string | undefined {
  if (values.length === 0) return "has no values";
  const unpinned = values.filter((value) => pinnedRepository(value, config.githubSubjectKinds) === undefined);
  if (unpinned.length > 0) {
    const forms = config.githubSubjectKinds.map((kind) => KIND_EXAMPLES[kind]).join(" or ");
    const kinds = config.githubSubjectKinds.map((kind) => KIND_NOUNS[kind]).join(" or ");
    return `${show(unpinned)} is not pinned to one repository and ${kinds} (${forms}, no wildcards)`;
  }
  const repositories = [
    ...new Set(values.map((value) => pinnedRepository(value, config.githubSubjectKinds) ?? "")),
  ];
  if (repositories.length > 1) return `names ${show(repositories)}: trust one repository per role`;
  const [repository] = repositories;
  const allowed = config.githubRepositories;
  if (allowed.length > 0 && !allowed.some((name) => name.toLowerCase() === repository.toLowerCase())) {
    return `names "${repository}", which is not in githubRepositories ${show(allowed)}`;
  }
  return undefined;
}

const isGithubProvider = (id: string) => id.toLowerCase().endsWith(`oidc-provider/${GITHUB}`);

function trustsGithub(statement: Statement): boolean {
  const principal = statement.principal;
  if (principal === undefined || principal === "*") return false;
  return [...principal].some(
    ([type, ids]) => type.toLowerCase() === "federated" && ids.some(isGithubProvider),
  );
}

function checkGithub(found: DocumentStatement, config: Config, report: ReportViolation): void {
  const where = `${locate(found)}: GitHub OIDC trust`;
  const subjects = conditionsOn(found.statement, SUB, PINNING_OPERATORS);
  if (subjects.length === 0) {
    report(
      `${where} has no StringEquals/StringLike condition on ${SUB}, so any GitHub workflow can assume the role; add {"StringEquals": {"${SUB}": "repo:<owner>/<repo>:ref:refs/heads/<branch>"}}.`,
    );
  } else {
    // Condition operators are ANDed: one condition that pins the subject is enough.
    const problems = subjects.map((condition) => subjectProblem(condition.values, config));
    if (!problems.includes(undefined)) {
      report(
        `${where}: ${SUB} ${problems[0]}; pin the subject so that only that workflow can assume the role.`,
      );
    }
  }
  const audiences = conditionsOn(found.statement, AUD, PINNING_OPERATORS);
  const pinned = audiences.some(
    (condition) =>
      condition.values.length > 0 && condition.values.every((value) => value === config.githubAudience),
  );
  if (!pinned) {
    const values = audiences.flatMap((condition) => condition.values);
    const what = values.length > 0 ? `allows ${show(values)}` : "has no condition";
    report(
      `${where}: ${AUD} ${what}; add {"StringEquals": {"${AUD}": "${config.githubAudience}"}} so that only tokens minted for AWS are accepted.`,
    );
  }
}

function checkAccounts(
  found: DocumentStatement,
  config: Config,
  isTrusted: (account: string) => boolean,
  report: ReportViolation,
): void {
  if (config.trustedAccounts.length === 0) return;
  const untrusted = untrustedAccounts(found.statement, isTrusted);
  if (untrusted.length === 0) return;
  report(`${locate(found)}: ${untrustedText(untrusted, config.trustedAccounts, "trust")}.`);
}

function check(
  found: DocumentStatement,
  config: Config,
  isTrusted: (account: string) => boolean,
  report: ReportViolation,
): void {
  const { statement } = found;
  if (!statement.allows) return;
  checkAccounts(found, config, isTrusted, report);
  if (isEveryone(statement.principal)) {
    report(
      `${locate(found)}: Principal ${show(statement.principal === "*" ? "*" : Object.fromEntries(statement.principal ?? []))} lets anyone assume the role; name the service, account or identity provider that assumes it.`,
    );
  }
  if (statement.notPrincipal !== undefined) {
    report(
      `${locate(found)}: Allow with NotPrincipal lets everyone but those listed assume the role; name the principals in Principal.`,
    );
  }
  if (trustsGithub(statement)) checkGithub(found, config, report);
}

/**
 * Reviews who may assume each role (`assumeRolePolicy`): no Allow statement may trust everyone
 * (`"*"`, `{ AWS: "*" }`, NotPrincipal), and a trust of GitHub Actions' OIDC provider must pin the
 * token's subject to one repository and a branch or environment (no wildcards; which kinds is
 * `githubSubjectKinds`, which repositories `githubRepositories`) and its audience to
 * `sts.amazonaws.com`. This rule also reports a trust policy that is not valid JSON.
 *
 * With `trustedAccounts` set (the accounts the stack's config names), no Allow statement may name
 * another account, in Principal (`111122223333`, `arn:aws:iam::111122223333:root`, a role or user
 * of it) or in a condition (`aws:PrincipalAccount`, `aws:SourceAccount`, the account of an
 * `aws:PrincipalArn` or `aws:SourceArn`: a service assuming the role for another account's
 * resource), unless a condition limits the statement to one organization (`aws:PrincipalOrgID`,
 * no wildcard in its id) or to trusted accounts only. The role's own account counts as trusted when
 * its ARN is known. Which services must name their source at all is
 * require-iam-service-source-conditions' part.
 *
 * During preview: a trust policy that is unknown is read through the engine's proxy, so the engine
 * reports "can't run policy ... during preview" for the role; it is checked at `pulumi up`.
 */
export const restrictIamTrustPrincipals = resourceRule({
  name: "restrict-iam-trust-principals",
  description:
    "Role trust policies must not trust everyone nor accounts outside trustedAccounts, and GitHub OIDC trust must pin one repository's branch or environment and the sts.amazonaws.com audience.",
  severity: "critical",
  config: {
    githubRepositories: {
      type: "array",
      items: { type: "string", pattern: "^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$" },
      default: [],
      description:
        'Repositories ("owner/name") GitHub OIDC trust may name; empty: any one repository per statement.',
    },
    githubSubjectKinds: {
      type: "array",
      items: { type: "string", enum: [...SUBJECT_KINDS] },
      default: ["branch", "environment"],
      description: "What a GitHub OIDC subject must pin besides the repository.",
    },
    githubAudience: {
      type: "string",
      minLength: 1,
      default: "sts.amazonaws.com",
      description: "The audience GitHub OIDC tokens must be minted for.",
    },
    trustedAccounts: {
      type: "array",
      items: { type: "string", pattern: "^[0-9]{12}$" },
      default: [],
      description: "Accounts (12-digit ids) role trust may name; empty: accounts are not checked.",
    },
  },
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    const document = trustPolicyOf(args.type, args.name, args.props);
    if (!document) return;
    const config = args.getConfig<Config>();
    const { statements, problems } = parsePolicyDocument(document.raw);
    if (problems.length > 0) {
      report(
        `${document.label} ${problems.join("; ")}; write it as a JSON policy document (e.g. with JSON.stringify).`,
      );
    }
    // The role's own account, from its ARN when among the props.
    const isTrusted = trustCheck(config.trustedAccounts, () => {
      const arn = args.props.arn;
      return typeof arn === "string" ? accountOfArn(arn) : undefined;
    });
    for (const statement of statements) check({ document, statement }, config, isTrusted, report);
  },
});
