import { policyDocument, PolicyDocument } from "../shared/policyDocument";

/** GitHub Actions' OIDC issuer, without the scheme: the host IAM names the provider and its claims after. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience `aws-actions/configure-aws-credentials` requests tokens for. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/** Which workflow runs a role trusts, besides the repository. */
export type GithubSubject =
  { readonly environment: string } | { readonly branch: string } | { readonly pullRequests: true };

/**
 * The `sub` claim GitHub puts in the token of such a run (the default subject format): a job that
 * names an environment gets `environment:<name>`, else a push gets `ref:refs/heads/<branch>` and a
 * pull request `pull_request`.
 */
export function githubSubjectClaim(repository: string, subject: GithubSubject): string {
  if ("environment" in subject) return `repo:${repository}:environment:${subject.environment}`;
  if ("branch" in subject) return `repo:${repository}:ref:refs/heads/${subject.branch}`;
  return `repo:${repository}:pull_request`;
}

/** The ARN of an account's GitHub Actions OIDC provider (IAM allows one per issuer and account). */
export function githubOidcProviderArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

/**
 * Trust policy of a role GitHub Actions assumes with its OIDC token: only through the account's
 * GitHub provider, only with a token minted for AWS, and only for one repository's runs of one
 * kind. `StringEquals`, never `StringLike`: the subject is a value, not a pattern.
 */
export function githubTrustPolicy(args: {
  readonly providerArn: string;
  readonly repository: string;
  readonly subject: GithubSubject;
}): PolicyDocument {
  return policyDocument({
    Sid: "GithubActionsOidc",
    Effect: "Allow",
    Principal: { Federated: args.providerArn },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: {
      StringEquals: {
        [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
        [`${GITHUB_OIDC_HOST}:sub`]: githubSubjectClaim(args.repository, args.subject),
      },
    },
  });
}
