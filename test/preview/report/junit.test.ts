import assert from "node:assert/strict";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { Plan, PlanFinding } from "../../../preview/plan";
import { toJunit } from "../../../preview/report/junit";

const BUCKET = "urn:pulumi:staging::mlops::aws:s3/bucket:Bucket::diagnosis-data";
const ROLE = "urn:pulumi:staging::mlops::aws:iam/role:Role::diagnosis-pipeline";
const NASTY = `Tag "Owner" <&> isn't set`;

const findings: PlanFinding[] = [
  { policy: "require-resources-tags", enforcementLevel: "mandatory", urn: BUCKET, message: NASTY },
  {
    policy: "require-resources-tags",
    enforcementLevel: "mandatory",
    urn: ROLE,
    message: "Missing tag Owner.",
  },
  {
    policy: "list-policy-waivers",
    enforcementLevel: "advisory",
    urn: ROLE,
    message: "Waived <until> 2030 & later\nby ops.",
  },
  {
    policy: "limit-sagemaker-instance-types",
    enforcementLevel: "disabled",
    urn: ROLE,
    message: "Not checked.",
  },
];

const plan: Plan = { project: "mlops", stack: "staging", resources: [], outputs: {}, findings };

interface TestCase {
  "@_classname": string;
  "@_name": string;
  failure?: { "#text": string; "@_message": string; "@_type": string };
  skipped?: { "@_message": string };
  "system-out"?: string;
}
interface TestSuite {
  "@_name": string;
  "@_tests": string;
  "@_failures": string;
  "@_skipped": string;
  "@_errors": string;
  testcase: TestCase[];
}
interface Report {
  testsuites: Omit<TestSuite, "testcase"> & { testsuite: TestSuite[] };
}

function parse(xml: string): Report {
  assert.equal(XMLValidator.validate(xml), true);
  const parser = new XMLParser({
    ignoreAttributes: false,
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    htmlEntities: true,
    isArray: (name) => name === "testsuite" || name === "testcase",
  });
  return parser.parse(xml) as Report;
}

describe("preview JUnit report", () => {
  const xml = toJunit(plan, { policies: ["require-resources-tags", "restrict-iam-pass-role"] });
  const report = parse(xml);
  const suites = report.testsuites.testsuite;
  const suite = (name: string) => suites.find((candidate) => candidate["@_name"] === name);

  it("is well-formed XML with one suite per policy that ran", () => {
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites'));
    assert.deepEqual(
      suites.map((candidate) => candidate["@_name"]),
      ["list-policy-waivers", "require-resources-tags", "restrict-iam-pass-role"],
    );
  });

  it("counts tests, failures and skipped per suite and in all", () => {
    const counts = (element: Omit<TestSuite, "testcase">) =>
      [element["@_tests"], element["@_failures"], element["@_skipped"], element["@_errors"]].map(Number);
    assert.deepEqual(counts(report.testsuites), [4, 2, 1, 0]);
    assert.deepEqual(suites.map(counts), [
      [1, 0, 1, 0],
      [2, 2, 0, 0],
      [1, 0, 0, 0],
    ]);
    for (const candidate of suites) assert.equal(candidate.testcase.length, Number(candidate["@_tests"]));
  });

  it("makes mandatory findings failures, advisory ones skipped, and a clean policy a pass", () => {
    const [bucket, role] = suite("require-resources-tags")?.testcase ?? [];
    assert.equal(bucket?.["@_name"], "diagnosis-data");
    assert.equal(bucket?.["@_classname"], "require-resources-tags");
    assert.equal(bucket?.failure?.["@_type"], "mandatory");
    assert.equal(role?.failure?.["@_message"], "Missing tag Owner.");
    const [waiver] = suite("list-policy-waivers")?.testcase ?? [];
    assert.equal(waiver?.failure, undefined);
    assert.equal(waiver?.skipped?.["@_message"], "advisory: Waived <until> 2030 & later\nby ops.");
    assert.equal(waiver?.["system-out"], `Waived <until> 2030 & later\nby ops.\n\nResource: ${ROLE}`);
    const [clean] = suite("restrict-iam-pass-role")?.testcase ?? [];
    assert.deepEqual(clean, { "@_classname": "restrict-iam-pass-role", "@_name": "mlops-staging" });
  });

  it("escapes &, <, >, quotes and apostrophes in attributes and text", () => {
    const [bucket] = suite("require-resources-tags")?.testcase ?? [];
    assert.equal(bucket?.failure?.["@_message"], NASTY);
    assert.equal(bucket?.failure?.["#text"], `${NASTY}\n\nResource: ${BUCKET}`);
    assert.ok(xml.includes('message="Tag &quot;Owner&quot; &lt;&amp;&gt; isn&apos;t set"'));
  });

  it("lists only the policies with findings when not told which ran", () => {
    const names = parse(toJunit(plan)).testsuites.testsuite.map((candidate) => candidate["@_name"]);
    assert.deepEqual(names, ["list-policy-waivers", "require-resources-tags"]);
    const empty = parse(toJunit({ ...plan, findings: [] }));
    assert.equal(empty.testsuites["@_tests"], "0");
  });

  it("keeps characters XML cannot carry out of the report, and the rest as they are", () => {
    const message = "bell\u0007 lone\ud800 nonchar\ufffe emoji\u{1f680} tab\tend";
    const odd = toJunit({ ...plan, findings: [{ ...findings[0], message } as PlanFinding] });
    const allowed = (char: string) => {
      const code = char.codePointAt(0) ?? 0;
      return (
        ["\t", "\n", "\r"].includes(char) ||
        (code >= 0x20 && code <= 0xd7ff) ||
        (code >= 0xe000 && code <= 0xfffd) ||
        code >= 0x10000
      );
    };
    assert.ok([...odd].every(allowed));
    assert.ok(odd.includes('message="bell\ufffd lone\ufffd nonchar\ufffd emoji\u{1f680} tab&#9;end"'));
  });
});
