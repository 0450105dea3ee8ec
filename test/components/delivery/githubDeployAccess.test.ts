import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  assertSizedBoundary,
  GithubDeployAccess,
  GithubDeployAccessArgs,
  sizingBoundaryArn,
} from "../../../components/delivery/githubDeployAccess";
import { deployPolicy, DeployScope, previewPolicy } from "../../../components/delivery/deployPolicy";
import type { PolicyDocument } from "../../../components/shared/policyDocument";
import { forbidIamAdminPolicies } from "../../../policies/rules/forbid-iam-admin-policies";
import { forbidIamUnknownActions } from "../../../policies/rules/forbid-iam-unknown-actions";
import { forbidIamWildcardActions } from "../../../policies/rules/forbid-iam-wildcard-actions";
import { forbidIamWildcardResources } from "../../../policies/rules/forbid-iam-wildcard-resources";
import { restrictIamPassRole } from "../../../policies/rules/restrict-iam-pass-role";
import { restrictIamTrustPrincipals } from "../../../policies/rules/restrict-iam-trust-principals";
import { named, ofType, recordResources, RecordedResource, settle, valueOf } from "../../helpers/mocks";
import { checkResource } from "../../helpers/policyArgs";
import { TEST_ACCOUNT } from "../../helpers/account";

const NAME = "mlops-prod-github";
const ACCOUNT = "arn:aws:iam::123456789012";
const PROVIDER = `${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const KEY = "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666";
const BOUNDARY = `${ACCOUNT}:policy/mlops-prod-permissions-boundary`;
const TAGS = { Environment: "prod", Project: "mlops-platform" };
const PIPELINE_ROLE = `${ACCOUNT}:role/mlops-prod-diagnosis-role-1a2b3c4`;
const STACK_FOOTPRINT = {
  types: [
    "aws:s3/bucket:Bucket",
    "aws:sagemaker/pipeline:Pipeline",
    "aws:cloudwatch/eventTarget:EventTarget",
  ],
  passedRoles: [{ service: "sagemaker.amazonaws.com", roleArn: PIPELINE_ROLE }],
};

function args(overrides: Partial<GithubDeployAccessArgs> = {}): GithubDeployAccessArgs {
  return {
    repository: "example-org/mlops-platform",
    deployEnvironment: "production",
    namePrefix: "mlops-prod",
    account: TEST_ACCOUNT,
    footprint: STACK_FOOTPRINT,
    resourceTags: TAGS,
    kmsKeyArn: KEY,
    permissionsBoundaryArn: BOUNDARY,
    tags: TAGS,
    ...overrides,
  };
}

async function build(overrides: Partial<GithubDeployAccessArgs> = {}) {
  const recorded = recordResources("prod");
  const access = new GithubDeployAccess(NAME, args(overrides));
  await settle(recorded);
  return { recorded, access };
}

const trustOf = (recorded: RecordedResource[], name: string): PolicyDocument =>
  JSON.parse(named(recorded, name).inputs.assumeRolePolicy as string) as PolicyDocument;

const trust = (subject: string) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "GithubActionsOidc",
      Effect: "Allow",
      Principal: { Federated: PROVIDER },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": subject,
        },
      },
    },
  ],
});

describe("GithubDeployAccess", () => {
  let recorded: RecordedResource[];
  let access: GithubDeployAccess;
  before(async () => {
    ({ recorded, access } = await build());
  });

  it("creates the OIDC provider, the deploy role with its managed policies and the preview role, all children", () => {
    const component = named(recorded, NAME);
    assert.equal(component.type, "mlops:delivery:GithubDeployAccess");
    assert.deepEqual(
      recorded
        .filter((r) => r.custom)
        .map((r) => [r.type, r.name, r.parent === component.urn])
        .sort((a, b) => `${String(a[0])} ${String(a[1])}`.localeCompare(`${String(b[0])} ${String(b[1])}`)),
      [
        ["aws:iam/openIdConnectProvider:OpenIdConnectProvider", `${NAME}-oidc`, true],
        ["aws:iam/policy:Policy", `${NAME}-deploy-policy-1`, true],
        ["aws:iam/role:Role", `${NAME}-deploy-role`, true],
        ["aws:iam/role:Role", `${NAME}-preview-role`, true],
        ["aws:iam/rolePolicy:RolePolicy", `${NAME}-preview-policy`, true],
        ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", `${NAME}-deploy-policy-1`, true],
      ],
    );
    assert.deepEqual(named(recorded, `${NAME}-oidc`).inputs, {
      url: "https://token.actions.githubusercontent.com",
      clientIdLists: ["sts.amazonaws.com"],
      tags: TAGS,
    });
  });

  it("names the roles for workflows to find, and limits the deploy session to two hours, the preview's to one", async () => {
    const deploy = named(recorded, `${NAME}-deploy-role`).inputs;
    const preview = named(recorded, `${NAME}-preview-role`).inputs;
    assert.deepEqual(
      [deploy.name, deploy.maxSessionDuration, preview.name, preview.maxSessionDuration],
      ["mlops-prod-github-deploy", 7200, "mlops-prod-github-preview", 3600],
    );
    // Both carry the stack's boundary: its Deny statements hold the deploy role too.
    assert.deepEqual([deploy.permissionsBoundary, preview.permissionsBoundary], [BOUNDARY, BOUNDARY]);
    assert.equal(await valueOf(access.deployRoleArn), `${ACCOUNT}:role/mlops-prod-github-deploy`);
    assert.equal(await valueOf(access.previewRoleArn), `${ACCOUNT}:role/mlops-prod-github-preview`);
    assert.equal(await valueOf(access.oidcProviderArn), PROVIDER);
    assert.deepEqual(await valueOf(access.deployPolicyArns), [
      `${ACCOUNT}:policy/mlops-prod-github-deploy-1`,
    ]);
  });

  it("trusts the repository's environment for deploys and its pull requests for previews, nothing wider", () => {
    assert.deepEqual(
      trustOf(recorded, `${NAME}-deploy-role`),
      trust("repo:example-org/mlops-platform:environment:production"),
    );
    assert.deepEqual(
      trustOf(recorded, `${NAME}-preview-role`),
      trust("repo:example-org/mlops-platform:pull_request"),
    );
  });

  it("trusts a branch instead when given one, through an existing provider, without a preview role", async () => {
    const { recorded: other, access: shared } = await build({
      deployEnvironment: undefined,
      deployBranch: "main",
      oidcProviderArn: PROVIDER,
      previewRole: false,
    });
    assert.deepEqual(ofType(other, "aws:iam/openIdConnectProvider:OpenIdConnectProvider"), []);
    assert.deepEqual(
      ofType(other, "aws:iam/role:Role").map((r) => r.name),
      [`${NAME}-deploy-role`],
    );
    assert.deepEqual(
      trustOf(other, `${NAME}-deploy-role`),
      trust("repo:example-org/mlops-platform:ref:refs/heads/main"),
    );
    assert.equal(await valueOf(shared.previewRoleArn), undefined);
    // Without a provider of its own, the deploy role need not read one.
    const policy = JSON.parse(
      named(other, `${NAME}-deploy-policy-1`).inputs.policy as string,
    ) as PolicyDocument;
    assert.ok(!policy.Statement.some((s) => s.Sid === "GithubOidcProvider"));
  });

  it("attaches the deploy policy of the stack's types and roles, and gives the preview role their reads", () => {
    const scope: DeployScope = {
      partition: "aws",
      region: "us-east-1",
      accountId: "123456789012",
      namePrefix: "mlops-prod",
      resourceTags: TAGS,
      kmsKeyArn: KEY,
      permissionsBoundaryArn: BOUNDARY,
    };
    const types = [
      ...STACK_FOOTPRINT.types,
      "aws:iam/role:Role",
      "aws:iam/policy:Policy",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      "aws:iam/rolePolicy:RolePolicy",
      "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    ].sort();
    // The event target names no role: it publishes to a topic.
    const expected = deployPolicy(scope, types, { "sagemaker.amazonaws.com": [PIPELINE_ROLE] }, [
      `${ACCOUNT}:role/mlops-prod-github-deploy`,
      `${ACCOUNT}:role/mlops-prod-github-preview`,
      `${ACCOUNT}:policy/mlops-prod-github-deploy-1`,
      PROVIDER,
      BOUNDARY,
    ]);
    assert.deepEqual(
      JSON.parse(named(recorded, `${NAME}-deploy-policy-1`).inputs.policy as string),
      expected,
    );
    assert.deepEqual(
      named(recorded, `${NAME}-deploy-policy-1`, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs,
      {
        role: "mlops-prod-github-deploy",
        policyArn: `${ACCOUNT}:policy/mlops-prod-github-deploy-1`,
      },
    );
    assert.deepEqual(
      JSON.parse(named(recorded, `${NAME}-preview-policy`).inputs.policy as string),
      previewPolicy(scope, types),
    );
  });

  it("takes the stack's own boundary as an output, sized as a policy at path / of the longest name, and refuses a longer one", async () => {
    const { recorded: own } = await build({ permissionsBoundaryArn: pulumi.output(BOUNDARY) });
    assert.deepEqual(
      ofType(own, "aws:iam/role:Role").map((role) => role.inputs.permissionsBoundary),
      [BOUNDARY, BOUNDARY],
    );
    assert.equal(
      named(own, `${NAME}-deploy-policy-1`).inputs.policy,
      named(recorded, `${NAME}-deploy-policy-1`).inputs.policy,
    );
    const sized = sizingBoundaryArn(pulumi.output(BOUNDARY));
    assert.equal(sized, `arn:aws-iso-b:iam::123456789012:policy/${"p".repeat(128)}`);
    // One known from config is sized as it is, path and all, in the longest partition.
    assert.equal(
      sizingBoundaryArn("arn:aws:iam::111111111111:policy/boundaries/ml/mlops"),
      "arn:aws-iso-b:iam::123456789012:policy/boundaries/ml/mlops",
    );
    assert.doesNotThrow(() => assertSizedBoundary(NAME, BOUNDARY, sized));
    const long = `${ACCOUNT}:policy/boundaries/${"p".repeat(128)}`;
    assert.throws(() => assertSizedBoundary(NAME, long, sized), {
      message:
        `GithubDeployAccess ${NAME}: permissionsBoundaryArn "${long}" is longer than the deploy policy was sized ` +
        "for (a policy at path /); give a policy with a path as a string, known before deploying.",
    });
  });

  it("splits the deploy policy of a stack of many roles over managed policies that each fit IAM's limit", async () => {
    const roles = Array.from({ length: 90 }, (_, i) => `${ACCOUNT}:role/mlops-prod-model-${i}-role-1a2b3c4`);
    const { recorded: many } = await build({
      footprint: {
        types: ["aws:sagemaker/pipeline:Pipeline"],
        passedRoles: [
          ...roles.map((roleArn) => ({ service: "sagemaker.amazonaws.com", roleArn })),
          // The same role named twice for a service is passed once.
          ...roles.map(() => ({ service: "sagemaker.amazonaws.com", roleArn: roles[0] })),
        ],
      },
    });
    const policies = ofType(many, "aws:iam/policy:Policy").map(
      (policy) => JSON.parse(policy.inputs.policy as string) as PolicyDocument,
    );
    assert.ok(policies.length > 1);
    for (const policy of policies) assert.ok(JSON.stringify(policy).length <= 6144);
    const passed = policies
      .flatMap((policy) => policy.Statement)
      .filter((statement) => statement.Action === "iam:PassRole")
      .flatMap((statement) => [statement.Resource].flat());
    // Every role once, whichever policy holds its statement.
    assert.deepEqual([...passed].sort(), [...roles].sort());
  });

  it("passes the policy pack's IAM rules with the shipped stacks' settings", async () => {
    const trustSettings = {
      githubRepositories: ["example-org/mlops-platform"],
      githubSubjectKinds: ["environment", "pull_request"],
    };
    const rules = [
      [restrictIamTrustPrincipals, trustSettings],
      [restrictIamPassRole, { allowedPassedToServices: ["sagemaker.amazonaws.com", "events.amazonaws.com"] }],
      [forbidIamWildcardActions, {}],
      [forbidIamWildcardResources, {}],
      [forbidIamUnknownActions, {}],
      [forbidIamAdminPolicies, {}],
    ] as const;
    const found: string[] = [];
    for (const resource of recorded.filter((r) => r.custom)) {
      for (const [rule, config] of rules) {
        const outcome = await checkResource(
          rule,
          resource.type,
          { ...resource.outputs, ...resource.inputs },
          {
            name: resource.name,
            config,
          },
        );
        found.push(...outcome.violations, ...outcome.unknown);
      }
    }
    assert.deepEqual(found, []);
    // A preview role is a pull request's: the rule's default kinds (branch, environment) refuse it.
    const preview = named(recorded, `${NAME}-preview-role`);
    const strict = await checkResource(restrictIamTrustPrincipals, preview.type, preview.inputs, {
      name: preview.name,
    });
    assert.equal(strict.violations.length, 1);
    assert.match(
      strict.violations[0],
      /pull_request"\] is not pinned to one repository and a branch or an environment/,
    );
  });

  it("refuses bad arguments with every problem at once, creating nothing", async () => {
    const recordedNothing = recordResources("prod");
    assert.throws(
      () =>
        new GithubDeployAccess(
          "team-github",
          args({
            repository: "example-org/*",
            deployBranch: "feature/*",
            oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/accounts.google.com",
            deploySessionSeconds: 600,
            permissionsBoundaryArn: "arn:aws:iam::aws:policy/PowerUserAccess",
            footprint: {
              types: ["aws:ec2/instance:Instance"],
              passedRoles: [{ service: "lambda.amazonaws.com", roleArn: PIPELINE_ROLE }],
            },
          }),
        ),
      (error: Error) => {
        assert.equal(
          error.message,
          "GithubDeployAccess team-github: " +
            [
              'name "team-github" must start with namePrefix "mlops-prod-": the roles read themselves within the prefix',
              'repository "example-org/*" must be one GitHub repository as owner/name, without wildcards',
              "deployEnvironment and deployBranch cannot both be set: the deploy role trusts one of them",
              'deployBranch "feature/*" must be one branch name (no wildcards, spaces or "..")',
              'oidcProviderArn "arn:aws:iam::123456789012:oidc-provider/accounts.google.com" must be the ARN of a token.actions.githubusercontent.com OIDC provider',
              'permissionsBoundaryArn "arn:aws:iam::aws:policy/PowerUserAccess" is not the ARN of a customer managed IAM policy (expected arn:aws:iam::<account>:policy/<name>, or arn:aws:iam::<account>:policy/<path>/<name>)',
              "deploySessionSeconds 600 must be a whole number from 3600 to 43200",
              "the footprint passes roles to lambda.amazonaws.com, which none of its types hands a role to (passesRole in DEPLOY_PERMISSIONS)",
              "the footprint lists aws:ec2/instance:Instance, which has no entry in DEPLOY_PERMISSIONS (components/delivery/deployPermissions.ts), so the deploy role could not deploy them",
            ].join("; ") +
            ".",
        );
        return true;
      },
    );
    assert.throws(
      () => new GithubDeployAccess(NAME, args({ deployEnvironment: undefined })),
      /deployEnvironment or deployBranch is required/,
    );
    await settle(recordedNothing);
    assert.deepEqual(recordedNothing, []);
  });
});
