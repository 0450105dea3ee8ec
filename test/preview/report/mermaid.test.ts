import assert from "node:assert/strict";
import type { Plan, PlanResource } from "../../../preview/plan";
import { commonNamePrefix, mermaidId, toMermaid } from "../../../preview/report/mermaid";

const STACK = "urn:pulumi:staging::mlops::";

function resource(
  type: string,
  name: string,
  options: { parent?: PlanResource; deps?: PlanResource[] } = {},
) {
  const chain =
    options.parent === undefined ? "" : `${options.parent.urn.slice(STACK.length).split("::")[0]}$`;
  const custom = !type.startsWith("mlops:");
  return {
    urn: `${STACK}${chain}${type}::${name}`,
    type,
    name,
    id: custom ? `${name}-id` : "",
    parent: options.parent?.urn ?? "",
    custom,
    dependencies: (options.deps ?? []).map((dependency) => dependency.urn),
    propertyDependencies: {},
    options: { protect: false },
    inputs: {},
    outputs: {},
  } satisfies PlanResource;
}

function plan(resources: PlanResource[]): Plan {
  return { project: "mlops", stack: "staging", resources, outputs: {}, findings: [] };
}

const provider = resource("pulumi:providers:aws", "aws-east");
const key = resource("aws:kms/key:Key", "key", { deps: [provider] });
const topic = resource("aws:sns/topic:Topic", 'alerts "staging" #1', { deps: [key, provider] });
const pipelineComponent = resource("mlops:sagemaker:MlPipeline", "diagnosis");
const bucket = resource("aws:s3/bucket:Bucket", "diagnosis-data", {
  parent: pipelineComponent,
  deps: [key, key],
});
const role = resource("aws:iam/role:Role", "diagnosis-pipeline", { parent: pipelineComponent });
const pipeline = resource("aws:sagemaker/pipeline:Pipeline", "diagnosis", {
  parent: pipelineComponent,
  deps: [bucket, role, pipelineComponent],
});
const endpointComponent = resource("mlops:sagemaker:ModelEndpoint", "diagnosis", {
  deps: [pipelineComponent],
});
const model = resource("aws:sagemaker/model:Model", "diagnosis", { parent: endpointComponent, deps: [role] });
const alarms = ["5xx", "4xx", "latency"].map((kind) =>
  resource("aws:cloudwatch/metricAlarm:MetricAlarm", `diagnosis-${kind}`, {
    parent: endpointComponent,
    deps: [model, topic],
  }),
);
const monitoring = resource("mlops:sagemaker:MonitoringSchedule", "diagnosis", {
  parent: endpointComponent,
  deps: [model],
});
const drift = Array.from({ length: 30 }, (_, index) =>
  resource("aws:cloudwatch/metricAlarm:MetricAlarm", `diagnosis-drift-feature${index}`, {
    parent: monitoring,
    deps: [topic, endpointComponent],
  }),
);
const empty = resource("mlops:sagemaker:AlertTopic", "unused");

const all = [
  provider,
  key,
  topic,
  pipelineComponent,
  bucket,
  role,
  pipeline,
  endpointComponent,
  model,
  ...alarms,
];
const everything = [...all, monitoring, ...drift, empty];

/** The node definitions (`id["label"]`, subgraphs included) and the links of a diagram. */
function parts(diagram: string) {
  const lines = diagram.split("\n").map((line) => line.trim());
  const nodes = lines.flatMap((line) => /^(?:subgraph )?(\S+?)\["/.exec(line)?.slice(1, 2) ?? []);
  const links = lines.filter((line) => line.includes(" --> "));
  return { nodes, links };
}

describe("preview mermaid diagram", () => {
  it("draws components as nested subgraphs, resources as nodes, and dependencies once", () => {
    assert.equal(
      toMermaid(plan(everything)),
      [
        "flowchart LR",
        '  Key_key["Key<br/>key"]',
        '  Topic_alerts_staging_1["Topic<br/>alerts #quot;staging#quot; #35;1"]',
        '  AlertTopic_unused["AlertTopic<br/>unused"]',
        '  subgraph MlPipeline_diagnosis["MlPipeline<br/>diagnosis"]',
        '    Role_diagnosis_pipeline["Role<br/>diagnosis-pipeline"]',
        '    Bucket_diagnosis_data["Bucket<br/>diagnosis-data"]',
        '    Pipeline_diagnosis["Pipeline<br/>diagnosis"]',
        "  end",
        '  subgraph ModelEndpoint_diagnosis["ModelEndpoint<br/>diagnosis"]',
        '    MetricAlarm_diagnosis_4xx["MetricAlarm<br/>diagnosis-4xx"]',
        '    MetricAlarm_diagnosis_5xx["MetricAlarm<br/>diagnosis-5xx"]',
        '    MetricAlarm_diagnosis_latency["MetricAlarm<br/>diagnosis-latency"]',
        '    Model_diagnosis["Model<br/>diagnosis"]',
        '    subgraph MonitoringSchedule_diagnosis["MonitoringSchedule<br/>diagnosis"]',
        '      MetricAlarm_diagnosis_drift_x30["MetricAlarm × 30<br/>diagnosis-drift-*"]',
        "    end",
        "  end",
        "  Bucket_diagnosis_data --> Pipeline_diagnosis",
        "  Key_key --> Bucket_diagnosis_data",
        "  Key_key --> Topic_alerts_staging_1",
        "  MlPipeline_diagnosis --> ModelEndpoint_diagnosis",
        "  Model_diagnosis --> MetricAlarm_diagnosis_4xx",
        "  Model_diagnosis --> MetricAlarm_diagnosis_5xx",
        "  Model_diagnosis --> MetricAlarm_diagnosis_latency",
        "  Model_diagnosis --> MonitoringSchedule_diagnosis",
        "  Role_diagnosis_pipeline --> Model_diagnosis",
        "  Role_diagnosis_pipeline --> Pipeline_diagnosis",
        "  Topic_alerts_staging_1 --> MetricAlarm_diagnosis_4xx",
        "  Topic_alerts_staging_1 --> MetricAlarm_diagnosis_5xx",
        "  Topic_alerts_staging_1 --> MetricAlarm_diagnosis_drift_x30",
        "  Topic_alerts_staging_1 --> MetricAlarm_diagnosis_latency",
        "",
      ].join("\n"),
    );
  });

  it("gives the same diagram whatever order the resources come in", () => {
    const expected = toMermaid(plan(everything));
    assert.equal(toMermaid(plan([...everything].reverse())), expected);
    const shuffled = [...everything].sort(
      (a, b) => ((a.name.length * 7 + a.type.length) % 5) - ((b.name.length * 7 + b.type.length) % 5),
    );
    assert.equal(toMermaid(plan(shuffled)), expected);
  });

  it("draws every dependency between drawn resources exactly once, and none to providers or containers", () => {
    const { nodes, links } = parts(toMermaid(plan(all)));
    assert.equal(new Set(links).size, links.length);
    // No two resources of `all` share a type's short name and a name, so each id is the plain one.
    const idOf = new Map(all.map((item) => [item.urn, mermaidId(`${item.type.split(":")[2]}_${item.name}`)]));
    const expected = new Set<string>();
    for (const item of all) {
      for (const dependency of item.dependencies) {
        const [from, to] = [idOf.get(dependency), idOf.get(item.urn)];
        if (dependency === provider.urn || dependency === item.parent) continue;
        expected.add(`${from} --> ${to}`);
      }
    }
    assert.deepEqual(new Set(links), expected);
    for (const end of links.flatMap((link) => link.split(" --> "))) assert.ok(nodes.includes(end), end);
    assert.ok(!links.some((link) => link.includes("aws_east")));
  });

  it("groups more than three resources of one type under one parent, and only then", () => {
    const four = resource("aws:cloudwatch/metricAlarm:MetricAlarm", "diagnosis-errors", {
      parent: endpointComponent,
      deps: [model],
    });
    const { nodes, links } = parts(toMermaid(plan([...all, four])));
    assert.ok(nodes.includes("MetricAlarm_diagnosis_x4"));
    assert.ok(!nodes.some((node) => node.startsWith("MetricAlarm_diagnosis_4xx")));
    assert.deepEqual(
      links.filter((link) => link.includes("MetricAlarm")),
      ["Model_diagnosis --> MetricAlarm_diagnosis_x4", "Topic_alerts_staging_1 --> MetricAlarm_diagnosis_x4"],
    );
    assert.equal(
      parts(toMermaid(plan(all))).nodes.filter((node) => node.startsWith("MetricAlarm")).length,
      3,
    );
  });

  it("makes valid, unique ids", () => {
    const { nodes, links } = parts(toMermaid(plan(everything)));
    const twin = resource("aws:iam/policy:Policy", "x.y");
    const other = resource("aws:appautoscaling/policy:Policy", "x-y");
    const odd = resource("aws:s3/bucket:Bucket", "end", { deps: [twin, other] });
    const more = parts(toMermaid(plan([twin, other, odd])));
    for (const id of [
      ...nodes,
      ...more.nodes,
      ...[...links, ...more.links].flatMap((link) => link.split(" --> ")),
    ]) {
      assert.match(id, /^[A-Za-z0-9_]+$/);
    }
    assert.equal(new Set(nodes).size, nodes.length);
    assert.deepEqual(more.nodes, ["Policy_x_y", "Policy_x_y_2", "Bucket_end"]);
    assert.equal(mermaidId("end"), "n_end");
    assert.equal(mermaidId("9lives"), "n_9lives");
    assert.equal(mermaidId("ops-team"), "n_ops_team");
  });

  it("labels a group with the start its names share, cut at a separator", () => {
    assert.equal(commonNamePrefix(["alarm-a1", "alarm-a2"]), "alarm-");
    assert.equal(commonNamePrefix(["one", "two"]), "");
  });
});
