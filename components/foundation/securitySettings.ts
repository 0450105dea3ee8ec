import { z } from "zod";
import { strictObject } from "../shared/settings";

/** `security`: what caps the permissions of the stack's roles. Each setting's default, range and description, once. */

/**
 * A customer managed policy of an account: `arn:<partition>:iam::<12 digits>:policy/<name>`, or
 * `policy/<path>/<name>` with a path of any depth (IAM's name characters in each part, a name of
 * at most 128). AWS managed policies (`iam::aws:policy/...`) are not a stack's to cap its roles with.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names
 */
export const MANAGED_POLICY_ARN_PATTERN =
  /^arn:aws[a-z-]*:iam::\d{12}:policy\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;

export const SECURITY_SETTINGS = {
  permissionsBoundaryArn: z
    .string({ error: "must be the ARN of an IAM managed policy" })
    .regex(MANAGED_POLICY_ARN_PATTERN, {
      error:
        "is not the ARN of a customer managed IAM policy (expected arn:aws:iam::<account>:policy/<name>, " +
        "or arn:aws:iam::<account>:policy/<path>/<name>)",
    })
    .optional()
    .describe(
      "The permissions boundary every role of the stack carries: the ARN of a managed policy of the " +
        "stack's account (`arn:aws:iam::<account>:policy/[<path>/]<name>`), which the deploy role can " +
        "neither change nor remove from a role. Unset: the stack creates `<namePrefix>-permissions-boundary`.",
    ),
};

export const securitySettings = strictObject(SECURITY_SETTINGS);
