import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, show } from "../lib/rule";
import { listedIn } from "../lib/iamActions";

interface Config {
  readonly forbiddenManagedPolicies: readonly string[];
  readonly allowedManagedPolicies: readonly string[];
}

/** Where each type keeps the managed policy ARNs it attaches, and how messages name it. */
const ATTACHMENTS: Readonly<Record<string, { readonly prop: string; readonly noun: string }>> = {
  "aws:iam/role:Role": { prop: "managedPolicyArns", noun: "Role" },
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { prop: "policyArn", noun: "Role policy attachment" },
  "aws:iam/userPolicyAttachment:UserPolicyAttachment": { prop: "policyArn", noun: "User policy attachment" },
  "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": {
    prop: "policyArn",
    noun: "Group policy attachment",
  },
  "aws:iam/policyAttachment:PolicyAttachment": { prop: "policyArn", noun: "Policy attachment" },
  "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": {
    prop: "policyArns",
    noun: "Role policy attachments",
  },
  "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": {
    prop: "policyArns",
    noun: "User policy attachments",
  },
  "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": {
    prop: "policyArns",
    noun: "Group policy attachments",
  },
};

/** AWS managed policies (account `aws`, any partition); the name is the last path segment. */
const AWS_MANAGED = /^arn:aws[-a-z]*:iam::aws:policy\/(?:[^/]*\/)*([^/]+)$/;

/** The name of an AWS managed policy ARN, or undefined for any other value. */
export function awsManagedPolicyName(arn: unknown): string | undefined {
  return typeof arn === "string" ? AWS_MANAGED.exec(arn)?.[1] : undefined;
}

/**
 * Refuses attaching AWS managed policies that grant whole services or the account:
 * `AdministratorAccess` (and its `AdministratorAccess-*` variants), `PowerUserAccess` and every
 * `*FullAccess*` policy (IAMFullAccess, AmazonSageMakerFullAccess, ...), by default. It reads the
 * ARNs of role, user and group policy attachments, `PolicyAttachment`, the exclusive attachment
 * resources and a role's `managedPolicyArns`; customer managed policies are left to the document
 * rules.
 *
 * During preview: an ARN (or list of ARNs) that is unknown is read through the engine's proxy, so
 * the engine reports "can't run policy ... during preview" for the resource; it is checked at
 * `pulumi up`. AWS managed policy ARNs are literals in practice, so this is rare.
 */
export const forbidIamAdminPolicies = resourceRule({
  name: "forbid-iam-admin-policies",
  description:
    "Roles, users and groups must not get AWS managed administrator, power-user or full-access policies.",
  severity: "high",
  config: {
    forbiddenManagedPolicies: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: ["AdministratorAccess", "AdministratorAccess-*", "PowerUserAccess", "*FullAccess*"],
      description: "Names (globs, case-insensitive) of AWS managed policies that must not be attached.",
    },
    allowedManagedPolicies: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [],
      description:
        'Names (globs) accepted although they match forbiddenManagedPolicies (e.g. "AWSCodeCommitFullAccess").',
    },
  },
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    const attachment = ATTACHMENTS[args.type];
    if (!attachment) return;
    const config = args.getConfig<Config>();
    const value: unknown = args.props[attachment.prop];
    const count = Array.isArray(value) ? value.length : 1;
    for (let index = 0; index < count; index++) {
      // One entry at a time: known ARNs are checked before an unknown one stops the rule in preview.
      const arn: unknown = Array.isArray(value) ? value[index] : value;
      const name = awsManagedPolicyName(arn);
      if (name === undefined) continue;
      if (!listedIn(name, config.forbiddenManagedPolicies) || listedIn(name, config.allowedManagedPolicies))
        continue;
      report(
        `${attachment.noun} "${args.name}" attaches the AWS managed policy ${show(arn)}, which grants far more than one workload needs; attach a policy that lists the actions and resources it uses.`,
      );
    }
  },
});
