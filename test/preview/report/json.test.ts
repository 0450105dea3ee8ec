import assert from "node:assert/strict";
import type { Plan } from "../../../preview/plan";
import { parsePlan, PlanFormatError, toJson } from "../../../preview/report/json";

const BUCKET = "urn:pulumi:staging::mlops::aws:s3/bucket:Bucket::data";
const KEY = "urn:pulumi:staging::mlops::aws:kms/key:Key::key";

const plan: Plan = {
  project: "mlops",
  stack: "staging",
  resources: [
    {
      urn: KEY,
      type: "aws:kms/key:Key",
      name: "key",
      id: "key-id",
      parent: "",
      custom: true,
      dependencies: [],
      propertyDependencies: {},
      options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false },
      inputs: { enableKeyRotation: true },
      outputs: {},
    },
    {
      urn: BUCKET,
      type: "aws:s3/bucket:Bucket",
      name: "data",
      id: "data-1234567",
      parent: "",
      custom: true,
      dependencies: [KEY],
      propertyDependencies: { serverSideEncryptionConfiguration: [KEY], bucket: [] },
      options: { protect: true, retainOnDelete: false, deleteBeforeReplace: false },
      inputs: { tags: { Owner: "ml", Environment: "staging" }, bucket: "data-1234567" },
      outputs: { arn: "arn:aws:s3:::data-1234567" },
    },
  ],
  outputs: { bucket: "data-1234567" },
  findings: [
    {
      policy: "require-resources-tags",
      enforcementLevel: "mandatory",
      urn: BUCKET,
      message: "Missing tag CostCenter.",
    },
    { policy: "list-policy-waivers", enforcementLevel: "advisory", message: "Nothing waived." },
  ],
  notes: ["Offline: no AWS account was called."],
};

type Edit = readonly [path: readonly (string | number)[], value: unknown];

/** The plan's text with values replaced (or removed, for `undefined`), as a broken file would have it. */
function broken(...edits: Edit[]): string {
  const data = JSON.parse(toJson(plan)) as unknown;
  for (const [path, value] of edits) {
    let node = data as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    const last = path[path.length - 1] ?? "";
    if (value === undefined) Reflect.deleteProperty(node, last);
    else node[last] = value;
  }
  return JSON.stringify(data);
}

function parseError(text: string): string {
  try {
    parsePlan(text, "plan.json");
  } catch (error) {
    assert.ok(error instanceof PlanFormatError);
    return error.message;
  }
  assert.fail("parsePlan accepted a broken plan");
}

describe("preview plan JSON", () => {
  it("round-trips a plan", () => {
    assert.deepEqual(parsePlan(toJson(plan), "plan.json"), plan);
  });

  it("writes two-space JSON with a final newline, free-form maps with sorted keys", () => {
    const text = toJson(plan);
    assert.ok(text.startsWith('{\n  "project": "mlops",\n  "stack": "staging",\n  "resources": [\n    {\n'));
    assert.ok(text.endsWith("\n}\n"));
    assert.ok(
      text.includes(
        '"inputs": {\n        "bucket": "data-1234567",\n        "tags": {\n          "Environment": "staging",\n          "Owner": "ml"\n',
      ),
    );
    assert.ok(
      text.includes(
        '"propertyDependencies": {\n        "bucket": [],\n        "serverSideEncryptionConfiguration": [',
      ),
    );
  });

  it("gives the same text whatever order the program set properties in", () => {
    const [key, bucket] = plan.resources;
    assert.ok(key !== undefined && bucket !== undefined);
    const reordered: Plan = {
      ...plan,
      resources: [
        key,
        { ...bucket, inputs: { bucket: "data-1234567", tags: { Environment: "staging", Owner: "ml" } } },
      ],
    };
    assert.equal(toJson(reordered), toJson(plan));
  });

  it("keeps a plan without notes or stack-wide findings as it is", () => {
    const bare: Plan = { project: "p", stack: "s", resources: [], outputs: {}, findings: [] };
    assert.equal(
      toJson(bare),
      '{\n  "project": "p",\n  "stack": "s",\n  "resources": [],\n  "outputs": {},\n  "findings": []\n}\n',
    );
    assert.deepEqual(parsePlan(toJson(bare), "plan.json"), bare);
  });

  it("reads a plan saved before the delete options were recorded as one without them", () => {
    const older = broken([["resources", 1, "options"], { protect: true }]);
    assert.deepEqual(parsePlan(older, "plan.json").resources[1]?.options, {
      protect: true,
      retainOnDelete: false,
      deleteBeforeReplace: false,
    });
    assert.equal(
      parseError(broken([["resources", 0, "options", "retainOnDelete"], "yes"])),
      'plan.json: resources[0].options.retainOnDelete: expected true or false, got "yes"',
    );
  });

  it("names the file, the path and the problem in one line", () => {
    assert.equal(
      parseError(broken([["resources", 1, "urn"], 42])),
      "plan.json: resources[1].urn: expected a string, got 42",
    );
    assert.equal(
      parseError(broken([["resources", 0, "custom"], undefined])),
      "plan.json: resources[0].custom: is missing (expected true or false)",
    );
    assert.equal(
      parseError(broken([["findings", 0, "enforcementLevel"], "blocking"])),
      'plan.json: findings[0].enforcementLevel: expected one of advisory, mandatory, remediate, disabled, got "blocking"',
    );
    assert.equal(
      parseError(broken([["resources", 1, "propertyDependencies", "tags.Owner"], [7]])),
      'plan.json: resources[1].propertyDependencies["tags.Owner"][0]: expected a string, got 7',
    );
    assert.equal(
      parseError(broken([["resources"], {}])),
      "plan.json: resources: expected an array, got an object",
    );
    assert.equal(parseError(broken([["notes"], null])), "plan.json: notes: expected an array, got null");
  });

  it("counts the further problems, and refuses what is not a plan at all", () => {
    assert.equal(
      parseError(broken([["project"], undefined], [["stack"], ["staging"]], [["outputs"], "none"])),
      "plan.json: project: is missing (expected a string) (and 2 more problems)",
    );
    assert.equal(parseError("[]"), "plan.json: expected an object, got an array");
    assert.match(parseError('{"project": '), /^plan\.json: not valid JSON \(.+\)$/);
  });
});
