import { z } from "zod";
import { flag, integer, requiredOr, strictObject } from "../shared/settings";
import {
  DEFAULT_DISPATCH_EVENT_TYPE,
  GITHUB_BRANCH_PATTERN,
  GITHUB_ENVIRONMENT_PATTERN,
  GITHUB_OIDC_PROVIDER_ARN_PATTERN,
  GITHUB_REPOSITORY_PATTERN,
} from "./github";

/** `delivery`: CI/CD from GitHub Actions. Each setting's default, range and description, once. */

/** GitHub's `event_type` of a repository dispatch: at most 100 characters. */
export const DISPATCH_EVENT_TYPE_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

/** The place in the deploy on merge of a stack that sets no `deployOrder`. */
export const DEFAULT_DEPLOY_ORDER = 100;

const github = strictObject({
  repository: z
    .string({ error: requiredOr("a GitHub repository as owner/name") })
    .regex(GITHUB_REPOSITORY_PATTERN, {
      error:
        "is not a GitHub repository (expected owner/name, e.g. example-org/mlops-platform; no wildcards)",
    })
    .describe("The repository (owner/name) whose workflows may assume the roles."),
  deployEnvironment: z
    .string({ error: "must be the name of a GitHub environment" })
    .regex(GITHUB_ENVIRONMENT_PATTERN, {
      error:
        "is not a GitHub environment name this role can trust (1-255 letters, digits, '.', '_', '-'; no wildcards)",
    })
    .optional()
    .describe(
      "The GitHub environment whose jobs may assume the deploy role; exactly one of this and deployBranch.",
    ),
  deployBranch: z
    .string({ error: "must be the name of a branch" })
    .regex(GITHUB_BRANCH_PATTERN, {
      error:
        "is not a branch name this role can trust (e.g. main or release/v2; no wildcards, spaces or '..')",
    })
    .optional()
    .describe("The branch whose runs may assume the deploy role; exactly one of this and deployEnvironment."),
  oidcProviderArn: z
    .string({ error: "must be the ARN of the account's GitHub OIDC provider" })
    .regex(GITHUB_OIDC_PROVIDER_ARN_PATTERN, {
      error:
        "is not the ARN of a GitHub Actions OIDC provider (expected arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com)",
    })
    .optional()
    .describe(
      "The account's GitHub OIDC provider, when it exists already (one per account). Unset: one is created.",
    ),
  previewRole: flag()
    .default(true)
    .describe("Create the read-only role pull requests preview the stack with."),
});

export const DELIVERY_SETTINGS = {
  github: github
    .optional()
    .describe("The roles GitHub Actions workflows of one repository assume. Unset: none."),
  approvalDispatch: strictObject({
    // Left unset: on when `github` is set (stacks/config.ts resolves it).
    enabled: flag()
      .optional()
      .describe("Dispatch model approvals to the repository. Unset: on when github is set."),
    eventType: z
      .string({ error: "must be a repository_dispatch event type" })
      .regex(DISPATCH_EVENT_TYPE_PATTERN, {
        error: "is not a repository_dispatch event type (1-100 letters, digits, '.', '_', '-')",
      })
      .default(DEFAULT_DISPATCH_EVENT_TYPE)
      .describe("The repository_dispatch event_type approvals are sent as."),
  })
    .optional()
    .describe("Model approvals sent to the repository as repository_dispatch events."),
  // Read by the workflows (.github/scripts/stackModels.ts), not by the program.
  deployOrder: integer(0, 1000)
    .default(DEFAULT_DEPLOY_ORDER)
    .describe(
      "When the deploy on merge updates the stack: stacks with github.deployEnvironment deploy one at a time, " +
        "lowest first (the same number: by stack name), each only after the ones before it succeeded.",
    ),
  smokeTest: flag()
    .default(false)
    .describe(
      "Send each verified endpoint the smoke-test requests after a deploy from GitHub Actions (on merge and " +
        "on a model approval).",
    ),
};

export const deliverySettings = strictObject(DELIVERY_SETTINGS);
