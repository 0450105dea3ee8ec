import { DEPLOY_PERMISSIONS, DeployScope, Grant } from "./deployPermissions";
import { policyDocument, PolicyDocument, PolicyStatement } from "../shared/policyDocument";

export { DEPLOY_PERMISSIONS } from "./deployPermissions";
export type { DeployScope, Grant, TypePermissions } from "./deployPermissions";

/** A SageMaker resource of the stack's account and region. */
const sageMakerArn = (scope: DeployScope, resource: string) =>
  `arn:${scope.partition}:sagemaker:${scope.region}:${scope.accountId}:${resource}`;

/**
 * What the program itself asks at `pulumi preview` and `pulumi up`: the newest approved version in
 * each model's registry (`latest-approved`), and the chosen version's image and baseline.
 */
export function modelRegistryLookups(scope: DeployScope): PolicyStatement[] {
  return [
    {
      Sid: "ListModelVersions",
      Effect: "Allow",
      Action: "sagemaker:ListModelPackages",
      // ListModelPackages names no resource; the region is what can be held.
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": scope.region } },
    },
    {
      Sid: "DescribeModelVersions",
      Effect: "Allow",
      Action: "sagemaker:DescribeModelPackage",
      Resource: sageMakerArn(scope, `model-package/${scope.namePrefix}-*/*`),
    },
    ...sourceRegistryLookups(scope),
  ];
}

/**
 * The versions of the registries the stack serves models from (`models[].source`), in the accounts
 * that build them: their group policies let this account describe and list them.
 */
function sourceRegistryLookups(scope: DeployScope): PolicyStatement[] {
  const groups = [...new Set(scope.sourceModelPackageGroupArns ?? [])].sort();
  if (groups.length === 0) return [];
  return [
    {
      Sid: "DescribeSourceModelVersions",
      Effect: "Allow",
      Action: "sagemaker:DescribeModelPackage",
      Resource: groups.map((arn) => `${arn.replace(":model-package-group/", ":model-package/")}/*`),
    },
  ];
}

const ENDPOINT_TYPE = "aws:sagemaker/endpoint:Endpoint";
const REGISTRY_TYPE = "aws:sagemaker/modelPackageGroup:ModelPackageGroup";

/**
 * What the program asks of a stack's live endpoints at `pulumi preview` and `pulumi up`: the fleet
 * each runs, the configuration it runs and that configuration's digest tag (registry/liveEndpoints.ts).
 */
export function liveFleetLookups(scope: DeployScope, types: readonly string[]): PolicyStatement[] {
  if (!types.includes(ENDPOINT_TYPE)) return [];
  const arn = (type: string) => sageMakerArn(scope, `${type}/${scope.namePrefix}-*`);
  return [
    {
      Sid: "ReadLiveEndpoints",
      Effect: "Allow",
      Action: ["sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:ListTags"],
      Resource: [arn("endpoint"), arn("endpoint-config")],
    },
  ];
}

/**
 * What the deploy job does after `pulumi up`, besides reading the endpoints it verifies: a smoke
 * test sends each endpoint a request, and `npm run ops -- cleanup` lists the endpoint
 * configurations and models no endpoint uses any more (deleting them is a grant of their types).
 */
export function deployJobChecks(scope: DeployScope, types: readonly string[]): PolicyStatement[] {
  const promotion: PolicyStatement[] = types.includes(REGISTRY_TYPE)
    ? [
        {
          // `npm run ops -- promote` records the lifecycle on the stack's own model versions (for the
          // stacks that serve them too). Approving stays with people: a request that sets
          // ModelApprovalStatus is refused.
          Sid: "PromoteModelVersions",
          Effect: "Allow",
          Action: "sagemaker:UpdateModelPackage",
          Resource: sageMakerArn(scope, `model-package/${scope.namePrefix}-*/*`),
          Condition: { Null: { "sagemaker:ModelApprovalStatus": "true" } },
        },
      ]
    : [];
  if (!types.includes(ENDPOINT_TYPE)) return promotion;
  return [
    ...promotion,
    {
      Sid: "SmokeTestStackEndpoints",
      Effect: "Allow",
      Action: "sagemaker:InvokeEndpoint",
      Resource: sageMakerArn(scope, `endpoint/${scope.namePrefix}-*`),
    },
    {
      Sid: "ListEndpointLeftovers",
      Effect: "Allow",
      Action: ["sagemaker:ListEndpointConfigs", "sagemaker:ListModels"],
      // List actions name no resource; the region is what can be held.
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": scope.region } },
    },
  ];
}

/**
 * Every IAM change to a role, a managed policy or an OIDC provider, refused on the delivery
 * resources (the GitHub roles, their policies, the OIDC provider and the stack's permissions
 * boundary) whatever else allows it.
 */
export const DELIVERY_ACCESS_CHANGES = [
  "iam:DeleteRole",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
  "iam:UpdateAssumeRolePolicy",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PutRolePermissionsBoundary",
  "iam:DeleteRolePermissionsBoundary",
  "iam:PassRole",
  "iam:CreatePolicyVersion",
  "iam:DeletePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:DeletePolicy",
  "iam:TagPolicy",
  "iam:UntagPolicy",
  "iam:DeleteOpenIDConnectProvider",
  "iam:AddClientIDToOpenIDConnectProvider",
  "iam:RemoveClientIDFromOpenIDConnectProvider",
  "iam:UpdateOpenIDConnectProviderThumbprint",
  "iam:TagOpenIDConnectProvider",
  "iam:UntagOpenIDConnectProvider",
] as const;

/** Resource types the table has no entry for: the deploy role could not deploy them. */
export function unknownResourceTypes(types: readonly string[]): string[] {
  return [...new Set(types)].filter((type) => DEPLOY_PERMISSIONS[type] === undefined).sort();
}

/**
 * The grants of the given types, merged by statement id (grants that share an id share their
 * resources and condition), in the order the ids first appear in the table.
 */
export function mergedGrants(
  types: readonly string[],
  pick: (grant: Grant) => readonly string[],
  scope: DeployScope,
): PolicyStatement[] {
  const unknown = unknownResourceTypes(types);
  if (unknown.length > 0) {
    throw new Error(
      `No deploy permissions are known for ${unknown.join(", ")}: add them to DEPLOY_PERMISSIONS`,
    );
  }
  const wanted = new Set(types);
  const merged = new Map<string, { actions: Set<string>; resources: string[]; condition?: string }>();
  for (const [type, permissions] of Object.entries(DEPLOY_PERMISSIONS)) {
    if (!wanted.has(type)) continue;
    for (const grant of permissions.grants) {
      const actions = pick(grant);
      if (actions.length === 0) continue;
      const resources = [...grant.resources(scope)];
      const condition = grant.condition && JSON.stringify(grant.condition(scope));
      const entry = merged.get(grant.sid) ?? { actions: new Set<string>(), resources, condition };
      if (JSON.stringify(entry.resources) !== JSON.stringify(resources) || entry.condition !== condition) {
        throw new Error(`Grants named ${grant.sid} must name the same resources and condition (${type})`);
      }
      for (const action of actions) entry.actions.add(action);
      merged.set(grant.sid, entry);
    }
  }
  return [...merged].map(([sid, entry]) => ({
    Sid: sid,
    Effect: "Allow",
    Action: [...entry.actions].sort(),
    Resource: entry.resources.length === 1 ? entry.resources[0] : entry.resources,
    ...(entry.condition ? { Condition: JSON.parse(entry.condition) as PolicyStatement["Condition"] } : {}),
  }));
}

/** The roles the stack's resources hand to services: ARNs by service (`sagemaker.amazonaws.com`). */
export type PassedRoles = Readonly<Record<string, readonly string[]>>;

/** Roles per `iam:PassRole` statement, so that a stack of many models still fits its policies. */
export const ROLES_PER_PASS_STATEMENT = 40;

/** `PassRolesToSagemaker1` for the first batch of roles passed to `sagemaker.amazonaws.com`. */
export function passRoleSid(service: string, batch: number): string {
  const name = service.split(".")[0].replace(/[^A-Za-z0-9]/g, "");
  return `PassRolesTo${name.charAt(0).toUpperCase()}${name.slice(1)}${batch + 1}`;
}

/**
 * `iam:PassRole` on exactly the roles the stack's resources name, each only to the service that
 * receives it: a role the deploy creates cannot be handed to a service unless a resource of the
 * stack already names it, which takes an administrator's update of the deploy policy.
 */
export function passRoleStatements(passed: PassedRoles): PolicyStatement[] {
  return Object.keys(passed)
    .sort()
    .flatMap((service) => {
      const arns = passed[service];
      return Array.from({ length: Math.ceil(arns.length / ROLES_PER_PASS_STATEMENT) }, (_, batch) => {
        const roles = [
          ...new Set(arns.slice(batch * ROLES_PER_PASS_STATEMENT, (batch + 1) * ROLES_PER_PASS_STATEMENT)),
        ];
        return {
          Sid: passRoleSid(service, batch),
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: roles.length === 1 ? roles[0] : roles,
          Condition: { StringEquals: { "iam:PassedToService": service } },
        } as const;
      });
    });
}

/**
 * The deploy role's permissions: for each resource type the stack manages, what the Pulumi AWS
 * provider calls to create, read, update, tag and delete it, on the stack's own resources; the
 * program's registry and live fleet look-ups and the deploy job's smoke test and cleanup; `iam:PassRole` on the roles the
 * stack's resources name, to the services that take them.
 * Roles are created and changed only with the stack's permissions boundary (`iam:PermissionsBoundary`).
 * Two explicit denials: no change to the delivery resources (`deliveryArns`: the roles, their
 * managed policies, the OIDC provider and the permissions boundary; an administrator applies
 * those), and no `sts:AssumeRole` (a role the deploy creates cannot be assumed by it).
 */
export function deployPolicy(
  scope: DeployScope,
  types: readonly string[],
  passed: PassedRoles,
  deliveryArns: readonly string[],
): PolicyDocument {
  return policyDocument(
    ...mergedGrants(types, (grant) => [...grant.read, ...grant.change], scope),
    ...modelRegistryLookups(scope),
    ...liveFleetLookups(scope, types),
    ...deployJobChecks(scope, types),
    ...passRoleStatements(passed),
    {
      Sid: "DenyChangesToDeliveryAccess",
      Effect: "Deny",
      Action: [...DELIVERY_ACCESS_CHANGES],
      Resource: [...deliveryArns],
    },
    {
      Sid: "DenyAssumingRoles",
      Effect: "Deny",
      Action: "sts:AssumeRole",
      Resource: "*",
    },
  );
}

/**
 * The preview role's permissions: only what reading the stack takes (a `pulumi preview`, with
 * `--refresh` too) and the program's registry look-ups. No action of it writes.
 */
export function previewPolicy(scope: DeployScope, types: readonly string[]): PolicyDocument {
  return policyDocument(
    ...mergedGrants(types, (grant) => grant.read, scope),
    ...modelRegistryLookups(scope),
    ...liveFleetLookups(scope, types),
  );
}

/** IAM's limit on a managed policy, in characters without whitespace. */
export const MANAGED_POLICY_MAX_CHARS = 6144;

/**
 * Splits a document's statements into as few groups as fit managed policies, keeping room for the
 * `Version` and the brackets: the largest first, each into the first group with room (first-fit
 * decreasing, within 11/9 of the fewest possible), since the order of statements means nothing to
 * IAM. Each group keeps the document's order. Returns the statement ids of each group; a single
 * statement too large for a policy is an error.
 */
export function splitStatements(document: PolicyDocument, maxChars = MANAGED_POLICY_MAX_CHARS): string[][] {
  const overhead = JSON.stringify(policyDocument()).length;
  const sized = document.Statement.map((statement, index) => {
    const sid = statement.Sid ?? "";
    // +1 for the comma between statements.
    const size = JSON.stringify(statement).length + 1;
    if (overhead + size > maxChars) throw new Error(`Statement ${sid} alone exceeds ${maxChars} characters`);
    return { sid, size, index };
  });
  const groups: { members: typeof sized; size: number }[] = [];
  for (const statement of [...sized].sort((a, b) => b.size - a.size || a.index - b.index)) {
    const group = groups.find((candidate) => overhead + candidate.size + statement.size <= maxChars);
    if (group) {
      group.members.push(statement);
      group.size += statement.size;
    } else groups.push({ members: [statement], size: statement.size });
  }
  return groups
    .map((group) => group.members.sort((a, b) => a.index - b.index))
    .sort((a, b) => a[0].index - b[0].index)
    .map((members) => members.map((member) => member.sid));
}

/** The statements of `document` with these ids, as a document of their own. */
export function statementsWithIds(document: PolicyDocument, sids: readonly string[]): PolicyDocument {
  return policyDocument(...document.Statement.filter((statement) => sids.includes(statement.Sid ?? "")));
}
