import assert from "node:assert/strict";
import { clearWaivedFindings, setPolicyClock } from "../../../policies/lib/rule";
import { forbidIamUnknownActions } from "../../../policies/rules/forbid-iam-unknown-actions";
import { checkResource, UNKNOWN } from "../../helpers/policyArgs";
import { MONITORING_POLICY, PROGRAM_RESOURCES, role, rolePolicy, run, runAll, waiver } from "./iamFixtures";

const NAME = "mlops-prod-diagnosis-monitoring-role-policy";
const withStatements = (...statements: object[]) =>
  rolePolicy(NAME, { ...MONITORING_POLICY, Statement: [...MONITORING_POLICY.Statement, ...statements] });
const allow = (Action: unknown) => ({
  Sid: "Typo",
  Effect: "Allow",
  Action,
  Resource: "arn:aws:sagemaker:*",
});
const raw = (policy: unknown) => ({ type: "aws:iam/rolePolicy:RolePolicy", name: "raw", props: { policy } });

describe("forbid-iam-unknown-actions", () => {
  afterEach(() => {
    setPolicyClock(() => new Date());
    clearWaivedFindings();
  });

  it("passes every policy document the program creates", async () => {
    const outcome = await runAll(forbidIamUnknownActions, PROGRAM_RESOURCES);
    assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
  });

  it("refuses a misspelt action and suggests the real one", async () => {
    const { violations } = await run(
      forbidIamUnknownActions,
      withStatements(allow("sagemaker:CreateEndpiont")),
    );
    assert.deepEqual(violations, [
      `Role policy "${NAME}", statement "Typo": action "sagemaker:CreateEndpiont" does not exist, so it grants nothing; did you mean "sagemaker:CreateEndpoint"?`,
    ]);
  });

  it("refuses an unknown service prefix and suggests the closest service", async () => {
    const { violations } = await run(
      forbidIamUnknownActions,
      withStatements(allow(["sagmaker:CreateEndpoint"])),
    );
    assert.deepEqual(violations, [
      `Role policy "${NAME}", statement "Typo": action "sagmaker:CreateEndpoint" names service "sagmaker", which AWS does not have, so it grants nothing; did you mean "sagemaker"?`,
    ]);
  });

  it("refuses misspelt entries of Deny statements and NotAction too: they deny or exclude nothing", async () => {
    const { violations } = await run(
      forbidIamUnknownActions,
      withStatements(
        { Effect: "Deny", Action: "s3:DeleteObjcet", Resource: "*" },
        { Effect: "Deny", NotAction: ["s3:GetObjekt"], Resource: "*" },
      ),
    );
    assert.equal(violations.length, 2);
    assert.match(
      violations[0],
      /action "s3:DeleteObjcet" does not exist, so it denies nothing; did you mean "s3:DeleteObject"\?$/,
    );
    assert.match(
      violations[1],
      /action "s3:GetObjekt" does not exist, so it excludes nothing; did you mean "s3:GetObject"\?$/,
    );
  });

  it("accepts patterns that match an action, refuses those that match none", async () => {
    const { violations } = await run(
      forbidIamUnknownActions,
      withStatements(
        allow(["sagemaker:Describe*", "sagemaker:Crate*", "ec2:Describe?pcs", "*", "*:Get*", "S3:getobject"]),
      ),
    );
    assert.deepEqual(violations, [
      `Role policy "${NAME}", statement "Typo": action pattern "sagemaker:Crate*" matches no sagemaker action, so it grants nothing; check the spelling.`,
    ]);
  });

  it("refuses entries that are not service:Action or not strings", async () => {
    const { violations } = await run(
      forbidIamUnknownActions,
      withStatements(allow(["s3GetObject", "s3:", 42, null])),
    );
    assert.deepEqual(
      violations.map((v) => v.slice(v.indexOf(": ") + 2)),
      [
        'action 42 is not a string; write actions as "service:Action".',
        'action null is not a string; write actions as "service:Action".',
        'action "s3GetObject" is not of the form "service:Action".',
        'action "s3:" is not of the form "service:Action".',
      ],
    );
  });

  it("reports each document it cannot read, once", async () => {
    const outcome = await runAll(forbidIamUnknownActions, [
      raw("{not json"),
      raw(42),
      raw("[1, 2]"),
      raw(JSON.stringify({ Version: "2012-10-17" })),
      raw(JSON.stringify({ Statement: [7, { Effect: "Allow", Resource: "*" }] })),
    ]);
    assert.equal(outcome.violations.length, 6);
    assert.match(
      outcome.violations[0],
      /^Role policy "raw" is not valid JSON \(.+\); write it as a JSON policy document/,
    );
    assert.match(outcome.violations[1], /^Role policy "raw" is a number, not a policy document;/);
    assert.match(outcome.violations[2], /^Role policy "raw" is JSON but a list, not an object;/);
    assert.match(outcome.violations[3], /^Role policy "raw" has no Statement;/);
    assert.match(
      outcome.violations[4],
      /^Role policy "raw" has a statement that is a number, not an object \(statement 1\);/,
    );
    assert.match(outcome.violations[5], /^Role policy "raw", statement 2: has neither Action nor NotAction/);
  });

  it("reads a single statement object and a single action string", async () => {
    const { violations } = await run(
      forbidIamUnknownActions,
      rolePolicy("single", {
        Version: "2012-10-17",
        Statement: { Effect: "Allow", Action: "kms:Decrpyt", Resource: "*" },
      }),
    );
    assert.deepEqual(violations, [
      'Role policy "single", statement 1: action "kms:Decrpyt" does not exist, so it grants nothing; did you mean "kms:Decrypt"?',
    ]);
  });

  it("leaves trust policies to restrict-iam-trust-principals", async () => {
    const { violations } = await run(forbidIamUnknownActions, role("r", { assumeRolePolicy: "{not json" }));
    assert.deepEqual(violations, []);
  });

  it("accepts actions listed in allowedUnknownActions (newer than the installed service data)", async () => {
    const subject = withStatements(
      allow(["sagemaker:CreateBrandNewThing", "newservice:DoIt", "s3:GetObjekt"]),
    );
    const { violations } = await run(forbidIamUnknownActions, subject, {
      config: { allowedUnknownActions: ["sagemaker:CreateBrandNewThing", "newservice:*"] },
    });
    assert.equal(violations.length, 1);
    assert.match(violations[0], /"s3:GetObjekt"/);
  });

  describe("waivers", () => {
    const subject = withStatements(allow("sagemaker:CreateEndpiont"));
    beforeEach(() => setPolicyClock(() => new Date("2026-06-01T12:00:00Z")));

    it("a waiver in force hides the finding", async () => {
      const config = { waivers: [waiver("*-monitoring-role-policy", "2026-06-30")] };
      assert.deepEqual((await run(forbidIamUnknownActions, subject, { config })).violations, []);
    });

    it("an expired waiver adds its expiry to the finding", async () => {
      const config = { waivers: [waiver("*-monitoring-role-policy", "2026-05-01")] };
      const { violations } = await run(forbidIamUnknownActions, subject, { config });
      assert.equal(violations.length, 1);
      assert.match(
        violations[0],
        /\? \(The waiver for "\*-monitoring-role-policy" expired on 2026-05-01: .+\.\)$/,
      );
    });
  });

  it("during preview, an unknown policy gets the engine's advisory", async () => {
    const outcome = await checkResource(forbidIamUnknownActions, "aws:iam/policy:Policy", {
      policy: UNKNOWN.string,
    });
    assert.deepEqual(outcome, {
      violations: [],
      urns: [],
      notApplicable: [],
      unknown: ["can't run during preview: string value at .policy can't be known during preview"],
    });
  });

  it("stays fast once the service data is read", async () => {
    await run(forbidIamUnknownActions, withStatements(allow("ec2:Describe*")));
    const start = process.hrtime.bigint();
    await runAll(forbidIamUnknownActions, [...PROGRAM_RESOURCES, ...PROGRAM_RESOURCES]);
    assert.ok(process.hrtime.bigint() - start < 500_000_000n, "under 500 ms");
  });
});
