import assert from "node:assert/strict";
import { lifecycleRules } from "../../../components/foundation/bucketBaseline";

describe("lifecycleRules", () => {
  const base = [
    {
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter: { prefix: "" },
      noncurrentVersionExpiration: { noncurrentDays: 365 },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    },
    {
      id: "remove-expired-delete-markers",
      status: "Enabled",
      filter: { prefix: "" },
      expiration: { expiredObjectDeleteMarker: true },
    },
  ];

  it("without prefixes: non-current versions, stale uploads and lone delete markers only", () => {
    assert.deepEqual(lifecycleRules(365, {}), base);
  });

  it("expires each prefix after its days, and its non-current versions no later than that", () => {
    assert.deepEqual(
      lifecycleRules(365, { "data-capture/": 90, "monitoring/": 400, "pipeline-work/": 365 }),
      [
        ...base,
        {
          id: "expire-data-capture",
          status: "Enabled",
          filter: { prefix: "data-capture/" },
          expiration: { days: 90 },
          // An expired capture file is not kept a year as a version nobody reads.
          noncurrentVersionExpiration: { noncurrentDays: 90 },
        },
        {
          id: "expire-monitoring",
          status: "Enabled",
          filter: { prefix: "monitoring/" },
          expiration: { days: 400 },
          noncurrentVersionExpiration: { noncurrentDays: 365 },
        },
        {
          id: "expire-pipeline-work",
          status: "Enabled",
          filter: { prefix: "pipeline-work/" },
          expiration: { days: 365 },
          noncurrentVersionExpiration: { noncurrentDays: 365 },
        },
      ],
    );
  });

  it("names each rule after its prefix, in characters a rule id may have", () => {
    const ids = lifecycleRules(30, { "server-access/": 1, "a b//c/": 2 }).map((rule) => rule.id);
    assert.deepEqual(ids.slice(2), ["expire-server-access", "expire-a-b-c"]);
  });
});
