import assert from "node:assert/strict";
import { clearWaivedFindings, setPolicyClock } from "../../../policies/lib/rule";
import { forbidIamWildcardResources } from "../../../policies/rules/forbid-iam-wildcard-resources";
import { checkResource, UNKNOWN } from "../../helpers/policyArgs";
import {
  documentOf,
  KEY_POLICY,
  MODEL_POLICY,
  PROGRAM_RESOURCES,
  REGISTRY_POLICY,
  registryPolicy,
  rolePolicy,
  run,
  runAll,
  TOPIC_POLICY,
  waiver,
} from "./iamFixtures";

const NAME = "mlops-prod-diagnosis-endpoint-model-role-policy";
const withStatements = (...statements: object[]) =>
  rolePolicy(NAME, { ...MODEL_POLICY, Statement: [...MODEL_POLICY.Statement, ...statements] });
const onEverything = (Action: unknown, extra: object = {}) => ({
  Sid: "Everything",
  Effect: "Allow",
  Action,
  Resource: "*",
  ...extra,
});

describe("forbid-iam-wildcard-resources", () => {
  afterEach(() => {
    setPolicyClock(() => new Date());
    clearWaivedFindings();
  });

  it('passes every policy document the program creates (its Resource "*" is for actions AWS cannot scope)', async () => {
    const outcome = await runAll(forbidIamWildcardResources, PROGRAM_RESOURCES);
    assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
  });

  it('refuses Resource "*" for actions that can be limited to named resources', async () => {
    const { violations } = await run(
      forbidIamWildcardResources,
      withStatements(onEverything(["sagemaker:CreateProcessingJob", "ecr:GetAuthorizationToken"])),
    );
    assert.deepEqual(violations, [
      `Role policy "${NAME}", statement "Everything": Resource "*" applies to 1 action that can be limited to named resources (sagemaker:CreateProcessingJob); name the resources (ARNs) the statement needs.`,
    ]);
  });

  it("counts S3 object and bucket actions as scopable although the data lists their resource types as alternatives", async () => {
    const { violations } = await run(
      forbidIamWildcardResources,
      withStatements(onEverything(["s3:GetObject", "s3:ListBucket", "sagemaker:AddTags"])),
    );
    assert.equal(violations.length, 1);
    assert.match(violations[0], /applies to 3 actions .*\(s3:GetObject, s3:ListBucket, sagemaker:AddTags\)/);
  });

  it("expands patterns and names a few of the scopable actions they match", async () => {
    const { violations } = await run(forbidIamWildcardResources, withStatements(onEverything("logs:Put*")));
    assert.equal(violations.length, 1);
    assert.match(
      violations[0],
      /Resource "\*" applies to \d+ actions .* \(logs:Put\w+, logs:Put\w+, logs:Put\w+, and \d+ more\)/,
    );
  });

  it("refuses NotResource, and NotAction on every resource", async () => {
    const { violations } = await run(
      forbidIamWildcardResources,
      withStatements(
        { Sid: "AllBut", Effect: "Allow", Action: "s3:GetObject", NotResource: "arn:aws:s3:::secret/*" },
        { Sid: "AlmostAll", Effect: "Allow", NotAction: "iam:*", Resource: "*" },
      ),
    );
    assert.equal(violations.length, 2);
    assert.match(
      violations[0],
      /statement "AllBut": NotResource \["arn:aws:s3:::secret\/\*"\] \(every resource but those listed\) applies to 1 action/,
    );
    assert.match(
      violations[1],
      /statement "AlmostAll": Resource "\*" with NotAction \["iam:\*"\] applies almost every action/,
    );
  });

  it('refuses "*" as an action on every resource', async () => {
    const { violations } = await run(forbidIamWildcardResources, withStatements(onEverything("*")));
    assert.equal(violations.length, 1);
    assert.match(violations[0], /applies to 1 action that can be limited to named resources \(\*\)/);
  });

  it("passes wildcard-only actions, Deny statements and named resources", async () => {
    const { violations } = await run(
      forbidIamWildcardResources,
      withStatements(
        onEverything(["sts:GetCallerIdentity", "ec2:DescribeSubnets", "sagemaker:ListModelPackages"]),
        { Effect: "Deny", Action: "s3:*", Resource: "*" },
        { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/*" },
      ),
    );
    assert.deepEqual(violations, []);
  });

  it('exempts key policies, where "*" means the key; checks topic and bucket policies', async () => {
    const keyStatement = { ...KEY_POLICY.Statement[0], Action: ["kms:Decrypt", "kms:PutKeyPolicy"] };
    const wide = documentOf({ ...TOPIC_POLICY.Statement[0], Resource: "*" });
    const outcome = await runAll(forbidIamWildcardResources, [
      { type: "aws:kms/key:Key", name: "k", props: { policy: JSON.stringify(documentOf(keyStatement)) } },
      {
        type: "aws:kms/keyPolicy:KeyPolicy",
        name: "kp",
        props: { keyId: "k", policy: JSON.stringify(documentOf(keyStatement)) },
      },
      { type: "aws:sns/topicPolicy:TopicPolicy", name: "t", props: { policy: JSON.stringify(wide) } },
    ]);
    assert.equal(outcome.violations.length, 1);
    assert.match(
      outcome.violations[0],
      /^Topic policy "t", statement "AccountManagesTopic": Resource "\*" applies to \d+ actions/,
    );
  });

  it('refuses a registry shared on Resource "*": its versions can be named', async () => {
    const [group, versions] = REGISTRY_POLICY.Statement;
    const name = "mlops-prod-diagnosis-registry-policy";
    const widened = registryPolicy(name, {
      ...REGISTRY_POLICY,
      Statement: [group, { ...versions, Resource: "*" }],
    });
    assert.deepEqual((await run(forbidIamWildcardResources, widened)).violations, [
      `Model package group policy "${name}", statement "ConsumerAccountsReadVersions": Resource "*" applies to 1 action that can be limited to named resources (sagemaker:DescribeModelPackage); name the resources (ARNs) the statement needs.`,
    ]);
  });

  describe("config", () => {
    it("checks key policies when exemptResourcePolicyTypes is emptied", async () => {
      const { violations } = await run(
        forbidIamWildcardResources,
        { type: "aws:kms/key:Key", name: "k", props: { policy: JSON.stringify(KEY_POLICY) } },
        { config: { exemptResourcePolicyTypes: [] } },
      );
      assert.equal(violations.length, 2);
    });

    it("accepts the actions listed in allowedWildcardResourceActions", async () => {
      const subject = withStatements(onEverything(["sagemaker:CreateProcessingJob", "sagemaker:AddTags"]));
      const { violations } = await run(forbidIamWildcardResources, subject, {
        config: { allowedWildcardResourceActions: ["sagemaker:Create*"] },
      });
      assert.equal(violations.length, 1);
      assert.match(violations[0], /applies to 1 action .*\(sagemaker:AddTags\)/);
    });
  });

  describe("waivers", () => {
    const subject = withStatements(onEverything("s3:GetObject"));
    const config = (expires: string) => ({ waivers: [waiver(NAME, expires)] });
    beforeEach(() => setPolicyClock(() => new Date("2026-06-01T12:00:00Z")));

    it("a waiver in force hides the finding", async () => {
      assert.deepEqual(
        (await run(forbidIamWildcardResources, subject, { config: config("2026-12-31") })).violations,
        [],
      );
    });

    it("an expired waiver adds its expiry to the finding", async () => {
      const { violations } = await run(forbidIamWildcardResources, subject, { config: config("2026-01-31") });
      assert.equal(violations.length, 1);
      assert.ok(
        violations[0].endsWith(
          `(The waiver for "${NAME}" expired on 2026-01-31: migration to a scoped policy.)`,
        ),
      );
    });
  });

  it("during preview, an unknown bucket policy gets the engine's advisory; an exempt key policy is not read at all", async () => {
    const bucket = await checkResource(forbidIamWildcardResources, "aws:s3/bucketPolicy:BucketPolicy", {
      bucket: "b",
      policy: UNKNOWN.string,
    });
    assert.deepEqual(bucket.unknown, [
      "can't run during preview: string value at .policy can't be known during preview",
    ]);
    const key = await checkResource(forbidIamWildcardResources, "aws:kms/key:Key", {
      policy: UNKNOWN.string,
    });
    assert.deepEqual(key, { violations: [], urns: [], notApplicable: [], unknown: [] });
  });
});
