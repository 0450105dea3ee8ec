import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { deployPolicy, DeployScope } from "../../../components/delivery/deployPolicy";
import { permissionsBoundaryPolicy } from "../../../components/foundation/permissionsBoundaryPolicy";
import { driftForwardingFootprint } from "../../../components/retraining";
import { clearWaivedFindings, setPolicyClock } from "../../../policies/lib/rule";
import { restrictIamPassRole } from "../../../policies/rules/restrict-iam-pass-role";
import { checkResource, UNKNOWN } from "../../helpers/policyArgs";
import {
  documentOf,
  PIPELINE_POLICY,
  PROGRAM_RESOURCES,
  role,
  rolePolicy,
  ROLE_ARN,
  run,
  runAll,
  waiver,
} from "./iamFixtures";

const NAME = "mlops-prod-diagnosis-role-policy";
const PASS = PIPELINE_POLICY.Statement.find((s) => s.Sid === "PassOwnRoleToSageMakerJobs");
if (!PASS) throw new Error("the pipeline policy passes its own role");
const others = PIPELINE_POLICY.Statement.filter((s) => s !== PASS);
/** The pipeline policy with its PassRole statement changed. */
const passing = (changes: object) =>
  rolePolicy(NAME, { ...PIPELINE_POLICY, Statement: [...others, { ...PASS, ...changes }] });
const SAGEMAKER_ONLY = { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } };
const where = `Role policy "${NAME}", statement "PassOwnRoleToSageMakerJobs"`;
const DEPLOY_SCOPE: DeployScope = {
  partition: "aws",
  region: "us-east-1",
  accountId: "123456789012",
  namePrefix: "mlops-prod",
  resourceTags: { Environment: "prod", Project: "mlops-platform" },
  kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666",
  permissionsBoundaryArn: "arn:aws:iam::123456789012:policy/mlops-prod-permissions-boundary",
};

describe("restrict-iam-pass-role", () => {
  afterEach(() => {
    setPolicyClock(() => new Date());
    clearWaivedFindings();
  });

  it("passes every policy document the program creates (the pipeline passes its own role to SageMaker)", async () => {
    const outcome = await runAll(restrictIamPassRole, PROGRAM_RESOURCES);
    assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
  });

  it("does not review a permissions boundary, which passes no role, but the same document as a role's own", async () => {
    const boundary = permissionsBoundaryPolicy({
      partition: "aws",
      accountId: "123456789012",
      namePrefix: "mlops-prod",
      boundaryArn: DEPLOY_SCOPE.permissionsBoundaryArn,
    });
    const asBoundary = await checkResource(restrictIamPassRole, "aws:iam/policy:Policy", {
      policy: JSON.stringify(boundary),
    });
    assert.deepEqual(asBoundary.violations, []);
    const asOwn = await run(restrictIamPassRole, rolePolicy(NAME, boundary));
    assert.deepEqual(asOwn.violations, [
      `Role policy "${NAME}", statement "PassStackRoles": iam:PassRole on "arn:aws:iam::123456789012:role/mlops-prod-*" can pass any matching role; name the role ARNs it passes (no "*").`,
    ]);
  });

  it('refuses PassRole on "*"', async () => {
    const { violations } = await run(restrictIamPassRole, passing({ Resource: "*" }));
    assert.deepEqual(violations, [
      `${where}: iam:PassRole on "*" can pass any matching role; name the role ARNs it passes (no "*").`,
    ]);
  });

  it("refuses a role ARN with a wildcard, and NotResource", async () => {
    const { violations } = await run(
      restrictIamPassRole,
      passing({ Resource: [ROLE_ARN, "arn:aws:iam::123456789012:role/mlops-*"] }),
    );
    assert.equal(violations.length, 1);
    assert.match(violations[0], /on "arn:aws:iam::123456789012:role\/mlops-\*" can pass any matching role/);
    const notResource = await run(
      restrictIamPassRole,
      passing({ Resource: undefined, NotResource: ROLE_ARN }),
    );
    assert.equal(notResource.violations.length, 1);
    assert.match(notResource.violations[0], /with NotResource \[".+"\] can pass every role but those listed/);
  });

  it("refuses PassRole without an iam:PassedToService condition", async () => {
    const { violations } = await run(restrictIamPassRole, passing({ Condition: undefined }));
    assert.deepEqual(violations, [
      `${where}: iam:PassRole has no iam:PassedToService condition, so the role can be passed to any service; add Condition {"StringEquals": {"iam:PassedToService": "<service>.amazonaws.com"}}.`,
    ]);
  });

  it("does not count negated or unrelated conditions as limiting the services", async () => {
    const { violations } = await run(
      restrictIamPassRole,
      passing({
        Condition: {
          StringNotEquals: { "iam:PassedToService": "ec2.amazonaws.com" },
          StringEquals: { "iam:AssociatedResourceArn": "arn:aws:sagemaker:*" },
        },
      }),
    );
    assert.equal(violations.length, 1);
    assert.match(violations[0], /has no iam:PassedToService condition/);
  });

  it("refuses a PassedToService condition with wildcards", async () => {
    const { violations } = await run(
      restrictIamPassRole,
      passing({
        Condition: { StringLike: { "iam:PassedToService": ["sagemaker.amazonaws.com", "*.amazonaws.com"] } },
      }),
    );
    assert.deepEqual(violations, [
      `${where}: iam:PassRole has iam:PassedToService ["*.amazonaws.com"] with wildcards, so the role can be passed to any matching service; name the services.`,
    ]);
  });

  it("finds PassRole granted through patterns and NotAction", async () => {
    const granting = [
      { Action: "iam:Pass*" },
      { Action: ["s3:GetObject", "iam:*"] },
      { Action: "*" },
      { Action: "IAM:passrole" },
      { Action: undefined, NotAction: "s3:*" },
    ];
    const outcomes = await Promise.all(
      granting.map((changes) =>
        run(restrictIamPassRole, passing({ ...changes, Resource: "*", Condition: undefined })),
      ),
    );
    assert.deepEqual(
      outcomes.map((o) => o.violations.length),
      [2, 2, 2, 2, 2],
    );
    assert.match(outcomes[0].violations[0], /iam:PassRole \(through "iam:Pass\*"\) on "\*"/);
    assert.match(outcomes[4].violations[0], /iam:PassRole \(through NotAction \["s3:\*"\]\) on "\*"/);
  });

  it("ignores Deny statements and statements that do not grant PassRole", async () => {
    const subject = rolePolicy(
      "other",
      documentOf(
        { Effect: "Deny", Action: "iam:PassRole", Resource: "*" },
        { Effect: "Allow", Action: "iam:GetRole", Resource: "*" },
        { Effect: "Allow", NotAction: ["iam:*"], Resource: "*" },
      ),
    );
    assert.deepEqual((await run(restrictIamPassRole, subject)).violations, []);
  });

  it("checks inline policies of roles", async () => {
    const inline = documentOf({ Effect: "Allow", Action: "iam:PassRole", Resource: ROLE_ARN });
    const { violations } = await run(
      restrictIamPassRole,
      role("r", { inlinePolicies: [{ name: "pass", policy: JSON.stringify(inline) }] }),
    );
    assert.equal(violations.length, 1);
    assert.match(
      violations[0],
      /^Role "r", inline policy "pass", statement 1: iam:PassRole has no iam:PassedToService/,
    );
  });

  describe("config", () => {
    it("allowedPassedToServices limits the services a role may be passed to", async () => {
      const config = { allowedPassedToServices: ["sagemaker.amazonaws.com"] };
      assert.deepEqual(
        (await run(restrictIamPassRole, passing({ Condition: SAGEMAKER_ONLY }), { config })).violations,
        [],
      );
      const { violations } = await run(
        restrictIamPassRole,
        passing({
          Condition: {
            StringEquals: { "iam:PassedToService": ["sagemaker.amazonaws.com", "lambda.amazonaws.com"] },
          },
        }),
        { config },
      );
      assert.deepEqual(violations, [
        `${where}: iam:PassRole has iam:PassedToService ["lambda.amazonaws.com"] beyond allowedPassedToServices ["sagemaker.amazonaws.com"]; name only those services, without wildcards.`,
      ]);
    });

    it("the shipped configs let a serving stack's deploy role pass its drift forwarding role to EventBridge", async () => {
      // The forwarding rule's target puts events on the building account's bus as this role.
      const forwarding = "arn:aws:iam::123456789012:role/mlops-prod-diagnosis-drift-forwarding-role";
      const footprint = driftForwardingFootprint(forwarding);
      const deploy = deployPolicy(DEPLOY_SCOPE, footprint.types, { "events.amazonaws.com": [forwarding] }, [
        "arn:aws:iam::123456789012:role/mlops-prod-github-deploy",
      ]);
      const subject = {
        type: "aws:iam/policy:Policy",
        name: "mlops-prod-github-deploy-policy-1",
        props: { name: "mlops-prod-github-deploy-policy-1", policy: JSON.stringify(deploy) },
      };
      for (const stack of ["staging", "prod"]) {
        const shipped = JSON.parse(
          readFileSync(path.join(__dirname, "..", "..", "..", "policies", "config", `${stack}.json`), "utf8"),
        ) as Record<string, { allowedPassedToServices: string[] }>;
        const config = { allowedPassedToServices: shipped["restrict-iam-pass-role"].allowedPassedToServices };
        assert.deepEqual((await run(restrictIamPassRole, subject, { config })).violations, [], stack);
      }
      const { violations } = await run(restrictIamPassRole, subject, {
        config: { allowedPassedToServices: ["sagemaker.amazonaws.com", "lambda.amazonaws.com"] },
      });
      assert.deepEqual(violations, [
        `Policy "mlops-prod-github-deploy-policy-1", statement "PassRolesToEvents1": iam:PassRole has iam:PassedToService ["events.amazonaws.com"] beyond allowedPassedToServices ["sagemaker.amazonaws.com","lambda.amazonaws.com"]; name only those services, without wildcards.`,
      ]);
    });

    it("suggests the first allowed service in the fix", async () => {
      const { violations } = await run(restrictIamPassRole, passing({ Condition: undefined }), {
        config: { allowedPassedToServices: ["sagemaker.amazonaws.com"] },
      });
      assert.match(violations[0], /"iam:PassedToService": "sagemaker.amazonaws.com"\}\}\.$/);
    });
  });

  describe("waivers", () => {
    const subject = passing({ Resource: "*" });
    beforeEach(() => setPolicyClock(() => new Date("2026-06-01T12:00:00Z")));

    it("a waiver in force hides the finding", async () => {
      const config = { waivers: [waiver(NAME, "2026-06-01")] };
      assert.deepEqual((await run(restrictIamPassRole, subject, { config })).violations, []);
    });

    it("an expired waiver adds its expiry to the finding", async () => {
      const config = { waivers: [waiver(NAME, "2025-12-31")] };
      const { violations } = await run(restrictIamPassRole, subject, { config });
      assert.equal(violations.length, 1);
      assert.match(
        violations[0],
        /\(The waiver for "mlops-prod-diagnosis-role-policy" expired on 2025-12-31: .+\.\)$/,
      );
    });
  });

  it("during preview, an unknown policy gets the engine's advisory", async () => {
    const outcome = await checkResource(restrictIamPassRole, "aws:iam/rolePolicy:RolePolicy", {
      role: "r",
      policy: UNKNOWN.string,
    });
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.unknown, [
      "can't run during preview: string value at .policy can't be known during preview",
    ]);
  });
});
