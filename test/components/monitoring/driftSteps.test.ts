import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startMotoServer, type MotoServer } from "../../helpers/motoServer";
import {
  checkBoto3,
  resultOf,
  runLambdaSteps,
  type AwsCall,
  type LambdaStep,
  type StepOutcome,
} from "../../helpers/pythonLambda";
import { captureLine, type DriftReport, driftReportPaths, runDriftCheck } from "../../ml/scripts";

/**
 * The function of the drift check's two Lambda steps (components/monitoring/functions/drift_steps.py),
 * run against a local AWS API (moto_server): `find` lists the window's capture files and writes
 * their manifest (or the empty window's report), `publish` turns the check's report into
 * CloudWatch metrics and, on drift, one SNS message. The last tests put ml/drift_check.py between
 * the two, the way the pipeline does, so the function and the script stay in step.
 */

const HANDLER = {
  file: path.resolve(__dirname, "..", "..", "..", "components", "monitoring", "functions", "drift_steps.py"),
  name: "handler",
};
const NAMESPACE = "MLOps/Drift";
/** Keys per ListObjectsV2 page in the find tests, so that a handful of objects spans pages. */
const PAGE_SIZE = 2;

let moto: MotoServer;

/** Runs `steps` in one interpreter against the moto server. */
function run(steps: readonly LambdaStep[]): Promise<StepOutcome[]> {
  return runLambdaSteps(HANDLER, steps, { endpoint: moto.endpoint });
}

/** Starts `work` on the first call; later calls share its promise. */
function once<T>(work: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () => (started ??= work());
}

function ok(outcome: StepOutcome | undefined, what: string): unknown {
  assert.ok(outcome, `no outcome for ${what}`);
  assert.equal(outcome.error, undefined, `${what} failed: ${JSON.stringify(outcome.error)}`);
  return outcome.result;
}

/** The text of an object that a get_object step read. */
function body(outcome: StepOutcome | undefined, what: string): string {
  return (ok(outcome, what) as { Body: string }).Body;
}

const calls = (outcome: StepOutcome, operation: string): AwsCall[] =>
  outcome.calls.filter((call) => call.operation === operation);

const tempDirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-steps-"));
  tempDirs.push(dir);
  return dir;
}

// ---------------------------------------------------------------------------
// find

const CAPTURE_BUCKET = "capture-find";
const CAPTURE_URI = `s3://${CAPTURE_BUCKET}/data-capture/churn-prod`;
const REPORT_URI = `s3://${CAPTURE_BUCKET}/monitoring/churn-prod-drift`;
const FIND = {
  action: "find",
  scheduled_time: "2026-12-06T03:15:00Z",
  window_hours: 2,
  endpoint: "churn-prod",
  capture_uri: CAPTURE_URI,
  report_uri: REPORT_URI,
};

/** The window 01:00 to 03:00 on 6 December 2026: its files in two variants, one hour with five. */
const IN_WINDOW = [
  "AllTraffic/2026/12/06/01/01-05-12-001-aaaa.jsonl",
  "AllTraffic/2026/12/06/01/01-41-07-350-bbbb.jsonl",
  "AllTraffic/2026/12/06/02/02-00-01-000-cccc.jsonl",
  "AllTraffic/2026/12/06/02/02-10-01-000-dddd.jsonl",
  "AllTraffic/2026/12/06/02/02-20-01-000-eeee.jsonl",
  "AllTraffic/2026/12/06/02/02-30-01-000-ffff.jsonl",
  "AllTraffic/2026/12/06/02/02-59-59-999-gggg.jsonl",
  "Challenger/2026/12/06/01/01-20-55-004-hhhh.jsonl",
];
/** Keys the window must leave out: other hours, other names, other depths. */
const NOT_IN_WINDOW = [
  "AllTraffic/2026/12/06/00/00-59-59-999-iiii.jsonl",
  "AllTraffic/2026/12/06/03/03-00-00-001-jjjj.jsonl",
  "AllTraffic/2026/12/05/01/01-05-12-001-kkkk.jsonl",
  "AllTraffic/2026/12/06/02/02-31-00-000-llll.jsonl.tmp",
  "AllTraffic/2026/12/06/02/notes.json",
  "AllTraffic/2026/12/06/02/retry/02-40-00-000-mmmm.jsonl",
  "Challenger/2026/12/06/03/03-01-00-000-nnnn.jsonl",
  "OldVariant/2026/11/30/01/01-00-00-000-oooo.jsonl",
  "stray.jsonl",
];

const putCapture = (key: string): LambdaStep => ({
  call: ["s3", "put_object", { Bucket: CAPTURE_BUCKET, Key: `data-capture/churn-prod/${key}`, Body: "{}\n" }],
});
const getObject = (bucket: string, key: string): LambdaStep => ({
  call: ["s3", "get_object", { Bucket: bucket, Key: key }],
});

/** Non-default thresholds for the empty window's report. */
const THRESHOLDS = { psi_warn: 0.15, min_rows: 100 };
const FEATURE_THRESHOLDS = { amount: { psi_drift: 0.4, ks_drift: 1 } };

/** The bad find events and what their error must say. */
const BAD_FINDS: readonly (readonly [Record<string, unknown>, RegExp])[] = [
  [{ scheduled_time: "yesterday" }, /^scheduled_time must be an ISO-8601 time .* got "yesterday"$/],
  [
    { scheduled_time: "2026-12-06T03:15:00" },
    /^scheduled_time .* got "2026-12-06T03:15:00" \(no time zone\)$/,
  ],
  [{ scheduled_time: 1765000000 }, /^scheduled_time .* got 1765000000$/],
  [{ window_hours: 0 }, /^window_hours must be a whole number from 1 to 24, got 0$/],
  [{ window_hours: 25 }, /^window_hours must be a whole number from 1 to 24, got 25$/],
  [{ window_hours: 1.5 }, /^window_hours must be a whole number from 1 to 24, got 1.5$/],
  [{ window_hours: "two" }, /^window_hours must be a whole number from 1 to 24, got "two"$/],
  [{ window_hours: undefined }, /^window_hours must be a whole number from 1 to 24, got null$/],
  [
    { capture_uri: "https://capture-find.s3.amazonaws.com/x" },
    /^capture_uri must be an S3 URI .* got "https:/,
  ],
  [{ capture_uri: "s3://Capture_Find/x" }, /^capture_uri must be an S3 URI .* got "s3:\/\/Capture_Find\/x"$/],
  [
    { capture_uri: "s3://capture-find/" },
    /^capture_uri must name a prefix in the bucket, got "s3:\/\/capture-find\/"$/,
  ],
  [{ report_uri: "/tmp/reports" }, /^report_uri must be an S3 URI .* got "\/tmp\/reports"$/],
  [{ endpoint: "" }, /^endpoint must be a non-empty string, got ""$/],
  [{ thresholds: '{"psi_drift": -1}' }, /^thresholds.psi_drift must be a number greater than 0, got -1$/],
  [{ thresholds: '{"psi_dirft": 0.3}' }, /^thresholds has the unknown threshold "psi_dirft"; use psi_warn, /],
  [{ thresholds: "[1]" }, /^thresholds must be a JSON object, got "\[1\]"$/],
  [
    { feature_thresholds: { amount: 0.3 } },
    /^feature_thresholds.amount must be an object of thresholds, got 0.3$/,
  ],
];

/**
 * Adds the find cases to a batch, every listing paged PAGE_SIZE keys at a time: the capture files;
 * the find of the window, then of the same window scheduled later in its last hour and in another
 * time zone, then of the current hours and of an empty window with and without thresholds; the
 * objects they wrote; and the bad events. Returns where each is.
 */
function addFindCases(at: (step: LambdaStep) => number) {
  at({ set: { LIST_PAGE_SIZE: PAGE_SIZE } });
  at({ call: ["s3", "create_bucket", { Bucket: CAPTURE_BUCKET }] });
  for (const key of [...IN_WINDOW, ...NOT_IN_WINDOW]) at(putCapture(key));
  return {
    find: at({ invoke: FIND }),
    manifest: at(getObject(CAPTURE_BUCKET, "monitoring/churn-prod-drift/2026/12/06/01/capture.manifest")),
    // 03:59:59.999 UTC, written with another time zone.
    findLate: at({ invoke: { ...FIND, scheduled_time: "2026-12-06T04:59:59.999+01:00" } }),
    findNow: at({ invoke: { ...FIND, scheduled_time: "", window_hours: "3" } }),
    empty: at({ invoke: { ...FIND, scheduled_time: "2026-12-07T05:00:00Z", window_hours: 1 } }),
    emptyReport: at(getObject(CAPTURE_BUCKET, "monitoring/churn-prod-drift/2026/12/07/04/drift_report.json")),
    emptySummary: at(
      getObject(CAPTURE_BUCKET, "monitoring/churn-prod-drift/2026/12/07/04/drift_summary.txt"),
    ),
    emptyTuned: at({
      invoke: {
        ...FIND,
        scheduled_time: "2026-12-08T05:00:00Z",
        window_hours: 1,
        thresholds: JSON.stringify(THRESHOLDS),
        feature_thresholds: JSON.stringify(FEATURE_THRESHOLDS),
      },
    }),
    emptyTunedReport: at(
      getObject(CAPTURE_BUCKET, "monitoring/churn-prod-drift/2026/12/08/04/drift_report.json"),
    ),
    bad: BAD_FINDS.map(([change]) => at({ invoke: { ...FIND, ...change } })),
    noAction: at({ invoke: { ...FIND, action: "delete" } }),
    notObject: at({ invoke: [FIND] }),
  };
}

/** `yyyy-mm-ddThh:00:00Z` of a moment `hoursBack` hours before the hour of `ms`. */
function hourBefore(ms: number, hoursBack: number): string {
  const hour = new Date(ms);
  hour.setUTCMinutes(0, 0, 0);
  return new Date(hour.getTime() - hoursBack * 3_600_000).toISOString().replace(".000Z", "Z");
}

// ---------------------------------------------------------------------------
// publish

/**
 * The first steps of a batch that publishes: an alert topic `topic` and a queue subscribed to it,
 * to read what the topic sent. Later steps refer to the topic as `resultOf(0, "TopicArn")`.
 */
const alertSetup = (topic: string): LambdaStep[] => [
  { call: ["sns", "create_topic", { Name: topic }] },
  { call: ["sqs", "create_queue", { QueueName: `${topic}-inbox` }] },
  {
    call: [
      "sqs",
      "get_queue_attributes",
      { QueueUrl: resultOf(1, "QueueUrl"), AttributeNames: ["QueueArn"] },
    ],
  },
  {
    call: [
      "sns",
      "subscribe",
      { TopicArn: resultOf(0, "TopicArn"), Protocol: "sqs", Endpoint: resultOf(2, "Attributes", "QueueArn") },
    ],
  },
];
const receiveAlerts: LambdaStep = {
  call: ["sqs", "receive_message", { QueueUrl: resultOf(1, "QueueUrl"), MaxNumberOfMessages: 10 }],
};

const REPORT_BUCKET = "reports-publish";
const ALERT_TOPIC = "churn-model-alerts";
const folderOf = (endpoint: string) => `monitoring/${endpoint}-drift/2026/12/06/01`;

function publishEvent(endpoint: string, folder = folderOf(endpoint)) {
  return {
    action: "publish",
    report_uri: `s3://${REPORT_BUCKET}/${folder}`,
    endpoint,
    topic_arn: resultOf(0, "TopicArn"),
    namespace: NAMESPACE,
    check_name: `${endpoint}-drift`,
  };
}

type Feature = DriftReport["features"][number];

function feature(name: string, fields: Partial<Feature>): Feature {
  return {
    name,
    type: "numeric",
    count: 500,
    psi: 0.01,
    ks: 0.02,
    missing_rate: 0,
    baseline_missing_rate: 0,
    unseen_share: null,
    unseen_categories: [],
    non_numeric: 0,
    mean: null,
    baseline_mean: null,
    verdict: "ok",
    reasons: [],
    ...fields,
  };
}

function report(endpoint: string, fields: Partial<DriftReport>): DriftReport {
  const features = fields.features ?? [];
  return {
    version: 1,
    endpoint,
    window: { start: "2026-12-06T01:00:00Z", end: "2026-12-06T03:00:00Z" },
    capture_files: { read: 3, outside_window: 0, not_in_hour_directory: 0 },
    records: 480,
    rows: 500,
    malformed_lines: 0,
    status: "ok",
    thresholds: {
      psi_warn: 0.1,
      psi_drift: 0.25,
      ks_drift: 0.2,
      missing_rate_change: 0.1,
      unseen_share: 0.01,
      min_rows: 200,
    },
    feature_thresholds: {},
    features,
    schema_problems: [],
    drifted_features: features.filter((entry) => entry.verdict === "drift").map((entry) => entry.name),
    warned_features: features.filter((entry) => entry.verdict === "warn").map((entry) => entry.name),
    summary: "The summary paragraph.",
    ...fields,
  };
}

/** Drift in three features (one never sent), a warning, a schema problem and malformed lines. */
const DRIFT_REPORT = report("churn-prod", {
  status: "drift",
  malformed_lines: 2,
  features: [
    feature("tenure_months", {
      psi: 0.84,
      ks: 0.62,
      mean: 41.5,
      baseline_mean: 24.1,
      verdict: "drift",
      reasons: ["PSI 0.840 >= drift threshold 0.25", "KS 0.620 >= drift threshold 0.2"],
    }),
    feature("monthly_charges", {
      psi: 0.02,
      ks: 0.03,
      missing_rate: 0.15,
      baseline_missing_rate: 0.01,
      verdict: "drift",
      reasons: ["missing values 1.0% in training, 15.0% now (change >= 10.0%)"],
    }),
    feature("contract", {
      type: "categorical",
      psi: 0.12,
      ks: null,
      unseen_share: 0,
      verdict: "warn",
      reasons: ["PSI 0.120 >= warn threshold 0.1"],
    }),
    feature("region", {
      type: "categorical",
      count: 0,
      psi: null,
      ks: null,
      missing_rate: 1,
      verdict: "drift",
      reasons: ["no request sends this feature"],
    }),
  ],
  schema_problems: [
    {
      problem: "missing_feature",
      feature: "region",
      rows: 500,
      severity: "drift",
      message: "no request sends 'region': none of the 500 rows names it",
    },
  ],
});

const OK_REPORT = report("churn-staging", {
  records: 1200,
  features: [
    feature("tenure_months", { psi: 0.031, ks: 0.044, missing_rate: 0.02, baseline_missing_rate: 0.01 }),
    feature("contract", { type: "categorical", psi: 0.008, ks: null, unseen_share: 0 }),
  ],
});

/**
 * Metrics per PutMetricData call in the batch of the wide report. The API takes 1000, but moto
 * takes seconds to parse that many (its query parser is quadratic): the test sets a smaller limit.
 */
const METRICS_PER_CALL = 4;
const WIDE_FEATURES = 5;
/** 5 features: 17 metrics, in calls of 4. */
const WIDE_REPORT = report("churn-wide", {
  status: "warn",
  features: Array.from({ length: WIDE_FEATURES }, (_, i) =>
    feature(
      `f${i}`,
      i === 3 ? { psi: 0.2, verdict: "warn", reasons: ["PSI 0.200 >= warn threshold 0.1"] } : {},
    ),
  ),
});

const putReport = (folder: string, text: string): LambdaStep => ({
  call: ["s3", "put_object", { Bucket: REPORT_BUCKET, Key: `${folder}/drift_report.json`, Body: text }],
});

/** A metric the publish step should send: name, feature (none for the run's), value. */
type ExpectedMetric = readonly [string, string | undefined, number];

const DRIFT_METRICS: readonly ExpectedMetric[] = [
  ["PopulationStabilityIndex", "tenure_months", 0.84],
  ["KolmogorovSmirnov", "tenure_months", 0.62],
  ["MissingRateChange", "tenure_months", 0],
  ["PopulationStabilityIndex", "monthly_charges", 0.02],
  ["KolmogorovSmirnov", "monthly_charges", 0.03],
  ["MissingRateChange", "monthly_charges", 0.14],
  ["PopulationStabilityIndex", "contract", 0.12],
  ["MissingRateChange", "contract", 0],
  ["MissingRateChange", "region", 1],
  ["DriftedFeatures", undefined, 3],
  ["CapturedRecords", undefined, 480],
];

const OK_METRICS: readonly ExpectedMetric[] = [
  ["PopulationStabilityIndex", "tenure_months", 0.031],
  ["KolmogorovSmirnov", "tenure_months", 0.044],
  ["MissingRateChange", "tenure_months", 0.01],
  ["PopulationStabilityIndex", "contract", 0.008],
  ["MissingRateChange", "contract", 0],
  ["DriftedFeatures", undefined, 0],
  ["CapturedRecords", undefined, 1200],
];

/** ListMetrics of one endpoint's metrics in the namespace. */
const listMetrics = (endpoint: string): LambdaStep => ({
  call: [
    "cloudwatch",
    "list_metrics",
    { Namespace: NAMESPACE, Dimensions: [{ Name: "Endpoint", Value: endpoint }] },
  ],
});

interface MetricDimension {
  readonly Name: string;
  readonly Value: string;
}

interface ListedMetric {
  readonly MetricName: string;
  readonly Dimensions: readonly MetricDimension[];
}

/** A metric of `endpoint` (and `featureName`) in the namespace. */
function metricOf(name: string, endpoint: string, featureName: string | undefined): ListedMetric {
  const dimensions = [{ Name: "Endpoint", Value: endpoint }];
  if (featureName !== undefined) dimensions.push({ Name: "Feature", Value: featureName });
  return { MetricName: name, Dimensions: dimensions };
}

/** GetMetricData of the expected metrics of `endpoint`, each as its Sum over the last and the next hour. */
function getMetricData(endpoint: string, expected: readonly ExpectedMetric[]): LambdaStep {
  const now = Date.now();
  return {
    call: [
      "cloudwatch",
      "get_metric_data",
      {
        MetricDataQueries: expected.map(([name, featureName], i) => ({
          Id: `m${i}`,
          MetricStat: {
            Metric: { Namespace: NAMESPACE, ...metricOf(name, endpoint, featureName) },
            Period: 60,
            Stat: "Sum",
          },
        })),
        StartTime: new Date(now - 3_600_000).toISOString(),
        EndTime: new Date(now + 3_600_000).toISOString(),
      },
    ],
  };
}

/** The value GetMetricData found for each expected metric (undefined where it found none or several). */
function valuesFound(expected: readonly ExpectedMetric[], data: unknown): (number | undefined)[] {
  const results = (data as { MetricDataResults: { Id: string; Values: number[] }[] }).MetricDataResults;
  return expected.map((_, i) => {
    const values = results.find((result) => result.Id === `m${i}`)?.Values ?? [];
    return values.length === 1 ? values[0] : undefined;
  });
}

/** Metrics as `name Endpoint=...,Feature=...`, sorted, to compare listings. */
const metricNames = (metrics: readonly ListedMetric[]) =>
  metrics
    .map((metric) => `${metric.MetricName} ${metric.Dimensions.map((d) => `${d.Name}=${d.Value}`).join(",")}`)
    .sort();

/** Where the SNS envelope in an SQS message keeps the subject and the text. */
interface Notification {
  readonly Type: string;
  readonly TopicArn: string;
  readonly Subject: string;
  readonly Message: string;
}

function notifications(received: unknown): Notification[] {
  const messages = (received as { Messages?: { Body: string }[] }).Messages ?? [];
  return messages.map((message) => JSON.parse(message.Body) as Notification);
}

/**
 * Adds the publish cases to a batch, which must start with them (see alertSetup): the alert topic
 * and its queue, the reports, a publish of each (and of a missing, a broken and a foreign report),
 * then ListMetrics and GetMetricData of each endpoint and the queue; last, with a smaller batch
 * of metrics per call, the wide report. Returns where each is.
 */
function addPublishCases(at: (step: LambdaStep) => number) {
  for (const step of alertSetup(ALERT_TOPIC)) at(step);
  at({ call: ["s3", "create_bucket", { Bucket: REPORT_BUCKET }] });
  at(putReport(folderOf("churn-prod"), JSON.stringify(DRIFT_REPORT, null, 2)));
  at(putReport(folderOf("churn-staging"), JSON.stringify(OK_REPORT, null, 2)));
  at(putReport(folderOf("churn-wide"), JSON.stringify(WIDE_REPORT)));
  // Endpoints of their own, so that the other cases' metrics and alerts stay exactly theirs.
  at(putReport(folderOf("churn-canary"), JSON.stringify({ ...DRIFT_REPORT, endpoint: "churn-canary" })));
  at(putReport(folderOf("churn-qa"), JSON.stringify({ ...OK_REPORT, endpoint: "churn-qa" })));
  at(putReport("broken/json", '{"version": 1, "status": "dri'));
  at(putReport("broken/shape", JSON.stringify({ ...OK_REPORT, features: [{ name: "x", psi: "high" }] })));
  at(putReport("broken/version", JSON.stringify({ ...OK_REPORT, version: 2 })));
  // A rule on the default bus sends the drift checks' events to a queue, to read what was put.
  const eventQueue = at({ call: ["sqs", "create_queue", { QueueName: "drift-events" }] });
  const eventQueueArn = at({
    call: [
      "sqs",
      "get_queue_attributes",
      { QueueUrl: resultOf(eventQueue, "QueueUrl"), AttributeNames: ["QueueArn"] },
    ],
  });
  at({
    call: [
      "events",
      "put_rule",
      { Name: "drift-events", EventPattern: JSON.stringify({ source: ["mlops.drift"] }) },
    ],
  });
  at({
    call: [
      "events",
      "put_targets",
      {
        Rule: "drift-events",
        Targets: [{ Id: "queue", Arn: resultOf(eventQueueArn, "Attributes", "QueueArn") }],
      },
    ],
  });
  const index = {
    drift: at({ invoke: publishEvent("churn-prod") }),
    driftOfModel: at({ invoke: { ...publishEvent("churn-canary"), model: "churn" } }),
    okOfModel: at({ invoke: { ...publishEvent("churn-qa"), model: "churn" } }),
    driftEvents: at({
      call: [
        "sqs",
        "receive_message",
        { QueueUrl: resultOf(eventQueue, "QueueUrl"), MaxNumberOfMessages: 10 },
      ],
    }),
    ok: at({ invoke: publishEvent("churn-staging") }),
    missing: at({ invoke: publishEvent("churn-prod", "monitoring/churn-prod-drift/2026/12/06/09") }),
    brokenJson: at({ invoke: publishEvent("churn-prod", "broken/json") }),
    brokenShape: at({ invoke: publishEvent("churn-staging", "broken/shape") }),
    brokenVersion: at({ invoke: publishEvent("churn-staging", "broken/version") }),
    foreign: at({ invoke: publishEvent("churn-dev", folderOf("churn-prod")) }),
    badTopic: at({ invoke: { ...publishEvent("churn-prod"), topic_arn: ALERT_TOPIC } }),
    badNamespace: at({ invoke: { ...publishEvent("churn-prod"), namespace: "AWS/SageMaker" } }),
    listDrift: at(listMetrics("churn-prod")),
    listOk: at(listMetrics("churn-staging")),
    valuesDrift: at(getMetricData("churn-prod", DRIFT_METRICS)),
    valuesOk: at(getMetricData("churn-staging", OK_METRICS)),
    alerts: at(receiveAlerts),
  };
  at({ set: { METRICS_PER_CALL } });
  return { ...index, wide: at({ invoke: publishEvent("churn-wide") }) };
}

/** The find and publish cases, in one interpreter. */
const handlerCases = once(async () => {
  const steps: LambdaStep[] = [];
  const at = (step: LambdaStep) => steps.push(step) - 1;
  const publish = addPublishCases(at);
  const find = addFindCases(at);
  const before = Date.now();
  const outcomes = await run(steps);
  const after = Date.now();
  const listed = (step: number) => (ok(outcomes[step], "ListMetrics") as { Metrics: ListedMetric[] }).Metrics;
  return {
    findRun: { outcomes, index: find, before, after },
    publishRun: {
      outcomes,
      index: publish,
      listed: { drift: listed(publish.listDrift), ok: listed(publish.listOk) },
      values: {
        drift: valuesFound(DRIFT_METRICS, ok(outcomes[publish.valuesDrift], "GetMetricData")),
        ok: valuesFound(OK_METRICS, ok(outcomes[publish.valuesOk], "GetMetricData")),
      },
    },
  };
});
const findRun = async () => (await handlerCases()).findRun;
const publishRun = async () => (await handlerCases()).publishRun;

const ALERT_MESSAGE = `The drift check churn-prod-drift found drift in the requests to SageMaker endpoint churn-prod.

Window: 2026-12-06T01:00:00Z to 2026-12-06T03:00:00Z (UTC)
Checked: 500 rows in 480 captured requests; 2 malformed capture lines skipped

Drifted features (3 of 4):
- tenure_months: PSI 0.840, KS 0.620, missing values 0.0% now, 0.0% in training, mean 41.5 now, 24.1 in training
    PSI 0.840 >= drift threshold 0.25
    KS 0.620 >= drift threshold 0.2
- monthly_charges: PSI 0.020, KS 0.030, missing values 15.0% now, 1.0% in training
    missing values 1.0% in training, 15.0% now (change >= 10.0%)
- region: PSI n/a, KS n/a, missing values 100.0% now, 0.0% in training
    no request sends this feature

Schema problems (1):
- [drift] no request sends 'region': none of the 500 rows names it

Warnings (1 feature, no action needed on their own):
- contract: PSI 0.120 >= warn threshold 0.1

Report: s3://reports-publish/monitoring/churn-prod-drift/2026/12/06/01/drift_report.json
Summary: s3://reports-publish/monitoring/churn-prod-drift/2026/12/06/01/drift_summary.txt

What to do:
1. Compare the drifted features with the training baseline (drift_baseline.json of the model version the endpoint serves); the report has each feature's scores, means and reasons.
2. If the requests are valid but the traffic has changed (new population, season, upstream change), retrain the model on recent data and promote the new version.
3. If the requests are wrong (schema problems, missing or non-numeric values, fields in a different order), fix the client or the feature pipeline that calls the endpoint; retraining would not help.
`;

// ---------------------------------------------------------------------------
// find → drift_check.py → publish

const E2E_BUCKET = "capture-e2e";
const EMPTY_BUCKET = "capture-empty";
const E2E_ENDPOINT = "orders-prod";
const E2E_CAPTURE = `data-capture/${E2E_ENDPOINT}`;
const E2E_FIND = {
  action: "find",
  scheduled_time: "2026-12-06T03:07:00Z",
  window_hours: 2,
  endpoint: E2E_ENDPOINT,
  capture_uri: `s3://${E2E_BUCKET}/${E2E_CAPTURE}`,
  report_uri: `s3://${E2E_BUCKET}/monitoring/${E2E_ENDPOINT}-drift`,
};

/** A baseline as baseline.py writes it, reduced to what drift_check.py reads. */
const E2E_BASELINE = {
  version: 1,
  features: [
    {
      name: "amount",
      type: "numeric",
      missing_rate: 0,
      bin_edges: [10, 20, 30],
      bin_proportions: [0.25, 0.25, 0.25, 0.25],
      sample: Array.from({ length: 40 }, (_, i) => i + 0.5),
      mean: 20,
    },
    { name: "channel", type: "categorical", missing_rate: 0, categories: { web: 0.6, store: 0.4 } },
  ],
};

/**
 * 300 CSV requests whose amounts are all far above the baseline's (drift) and whose channels lean
 * to the store (a PSI that warns), and 3 requests with a field too many (a schema problem), in two
 * variants and both hours of the window; and requests in the hours around it.
 */
function e2eCapture(): Map<string, string> {
  const line = (i: number) =>
    captureLine(
      `${100 + (i % 10)},${i % 50 < 21 ? "web" : "store"}\n`,
      "text/csv",
      "CSV",
      "2026-12-06T01:30:00Z",
    );
  const lines = Array.from({ length: 300 }, (_, i) => line(i));
  const wide = Array.from({ length: 3 }, () => captureLine("12,web,9\n", "text/csv", "CSV"));
  const text = (part: readonly string[]) => part.map((entry) => `${entry}\n`).join("");
  return new Map([
    ["AllTraffic/2026/12/06/01/01-30-00-000-aaaa.jsonl", text(lines.slice(0, 100))],
    ["AllTraffic/2026/12/06/02/02-30-00-000-bbbb.jsonl", text([...lines.slice(100, 200), ...wide])],
    ["Challenger/2026/12/06/02/02-45-00-000-cccc.jsonl", text(lines.slice(200))],
    ["AllTraffic/2026/12/06/03/03-00-10-000-dddd.jsonl", text(lines.slice(0, 50))],
    ["AllTraffic/2026/12/06/00/00-59-00-000-eeee.jsonl", text(lines.slice(0, 50))],
  ]);
}

/** A processing directory for drift_check.py with the baseline and `files` (relative key → text) under capture/. */
function processingDir(files: ReadonlyMap<string, string>): string {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, "baseline"), { recursive: true });
  fs.writeFileSync(path.join(dir, "baseline", "drift_baseline.json"), JSON.stringify(E2E_BASELINE));
  fs.mkdirSync(path.join(dir, "capture"), { recursive: true });
  for (const [key, text] of files) {
    const file = path.join(dir, "capture", ...key.split("/"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return dir;
}

/** drift_check.py's arguments as the pipeline's CheckDrift step passes them. */
function checkArguments(find: { WindowStart: string; ReportUri: string }, extra: readonly string[] = []) {
  return [
    "--window-start",
    find.WindowStart,
    "--window-hours",
    "2",
    "--endpoint",
    E2E_ENDPOINT,
    ...extra,
    "--report-uri",
    find.ReportUri,
  ];
}

interface FindResult {
  readonly WindowStart: string;
  readonly CaptureFiles: number;
  readonly ManifestUri: string;
  readonly ReportUri: string;
}

const s3Key = (uri: string) => uri.replace(/^s3:\/\/[^/]+\//, "");

const E2E_FOLDER = `monitoring/${E2E_ENDPOINT}-drift/2026/12/06/01`;
const EMPTY_FOLDER = `monitoring/${E2E_ENDPOINT}-drift/2026/12/09/08`;

/**
 * One interpreter for what comes before drift_check.py: the capture files of a window, its find
 * and the manifest; and the find of an empty window with the report and summary it wrote.
 */
const beforeChecks = once(async () => {
  const capture = e2eCapture();
  const steps: LambdaStep[] = [];
  const at = (step: LambdaStep) => steps.push(step) - 1;
  at({ call: ["s3", "create_bucket", { Bucket: E2E_BUCKET }] });
  at({ call: ["s3", "create_bucket", { Bucket: EMPTY_BUCKET }] });
  for (const [key, text] of capture) {
    at({ call: ["s3", "put_object", { Bucket: E2E_BUCKET, Key: `${E2E_CAPTURE}/${key}`, Body: text }] });
  }
  const index = {
    find: at({ invoke: E2E_FIND }),
    manifest: at(getObject(E2E_BUCKET, `${E2E_FOLDER}/capture.manifest`)),
    empty: at({
      invoke: {
        ...E2E_FIND,
        scheduled_time: "2026-12-09T10:30:00Z",
        capture_uri: `s3://${EMPTY_BUCKET}/${E2E_CAPTURE}`,
        report_uri: `s3://${EMPTY_BUCKET}/monitoring/${E2E_ENDPOINT}-drift`,
        thresholds: JSON.stringify(THRESHOLDS),
        feature_thresholds: JSON.stringify(FEATURE_THRESHOLDS),
      },
    }),
    emptyReport: at(getObject(EMPTY_BUCKET, `${EMPTY_FOLDER}/drift_report.json`)),
    emptySummary: at(getObject(EMPTY_BUCKET, `${EMPTY_FOLDER}/drift_summary.txt`)),
  };
  return { capture, outcomes: await run(steps), index };
});

/**
 * The pipeline's path on this machine: find (moto) → SageMaker copies the manifest's files into
 * capture/ → drift_check.py → its report output to the run folder (moto) → publish (moto).
 */
const endToEnd = once(async () => {
  const { capture, outcomes: before, index } = await beforeChecks();
  const find = ok(before[index.find], "find") as FindResult;
  assert.equal(find.ManifestUri, `s3://${E2E_BUCKET}/${E2E_FOLDER}/capture.manifest`);
  const [prefix, ...keys] = JSON.parse(body(before[index.manifest], "the manifest")) as [
    { prefix: string },
    ...string[],
  ];
  assert.equal(prefix.prefix, `s3://${E2E_BUCKET}/${E2E_CAPTURE}/`);
  // A ManifestFile input: each listed object lands at the local path plus its key relative to the prefix.
  const dir = processingDir(
    new Map(keys.map((key) => [key, capture.get(key) ?? assert.fail(`unknown ${key}`)])),
  );
  const check = await runDriftCheck(dir, checkArguments(find));
  assert.equal(check.status, 0, check.stderr);
  const paths = driftReportPaths(dir);
  const reportText = fs.readFileSync(paths.report, "utf8");

  // The check's report output: SageMaker uploads report/ to the run folder.
  const putOutput = (name: string, text: string): LambdaStep => ({
    call: ["s3", "put_object", { Bucket: E2E_BUCKET, Key: `${s3Key(find.ReportUri)}/${name}`, Body: text }],
  });
  const outcomes = await run([
    ...alertSetup(`${E2E_ENDPOINT}-alerts`),
    putOutput("drift_report.json", reportText),
    putOutput("drift_summary.txt", fs.readFileSync(paths.summary, "utf8")),
    {
      invoke: {
        action: "publish",
        report_uri: find.ReportUri,
        endpoint: E2E_ENDPOINT,
        topic_arn: resultOf(0, "TopicArn"),
        namespace: NAMESPACE,
        check_name: `${E2E_ENDPOINT}-drift`,
      },
    },
    receiveAlerts,
  ]);
  return {
    find,
    keys,
    report: JSON.parse(reportText) as DriftReport,
    publish: outcomes[outcomes.length - 2],
    alerts: notifications(ok(outcomes.at(-1), "ReceiveMessage")),
  };
});

/** An empty window: the function's report next to the one drift_check.py writes for the same window. */
const emptyWindow = once(async () => {
  const { outcomes, index } = await beforeChecks();
  const outcome = outcomes[index.empty];
  const find = ok(outcome, "find") as FindResult;
  assert.equal(find.ReportUri, `s3://${EMPTY_BUCKET}/${EMPTY_FOLDER}`);
  const dir = processingDir(new Map());
  const check = await runDriftCheck(
    dir,
    checkArguments(find, [
      "--psi-warn",
      String(THRESHOLDS.psi_warn),
      "--min-rows",
      String(THRESHOLDS.min_rows),
      "--feature-thresholds",
      JSON.stringify(FEATURE_THRESHOLDS),
    ]),
  );
  assert.equal(check.status, 0, check.stderr);
  const paths = driftReportPaths(dir);
  return {
    find,
    stdout: outcome?.stdout ?? "",
    function: {
      report: body(outcomes[index.emptyReport], "report"),
      summary: body(outcomes[index.emptySummary], "summary"),
    },
    script: {
      report: fs.readFileSync(paths.report, "utf8"),
      summary: fs.readFileSync(paths.summary, "utf8"),
      stdout: check.stdout,
    },
  };
});

// ---------------------------------------------------------------------------

describe("drift_steps.py, the drift check's Lambda steps (against moto_server)", function () {
  this.timeout(60_000);

  before(async () => {
    [, moto] = await Promise.all([checkBoto3(), startMotoServer()]);
    // The batches are independent (buckets, endpoints and topics of their own): start them together.
    for (const batch of [handlerCases, endToEnd, emptyWindow]) batch().catch(() => undefined);
  });

  after(async () => {
    await Promise.allSettled([handlerCases(), endToEnd(), emptyWindow()]);
    await moto?.stop();
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("find", () => {
    it("lists exactly the window's .jsonl files of every variant in the manifest and returns the run folder", async () => {
      const { outcomes, index } = await findRun();
      assert.deepEqual(ok(outcomes[index.find], "find"), {
        WindowStart: "2026-12-06T01:00:00Z",
        CaptureFiles: IN_WINDOW.length,
        ManifestUri: `${REPORT_URI}/2026/12/06/01/capture.manifest`,
        ReportUri: `${REPORT_URI}/2026/12/06/01`,
      });
      const manifest = body(outcomes[index.manifest], "the manifest");
      assert.deepEqual(JSON.parse(manifest), [{ prefix: `${CAPTURE_URI}/` }, ...IN_WINDOW]);
      assert.match(
        outcomes[index.find].stdout,
        /^find: 8 capture file\(s\) of endpoint churn-prod in 3 variant\(s\) from 2026-12-06T01:00:00Z to 2026-12-06T03:00:00Z; manifest s3:\/\/capture-find\/monitoring\/churn-prod-drift\/2026\/12\/06\/01\/capture.manifest\n$/,
      );
    });

    it("pages through every listing, one folder level at a time", async () => {
      const { outcomes, index } = await findRun();
      const lists = calls(outcomes[index.find], "ListObjectsV2");
      for (const call of lists) {
        assert.equal(call.params.Bucket, CAPTURE_BUCKET);
        assert.equal(call.params.Delimiter, "/");
        assert.equal(call.params.MaxKeys, PAGE_SIZE);
      }
      const pages = (prefix: string) =>
        lists
          .filter((call) => call.params.Prefix === prefix)
          .map((call) => call.params.ContinuationToken !== undefined);
      // Three variant folders, two a page; the busy hour has five capture files, two other files
      // and a subfolder: eight entries, two a page.
      assert.deepEqual(pages("data-capture/churn-prod/"), [false, true]);
      assert.deepEqual(pages("data-capture/churn-prod/AllTraffic/2026/12/06/02/"), [false, true, true, true]);
      const hours = [...new Set(lists.map((call) => String(call.params.Prefix)))]
        .filter((prefix) => prefix !== "data-capture/churn-prod/")
        .sort();
      assert.deepEqual(hours, [
        "data-capture/churn-prod/AllTraffic/2026/12/06/01/",
        "data-capture/churn-prod/AllTraffic/2026/12/06/02/",
        "data-capture/churn-prod/Challenger/2026/12/06/01/",
        "data-capture/churn-prod/Challenger/2026/12/06/02/",
        "data-capture/churn-prod/OldVariant/2026/12/06/01/",
        "data-capture/churn-prod/OldVariant/2026/12/06/02/",
      ]);
    });

    it("writes with the bucket's default encryption (no SSE header) and only into the run folder", async () => {
      const { outcomes, index } = await findRun();
      const puts = [index.find, index.empty].flatMap((step) => calls(outcomes[step], "PutObject"));
      // The body's Python type depends on the boto3 version; the rest must be exactly this.
      assert.deepEqual(
        puts.map(({ params: { Body: _body, ...rest } }) => rest),
        [
          {
            Bucket: CAPTURE_BUCKET,
            Key: "monitoring/churn-prod-drift/2026/12/06/01/capture.manifest",
            ContentType: "application/json",
          },
          {
            Bucket: CAPTURE_BUCKET,
            Key: "monitoring/churn-prod-drift/2026/12/07/04/drift_report.json",
            ContentType: "application/json",
          },
          {
            Bucket: CAPTURE_BUCKET,
            Key: "monitoring/churn-prod-drift/2026/12/07/04/drift_summary.txt",
            ContentType: "text/plain; charset=utf-8",
          },
        ],
      );
    });

    it("ends the window at the scheduled time floored to the hour, in UTC; an empty time is now", async () => {
      const { outcomes, index, before, after } = await findRun();
      const window = (step: number) => (ok(outcomes[step], "find") as FindResult).WindowStart;
      assert.equal(window(index.findLate), "2026-12-06T01:00:00Z");
      // window_hours "3" (text, as a pipeline may pass it): from 3 hours before the current hour.
      assert.ok(
        [hourBefore(before, 3), hourBefore(after, 3)].includes(window(index.findNow)),
        window(index.findNow),
      );
    });

    it("writes the empty window's report and summary itself and prints the run's metric line", async () => {
      const { outcomes, index } = await findRun();
      const folder = `${REPORT_URI}/2026/12/07/04`;
      assert.deepEqual(ok(outcomes[index.empty], "find"), {
        WindowStart: "2026-12-07T04:00:00Z",
        CaptureFiles: 0,
        ManifestUri: `${folder}/capture.manifest`,
        ReportUri: folder,
      });
      const summary =
        "No requests were captured for endpoint churn-prod from 2026-12-07T04:00:00Z to " +
        `2026-12-07T05:00:00Z, so there was nothing to check. Report: ${folder}/drift_report.json.`;
      assert.deepEqual(JSON.parse(body(outcomes[index.emptyReport], "report")), {
        version: 1,
        endpoint: "churn-prod",
        window: { start: "2026-12-07T04:00:00Z", end: "2026-12-07T05:00:00Z" },
        capture_files: { read: 0, outside_window: 0, not_in_hour_directory: 0 },
        records: 0,
        rows: 0,
        malformed_lines: 0,
        status: "empty",
        thresholds: {
          psi_warn: 0.1,
          psi_drift: 0.25,
          ks_drift: 0.2,
          missing_rate_change: 0.1,
          unseen_share: 0.01,
          min_rows: 200,
        },
        feature_thresholds: {},
        features: [],
        schema_problems: [],
        drifted_features: [],
        warned_features: [],
        summary,
      });
      assert.equal(body(outcomes[index.emptySummary], "summary"), `${summary}\n`);
      const lines = outcomes[index.empty].stdout.split("\n");
      assert.match(lines[0], /^find: no capture files of endpoint churn-prod \(3 variant\(s\)\) from /);
      assert.deepEqual(JSON.parse(lines[1]), {
        mlops_drift_run: 1,
        endpoint: "churn-prod",
        window_start: "2026-12-07T04:00:00Z",
        status: "empty",
        records: 0,
        rows: 0,
        malformed_lines: 0,
        drifted_features: 0,
        warned_features: 0,
        schema_problems: 0,
      });
      assert.deepEqual(lines.slice(2), [""]);
    });

    it("records the check's thresholds in the empty window's report when the event has them", async () => {
      const { outcomes, index } = await findRun();
      const written = JSON.parse(body(outcomes[index.emptyTunedReport], "report")) as DriftReport;
      assert.deepEqual(written.thresholds, {
        psi_warn: 0.15,
        psi_drift: 0.25,
        ks_drift: 0.2,
        missing_rate_change: 0.1,
        unseen_share: 0.01,
        min_rows: 100,
      });
      assert.deepEqual(written.feature_thresholds, FEATURE_THRESHOLDS);
    });

    it("rejects bad events with a ValueError naming the key and the value, before any AWS call", async () => {
      const { outcomes, index } = await findRun();
      BAD_FINDS.forEach(([change, message], i) => {
        const outcome = outcomes[index.bad[i]];
        assert.equal(outcome.error?.type, "ValueError", JSON.stringify(change));
        assert.match(outcome.error?.message ?? "", message);
        assert.deepEqual(outcome.calls, []);
      });
      assert.deepEqual(outcomes[index.noAction].error, {
        type: "ValueError",
        message: 'action must be find or publish, got "delete"',
      });
      assert.equal(outcomes[index.notObject].error?.type, "ValueError");
      assert.match(
        outcomes[index.notObject].error?.message ?? "",
        /^the event must be a JSON object, got \[/,
      );
    });
  });

  describe("publish", () => {
    it("publishes each feature's PSI, KS and missing-rate change and the run's counts to CloudWatch", async () => {
      const { listed, values } = await publishRun();
      const expectedNames = (endpoint: string, expected: readonly ExpectedMetric[]) =>
        metricNames(expected.map(([name, featureName]) => metricOf(name, endpoint, featureName)));
      assert.deepEqual(metricNames(listed.drift), expectedNames("churn-prod", DRIFT_METRICS));
      assert.deepEqual(metricNames(listed.ok), expectedNames("churn-staging", OK_METRICS));
      assert.deepEqual(
        values.drift,
        DRIFT_METRICS.map(([, , value]) => value),
      );
      assert.deepEqual(
        values.ok,
        OK_METRICS.map(([, , value]) => value),
      );
    });

    it("sends the metrics without a timestamp or unit of their own, in calls of at most 1000", async () => {
      const { outcomes, index } = await publishRun();
      const [driftCall] = calls(outcomes[index.drift], "PutMetricData");
      assert.equal(driftCall.params.Namespace, NAMESPACE);
      assert.deepEqual((driftCall.params.MetricData as Record<string, unknown>[])[0], {
        MetricName: "PopulationStabilityIndex",
        Dimensions: [
          { Name: "Endpoint", Value: "churn-prod" },
          { Name: "Feature", Value: "tenure_months" },
        ],
        Value: 0.84,
        Unit: "None",
      });
      // The real limit, then a smaller one (see METRICS_PER_CALL) so that one report needs several calls.
      assert.match(fs.readFileSync(HANDLER.file, "utf8"), /^METRICS_PER_CALL = 1000$/m);
      const wide = calls(outcomes[index.wide], "PutMetricData");
      assert.deepEqual(
        wide.map((call) => (call.params.MetricData as unknown[]).length),
        [4, 4, 4, 4, 1],
      );
      assert.deepEqual(
        wide
          .flatMap((call) => call.params.MetricData as { MetricName: string }[])
          .map((entry) => entry.MetricName),
        [
          ...Array.from({ length: WIDE_FEATURES }, () => [
            "PopulationStabilityIndex",
            "KolmogorovSmirnov",
            "MissingRateChange",
          ]).flat(),
          "DriftedFeatures",
          "CapturedRecords",
        ],
      );
      assert.deepEqual(ok(outcomes[index.wide], "publish"), { Status: "warn", DriftedFeatures: 0 });
    });

    it("sends one message on drift, with the subject and text for the person on call", async () => {
      const { outcomes, index } = await publishRun();
      assert.deepEqual(ok(outcomes[index.drift], "publish"), { Status: "drift", DriftedFeatures: 3 });
      assert.equal(
        outcomes[index.drift].stdout,
        "publish: endpoint churn-prod window 2026-12-06T01:00:00Z status drift, 3 drifted feature(s); " +
          `11 metric(s) in MLOps/Drift in 1 call(s); alert sent to arn:aws:sns:us-east-1:123456789012:${ALERT_TOPIC}\n`,
      );
      // One message per drifted window: this one's, and the drift-event case's (another endpoint).
      const all = notifications(ok(outcomes[index.alerts], "ReceiveMessage"));
      assert.deepEqual(all.map((message) => message.Subject).sort(), [
        "Drift on SageMaker endpoint churn-canary: 3 features",
        "Drift on SageMaker endpoint churn-prod: 3 features",
      ]);
      const received = all.filter((message) => message.Subject.includes("churn-prod:"));
      assert.equal(received[0].TopicArn, `arn:aws:sns:us-east-1:123456789012:${ALERT_TOPIC}`);
      assert.equal(received[0].Subject, "Drift on SageMaker endpoint churn-prod: 3 features");
      assert.equal(received[0].Message, ALERT_MESSAGE);
    });

    it("puts one drift event about the model on the default bus when it knows the model, and none otherwise", async () => {
      const { outcomes, index } = await publishRun();
      assert.deepEqual(calls(outcomes[index.drift], "PutEvents"), []);
      assert.deepEqual(calls(outcomes[index.okOfModel], "PutEvents"), []);
      assert.match(
        outcomes[index.driftOfModel].stdout,
        /; drift event for model churn put on the default bus\n$/,
      );
      const received = (
        (ok(outcomes[index.driftEvents], "ReceiveMessage") as { Messages?: { Body: string }[] }).Messages ??
        []
      ).map((message) => JSON.parse(message.Body) as Record<string, unknown>);
      assert.equal(received.length, 1, JSON.stringify(received));
      assert.equal(received[0].source, "mlops.drift");
      assert.equal(received[0]["detail-type"], "Drift Detected");
      assert.deepEqual(received[0].detail, {
        model: "churn",
        endpoint: "churn-canary",
        window_start: "2026-12-06T01:00:00Z",
        drifted_features: DRIFT_REPORT.drifted_features,
        report_uri: `s3://${REPORT_BUCKET}/${folderOf("churn-canary")}/drift_report.json`,
      });
    });

    it("sends no message for ok or warn, and returns the status", async () => {
      const { outcomes, index } = await publishRun();
      assert.deepEqual(ok(outcomes[index.ok], "publish"), { Status: "ok", DriftedFeatures: 0 });
      assert.deepEqual(calls(outcomes[index.ok], "Publish"), []);
      assert.deepEqual(calls(outcomes[index.wide], "Publish"), []);
    });

    it("fails, naming the report's URI, when the report is missing, not JSON, not a report or another endpoint's", async () => {
      const { outcomes, index } = await publishRun();
      const failure = (step: number) => outcomes[step].error ?? assert.fail(`step ${step} did not fail`);
      const uri = (folder: string) => `s3://${REPORT_BUCKET}/${folder}/drift_report.json`;
      assert.deepEqual(failure(index.missing), {
        type: "ReportError",
        message:
          `cannot read the drift report ${uri("monitoring/churn-prod-drift/2026/12/06/09")}: ` +
          "NoSuchKey: The specified key does not exist.",
      });
      assert.match(
        failure(index.brokenJson).message,
        /^the drift report s3:\/\/reports-publish\/broken\/json\/drift_report.json is not JSON: /,
      );
      assert.equal(
        failure(index.brokenShape).message,
        `the drift report ${uri("broken/shape")} is not a report of drift_check.py: feature 'x' has psi "high", not a number or null`,
      );
      assert.equal(
        failure(index.brokenVersion).message,
        `the drift report ${uri("broken/version")} is not a report of drift_check.py: its version is 2, not 1`,
      );
      assert.equal(
        failure(index.foreign).message,
        `the drift report ${uri(folderOf("churn-prod"))} is of endpoint churn-prod, not churn-dev`,
      );
      for (const step of [index.missing, index.brokenJson, index.brokenShape, index.foreign]) {
        assert.deepEqual(
          outcomes[step].calls.map((call) => call.operation),
          ["GetObject"],
        );
      }
    });

    it("rejects a topic that is not an SNS ARN and an AWS/ namespace", async () => {
      const { outcomes, index } = await publishRun();
      assert.deepEqual(outcomes[index.badTopic].error, {
        type: "ValueError",
        message: `topic_arn must be an SNS topic ARN, got "${ALERT_TOPIC}"`,
      });
      assert.deepEqual(outcomes[index.badNamespace].error, {
        type: "ValueError",
        message: 'namespace must be a custom CloudWatch namespace, got "AWS/SageMaker"',
      });
    });
  });

  describe("with ml/drift_check.py between the steps, as in the pipeline", () => {
    it("feeds drift_check.py exactly the window's files through the manifest", async () => {
      const { find, keys, report } = await endToEnd();
      assert.equal(find.WindowStart, "2026-12-06T01:00:00Z");
      assert.deepEqual(keys, [
        "AllTraffic/2026/12/06/01/01-30-00-000-aaaa.jsonl",
        "AllTraffic/2026/12/06/02/02-30-00-000-bbbb.jsonl",
        "Challenger/2026/12/06/02/02-45-00-000-cccc.jsonl",
      ]);
      assert.deepEqual(report.capture_files, { read: 3, outside_window: 0, not_in_hour_directory: 0 });
      assert.deepEqual([report.records, report.rows, report.status], [303, 300, "drift"]);
      assert.deepEqual([report.drifted_features, report.warned_features], [["amount"], ["channel"]]);
    });

    it("publishes what the script's report says: its status, scores and reasons", async () => {
      const { report, publish, alerts } = await endToEnd();
      assert.deepEqual(ok(publish, "publish"), { Status: report.status, DriftedFeatures: 1 });
      const [metricCall] = calls(publish, "PutMetricData");
      const sent = (
        metricCall.params.MetricData as { MetricName: string; Dimensions: MetricDimension[]; Value: number }[]
      ).map(
        (entry) =>
          `${entry.MetricName}|${entry.Dimensions.map((dimension) => dimension.Value).join("|")}|${entry.Value}`,
      );
      const [amount, channel] = report.features;
      assert.deepEqual(sent, [
        `PopulationStabilityIndex|${E2E_ENDPOINT}|amount|${amount.psi}`,
        `KolmogorovSmirnov|${E2E_ENDPOINT}|amount|${amount.ks}`,
        `MissingRateChange|${E2E_ENDPOINT}|amount|0`,
        `PopulationStabilityIndex|${E2E_ENDPOINT}|channel|${channel.psi}`,
        `MissingRateChange|${E2E_ENDPOINT}|channel|0`,
        `DriftedFeatures|${E2E_ENDPOINT}|1`,
        `CapturedRecords|${E2E_ENDPOINT}|303`,
      ]);
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0].Subject, `Drift on SageMaker endpoint ${E2E_ENDPOINT}: 1 feature`);
      const text = alerts[0].Message;
      for (const reason of amount.reasons) assert.ok(text.includes(`\n    ${reason}\n`), reason);
      for (const problem of report.schema_problems)
        assert.ok(text.includes(`- [drift] ${problem.message}\n`));
      assert.ok(text.includes(`\n- channel: ${channel.reasons.join("; ")}\n`), text);
      assert.ok(text.includes(`Report: ${E2E_FIND.report_uri}/2026/12/06/01/drift_report.json\n`), text);
    });

    it("writes the same empty-window report, summary and metric line as drift_check.py, byte for byte", async () => {
      const { find, stdout, function: written, script } = await emptyWindow();
      assert.equal(find.CaptureFiles, 0);
      assert.equal(written.report, script.report);
      assert.equal(written.summary, script.summary);
      const runLine = (text: string) =>
        text.split("\n").find((line) => line.startsWith('{"mlops_drift_run"'));
      assert.equal(runLine(stdout), runLine(script.stdout));
      assert.ok(runLine(stdout));
    });
  });
});
