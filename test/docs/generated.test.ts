import { ProductionVariantInstanceType } from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import {
  configReference,
  configSections,
  ConfigRow,
  GeneratedDoc,
  generatedDocs,
  policyTable,
  replaceGenerated,
} from "../../docs/generate";
import { policies } from "../../policies/pack";
import { stackConfigSchema } from "../../stacks/schema";

const REPO = path.resolve(__dirname, "..", "..");
const RULE_FILES = readdirSync(path.join(REPO, "policies", "rules"))
  .filter((file) => file.endsWith(".ts"))
  .map((file) => file.replace(/\.ts$/, ""))
  .sort();

function rowsByKey(schema: z.core.$ZodType): Map<string, ConfigRow> {
  return new Map(configSections(schema).flatMap((section) => section.rows.map((row) => [row.key, row])));
}

/** The first column of each row of the Markdown table in `text` (header and separator left out). */
function firstColumn(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .slice(2)
    .map((line) => line.split("|")[1].trim().replace(/`/g, ""));
}

describe("generated docs (docs/generate.ts)", function () {
  // Loading the pack's rules reads AWS's IAM data once.
  this.timeout(60_000);
  let docs: GeneratedDoc[] = [];
  before(async () => {
    docs = await generatedDocs();
  });

  for (const file of ["docs/configuration.md", "docs/policies.md"]) {
    it(`${file} is what the code generates`, () => {
      const doc = docs.find((d) => d.file === file) ?? assert.fail(`${file} is not generated`);
      assert.ok(
        doc.current === doc.expected,
        `${file} is out of date with the code it documents: run \`npm run docs\` and commit the result`,
      );
    });
  }

  describe("the configuration reference", () => {
    const rows = rowsByKey(stackConfigSchema);

    it("flattens nested keys to dotted paths, lists marked [] and every key of the schema", () => {
      for (const key of [
        "environment",
        "alerts.emails",
        "models[].name",
        "models[].endpoint.instanceType",
        "models[].endpoint.autoscaling.minCapacity",
        "models[].endpoint.challengers[].modelPackage",
        "delivery.github.repository",
      ]) {
        assert.ok(rows.has(key), `no row for ${key}`);
      }
    });

    it("describes every key: each setting's description is defined once, with the setting", () => {
      const undescribed = [...rows.values()].filter((row) => row.description === "").map((row) => row.key);
      assert.deepEqual(undescribed, []);
    });

    it("gives types, ranges, defaults and whether a key is required, from the schema", () => {
      const row = (key: string) => rows.get(key) ?? assert.fail(`no row for ${key}`);
      assert.equal(row("models[].pipeline.processingInstanceType").default, "`ml.m5.large`");
      assert.equal(row("models[].endpoint.shadow.instanceType").default, "`ml.m5.large`");
      assert.equal(row("encryption.keyDeletionWindowDays").type, "integer 7–30");
      assert.equal(row("encryption.keyDeletionWindowDays").default, "`30`");
      assert.equal(
        row("models[].endpoint.deployment.strategy").type,
        "one of `ALL_AT_ONCE`, `CANARY`, `LINEAR`",
      );
      assert.equal(row("environment").required, true);
      assert.equal(row("namePrefix").required, false);
      // Required within its mapping, which itself is optional.
      assert.equal(row("models[].endpoint.autoscaling.minCapacity").required, true);
    });

    it("summarises an enum of hundreds of instance types instead of listing them", () => {
      const type = (rows.get("models[].endpoint.instanceType") ?? assert.fail("no row")).type;
      const count = Object.values(ProductionVariantInstanceType).length;
      assert.ok(count > 100, `${count} endpoint instance types`);
      assert.ok(!type.includes("ml.m5.large"), type);
      assert.ok(type.length < 120, type);
    });

    it("takes descriptions and documented defaults from the schema's metadata, and invents none", () => {
      const instanceType = z
        .enum(Array.from({ length: 20 }, (_, i) => `ml.m${i}.large`) as [string, ...string[]])
        .describe("a SageMaker endpoint instance type (ProductionVariantInstanceType)");
      const schema = z.strictObject({
        described: z.number().int().min(1).max(9).describe("How many").default(3),
        meta: z.string().meta({ description: "Prefix of names", default: "mlops-<environment>" }).optional(),
        plain: z.boolean(),
        instances: instanceType.default("ml.m1.large").describe("Instances of the primary variant"),
        unnamed: z.enum(Array.from({ length: 12 }, (_, i) => `v${i}`) as [string, ...string[]]).optional(),
        section: z.strictObject({ inner: z.string().describe("A *starred* s3:* value") }).optional(),
      });
      const rows = rowsByKey(schema);
      const row = (key: string) => rows.get(key) ?? assert.fail(`no row for ${key}`);
      assert.deepEqual(row("described"), {
        key: "described",
        type: "integer 1–9",
        default: "`3`",
        required: false,
        description: "How many",
      });
      assert.equal(row("meta").default, "`mlops-<environment>`");
      assert.equal(row("plain").description, "");
      assert.equal(
        row("instances").type,
        "a SageMaker endpoint instance type (ProductionVariantInstanceType)",
      );
      assert.equal(row("instances").description, "Instances of the primary variant");
      assert.equal(row("unnamed").type, "one of 12 values");
      assert.equal(row("section.inner").description, "A \\*starred\\* s3:\\* value");
      assert.equal(configReference(schema), configReference(schema), "deterministic");
    });
  });

  describe("the policy rule table", () => {
    it("has one row per rule file in policies/rules/", () => {
      const table = policyTable(policies, [{ stack: "staging", config: {} }]);
      assert.deepEqual(firstColumn(table).sort(), RULE_FILES);
    });

    it("shows each stack's level and settings, with the rule's defaults where the stack sets none", () => {
      const table = policyTable(policies, [
        { stack: "a", config: { "require-endpoint-instance-counts": { maxInstanceCount: 7 } } },
        { stack: "b", config: { "require-endpoint-instance-counts": "advisory" } },
      ]);
      const [header] = table.split("\n");
      assert.equal(
        header.replace(/\s+/g, " "),
        "| Rule | Description | Severity | Controls | a: level | a: settings | b: level | b: settings |",
      );
      const line =
        table.split("\n").find((l) => l.startsWith("| `require-endpoint-instance-counts`")) ?? assert.fail();
      const cells = line.split("|").map((c) => c.trim());
      assert.deepEqual(cells.slice(5), [
        "mandatory",
        "`minInstancesPerVariant=1`, `maxInstanceCount=7`",
        "advisory",
        "`minInstancesPerVariant=1`, `maxInstanceCount=20`",
        "",
      ]);
    });
  });

  describe("the policy rule table's metadata", () => {
    const cellsOf = (table: string, rule: string) =>
      (table.split("\n").find((l) => l.startsWith(`| \`${rule}\``)) ?? assert.fail(`no row for ${rule}`))
        .split("|")
        .map((c) => c.trim());

    it("shows each rule's severity and its controls as code, from the rule", () => {
      const table = policyTable(policies, []);
      assert.deepEqual(cellsOf(table, "require-s3-bucket-protection").slice(3, 5), [
        "high",
        "`S3.5`, `S3.8`, `S3.12`, `S3.13`, `S3.14`, `S3.17`",
      ]);
      assert.deepEqual(cellsOf(table, "restrict-iam-trust-principals").slice(3, 5), ["critical", ""]);
    });

    it("leaves both blank for a policy that was not built as a rule of the pack", () => {
      const other = {
        name: "other-policy",
        description: "Another pack's policy.",
        validateStack: () => undefined,
      };
      assert.deepEqual(cellsOf(policyTable([other], []), "other-policy").slice(1, 5), [
        "`other-policy`",
        "Another pack's policy.",
        "",
        "",
      ]);
    });
  });

  it("refuses a page without the markers of its generated part", () => {
    assert.throws(
      () => replaceGenerated("# Title\n", "config", "x", "docs/x.md"),
      /docs\/x\.md has no "<!-- BEGIN GENERATED: config -->"/,
    );
    assert.equal(
      replaceGenerated(
        "a\n<!-- BEGIN GENERATED: p -->\nold\n<!-- END GENERATED: p -->\nb\n",
        "p",
        "new",
        "f",
      ),
      "a\n<!-- BEGIN GENERATED: p -->\n\nnew\n\n<!-- END GENERATED: p -->\nb\n",
    );
  });
});
