import assert from "node:assert/strict";
import { clearWaivedFindings, setPolicyClock } from "../../../policies/lib/rule";
import { restrictIamResourcePrincipals } from "../../../policies/rules/restrict-iam-resource-principals";
import { checkResource, UNKNOWN } from "../../helpers/policyArgs";
import {
  BUCKET_POLICY,
  documentOf,
  PROGRAM_RESOURCES,
  REGISTRY_POLICY,
  registryPolicy,
  role,
  rolePolicy,
  run,
  runAll,
  SHARED_BUCKET_POLICY,
  waiver,
} from "./iamFixtures";
import { DRIFT_BUS_POLICY, eventBusPolicy, invokePermission } from "./retrainingFixtures";

const NAME = "mlops-prod-diagnosis-registry-policy";
const [GROUP, VERSIONS] = REGISTRY_POLICY.Statement;
/** The shipped registry policy with its versions' statement changed. */
const withVersions = (changes: object) =>
  registryPolicy(NAME, { ...REGISTRY_POLICY, Statement: [GROUP, { ...VERSIONS, ...changes }] });
const where = `Model package group policy "${NAME}", statement "ConsumerAccountsReadVersions"`;
const FIX =
  "name the accounts or services in Principal, or narrow it with a condition on aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceAccount, aws:SourceArn";

describe("restrict-iam-resource-principals", () => {
  afterEach(() => {
    setPolicyClock(() => new Date());
    clearWaivedFindings();
  });

  it("passes every policy document the program creates, shared registry, bucket and key included", async () => {
    const outcome = await runAll(restrictIamResourcePrincipals, PROGRAM_RESOURCES);
    assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
  });

  it('refuses a registry shared with Principal "*", { AWS: "*" } or NotPrincipal', async () => {
    const outcome = await runAll(restrictIamResourcePrincipals, [
      withVersions({ Principal: "*" }),
      withVersions({ Principal: { AWS: ["arn:aws:iam::222222222222:root", "*"] } }),
      withVersions({ Principal: undefined, NotPrincipal: { AWS: "arn:aws:iam::222222222222:root" } }),
    ]);
    assert.deepEqual(outcome.violations, [
      `${where}: Principal "*" lets anyone (any account, or anonymous callers) use the resource; ${FIX}.`,
      `${where}: Principal {"AWS":["arn:aws:iam::222222222222:root","*"]} lets anyone (any account, or anonymous callers) use the resource; ${FIX}.`,
      `${where}: Allow with NotPrincipal lets everyone but those listed use the resource; ${FIX}.`,
    ]);
  });

  it("refuses a bucket policy that lets everyone read, and accepts the TLS denial of everyone", async () => {
    const [denial, read] = SHARED_BUCKET_POLICY.Statement;
    const bucket = (document: unknown) => ({
      type: "aws:s3/bucketPolicy:BucketPolicy",
      name: "b",
      props: { bucket: "b", policy: JSON.stringify(document) },
    });
    assert.deepEqual((await run(restrictIamResourcePrincipals, bucket(BUCKET_POLICY))).violations, []);
    const { violations } = await run(
      restrictIamResourcePrincipals,
      bucket(documentOf(denial, { ...read, Principal: { AWS: "*" } })),
    );
    assert.deepEqual(violations, [
      `Bucket policy "b", statement "OtherAccountsReadObjects": Principal {"AWS":["*"]} lets anyone (any account, or anonymous callers) use the resource; ${FIX}.`,
    ]);
  });

  it("accepts everyone narrowed by a positive condition on whom, and only that", async () => {
    const narrowed = (Condition: object) => withVersions({ Principal: "*", Condition });
    const accepted = await runAll(restrictIamResourcePrincipals, [
      narrowed({ StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } }),
      narrowed({ "ForAnyValue:StringLike": { "aws:principalaccount": ["2222*"] } }),
      narrowed({ ArnLike: { "aws:SourceArn": "arn:aws:events:us-east-1:222222222222:rule/x" } }),
    ]);
    assert.deepEqual(accepted.violations, []);
    const refused = await runAll(restrictIamResourcePrincipals, [
      narrowed({ StringNotEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } }),
      narrowed({ StringEqualsIfExists: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } }),
      narrowed({ StringLike: { "aws:PrincipalAccount": "*" } }),
      narrowed({ StringEquals: { "aws:PrincipalOrgID": [] } }),
      narrowed({ Bool: { "aws:SecureTransport": "true" } }),
    ]);
    assert.equal(refused.violations.length, 5);
  });

  it("leaves Deny statements, identity policies and trust policies alone", async () => {
    const everyone = { Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" };
    const outcome = await runAll(restrictIamResourcePrincipals, [
      withVersions({ Effect: "Deny", Principal: "*" }),
      rolePolicy("p", documentOf({ ...everyone, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" })),
      role("r", { assumeRolePolicy: JSON.stringify(documentOf(everyone)) }),
    ]);
    assert.deepEqual(outcome.violations, []);
  });

  describe("a model's drift bus, open to the accounts that serve the model", () => {
    const BUS_POLICY = "mlops-prod-diagnosis-retraining-drift-events-policy";
    const [forward] = DRIFT_BUS_POLICY.Statement;
    const busWhere = `Event bus policy "${BUS_POLICY}", statement "ConsumerAccountsForwardDrift"`;
    const bus = (changes: object) => eventBusPolicy(BUS_POLICY, documentOf({ ...forward, ...changes }));

    it("passes when it names the consumer accounts, drift events only", async () => {
      assert.deepEqual(forward.Principal, { AWS: ["arn:aws:iam::222222222222:root"] });
      const outcome = await run(restrictIamResourcePrincipals, eventBusPolicy(BUS_POLICY, DRIFT_BUS_POLICY));
      assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
    });

    it("refuses it open to every account: events:source says what may be put, not who", async () => {
      const { violations } = await runAll(restrictIamResourcePrincipals, [
        bus({ Principal: "*" }),
        bus({ Principal: { AWS: "*" } }),
        bus({ Principal: undefined, NotPrincipal: { AWS: "arn:aws:iam::222222222222:root" } }),
      ]);
      assert.deepEqual(violations, [
        `${busWhere}: Principal "*" lets anyone (any account, or anonymous callers) use the resource; ${FIX}.`,
        `${busWhere}: Principal {"AWS":["*"]} lets anyone (any account, or anonymous callers) use the resource; ${FIX}.`,
        `${busWhere}: Allow with NotPrincipal lets everyone but those listed use the resource; ${FIX}.`,
      ]);
    });

    it("accepts every account of an organization, named by aws:PrincipalOrgID", async () => {
      const condition = { ...forward.Condition, StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } };
      const { violations } = await run(
        restrictIamResourcePrincipals,
        bus({ Principal: "*", Condition: condition }),
      );
      assert.deepEqual(violations, []);
    });

    it("during preview, a bus policy built from the bus's ARN gets the engine's advisory", async () => {
      const outcome = await checkResource(
        restrictIamResourcePrincipals,
        "aws:cloudwatch/eventBusPolicy:EventBusPolicy",
        { eventBusName: "mlops-prod-diagnosis-drift-events", policy: UNKNOWN.string },
      );
      assert.deepEqual(outcome.unknown, [
        "can't run during preview: string value at .policy can't be known during preview",
      ]);
    });
  });

  describe("Lambda permissions", () => {
    const NAME_INVOKE = "mlops-prod-diagnosis-retraining-new-data-invoke";
    const PUBLIC = `Lambda permission "${NAME_INVOKE}": principal "*" lets anyone (any account, or anonymous callers) invoke the function; name the account or service in principal, or narrow it with sourceArn, sourceAccount or principalOrgId.`;

    it("passes EventBridge invoking the function for one rule of the account", async () => {
      const outcome = await run(restrictIamResourcePrincipals, invokePermission(NAME_INVOKE));
      assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
    });

    it("refuses anyone invoking it, and accepts anyone narrowed to a source or an organization", async () => {
      const refused = await run(
        restrictIamResourcePrincipals,
        invokePermission(NAME_INVOKE, { principal: "*", sourceArn: undefined, sourceAccount: undefined }),
      );
      assert.deepEqual(refused.violations, [PUBLIC]);
      const accepted = await runAll(restrictIamResourcePrincipals, [
        invokePermission(NAME_INVOKE, { principal: "*", sourceAccount: undefined }),
        invokePermission(NAME_INVOKE, { principal: "*", sourceArn: undefined }),
        invokePermission(NAME_INVOKE, {
          principal: "*",
          sourceArn: undefined,
          sourceAccount: undefined,
          principalOrgId: "o-a1b2c3d4e5",
        }),
      ]);
      assert.deepEqual(accepted.violations, []);
      // A narrowing made of wildcards only names no one.
      const wildcard = await run(
        restrictIamResourcePrincipals,
        invokePermission(NAME_INVOKE, { principal: "*", sourceArn: "*", sourceAccount: undefined }),
      );
      assert.deepEqual(wildcard.violations, [PUBLIC]);
    });

    it("during preview, reads the rule's ARN only for a principal of everyone", async () => {
      const named = await checkResource(restrictIamResourcePrincipals, "aws:lambda/permission:Permission", {
        ...invokePermission(NAME_INVOKE).props,
        sourceArn: UNKNOWN.string,
      });
      assert.deepEqual(named, { violations: [], urns: [], notApplicable: [], unknown: [] });
      const everyone = await checkResource(
        restrictIamResourcePrincipals,
        "aws:lambda/permission:Permission",
        {
          ...invokePermission(NAME_INVOKE).props,
          principal: "*",
          sourceArn: UNKNOWN.string,
        },
      );
      assert.deepEqual(everyone.unknown, [
        "can't run during preview: string value at .sourceArn can't be known during preview",
      ]);
    });
  });

  it("narrowingConditionKeys says which condition keys name whom", async () => {
    const subject = withVersions({
      Principal: "*",
      Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
    });
    const { violations } = await run(restrictIamResourcePrincipals, subject, {
      config: { narrowingConditionKeys: ["aws:SourceVpce"] },
    });
    assert.deepEqual(violations, [
      `${where}: Principal "*" lets anyone (any account, or anonymous callers) use the resource; name the accounts or services in Principal, or narrow it with a condition on aws:SourceVpce.`,
    ]);
  });

  describe("waivers", () => {
    const subject = withVersions({ Principal: "*" });
    const config = (expires: string) => ({ waivers: [waiver("mlops-prod-diagnosis-registry-*", expires)] });
    beforeEach(() => setPolicyClock(() => new Date("2026-06-01T12:00:00Z")));

    it("a waiver in force hides the finding", async () => {
      const { violations } = await run(restrictIamResourcePrincipals, subject, {
        config: config("2026-06-01"),
      });
      assert.deepEqual(violations, []);
    });

    it("an expired waiver adds its expiry to the finding", async () => {
      const { violations } = await run(restrictIamResourcePrincipals, subject, {
        config: config("2026-05-31"),
      });
      assert.equal(violations.length, 1);
      assert.match(
        violations[0],
        / \(The waiver for "mlops-prod-diagnosis-registry-\*" expired on 2026-05-31: /,
      );
    });
  });

  it("does not read identity policies, so one not known yet during preview defers nothing", async () => {
    const outcome = await checkResource(restrictIamResourcePrincipals, "aws:iam/rolePolicy:RolePolicy", {
      role: "r",
      policy: UNKNOWN.string,
    });
    assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
  });

  it("during preview, a registry policy not known yet gets the engine's advisory", async () => {
    const outcome = await checkResource(
      restrictIamResourcePrincipals,
      "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy",
      { modelPackageGroupName: "g", resourcePolicy: UNKNOWN.string },
    );
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.unknown, [
      "can't run during preview: string value at .resourcePolicy can't be known during preview",
    ]);
  });
});
