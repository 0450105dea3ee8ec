import assert from "node:assert/strict";
import { clearWaivedFindings, setPolicyClock } from "../../../policies/lib/rule";
import { forbidIamWildcardResources } from "../../../policies/rules/forbid-iam-wildcard-resources";
import { checkResource, UNKNOWN } from "../../helpers/policyArgs";
import {
  BOUNDARY,
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
/** The model role's policy of an endpoint outside a VPC: the base the cases add a statement to. */
const BASE_POLICY = {
  ...MODEL_POLICY,
  Statement: MODEL_POLICY.Statement.filter((s) => !s.Sid?.endsWith("NetworkInterfaces")),
};
const withStatements = (...statements: object[]) =>
  rolePolicy(NAME, { ...BASE_POLICY, Statement: [...BASE_POLICY.Statement, ...statements] });
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

  describe("ARN patterns", () => {
    const ACCOUNT = "123456789012";
    const at = (resource: string) => `arn:aws:${resource}`;
    const on = (Action: unknown, Resource: unknown, extra: object = {}) => ({
      Sid: "Pattern",
      Effect: "Allow",
      Action,
      Resource,
      ...extra,
    });
    const where = `Role policy "${NAME}", statement "Pattern"`;
    const violationsOf = async (...statements: object[]) =>
      (await run(forbidIamWildcardResources, withStatements(...statements))).violations;
    const tagged = {
      StringEquals: { "aws:ResourceTag/Environment": "prod", "aws:ResourceTag/Project": "mlops" },
    };

    it("passes patterns that narrow to the stack's names, and type-wide ones a condition narrows", async () => {
      assert.deepEqual(
        await violationsOf(
          on(["s3:GetObject", "s3:ListBucket"], [at("s3:::mlops-prod-*"), at("s3:::mlops-prod-*/*")]),
          on(
            "sagemaker:CreateProcessingJob",
            at(`sagemaker:us-east-1:${ACCOUNT}:processing-job/pipelines-*`),
          ),
          on("scheduler:GetSchedule", at(`scheduler:us-east-1:${ACCOUNT}:schedule/default/mlops-prod-*`)),
          on(
            "sagemaker:DescribeModelPackage",
            at(`sagemaker:us-east-1:${ACCOUNT}:model-package/mlops-prod-diagnosis/*`),
          ),
          on(
            "logs:PutLogEvents",
            at(`logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/mlops-prod-x:log-stream:*`),
          ),
          // Keys and scalable targets have ids AWS chooses: the stack's are told by tags or by what they scale.
          on(["kms:DescribeKey", "kms:PutKeyPolicy"], at(`kms:us-east-1:${ACCOUNT}:key/*`), {
            Condition: tagged,
          }),
          on(
            "application-autoscaling:RegisterScalableTarget",
            at(`application-autoscaling:us-east-1:${ACCOUNT}:scalable-target/*`),
            {
              Condition: { StringEquals: { "application-autoscaling:service-namespace": "sagemaker" } },
            },
          ),
          on("kms:Decrypt", at("kms:us-east-1:111111111111:key/*"), {
            Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
          }),
          // A new network interface has no id to name: the subnet it is created in binds the request.
          on("ec2:CreateNetworkInterface", [
            at(`ec2:us-east-1:${ACCOUNT}:network-interface/*`),
            at(`ec2:us-east-1:${ACCOUNT}:subnet/subnet-0a1b2c3d`),
          ]),
          // Patterns of other services than the actions' do not apply to them.
          on("kms:Decrypt", [
            at(`kms:us-east-1:${ACCOUNT}:key/0d5a6c3e-1111-4222-8333-944455556666`),
            at("s3:::*"),
          ]),
        ),
        [],
      );
    });

    it("refuses a wildcard in the service like *", async () => {
      assert.deepEqual(
        await violationsOf(on(["s3:GetObject", "ecr:GetAuthorizationToken"], "arn:*:*:*:*:*")),
        [
          `${where}: Resource "arn:*:*:*:*:*" (a wildcard in its service: every service's resources) applies to 1 action that can be limited to named resources (s3:GetObject); name the resources (ARNs) the statement needs.`,
        ],
      );
      assert.deepEqual(await violationsOf(on("s3:GetObject", "**")), [
        `${where}: Resource "**" applies to 1 action that can be limited to named resources (s3:GetObject); name the resources (ARNs) the statement needs.`,
      ]);
      assert.equal((await violationsOf(on("s3:GetObject", "arn:aws:s3:*"))).length, 1, "cut short after a *");
    });

    it("refuses a wildcard in the region or the account, whatever the rest names", async () => {
      assert.deepEqual(
        await violationsOf(
          on(["sagemaker:DescribeEndpoint", "sagemaker:ListModelPackages"], at("sagemaker:*:*:*")),
        ),
        [
          `${where}: Resource "arn:aws:sagemaker:*:*:*" (a wildcard in its region and account: other regions' and accounts' resources) applies to 1 action that can be limited to named resources (sagemaker:DescribeEndpoint); name the region and account, and the resources (ARNs) the statement needs.`,
        ],
      );
      assert.deepEqual(
        await violationsOf(on("iam:GetRole", at("iam::*:role/mlops-*"), { Condition: tagged })),
        [
          `${where}: Resource "arn:aws:iam::*:role/mlops-*" (a wildcard in its account: other accounts' resources) applies to 1 action that can be limited to named resources (iam:GetRole); name the account, and the resources (ARNs) the statement needs.`,
        ],
      );
      assert.equal(
        (
          await violationsOf(
            on("sagemaker:DescribeEndpoint", at(`sagemaker:us-*:${ACCOUNT}:endpoint/mlops-*`)),
          )
        ).length,
        1,
      );
    });

    it("refuses every bucket and object of every account (S3 ARNs name no account), whatever the conditions", async () => {
      assert.deepEqual(
        await violationsOf(on(["s3:GetObject", "s3:ListBucket"], at("s3:::*"), { Condition: tagged })),
        [
          `${where}: Resource "arn:aws:s3:::*" (every object and bucket of every account) applies to 2 actions that can be limited to named resources (s3:GetObject, s3:ListBucket); name the resources (ARNs) the statement needs.`,
        ],
      );
      assert.equal((await violationsOf(on("s3:GetObject", at("s3:::*/*")))).length, 1);
    });

    it("refuses every resource of a type in the account unless a positive condition on a tag or a service key narrows it", async () => {
      const key = at(`kms:us-east-1:${ACCOUNT}:key/*`);
      const refused = `${where}: Resource "${key}" (every key of account ${ACCOUNT} in us-east-1) applies to 1 action that can be limited to named resources (kms:TagResource); name the resources (ARNs) the statement needs, or narrow it with a condition on aws:ResourceTag/<key> or on one of the kms: condition keys.`;
      for (const Condition of [
        undefined,
        // IfExists lets an untagged key through.
        { StringEqualsIfExists: { "aws:ResourceTag/Environment": "prod" } },
        { StringLike: { "aws:ResourceTag/Environment": "*" } },
        { StringNotEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
      ]) {
        assert.deepEqual(
          await violationsOf(on("kms:TagResource", key, { Condition })),
          [refused],
          JSON.stringify(Condition),
        );
      }
      assert.deepEqual(
        await violationsOf(on(["sagemaker:AddTags"], at(`sagemaker:us-east-1:${ACCOUNT}:*`))),
        [
          `${where}: Resource "arn:aws:sagemaker:us-east-1:${ACCOUNT}:*" (every action, ai-benchmark-job, ai-recommendation-job and 59 more types of account ${ACCOUNT} in us-east-1) applies to 1 action that can be limited to named resources (sagemaker:AddTags); name the resources (ARNs) the statement needs, or narrow it with a condition on aws:ResourceTag/<key> or on one of the sagemaker: condition keys.`,
        ],
      );
      assert.deepEqual(await violationsOf(on("iam:GetRole", at(`iam::${ACCOUNT}:role/*`))), [
        `${where}: Resource "arn:aws:iam::${ACCOUNT}:role/*" (every role of account ${ACCOUNT}) applies to 1 action that can be limited to named resources (iam:GetRole); name the resources (ARNs) the statement needs, or narrow it with a condition on aws:ResourceTag/<key> or on one of the iam: condition keys.`,
      ]);
      // Another entry binds the action only when it names a type the action requires.
      const interfaces = at(`ec2:us-east-1:${ACCOUNT}:network-interface/*`);
      assert.deepEqual(
        await violationsOf(
          on("ec2:DeleteNetworkInterface", [
            interfaces,
            at(`ec2:us-east-1:${ACCOUNT}:subnet/subnet-0a1b2c3d`),
          ]),
        ),
        [
          `${where}: Resource "${interfaces}" (every network-interface of account ${ACCOUNT} in us-east-1) applies to 1 action that can be limited to named resources (ec2:DeleteNetworkInterface); name the resources (ARNs) the statement needs, or narrow it with a condition on aws:ResourceTag/<key> or on one of the ec2: condition keys.`,
        ],
      );
    });

    it("holds a statement that only tags to the tags it writes, unless tags give reach in the same document", async () => {
      const targets = at(`application-autoscaling:us-east-1:${ACCOUNT}:scalable-target/*`);
      const writesStackTags = { StringEquals: { "aws:RequestTag/Environment": "prod" } };
      // Tags given to RegisterScalableTarget are authorised before the target exists.
      assert.deepEqual(
        await violationsOf(
          on("application-autoscaling:TagResource", targets, { Condition: writesStackTags }),
        ),
        [],
      );
      const untag = `${where}: Resource "${targets}" (every ScalableTarget of account ${ACCOUNT} in us-east-1) applies to 1 action that can be limited to named resources (application-autoscaling:UntagResource); name the resources (ARNs) the statement needs, or narrow it with a condition on aws:ResourceTag/<key> or on one of the application-autoscaling: condition keys.`;
      assert.deepEqual(
        await violationsOf(
          on("application-autoscaling:UntagResource", targets, { Condition: writesStackTags }),
        ),
        [untag],
      );
      assert.deepEqual(
        await violationsOf(
          on(["application-autoscaling:TagResource", "application-autoscaling:UntagResource"], targets, {
            Condition: writesStackTags,
          }),
        ),
        [
          untag
            .replace("1 action", "2 actions")
            .replace(
              "(application-autoscaling:UntagResource)",
              "(application-autoscaling:TagResource, application-autoscaling:UntagResource)",
            ),
        ],
      );
      // A key managed by its tags: writing them on any key would bring it within reach.
      const key = at(`kms:us-east-1:${ACCOUNT}:key/*`);
      const manage = {
        Sid: "Manage",
        Effect: "Allow",
        Action: "kms:DisableKey",
        Resource: key,
        Condition: tagged,
      };
      assert.deepEqual(await violationsOf(on("kms:TagResource", key, { Condition: writesStackTags })), []);
      assert.deepEqual(
        await violationsOf(manage, on("kms:TagResource", key, { Condition: writesStackTags })),
        [
          `${where}: Resource "${key}" (every key of account ${ACCOUNT} in us-east-1) applies to 1 action that can be limited to named resources (kms:TagResource); name the resources (ARNs) the statement needs, or narrow it with a condition on aws:ResourceTag/<key> or on one of the kms: condition keys.`,
        ],
      );
    });

    it("reports each pattern once with the actions it widens, and NotAction on a wide pattern", async () => {
      const key = at(`kms:us-east-1:${ACCOUNT}:key/*`);
      assert.deepEqual(await violationsOf(on(["s3:GetObject", "kms:Decrypt", "*"], [at("s3:::*"), key])), [
        `${where}: Resource "arn:aws:s3:::*" (every object and bucket of every account) applies to 2 actions that can be limited to named resources (s3:GetObject, *); name the resources (ARNs) the statement needs.`,
        `${where}: Resource "${key}" (every key of account ${ACCOUNT} in us-east-1) applies to 2 actions that can be limited to named resources (kms:Decrypt, *); name the resources (ARNs) the statement needs, or narrow it with a condition on aws:ResourceTag/<key> or on one of the kms: condition keys.`,
      ]);
      assert.deepEqual(
        await violationsOf({
          Sid: "Pattern",
          Effect: "Allow",
          NotAction: "iam:*",
          Resource: [at("s3:::*"), at("s3:::mlops-prod-*")],
        }),
        [
          `${where}: Resource "arn:aws:s3:::*" (every bucket and object of every account) with NotAction ["iam:*"] applies almost every action to those resources; list the actions and name the resources (ARNs) they need.`,
        ],
      );
    });
  });

  describe("permissions boundaries", () => {
    const policy = (name: string, document: unknown) => ({
      type: "aws:iam/policy:Policy",
      name,
      props: { policy: JSON.stringify(document) },
    });

    it("does not check a boundary's Allow statements: a boundary grants nothing", async () => {
      assert.deepEqual((await run(forbidIamWildcardResources, policy("boundary", BOUNDARY))).violations, []);
    });

    it("checks the same document as an inline or role policy, and a managed policy that is not a boundary", async () => {
      const [, requireBoundary, , protect] = BOUNDARY.Statement;
      const notBoundary = documentOf(BOUNDARY.Statement[0], requireBoundary, protect);
      const outcome = await runAll(forbidIamWildcardResources, [
        rolePolicy("inline", BOUNDARY),
        policy("not-boundary", notBoundary),
      ]);
      assert.equal(outcome.violations.length, 2);
      assert.match(
        outcome.violations[0],
        /^Role policy "inline", statement "PlatformServices": Resource "\*" applies to \d+ actions/,
      );
      assert.match(
        outcome.violations[1],
        /^Policy "not-boundary", statement "PlatformServices": Resource "\*" applies to \d+ actions/,
      );
    });

    it("during preview, a managed policy whose document is unknown gets the engine's advisory", async () => {
      const outcome = await checkResource(forbidIamWildcardResources, "aws:iam/policy:Policy", {
        policy: UNKNOWN.string,
      });
      assert.deepEqual(outcome.unknown, [
        "can't run during preview: string value at .policy can't be known during preview",
      ]);
    });
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
      // One finding per statement: in a key policy every statement's Resource is "*".
      assert.equal(violations.length, KEY_POLICY.Statement.length);
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
