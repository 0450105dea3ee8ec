import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { EXIT } from "../../ops/errors";
import { readSampleRows, SAMPLE_DATA } from "../../ops/sampleData";
import { REPOSITORY_ROOT } from "../../preview";

/** The label and features of the sample data, line by line (line 1 is the header). */
const SAMPLE_LINES = readFileSync(path.join(REPOSITORY_ROOT, SAMPLE_DATA), "utf8").trim().split("\n");

describe("ops sample rows", function () {
  it("are spread over the file, both classes, the 30 features without the target column", function () {
    const sample = readSampleRows(SAMPLE_DATA, "target", 10);

    assert.equal(sample.features.length, 30);
    assert.ok(!sample.features.includes("target"));
    assert.equal(sample.rows.length, 10);
    for (const [index, row] of sample.rows.entries()) {
      const line = SAMPLE_LINES[(sample.lines[index] ?? 0) - 1] ?? "";
      assert.equal(row, line.split(",").slice(0, 30).join(","), `line ${sample.lines[index]}`);
    }
    const labels = new Set(sample.lines.map((line) => SAMPLE_LINES[line - 1]?.split(",")[30]));
    assert.deepEqual([...labels].sort(), ["0", "1"]);
  });

  it("refuses a file without the model's target column, and more rows than it has", function () {
    assert.throws(() => readSampleRows(SAMPLE_DATA, "label", 3), {
      exitCode: EXIT.badInput,
      message:
        /^ml\/data\/breast-cancer\.csv has no column "label" \(the model's pipeline\.targetColumn\); its columns: mean_radius, /,
    });
    assert.throws(() => readSampleRows(SAMPLE_DATA, "target", 1000), {
      exitCode: EXIT.badInput,
      message: "--rows 1000: ml/data/breast-cancer.csv has only 569 data rows",
    });
  });
});
