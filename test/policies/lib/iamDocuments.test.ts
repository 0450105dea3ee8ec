import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import assert from "node:assert/strict";
import {
  conditionsOf,
  conditionsOn,
  isEveryone,
  isOnlyWildcardValue,
  isPositive,
  locate,
  parsePolicyDocument,
  permissionDocumentsOf,
  permissionStatementsOf,
  PERMISSION_DOCUMENT_TYPES,
  principalOf,
  RESOURCE_DOCUMENT_TYPES,
  stringList,
  trustPolicyOf,
} from "../../../policies/lib/iamDocuments";
import { UNKNOWN } from "../../helpers/policyArgs";

const proxied = (props: Record<string, unknown>) => unknownCheckingProxy(props) as Record<string, unknown>;

describe("iamDocuments", () => {
  describe("parsePolicyDocument", () => {
    it("normalises every element to lists and maps", () => {
      const { statements, problems } = parsePolicyDocument(
        JSON.stringify({
          Version: "2012-10-17",
          Statement: {
            Sid: "One",
            Effect: "Allow",
            Principal: { Service: "sagemaker.amazonaws.com", AWS: ["arn:aws:iam::1:root"] },
            Action: "s3:GetObject",
            Resource: ["arn:aws:s3:::a/*", 3],
            Condition: { Bool: { "aws:SecureTransport": true }, StringLike: { "s3:prefix": ["a", "b"] } },
          },
        }),
      );
      assert.deepEqual(problems, []);
      assert.equal(statements.length, 1);
      const [statement] = statements;
      assert.equal(statement.label, 'statement "One"');
      assert.equal(statement.allows, true);
      assert.deepEqual(statement.action, { values: ["s3:GetObject"], invalid: [] });
      assert.deepEqual(statement.resource, { values: ["arn:aws:s3:::a/*"], invalid: [3] });
      assert.equal(statement.notAction, undefined);
      assert.deepEqual(
        statement.principal,
        new Map([
          ["Service", ["sagemaker.amazonaws.com"]],
          ["AWS", ["arn:aws:iam::1:root"]],
        ]),
      );
      assert.deepEqual(statement.conditions, [
        { operator: "Bool", key: "aws:SecureTransport", values: ["true"] },
        { operator: "StringLike", key: "s3:prefix", values: ["a", "b"] },
      ]);
    });

    it("names statements by Sid, or by position", () => {
      const { statements } = parsePolicyDocument({
        Statement: [{ Effect: "Deny" }, { Sid: "", Effect: "Allow" }, { Sid: 5 }],
      });
      assert.deepEqual(
        statements.map((s) => [s.label, s.allows]),
        [
          ["statement 1", false],
          ["statement 2", true],
          ["statement 3", true],
        ],
      );
    });

    it("describes what it cannot read instead of throwing", () => {
      const problemsOf = (raw: unknown) => parsePolicyDocument(raw).problems;
      assert.match(problemsOf("{")[0], /^is not valid JSON \(/);
      assert.deepEqual(problemsOf("null"), ["is JSON but null, not an object"]);
      assert.deepEqual(problemsOf(7), ["is a number, not a policy document"]);
      assert.deepEqual(problemsOf([]), ["is a list, not a policy document"]);
      assert.deepEqual(problemsOf({ Version: "2012-10-17" }), ["has no Statement"]);
      assert.deepEqual(problemsOf({ Statement: [true, {}] }), [
        "has a statement that is a boolean, not an object (statement 1)",
      ]);
    });
  });

  it("stringList keeps strings and sets the rest aside", () => {
    assert.equal(stringList(undefined), undefined);
    assert.equal(stringList(null), undefined);
    assert.deepEqual(stringList("a"), { values: ["a"], invalid: [] });
    assert.deepEqual(stringList(["a", 1, {}]), { values: ["a"], invalid: [1, {}] });
    assert.deepEqual(stringList(4), { values: [], invalid: [4] });
  });

  it("principalOf and isEveryone", () => {
    assert.equal(principalOf("*"), "*");
    assert.equal(principalOf("arn:aws:iam::1:root"), undefined);
    assert.equal(isEveryone(principalOf("*")), true);
    assert.equal(isEveryone(principalOf({ AWS: "*" })), true);
    assert.equal(isEveryone(principalOf({ aws: ["x", "*"] })), true);
    assert.equal(isEveryone(principalOf({ Service: "*" })), false);
    assert.equal(isEveryone(principalOf({ AWS: "arn:aws:iam::1:root" })), false);
    assert.equal(isEveryone(undefined), false);
  });

  it("conditionsOf and conditionsOn compare keys and operators case-insensitively", () => {
    const conditions = conditionsOf({
      stringequals: { "IAM:PassedToService": "a" },
      Bool: "x",
      Null: { k: null },
    });
    assert.deepEqual(conditions, [
      { operator: "stringequals", key: "IAM:PassedToService", values: ["a"] },
      { operator: "Null", key: "k", values: [] },
    ]);
    const { statements } = parsePolicyDocument({
      Statement: { Condition: { stringequals: { "IAM:PassedToService": "a" } } },
    });
    assert.equal(conditionsOn(statements[0], "iam:PassedToService", ["StringEquals"]).length, 1);
    assert.equal(conditionsOn(statements[0], "iam:PassedToService", ["StringLike"]).length, 0);
  });

  it("isPositive: a positive string or ARN operator and some value that is not only wildcards", () => {
    const condition = (operator: string, values: string[]) => ({
      operator,
      key: "aws:SourceAccount",
      values,
    });
    for (const operator of ["StringEquals", "stringlike", "ArnEquals", "ArnLike", "ForAnyValue:StringEquals"])
      assert.equal(isPositive(condition(operator, ["111111111111"])), true, operator);
    for (const operator of ["StringNotEquals", "StringEqualsIfExists", "ForAllValues:StringEquals", "Bool"])
      assert.equal(isPositive(condition(operator, ["111111111111"])), false, operator);
    assert.equal(isPositive(condition("StringLike", ["*"])), false);
    assert.equal(isPositive(condition("StringLike", ["111111111111", "?*"])), false);
    assert.equal(isPositive(condition("StringEquals", [])), false);
    assert.equal(isOnlyWildcardValue(""), true);
    assert.equal(isOnlyWildcardValue("1*"), false);
  });

  describe("documents of resources", () => {
    it("knows the types holding permission documents", () => {
      for (const type of [
        "aws:iam/role:Role",
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:kms/key:Key",
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy",
      ]) {
        assert.ok(PERMISSION_DOCUMENT_TYPES.includes(type), type);
      }
    });

    it("tells resource documents from identity ones", () => {
      assert.deepEqual(
        PERMISSION_DOCUMENT_TYPES.filter((type) => RESOURCE_DOCUMENT_TYPES.includes(type)).sort(),
        [
          "aws:cloudwatch/eventBusPolicy:EventBusPolicy",
          "aws:kms/key:Key",
          "aws:kms/keyPolicy:KeyPolicy",
          "aws:kms/replicaKey:ReplicaKey",
          "aws:s3/bucketPolicy:BucketPolicy",
          "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy",
          "aws:sns/topic:Topic",
          "aws:sns/topicPolicy:TopicPolicy",
          "aws:sqs/queuePolicy:QueuePolicy",
        ],
      );
    });

    it("reads a model package group's policy from resourcePolicy, where the provider keeps it", () => {
      const type = "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy";
      const documents = [
        ...permissionDocumentsOf(type, "g", {
          modelPackageGroupName: "g",
          resourcePolicy: "{}",
          policy: "[]",
        }),
      ];
      assert.deepEqual(
        documents.map((d) => [d.label, d.kind, d.raw]),
        [['Model package group policy "g"', "resource", "{}"]],
      );
      assert.deepEqual([...permissionDocumentsOf(type, "g", { modelPackageGroupName: "g" })], []);
    });

    it("reads an event bus's policy, which says who may put events on the bus", () => {
      const type = "aws:cloudwatch/eventBusPolicy:EventBusPolicy";
      const documents = [
        ...permissionDocumentsOf(type, "b", {
          eventBusName: "mlops-prod-diagnosis-drift-events",
          policy: "{}",
        }),
      ];
      assert.deepEqual(
        documents.map((d) => [d.label, d.kind, d.raw]),
        [['Event bus policy "b"', "resource", "{}"]],
      );
    });

    it("reads a role's inline policies, not its trust policy", () => {
      const props = {
        assumeRolePolicy: "{}",
        inlinePolicies: [
          { name: "a", policy: "{}" },
          { policy: "[]" },
          { name: "empty", policy: "" },
          "x",
          {},
        ],
      };
      const documents = [...permissionDocumentsOf("aws:iam/role:Role", "r", props)];
      assert.deepEqual(
        documents.map((d) => [d.label, d.kind, d.raw]),
        [
          ['Role "r", inline policy "a"', "identity", "{}"],
          ['Role "r", inline policy 2', "identity", "[]"],
        ],
      );
      assert.deepEqual(trustPolicyOf("aws:iam/role:Role", "r", props), {
        label: 'Role "r" trust policy',
        kind: "resource",
        resourceType: "aws:iam/role:Role",
        raw: "{}",
      });
      assert.equal(trustPolicyOf("aws:iam/role:Role", "r", {}), undefined);
      assert.equal(trustPolicyOf("aws:iam/policy:Policy", "r", props), undefined);
    });

    it("reads the policy of other types, and nothing of unrelated ones", () => {
      const one = (type: string) => [...permissionDocumentsOf(type, "n", { policy: "{}" })];
      assert.deepEqual(
        one("aws:kms/key:Key").map((d) => [d.label, d.kind]),
        [['Key policy of "n"', "resource"]],
      );
      assert.deepEqual(one("aws:s3/bucket:Bucket"), []);
      assert.deepEqual([...permissionDocumentsOf("aws:iam/policy:Policy", "n", {})], []);
    });

    it("names an inline policy by position when its name is not known yet", () => {
      const props = proxied({ inlinePolicies: [{ name: UNKNOWN.string, policy: "{}" }] });
      const documents = [...permissionDocumentsOf("aws:iam/role:Role", "r", props)];
      assert.deepEqual(
        documents.map((d) => d.label),
        ['Role "r", inline policy 1'],
      );
    });

    it("reads documents one at a time, so known ones are checked before an unknown one throws", () => {
      const props = proxied({
        inlinePolicies: [
          {
            name: "known",
            policy: JSON.stringify({ Statement: { Sid: "S", Effect: "Allow", Action: "s3:*" } }),
          },
          { name: "later", policy: UNKNOWN.string },
        ],
      });
      const seen: string[] = [];
      assert.throws(() => {
        for (const found of permissionStatementsOf("aws:iam/role:Role", "r", props)) seen.push(locate(found));
      }, UnknownValueError);
      assert.deepEqual(seen, ['Role "r", inline policy "known", statement "S"']);
    });
  });
});
