import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccountContext } from "../shared/account";
import { DeployFootprint, TYPES } from "../shared/footprint";
import { permissionsBoundaryPolicy } from "./permissionsBoundaryPolicy";
import { STORAGE_DEFAULTS } from "./settings";

/** IAM's managed policy names: 1-128 of these characters. */
const POLICY_NAME_PATTERN = /^[\w+=,.@-]{1,128}$/;

export interface PermissionsBoundaryArgs {
  /** Where the stack deploys, looked up once per stack (`lookupAccountContext`). */
  readonly account: AccountContext;
  /**
   * Prefix of every physical name of the stack: the roles whose IAM changes the boundary lets
   * through are `role/<namePrefix>-*`. The component's name must start with it.
   */
  readonly namePrefix: string;
  /** Tags for the policy. */
  readonly tags: Readonly<Record<string, string>>;
  /** Refuse to delete the boundary with the stack, as the key is. @default true */
  readonly protect?: boolean;
}

type ResolvedArgs = Required<PermissionsBoundaryArgs>;

/** Applies every default in one place. Pure. */
export function withDefaults(args: PermissionsBoundaryArgs): ResolvedArgs {
  return {
    account: args.account,
    namePrefix: args.namePrefix,
    tags: args.tags,
    protect: args.protect ?? STORAGE_DEFAULTS.protectFromDeletion,
  };
}

/** Every problem with the arguments, so that nothing is created from a half-valid request. */
export function validateArgs(name: string, resolved: ResolvedArgs): string[] {
  const problems: string[] = [];
  if (!POLICY_NAME_PATTERN.test(name)) {
    problems.push(
      `name "${name}" must be 1-128 letters, digits and the characters + = , . @ _ - (an IAM policy name)`,
    );
  }
  if (!name.startsWith(`${resolved.namePrefix}-`)) {
    problems.push(
      `name "${name}" must start with namePrefix "${resolved.namePrefix}-": the deploy and preview roles read the stack's policies within the prefix`,
    );
  }
  return problems;
}

/** A managed policy. */
export function permissionsBoundaryFootprint(): DeployFootprint {
  return { types: [TYPES.managedPolicy], passedRoles: [] };
}

/**
 * The permissions boundary of the stack's roles: a managed policy named after the component (at
 * path "/"), with the document of {@link permissionsBoundaryPolicy}. Every role the stack creates
 * carries it; the deploy role may create and change roles only with it, and cannot change it: a
 * change to the boundary is an administrator's `pulumi up`.
 */
export class PermissionsBoundary extends pulumi.ComponentResource {
  /** The policy's ARN, known once it exists: a role given it waits for the policy. */
  public readonly policyArn: pulumi.Output<string>;
  /** The resource types it creates, for the deploy role. */
  public readonly footprint: DeployFootprint;

  constructor(name: string, args: PermissionsBoundaryArgs, opts?: pulumi.ComponentResourceOptions) {
    const config = withDefaults(args);
    const problems = validateArgs(name, config);
    // Before super(), so that a refused request registers nothing, not even the component.
    if (problems.length > 0) throw new Error(`PermissionsBoundary ${name}: ${problems.join("; ")}.`);
    super("mlops:iam:PermissionsBoundary", name, {}, opts);
    const { partition, accountId } = config.account;

    const policy = new aws.iam.Policy(
      `${name}-policy`,
      {
        name,
        path: "/",
        description: `Caps every role of ${config.namePrefix}: no role without this boundary, no change to it`,
        // A policy at path "/" has its name's ARN, which the document names before the policy exists.
        policy: pulumi.all([partition, accountId]).apply(([p, account]) =>
          JSON.stringify(
            permissionsBoundaryPolicy({
              partition: p,
              accountId: account,
              namePrefix: config.namePrefix,
              boundaryArn: `arn:${p}:iam::${account}:policy/${name}`,
            }),
          ),
        ),
        tags: config.tags,
      },
      { parent: this, protect: config.protect },
    );

    this.footprint = permissionsBoundaryFootprint();
    this.policyArn = policy.arn;
    this.registerOutputs({ policyArn: this.policyArn });
  }
}
