import type { ResourceValidationPolicy } from "@pulumi/policy";
import fc from "fast-check";
import assert from "node:assert/strict";
import { forbidIamAdminPolicies } from "../../../policies/rules/forbid-iam-admin-policies";
import { forbidIamUnknownActions } from "../../../policies/rules/forbid-iam-unknown-actions";
import { forbidIamWildcardActions } from "../../../policies/rules/forbid-iam-wildcard-actions";
import { forbidIamWildcardResources } from "../../../policies/rules/forbid-iam-wildcard-resources";
import { requireIamServiceSourceConditions } from "../../../policies/rules/require-iam-service-source-conditions";
import { restrictIamPassRole } from "../../../policies/rules/restrict-iam-pass-role";
import { restrictIamResourcePrincipals } from "../../../policies/rules/restrict-iam-resource-principals";
import { restrictIamTrustPrincipals } from "../../../policies/rules/restrict-iam-trust-principals";
import { checkResource } from "../../helpers/policyArgs";
import { GITHUB_PROVIDER } from "./iamFixtures";

const RULES: readonly ResourceValidationPolicy[] = [
  forbidIamWildcardActions,
  forbidIamWildcardResources,
  forbidIamUnknownActions,
  restrictIamPassRole,
  forbidIamAdminPolicies,
  restrictIamTrustPrincipals,
  restrictIamResourcePrincipals,
  requireIamServiceSourceConditions,
];

/** Values that are in the wrong place in a policy document. */
const junk = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.boolean(),
  fc.string({ maxLength: 8 }),
  fc.constant({}),
  fc.constant([]),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Mostly plausible strings, some of them the ones the rules look for. */
const actionText = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "*",
      "s3:*",
      "s3:GetObject",
      "s3:Put*",
      "iam:PassRole",
      "iam:Pass*",
      "sagemaker:CreateEndpiont",
      "sagmaker:CreateEndpoint",
      "*:Get*",
      "ec2:Describe*",
      "kms:constructor",
      "__proto__:x",
      "s3",
      ":",
      "",
    ),
  },
  fc.string({ maxLength: 12 }),
  fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })).map(([a, b]) => `${a}:${b}`),
);
/** Mostly well-formed: junk is one choice in seven, so that the rules get to their checks. */
const mostly = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: value, weight: 6 }, { arbitrary: junk, weight: 1 });
const oneOrMany = <T>(value: fc.Arbitrary<T>) =>
  mostly(fc.oneof(value, fc.array(mostly(value), { minLength: 1, maxLength: 4 })));

const principal = fc.oneof(
  fc.constant("*"),
  fc.record(
    {
      AWS: oneOrMany(fc.constantFrom("*", "arn:aws:iam::123456789012:root")),
      Service: oneOrMany(fc.constantFrom("sagemaker.amazonaws.com", "*")),
      Federated: oneOrMany(fc.constantFrom(GITHUB_PROVIDER, "cognito-identity.amazonaws.com")),
    },
    { requiredKeys: [] },
  ),
  junk,
);

const conditionKey = fc.constantFrom(
  "token.actions.githubusercontent.com:sub",
  "token.actions.githubusercontent.com:aud",
  "iam:PassedToService",
  "aws:SecureTransport",
  "aws:PrincipalOrgID",
);
const condition = fc.oneof(
  fc.dictionary(
    fc.constantFrom("StringEquals", "StringLike", "StringNotEquals", "Bool", "ForAnyValue:StringLike"),
    fc.oneof(
      fc.dictionary(
        conditionKey,
        oneOrMany(fc.constantFrom("repo:acme/mlops:ref:refs/heads/main", "repo:*", "sts.amazonaws.com", "*")),
      ),
      junk,
    ),
    { maxKeys: 3 },
  ),
  junk,
);

const statement = mostly(
  fc.record(
    {
      Sid: fc.oneof(fc.string({ maxLength: 6 }), junk),
      Effect: mostly(fc.constantFrom("Allow", "Allow", "Deny")),
      Principal: principal,
      NotPrincipal: principal,
      Action: oneOrMany(actionText),
      NotAction: oneOrMany(actionText),
      Resource: oneOrMany(
        fc.constantFrom(
          "*",
          "arn:aws:iam::123456789012:role/x",
          "arn:aws:s3:::b/*",
          "arn:aws:s3:::*",
          "arn:*",
          "arn:aws:kms:us-east-1:123456789012:key/*",
          "arn:aws:sagemaker:*:*:*",
          "arn:aws:iam::123456789012:",
        ),
      ),
      NotResource: oneOrMany(fc.constant("arn:aws:s3:::b")),
      Condition: condition,
    },
    { requiredKeys: ["Effect"] },
  ),
);

const documentObject = fc.oneof(
  fc.record({
    Version: fc.constant("2012-10-17"),
    Statement: fc.oneof(statement, fc.array(statement, { maxLength: 4 })),
  }),
  fc.record({ Statement: junk }, { requiredKeys: [] }),
  junk,
);

/** A document as a resource may hold it: a JSON string, a broken string, an object, anything. */
const document = fc.oneof(
  { arbitrary: documentObject.map((value) => JSON.stringify(value) ?? "undefined"), weight: 4 },
  { arbitrary: documentObject, weight: 2 },
  fc.string({ maxLength: 20 }),
  fc.constantFrom("{", "[1]", "null", '{"Statement": 1}'),
  junk,
);

const managedArn = fc.oneof(
  fc.constantFrom(
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/service-role/AmazonSageMakerFullAccess",
    "arn:aws-cn:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::aws:policy/",
  ),
  junk,
);

/** A resource of a type the IAM rules read, with arbitrary (often malformed) props. */
const resource = fc.oneof(
  fc.record({
    type: fc.constant("aws:iam/role:Role"),
    props: fc.record(
      {
        assumeRolePolicy: document,
        inlinePolicies: fc.oneof(
          fc.array(
            fc.record(
              { name: fc.oneof(fc.string({ maxLength: 6 }), junk), policy: document },
              { requiredKeys: [] },
            ),
            {
              maxLength: 3,
            },
          ),
          junk,
        ),
        managedPolicyArns: fc.oneof(fc.array(managedArn, { maxLength: 3 }), junk),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    type: fc.constantFrom(
      "aws:iam/policy:Policy",
      "aws:iam/rolePolicy:RolePolicy",
      "aws:s3/bucketPolicy:BucketPolicy",
      "aws:kms/key:Key",
      "aws:sns/topicPolicy:TopicPolicy",
      "aws:sns/topic:Topic",
      "aws:sqs/queuePolicy:QueuePolicy",
    ),
    props: fc.record({ policy: document }, { requiredKeys: [] }),
  }),
  fc.record({
    type: fc.constant("aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy"),
    props: fc.record({ resourcePolicy: document }, { requiredKeys: [] }),
  }),
  fc.record({
    type: fc.constantFrom(
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      "aws:iam/policyAttachment:PolicyAttachment",
      "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
    ),
    props: fc.record(
      { policyArn: managedArn, policyArns: fc.oneof(fc.array(managedArn), junk) },
      { requiredKeys: [] },
    ),
  }),
);

describe("IAM rules on arbitrary policy documents (property-based)", () => {
  for (const rule of RULES) {
    it(`${rule.name} never throws, and names the resource in every finding`, async () => {
      let findings = 0;
      await fc.assert(
        fc.asyncProperty(resource, async ({ type, props }) => {
          const outcome = await checkResource(rule, type, props as Record<string, unknown>, {
            name: "subject",
          });
          assert.deepEqual(outcome.unknown, []);
          for (const message of outcome.violations) assert.match(message, /"subject"/);
          findings += outcome.violations.length;
        }),
        { numRuns: 200, seed: 20260601 },
      );
      // The documents are not all unreadable: the rule found something in some of them.
      assert.ok(findings > 0, "no findings at all");
    });
  }
});
