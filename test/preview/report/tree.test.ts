import assert from "node:assert/strict";
import type { Plan, PlanResource } from "../../../preview/plan";
import { displayType, renderTree } from "../../../preview/report/tree";

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
    options: { protect: false },
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
});
