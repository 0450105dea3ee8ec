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

  it("answers for retraining's drift bus, its policy, rules on it, invoke permissions and bucket notifications as AWS names them", async () => {
    const { recorded } = record();
    const events = (resource: string) => `arn:aws:events:${REGION}:${ACCOUNT_ID}:${resource}`;
    const bus = new aws.cloudwatch.EventBus("bus", { name: "mlops-test-diagnosis-drift-events" });
    const busPolicy = new aws.cloudwatch.EventBusPolicy("bus-policy", {
      eventBusName: bus.name,
      policy: "{}",
    });
    const defaultBusPolicy = new aws.cloudwatch.EventBusPolicy("default-bus-policy", { policy: "{}" });
    const onBus = new aws.cloudwatch.EventRule("forwarded-drift", {
      name: "mlops-test-diagnosis-retraining-forwarded-drift",
      eventBusName: bus.name,
      eventPattern: "{}",
    });
    const onDefault = new aws.cloudwatch.EventRule("new-data", {
      name: "mlops-test-diagnosis-retraining-new-data",
      eventPattern: "{}",
    });
    const invoke = new aws.lambda.Permission("mlops-test-diagnosis-retraining-new-data-invoke", {
      function: "mlops-test-diagnosis-retraining",
      action: "lambda:InvokeFunction",
      principal: "events.amazonaws.com",
      sourceArn: onDefault.arn,
    });
    const statement = new aws.lambda.Permission("statement", {
      function: "mlops-test-diagnosis-retraining",
      action: "lambda:InvokeFunction",
      principal: "events.amazonaws.com",
      statementId: "AllowNewData",
    });
    const notification = new aws.s3.BucketNotification("data-events", {
      bucket: "mlops-test-diagnosis-data-1a2b3c4",
      eventbridge: true,
    });
    assert.deepEqual(await valueOf(pulumi.all([bus.id, bus.arn])), [
      "mlops-test-diagnosis-drift-events",
      events("event-bus/mlops-test-diagnosis-drift-events"),
    ]);
    // A bus has one policy, named by the bus; the account's default bus without a name.
    assert.deepEqual(await valueOf(pulumi.all([busPolicy.id, defaultBusPolicy.id])), [
      "mlops-test-diagnosis-drift-events",
      "default",
    ]);
    // A rule on a bus of its own has the bus's name in its ARN and its id ("<bus>/<rule>").
    assert.deepEqual(
      await valueOf(pulumi.all([onBus.id, onBus.name, onBus.arn, onDefault.id, onDefault.arn])),
      [
        "mlops-test-diagnosis-drift-events/mlops-test-diagnosis-retraining-forwarded-drift",
        "mlops-test-diagnosis-retraining-forwarded-drift",
        events("rule/mlops-test-diagnosis-drift-events/mlops-test-diagnosis-retraining-forwarded-drift"),
        "mlops-test-diagnosis-retraining-new-data",
        events("rule/mlops-test-diagnosis-retraining-new-data"),
      ],
    );
    // A permission is a statement of the function's policy: its id, auto-named when not given.
    const [invokeId, invokeStatement] = await valueOf(pulumi.all([invoke.id, invoke.statementId]));
    assert.match(invokeId, /^mlops-test-diagnosis-retraining-new-data-invoke-[0-9a-f]{7}$/);
    assert.equal(invokeStatement, invokeId);
    assert.deepEqual(await valueOf(pulumi.all([statement.id, statement.statementId])), [
      "AllowNewData",
      "AllowNewData",
    ]);
    // A bucket has one notification configuration, named by the bucket.
    assert.deepEqual(await valueOf(pulumi.all([notification.id, notification.eventbridge])), [
      "mlops-test-diagnosis-data-1a2b3c4",
      true,
    ]);
    await settle(recorded);
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

  it("in a first preview, knows a drift bus's name and the rules on it, not their ARNs or a permission's auto-named id", async () => {
    const recorded = recordResources({
      project: "mlops",
      stack: "test",
      preview: true,
      accountId: ACCOUNT_ID,
      region: REGION,
    });
    const bus = new aws.cloudwatch.EventBus("bus", { name: "mlops-test-diagnosis-drift-events" });
    const rule = new aws.cloudwatch.EventRule("forwarded-drift", {
      name: "mlops-test-diagnosis-retraining-forwarded-drift",
      eventBusName: bus.name,
      eventPattern: "{}",
    });
    new aws.lambda.Permission("invoke", {
      function: "mlops-test-diagnosis-retraining",
      action: "lambda:InvokeFunction",
      principal: "events.amazonaws.com",
      sourceArn: rule.arn,
    });
    new aws.s3.BucketNotification("data-events", { bucket: "mlops-test-diagnosis-data", eventbridge: true });
    await settle(recorded);
    const busOut = named(recorded, "bus").outputs;
    assert.deepEqual([busOut.name, busOut.arn], ["mlops-test-diagnosis-drift-events", UNKNOWN_VALUE]);
    const ruleOut = named(recorded, "forwarded-drift").outputs;
    assert.deepEqual(
      [ruleOut.name, ruleOut.eventBusName, ruleOut.arn],
      ["mlops-test-diagnosis-retraining-forwarded-drift", "mlops-test-diagnosis-drift-events", UNKNOWN_VALUE],
    );
    const invoke = named(recorded, "invoke").outputs;
    assert.deepEqual([invoke.statementId, invoke.sourceArn], [UNKNOWN_VALUE, UNKNOWN_VALUE]);
    assert.deepEqual(named(recorded, "data-events").outputs, {
      bucket: "mlops-test-diagnosis-data",
      eventbridge: true,
    });
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
