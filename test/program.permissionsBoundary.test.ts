import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { DEPLOY_PERMISSIONS, deployPolicy, previewPolicy } from "../components/delivery/deployPolicy";
import { BOUNDED_ROLE_CHANGES } from "../components/foundation/permissionsBoundaryPolicy";
import type { PolicyDocument, PolicyStatement } from "../components/shared/policyDocument";
import { vpcStatements } from "../components/shared/vpc";
import { runProgramOffline } from "../preview";
import { modelMonitorStacks, programStacks, sharingStack } from "./helpers/programStacks";
import { runProgram, startSeededRegistry } from "./helpers/program";
import { stackFileConfig } from "./helpers/stackFiles";
import { syntheticStackRoot } from "./helpers/syntheticStack";

/** A resource as the checks below read it, from a recorded stack or an offline plan. */
interface Resource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly protect?: boolean;
}

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const MANAGED_POLICY = "aws:iam/policy:Policy";
const BOUNDARY_COMPONENT = "mlops:iam:PermissionsBoundary";

const list = (value: string | readonly string[] | undefined) =>
  value === undefined ? [] : typeof value === "string" ? [value] : [...value];
const documentOf = (resource: Resource) => JSON.parse(resource.inputs.policy as string) as PolicyDocument;

/** An IAM pattern (`*` and `?`) as a regular expression; actions match without regard to case. */
function glob(pattern: string, flags = ""): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped.replace(/\*/g, ".*").replace(/\?/g, ".")}$`, flags);
}
const covers = (statement: PolicyStatement, action: string, resource: string) =>
  list(statement.Action).some((pattern) => glob(pattern, "i").test(action)) &&
  list(statement.Resource).some((pattern) => glob(pattern).test(resource));

type ConditionValue = string | boolean | readonly string[];
const values = (value: ConditionValue | undefined) =>
  value === undefined ? [] : typeof value === "boolean" ? [String(value)] : list(value);

/** Whether a role's statement holds every condition of a boundary's: same operator and key, values among its. */
function narrowerThan(statement: PolicyStatement, boundary: PolicyStatement): boolean {
  return Object.entries(boundary.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, allowed]) => {
      const own = values(statement.Condition?.[operator]?.[key]);
      return own.length > 0 && own.every((value) => values(allowed).includes(value));
    }),
  );
}

/**
 * Why the boundary would cut a role's Allow statement: an action on a resource that no Allow of the
 * boundary covers, one that an unconditional Deny refuses, or one of the role changes it denies
 * unless the role carries it, granted without that condition.
 */
function cutsBy(boundary: PolicyDocument, boundaryArn: string, where: string, statement: PolicyStatement) {
  if (statement.Effect !== "Allow") return [];
  const allows = boundary.Statement.filter((s) => s.Effect === "Allow");
  const denies = boundary.Statement.filter((s) => s.Effect === "Deny" && s.Condition === undefined);
  const held = statement.Condition?.StringEquals?.["iam:PermissionsBoundary"] === boundaryArn;
  return list(statement.Action).flatMap((action) =>
    list(statement.Resource).flatMap((resource) => {
      const at = `${where} ${statement.Sid ?? ""}: ${action} on ${resource}`;
      const allowed = allows.some(
        (allow) => covers(allow, action, resource) && narrowerThan(statement, allow),
      );
      if (!allowed) return [`${at} is not allowed`];
      if (denies.some((deny) => covers(deny, action, resource))) return [`${at} is denied`];
      const bounded = BOUNDED_ROLE_CHANGES.some((change) => change.toLowerCase() === action.toLowerCase());
      return bounded && !held ? [`${at} is denied unless it carries iam:PermissionsBoundary`] : [];
    }),
  );
}

/** The stack's own boundary: exactly one, the policy of its PermissionsBoundary. */
function ownBoundary(resources: readonly Resource[], namePrefix: string) {
  const name = `${namePrefix}-permissions-boundary`;
  const policies = resources.filter((r) => r.type === MANAGED_POLICY && r.name === `${name}-policy`);
  assert.equal(policies.length, 1, `${namePrefix} has one permissions boundary`);
  return { resource: policies[0], document: documentOf(policies[0]) };
}

/** Every document the stack's roles get their permissions from: inline policies, and the deploy role's managed ones. */
function rolePolicies(resources: readonly Resource[], namePrefix: string) {
  return resources.filter(
    (r) =>
      r.type === ROLE_POLICY ||
      (r.type === MANAGED_POLICY && r.name.startsWith(`${namePrefix}-github-deploy-policy-`)),
  );
}

function everyCut(resources: readonly Resource[], namePrefix: string, accountId: string): string[] {
  const { document } = ownBoundary(resources, namePrefix);
  const boundaryArn = `arn:aws:iam::${accountId}:policy/${namePrefix}-permissions-boundary`;
  return rolePolicies(resources, namePrefix).flatMap((policy) =>
    documentOf(policy).Statement.flatMap((statement) =>
      cutsBy(document, boundaryArn, policy.name, statement),
    ),
  );
}

const recorded = (
  stack: readonly { type: string; name: string; props: Record<string, unknown>; protect?: boolean }[],
) => stack.map((r): Resource => ({ type: r.type, name: r.name, inputs: r.props, protect: r.protect }));

describe("the permissions boundary of the stacks' roles", () => {
  let stacks: Record<
    string,
    { readonly resources: readonly Resource[]; readonly namePrefix: string; readonly accountId: string }
  >;
  before(async () => {
    const deployed = await programStacks();
    const modelMonitor = await modelMonitorStacks();
    const sharing = await sharingStack();
    const synthetic = syntheticStackRoot(12);
    try {
      const plan = await runProgramOffline({ stack: synthetic.stack, root: synthetic.root });
      const mocked = (resources: Resource[], namePrefix: string) => ({
        resources,
        namePrefix,
        accountId: "123456789012",
      });
      stacks = {
        staging: mocked(recorded(deployed.staging), "mlops-staging"),
        prod: mocked(recorded(deployed.prod), "mlops-prod"),
        "staging (Model Monitor)": mocked(recorded(modelMonitor.staging), "mlops-staging"),
        "prod (Model Monitor)": mocked(recorded(modelMonitor.prod), "mlops-prod"),
        "staging (sharing and retraining)": mocked(recorded(sharing), "mlops-staging"),
        // Offline, in staging's account.
        "12 models": {
          resources: plan.resources.filter((r) => r.custom),
          namePrefix: `mlops-${synthetic.stack}`,
          accountId: "111111111111",
        },
      };
    } finally {
      rmSync(synthetic.root, { recursive: true, force: true });
    }
  });

  it("is carried by every role of every stack: the stack's own, protected where the key is", () => {
    for (const [stack, { resources, namePrefix, accountId }] of Object.entries(stacks)) {
      const boundaryArn = `arn:aws:iam::${accountId}:policy/${namePrefix}-permissions-boundary`;
      const roles = resources.filter((r) => r.type === ROLE);
      assert.ok(roles.length > 0, stack);
      for (const role of roles)
        assert.equal(role.inputs.permissionsBoundary, boundaryArn, `${stack}: ${role.name}`);
      const { resource } = ownBoundary(resources, namePrefix);
      assert.equal(resource.inputs.name, `${namePrefix}-permissions-boundary`, stack);
      // Staging can be torn down (storage.protectFromDeletion: false); prod's boundary is protected like its key.
      const key = resources.find((r) => r.type === "aws:kms/key:Key");
      assert.equal(resource.protect ?? false, key?.protect ?? false, stack);
    }
    assert.equal(ownBoundary(stacks.prod.resources, "mlops-prod").resource.protect, true);
  });

  it("never cuts a role: every action of every role policy is within its Allow, and none is denied", () => {
    for (const [stack, { resources, namePrefix, accountId }] of Object.entries(stacks)) {
      assert.ok(rolePolicies(resources, namePrefix).length > 0, stack);
      assert.deepEqual(everyCut(resources, namePrefix, accountId), [], stack);
    }
  });

  it("nor what any stack's deploy and preview roles could be given, nor jobs and models in a VPC", () => {
    const { resources, namePrefix, accountId } = stacks.prod;
    const { document } = ownBoundary(resources, namePrefix);
    const boundaryArn = `arn:aws:iam::${accountId}:policy/${namePrefix}-permissions-boundary`;
    const arn = (service: string, resource: string) =>
      `arn:aws:${service}:us-east-1:${accountId}:${resource}`;
    const scope = {
      partition: "aws",
      region: "us-east-1",
      accountId,
      namePrefix,
      resourceTags: { Environment: "prod", Project: "mlops-platform" },
      kmsKeyArn: arn("kms", "key/0d5a6c3e-1111-4222-8333-944455556666"),
      permissionsBoundaryArn: boundaryArn,
      sourceModelPackageGroupArns: [
        "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-diagnosis",
      ],
    };
    const types = Object.keys(DEPLOY_PERMISSIONS);
    const role = `arn:aws:iam::${accountId}:role/${namePrefix}-diagnosis-role`;
    const documents = {
      deploy: deployPolicy(scope, types, { "sagemaker.amazonaws.com": [role] }, [boundaryArn]),
      preview: previewPolicy(scope, types),
      network: {
        Version: "2012-10-17",
        Statement: vpcStatements(
          "Job",
          { subnetIds: ["subnet-0123abcd"], securityGroupIds: ["sg-0123abcd"] },
          arn,
        ),
      } as PolicyDocument,
    };
    const cuts = Object.entries(documents).flatMap(([where, policy]) =>
      policy.Statement.flatMap((statement) => cutsBy(document, boundaryArn, where, statement)),
    );
    assert.deepEqual(cuts, []);
  });

  it("is the one mlops:security.permissionsBoundaryArn names, when set: nothing of the stack's own, the deploy role held to it", async () => {
    const given = "arn:aws:iam::123456789012:policy/org/ml-platform-boundary";
    const registry = await startSeededRegistry();
    try {
      const { recorded: run } = await runProgram("staging", {
        ...stackFileConfig("staging"),
        "mlops:security": JSON.stringify({ permissionsBoundaryArn: given }),
      });
      assert.deepEqual(
        run.filter((r) => r.type === BOUNDARY_COMPONENT || r.name.endsWith("-permissions-boundary-policy")),
        [],
      );
      const roles = run.filter((r) => r.type === ROLE);
      assert.ok(roles.length > 0);
      for (const role of roles) assert.equal(role.inputs.permissionsBoundary, given, role.name);
      const statements = run
        .filter((r) => r.type === MANAGED_POLICY)
        .flatMap((policy) => (JSON.parse(policy.inputs.policy as string) as PolicyDocument).Statement);
      const bySid = (sid: string) => statements.find((s) => s.Sid === sid) ?? assert.fail(sid);
      assert.deepEqual(bySid("StackRolesWithinBoundary").Condition, {
        StringEquals: { "iam:PermissionsBoundary": given },
      });
      assert.ok(list(bySid("DenyChangesToDeliveryAccess").Resource).includes(given));
    } finally {
      await registry.stop();
    }
  });
});
