import { GITHUB_OIDC_HOST } from "./githubTrust";

/**
 * GitHub's names as the stack config, the OIDC trust and the dispatch accept them: one pattern of
 * each, so that what the config lets through no component refuses.
 */

/**
 * `owner/name`: the owner (user or organization, with an enterprise-managed `_suffix`) 1-39
 * letters, digits, hyphens and underscores, starting and ending with a letter or digit; the
 * repository 1-100 letters, digits, ".", "_" and "-", other than "." and "..". No wildcards.
 */
export const GITHUB_REPOSITORY_PATTERN =
  /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,37}[A-Za-z0-9])?\/(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;

/** GitHub environment names as they appear in the token's subject; no wildcards, no ":" (the subject's separator). */
export const GITHUB_ENVIRONMENT_PATTERN = /^[A-Za-z0-9._-]{1,255}$/;

/** Branch names as git allows them, without wildcards, spaces or "..": one branch, never a pattern. */
export const GITHUB_BRANCH_PATTERN = /^(?!\/)(?!.*\.\.)(?!.*\/\/)(?!.*\/$)[A-Za-z0-9._/-]{1,255}$/;

/** The account's GitHub Actions OIDC provider; IAM allows one per URL and account. */
export const GITHUB_OIDC_PROVIDER_ARN_PATTERN = new RegExp(
  `^arn:aws[a-z-]*:iam::\\d{12}:oidc-provider/${GITHUB_OIDC_HOST.replace(/\./g, "\\.")}$`,
);

/** The `event_type` approvals are dispatched as unless configured otherwise. */
export const DEFAULT_DISPATCH_EVENT_TYPE = "model-approved";
