import assert from "node:assert/strict";
import {
  KEY_ADMIN_ACTIONS,
  KEY_USE_ACTIONS,
  platformKeyPolicy,
} from "../../../components/foundation/platformKeyPolicy";
import { reviewAgainstServiceData } from "../../helpers/iamData";

describe("platformKeyPolicy", () => {
  const policy = platformKeyPolicy({ partition: "aws", accountId: "123456789012" });

  it("lets only the account administer and use the key, action by action", () => {
    assert.equal(policy.Statement.length, 2);
    const [statement] = policy.Statement;
    assert.deepEqual(statement.Principal, { AWS: "arn:aws:iam::123456789012:root" });
    assert.equal(statement.Effect, "Allow");
    assert.deepEqual(statement.Action, [...KEY_ADMIN_ACTIONS, ...KEY_USE_ACTIONS]);
    assert.ok(![statement.Action].flat().some((a) => a.includes("*")), "no wildcard actions");
  });

  it("lets CloudWatch alarms and EventBridge rules encrypt alert messages, and nothing more", () => {
    assert.deepEqual(policy.Statement[1], {
      Sid: "AlarmsAndRulesEncryptAlertMessages",
      Effect: "Allow",
      Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: "*",
    });
  });

  it("keeps the key manageable: the policy can always be changed and the key scheduled for deletion", () => {
    for (const action of [
      "kms:PutKeyPolicy",
      "kms:GetKeyPolicy",
      "kms:ScheduleKeyDeletion",
      "kms:CancelKeyDeletion",
    ]) {
      assert.ok((KEY_ADMIN_ACTIONS as readonly string[]).includes(action), action);
    }
  });

  it("names only real KMS actions", async () => {
    // Resource "*" in a key policy means the key itself; only the action names are checked here.
    const findings = await reviewAgainstServiceData(policy);
    assert.deepEqual(
      findings.filter((f) => f.includes("unknown action")),
      [],
    );
  });
});
