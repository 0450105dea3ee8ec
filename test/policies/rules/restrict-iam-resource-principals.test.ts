import assert from "node:assert/strict";
import { clearWaivedFindings, setPolicyClock } from "../../../policies/lib/rule";
import { restrictIamResourcePrincipals } from "../../../policies/rules/restrict-iam-resource-principals";
import { checkResource, UNKNOWN } from "../../helpers/policyArgs";
import {
  ACCOUNT,
  BUCKET_POLICY,
  CONSUMER,
  documentOf,
  KEY_POLICY,
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
      narrowed({ "ForAnyValue:StringEquals": { "aws:principalaccount": ["222222222222"] } }),
      narrowed({ ArnLike: { "aws:SourceArn": "arn:aws:events:us-east-1:222222222222:rule/x" } }),
      narrowed({ StringEquals: { "aws:SourceVpce": "vpce-0a1b2c3d" } }),
    ]);
    assert.deepEqual(accepted.violations, []);
    const refused = await runAll(restrictIamResourcePrincipals, [
      narrowed({ StringNotEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } }),
      narrowed({ StringEqualsIfExists: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } }),
      narrowed({ StringLike: { "aws:PrincipalAccount": "*" } }),
      narrowed({ StringEquals: { "aws:PrincipalOrgID": [] } }),
      narrowed({ Bool: { "aws:SecureTransport": "true" } }),
      // A wildcard where the organization or the account goes names anyone's.
      narrowed({ StringLike: { "aws:PrincipalOrgID": "o-*" } }),
      narrowed({ "ForAnyValue:StringLike": { "aws:principalaccount": ["2222*"] } }),
      narrowed({ ArnLike: { "aws:SourceArn": "arn:aws:events:us-east-1:*:rule/x" } }),
    ]);
    assert.deepEqual(
      refused.violations,
      Array(8).fill(
        `${where}: Principal "*" lets anyone (any account, or anonymous callers) use the resource; ${FIX}.`,
      ),
    );
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

  describe("trustedAccounts", () => {
    const OTHER = "333333333333";
    const trusting = (...accounts: string[]) => ({ config: { trustedAccounts: accounts } });
    const untrusted = (what: string, accounts: string, listed: string[]) =>
      `${what}: names account${accounts.includes(",") ? "s" : ""} ${accounts}, which ${accounts.includes(",") ? "are" : "is"} not among trustedAccounts ${JSON.stringify(listed)}; let in only the accounts the stack's config names, or limit the statement to them or to the organization with a condition on aws:PrincipalAccount, aws:SourceAccount or aws:PrincipalOrgID.`;
    const groupWhere = `Model package group policy "${NAME}", statement "ConsumerAccountsDescribeGroup"`;

    it("passes every document the program creates when it lists the stack's account and consumer", async () => {
      const outcome = await runAll(
        restrictIamResourcePrincipals,
        PROGRAM_RESOURCES,
        trusting(ACCOUNT, CONSUMER),
      );
      assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
    });

    it("refuses a registry shared with an account it does not list", async () => {
      const { violations } = await run(
        restrictIamResourcePrincipals,
        registryPolicy(NAME, REGISTRY_POLICY),
        trusting(ACCOUNT),
      );
      assert.deepEqual(violations, [
        untrusted(groupWhere, CONSUMER, [ACCOUNT]),
        untrusted(where, CONSUMER, [ACCOUNT]),
        untrusted(
          `Model package group policy "${NAME}", statement "ConsumerAccountsCreateModelsFromVersions"`,
          CONSUMER,
          [ACCOUNT],
        ),
      ]);
    });

    it("accepts an account it does not list when a condition limits the statement to the organization or to listed accounts", async () => {
      const limited = (Condition: object) =>
        withVersions({ Principal: { AWS: `arn:aws:iam::${OTHER}:role/x` }, Condition });
      const accepted = await runAll(
        restrictIamResourcePrincipals,
        [
          limited({ StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } }),
          limited({ StringEquals: { "aws:PrincipalAccount": [ACCOUNT] } }),
          limited({ ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/*` } }),
        ],
        trusting(ACCOUNT, CONSUMER),
      );
      assert.deepEqual(accepted.violations, []);
      const refused = await runAll(
        restrictIamResourcePrincipals,
        [
          limited({ StringLike: { "aws:PrincipalOrgID": "o-*" } }),
          limited({ StringEquals: { "aws:PrincipalAccount": [ACCOUNT, OTHER] } }),
          limited({ StringEqualsIfExists: { "aws:PrincipalAccount": [ACCOUNT] } }),
        ],
        trusting(ACCOUNT, CONSUMER),
      );
      assert.deepEqual(refused.violations, [
        untrusted(where, `${OTHER}, *`, [ACCOUNT, CONSUMER]),
        untrusted(where, OTHER, [ACCOUNT, CONSUMER]),
        untrusted(where, OTHER, [ACCOUNT, CONSUMER]),
      ]);
    });

    it("refuses everyone, or a service, narrowed to an account it does not list", async () => {
      const queue = (statement: object) => ({
        type: "aws:sqs/queuePolicy:QueuePolicy",
        name: "q",
        props: {
          queueUrl: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/q`,
          policy: JSON.stringify(
            documentOf({
              Sid: "Send",
              Effect: "Allow",
              Action: "sqs:SendMessage",
              Resource: "*",
              ...statement,
            }),
          ),
        },
      });
      const { violations } = await runAll(
        restrictIamResourcePrincipals,
        [
          queue({ Principal: "*", Condition: { StringEquals: { "aws:PrincipalAccount": OTHER } } }),
          queue({
            Principal: { Service: "events.amazonaws.com" },
            Condition: { StringEquals: { "aws:SourceAccount": OTHER } },
          }),
          queue({
            Principal: { Service: "events.amazonaws.com" },
            Condition: { ArnEquals: { "aws:SourceArn": `arn:aws:events:us-east-1:${OTHER}:rule/x` } },
          }),
          queue({
            Principal: { Service: "events.amazonaws.com" },
            Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
          }),
        ],
        trusting(CONSUMER),
      );
      assert.deepEqual(
        violations,
        Array(3).fill(untrusted('Queue policy "q", statement "Send"', OTHER, [CONSUMER])),
      );
    });

    it("counts the resource's own account where its props name it (a key's or topic's ARN, a queue's URL)", async () => {
      const keyArn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0d5a6c3e-1111-4222-8333-944455556666`;
      const outcome = await runAll(
        restrictIamResourcePrincipals,
        [
          { type: "aws:kms/key:Key", name: "k", props: { arn: keyArn, policy: JSON.stringify(KEY_POLICY) } },
          {
            type: "aws:kms/keyPolicy:KeyPolicy",
            name: "kp",
            props: { keyId: keyArn, policy: JSON.stringify(KEY_POLICY) },
          },
        ],
        trusting(CONSUMER),
      );
      assert.deepEqual(outcome.violations, []);
      const bucket = await run(
        restrictIamResourcePrincipals,
        {
          type: "aws:s3/bucketPolicy:BucketPolicy",
          name: "b",
          props: {
            bucket: "b",
            policy: JSON.stringify(
              documentOf({
                Sid: "Root",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
                Action: "s3:GetObject",
                Resource: "arn:aws:s3:::b/*",
              }),
            ),
          },
        },
        trusting(CONSUMER),
      );
      assert.deepEqual(bucket.violations, [
        untrusted('Bucket policy "b", statement "Root"', ACCOUNT, [CONSUMER]),
      ]);
    });

    it("during preview, reads the resource's own ARN only when an account is not listed", async () => {
      const key = { policy: JSON.stringify(KEY_POLICY), arn: UNKNOWN.string };
      const listed = await checkResource(
        restrictIamResourcePrincipals,
        "aws:kms/key:Key",
        key,
        trusting(ACCOUNT),
      );
      assert.deepEqual(listed, { violations: [], urns: [], notApplicable: [], unknown: [] });
      const unlisted = await checkResource(
        restrictIamResourcePrincipals,
        "aws:kms/key:Key",
        key,
        trusting(CONSUMER),
      );
      assert.deepEqual(unlisted.unknown, [
        "can't run during preview: string value at .arn can't be known during preview",
      ]);
    });

    describe("Lambda permissions", () => {
      const INVOKE = "mlops-prod-diagnosis-retraining-new-data-invoke";
      const what = `Lambda permission "${INVOKE}"`;

      it("passes EventBridge invoking the function for a listed account", async () => {
        const outcome = await run(restrictIamResourcePrincipals, invokePermission(INVOKE), trusting(ACCOUNT));
        assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
      });

      it("refuses an account it does not list, as principal or as source", async () => {
        const { violations } = await runAll(
          restrictIamResourcePrincipals,
          [
            invokePermission(INVOKE, { principal: OTHER, sourceArn: undefined, sourceAccount: undefined }),
            invokePermission(INVOKE, { sourceArn: undefined, sourceAccount: OTHER }),
            invokePermission(INVOKE, {
              principal: `arn:aws:iam::${OTHER}:root`,
              sourceArn: undefined,
              sourceAccount: undefined,
              principalOrgId: "o-a1b2c3d4e5",
            }),
          ],
          trusting(ACCOUNT),
        );
        assert.deepEqual(violations, [untrusted(what, OTHER, [ACCOUNT]), untrusted(what, OTHER, [ACCOUNT])]);
      });

      it("during preview, leaves out a source not known yet instead of deferring", async () => {
        const outcome = await checkResource(
          restrictIamResourcePrincipals,
          "aws:lambda/permission:Permission",
          { ...invokePermission(INVOKE).props, sourceArn: UNKNOWN.string },
          trusting(ACCOUNT),
        );
        assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
      });
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
