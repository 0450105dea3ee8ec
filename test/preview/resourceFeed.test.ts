import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import assert from "node:assert/strict";
import { ResourceFeed } from "../../preview/pack";
import type { PlanResource } from "../../preview/plan";

const resource = (name: string): PlanResource => ({
  urn: `urn:pulumi:staging::mlops::aws:s3/bucket:Bucket::${name}`,
  type: "aws:s3/bucket:Bucket",
  name,
  id: name,
  parent: "",
  custom: true,
  dependencies: [],
  propertyDependencies: {},
  options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false },
  inputs: {},
  outputs: {},
});

describe("ResourceFeed", () => {
  it("hands out resources by position as they arrive, and undefined past the end once closed", async () => {
    const feed = new ResourceFeed();
    const second = feed.at(1);
    const first = feed.at(0);
    feed.push(resource("a"));
    assert.equal((await first)?.name, "a");
    feed.push(resource("b"));
    assert.equal((await second)?.name, "b");
    const third = feed.at(2);
    assert.equal(feed.closed, false);
    feed.close();
    assert.equal(await third, undefined);
    assert.deepEqual(
      feed.received.map((r) => r.name),
      ["a", "b"],
    );
  });

  it("passes the program's failure to everyone waiting, so that the pack is stopped", async () => {
    const feed = new ResourceFeed();
    const waiting = feed.at(0);
    feed.fail(new Error('Stack "broken" has 1 problem'));
    await assert.rejects(waiting, /Stack "broken" has 1 problem/);
    await assert.rejects(feed.at(5), /Stack "broken"/);
  });

  it("keeps each resource's encoded properties with it, and tells when it has ended", async () => {
    const feed = new ResourceFeed();
    const inputs = Struct.fromJavaScript({ bucket: "a" });
    feed.push(resource("a"), { inputs });
    feed.push(resource("b"));
    assert.equal(feed.encodedAt(0)?.inputs, inputs);
    assert.equal(feed.encodedAt(1), undefined);
    let ended = false;
    const ending = feed.ended().then(() => (ended = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ended, false);
    feed.close();
    await ending;
    const failed = new ResourceFeed();
    const failing = failed.ended();
    failed.fail(new Error("program failed"));
    await failing; // Ended all the same: those waiting for resources get the failure.
    await assert.rejects(failed.at(0), /program failed/);
  });

  it("of: a closed feed of a finished plan", async () => {
    const feed = ResourceFeed.of([resource("a")]);
    assert.equal(feed.closed, true);
    assert.equal((await feed.at(0))?.name, "a");
    assert.equal(await feed.at(1), undefined);
  });
});
