import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { runProgramOffline } from "../../../preview";
import type { Plan, PlanResource } from "../../../preview/plan";
import { commonNamePrefix, mermaidId, toMermaid } from "../../../preview/report/mermaid";
import { syntheticStackRoot } from "../../helpers/syntheticStack";

const STACK = "urn:pulumi:staging::mlops::";

function resource(
  type: string,
  name: string,
  options: { parent?: PlanResource; deps?: PlanResource[]; model?: string } = {},
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
    options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false },
    inputs: options.model === undefined ? {} : { tags: { Environment: "staging", Model: options.model } },
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
const dataComponent = resource("mlops:s3:SecureBucket", "diagnosis-data", { parent: pipelineComponent });
const bucket = resource("aws:s3/bucket:Bucket", "diagnosis-data", {
  parent: dataComponent,
  deps: [key, key],
  model: "diagnosis",
});
const role = resource("aws:iam/role:Role", "diagnosis-pipeline", {
  parent: pipelineComponent,
  model: "diagnosis",
});
const pipeline = resource("aws:sagemaker/pipeline:Pipeline", "diagnosis", {
  parent: pipelineComponent,
  deps: [bucket, role, pipelineComponent],
  model: "diagnosis",
});
const endpointComponent = resource("mlops:sagemaker:ModelEndpoint", "diagnosis", {
  deps: [pipelineComponent],
});
const model = resource("aws:sagemaker/model:Model", "diagnosis", {
  parent: endpointComponent,
  deps: [role, bucket],
  model: "diagnosis",
});
const alarms = ["5xx", "4xx", "latency"].map((kind) =>
  resource("aws:cloudwatch/metricAlarm:MetricAlarm", `diagnosis-${kind}`, {
    parent: endpointComponent,
    deps: [model, topic],
    model: "diagnosis",
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
    model: "diagnosis",
  }),
);
const triageComponent = resource("mlops:sagemaker:MlPipeline", "triage");
const triagePipeline = resource("aws:sagemaker/pipeline:Pipeline", "triage", {
  parent: triageComponent,
  deps: [key],
  model: "triage",
});
const deployComponent = resource("mlops:delivery:GithubDeployAccess", "github");
const deployPolicy = resource("aws:iam/policy:Policy", "github-deploy", {
  parent: deployComponent,
  deps: [pipeline, triagePipeline, model],
});
const empty = resource("mlops:sagemaker:AlertTopic", "unused");

const all = [
  provider,
  key,
  topic,
  pipelineComponent,
  dataComponent,
  bucket,
  role,
  pipeline,
  endpointComponent,
  model,
  ...alarms,
  monitoring,
  ...drift,
  triageComponent,
  triagePipeline,
  deployComponent,
  deployPolicy,
  empty,
];

/** The node definitions (`id["label"]`, subgraphs included) and the links of a diagram. */
function parts(diagram: string) {
  const lines = diagram.split("\n").map((line) => line.trim());
  const nodes = lines.flatMap((line) => /^(?:subgraph )?(\S+?)\["/.exec(line)?.slice(1, 2) ?? []);
  const links = lines.filter((line) => line.includes(" --> "));
  return { nodes, links };
}

describe("preview mermaid diagram", () => {
  it("draws a node per component, each model's in a subgraph, and the links between them once", () => {
    assert.equal(
      toMermaid(plan(all)),
      [
        "flowchart LR",
        '  K1["Key<br/>key"]',
        '  T1["Topic<br/>alerts #quot;staging#quot; #35;1"]',
        '  GDA1["GithubDeployAccess<br/>github"]',
        '  AT1["AlertTopic<br/>unused"]',
        '  subgraph model_diagnosis["diagnosis"]',
        '    subgraph MP1["MlPipeline<br/>diagnosis"]',
        '      SB1["SecureBucket<br/>diagnosis-data"]',
        "    end",
        '    subgraph ME1["ModelEndpoint<br/>diagnosis"]',
        '      MS1["MonitoringSchedule<br/>diagnosis"]',
        "    end",
        "  end",
        '  subgraph model_triage["triage"]',
        '    MP2["MlPipeline<br/>triage"]',
        "  end",
        "  K1 --> T1",
        "  K1 --> model_triage",
        "  MP1 --> ME1",
        "  SB1 --> ME1",
        "  T1 --> model_diagnosis",
        "  model_diagnosis --> GDA1",
        "  model_triage --> GDA1",
        "",
      ].join("\n"),
    );
  });

  it("gives the same diagram whatever order the resources come in", () => {
    const expected = toMermaid(plan(all));
    assert.equal(toMermaid(plan([...all].reverse())), expected);
    const shuffled = [...all].sort(
      (a, b) => ((a.name.length * 7 + a.type.length) % 5) - ((b.name.length * 7 + b.type.length) % 5),
    );
    assert.equal(toMermaid(plan(shuffled)), expected);
  });

  it("leaves out a link that a path of others shows, and keeps what reaches what around a cycle", () => {
    // The key reaches the diagnosis model through its topic: K1 --> model_diagnosis is not drawn.
    const { links } = parts(toMermaid(plan(all)));
    assert.ok(links.includes("K1 --> T1") && links.includes("T1 --> model_diagnosis"));
    assert.ok(!links.includes("K1 --> model_diagnosis"));
    // Each of a --> b and a --> c is a shortcut through the other (b and c depend on each other);
    // only the first in order goes, so a still reaches both.
    const a = resource("mlops:x:Source", "a");
    const b = resource("mlops:x:Left", "b", { deps: [a] });
    const c = resource("mlops:x:Right", "c", { deps: [a, b] });
    b.dependencies.push(c.urn);
    const cycle = parts(toMermaid(plan([a, b, c]))).links;
    assert.deepEqual(cycle, ["L1 --> R1", "R1 --> L1", "S1 --> R1"]);
  });

  it("links only what is drawn, never a component and what it contains", () => {
    const { nodes, links } = parts(toMermaid(plan(all)));
    assert.equal(new Set(links).size, links.length);
    for (const end of links.flatMap((link) => link.split(" --> "))) assert.ok(nodes.includes(end), end);
    // The pipeline uses its own bucket, and the monitoring schedule its endpoint's model: no link.
    assert.ok(!links.includes("SB1 --> MP1") && !links.includes("ME1 --> MS1"));
    // The bucket the endpoint's model reads from is linked, within the model's group.
    assert.ok(links.includes("SB1 --> ME1"));
  });

  it("leaves a component used by several models at the stack level", () => {
    const shared = resource("mlops:sns:AlertTopic", "shared");
    const sharedTopics = ["diagnosis", "triage"].map((name) =>
      resource("aws:sns/topic:Topic", `shared-${name}`, { parent: shared, model: name }),
    );
    const { nodes } = parts(toMermaid(plan([...all, shared, ...sharedTopics])));
    const text = toMermaid(plan([...all, shared, ...sharedTopics]));
    assert.ok(nodes.includes("AT2"));
    assert.ok(text.indexOf('AT2["AlertTopic<br/>shared"]') < text.indexOf("subgraph model_diagnosis"));
  });

  it("labels what every model uses instead of an arrow to each model, from two models on", () => {
    const boundary = resource("aws:iam/policy:Policy", "permissions-boundary");
    const rolesOf = (models: string[]) =>
      models.map((name) => resource("aws:iam/role:Role", `${name}-role`, { deps: [boundary], model: name }));
    const two = parts(toMermaid(plan([boundary, ...rolesOf(["diagnosis", "triage"])])));
    assert.deepEqual(two.links, []);
    assert.ok(
      toMermaid(plan([boundary, ...rolesOf(["diagnosis", "triage"])])).includes(
        'P1["Policy<br/>permissions-boundary<br/>used by every model"]',
      ),
    );
    // One model: the arrow says it.
    const one = toMermaid(plan([boundary, ...rolesOf(["diagnosis"])]));
    assert.deepEqual(parts(one).links, ["P1 --> model_diagnosis"]);
    assert.ok(!one.includes("used by every model"));
    // Used by some models only: arrows to those.
    const some = [
      boundary,
      ...rolesOf(["diagnosis", "triage"]),
      resource("aws:iam/role:Role", "x", { model: "x" }),
    ];
    assert.deepEqual(parts(toMermaid(plan(some))).links, ["P1 --> model_diagnosis", "P1 --> model_triage"]);
  });

  it("draws custom resources outside components, more than three of one type as one node", () => {
    const queues = ["a", "b", "c", "d"].map((name) =>
      resource("aws:sqs/queue:Queue", `jobs-${name}`, { deps: [key] }),
    );
    const three = parts(toMermaid(plan([...all, ...queues.slice(0, 3)])));
    assert.deepEqual(
      three.nodes.filter((node) => node.startsWith("Q")),
      ["Q1", "Q2", "Q3"],
    );
    const text = toMermaid(plan([...all, ...queues]));
    assert.ok(text.includes('  Q1["Queue × 4<br/>jobs-*"]\n'));
    assert.ok(text.includes("  K1 --> Q1\n"));
    assert.equal(parts(text).nodes.filter((node) => node.startsWith("Q")).length, 1);
  });

  it("makes valid, unique ids", () => {
    const twin = resource("mlops:x:Policy", "x.y");
    const other = resource("mlops:y:Policy", "x-y");
    const odd = resource("mlops:s3:end", "end", { deps: [twin, other], model: "9 lives" });
    const oddChild = resource("aws:s3/bucket:Bucket", "end", { parent: odd, model: "9 lives" });
    const diagram = parts(toMermaid(plan([...all, twin, other, odd, oddChild])));
    for (const id of [...diagram.nodes, ...diagram.links.flatMap((link) => link.split(" --> "))]) {
      assert.match(id, /^[A-Za-z0-9_]+$/);
      assert.ok(!/^[0-9ox]/.test(id) && id !== "end", `${id} in ${diagram.nodes.join(" ")}`);
    }
    assert.equal(new Set(diagram.nodes).size, diagram.nodes.length);
    assert.ok(diagram.nodes.includes("model_9_lives"));
    assert.equal(mermaidId("end"), "n_end");
    assert.equal(mermaidId("9lives"), "n_9lives");
    assert.equal(mermaidId("ops-team"), "n_ops_team");
  });

  it("labels a group with the start its names share, cut at a separator", () => {
    assert.equal(commonNamePrefix(["alarm-a1", "alarm-a2"]), "alarm-");
    assert.equal(commonNamePrefix(["one", "two"]), "");
  });

  describe("for a stack of 50 models", () => {
    let diagram = "";

    before(async function () {
      this.timeout(120_000);
      const { root, stack } = syntheticStackRoot(50);
      try {
        diagram = toMermaid({ ...(await runProgramOffline({ stack, root })), findings: [] });
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

    it("stays within what mermaid draws by default (50,000 characters, 500 links)", () => {
      assert.ok(diagram.length < 50_000, `${diagram.length} characters`);
      const links = diagram.split("\n").filter((line) => line.includes("-->"));
      assert.ok(links.length < 500, `${links.length} links`);
    });

    it("still names each model", () => {
      for (let i = 1; i <= 50; i++) {
        const model = `model-${String(i).padStart(2, "0")}`;
        assert.ok(diagram.includes(`["${model}"]`), model);
        assert.ok(diagram.includes(`ModelEndpoint<br/>mlops-models-50-${model}"]`), model);
      }
    });
  });
});
