import assert from "node:assert/strict";
import type { Plan, PlanResource } from "../../../preview/plan";
import {
  DEFAULT_WIDTH,
  displayType,
  renderTree,
  shorten,
  type TreeOptions,
} from "../../../preview/report/tree";

const STACK = "urn:pulumi:staging::mlops::";

function resource(type: string, name: string, parent?: PlanResource): PlanResource {
  const chain = parent === undefined ? "" : `${parent.urn.split("::")[2]}$`;
  return {
    urn: `${STACK}${chain}${type}::${name}`,
    type,
    name,
    id: type.startsWith("mlops:") ? "" : `${name}-id`,
    parent: parent?.urn ?? "",
    custom: !type.startsWith("mlops:"),
    dependencies: [],
    propertyDependencies: {},
    options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false },
    inputs: {},
    outputs: {},
  };
}

function plan(resources: PlanResource[], extra: Partial<Plan> = {}): Plan {
  return { project: "mlops", stack: "staging", resources, outputs: {}, findings: [], ...extra };
}

const key = resource("aws:kms/key:Key", "key");
const endpoint = resource("mlops:sagemaker:ModelEndpoint", "diagnosis");
const model = resource("aws:sagemaker/model:Model", "diagnosis", endpoint);
const alarm = resource("aws:cloudwatch/metricAlarm:MetricAlarm", "diagnosis-5xx", endpoint);
const topic = resource("aws:sns/topic:Topic", "alerts");

describe("preview tree", () => {
  it("shows type tokens the way pulumi preview does", () => {
    assert.equal(displayType("aws:s3/bucket:Bucket"), "aws:s3:Bucket");
    assert.equal(displayType("aws:s3/bucketObjectv2:BucketObjectv2"), "aws:s3:BucketObjectv2");
    assert.equal(
      displayType("aws:sagemaker/endpointConfiguration:EndpointConfiguration"),
      "aws:sagemaker:EndpointConfiguration",
    );
    assert.equal(displayType("mlops:sagemaker:ModelEndpoint"), "mlops:sagemaker:ModelEndpoint");
    assert.equal(displayType("pulumi:providers:aws"), "pulumi:providers:aws");
    // Only a file part that repeats the type name is dropped.
    assert.equal(displayType("aws:s3/other:Bucket"), "aws:s3/other:Bucket");
  });

  it("draws resources as a tree under the stack, with the summary per type", () => {
    const text = renderTree(plan([key, endpoint, model, alarm, topic]), { color: false });
    assert.equal(
      text,
      [
        "Previewing update (staging), offline",
        "",
        "     Type                              Name           Plan",
        " +   pulumi:pulumi:Stack               mlops-staging  create",
        " +   ├─ aws:kms:Key                    key            create",
        " +   ├─ mlops:sagemaker:ModelEndpoint  diagnosis      create",
        " +   │  ├─ aws:sagemaker:Model         diagnosis      create",
        " +   │  └─ aws:cloudwatch:MetricAlarm  diagnosis-5xx  create",
        " +   └─ aws:sns:Topic                  alerts         create",
        "",
        "Resources:",
        "    + 6 to create",
        "        1 aws:cloudwatch:MetricAlarm",
        "        1 aws:kms:Key",
        "        1 aws:sagemaker:Model",
        "        1 aws:sns:Topic",
        "        1 mlops:sagemaker:ModelEndpoint",
        "        1 pulumi:pulumi:Stack",
      ].join("\n"),
    );
  });

  it("sorts the counts by count, then type, and shows outputs and notes", () => {
    const buckets = ["data", "artifacts", "logs"].map((name) => resource("aws:s3/bucket:Bucket", name));
    const roles = ["a", "b"].map((name) => resource("aws:iam/role:Role", name));
    const text = renderTree(
      plan([...roles, ...buckets, topic], {
        outputs: {
          endpoints: ["mlops-staging-diagnosis"],
          key: { arn: "arn:aws:kms:key/1", alias: "alias/x" },
        },
        notes: ["Model package served: version 3 (offline stand-in)."],
      }),
      { color: false },
    );
    assert.equal(
      text.slice(text.indexOf("\n\nOutputs:")),
      [
        "",
        "",
        "Outputs:",
        "    endpoints: [",
        '        [0]: "mlops-staging-diagnosis"',
        "    ]",
        "    key      : {",
        '        arn  : "arn:aws:kms:key/1"',
        '        alias: "alias/x"',
        "    }",
        "",
        "Notes:",
        "    - Model package served: version 3 (offline stand-in).",
        "",
        "Resources:",
        "    + 7 to create",
        "        3 aws:s3:Bucket",
        "        2 aws:iam:Role",
        "        1 aws:sns:Topic",
        "        1 pulumi:pulumi:Stack",
      ].join("\n"),
    );
  });

  it("uses a listed stack resource as the root and hides default providers", () => {
    const stack = resource("pulumi:pulumi:Stack", "mlops-staging");
    const provider = resource("pulumi:providers:aws", "default_7_48_0");
    const child = { ...resource("aws:kms/key:Key", "key"), parent: stack.urn };
    const orphan = { ...resource("aws:sns/topic:Topic", "alerts"), parent: `${STACK}mlops:x:Gone::gone` };
    const lines = renderTree(plan([stack, provider, child, orphan]), { color: false }).split("\n");
    assert.deepEqual(lines.slice(2, 6), [
      "     Type                 Name           Plan",
      " +   pulumi:pulumi:Stack  mlops-staging  create",
      " +   ├─ aws:kms:Key       key            create",
      " +   └─ aws:sns:Topic     alerts         create",
    ]);
    assert.ok(lines.includes("    + 3 to create"));
  });

  it("colors only when asked", () => {
    const green = (text: string) => `\u001b[32m${text}\u001b[0m`;
    const plain = renderTree(plan([key]), { color: false });
    const colored = renderTree(plan([key]), { color: true });
    assert.ok(!plain.includes("\u001b"));
    assert.ok(colored.includes(` ${green("+")}   └─ aws:kms:Key       key            ${green("create")}\n`));
    assert.ok(colored.includes(`    ${green("+ 2 to create")}\n`));
    assert.equal(colored.split("\u001b[32m").join("").split("\u001b[0m").join(""), plain);
  });

  describe("fitting the width and collapsing runs", () => {
    const component = resource("mlops:sagemaker:MonitoringSchedule", "mlops-staging-diagnosis-data-quality");
    const schedule = resource(
      "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
      "mlops-staging-diagnosis-data-quality",
      component,
    );
    const drift = Array.from({ length: 30 }, (_, index) =>
      resource(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        `mlops-staging-diagnosis-data-quality-drift-feature${index}`,
        component,
      ),
    );
    const rules = ["violations", "failures"].map((kind) =>
      resource(
        "aws:cloudwatch/eventRule:EventRule",
        `mlops-staging-diagnosis-data-quality-${kind}`,
        component,
      ),
    );
    const small = plan([key, component, schedule, ...drift, ...rules, topic]);
    const rows = (options: TreeOptions) => {
      const lines = renderTree(small, options).split("\n");
      return lines.slice(2, lines.indexOf("Resources:") - 1);
    };

    it("shortens names, then types, in the middle to fit a narrow width, and collapses a long run", () => {
      assert.deepEqual(rows({ color: false, width: 72 }), [
        "     Type                                 Name                    Plan",
        " +   pulumi:pulumi:Stack                  mlops-staging           create",
        " +   ├─ aws:kms:Key                       key                     create",
        " +   ├─ mlops:sage…er:MonitoringSchedule  mlops-s…s-data-quality  create",
        " +   │  ├─ aws:sagem…:MonitoringSchedule  mlops-s…s-data-quality  create",
        " +   │  ├─ 30 × aws:…udwatch:MetricAlarm  mlops-s…uality-drift-*  create",
        " +   │  ├─ aws:cloudwatch:EventRule       mlops-s…ity-violations  create",
        " +   │  └─ aws:cloudwatch:EventRule       mlops-s…ality-failures  create",
        " +   └─ aws:sns:Topic                     alerts                  create",
      ]);
    });

    it("collapses a run of more than three of one type under one parent into one line, counted", () => {
      const lines = rows({ color: false });
      const runs = lines.filter((line) => line.includes(" × "));
      assert.deepEqual(runs, [
        " +   │  ├─ 30 × aws:cloudwatch:MetricAlarm   mlops-staging-diagnosis-data-quality-drift-*     create",
      ]);
      assert.equal(lines.filter((line) => line.includes("EventRule")).length, 2);
      // The summary still counts every resource.
      const text = renderTree(small, { color: false });
      assert.ok(text.includes("\n        30 aws:cloudwatch:MetricAlarm\n"));
      assert.ok(text.includes("\n    + 37 to create\n"));
    });

    it("lists every resource with expand", () => {
      const lines = rows({ color: false, expand: true });
      assert.ok(!lines.some((line) => line.includes(" × ")));
      const alarms = lines.filter((line) => line.includes("aws:cloudwatch:MetricAlarm"));
      assert.equal(alarms.length, 30);
      for (const [index, line] of alarms.entries()) {
        assert.ok(line.includes(`-drift-feature${index} `), line);
      }
      // The header, the stack and the 36 resources under it.
      assert.equal(lines.length, 1 + 1 + 36);
    });

    it("does not collapse a run of three, or resources that have children", () => {
      const three = plan([component, ...drift.slice(0, 3)]);
      assert.equal(renderTree(three, { color: false }), renderTree(three, { color: false, expand: true }));
      const parents = ["a", "b", "c", "d"].map((name) => resource("mlops:s3:SecureBucket", name));
      const buckets = parents.map((parent) => resource("aws:s3/bucket:Bucket", parent.name, parent));
      const nested = plan([...parents, ...buckets]);
      assert.equal(renderTree(nested, { color: false }), renderTree(nested, { color: false, expand: true }));
    });

    it("fits the tree in the width, and leaves it whole when it fits", () => {
      for (const width of [60, 72, 80, 100]) {
        for (const line of rows({ color: false, width }))
          assert.ok([...line].length <= width, `${width}: ${line}`);
      }
      assert.deepEqual(rows({ color: false }), rows({ color: false, width: DEFAULT_WIDTH }));
      assert.deepEqual(
        rows({ color: false, width: Number.NaN }),
        rows({ color: false, width: DEFAULT_WIDTH }),
      );
      assert.deepEqual(rows({ color: false, width: 1000 }), rows({ color: false, width: 200 }));
      assert.ok(rows({ color: false, width: 200 }).some((line) => line.includes("drift-*")));
    });

    it("shortens text in the middle, keeping more of its end", () => {
      assert.equal(shorten("mlops-staging-diagnosis-data", 10), "mlo…s-data");
      assert.equal(shorten("short", 10), "short");
      assert.equal(shorten("abc", 1), "…");
    });
  });
});
