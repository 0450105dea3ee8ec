import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import * as path from "node:path";
import { EncodedProperties, recordResources, settle } from "../../preview/mocks";
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
