import assert from "node:assert/strict";
import { PermissionsBoundary } from "../../../components/foundation/permissionsBoundary";
import { permissionsBoundaryPolicy } from "../../../components/foundation/permissionsBoundaryPolicy";
import { named, recordResources, RecordedResource, settle, valueOf } from "../../helpers/mocks";
import { TEST_ACCOUNT } from "../../helpers/account";
import { assertFootprint } from "../../helpers/footprint";

const NAME = "mlops-prod-permissions-boundary";
const ARN = `arn:aws:iam::123456789012:policy/${NAME}`;
const TAGS = { Environment: "prod", Project: "mlops-platform" };

describe("PermissionsBoundary", () => {
  let recorded: RecordedResource[];
  let boundary: PermissionsBoundary;
  before(async () => {
    recorded = recordResources();
    boundary = new PermissionsBoundary(NAME, { account: TEST_ACCOUNT, namePrefix: "mlops-prod", tags: TAGS });
    await settle(recorded);
  });

  it("creates one protected, tagged managed policy named after the component, at path /, with the boundary document", () => {
    const policy = named(recorded, `${NAME}-policy`);
    assert.equal(policy.type, "aws:iam/policy:Policy");
    assert.equal(policy.parent, named(recorded, NAME, "mlops:iam:PermissionsBoundary").urn);
    assert.equal(policy.protect, true);
    assert.deepEqual(
      { ...policy.inputs, policy: JSON.parse(policy.inputs.policy as string) as unknown },
      {
        name: NAME,
        path: "/",
        description: "Caps every role of mlops-prod: no role without this boundary, no change to it",
        // The document names the policy's own ARN before it exists.
        policy: permissionsBoundaryPolicy({
          partition: "aws",
          accountId: "123456789012",
          namePrefix: "mlops-prod",
          boundaryArn: ARN,
        }),
        tags: TAGS,
      },
    );
  });

  it("exports the policy's ARN, which its own document names", async () => {
    assert.equal(await valueOf(boundary.policyArn), ARN);
  });

  it("can be deleted with the stack when protection is off", async () => {
    const unprotected = recordResources();
    new PermissionsBoundary("mlops-staging-permissions-boundary", {
      account: TEST_ACCOUNT,
      namePrefix: "mlops-staging",
      tags: TAGS,
      protect: false,
    });
    await settle(unprotected);
    assert.equal(named(unprotected, "mlops-staging-permissions-boundary-policy").protect, false);
  });

  it("states its footprint: a managed policy, no role passed", async () => {
    await assertFootprint(recorded, boundary.footprint, []);
  });

  it("refuses a name outside the prefix or not a policy name, creating nothing", () => {
    const bad = recordResources();
    assert.throws(
      () =>
        new PermissionsBoundary("team boundary", {
          account: TEST_ACCOUNT,
          namePrefix: "mlops-prod",
          tags: {},
        }),
      {
        message:
          'PermissionsBoundary team boundary: name "team boundary" must be 1-128 letters, digits and the characters + = , . @ _ - (an IAM policy name); ' +
          'name "team boundary" must start with namePrefix "mlops-prod-": the deploy and preview roles read the stack\'s policies within the prefix.',
      },
    );
    assert.deepEqual(bad, []);
  });
});
