import assert from "node:assert/strict";
import { clearWaivedFindings, setPolicyClock } from "../../../policies/lib/rule";
import { restrictIamTrustPrincipals } from "../../../policies/rules/restrict-iam-trust-principals";
import { checkResource, UNKNOWN } from "../../helpers/policyArgs";
import {
  documentOf,
  GITHUB_PROVIDER,
  githubTrust,
  PROGRAM_RESOURCES,
  role,
  run,
  runAll,
  waiver,
} from "./iamFixtures";

const DEPLOY = "mlops-prod-deploy-role";
const trusting = (document: unknown) => role(DEPLOY, { assumeRolePolicy: JSON.stringify(document) });
const where = `Role "${DEPLOY}" trust policy, statement 1`;
const SUB = "token.actions.githubusercontent.com:sub";

describe("restrict-iam-trust-principals", () => {
  afterEach(() => {
    setPolicyClock(() => new Date());
    clearWaivedFindings();
  });

  it("passes the program's roles (SageMaker service trust) and a pinned GitHub deployment role", async () => {
    const outcome = await runAll(restrictIamTrustPrincipals, [
      ...PROGRAM_RESOURCES,
      trusting(githubTrust()),
      trusting(githubTrust(["repo:acme/mlops:environment:prod", "repo:acme/mlops:ref:refs/heads/release"])),
    ]);
    assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
  });

  it("refuses a trust of everyone", async () => {
    const outcome = await runAll(restrictIamTrustPrincipals, [
      trusting(documentOf({ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" })),
      trusting(
        documentOf({
          Effect: "Allow",
          Principal: { AWS: ["arn:aws:iam::111122223333:root", "*"] },
          Action: "sts:AssumeRole",
        }),
      ),
      trusting(
        documentOf({
          Effect: "Allow",
          NotPrincipal: { AWS: "arn:aws:iam::111122223333:root" },
          Action: "sts:AssumeRole",
        }),
      ),
    ]);
    assert.deepEqual(outcome.violations, [
      `${where}: Principal "*" lets anyone assume the role; name the service, account or identity provider that assumes it.`,
      `${where}: Principal {"AWS":["arn:aws:iam::111122223333:root","*"]} lets anyone assume the role; name the service, account or identity provider that assumes it.`,
      `${where}: Allow with NotPrincipal lets everyone but those listed assume the role; name the principals in Principal.`,
    ]);
  });

  it("accepts a Deny of everyone", async () => {
    const document = documentOf(
      { Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" },
      {
        Effect: "Deny",
        Principal: "*",
        Action: "sts:AssumeRole",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    );
    assert.deepEqual((await run(restrictIamTrustPrincipals, trusting(document))).violations, []);
  });

  it("refuses GitHub OIDC trust without a subject condition", async () => {
    const document = documentOf({
      Effect: "Allow",
      Principal: { Federated: GITHUB_PROVIDER },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" } },
    });
    const { violations } = await run(restrictIamTrustPrincipals, trusting(document));
    assert.deepEqual(violations, [
      `${where}: GitHub OIDC trust has no StringEquals/StringLike condition on ${SUB}, so any GitHub workflow can assume the role; add {"StringEquals": {"${SUB}": "repo:<owner>/<repo>:ref:refs/heads/<branch>"}}.`,
    ]);
  });

  it("refuses subjects that are not pinned to one repository's branch or environment", async () => {
    const subjects = [
      "repo:acme/mlops:*",
      "repo:acme/*:ref:refs/heads/main",
      "repo:acme/mlops:ref:refs/heads/*",
      "repo:acme/mlops",
      "repo:acme/mlops:pull_request",
      "repo:acme/mlops:ref:refs/tags/v1",
      "acme/mlops",
      "*",
    ];
    const outcomes = await Promise.all(
      subjects.map((sub) => run(restrictIamTrustPrincipals, trusting(githubTrust(sub)))),
    );
    assert.deepEqual(
      outcomes.map((o) => o.violations.length),
      subjects.map(() => 1),
    );
    assert.deepEqual(outcomes[0].violations, [
      `${where}: GitHub OIDC trust: ${SUB} ["repo:acme/mlops:*"] is not pinned to one repository and a branch or an environment (repo:<owner>/<repo>:ref:refs/heads/<branch> or repo:<owner>/<repo>:environment:<name>, no wildcards); pin the subject so that only that workflow can assume the role.`,
    ]);
  });

  it("refuses subjects of more than one repository", async () => {
    const sub = ["repo:acme/mlops:ref:refs/heads/main", "repo:acme/other:ref:refs/heads/main"];
    const { violations } = await run(restrictIamTrustPrincipals, trusting(githubTrust(sub)));
    assert.equal(violations.length, 1);
    assert.match(violations[0], /names \["acme\/mlops","acme\/other"\]: trust one repository per role/);
  });

  it("does not count StringNotEquals or ...IfExists as pinning the subject", async () => {
    const document = githubTrust(undefined);
    const statement = document.Statement[0];
    const condition = {
      StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
      StringNotEquals: { [SUB]: "repo:evil/repo:ref:refs/heads/main" },
      StringLikeIfExists: { [SUB]: "repo:acme/mlops:ref:refs/heads/main" },
    };
    const { violations } = await run(
      restrictIamTrustPrincipals,
      trusting({ ...document, Statement: [{ ...statement, Condition: condition }] }),
    );
    assert.equal(violations.length, 1);
    assert.match(violations[0], /has no StringEquals\/StringLike condition on/);
  });

  it("accepts one pinned condition next to a looser one (conditions are ANDed)", async () => {
    const document = githubTrust("repo:acme/mlops:ref:refs/heads/main", {
      StringLike: { [SUB]: "repo:acme/*" },
    });
    assert.deepEqual((await run(restrictIamTrustPrincipals, trusting(document))).violations, []);
  });

  it("requires the sts.amazonaws.com audience", async () => {
    const missing = githubTrust();
    const statement = missing.Statement[0];
    const noAudience = {
      ...statement,
      Condition: { StringEquals: { [SUB]: "repo:acme/mlops:ref:refs/heads/main" } },
    };
    const wrong = {
      ...statement,
      Condition: {
        StringEquals: {
          [SUB]: "repo:acme/mlops:ref:refs/heads/main",
          "token.actions.githubusercontent.com:aud": ["sts.amazonaws.com", "other"],
        },
      },
    };
    const outcome = await runAll(restrictIamTrustPrincipals, [
      trusting({ ...missing, Statement: [noAudience] }),
      trusting({ ...missing, Statement: [wrong] }),
    ]);
    assert.deepEqual(outcome.violations, [
      `${where}: GitHub OIDC trust: token.actions.githubusercontent.com:aud has no condition; add {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}} so that only tokens minted for AWS are accepted.`,
      `${where}: GitHub OIDC trust: token.actions.githubusercontent.com:aud allows ["sts.amazonaws.com","other"]; add {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}} so that only tokens minted for AWS are accepted.`,
    ]);
  });

  it("reports a trust policy that is not valid JSON", async () => {
    const { violations } = await run(restrictIamTrustPrincipals, role(DEPLOY, { assumeRolePolicy: "{" }));
    assert.equal(violations.length, 1);
    assert.match(
      violations[0],
      /^Role "mlops-prod-deploy-role" trust policy is not valid JSON \(.+\); write it as a JSON policy document/,
    );
  });

  it("reads a trust policy given as an object with a single statement", async () => {
    const document = {
      Version: "2012-10-17",
      Statement: { Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" },
    };
    const { violations } = await run(
      restrictIamTrustPrincipals,
      role(DEPLOY, { assumeRolePolicy: document }),
    );
    assert.equal(violations.length, 1);
  });

  describe("config", () => {
    it("githubRepositories limits the repositories a role may trust", async () => {
      const config = { githubRepositories: ["acme/mlops"] };
      const ok = await run(
        restrictIamTrustPrincipals,
        trusting(githubTrust("repo:ACME/mlops:environment:prod")),
        { config },
      );
      assert.deepEqual(ok.violations, []);
      const { violations } = await run(
        restrictIamTrustPrincipals,
        trusting(githubTrust("repo:acme/other:environment:prod")),
        {
          config,
        },
      );
      assert.equal(violations.length, 1);
      assert.match(
        violations[0],
        /names "acme\/other", which is not in githubRepositories \["acme\/mlops"\]/,
      );
    });

    it("githubSubjectKinds chooses what a subject must pin", async () => {
      const config = { githubSubjectKinds: ["environment"] };
      const branch = await run(restrictIamTrustPrincipals, trusting(githubTrust()), { config });
      assert.equal(branch.violations.length, 1);
      assert.match(
        branch.violations[0],
        /is not pinned to one repository and an environment \(repo:<owner>\/<repo>:environment:<name>/,
      );
      const tag = await run(
        restrictIamTrustPrincipals,
        trusting(githubTrust("repo:acme/mlops:ref:refs/tags/v1")),
        {
          config: { githubSubjectKinds: ["tag"] },
        },
      );
      assert.deepEqual(tag.violations, []);
    });

    it("githubAudience sets the audience tokens must be minted for", async () => {
      const config = { githubAudience: "https://github.com/acme" };
      const { violations } = await run(restrictIamTrustPrincipals, trusting(githubTrust()), { config });
      assert.equal(violations.length, 1);
      assert.match(violations[0], /aud allows \["sts.amazonaws.com"\]; add .*"https:\/\/github.com\/acme"/);
    });
  });

  describe("trustedAccounts", () => {
    const OWN = "123456789012";
    const OTHER = "333333333333";
    const listing = (...accounts: string[]) => ({ config: { trustedAccounts: accounts } });
    const assume = (statement: object) =>
      trusting(documentOf({ Effect: "Allow", Action: "sts:AssumeRole", ...statement }));
    const untrusted = (accounts: string) =>
      `${where}: names account ${accounts}, which is not among trustedAccounts ["${OWN}"]; trust only the accounts the stack's config names, or limit the statement to them or to the organization with a condition on aws:PrincipalAccount, aws:SourceAccount or aws:PrincipalOrgID.`;

    it("passes the program's roles, the GitHub provider of the account, and roles of listed accounts", async () => {
      const outcome = await runAll(
        restrictIamTrustPrincipals,
        [
          ...PROGRAM_RESOURCES,
          trusting(githubTrust()),
          assume({ Principal: { AWS: `arn:aws:iam::${OWN}:role/operator` } }),
          assume({
            Principal: { Service: "events.amazonaws.com" },
            Condition: { StringEquals: { "aws:SourceAccount": OWN } },
          }),
        ],
        listing(OWN),
      );
      assert.deepEqual(outcome, { violations: [], urns: [], notApplicable: [], unknown: [] });
    });

    it("refuses a role or a service source of an account it does not list", async () => {
      const { violations } = await runAll(
        restrictIamTrustPrincipals,
        [
          assume({ Principal: { AWS: OTHER } }),
          assume({ Principal: { AWS: `arn:aws:sts::${OTHER}:assumed-role/deploy/ci` } }),
          assume({
            Principal: { Service: "events.amazonaws.com" },
            Condition: { ArnEquals: { "aws:SourceArn": `arn:aws:events:us-east-1:${OTHER}:rule/x` } },
          }),
        ],
        listing(OWN),
      );
      assert.deepEqual(violations, [untrusted(OTHER), untrusted(OTHER), untrusted(OTHER)]);
    });

    it("accepts another account limited to the organization or to listed accounts", async () => {
      const { violations } = await runAll(
        restrictIamTrustPrincipals,
        [
          assume({
            Principal: { AWS: OTHER },
            Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
          }),
          assume({ Principal: { AWS: OTHER }, Condition: { StringEquals: { "aws:PrincipalAccount": OWN } } }),
        ],
        listing(OWN),
      );
      assert.deepEqual(violations, []);
    });

    it("counts the role's own account when its ARN is known, and reads it only when needed", async () => {
      const trust = JSON.stringify(
        documentOf({ Effect: "Allow", Action: "sts:AssumeRole", Principal: { AWS: OTHER } }),
      );
      const own = await checkResource(
        restrictIamTrustPrincipals,
        "aws:iam/role:Role",
        { assumeRolePolicy: trust, arn: `arn:aws:iam::${OTHER}:role/r` },
        { name: DEPLOY, ...listing(OWN) },
      );
      assert.deepEqual(own.violations, []);
      const unknownArn = await checkResource(
        restrictIamTrustPrincipals,
        "aws:iam/role:Role",
        { assumeRolePolicy: trust, arn: UNKNOWN.string },
        { name: DEPLOY, ...listing(OWN) },
      );
      assert.deepEqual(unknownArn.unknown, [
        "can't run during preview: string value at .arn can't be known during preview",
      ]);
      const listed = await checkResource(
        restrictIamTrustPrincipals,
        "aws:iam/role:Role",
        { assumeRolePolicy: trust, arn: UNKNOWN.string },
        { name: DEPLOY, ...listing(OWN, OTHER) },
      );
      assert.deepEqual(listed, { violations: [], urns: [], notApplicable: [], unknown: [] });
    });

    it("does not check accounts when trustedAccounts is empty (the default)", async () => {
      assert.deepEqual(
        (await run(restrictIamTrustPrincipals, assume({ Principal: { AWS: OTHER } }))).violations,
        [],
      );
    });
  });

  describe("waivers", () => {
    const subject = trusting(githubTrust("repo:acme/mlops:*"));
    beforeEach(() => setPolicyClock(() => new Date("2026-06-01T12:00:00Z")));

    it("a waiver in force hides the finding", async () => {
      const config = { waivers: [waiver(DEPLOY, "2026-06-02")] };
      assert.deepEqual((await run(restrictIamTrustPrincipals, subject, { config })).violations, []);
    });

    it("an expired waiver adds its expiry to the finding", async () => {
      const config = { waivers: [waiver(DEPLOY, "2026-05-30")] };
      const { violations } = await run(restrictIamTrustPrincipals, subject, { config });
      assert.equal(violations.length, 1);
      assert.match(violations[0], /\(The waiver for "mlops-prod-deploy-role" expired on 2026-05-30: .+\.\)$/);
    });
  });

  it("during preview, an unknown trust policy gets the engine's advisory", async () => {
    const outcome = await checkResource(restrictIamTrustPrincipals, "aws:iam/role:Role", {
      assumeRolePolicy: UNKNOWN.string,
    });
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.unknown, [
      "can't run during preview: string value at .assumeRolePolicy can't be known during preview",
    ]);
  });
});
