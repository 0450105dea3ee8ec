import assert from "node:assert/strict";
import { parsePolicyDocument, Statement } from "../../../policies/lib/iamDocuments";
import {
  isAccountId,
  namesWhomExactly,
  principalAccount,
  principalAccounts,
  servicePrincipals,
  untrustedAccounts,
  whomNamed,
} from "../../../policies/lib/principalAccounts";

const OWN = "111111111111";
const CONSUMER = "222222222222";
const OTHER = "333333333333";

const statementOf = (statement: object): Statement =>
  parsePolicyDocument({ Statement: [{ Effect: "Allow", Action: "s3:GetObject", ...statement }] })
    .statements[0];
const condition = (operator: string, key: string, values: string[]) => ({ operator, key, values });
const trusted = (account: string) => [OWN, CONSUMER].includes(account);

describe("principalAccounts", () => {
  it("isAccountId: twelve digits", () => {
    assert.equal(isAccountId(OWN), true);
    assert.equal(isAccountId("11111111111"), false);
    assert.equal(isAccountId("1111111111*1"), false);
  });

  it("principalAccount: ids, roots, roles, users and sessions of an account", () => {
    assert.equal(principalAccount(OTHER), OTHER);
    assert.equal(principalAccount(`arn:aws:iam::${OTHER}:root`), OTHER);
    assert.equal(principalAccount(`arn:aws:iam::${OTHER}:role/deploy`), OTHER);
    assert.equal(principalAccount(`arn:aws:sts::${OTHER}:assumed-role/deploy/session`), OTHER);
    assert.equal(principalAccount("arn:aws:iam::*:root"), "*");
    assert.equal(principalAccount("*"), undefined);
    assert.equal(principalAccount("sagemaker.amazonaws.com"), undefined);
    assert.equal(principalAccount(`arn:aws:sns:us-east-1:${OTHER}:topic`), undefined);
  });

  it("principalAccounts and servicePrincipals read the AWS and Service entries", () => {
    const statement = statementOf({
      Principal: { AWS: [OTHER, `arn:aws:iam::${CONSUMER}:root`, "*"], Service: "events.amazonaws.com" },
    });
    assert.deepEqual(principalAccounts(statement), [OTHER, CONSUMER]);
    assert.deepEqual(servicePrincipals(statement), ["events.amazonaws.com"]);
    assert.deepEqual(principalAccounts(statementOf({ Principal: "*" })), []);
    assert.deepEqual(servicePrincipals(statementOf({})), []);
  });

  describe("whomNamed", () => {
    it("names an organization by id or path, without wildcards in the id", () => {
      assert.deepEqual(whomNamed(condition("StringEquals", "aws:PrincipalOrgID", ["o-a1b2c3d4e5"])), {
        kind: "organization",
      });
      assert.deepEqual(whomNamed(condition("StringLike", "aws:sourceorgpaths", ["o-a1b2c3d4e5/r-ab12/*"])), {
        kind: "organization",
      });
      assert.deepEqual(whomNamed(condition("StringLike", "aws:PrincipalOrgID", ["o-*"])), {
        kind: "accounts",
        accounts: ["*"],
        complete: true,
      });
    });

    it("names accounts by id or by the account of an ARN; a bucket's ARN names none", () => {
      assert.deepEqual(whomNamed(condition("StringEquals", "aws:SourceAccount", [OWN])), {
        kind: "accounts",
        accounts: [OWN],
        complete: true,
      });
      assert.deepEqual(
        whomNamed(
          condition("ArnLike", "aws:SourceArn", [`arn:aws:events:us-east-1:${OWN}:rule/x`, "arn:aws:s3:::b"]),
        ),
        { kind: "accounts", accounts: [OWN], complete: false },
      );
      assert.deepEqual(
        whomNamed(
          condition("ArnLike", "kms:EncryptionContext:aws:sns:topicArn", [`arn:aws:sns:us-east-1:${OWN}:*`]),
          ["kms:EncryptionContext:aws:*"],
        ),
        { kind: "accounts", accounts: [OWN], complete: true },
      );
    });

    it("names no one under a negated or IfExists operator, with wildcard-only values, or on other keys", () => {
      assert.equal(whomNamed(condition("StringNotEquals", "aws:SourceAccount", [OWN])), undefined);
      assert.equal(whomNamed(condition("StringEqualsIfExists", "aws:SourceAccount", [OWN])), undefined);
      assert.equal(whomNamed(condition("StringLike", "aws:SourceAccount", ["*"])), undefined);
      assert.equal(whomNamed(condition("StringEquals", "aws:SourceVpce", ["vpce-1"])), undefined);
      assert.equal(
        whomNamed(condition("ArnLike", "kms:EncryptionContext:aws:logs:arn", ["arn:aws:logs:*"])),
        undefined,
      );
    });
  });

  it("namesWhomExactly refuses wildcards where the organization or account goes", () => {
    assert.equal(namesWhomExactly(condition("StringEquals", "aws:PrincipalOrgID", ["o-a1b2c3d4e5"])), true);
    assert.equal(namesWhomExactly(condition("StringLike", "aws:PrincipalOrgID", ["o-*"])), false);
    assert.equal(namesWhomExactly(condition("StringLike", "aws:PrincipalAccount", ["2222*"])), false);
    assert.equal(namesWhomExactly(condition("ArnLike", "aws:SourceArn", [`arn:aws:sns:*:${OWN}:x`])), true);
    assert.equal(
      namesWhomExactly(condition("ArnLike", "aws:SourceArn", ["arn:aws:sns:us-east-1:*:x"])),
      false,
    );
    assert.equal(namesWhomExactly(condition("StringEquals", "aws:SourceVpce", ["vpce-1"])), true);
    assert.equal(namesWhomExactly(condition("StringEquals", "aws:SourceVpce", ["*"])), false);
  });

  describe("untrustedAccounts", () => {
    it("lists the accounts of Principal and of conditions that are not trusted", () => {
      const statement = statementOf({
        Principal: { AWS: [`arn:aws:iam::${OTHER}:root`, CONSUMER] },
        Condition: { StringEquals: { "aws:PrincipalAccount": ["444444444444"] } },
      });
      assert.deepEqual(untrustedAccounts(statement, trusted), [OTHER, "444444444444"]);
    });

    it("lists none when a condition limits the statement to the organization or to trusted accounts", () => {
      const principal = { AWS: `arn:aws:iam::${OTHER}:root` };
      for (const Condition of [
        { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
        { StringEquals: { "aws:PrincipalAccount": [OWN, CONSUMER] } },
        { ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${CONSUMER}:role/*` } },
      ]) {
        assert.deepEqual(
          untrustedAccounts(statementOf({ Principal: principal, Condition }), trusted),
          [],
          JSON.stringify(Condition),
        );
      }
    });

    it("does not count a condition that names an untrusted or no account as a limit", () => {
      const principal = { Service: "sns.amazonaws.com" };
      assert.deepEqual(
        untrustedAccounts(
          statementOf({ Principal: principal, Condition: { StringEquals: { "aws:SourceAccount": OTHER } } }),
          trusted,
        ),
        [OTHER],
      );
      assert.deepEqual(
        untrustedAccounts(
          statementOf({
            Principal: { AWS: OTHER },
            Condition: { ArnLike: { "aws:SourceArn": "arn:aws:s3:::b" } },
          }),
          trusted,
        ),
        [OTHER],
      );
    });

    it("asks about each account once it needs to, in order", () => {
      const asked: string[] = [];
      const statement = statementOf({ Principal: { AWS: [OWN, OTHER] } });
      untrustedAccounts(statement, (account) => {
        asked.push(account);
        return account === OWN;
      });
      assert.deepEqual(asked, [OWN, OTHER]);
    });
  });
});
