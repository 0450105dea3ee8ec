import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import * as path from "node:path";
import { EncodedProperties, recordResources, settle, UNKNOWN_VALUE } from "../../preview/mocks";
import { ACCOUNT_ID, named, REGION, valueOf } from "../helpers/mocks";

/** Pulumi's signature key and the values it marks assets and secrets with on the wire. */
const SIG = "4dabf18193072939515e22adb298388d";
const ASSET = "c44067f5952c0a294b673a41bacd8c17";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function record(yieldToEventLoop = false) {
  const encoded = new Map<string, EncodedProperties>();
  const recorded = recordResources({
    project: "mlops",
    stack: "test",
    preview: false,
    accountId: ACCOUNT_ID,
    region: REGION,
    yieldToEventLoop,
    onRecord: (resource, properties) => encoded.set(resource.name, properties),
  });
  return { recorded, encoded };
}

describe("the offline preview's mock runtime", () => {
  it("records inputs and answers as the engine gets them: assets and secrets in its wire form", async () => {
    const { recorded, encoded } = record();
    const script = path.join(__dirname, "..", "..", "ml", "preprocess.py");
    const bucket = new aws.s3.Bucket("data", { bucket: "mlops-test-data" });
    const object = new aws.s3.BucketObjectv2("script", {
      bucket: bucket.bucket,
      key: "code/preprocess.py",
      source: new pulumi.asset.FileAsset(script),
    });
    new aws.sns.Topic("alerts", {
      name: "mlops-test-alerts",
      displayName: pulumi.secret("pager"),
    });
    // The runtime reads the answer as it would AWS's.
    assert.equal(await valueOf(bucket.arn), "arn:aws:s3:::mlops-test-data");
    assert.equal(await valueOf(object.versionId), named(recorded, "script").outputs.versionId);
    await settle(recorded);

    // As the runtime sends a FileAsset, its own marker field included.
    assert.deepEqual(named(recorded, "script").inputs.source, {
      [SIG]: ASSET,
      __pulumiAsset: true,
      path: script,
    });
    assert.deepEqual(named(recorded, "alerts").inputs.displayName, { [SIG]: SECRET, value: "pager" });
    assert.equal(
      named(recorded, "alerts").outputs.arn,
      `arn:aws:sns:${REGION}:${ACCOUNT_ID}:mlops-test-alerts`,
    );
    // What a consumer gets encoded is the same, so that sending it on needs no encoding again.
    for (const resource of recorded) {
      assert.deepEqual(encoded.get(resource.name)?.inputs.toJavaScript(), resource.inputs, resource.name);
    }
  });

  it("answers for a drift check's function, log group and schedule with the ARNs AWS gives them", async () => {
    const { recorded } = record();
    const fn = new aws.lambda.Function("steps", {
      name: "mlops-test-diagnosis-drift-steps",
      runtime: "python3.12",
      handler: "drift_steps.handler",
      role: `arn:aws:iam::${ACCOUNT_ID}:role/mlops-test-diagnosis-drift-steps-role`,
      code: new pulumi.asset.AssetArchive({
        "drift_steps.py": new pulumi.asset.StringAsset("def handler(event, context): ..."),
      }),
    });
    const logs = new aws.cloudwatch.LogGroup("steps-logs", {
      name: "/aws/lambda/mlops-test-diagnosis-drift-steps",
    });
    const schedule = new aws.scheduler.Schedule("drift", {
      name: "mlops-test-diagnosis-drift",
      groupName: "default",
      scheduleExpression: "cron(15 * ? * * *)",
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: "arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution",
        roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/mlops-test-diagnosis-drift-scheduler-role`,
      },
    });
    const unnamed = new aws.scheduler.Schedule("unnamed", {
      scheduleExpression: "rate(1 hour)",
      flexibleTimeWindow: { mode: "OFF" },
      target: { arn: "arn:aws:sqs:us-east-1:123456789012:q", roleArn: "r" },
    });
    const functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:mlops-test-diagnosis-drift-steps`;
    assert.deepEqual(
      await valueOf(
        pulumi.all([fn.arn, fn.qualifiedArn, fn.invokeArn, fn.qualifiedInvokeArn, fn.version, fn.name]),
      ),
      [
        functionArn,
        `${functionArn}:$LATEST`,
        `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
        `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${functionArn}:$LATEST/invocations`,
        "$LATEST",
        "mlops-test-diagnosis-drift-steps",
      ],
    );
    assert.equal(
      await valueOf(fn.responseStreamingInvokeArn),
      `arn:aws:apigateway:${REGION}:lambda:path/2021-11-15/functions/${functionArn}/response-streaming-invocations`,
    );
    assert.deepEqual(await valueOf(pulumi.all([logs.id, logs.arn])), [
      "/aws/lambda/mlops-test-diagnosis-drift-steps",
      `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/aws/lambda/mlops-test-diagnosis-drift-steps`,
    ]);
    assert.deepEqual(await valueOf(pulumi.all([schedule.id, schedule.arn])), [
      "default/mlops-test-diagnosis-drift",
      `arn:aws:scheduler:${REGION}:${ACCOUNT_ID}:schedule/default/mlops-test-diagnosis-drift`,
    ]);
    // Without a name or a group: an auto-name in the "default" group.
    const [unnamedName, unnamedGroup, unnamedArn] = await valueOf(
      pulumi.all([unnamed.name, unnamed.groupName, unnamed.arn]),
    );
    assert.match(unnamedName, /^unnamed-[0-9a-f]{7}$/);
    assert.equal(unnamedGroup, "default");
    assert.equal(unnamedArn, `arn:aws:scheduler:${REGION}:${ACCOUNT_ID}:schedule/default/${unnamedName}`);
    await settle(recorded);
    assert.equal(named(recorded, "steps").id, "mlops-test-diagnosis-drift-steps");
  });

  it("in a first preview, leaves what AWS computes for these unknown and the names given known", async () => {
    const recorded = recordResources({
      project: "mlops",
      stack: "test",
      preview: true,
      accountId: ACCOUNT_ID,
      region: REGION,
    });
    new aws.lambda.Function("steps", {
      name: "mlops-test-diagnosis-drift-steps",
      runtime: "python3.12",
      handler: "drift_steps.handler",
      role: "arn:aws:iam::123456789012:role/r",
      code: new pulumi.asset.AssetArchive({}),
    });
    new aws.scheduler.Schedule("drift", {
      name: "mlops-test-diagnosis-drift",
      groupName: "default",
      scheduleExpression: "cron(15 * ? * * *)",
      flexibleTimeWindow: { mode: "OFF" },
      target: { arn: "arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution", roleArn: "r" },
    });
    await settle(recorded);
    const steps = named(recorded, "steps").outputs;
    assert.deepEqual(
      [steps.name, steps.arn, steps.qualifiedArn, steps.version],
      ["mlops-test-diagnosis-drift-steps", UNKNOWN_VALUE, UNKNOWN_VALUE, UNKNOWN_VALUE],
    );
    const drift = named(recorded, "drift").outputs;
    assert.deepEqual(
      [drift.name, drift.groupName, drift.arn],
      ["mlops-test-diagnosis-drift", "default", UNKNOWN_VALUE],
    );
  });

  it("answers registrations a batch per turn of the event loop when asked, so that I/O goes on", async () => {
    const { recorded } = record(true);
    let answered = 0;
    for (let i = 0; i < 100; i++) new aws.sqs.Queue(`queue-${i}`).id.apply(() => answered++);
    const perTurn: number[] = [];
    for (let turn = 0; answered < 100 && turn < 1_000; turn++) {
      const before = answered;
      await nextTurn();
      perTurn.push(answered - before);
    }
    await settle(recorded);
    assert.equal(answered, 100);
    assert.equal(recorded.length, 100);
    assert.ok(Math.max(...perTurn) <= 32, `at most 32 per turn: ${perTurn.join(" ")}`);
    assert.ok(perTurn.filter((n) => n > 0).length >= 4, `over several turns: ${perTurn.join(" ")}`);
  });

  it("otherwise answers each registration at once", async () => {
    const { recorded } = record();
    let answered = 0;
    for (let i = 0; i < 100; i++) new aws.sqs.Queue(`queue-${i}`).id.apply(() => answered++);
    await nextTurn();
    assert.equal(answered, 100);
    assert.equal(recorded.length, 100);
  });
});
