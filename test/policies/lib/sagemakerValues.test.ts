import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import assert from "node:assert/strict";
import {
  at,
  isSet,
  list,
  plain,
  plainProps,
  refersTo,
  stackItems,
  surfaceUnknown,
  UNKNOWN,
} from "../../../policies/lib/sagemakerValues";
import { policyResources, UNKNOWN as SENTINEL } from "../../helpers/policyArgs";

const proxied = (value: Record<string, unknown>) => unknownCheckingProxy(value) as Record<string, unknown>;

describe("plain resource values (lib/sagemakerValues)", () => {
  it("copies props read through the engine's proxy, with UNKNOWN where the engine has a sentinel", () => {
    const props = proxied({
      name: SENTINEL.string,
      kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/1",
      variants: [{ instanceType: "ml.m5.large" }, SENTINEL.object, { instanceType: SENTINEL.string }],
      capture: { enabled: SENTINEL.boolean, percent: 20 },
      off: false,
      none: null,
    });
    assert.deepEqual(plain(props), {
      name: UNKNOWN,
      kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/1",
      variants: [{ instanceType: "ml.m5.large" }, UNKNOWN, { instanceType: UNKNOWN }],
      capture: { enabled: UNKNOWN, percent: 20 },
      off: false,
      none: null,
    });
    assert.ok(Array.isArray(plainProps(props).variants));
    assert.deepEqual(plainProps("not an object"), {});
    assert.deepEqual(plainProps([1]), {});
  });

  it("reads paths of plain data: undefined where the path ends, UNKNOWN below an unknown value", () => {
    const props = { a: { b: [{ c: 1 }] }, u: UNKNOWN, s: "text" };
    assert.equal(at(props, "a", "b", 0, "c"), 1);
    assert.equal(at(props, "a", "x", "y"), undefined);
    assert.equal(at(props, "s", "length"), undefined);
    assert.equal(at(props, "u", "deep", "er"), UNKNOWN);
    assert.equal(at(undefined, "a"), undefined);
    assert.equal(at(props), props);
  });

  it("reads list properties as lists, and tells what counts as set", () => {
    assert.deepEqual(list(undefined), []);
    assert.deepEqual(list(null), []);
    assert.deepEqual(list([1, 2]), [1, 2]);
    assert.deepEqual(list({ single: true }), [{ single: true }]);
    assert.equal(list(UNKNOWN), UNKNOWN);
    assert.deepEqual([undefined, null, "", UNKNOWN, "arn", false, 0, {}].map(isSet), [
      false,
      false,
      false,
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it("reads a path through the proxy again so that an unknown value ends the check the engine's way", () => {
    const props = proxied({ networkConfig: { enableNetworkIsolation: SENTINEL.boolean, other: true } });
    assert.throws(
      () => surfaceUnknown(props, ["networkConfig", "enableNetworkIsolation"]),
      (error: unknown) =>
        error instanceof UnknownValueError &&
        (error as Error).message ===
          "boolean value at .networkConfig.enableNetworkIsolation can't be known during preview",
    );
    assert.doesNotThrow(() => surfaceUnknown(props, ["networkConfig", "other"]));
    assert.doesNotThrow(() => surfaceUnknown(props, ["missing", "deeper"]));
  });

  describe("refersTo", () => {
    const resources = policyResources([
      { type: "aws:s3/bucket:Bucket", name: "data", props: { bucket: "data-1" } },
      { type: "aws:s3/bucket:Bucket", name: "logs", props: { bucket: SENTINEL.string } },
      { type: "aws:s3/bucketVersioning:BucketVersioning", name: "v", props: {}, dependencies: ["data"] },
    ]);
    const [data, logs, companion] = stackItems(resources);
    const source = companion.resource;

    it("links by name when both names are known", () => {
      assert.equal(refersTo(source, "bucket", "data-1", data, ["data-1"]), true);
      // Known and different: the dependency does not matter.
      assert.equal(refersTo(source, "bucket", "other", data, ["data-1"]), false);
      assert.equal(refersTo(source, "bucket", undefined, data, ["data-1"]), false);
    });

    it("links by dependency when the reference or the target's name is unknown", () => {
      assert.equal(refersTo(source, "bucket", UNKNOWN, data, ["data-1"]), true);
      assert.equal(refersTo(source, "bucket", UNKNOWN, logs, [UNKNOWN]), false);
      assert.equal(refersTo(source, "bucket", "logs-1", data, [UNKNOWN]), true);
      assert.equal(refersTo(source, "bucket", "logs-1", logs, [UNKNOWN]), false);
    });

    it("prefers the property's dependencies when the engine gives them", () => {
      const withProperty = {
        ...source,
        propertyDependencies: { bucket: [logs.resource] },
      };
      assert.equal(refersTo(withProperty, "bucket", UNKNOWN, logs, [UNKNOWN]), true);
      assert.equal(refersTo(withProperty, "bucket", UNKNOWN, data, ["data-1"]), false);
      // No dependencies recorded for another property: all dependencies count.
      assert.equal(refersTo(withProperty, "policy", UNKNOWN, data, ["data-1"]), true);
    });
  });
});
