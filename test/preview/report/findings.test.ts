import assert from "node:assert/strict";
import type { Plan, PlanFinding } from "../../../preview/plan";
import { exitCodeOf, renderFindings } from "../../../preview/report/findings";

const ROLE = "urn:pulumi:staging::mlops::mlops:sagemaker:MlPipeline$aws:iam/role:Role::diagnosis-pipeline";
const BUCKET = "urn:pulumi:staging::mlops::aws:s3/bucket:Bucket::diagnosis-data";

function plan(findings: PlanFinding[]): Plan {
  return { project: "mlops", stack: "staging", resources: [], outputs: {}, findings };
}

const findings: PlanFinding[] = [
  {
    policy: "list-policy-waivers",
    enforcementLevel: "advisory",
    urn: BUCKET,
    message: "Waived until 2030-01-01.",
  },
  {
    policy: "require-resources-tags",
    enforcementLevel: "mandatory",
    urn: BUCKET,
    message: "Missing tag Owner.",
  },
  {
    policy: "forbid-iam-wildcard-actions",
    enforcementLevel: "mandatory",
    urn: ROLE,
    message: 'Statement 2 allows "s3:*".\n\nList the actions instead.',
  },
  {
    policy: "limit-sagemaker-instance-types",
    enforcementLevel: "disabled",
    urn: ROLE,
    message: "never shown",
  },
  {
    policy: "require-endpoint-safeguards",
    enforcementLevel: "advisory",
    message: "No endpoint in this stack.",
  },
];

describe("preview policy findings", () => {
  it("lists mandatory findings first, then advisory ones, each policy's together, without disabled ones", () => {
    assert.equal(
      renderFindings(plan(findings), { color: false }),
      [
        "Mandatory findings:",
        "    - forbid-iam-wildcard-actions  (diagnosis-pipeline)",
        '      Statement 2 allows "s3:*".',
        "",
        "      List the actions instead.",
        "    - require-resources-tags  (diagnosis-data)",
        "      Missing tag Owner.",
        "",
        "Advisory findings:",
        "    - list-policy-waivers  (diagnosis-data)",
        "      Waived until 2030-01-01.",
        "    - require-endpoint-safeguards  (mlops-staging)",
        "      No endpoint in this stack.",
        "",
        "Policy: 2 mandatory, 2 advisory",
      ].join("\n"),
    );
  });

  it("says so when there is nothing to report, disabled findings included", () => {
    assert.equal(renderFindings(plan([]), { color: false }), "Policy: no findings");
    assert.equal(renderFindings(plan([findings[3] as PlanFinding]), { color: false }), "Policy: no findings");
  });

  it("counts remediations only when there are some", () => {
    const remediated: PlanFinding = {
      policy: "fix-tags",
      enforcementLevel: "remediate",
      urn: BUCKET,
      message: "Tagged.",
    };
    assert.equal(
      renderFindings(plan([remediated]), { color: false }),
      [
        "Remediate findings:",
        "    - fix-tags  (diagnosis-data)",
        "      Tagged.",
        "",
        "Policy: 0 mandatory, 0 advisory, 1 remediate",
      ].join("\n"),
    );
  });

  it("colors the headings and counts only when asked", () => {
    const colored = renderFindings(plan(findings.slice(0, 2)), { color: true });
    assert.ok(colored.startsWith("\u001b[31mMandatory findings:\u001b[0m\n"));
    assert.ok(colored.includes("\n\u001b[33mAdvisory findings:\u001b[0m\n"));
    assert.ok(colored.endsWith("Policy: \u001b[31m1 mandatory\u001b[0m, \u001b[33m1 advisory\u001b[0m"));
    assert.equal(renderFindings(plan([]), { color: true }), "Policy: \u001b[32mno findings\u001b[0m");
  });

  it("fails the run only on mandatory findings", () => {
    assert.equal(exitCodeOf(findings), 1);
    assert.equal(exitCodeOf(findings.filter((finding) => finding.enforcementLevel !== "mandatory")), 0);
    assert.equal(exitCodeOf([]), 0);
  });
});
