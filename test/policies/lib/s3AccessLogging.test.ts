import assert from "node:assert/strict";
import { isAccessLogTarget } from "../../../policies/lib/s3AccessLogging";
import { stackItems, UNKNOWN } from "../../../policies/lib/sagemakerValues";
import { policyResources, StackResourceInput, UNKNOWN as SENTINEL } from "../../helpers/policyArgs";

const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_V2 = "aws:s3/bucketV2:BucketV2";

/** Whether each of the named buckets is a log target among `inputs`. */
function targets(inputs: readonly StackResourceInput[]): Record<string, unknown> {
  const items = stackItems(policyResources(inputs));
  const buckets = items.filter((item) => [BUCKET, BUCKET_V2].includes(item.resource.type));
  return Object.fromEntries(
    buckets.map((bucket) => [bucket.resource.name, isAccessLogTarget(bucket, items)]),
  );
}

const data = { type: BUCKET, name: "data", props: { bucket: "data-1" } };
const logs = { type: BUCKET, name: "logs", props: { bucket: "logs-1" } };
const logging = (type: string, props: Record<string, unknown>, dependencies = ["data", "logs"]) => ({
  type,
  name: "data-logging",
  props,
  dependencies,
});

describe("S3 server access log targets (lib/s3AccessLogging)", () => {
  it("are the targetBucket of a BucketLogging or BucketLoggingV2, by name", () => {
    for (const type of ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"]) {
      const props = { bucket: "data-1", targetBucket: "logs-1", targetPrefix: "data/" };
      assert.deepEqual(targets([data, logs, logging(type, props)]), { data: false, logs: true }, type);
    }
    const elsewhere = { bucket: "data-1", targetBucket: "central-logs", targetPrefix: "data/" };
    assert.deepEqual(targets([data, logs, logging("aws:s3/bucketLogging:BucketLogging", elsewhere, [])]), {
      data: false,
      logs: false,
    });
    assert.deepEqual(targets([data, logs]), { data: false, logs: false });
  });

  it("are the targets of a bucket's own (deprecated) logging settings", () => {
    const source = { ...data, props: { ...data.props, logging: { targetBucket: "logs-1" } } };
    assert.deepEqual(targets([source, logs]), { data: false, logs: true });
    const v2 = {
      type: BUCKET_V2,
      name: "data",
      props: { bucket: "data-1", loggings: [{ targetBucket: "logs-1" }] },
    };
    assert.deepEqual(targets([v2, { ...logs, type: BUCKET_V2 }]), { data: false, logs: true });
    // A bucket that logs into itself is its own target.
    const self = { ...data, props: { ...data.props, logging: { targetBucket: "data-1" } } };
    assert.deepEqual(targets([self]), { data: true });
  });

  it("are linked by dependency while names are unknown, through targetBucket when the engine says so", () => {
    const unknown = { bucket: SENTINEL.string, targetBucket: SENTINEL.string, targetPrefix: "data/" };
    const preview = [
      { ...data, props: { bucket: SENTINEL.string } },
      { ...logs, props: { bucket: SENTINEL.string } },
      logging("aws:s3/bucketLogging:BucketLogging", unknown),
    ];
    // Without property dependencies, either bucket the logging depends on may be its target.
    assert.deepEqual(targets(preview), { data: UNKNOWN, logs: UNKNOWN });
    const items = stackItems(policyResources(preview));
    const [dataItem, logsItem, loggingItem] = items;
    loggingItem.resource.propertyDependencies = {
      bucket: [dataItem.resource],
      targetBucket: [logsItem.resource],
    };
    assert.equal(isAccessLogTarget(dataItem, items), false);
    assert.equal(isAccessLogTarget(logsItem, items), true);
  });

  it("do not include the logged bucket when the logging names it by name, whatever it depends on", () => {
    const sourceKnown = { bucket: "data-1", targetBucket: SENTINEL.string, targetPrefix: "data/" };
    const preview = [data, { ...logs, props: { bucket: SENTINEL.string } }];
    assert.deepEqual(targets([...preview, logging("aws:s3/bucketLogging:BucketLogging", sourceKnown)]), {
      data: false,
      logs: UNKNOWN,
    });
  });
});
