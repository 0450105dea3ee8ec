import assert from "node:assert/strict";
import { requireDataKmsEncryption as rule } from "../../../policies/rules/require-data-kms-encryption";
import { checkStack, policyResources, StackResourceInput, usePolicyDay } from "../../helpers/policyArgs";
import {
  edited,
  find,
  previewStacks,
  programStacks,
  propsOf,
  stackCheck,
  without,
} from "../../helpers/programStacks";
import {
  assertProdAccessLogs,
  BUCKET_LOGGING,
  ENCRYPTION,
  previewed,
  PROD_DATA,
  PROD_LOGGING,
  PROD_LOGS,
  sseS3,
} from "./accessLogFixtures";

const TOPIC = "aws:sns/topic:Topic";
const QUEUE = "aws:sqs/queue:Queue";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const CONNECTION = "aws:cloudwatch/eventConnection:EventConnection";
const BUCKET = "aws:s3/bucket:Bucket";
const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const JUDGED = [TOPIC, QUEUE, LOG_GROUP, CONNECTION, BUCKET, OBJECT];

const ALERTS = "mlops-staging-diagnosis-alerts";
const DLQ = "mlops-staging-approvals-dlq";
const STEPS_LOGS = "mlops-staging-diagnosis-steps-logs";
const GITHUB = "mlops-staging-approvals-github";
const DATA = "mlops-staging-diagnosis-data";
const ARTIFACTS = "mlops-staging-diagnosis-artifacts";
/** An object in the artifacts bucket, and one in the data bucket. */
const SCHEMA = "mlops-staging-diagnosis-schema";
/** Prod's one object, in its data bucket. */
const DRIFT_SCRIPT = "mlops-prod-diagnosis-drift-drift-check-py";
const KEY_FIX = "the platform's KMS key ARN";
const OBJECT_FIX = `set serverSideEncryption "aws:kms" and kmsKeyId to ${KEY_FIX}`;
const NONE = { violations: [], urns: [], unknown: [] };

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("require-data-kms-encryption", () => {
  let stacks: Awaited<ReturnType<typeof programStacks>>;
  let previews: Awaited<ReturnType<typeof previewStacks>>;
  before(async () => {
    stacks = await programStacks();
    previews = await previewStacks();
  });
  usePolicyDay("2026-11-22");

  const check = stackCheck(rule);
  const staging = (change: (resources: StackResourceInput[]) => unknown) => edited(stacks.staging, change);
  const props = (r: StackResourceInput[], type: string, name: string): Props => propsOf(r, type, name);
  const urnOf = (type: string, name: string) => find(stacks.staging, type, name).urn;

  it("passes what both shipped stacks create, deployed and in a first preview, without the engine's advisory", async () => {
    for (const stack of ["staging", "prod"] as const) {
      const judged = stacks[stack].filter((r) => JUDGED.includes(r.type)).map((r) => r.type);
      // Each judged type is there: staging has all of them, prod all but the connection.
      assert.deepEqual(
        new Set(judged),
        new Set(stack === "staging" ? JUDGED : JUDGED.filter((type) => type !== CONNECTION)),
        stack,
      );
      assert.deepEqual(await check(stacks[stack]), NONE, stack);
      assert.deepEqual(await check(previews[stack]), NONE, `${stack} preview`);
    }
  });

  describe("topics and queues", () => {
    it("report a topic without a key, or with SNS's AWS managed key", async () => {
      const missing = await check(staging((r) => delete props(r, TOPIC, ALERTS).kmsMasterKeyId));
      assert.deepEqual(missing.violations, [
        `Topic "${ALERTS}": kmsMasterKeyId is not set (SNS then keeps messages with its disk encryption only); set kmsMasterKeyId to ${KEY_FIX} so that SNS encrypts the topic's messages at rest with a key the platform controls.`,
      ]);
      assert.deepEqual(missing.urns, [urnOf(TOPIC, ALERTS)]);
      for (const managed of ["alias/aws/sns", "arn:aws:kms:us-east-1:123456789012:alias/aws/sns"]) {
        const outcome = await check(staging((r) => (props(r, TOPIC, ALERTS).kmsMasterKeyId = managed)));
        assert.deepEqual(
          outcome.violations,
          [
            `Topic "${ALERTS}": kmsMasterKeyId "${managed}" is an AWS managed key, whose key policy the platform cannot restrict; set kmsMasterKeyId to ${KEY_FIX} so that SNS encrypts the topic's messages at rest with a key the platform controls.`,
          ],
          managed,
        );
      }
    });

    it("report a queue without a key, also with SSE-SQS on, or with SQS's AWS managed key", async () => {
      const sseSqs = await check(
        staging((r) => {
          const queue = props(r, QUEUE, DLQ);
          delete queue.kmsMasterKeyId;
          queue.sqsManagedSseEnabled = true;
        }),
      );
      assert.deepEqual(sseSqs.violations, [
        `Queue "${DLQ}": kmsMasterKeyId is not set (sqsManagedSseEnabled encrypts with keys SQS owns, which no key policy of the platform governs); set kmsMasterKeyId to ${KEY_FIX} so that SQS encrypts the queue's messages at rest with a key the platform controls.`,
      ]);
      const missing = await check(staging((r) => delete props(r, QUEUE, DLQ).kmsMasterKeyId));
      assert.match(
        missing.violations[0],
        /kmsMasterKeyId is not set \(SQS then encrypts at most with keys it owns \(SSE-SQS\)\)/,
      );
      const managed = await check(staging((r) => (props(r, QUEUE, DLQ).kmsMasterKeyId = "alias/aws/sqs")));
      assert.deepEqual(managed.urns, [urnOf(QUEUE, DLQ)]);
      assert.match(
        managed.violations[0],
        /^Queue "mlops-staging-approvals-dlq": kmsMasterKeyId "alias\/aws\/sqs" is an AWS managed key/,
      );
    });
  });

  it("reports a log group and a connection without a key", async () => {
    const outcome = await check(
      staging((r) => {
        delete props(r, LOG_GROUP, STEPS_LOGS).kmsKeyId;
        props(r, CONNECTION, GITHUB).kmsKeyIdentifier = "";
      }),
    );
    assert.deepEqual(outcome.violations, [
      `Log group "${STEPS_LOGS}": kmsKeyId is not set (CloudWatch Logs then encrypts with a key of its own); set kmsKeyId to ${KEY_FIX} so that CloudWatch Logs encrypts the group's log events with a key the platform controls.`,
      `Connection "${GITHUB}": kmsKeyIdentifier is not set (EventBridge then keeps the credentials under an AWS owned key); set kmsKeyIdentifier to ${KEY_FIX} so that EventBridge encrypts the connection's credentials with a key the platform controls.`,
    ]);
  });

  describe("bucket default encryption", () => {
    const withDefault = (applied: Record<string, unknown>) =>
      staging((r) => {
        props(r, ENCRYPTION, `${DATA}-encryption`).rules = [{ applyServerSideEncryptionByDefault: applied }];
      });
    const bucketFix = `give it an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and ${KEY_FIX} as kmsMasterKeyId`;

    it("reports SSE-S3, SSE-KMS without a key or with S3's AWS managed key, and no default at all", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ sseAlgorithm: "AES256" }, 'sets sseAlgorithm "AES256", not KMS'],
        [{ sseAlgorithm: "aws:kms" }, "sets no kmsMasterKeyId (S3 then uses the AWS managed key aws/s3)"],
        [
          { sseAlgorithm: "aws:kms:dsse", kmsMasterKeyId: "alias/aws/s3" },
          'sets kmsMasterKeyId "alias/aws/s3", an AWS managed key, whose key policy the platform cannot restrict',
        ],
      ];
      for (const [applied, problem] of cases) {
        const outcome = await check(withDefault(applied));
        assert.deepEqual(
          outcome.violations,
          [`Bucket "${DATA}": default encryption "${DATA}-encryption" ${problem}; ${bucketFix}.`],
          problem,
        );
        assert.deepEqual(outcome.urns, [urnOf(BUCKET, DATA)]);
      }
      const none = await check(staging(without(ENCRYPTION, `${DATA}-encryption`)));
      assert.deepEqual(none.violations, [`Bucket "${DATA}" has no default encryption; ${bucketFix}.`]);
    });

    it("reads a bucket's own inline setting when it has no separate one", async () => {
      const inline = staging((r) => {
        props(r, BUCKET, DATA).serverSideEncryptionConfiguration = {
          rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } },
        };
        return without(ENCRYPTION, `${DATA}-encryption`)(r);
      });
      assert.deepEqual((await check(inline)).violations, [
        `Bucket "${DATA}" itself sets no kmsMasterKeyId (S3 then uses the AWS managed key aws/s3); ${bucketFix}.`,
      ]);
    });

    it("asks no key of a bucket S3 delivers server access logs into, which must use SSE-S3", async () => {
      assertProdAccessLogs(stacks.prod);
      assert.deepEqual(await check(stacks.prod), NONE);
      const outcome = await check(edited(stacks.prod, without(BUCKET_LOGGING, PROD_LOGGING)));
      assert.deepEqual(outcome.violations, [
        `Bucket "${PROD_LOGS}": default encryption "${PROD_LOGS}-encryption" sets sseAlgorithm "AES256", not KMS; ${bucketFix}.`,
      ]);
      assert.deepEqual(outcome.urns, [find(stacks.prod, BUCKET, PROD_LOGS).urn]);
    });
  });

  describe("objects the stack writes", () => {
    it("report their own settings when they make them: SSE-S3, or SSE-KMS without a customer managed key", async () => {
      const sseS3 = await check(staging((r) => (props(r, OBJECT, SCHEMA).serverSideEncryption = "AES256")));
      assert.deepEqual(sseS3.violations, [
        `Object "${SCHEMA}": serverSideEncryption "AES256" is not KMS; ${OBJECT_FIX}.`,
      ]);
      assert.deepEqual(sseS3.urns, [urnOf(OBJECT, SCHEMA)]);
      const noKey = await check(staging((r) => delete props(r, OBJECT, SCHEMA).kmsKeyId));
      assert.deepEqual(noKey.violations, [
        `Object "${SCHEMA}": kmsKeyId is not set (S3 then uses the AWS managed key aws/s3); ${OBJECT_FIX}.`,
      ]);
      const managed = await check(staging((r) => (props(r, OBJECT, SCHEMA).kmsKeyId = "alias/aws/s3")));
      assert.match(
        managed.violations[0],
        /^Object "mlops-staging-diagnosis-schema": kmsKeyId "alias\/aws\/s3" is an AWS managed key/,
      );
    });

    const implicit = (r: StackResourceInput[], name: string) => {
      const object = props(r, OBJECT, name);
      delete object.serverSideEncryption;
      delete object.kmsKeyId;
      return object;
    };

    it("take the default of their bucket when they set nothing, if it is one of the stack's with a customer managed key", async () => {
      assert.deepEqual(await check(staging((r) => implicit(r, SCHEMA))), NONE);
      const weak = await check(
        staging((r) => {
          implicit(r, SCHEMA);
          props(r, ENCRYPTION, `${ARTIFACTS}-encryption`).rules[0].applyServerSideEncryptionByDefault = {
            sseAlgorithm: "AES256",
          };
        }),
      );
      assert.deepEqual(weak.urns, [urnOf(BUCKET, ARTIFACTS), urnOf(OBJECT, SCHEMA)]);
      assert.equal(
        weak.violations[1],
        `Object "${SCHEMA}" sets no serverSideEncryption, and the default encryption of its bucket "${ARTIFACTS}" does not use a customer managed key; ${OBJECT_FIX}.`,
      );
    });

    it("report an object that sets nothing in a bucket outside the stack, or in a server access log bucket", async () => {
      const outside = await check(
        staging((r) => {
          implicit(r, SCHEMA).bucket = "shared-artifacts";
          Object.assign(find(r, OBJECT, SCHEMA), { dependencies: [] });
        }),
      );
      assert.deepEqual(outside.violations, [
        `Object "${SCHEMA}" sets no serverSideEncryption, and its bucket "shared-artifacts" is not one of the stack's, whose default encryption the rule could check; ${OBJECT_FIX}.`,
      ]);
      const intoLogs = await check(
        edited(stacks.prod, (r) => {
          implicit(r, DRIFT_SCRIPT).bucket = props(r, BUCKET, PROD_LOGS).bucket;
          Object.assign(find(r, OBJECT, DRIFT_SCRIPT), { dependencies: [PROD_LOGS] });
        }),
      );
      assert.deepEqual(intoLogs.violations, [
        `Object "${DRIFT_SCRIPT}" sets no serverSideEncryption, and the default encryption of its bucket "${PROD_LOGS}" does not use a customer managed key; ${OBJECT_FIX}.`,
      ]);
    });
  });

  describe("allowedKmsKeyArnPattern", () => {
    it("allows any customer managed key by default, and only matching keys when set", async () => {
      const own = { allowedKmsKeyArnPattern: "^arn:aws:kms:us-east-1:123456789012:key/" };
      assert.deepEqual(await check(stacks.staging, own), NONE);
      const other = { allowedKmsKeyArnPattern: "^arn:aws:kms:eu-west-1:" };
      const outcome = await check(stacks.staging, other);
      const judged = stacks.staging.filter((r) => JUDGED.includes(r.type) && r.type !== BUCKET).length;
      // Every resource with a key, and each bucket through its default encryption.
      assert.equal(outcome.violations.length, judged + 2);
      assert.equal(
        outcome.violations[0],
        `Topic "${stacks.staging.find((r) => r.type === TOPIC)?.name}": kmsMasterKeyId "arn:aws:kms:us-east-1:123456789012:key/56ad7cdb-b056-cfe0-a245-1f69d7e9a113" does not match allowedKmsKeyArnPattern "^arn:aws:kms:eu-west-1:"; use a key the pattern allows.`,
      );
    });

    it("reports an invalid pattern once, instead of failing", async () => {
      const outcome = await check(stacks.staging, { allowedKmsKeyArnPattern: "key/(" });
      assert.deepEqual(outcome.urns, [undefined]);
      assert.match(
        outcome.violations[0],
        /^allowedKmsKeyArnPattern "key\/\(" is not a valid regular expression/,
      );
    });
  });

  describe("waivers", () => {
    const bare = () => staging((r) => delete props(r, LOG_GROUP, STEPS_LOGS).kmsKeyId);
    it("set aside a finding while in force", async () => {
      const waivers = [
        { resource: STEPS_LOGS, reason: "log group migrating to the key", expires: "2026-12-31" },
      ];
      assert.deepEqual(await check(bare(), { waivers }), NONE);
    });
    it("add the expiry to the finding once expired", async () => {
      const waivers = [{ resource: "mlops-staging-*-logs", reason: "migrating", expires: "2026-11-21" }];
      const [message] = (await check(bare(), { waivers })).violations;
      assert.match(
        message,
        /with a key the platform controls\. \(The waiver for "mlops-staging-\*-logs" expired on 2026-11-21: migrating\.\)$/,
      );
    });
  });

  describe("during preview", () => {
    it("counts unknown keys as customer managed keys, and leaves the pattern for when they are known", async () => {
      const pattern = { allowedKmsKeyArnPattern: "^arn:aws:kms:eu-west-1:" };
      assert.deepEqual(await check(previews.staging, pattern), NONE);
    });

    it("links an object that sets nothing to the bucket it depends on, and skips one whose unknown bucket is not the stack's", async () => {
      const linked = edited(previews.staging, (r) => {
        const object = props(r, OBJECT, SCHEMA);
        delete object.serverSideEncryption;
        delete object.kmsKeyId;
      });
      assert.deepEqual(await check(linked), NONE);
      const weak = edited(linked, (r) => {
        props(r, ENCRYPTION, `${ARTIFACTS}-encryption`).rules[0].applyServerSideEncryptionByDefault = {
          sseAlgorithm: "AES256",
        };
      });
      // Staging keeps the artifacts bucket's access logs: while names are unknown, it may be the log
      // bucket, so its own default is left for the update; the object's bucket is known to be weak.
      assert.deepEqual((await check(weak)).urns, [urnOf(OBJECT, SCHEMA)]);
      const elsewhere = edited(linked, (r) => Object.assign(find(r, OBJECT, SCHEMA), { dependencies: [] }));
      assert.deepEqual(await check(elsewhere), NONE);
    });

    it("follows the engine's property dependencies to tell the log bucket from the logged one", async () => {
      const resources = policyResources(previewed(edited(stacks.prod, sseS3(PROD_DATA))));
      const byName = (name: string) => resources.find((r) => r.name === name) ?? assert.fail(name);
      // Without them, either bucket may be the log bucket, and neither is reported.
      assert.deepEqual((await checkStack(rule, resources)).violations, []);
      byName(PROD_LOGGING).propertyDependencies = {
        bucket: [byName(PROD_DATA)],
        targetBucket: [byName(PROD_LOGS)],
      };
      const { urns, unknown } = await checkStack(rule, resources);
      assert.deepEqual(urns, [find(stacks.prod, BUCKET, PROD_DATA).urn]);
      assert.deepEqual(unknown, []);
    });

    it("does not hold a bucket that may be a log bucket against an object that sets nothing", async () => {
      const implicitObject = edited(previews.prod, (r) => {
        const object = props(r, OBJECT, DRIFT_SCRIPT);
        delete object.serverSideEncryption;
        delete object.kmsKeyId;
      });
      assertProdAccessLogs(stacks.prod);
      assert.deepEqual(await check(implicitObject), NONE);
    });

    it("reports known values that are weak", async () => {
      const outcome = await check(
        edited(previews.staging, (r) => (props(r, TOPIC, ALERTS).kmsMasterKeyId = "alias/aws/sns")),
      );
      assert.equal(outcome.violations.length, 1);
      assert.equal(outcome.unknown.length, 0);
    });
  });
});
