import assert from "node:assert/strict";
import { clearWaivedFindings, setPolicyClock, waivedFindings } from "../../../policies/lib/rule";
import { forbidIamWildcardActions } from "../../../policies/rules/forbid-iam-wildcard-actions";
import { checkResource, UNKNOWN } from "../../helpers/policyArgs";
import {
  BOUNDARY,
  documentOf,
  KEY_POLICY,
  PIPELINE_POLICY,
  PROGRAM_RESOURCES,
  REGISTRY_POLICY,
  registryPolicy,
  role,
  rolePolicy,
  run,
  runAll,
  waiver,
} from "./iamFixtures";

const NAME = "mlops-prod-x-role-policy";
const allow = (Action: unknown, extra: object = {}) => ({
  Sid: "Grant",
  Effect: "Allow",
  Action,
  Resource: "*",
  ...extra,
});
const withStatements = (...statements: object[]) =>
  rolePolicy(NAME, { ...PIPELINE_POLICY, Statement: [...PIPELINE_POLICY.Statement, ...statements] });

describe("forbid-iam-wildcard-actions", () => {
  afterEach(() => {
    setPolicyClock(() => new Date());
    clearWaivedFindings();
  });

  it("passes every policy document the program creates", async () => {
    const outcome = await runAll(forbidIamWildcardActions, PROGRAM_RESOURCES);
    assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
  });

  it("refuses a service-wide wildcard, saying where and how to fix it", async () => {
    const { violations } = await run(
      forbidIamWildcardActions,
      withStatements({ ...allow("s3:*"), Sid: "ReadAll" }),
    );
    assert.deepEqual(violations, [
      `Role policy "${NAME}", statement "ReadAll": action "s3:*" allows every s3 action; list the s3 actions that are needed.`,
    ]);
  });

  it('refuses "*" and a wildcard service prefix', async () => {
    const { violations } = await run(forbidIamWildcardActions, withStatements(allow(["*", "*:Get*"])));
    assert.equal(violations.length, 2);
    assert.match(violations[0], /action "\*" allows every action of every service/);
    assert.match(violations[1], /action "\*:Get\*" has a wildcard in the service prefix/);
  });

  it("refuses a pattern that matches write actions, naming a few and how many", async () => {
    const { violations } = await run(forbidIamWildcardActions, withStatements(allow("sagemaker:*Endpoint*")));
    assert.equal(violations.length, 1);
    assert.match(
      violations[0],
      /statement "Grant": action "sagemaker:\*Endpoint\*" matches \d+ Write or Permissions management actions \(sagemaker:CreateEndpoint, sagemaker:CreateEndpointConfig, sagemaker:DeleteEndpoint, and \d+ more\)/,
    );
  });

  it("names permissions-management actions first", async () => {
    const { violations } = await run(forbidIamWildcardActions, withStatements(allow("s3:PutBucket*")));
    // PutBucketAcl, PutBucketOwnershipControls and PutBucketPolicy before PutBucketCors or PutBucketVersioning.
    assert.match(
      violations[0],
      /\(s3:PutBucketAcl, s3:PutBucketOwnershipControls, s3:PutBucketPolicy, and \d+ more\)/,
    );
  });

  it("accepts patterns that match only read and list actions", async () => {
    const { violations } = await run(
      forbidIamWildcardActions,
      withStatements(allow(["ec2:Describe*", "s3:GetObject*", "logs:Describe*"])),
    );
    assert.deepEqual(violations, []);
  });

  it("refuses an Allow with NotAction", async () => {
    const { violations } = await run(
      forbidIamWildcardActions,
      withStatements({ Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" }),
    );
    assert.deepEqual(violations, [
      `Role policy "${NAME}", statement ${PIPELINE_POLICY.Statement.length + 1}: Allow with NotAction ["iam:*","organizations:*"] allows every action of every service except those listed; use Action with the actions that are needed.`,
    ]);
  });

  it("lets Deny statements use any wildcard", async () => {
    const { violations } = await run(
      forbidIamWildcardActions,
      withStatements(
        { Effect: "Deny", Action: "*", Resource: "*" },
        { Effect: "Deny", NotAction: "s3:*", Resource: "*" },
      ),
    );
    assert.deepEqual(violations, []);
  });

  it("reads every kind of document: inline policies, key, bucket, topic, queue and registry policies, objects as well as strings", async () => {
    const bad = documentOf(allow("kms:*"));
    const cases = [
      role("r", { inlinePolicies: [{ name: "inline", policy: JSON.stringify(bad) }] }),
      { type: "aws:iam/policy:Policy", name: "p", props: { policy: bad } },
      {
        type: "aws:kms/key:Key",
        name: "k",
        props: { policy: JSON.stringify({ ...KEY_POLICY, Statement: allow("kms:*") }) },
      },
      { type: "aws:s3/bucketPolicy:BucketPolicy", name: "b", props: { policy: JSON.stringify(bad) } },
      { type: "aws:sns/topicPolicy:TopicPolicy", name: "t", props: { policy: JSON.stringify(bad) } },
      { type: "aws:iam/userPolicy:UserPolicy", name: "u", props: { policy: JSON.stringify(bad) } },
      { type: "aws:sqs/queuePolicy:QueuePolicy", name: "q", props: { policy: JSON.stringify(bad) } },
      registryPolicy("g", bad),
    ];
    const { violations } = await runAll(forbidIamWildcardActions, cases);
    assert.deepEqual(
      violations.map((v) => v.slice(0, v.indexOf(":"))),
      [
        'Role "r", inline policy "inline", statement "Grant"',
        'Policy "p", statement "Grant"',
        'Key policy of "k", statement "Grant"',
        'Bucket policy "b", statement "Grant"',
        'Topic policy "t", statement "Grant"',
        'User policy "u", statement "Grant"',
        'Queue policy "q", statement "Grant"',
        'Model package group policy "g", statement "Grant"',
      ],
    );
  });

  it('refuses a registry shared for "sagemaker:*", and reads its resourcePolicy only', async () => {
    const [group, versions] = REGISTRY_POLICY.Statement;
    const name = "mlops-prod-diagnosis-registry-policy";
    assert.deepEqual(
      (await run(forbidIamWildcardActions, registryPolicy(name, REGISTRY_POLICY))).violations,
      [],
    );
    const widened = registryPolicy(name, {
      ...REGISTRY_POLICY,
      Statement: [group, { ...versions, Action: "sagemaker:*" }],
    });
    assert.deepEqual((await run(forbidIamWildcardActions, widened)).violations, [
      `Model package group policy "${name}", statement "ConsumerAccountsReadVersions": action "sagemaker:*" allows every sagemaker action; list the sagemaker actions that are needed.`,
    ]);
    const elsewhere = {
      ...widened,
      props: { modelPackageGroupName: "g", policy: widened.props.resourcePolicy },
    };
    assert.deepEqual((await run(forbidIamWildcardActions, elsewhere)).violations, []);
  });

  it("leaves a role's trust policy and other resource types alone", async () => {
    const outcome = await runAll(forbidIamWildcardActions, [
      role("r", { assumeRolePolicy: JSON.stringify(documentOf(allow("sts:*"))) }),
      {
        type: "aws:s3/bucket:Bucket",
        name: "b",
        props: { policy: JSON.stringify(documentOf(allow("s3:*"))) },
      },
    ]);
    assert.deepEqual(outcome.violations, []);
  });

  it("skips documents it cannot read (forbid-iam-unknown-actions reports them)", async () => {
    const outcome = await runAll(forbidIamWildcardActions, [
      rolePolicy("a", "not json"),
      { type: "aws:iam/rolePolicy:RolePolicy", name: "b", props: { policy: "{not json" } },
      { type: "aws:iam/rolePolicy:RolePolicy", name: "c", props: { policy: 42 } },
    ]);
    assert.deepEqual(outcome.violations, []);
  });

  describe("permissions boundaries", () => {
    const policy = (name: string, document: unknown) => ({
      type: "aws:iam/policy:Policy",
      name,
      props: { policy: JSON.stringify(document) },
    });

    it("does not check a boundary's Allow statements: a boundary grants nothing", async () => {
      assert.deepEqual((await run(forbidIamWildcardActions, policy("boundary", BOUNDARY))).violations, []);
    });

    it("checks the same statements in a role policy, and in a managed policy lacking the boundary's Denies", async () => {
      const [services, requireBoundary] = BOUNDARY.Statement;
      const outcome = await runAll(forbidIamWildcardActions, [
        rolePolicy("inline", BOUNDARY),
        policy("not-boundary", documentOf(services, requireBoundary)),
      ]);
      const refused = (where: string) =>
        ["sagemaker", "s3", "kms"].map(
          (service) =>
            `${where}, statement "PlatformServices": action "${service}:*" allows every ${service} action; list the ${service} actions that are needed.`,
        );
      assert.deepEqual(outcome.violations, [
        ...refused('Role policy "inline"'),
        ...refused('Policy "not-boundary"'),
      ]);
    });
  });

  describe("config", () => {
    it("accepts the patterns listed in allowedWildcardActions", async () => {
      const subject = withStatements(allow(["logs:Put*", "s3:Put*"]));
      const { violations } = await run(forbidIamWildcardActions, subject, {
        config: { allowedWildcardActions: ["logs:Put*"] },
      });
      assert.equal(violations.length, 1);
      assert.match(violations[0], /"s3:Put\*"/);
    });

    it("refuses read patterns when refusedAccessLevels says so", async () => {
      const subject = withStatements(allow("s3:GetObject*"));
      const { violations } = await run(forbidIamWildcardActions, subject, {
        config: { refusedAccessLevels: ["Read"] },
      });
      assert.equal(violations.length, 1);
      assert.match(violations[0], /matches \d+ Read actions \(s3:GetObject, /);
    });
  });

  describe("waivers", () => {
    const subject = withStatements(allow("s3:*"));
    const config = (expires: string) => ({ waivers: [waiver("mlops-prod-x-*", expires)] });
    beforeEach(() => setPolicyClock(() => new Date("2026-06-01T12:00:00Z")));

    it("a waiver in force hides the finding and records it", async () => {
      const { violations } = await run(forbidIamWildcardActions, subject, { config: config("2026-06-01") });
      assert.deepEqual(violations, []);
      assert.deepEqual(
        waivedFindings().map((f) => f.policy),
        ["forbid-iam-wildcard-actions"],
      );
    });

    it("an expired waiver adds its expiry to the finding", async () => {
      const { violations } = await run(forbidIamWildcardActions, subject, { config: config("2026-05-31") });
      assert.equal(violations.length, 1);
      assert.match(
        violations[0],
        / \(The waiver for "mlops-prod-x-\*" expired on 2026-05-31: migration to a scoped policy\.\)$/,
      );
    });
  });

  describe("unknown values during preview", () => {
    it("a policy not known yet gets the engine's advisory, not a finding", async () => {
      const outcome = await checkResource(forbidIamWildcardActions, "aws:iam/rolePolicy:RolePolicy", {
        role: "r",
        policy: UNKNOWN.string,
      });
      assert.deepEqual(outcome.violations, []);
      assert.deepEqual(outcome.unknown, [
        "can't run during preview: string value at .policy can't be known during preview",
      ]);
    });

    it("an unknown inline policy gets the advisory after the known ones are checked", async () => {
      const outcome = await checkResource(
        forbidIamWildcardActions,
        "aws:iam/role:Role",
        {
          inlinePolicies: [
            { name: "known", policy: JSON.stringify(documentOf(allow("s3:*"))) },
            { name: "later", policy: UNKNOWN.string },
          ],
        },
        { name: "r" },
      );
      assert.deepEqual(outcome.violations, [
        'Role "r", inline policy "known", statement "Grant": action "s3:*" allows every s3 action; list the s3 actions that are needed.',
      ]);
      assert.deepEqual(outcome.unknown, [
        "can't run during preview: string value at .inlinePolicies.1.policy can't be known during preview",
      ]);
    });

    it("an unknown value inside a document object gets the advisory", async () => {
      const outcome = await checkResource(forbidIamWildcardActions, "aws:iam/policy:Policy", {
        policy: documentOf({ Effect: "Allow", Action: UNKNOWN.array, Resource: "*" }),
      });
      assert.equal(outcome.unknown.length, 1);
      assert.match(outcome.unknown[0], /Array value at \.policy\.Statement\.0\.Action can't be known/);
    });
  });
});
