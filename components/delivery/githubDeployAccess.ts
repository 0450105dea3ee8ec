import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SECURITY_SETTINGS } from "../foundation/securitySettings";
import type { AccountContext } from "../shared/account";
import type { DeployFootprint, PassedRole } from "../shared/footprint";
import { settingProblem } from "../shared/settings";
import { DEPLOY_PERMISSIONS } from "./deployPermissions";
import {
  deployPolicy,
  DeployScope,
  PassedRoles,
  MANAGED_POLICY_MAX_CHARS,
  previewPolicy,
  splitStatements,
  statementsWithIds,
  unknownResourceTypes,
} from "./deployPolicy";
import {
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  githubOidcProviderArn,
  GithubSubject,
  githubSubjectClaim,
  githubTrustPolicy,
} from "./githubTrust";
import {
  GITHUB_BRANCH_PATTERN,
  GITHUB_ENVIRONMENT_PATTERN,
  GITHUB_REPOSITORY_PATTERN,
  GITHUB_OIDC_PROVIDER_ARN_PATTERN,
} from "./github";

/** What these roles are made of, besides what the stack itself manages. */
const OWN_TYPES = {
  role: "aws:iam/role:Role",
  inlinePolicy: "aws:iam/rolePolicy:RolePolicy",
  managedPolicy: "aws:iam/policy:Policy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  oidcProvider: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
} as const;

export interface GithubDeployAccessArgs {
  /** Where the stack deploys, looked up once per stack (`lookupAccountContext`). */
  readonly account: AccountContext;
  /** The GitHub repository (`owner/name`) whose workflows may assume the roles. */
  readonly repository: string;
  /** The GitHub environment whose jobs may assume the deploy role; exactly one of this and `deployBranch`. @default none */
  readonly deployEnvironment?: string;
  /** The branch whose workflow runs may assume the deploy role; exactly one of this and `deployEnvironment`. @default none */
  readonly deployBranch?: string;
  /** The account's GitHub Actions OIDC provider, when it already exists (one per account). @default a provider is created */
  readonly oidcProviderArn?: string;
  /** Create the read-only role pull requests run `pulumi preview` with. @default true */
  readonly previewRole?: boolean;
  /** Prefix of every physical name of the stack; the deploy role's rights are limited to it. The component's name must start with it. */
  readonly namePrefix: string;
  /**
   * What the stack's other components deploy (`combineFootprints` of each one's `footprint`): the
   * deploy role may deploy exactly these types and pass exactly these roles, the preview role read them.
   */
  readonly footprint: DeployFootprint;
  /** Tags every resource of the stack carries; they scope what names cannot (KMS keys). At least one. */
  readonly resourceTags: Readonly<Record<string, string>>;
  /** The stack's KMS key, which uploads, endpoints and connections are encrypted with. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /**
   * The permissions boundary of the stack's roles (a managed policy of the account): both roles
   * carry it, and the deploy role may create and change roles only with it, and not change it. A
   * value not known yet (the stack's own `PermissionsBoundary`) must be a policy at path "/".
   */
  readonly permissionsBoundaryArn: pulumi.Input<string>;
  /**
   * Model package groups of other stacks (accounts) that the stack's models are served from
   * (`models[].source`): the roles may describe their versions. @default none
   */
  readonly sourceModelPackageGroupArns?: readonly string[];
  /**
   * Longest deploy session, in seconds (1-12 hours). A `pulumi up` must finish within it: the
   * credentials of `aws-actions/configure-aws-credentials` are not renewed.
   * @default 7200 (an endpoint's blue/green update with a canary bake and termination wait of up to an hour each)
   */
  readonly deploySessionSeconds?: number;
  /** Tags for every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
}

type ResolvedArgs = Required<
  Omit<GithubDeployAccessArgs, "deployEnvironment" | "deployBranch" | "oidcProviderArn">
> &
  Pick<GithubDeployAccessArgs, "oidcProviderArn"> & { readonly deploySubject?: GithubSubject };

/** Applies every default in one place. Pure. */
export function withDefaults(args: GithubDeployAccessArgs): ResolvedArgs {
  const { deployEnvironment: environment, deployBranch: branch } = args;
  return {
    account: args.account,
    repository: args.repository,
    deploySubject:
      environment !== undefined && branch === undefined
        ? { environment }
        : branch !== undefined && environment === undefined
          ? { branch }
          : undefined,
    oidcProviderArn: args.oidcProviderArn,
    previewRole: args.previewRole ?? true,
    namePrefix: args.namePrefix,
    footprint: args.footprint,
    resourceTags: args.resourceTags,
    kmsKeyArn: args.kmsKeyArn,
    permissionsBoundaryArn: args.permissionsBoundaryArn,
    sourceModelPackageGroupArns: args.sourceModelPackageGroupArns ?? [],
    deploySessionSeconds: args.deploySessionSeconds ?? 7200,
    tags: args.tags,
  };
}

/** Role and policy names are `<name>-deploy-<n>` at most: IAM allows 64 characters for a role. */
const NAME = /^[a-z][a-z0-9-]{0,52}$/;
/** IAM attaches at most 10 managed policies to a role unless the quota is raised. */
const MAX_ATTACHED_POLICIES = 10;
/** IAM's limit on all inline policies of a role, in characters without whitespace. */
const INLINE_POLICIES_MAX_CHARS = 10_240;

const SIZING_PARTITION = "aws-iso-b";
const SIZING_REGION = "ap-southeast-5x";
/** The longest role ARNs IAM allows the stack's roles (64-character names at path "/"), each its own. */
const sizingRoleArn = (index: number) =>
  `arn:${SIZING_PARTITION}:iam::123456789012:role/${String(index).padStart(64, "r")}`;

/**
 * The boundary's ARN where it is known (from config, path and all), in the sizing partition and
 * account; else the longest of a policy at path "/" (names of up to 128 characters).
 */
export function sizingBoundaryArn(boundary: pulumi.Input<string>): string {
  const account = `arn:${SIZING_PARTITION}:iam::123456789012:`;
  return typeof boundary === "string"
    ? boundary.replace(/^arn:[^:]+:iam::\d{12}:/, account)
    : `${account}policy/${"p".repeat(128)}`;
}

/**
 * Refuses a boundary whose ARN, known only now, is longer than the one the deploy policies were
 * split with: they might no longer fit IAM's limit.
 */
export function assertSizedBoundary(name: string, boundaryArn: string, sizedArn: string): void {
  if (boundaryArn.length > sizedArn.length) {
    throw new Error(
      `GithubDeployAccess ${name}: permissionsBoundaryArn "${boundaryArn}" is longer than the deploy policy ` +
        "was sized for (a policy at path /); give a policy with a path as a string, known before deploying.",
    );
  }
}

/**
 * Values of the longest partition, region and key ARN AWS has, so that a document sized with them
 * fits its limit in every account: policies are split before the real values are known.
 */
function sizingScope(resolved: ResolvedArgs): DeployScope {
  return {
    partition: SIZING_PARTITION,
    region: SIZING_REGION,
    accountId: "123456789012",
    namePrefix: resolved.namePrefix,
    resourceTags: resolved.resourceTags,
    kmsKeyArn: `arn:${SIZING_PARTITION}:kms:${SIZING_REGION}:123456789012:key/mrk-${"0".repeat(32)}`,
    permissionsBoundaryArn: sizingBoundaryArn(resolved.permissionsBoundaryArn),
    sourceModelPackageGroupArns: resolved.sourceModelPackageGroupArns.map((arn) =>
      arn.replace(/^arn:[^:]+:sagemaker:[^:]+:/, `arn:${SIZING_PARTITION}:sagemaker:${SIZING_REGION}:`),
    ),
  };
}

/** Physical names: fixed, so that workflows can name the roles they assume. */
export function accessNames(name: string) {
  return {
    deployRole: `${name}-deploy`,
    previewRole: `${name}-preview`,
    deployPolicy: (index: number) => `${name}-deploy-${index + 1}`,
  };
}

/** The roles the stack passes, in order; a role named twice for the same service (the same output) counts once. */
export function rolePasses(footprint: DeployFootprint): PassedRole[] {
  const seen = new Map<string, Set<unknown>>();
  return footprint.passedRoles.filter(({ service, roleArn }) => {
    const roles = seen.get(service) ?? new Set<unknown>();
    seen.set(service, roles);
    if (roles.has(roleArn)) return false;
    roles.add(roleArn);
    return true;
  });
}

/** Role ARNs by service, in the order the resources were given. */
function byService(passes: readonly { service: string; roleArn: string }[]): PassedRoles {
  const grouped: Record<string, string[]> = {};
  for (const { service, roleArn } of passes) (grouped[service] ??= []).push(roleArn);
  return grouped;
}

/** The types the roles' permissions cover: the stack's, and these roles' own. */
export function coveredTypes(resolved: ResolvedArgs): string[] {
  return [
    ...new Set([
      ...resolved.footprint.types,
      OWN_TYPES.role,
      OWN_TYPES.managedPolicy,
      OWN_TYPES.attachment,
      ...(resolved.previewRole ? [OWN_TYPES.inlinePolicy] : []),
      ...(resolved.oidcProviderArn === undefined ? [OWN_TYPES.oidcProvider] : []),
    ]),
  ].sort();
}

/** Every problem with the arguments, so that nothing is created from a half-valid request. */
export function validateArgs(name: string, args: GithubDeployAccessArgs, resolved: ResolvedArgs): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => ok || problems.push(message);
  check(
    NAME.test(name),
    `name "${name}" must be 1-53 lowercase letters, digits and hyphens, starting with a letter`,
  );
  check(
    name.startsWith(`${resolved.namePrefix}-`),
    `name "${name}" must start with namePrefix "${resolved.namePrefix}-": the roles read themselves within the prefix`,
  );
  check(
    GITHUB_REPOSITORY_PATTERN.test(resolved.repository),
    `repository "${resolved.repository}" must be one GitHub repository as owner/name, without wildcards`,
  );
  if (args.deployEnvironment !== undefined && args.deployBranch !== undefined) {
    check(false, "deployEnvironment and deployBranch cannot both be set: the deploy role trusts one of them");
  }
  check(
    args.deployEnvironment !== undefined || args.deployBranch !== undefined,
    "deployEnvironment or deployBranch is required: the deploy role trusts one environment or one branch",
  );
  if (args.deployEnvironment !== undefined) {
    check(
      GITHUB_ENVIRONMENT_PATTERN.test(args.deployEnvironment),
      `deployEnvironment "${args.deployEnvironment}" must be a GitHub environment name (letters, digits, ".", "_", "-"; no wildcards)`,
    );
  }
  if (args.deployBranch !== undefined) {
    check(
      GITHUB_BRANCH_PATTERN.test(args.deployBranch),
      `deployBranch "${args.deployBranch}" must be one branch name (no wildcards, spaces or "..")`,
    );
  }
  if (resolved.oidcProviderArn !== undefined) {
    check(
      GITHUB_OIDC_PROVIDER_ARN_PATTERN.test(resolved.oidcProviderArn),
      `oidcProviderArn "${resolved.oidcProviderArn}" must be the ARN of a ${GITHUB_OIDC_HOST} OIDC provider`,
    );
  }
  check(Object.keys(resolved.resourceTags).length > 0, "resourceTags must name at least one tag");
  if (typeof resolved.permissionsBoundaryArn === "string") {
    const problem = settingProblem(
      "permissionsBoundaryArn",
      SECURITY_SETTINGS.permissionsBoundaryArn,
      resolved.permissionsBoundaryArn,
    );
    if (problem) problems.push(problem);
  }
  check(
    Number.isInteger(resolved.deploySessionSeconds) &&
      resolved.deploySessionSeconds >= 3600 &&
      resolved.deploySessionSeconds <= 43_200,
    `deploySessionSeconds ${resolved.deploySessionSeconds} must be a whole number from 3600 to 43200`,
  );
  // A role goes only to a service that one of the stack's types hands roles to (`passesRole`).
  const passing = new Set(
    resolved.footprint.types.flatMap((type) => DEPLOY_PERMISSIONS[type]?.passesRole?.service ?? []),
  );
  const stray = [...new Set(resolved.footprint.passedRoles.map((role) => role.service))].filter(
    (service) => !passing.has(service),
  );
  check(
    stray.length === 0,
    `the footprint passes roles to ${stray.join(", ")}, which none of its types hands a role to (passesRole in DEPLOY_PERMISSIONS)`,
  );
  const unknown = unknownResourceTypes(resolved.footprint.types);
  check(
    unknown.length === 0,
    `the footprint lists ${unknown.join(", ")}, which has no entry in DEPLOY_PERMISSIONS (components/delivery/deployPermissions.ts), so the deploy role could not deploy them`,
  );
  return problems;
}

/** The managed policies the deploy role gets, as statement ids per policy; sized for any account. */
function deployPolicyPlan(name: string, resolved: ResolvedArgs): string[][] {
  const scope = sizingScope(resolved);
  const names = accessNames(name);
  const arn = (resource: string) => `arn:${scope.partition}:iam::${scope.accountId}:${resource}`;
  // A role the component names is sized by its name; an auto-named one by the longest IAM allows.
  const passes = rolePasses(resolved.footprint).map(({ service, roleName }, index) => ({
    service,
    roleArn: roleName === undefined ? sizingRoleArn(index) : arn(`role/${roleName}`),
  }));
  const sizing = deployPolicy(scope, coveredTypes(resolved), byService(passes), [
    arn(`role/${names.deployRole}`),
    arn(`role/${names.previewRole}`),
    ...Array.from({ length: MAX_ATTACHED_POLICIES }, (_, index) =>
      arn(`policy/${names.deployPolicy(index)}`),
    ),
    githubOidcProviderArn(scope.partition, scope.accountId),
    scope.permissionsBoundaryArn,
  ]);
  return splitStatements(sizing, MANAGED_POLICY_MAX_CHARS);
}

/**
 * The GitHub Actions side of delivery for one stack: the account's GitHub OIDC provider (or an
 * existing one), a deploy role that only the repository's runs in one environment or on one
 * branch can assume, and a read-only preview role for its pull requests. The deploy role may
 * deploy exactly the resource types the stack manages, within the stack's name prefix
 * (`components/delivery/deployPermissions.ts`), may create and change roles only when they carry
 * the stack's permissions boundary, which both roles carry too, and may not change these roles,
 * their policies, the provider or the boundary: those changes are applied with administrator
 * credentials.
 */
export class GithubDeployAccess extends pulumi.ComponentResource {
  public readonly deployRoleArn: pulumi.Output<string>;
  /** `undefined` when `previewRole` is false. */
  public readonly previewRoleArn: pulumi.Output<string | undefined>;
  public readonly oidcProviderArn: pulumi.Output<string>;
  /** The managed policies holding the deploy role's permissions, in order. */
  public readonly deployPolicyArns: pulumi.Output<string[]>;

  constructor(name: string, args: GithubDeployAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    const config = withDefaults(args);
    const problems = validateArgs(name, args, config);
    const plan = problems.length === 0 ? deployPolicyPlan(name, config) : [];
    if (plan.length > MAX_ATTACHED_POLICIES) {
      problems.push(
        `the deploy policy needs ${plan.length} managed policies, more than the ${MAX_ATTACHED_POLICIES} IAM attaches to a role`,
      );
    }
    const preview =
      problems.length === 0 && config.previewRole
        ? previewPolicy(sizingScope(config), coveredTypes(config))
        : undefined;
    if (preview && JSON.stringify(preview).length > INLINE_POLICIES_MAX_CHARS) {
      problems.push(
        `the preview policy exceeds the ${INLINE_POLICIES_MAX_CHARS} characters IAM allows inline`,
      );
    }
    // Before super(), so that a refused request registers nothing, not even the component.
    if (problems.length > 0) throw new Error(`GithubDeployAccess ${name}: ${problems.join("; ")}.`);
    super("mlops:delivery:GithubDeployAccess", name, {}, opts);

    const parent = { parent: this };
    const { partition, region, accountId } = args.account;
    const names = accessNames(name);
    const types = coveredTypes(config);

    // IAM names the provider after its issuer, so its ARN is known before it exists; depending on
    // the resource's URN keeps the roles from being created before the provider they trust.
    const provider =
      config.oidcProviderArn === undefined
        ? new aws.iam.OpenIdConnectProvider(
            `${name}-oidc`,
            { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: [GITHUB_OIDC_AUDIENCE], tags: config.tags },
            parent,
          )
        : undefined;
    const providerArn: pulumi.Output<string> = provider
      ? pulumi
          .all([provider.urn, partition, accountId])
          .apply(([, p, account]) => githubOidcProviderArn(p, account))
      : pulumi.output(config.oidcProviderArn ?? "");

    const role = (
      child: string,
      physical: string,
      subject: GithubSubject,
      description: string,
      maxSessionDuration: number,
    ) =>
      new aws.iam.Role(
        `${name}-${child}`,
        {
          name: physical,
          description,
          assumeRolePolicy: providerArn.apply((arn) =>
            JSON.stringify(githubTrustPolicy({ providerArn: arn, repository: config.repository, subject })),
          ),
          maxSessionDuration,
          permissionsBoundary: config.permissionsBoundaryArn,
          tags: config.tags,
        },
        parent,
      );
    // Validation guarantees exactly one of environment and branch.
    const deploySubject = config.deploySubject as GithubSubject;
    const deployRole = role(
      "deploy-role",
      names.deployRole,
      deploySubject,
      `Deploys ${config.namePrefix} from ${githubSubjectClaim(config.repository, deploySubject)}`,
      config.deploySessionSeconds,
    );
    // An hour, IAM's minimum: a preview only reads, and finishes well within it.
    const previewRole = config.previewRole
      ? role(
          "preview-role",
          names.previewRole,
          { pullRequests: true },
          `Previews ${config.namePrefix} for ${githubSubjectClaim(config.repository, { pullRequests: true })}`,
          3600,
        )
      : undefined;

    const scope = pulumi
      .all([partition, region, accountId, config.kmsKeyArn, config.permissionsBoundaryArn])
      .apply(([p, r, account, kmsKeyArn, permissionsBoundaryArn]): DeployScope => ({
        partition: p,
        region: r,
        accountId: account,
        namePrefix: config.namePrefix,
        resourceTags: config.resourceTags,
        kmsKeyArn,
        permissionsBoundaryArn,
        sourceModelPackageGroupArns: config.sourceModelPackageGroupArns,
      }));
    const iamArn = (resource: string) => pulumi.interpolate`arn:${partition}:iam::${accountId}:${resource}`;
    const deliveryArns = pulumi.all([
      iamArn(`role/${names.deployRole}`),
      ...(previewRole ? [iamArn(`role/${names.previewRole}`)] : []),
      ...plan.map((_, index) => iamArn(`policy/${names.deployPolicy(index)}`)),
      providerArn,
      pulumi.output(config.permissionsBoundaryArn),
    ]);
    const passes = rolePasses(config.footprint);
    const passed = pulumi
      .all(passes.map((pass) => pulumi.output(pass.roleArn)))
      .apply((arns) =>
        byService(passes.map((pass, index) => ({ service: pass.service, roleArn: arns[index] }))),
      );
    const sizedBoundary = sizingScope(config).permissionsBoundaryArn;
    const document = pulumi.all([scope, passed, deliveryArns]).apply(([s, roles, delivery]) => {
      assertSizedBoundary(name, s.permissionsBoundaryArn, sizedBoundary);
      return deployPolicy(s, types, roles, delivery);
    });
    const policyArns = plan.map((sids, index) => {
      const policy = new aws.iam.Policy(
        `${name}-deploy-policy-${index + 1}`,
        {
          name: names.deployPolicy(index),
          description: `Deploying ${config.namePrefix}, part ${index + 1} of ${plan.length}`,
          policy: document.apply((doc) => JSON.stringify(statementsWithIds(doc, sids))),
          tags: config.tags,
        },
        parent,
      );
      // The ARN of a policy at path "/" is its name's; the URN makes the attachment wait for the policy.
      const policyArn = pulumi
        .all([policy.urn, iamArn(`policy/${names.deployPolicy(index)}`)])
        .apply(([, arn]) => arn);
      new aws.iam.RolePolicyAttachment(
        `${name}-deploy-policy-${index + 1}`,
        { role: deployRole.name, policyArn },
        parent,
      );
      return policyArn;
    });
    if (previewRole) {
      new aws.iam.RolePolicy(
        `${name}-preview-policy`,
        {
          role: previewRole.name,
          policy: scope.apply((s) => JSON.stringify(previewPolicy(s, types))),
        },
        parent,
      );
    }

    this.deployRoleArn = deployRole.arn;
    this.previewRoleArn = previewRole ? previewRole.arn : pulumi.output(undefined);
    this.oidcProviderArn = providerArn;
    this.deployPolicyArns = pulumi.all(policyArns);
    this.registerOutputs({
      deployRoleArn: this.deployRoleArn,
      previewRoleArn: this.previewRoleArn,
      oidcProviderArn: this.oidcProviderArn,
      deployPolicyArns: this.deployPolicyArns,
    });
  }
}
