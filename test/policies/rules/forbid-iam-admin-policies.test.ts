import assert from "node:assert/strict";
import { clearWaivedFindings, setPolicyClock } from "../../../policies/lib/rule";
import {
  awsManagedPolicyName,
  forbidIamAdminPolicies,
} from "../../../policies/rules/forbid-iam-admin-policies";
import { checkResource, UNKNOWN } from "../../helpers/policyArgs";
import { PROGRAM_RESOURCES, run, runAll, waiver } from "./iamFixtures";

const managed = (name: string, partition = "aws") => `arn:${partition}:iam::aws:policy/${name}`;
const attachment = (policyArn: unknown, name = "mlops-prod-x-attach") => ({
  type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  name,
  props: { role: "mlops-prod-x-role", policyArn },
});

describe("forbid-iam-admin-policies", () => {
  afterEach(() => {
    setPolicyClock(() => new Date());
    clearWaivedFindings();
  });

  it("passes the program's resources (it attaches no managed policies)", async () => {
    const outcome = await runAll(forbidIamAdminPolicies, PROGRAM_RESOURCES);
    assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
  });

  it("refuses AdministratorAccess on a role policy attachment", async () => {
    const { violations } = await run(forbidIamAdminPolicies, attachment(managed("AdministratorAccess")));
    assert.deepEqual(violations, [
      'Role policy attachment "mlops-prod-x-attach" attaches the AWS managed policy "arn:aws:iam::aws:policy/AdministratorAccess", which grants far more than one workload needs; attach a policy that lists the actions and resources it uses.',
    ]);
  });

  it("refuses full-access and power-user policies, in any partition and path", async () => {
    const arns = [
      managed("AmazonSageMakerFullAccess"),
      managed("IAMFullAccess", "aws-us-gov"),
      managed("AmazonDynamoDBFullAccess_v2"),
      managed("PowerUserAccess", "aws-cn"),
      managed("AdministratorAccess-Amplify"),
      managed("service-role/AWSLambda_FullAccess"),
    ];
    const outcome = await runAll(
      forbidIamAdminPolicies,
      arns.map((arn) => attachment(arn)),
    );
    assert.equal(outcome.violations.length, arns.length);
  });

  it("accepts narrower AWS managed policies and customer managed policies of any name", async () => {
    const outcome = await runAll(forbidIamAdminPolicies, [
      attachment(managed("AmazonS3ReadOnlyAccess")),
      attachment(managed("service-role/AmazonSageMakerServiceCatalogProductsUseRole")),
      attachment("arn:aws:iam::123456789012:policy/TeamFullAccess"),
      attachment(42),
      attachment(undefined),
    ]);
    assert.deepEqual(outcome.violations, []);
  });

  it("reads every kind of attachment", async () => {
    const admin = managed("AdministratorAccess");
    const outcome = await runAll(forbidIamAdminPolicies, [
      {
        type: "aws:iam/role:Role",
        name: "r",
        props: { managedPolicyArns: [managed("ReadOnlyAccess"), admin] },
      },
      { type: "aws:iam/userPolicyAttachment:UserPolicyAttachment", name: "u", props: { policyArn: admin } },
      { type: "aws:iam/groupPolicyAttachment:GroupPolicyAttachment", name: "g", props: { policyArn: admin } },
      {
        type: "aws:iam/policyAttachment:PolicyAttachment",
        name: "p",
        props: { policyArn: admin, roles: ["r"] },
      },
      {
        type: "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
        name: "e",
        props: { roleName: "r", policyArns: [admin] },
      },
    ]);
    assert.deepEqual(
      outcome.violations.map((v) => v.slice(0, v.indexOf(" attaches"))),
      [
        'Role "r"',
        'User policy attachment "u"',
        'Group policy attachment "g"',
        'Policy attachment "p"',
        'Role policy attachments "e"',
      ],
    );
  });

  it("reads AWS managed policy names from ARNs only", () => {
    assert.equal(awsManagedPolicyName(managed("job-function/ViewOnlyAccess")), "ViewOnlyAccess");
    assert.equal(awsManagedPolicyName("arn:aws:iam::123456789012:policy/AdministratorAccess"), undefined);
    assert.equal(awsManagedPolicyName("AdministratorAccess"), undefined);
    assert.equal(awsManagedPolicyName(["x"]), undefined);
  });

  describe("config", () => {
    it("allowedManagedPolicies accepts a listed policy", async () => {
      const outcome = await runAll(
        forbidIamAdminPolicies,
        [attachment(managed("AWSCodeCommitFullAccess")), attachment(managed("AmazonS3FullAccess"))],
        { config: { allowedManagedPolicies: ["AWSCodeCommitFullAccess"] } },
      );
      assert.equal(outcome.violations.length, 1);
      assert.match(outcome.violations[0], /AmazonS3FullAccess/);
    });

    it("forbiddenManagedPolicies replaces the list of refused names", async () => {
      const config = { forbiddenManagedPolicies: ["ReadOnlyAccess"] };
      const outcome = await runAll(
        forbidIamAdminPolicies,
        [attachment(managed("ReadOnlyAccess")), attachment(managed("AdministratorAccess"))],
        { config },
      );
      assert.equal(outcome.violations.length, 1);
      assert.match(outcome.violations[0], /ReadOnlyAccess/);
    });
  });

  describe("waivers", () => {
    const subject = attachment(managed("AmazonSageMakerFullAccess"), "mlops-staging-notebook-attach");
    beforeEach(() => setPolicyClock(() => new Date("2026-06-01T12:00:00Z")));

    it("a waiver in force hides the finding", async () => {
      const config = { waivers: [waiver("mlops-staging-*", "2026-07-01")] };
      assert.deepEqual((await run(forbidIamAdminPolicies, subject, { config })).violations, []);
    });

    it("an expired waiver adds its expiry to the finding", async () => {
      const config = { waivers: [waiver("mlops-staging-*", "2026-03-01")] };
      const { violations } = await run(forbidIamAdminPolicies, subject, { config });
      assert.equal(violations.length, 1);
      assert.match(violations[0], /\(The waiver for "mlops-staging-\*" expired on 2026-03-01: .+\.\)$/);
    });
  });

  describe("unknown values during preview", () => {
    it("an unknown policy ARN gets the engine's advisory", async () => {
      const outcome = await checkResource(
        forbidIamAdminPolicies,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        { role: "r", policyArn: UNKNOWN.string },
      );
      assert.deepEqual(outcome.violations, []);
      assert.deepEqual(outcome.unknown, [
        "can't run during preview: string value at .policyArn can't be known during preview",
      ]);
    });

    it("an unknown entry of managedPolicyArns gets the advisory after the known ones are checked", async () => {
      const outcome = await checkResource(
        forbidIamAdminPolicies,
        "aws:iam/role:Role",
        { managedPolicyArns: [managed("AdministratorAccess"), UNKNOWN.string] },
        { name: "r" },
      );
      assert.equal(outcome.violations.length, 1);
      assert.deepEqual(outcome.unknown, [
        "can't run during preview: string value at .managedPolicyArns.1 can't be known during preview",
      ]);
    });
  });
});
