import { unknownCheckingProxy } from "@pulumi/policy";
import assert from "node:assert/strict";
import {
  effectiveTags,
  isTaggable,
  providerDefaultTags,
  TAGGABLE_TYPES,
  UNKNOWN_TAG_VALUE,
} from "../../../policies/lib/taggableTypes";
import { UNKNOWN } from "../../helpers/policyArgs";

describe("taggableTypes", () => {
  it("knows the taggable AWS types from the generated list", () => {
    assert.equal(isTaggable("aws:s3/bucket:Bucket"), true);
    assert.equal(isTaggable("aws:s3/bucketPolicy:BucketPolicy"), false);
    assert.equal(isTaggable("mlops:s3:SecureBucket"), false);
    assert.ok(TAGGABLE_TYPES.size > 500);
  });

  it("reads the provider's default tags as JSON text (as @pulumi/aws sends them) or as an object", () => {
    const tags = { Owner: "ml@example.com" };
    assert.deepEqual(providerDefaultTags(JSON.stringify({ tags })), tags);
    assert.deepEqual(providerDefaultTags({ tags }), tags);
    assert.equal(providerDefaultTags("not json"), undefined);
    assert.equal(providerDefaultTags(JSON.stringify([1])), undefined);
    assert.equal(providerDefaultTags(undefined), undefined);
  });

  it("merges the provider's default tags under the resource's own", () => {
    const tags = effectiveTags(
      { Owner: "team@example.com", Model: "diagnosis" },
      JSON.stringify({ tags: { Owner: "default@example.com", CostCenter: "ML-1" } }),
    );
    assert.deepEqual(Object.fromEntries(tags), {
      Owner: "team@example.com",
      CostCenter: "ML-1",
      Model: "diagnosis",
    });
    assert.deepEqual([...effectiveTags(undefined, undefined)], []);
  });

  it("keeps a tag whose value is unknown during preview, without its value", () => {
    const props = unknownCheckingProxy({ tags: { Owner: UNKNOWN.string, Project: "p" } }) as {
      tags: Record<string, string>;
    };
    const tags = effectiveTags(props.tags, undefined);
    assert.equal(tags.get("Owner"), UNKNOWN_TAG_VALUE);
    assert.equal(tags.get("Project"), "p");
  });
});
