import assert from "node:assert/strict";
import type { Plan, PlanFinding } from "../../../preview/plan";
import { FINGERPRINT_KEY, SARIF_SCHEMA, SarifPolicy, toSarif } from "../../../preview/report/sarif";

const ROLE = "urn:pulumi:prod::mlops::mlops:sagemaker:MlPipeline$aws:iam/role:Role::diagnosis-pipeline";
const BUCKET = "urn:pulumi:prod::mlops::aws:s3/bucket:Bucket::diagnosis-data";
const STACK = "urn:pulumi:prod::mlops::pulumi:pulumi:Stack::mlops-prod";

const findings: PlanFinding[] = [
  {
    policy: "require-resources-tags",
    enforcementLevel: "mandatory",
    urn: BUCKET,
    message: "Missing tag Owner.",
  },
  {
    policy: "require-resources-tags",
    enforcementLevel: "mandatory",
    urn: ROLE,
    message: "Missing tag Owner.",
  },
  {
    policy: "forbid-iam-wildcard-actions",
    enforcementLevel: "advisory",
    urn: ROLE,
    message: 'Allows "s3:*".',
  },
  { policy: "list-policy-waivers", enforcementLevel: "advisory", message: "Waived until 2030-01-01." },
  { policy: "fix-tags", enforcementLevel: "remediate", urn: BUCKET, message: "Tagged." },
  {
    policy: "limit-sagemaker-instance-types",
    enforcementLevel: "disabled",
    urn: ROLE,
    message: "Not checked.",
  },
];

const plan: Plan = { project: "mlops", stack: "prod", resources: [], outputs: {}, findings };
/** The pack's policies as it describes itself; `fix-tags` is not among them. */
const policies: SarifPolicy[] = [
  {
    name: "forbid-iam-wildcard-actions",
    description: "IAM policy documents must not allow every action of a service.",
    severity: "high",
    tags: ["IAM.1", "IAM.21"],
  },
  { name: "list-policy-waivers", description: "Lists the waived findings.", severity: "low", tags: [] },
  {
    name: "require-resources-tags",
    description: "Every taggable AWS resource carries the required tags.",
    severity: "critical",
    tags: [],
  },
  { name: "require-sns-topic-key", description: "Topics use the key.", severity: "medium", tags: ["SNS.1"] },
];
const options = {
  packName: "mlops-guardrails",
  packVersion: "0.1.0",
  informationUri: "https://example.com/pack",
  policies,
};

describe("preview SARIF", () => {
  const sarif = toSarif(plan, options);
  const run = sarif.runs[0];

  it("is a SARIF 2.1.0 log with one run of the policy pack", () => {
    assert.equal(sarif.$schema, SARIF_SCHEMA);
    assert.equal(sarif.version, "2.1.0");
    assert.equal(sarif.runs.length, 1);
    assert.ok(run !== undefined);
    assert.deepEqual(
      { ...run.tool.driver, rules: undefined },
      {
        name: "mlops-guardrails",
        version: "0.1.0",
        informationUri: "https://example.com/pack",
        rules: undefined,
      },
    );
    assert.equal(run.automationDetails.id, "mlops-guardrails/prod/");
  });

  it("has one rule per policy with findings, disabled ones left out, and indexes results into them", () => {
    assert.ok(run !== undefined);
    assert.deepEqual(
      run.tool.driver.rules.map((rule) => [rule.id, rule.defaultConfiguration.level]),
      [
        ["fix-tags", "note"],
        ["forbid-iam-wildcard-actions", "warning"],
        ["list-policy-waivers", "warning"],
        ["require-resources-tags", "error"],
      ],
    );
    for (const rule of run.tool.driver.rules) assert.equal(rule.helpUri, "https://example.com/pack");
    assert.equal(run.results.length, 5);
    for (const result of run.results) {
      assert.equal(run.tool.driver.rules[result.ruleIndex]?.id, result.ruleId);
    }
  });

  it("describes each rule as the pack describes its policy: description, GitHub's security-severity, and security plus the controls as tags", () => {
    assert.ok(run !== undefined);
    assert.deepEqual(
      run.tool.driver.rules.map((rule) => [rule.shortDescription.text, rule.properties]),
      [
        // Not described by the pack: its name, and no security severity.
        ["fix-tags", { enforcementLevel: "remediate" }],
        [
          "IAM policy documents must not allow every action of a service.",
          { enforcementLevel: "advisory", "security-severity": "7.5", tags: ["security", "IAM.1", "IAM.21"] },
        ],
        [
          "Lists the waived findings.",
          { enforcementLevel: "advisory", "security-severity": "3.0", tags: ["security"] },
        ],
        [
          "Every taggable AWS resource carries the required tags.",
          { enforcementLevel: "mandatory", "security-severity": "9.5", tags: ["security"] },
        ],
      ],
    );
    const medium = toSarif(
      {
        ...plan,
        findings: [{ policy: "require-sns-topic-key", enforcementLevel: "mandatory", message: "No key." }],
      },
      options,
    );
    assert.deepEqual(medium.runs[0]?.tool.driver.rules[0]?.properties, {
      enforcementLevel: "mandatory",
      "security-severity": "5.5",
      tags: ["security", "SNS.1"],
    });
    const undescribed = toSarif(plan, { ...options, policies: undefined }).runs[0]?.tool.driver.rules ?? [];
    assert.deepEqual(
      undescribed.map((rule) => [rule.shortDescription.text, Object.keys(rule.properties)]),
      [
        ["fix-tags", ["enforcementLevel"]],
        ["forbid-iam-wildcard-actions", ["enforcementLevel"]],
        ["list-policy-waivers", ["enforcementLevel"]],
        ["require-resources-tags", ["enforcementLevel"]],
      ],
    );
  });

  it("maps mandatory to error, advisory to warning and the rest to note", () => {
    assert.ok(run !== undefined);
    assert.deepEqual(
      run.results.map((result) => [result.ruleId, result.level]),
      [
        ["require-resources-tags", "error"],
        ["require-resources-tags", "error"],
        ["forbid-iam-wildcard-actions", "warning"],
        ["list-policy-waivers", "warning"],
        ["fix-tags", "note"],
      ],
    );
  });

  it("points each result at the stack file and names the resource", () => {
    assert.ok(run !== undefined);
    const [bucket, , , stackWide] = run.results;
    assert.deepEqual(bucket?.locations, [
      {
        physicalLocation: { artifactLocation: { uri: "Pulumi.prod.yaml" }, region: { startLine: 1 } },
        logicalLocations: [{ fullyQualifiedName: BUCKET, name: "diagnosis-data", kind: "resource" }],
      },
    ]);
    assert.equal(bucket?.message.text, "diagnosis-data: Missing tag Owner.");
    assert.deepEqual(stackWide?.locations[0]?.logicalLocations, [
      { fullyQualifiedName: STACK, name: "mlops-prod", kind: "resource" },
    ]);
  });

  it("fingerprints each finding apart from the others, the same way every run", () => {
    assert.ok(run !== undefined);
    const prints = run.results.map((result) => result.partialFingerprints[FINGERPRINT_KEY]);
    assert.ok(prints.every((print) => typeof print === "string" && /^[0-9a-f]{64}$/.test(print)));
    assert.equal(new Set(prints).size, prints.length);
    assert.deepEqual(toSarif(plan, options), sarif);
  });

  it("is plain JSON, and leaves out the optional links when none is given", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(sarif)), sarif);
    const bare = toSarif(plan, { packName: "mlops-guardrails", packVersion: "0.1.0" });
    assert.equal("informationUri" in (bare.runs[0]?.tool.driver ?? {}), false);
    assert.equal("helpUri" in (bare.runs[0]?.tool.driver.rules[0] ?? {}), false);
    const empty = toSarif({ ...plan, findings: [] }, options);
    assert.deepEqual([empty.runs[0]?.results, empty.runs[0]?.tool.driver.rules], [[], []]);
  });
});
