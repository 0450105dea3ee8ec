import type { PolicyResource } from "@pulumi/policy";
import assert from "node:assert/strict";
import { clearWaivedFindings, setPolicyClock } from "../../../policies/lib/rule";
import { requireIamRoleBoundary } from "../../../policies/rules/require-iam-role-boundary";
import { checkStack, policyResources, StackResourceInput, UNKNOWN, urnOf } from "../../helpers/policyArgs";
import { BOUNDARY, BOUNDARY_ARN, documentOf, PIPELINE_POLICY, SAGEMAKER_TRUST, waiver } from "./iamFixtures";

const ROLE = "aws:iam/role:Role";
const POLICY = "aws:iam/policy:Policy";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const JOBS_POLICY_ARN = "arn:aws:iam::111111111111:policy/mlops-staging-diagnosis-jobs";

const boundaryPolicy = (props: Record<string, unknown> = {}): StackResourceInput => ({
  type: POLICY,
  name: "mlops-staging-permissions-boundary",
  props: { arn: BOUNDARY_ARN, policy: JSON.stringify(BOUNDARY), ...props },
});
const jobsPolicy = (props: Record<string, unknown> = {}): StackResourceInput => ({
  type: POLICY,
  name: "mlops-staging-diagnosis-jobs",
  props: { arn: JOBS_POLICY_ARN, policy: JSON.stringify(PIPELINE_POLICY), ...props },
});
const role = (name: string, props: Record<string, unknown> = {}): StackResourceInput => ({
  type: ROLE,
  name,
  props: { assumeRolePolicy: JSON.stringify(SAGEMAKER_TRUST), permissionsBoundary: BOUNDARY_ARN, ...props },
  dependencies: ["mlops-staging-permissions-boundary"],
});
const attachment = (name: string, policyArn: unknown, type = ATTACHMENT): StackResourceInput => ({
  type,
  name,
  props: { role: "mlops-staging-diagnosis-role", policyArn },
});

/** The shipped shape: a boundary, a role carrying it, and the role's own managed policy attached. */
const STACK: readonly StackResourceInput[] = [
  boundaryPolicy(),
  jobsPolicy(),
  role("mlops-staging-diagnosis-role"),
  attachment("mlops-staging-diagnosis-jobs", JOBS_POLICY_ARN),
];

/** The stack with some resources replaced (by name) or added. */
function stackWith(...changed: StackResourceInput[]): StackResourceInput[] {
  const names = new Set(changed.map((resource) => `${resource.type}::${resource.name}`));
  return [...STACK.filter((resource) => !names.has(`${resource.type}::${resource.name}`)), ...changed];
}

/** Resources as the engine gives them, with the property dependencies it records. */
function withPropertyDependencies(
  inputs: readonly StackResourceInput[],
  dependencies: Record<string, Record<string, string[]>>,
): PolicyResource[] {
  const resources = policyResources(inputs);
  for (const resource of resources) {
    const byProperty = dependencies[resource.name] ?? {};
    Object.assign(resource, {
      propertyDependencies: Object.fromEntries(
        Object.entries(byProperty).map(([prop, names]) => [
          prop,
          resources.filter((other) => names.includes(other.name)),
        ]),
      ),
    });
  }
  return resources;
}

const violationsOf = async (inputs: readonly StackResourceInput[], config: Record<string, unknown> = {}) =>
  (await checkStack(requireIamRoleBoundary, policyResources(inputs), { config })).violations;

const NO_BOUNDARY = (name: string) =>
  `Role "${name}" has no permissionsBoundary, so nothing caps what its policies grant, nor what whoever may change them can give it; set permissionsBoundary to the ARN of the stack's permissions boundary policy.`;
const ATTACHED = (what: string, prop: string) =>
  `${what}: ${prop} attaches Policy "mlops-staging-permissions-boundary", a permissions boundary, as an identity policy, which grants what its Allow statements name (whole services) instead of capping it; set it as the roles' permissionsBoundary only.`;

describe("require-iam-role-boundary", () => {
  afterEach(() => {
    setPolicyClock(() => new Date());
    clearWaivedFindings();
  });

  it("passes roles that carry the stack's boundary, with their own policies attached", async () => {
    const outcome = await checkStack(requireIamRoleBoundary, policyResources(STACK));
    assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
  });

  it("refuses a role without a permissionsBoundary, reported against the role", async () => {
    const outcome = await checkStack(
      requireIamRoleBoundary,
      policyResources(
        stackWith(
          role("mlops-staging-diagnosis-role", { permissionsBoundary: undefined }),
          role("mlops-staging-steps-role", { permissionsBoundary: "" }),
        ),
      ),
    );
    assert.deepEqual(outcome.violations, [
      NO_BOUNDARY("mlops-staging-diagnosis-role"),
      NO_BOUNDARY("mlops-staging-steps-role"),
    ]);
    assert.deepEqual(outcome.urns, [
      urnOf(ROLE, "mlops-staging-diagnosis-role"),
      urnOf(ROLE, "mlops-staging-steps-role"),
    ]);
  });

  it("refuses a boundary outside allowedBoundaryArns, and accepts one that matches", async () => {
    const other = "arn:aws:iam::111111111111:policy/other-boundary";
    const inputs = stackWith(role("mlops-staging-diagnosis-role", { permissionsBoundary: other }));
    assert.deepEqual(
      await violationsOf(inputs, { allowedBoundaryArns: ["arn:aws:iam::111111111111:policy/mlops-*"] }),
      [
        `Role "mlops-staging-diagnosis-role": permissionsBoundary "${other}" is not one of allowedBoundaryArns ["arn:aws:iam::111111111111:policy/mlops-*"]; use the boundary the pack config names.`,
      ],
    );
    assert.deepEqual(
      await violationsOf(inputs, { allowedBoundaryArns: ["arn:aws:iam::111111111111:policy/*-boundary"] }),
      [],
    );
    assert.deepEqual(await violationsOf(STACK, { allowedBoundaryArns: [BOUNDARY_ARN] }), []);
  });

  it("refuses a role whose boundary is a stack policy that does not keep roles bounded", async () => {
    const [services, requireBoundary] = BOUNDARY.Statement;
    const inputs = stackWith(
      boundaryPolicy({ policy: JSON.stringify(documentOf(services, requireBoundary)) }),
      role("mlops-staging-steps-role", { permissionsBoundary: JOBS_POLICY_ARN }),
    );
    assert.deepEqual(await violationsOf(inputs), [
      `Role "mlops-staging-diagnosis-role": permissionsBoundary is Policy "mlops-staging-permissions-boundary", which is not a permissions boundary (no unconditional Deny of iam:DeleteRolePermissionsBoundary), so whoever holds the role can create or change roles without it; give the policy those Deny statements, or use the stack's boundary.`,
      `Role "mlops-staging-steps-role": permissionsBoundary is Policy "mlops-staging-diagnosis-jobs", which is not a permissions boundary (no unconditional Deny of iam:DeleteRolePermissionsBoundary; no Deny of iam:CreateRole unless iam:PermissionsBoundary is the boundary (a negated condition such as ArnNotEquals); no Deny of iam:PutRolePermissionsBoundary unless iam:PermissionsBoundary is the boundary (a negated condition such as ArnNotEquals)), so whoever holds the role can create or change roles without it; give the policy those Deny statements, or use the stack's boundary.`,
    ]);
  });

  it("refuses the boundary attached as an identity policy, by any attachment or managedPolicyArns", async () => {
    const outcome = await checkStack(
      requireIamRoleBoundary,
      policyResources(
        stackWith(
          attachment("boundary-attached", BOUNDARY_ARN),
          attachment("boundary-shared", BOUNDARY_ARN, "aws:iam/policyAttachment:PolicyAttachment"),
          {
            type: "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
            name: "exclusive",
            props: { roleName: "r", policyArns: [JOBS_POLICY_ARN, BOUNDARY_ARN] },
          },
          role("mlops-staging-steps-role", { managedPolicyArns: [BOUNDARY_ARN] }),
        ),
      ),
    );
    assert.deepEqual(outcome.violations, [
      ATTACHED('RolePolicyAttachment "boundary-attached"', "policyArn"),
      ATTACHED('PolicyAttachment "boundary-shared"', "policyArn"),
      ATTACHED('RolePolicyAttachmentsExclusive "exclusive"', "policyArns"),
      ATTACHED('Role "mlops-staging-steps-role"', "managedPolicyArns"),
    ]);
    assert.equal(outcome.urns[0], urnOf(ATTACHMENT, "boundary-attached"));
  });

  describe("unknown values during preview", () => {
    const unknownArns = () =>
      stackWith(
        boundaryPolicy({ arn: UNKNOWN.string }),
        jobsPolicy({ arn: UNKNOWN.string }),
        role("mlops-staging-diagnosis-role", {
          permissionsBoundary: UNKNOWN.string,
          managedPolicyArns: [UNKNOWN.string],
        }),
        attachment("mlops-staging-diagnosis-jobs", UNKNOWN.string),
      );

    it("takes an unknown boundary as set, and an unknown ARN as another policy's unless the engine says the prop depends on it", async () => {
      assert.deepEqual(await violationsOf(unknownArns()), []);
    });

    it("compares through the property dependencies the engine records", async () => {
      const resources = withPropertyDependencies(unknownArns(), {
        "mlops-staging-diagnosis-jobs": { policyArn: ["mlops-staging-permissions-boundary"] },
        "mlops-staging-diagnosis-role": { permissionsBoundary: ["mlops-staging-diagnosis-jobs"] },
      });
      const { violations } = await checkStack(requireIamRoleBoundary, resources);
      assert.deepEqual(violations.length, 2);
      assert.match(
        violations[0],
        /^Role "mlops-staging-diagnosis-role": permissionsBoundary is Policy "mlops-staging-diagnosis-jobs", which is not a permissions boundary/,
      );
      assert.equal(
        violations[1],
        ATTACHED('RolePolicyAttachment "mlops-staging-diagnosis-jobs"', "policyArn"),
      );
    });

    it("does not judge a policy whose document is not known yet", async () => {
      const inputs = stackWith(
        boundaryPolicy({ policy: UNKNOWN.string }),
        attachment("boundary-attached", BOUNDARY_ARN),
      );
      assert.deepEqual(await violationsOf(inputs), []);
    });
  });

  describe("waivers", () => {
    beforeEach(() => setPolicyClock(() => new Date("2026-06-01T12:00:00Z")));

    it("a waiver in force for the role hides its finding", async () => {
      const inputs = stackWith(role("mlops-staging-diagnosis-role", { permissionsBoundary: undefined }));
      assert.deepEqual(
        await violationsOf(inputs, { waivers: [waiver("mlops-staging-diagnosis-role", "2026-12-31")] }),
        [],
      );
    });
  });
});
