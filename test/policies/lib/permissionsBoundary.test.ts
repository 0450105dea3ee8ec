import assert from "node:assert/strict";
import { boundaryGaps, isPermissionsBoundaryDocument } from "../../../policies/lib/permissionsBoundary";
import { BOUNDARY, BOUNDARY_ARN } from "../rules/iamFixtures";

const [allow, requireBoundary, keepBoundary, protect] = BOUNDARY.Statement;
const withStatements = (...statements: object[]) => ({ Version: "2012-10-17", Statement: statements });
const KEEP_GAP = "no unconditional Deny of iam:DeleteRolePermissionsBoundary";
const gapOf = (action: string) =>
  `no Deny of ${action} unless iam:PermissionsBoundary is the boundary (a negated condition such as ArnNotEquals)`;

describe("permissionsBoundary", () => {
  it("recognises a boundary by its Deny statements, as a JSON string or an object", () => {
    assert.deepEqual(boundaryGaps(BOUNDARY), []);
    assert.equal(isPermissionsBoundaryDocument(BOUNDARY), true);
    assert.equal(isPermissionsBoundaryDocument(JSON.stringify(BOUNDARY)), true);
  });

  it("accepts the Denies split across statements, patterns that cover the actions, and every negated operator", () => {
    const split = withStatements(
      allow,
      {
        ...requireBoundary,
        Action: "iam:CreateRole",
        Condition: { ArnNotEquals: { "iam:permissionsboundary": BOUNDARY_ARN } },
      },
      {
        ...requireBoundary,
        Action: "iam:PutRole*",
        Condition: { StringNotLikeIfExists: { "iam:PermissionsBoundary": BOUNDARY_ARN } },
      },
      { ...keepBoundary, Action: "iam:Delete*PermissionsBoundary" },
    );
    assert.equal(isPermissionsBoundaryDocument(split), true);
  });

  it("is not a boundary without the unconditional Deny of removing a boundary", () => {
    assert.deepEqual(boundaryGaps(withStatements(allow, requireBoundary, protect)), [KEEP_GAP]);
    const conditional = { ...keepBoundary, Condition: { StringEquals: { "aws:PrincipalTag/team": "ml" } } };
    assert.deepEqual(boundaryGaps(withStatements(allow, requireBoundary, conditional)), [KEEP_GAP]);
    assert.deepEqual(
      boundaryGaps(withStatements(allow, requireBoundary, { ...keepBoundary, Effect: "Allow" })),
      [KEEP_GAP],
    );
  });

  it("is not a boundary unless creating a role or setting its boundary is denied without this one", () => {
    const onlyCreate = { ...requireBoundary, Action: "iam:CreateRole" };
    assert.deepEqual(boundaryGaps(withStatements(allow, onlyCreate, keepBoundary)), [
      gapOf("iam:PutRolePermissionsBoundary"),
    ]);
    const unconditional = { ...requireBoundary, Condition: undefined };
    assert.deepEqual(boundaryGaps(withStatements(allow, unconditional, keepBoundary)), [
      gapOf("iam:CreateRole"),
      gapOf("iam:PutRolePermissionsBoundary"),
    ]);
    for (const Condition of [
      { StringEquals: { "iam:PermissionsBoundary": BOUNDARY_ARN } },
      { StringNotEquals: { "iam:PermissionsBoundary": "*" } },
      { StringNotEquals: { "iam:PermissionsBoundary": [] } },
      { StringNotEquals: { "aws:RequestedRegion": "us-east-1" } },
    ]) {
      assert.equal(
        isPermissionsBoundaryDocument(withStatements(allow, { ...requireBoundary, Condition }, keepBoundary)),
        false,
        JSON.stringify(Condition),
      );
    }
  });

  it("lacks everything when the document cannot be read", () => {
    assert.deepEqual(boundaryGaps("{"), [
      KEEP_GAP,
      gapOf("iam:CreateRole"),
      gapOf("iam:PutRolePermissionsBoundary"),
    ]);
    assert.equal(isPermissionsBoundaryDocument(undefined), false);
  });
});
