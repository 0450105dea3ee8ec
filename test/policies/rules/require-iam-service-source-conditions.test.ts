import assert from "node:assert/strict";
import { clearWaivedFindings, setPolicyClock } from "../../../policies/lib/rule";
import { requireIamServiceSourceConditions } from "../../../policies/rules/require-iam-service-source-conditions";
import { checkResource, UNKNOWN } from "../../helpers/policyArgs";
import {
  ACCOUNT,
  documentOf,
  KEY_ARN,
  PROGRAM_RESOURCES,
  role,
  rolePolicy,
  run,
  runAll,
  SAGEMAKER_TRUST,
  waiver,
} from "./iamFixtures";
import { invokePermission } from "./retrainingFixtures";

const ROLE = "mlops-prod-diagnosis-role";
const trust = (statement: object) =>
  role(ROLE, {
    assumeRolePolicy: JSON.stringify(documentOf({ Effect: "Allow", Action: "sts:AssumeRole", ...statement })),
  });
const sageMaker = (Condition?: object) =>
  trust({ Principal: { Service: "sagemaker.amazonaws.com" }, Condition });
const where = `Role "${ROLE}" trust policy, statement 1`;
const KEYS = "aws:SourceAccount, aws:SourceArn, aws:SourceOrgID, kms:EncryptionContext:aws:*";
const unbound = (what: string, services: string) =>
  `${what}: lets ${services} act with no condition on ${KEYS} naming the stack's account or resources, so the service can be made to act for another account's resources (confused deputy); add {"StringEquals": {"aws:SourceAccount": "<account id>"}}, and an ArnLike aws:SourceArn naming the resources it acts for where the service sends it.`;
const violationsOf = async (...subjects: Parameters<typeof run>[1][]) =>
  (await runAll(requireIamServiceSourceConditions, subjects)).violations;

describe("require-iam-service-source-conditions", () => {
  afterEach(() => {
    setPolicyClock(() => new Date());
    clearWaivedFindings();
  });

  it("passes every trust and resource policy the program creates", async () => {
    const outcome = await runAll(requireIamServiceSourceConditions, PROGRAM_RESOURCES);
    assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
    assert.deepEqual(SAGEMAKER_TRUST.Statement[0].Condition, {
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnLike: { "aws:SourceArn": `arn:aws:sagemaker:us-east-1:${ACCOUNT}:*` },
    });
  });

  it("refuses a service trusted with no source condition", async () => {
    assert.deepEqual(await violationsOf(sageMaker()), [unbound(where, '"sagemaker.amazonaws.com"')]);
  });

  it("accepts each key that names the source: account, ARN with an account, organization", async () => {
    assert.deepEqual(
      await violationsOf(
        sageMaker({ StringEquals: { "aws:SourceAccount": ACCOUNT } }),
        sageMaker({ ArnLike: { "aws:sourcearn": `arn:aws:sagemaker:us-east-1:${ACCOUNT}:*` } }),
        sageMaker({ StringEquals: { "aws:SourceOrgID": "o-a1b2c3d4e5" } }),
        sageMaker({ "ForAnyValue:StringLike": { "aws:SourceOrgPaths": "o-a1b2c3d4e5/r-ab12/*" } }),
      ),
      [],
    );
  });

  it("refuses conditions that do not name the source", async () => {
    const refused = [
      { StringEqualsIfExists: { "aws:SourceAccount": ACCOUNT } },
      { StringNotEquals: { "aws:SourceAccount": ACCOUNT } },
      { StringLike: { "aws:SourceAccount": "*" } },
      { StringLike: { "aws:SourceAccount": "1234*" } },
      { ArnLike: { "aws:SourceArn": "arn:aws:sagemaker:us-east-1:*:*" } },
      // S3 ARNs name no account: a bucket of that name may be another account's.
      { ArnLike: { "aws:SourceArn": "arn:aws:s3:::mlops-prod-data" } },
      { StringLike: { "aws:SourceOrgID": "o-*" } },
      { StringEquals: { "aws:PrincipalAccount": ACCOUNT } },
    ];
    for (const Condition of refused)
      assert.deepEqual(
        await violationsOf(sageMaker(Condition)),
        [unbound(where, '"sagemaker.amazonaws.com"')],
        JSON.stringify(Condition),
      );
  });

  it("names every service of a statement, and leaves Deny statements and accounts alone", async () => {
    const key = {
      type: "aws:kms/key:Key",
      name: "k",
      props: {
        policy: JSON.stringify(
          documentOf(
            {
              Sid: "AlarmsAndRules",
              Effect: "Allow",
              Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
              Action: ["kms:Decrypt", "kms:GenerateDataKey"],
              Resource: "*",
            },
            { Effect: "Deny", Principal: { Service: "s3.amazonaws.com" }, Action: "kms:*", Resource: "*" },
            {
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
              Action: "kms:*",
              Resource: "*",
            },
          ),
        ),
      },
    };
    assert.deepEqual(await violationsOf(key), [
      unbound(
        'Key policy of "k", statement "AlarmsAndRules"',
        '"cloudwatch.amazonaws.com", "events.amazonaws.com"',
      ),
    ]);
  });

  it("accepts, in key policies, an encryption context that names the account's resources", async () => {
    const keyPolicy = (Condition: object) => ({
      type: "aws:kms/key:Key",
      name: "k",
      props: {
        arn: KEY_ARN,
        policy: JSON.stringify(
          documentOf({
            Sid: "Logs",
            Effect: "Allow",
            Principal: { Service: "logs.us-east-1.amazonaws.com" },
            Action: ["kms:Encrypt*", "kms:Decrypt*"],
            Resource: "*",
            Condition,
          }),
        ),
      },
    });
    assert.deepEqual(
      await violationsOf(
        keyPolicy({
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/mlops-prod-*`,
          },
        }),
        keyPolicy({
          StringLike: { "kms:EncryptionContext:aws:sns:topicArn": `arn:aws:sns:us-east-1:${ACCOUNT}:*` },
        }),
      ),
      [],
    );
    assert.deepEqual(
      await violationsOf(
        keyPolicy({ ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*:*:log-group:*" } }),
      ),
      [unbound('Key policy of "k", statement "Logs"', '"logs.us-east-1.amazonaws.com"')],
    );
  });

  it("reads role trust and resource policies, not identity policies", async () => {
    const everyService = documentOf({
      Effect: "Allow",
      Principal: { Service: "sns.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: "*",
    });
    assert.deepEqual(
      await violationsOf(rolePolicy("p", everyService), {
        type: "aws:sqs/queuePolicy:QueuePolicy",
        name: "q",
        props: {
          queueUrl: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/q`,
          policy: JSON.stringify(everyService),
        },
      }),
      [unbound('Queue policy "q", statement 1', '"sns.amazonaws.com"')],
    );
  });

  describe("Lambda permissions", () => {
    const INVOKE = "mlops-prod-diagnosis-retraining-new-data-invoke";
    const refused = (found: string) =>
      `Lambda permission "${INVOKE}": principal "events.amazonaws.com" may invoke the function and ${found}, so the service can be made to invoke it for another account's resources (confused deputy); set sourceAccount to the stack's account, and sourceArn to the resource that invokes it.`;

    it("passes a service invoking the function with sourceAccount, or a sourceArn that names the account", async () => {
      assert.deepEqual(
        await violationsOf(invokePermission(INVOKE), invokePermission(INVOKE, { sourceAccount: undefined })),
        [],
      );
    });

    it("refuses a service with neither, or with a sourceArn that names no account", async () => {
      assert.deepEqual(
        await violationsOf(
          invokePermission(INVOKE, { sourceAccount: undefined, sourceArn: undefined }),
          invokePermission(INVOKE, { sourceAccount: undefined, sourceArn: "arn:aws:s3:::mlops-prod-data" }),
        ),
        [
          refused("neither sourceAccount nor sourceArn is set"),
          refused('sourceArn "arn:aws:s3:::mlops-prod-data" names no account'),
        ],
      );
    });

    it("leaves accounts and everyone to restrict-iam-resource-principals", async () => {
      assert.deepEqual(
        await violationsOf(
          invokePermission(INVOKE, { principal: ACCOUNT, sourceAccount: undefined, sourceArn: undefined }),
          invokePermission(INVOKE, { principal: "*", sourceAccount: undefined, sourceArn: undefined }),
        ),
        [],
      );
    });

    it("during preview, takes a source not known yet to name the stack's, without deferring", async () => {
      const outcome = await checkResource(
        requireIamServiceSourceConditions,
        "aws:lambda/permission:Permission",
        {
          ...invokePermission(INVOKE).props,
          sourceAccount: undefined,
          sourceArn: UNKNOWN.string,
        },
      );
      assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
    });
  });

  describe("config", () => {
    it("exempts lambda.amazonaws.com by default: Lambda sends no source key when it assumes an execution role", async () => {
      const lambda = trust({ Principal: { Service: "lambda.amazonaws.com" } });
      assert.deepEqual(await violationsOf(lambda), []);
      const { violations } = await run(requireIamServiceSourceConditions, lambda, {
        config: { exemptServices: [] },
      });
      assert.deepEqual(violations, [unbound(where, '"lambda.amazonaws.com"')]);
    });

    it("exemptServices takes globs; sourceArnKeys says which other keys name the source", async () => {
      assert.deepEqual(
        (
          await run(requireIamServiceSourceConditions, sageMaker(), {
            config: { exemptServices: ["sagemaker.*"] },
          })
        ).violations,
        [],
      );
      const custom = sageMaker({
        ArnLike: { "sagemaker:SourceThing": `arn:aws:sagemaker:us-east-1:${ACCOUNT}:x` },
      });
      assert.deepEqual(
        (
          await run(requireIamServiceSourceConditions, custom, {
            config: { sourceArnKeys: ["sagemaker:Source*"] },
          })
        ).violations,
        [],
      );
    });
  });

  describe("waivers", () => {
    beforeEach(() => setPolicyClock(() => new Date("2026-06-01T12:00:00Z")));

    it("a waiver in force hides the finding; an expired one adds its expiry", async () => {
      const inForce = await run(requireIamServiceSourceConditions, sageMaker(), {
        config: { waivers: [waiver(ROLE, "2026-12-31")] },
      });
      assert.deepEqual(inForce.violations, []);
      const expired = await run(requireIamServiceSourceConditions, sageMaker(), {
        config: { waivers: [waiver(ROLE, "2026-01-31")] },
      });
      assert.deepEqual(expired.violations, [
        `${unbound(where, '"sagemaker.amazonaws.com"')} (The waiver for "${ROLE}" expired on 2026-01-31: migration to a scoped policy.)`,
      ]);
    });
  });

  it("during preview, an unknown trust or resource policy gets the engine's advisory; identity policies are not read", async () => {
    const trustOutcome = await checkResource(requireIamServiceSourceConditions, "aws:iam/role:Role", {
      assumeRolePolicy: UNKNOWN.string,
    });
    assert.deepEqual(trustOutcome.unknown, [
      "can't run during preview: string value at .assumeRolePolicy can't be known during preview",
    ]);
    const topic = await checkResource(requireIamServiceSourceConditions, "aws:sns/topicPolicy:TopicPolicy", {
      arn: "arn:aws:sns:us-east-1:123456789012:t",
      policy: UNKNOWN.string,
    });
    assert.deepEqual(topic.unknown, [
      "can't run during preview: string value at .policy can't be known during preview",
    ]);
    const identity = await checkResource(requireIamServiceSourceConditions, "aws:iam/rolePolicy:RolePolicy", {
      role: "r",
      policy: UNKNOWN.string,
    });
    assert.deepEqual(identity, { violations: [], urns: [], notApplicable: [], unknown: [] });
  });
});
