import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startMotoServer, type MotoServer } from "../../helpers/motoServer";
import {
  checkBoto3,
  resultOf,
  runLambdaSteps,
  type AwsCall,
  type LambdaStep,
  type StepOutcome,
} from "../../helpers/pythonLambda";

/**
 * The function that starts a model's build pipeline (components/retraining/functions/start_training.py),
 * run against a local AWS API (moto_server) with the events EventBridge delivers: S3's Object
 * Created events of a dataset's marker, and the drift check's Drift Detected events.
 *
 * moto 5 creates pipelines and starts and lists their executions, but it ignores three things the
 * function relies on: ListPipelineExecutions' CreatedAfter, MaxResults and NextToken (every
 * execution comes back on one page), and StartPipelineExecution's ClientRequestToken (a repeated
 * token starts another execution). Those parts are checked in the calls the function made: the
 * token a repeated delivery sends, and the filter and page size of the listing. The function also
 * compares each listed run's StartTime with its cutoff itself, which is what the tests of the drift
 * interval see here.
 *
 * A drift-started run trains on the newest complete dataset, which the function finds by listing the
 * data bucket (ListObjectsV2; moto pages it with MaxKeys and ContinuationToken as S3 does). moto, as
 * S3, gives LastModified to the second: the datasets batches write the older objects, wait for the
 * next second and write the newer ones; the tie test checks in the listing that its two markers share
 * their second, and writes them again in a fresh bucket when they do not.
 */

const HANDLER = {
  file: path.resolve(
    __dirname,
    "..",
    "..",
    "..",
    "components",
    "retraining",
    "functions",
    "start_training.py",
  ),
  name: "handler",
};
const PIPELINE = "churn-build";
const BUCKET = "churn-data";
const PIPELINE_ARN = `arn:aws:sagemaker:us-east-1:123456789012:pipeline/${PIPELINE}`;
const ROLE_ARN = "arn:aws:iam::123456789012:role/churn-build";
/** Data buckets of the datasets batches: one listed in a single page, one in pages of two keys. */
const DATASETS = "churn-datasets";
const PAGED = "churn-paged";
const SETTINGS = {
  PIPELINE_NAME: PIPELINE,
  DATA_BUCKET: BUCKET,
  INPUT_PREFIX: "input/",
  DRIFT_MIN_INTERVAL_HOURS: "24",
};
/** The drift interval of the later batch: short enough to have passed since the first batch's drift run. */
const SHORT_INTERVAL_HOURS = 0.0002;
const SHORT_INTERVAL_MS = SHORT_INTERVAL_HOURS * 3_600_000;

let moto: MotoServer;

function run(steps: readonly LambdaStep[], env: Readonly<Record<string, string>>): Promise<StepOutcome[]> {
  return runLambdaSteps(HANDLER, steps, { endpoint: moto.endpoint, env });
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

const calls = (outcome: StepOutcome, operation: string): AwsCall[] =>
  outcome.calls.filter((call) => call.operation === operation);

/** The one JSON line an invocation printed. */
function logLine(outcome: StepOutcome): Record<string, unknown> {
  const lines = outcome.stdout.split("\n").filter((line) => line !== "");
  assert.equal(lines.length, 1, `expected one log line, got: ${outcome.stdout}`);
  return JSON.parse(lines[0]) as Record<string, unknown>;
}

/** The token the function derives from an event id. */
const tokenOf = (eventId: string, pipeline = PIPELINE) =>
  createHash("sha256").update(`${pipeline}/${eventId}`).digest("hex");

/** An object of the data bucket: a dataset's file or marker (an empty body is enough for either). */
const put = (bucket: string, key: string): LambdaStep => ({
  call: ["s3", "put_object", { Bucket: bucket, Key: key, Body: "" }],
});
const listObjects = (bucket: string, prefix = ""): LambdaStep => ({
  call: ["s3", "list_objects_v2", { Bucket: bucket, Prefix: prefix }],
});
const createPipeline = (name: string): LambdaStep => ({
  call: [
    "sagemaker",
    "create_pipeline",
    { PipelineName: name, PipelineDefinition: DEFINITION, RoleArn: ROLE_ARN },
  ],
});
const parametersOf = (step: number): LambdaStep => ({
  call: [
    "sagemaker",
    "list_pipeline_parameters_for_execution",
    { PipelineExecutionArn: resultOf(step, "executionArn") },
  ],
});

type Listing = { Contents: { Key: string; LastModified: string }[] };

/** When the listing says the object was written, as the function writes it: to the second, in UTC. */
function writtenAt(outcome: StepOutcome | undefined, key: string): string {
  const found = (ok(outcome, "the listing") as Listing).Contents.find((item) => item.Key === key);
  assert.ok(found, `${key} is listed`);
  return new Date(found.LastModified).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** S3's Object Created event as EventBridge delivers it ("EventBridge event message structure"). */
function objectCreated(id: string, key: string, bucket = BUCKET): Record<string, unknown> {
  return {
    version: "0",
    id,
    "detail-type": "Object Created",
    source: "aws.s3",
    account: "123456789012",
    time: "2026-12-06T09:00:00Z",
    region: "us-east-1",
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: "0",
      bucket: { name: bucket },
      object: { key, size: 0, etag: "d41d8cd98f00b204e9800998ecf8427e", sequencer: "0066F0C1B2A3D4E5F6" },
      "request-id": "N4N7GDK58NMKJ12R",
      requester: "123456789012",
      "source-ip-address": "10.0.0.1",
      reason: "PutObject",
    },
  };
}

const DRIFT_DETAIL = {
  endpoint: "churn-prod",
  model: "churn",
  window_start: "2026-12-06T02:00:00Z",
  drifted_features: ["amount", "tenure"],
  report_uri: "s3://churn-monitoring/churn-prod-drift/2026/12/06/02/drift_report.json",
  account: "444455556666",
};

/** The drift check's event, as the model's rule delivers it. */
function driftDetected(id: string, detail: Record<string, unknown> = DRIFT_DETAIL): Record<string, unknown> {
  return {
    version: "0",
    id,
    "detail-type": "Drift Detected",
    source: "mlops.drift",
    account: "444455556666",
    time: "2026-12-06T03:20:00Z",
    region: "us-east-1",
    resources: [],
    detail,
  };
}

const DEFINITION = JSON.stringify({
  Version: "2020-12-01",
  Parameters: [{ Name: "InputDataUrl", Type: "String", DefaultValue: `s3://${BUCKET}/input/sample/` }],
  Steps: [],
});

const NEW_DATA_ID = "17793124-05d4-b198-2fde-7ededc63b103";
const ENCODED_ID = "2ee9cc15-d022-99ea-1fb8-1b1bac4850f9";
const DRIFT_IDS = [
  "6924de0d-13e2-6bbf-c0c1-b903b753565e",
  "ad1de317-e409-eba2-9552-30113f8d88e3",
  "b7c6d31d-677d-b716-7604-ca913407ed14",
  "c9888434-815d-c6f4-9fc2-4dd7bdeccaaf",
];
const LANDING_ID = "0e3b1a52-7c44-4f0e-9a61-5d2f0c8b9e17";

/** Events that are not the function's, and what the error must say. */
const BAD_EVENTS: readonly (readonly [unknown, RegExp])[] = [
  [
    { ...objectCreated("e1", "input/a/_SUCCESS"), "detail-type": "Object Deleted" },
    /^the function takes aws\.s3 'Object Created' and mlops\.drift 'Drift Detected' events, got source "aws\.s3" and detail-type "Object Deleted"$/,
  ],
  [
    { ...driftDetected("e2"), "detail-type": "Drift Resolved" },
    /got source "mlops\.drift" and detail-type "Drift Resolved"$/,
  ],
  [
    { ...driftDetected("e3"), source: "aws.sagemaker" },
    /got source "aws\.sagemaker" and detail-type "Drift Detected"$/,
  ],
  [{}, /got source null and detail-type null$/],
  [[driftDetected("e4")], /^the event must be a JSON object, got \[/],
  [{ ...driftDetected("e5"), id: "" }, /^id must be a non-empty string, got ""$/],
  [
    { ...objectCreated("e6", "input/a/_SUCCESS"), detail: { bucket: { name: BUCKET } } },
    /^detail\.object\.key must be a non-empty string, got null$/,
  ],
  [
    driftDetected("e7", { ...DRIFT_DETAIL, endpoint: undefined }),
    /^detail\.endpoint must be a non-empty string, got null$/,
  ],
  [
    driftDetected("e8", { ...DRIFT_DETAIL, drifted_features: "amount" }),
    /^detail\.drifted_features must be a list of names, got "amount"$/,
  ],
];

/**
 * The first batch: a pipeline; a dataset's marker, its repeated delivery, objects that are not a
 * marker of this model's datasets and an encoded key; two drift events within a day; events
 * that are not the function's.
 */
const firstBatch = once(async () => {
  const steps: LambdaStep[] = [];
  const at = (step: LambdaStep) => steps.push(step) - 1;
  at(createPipeline(PIPELINE));
  // The data bucket holds no complete dataset: files without their marker, a look-alike, a marker
  // without a dataset folder and one outside the input prefix.
  at({ call: ["s3", "create_bucket", { Bucket: BUCKET }] });
  for (const key of [
    "input/2026-12-05/part-0001.csv",
    "input/2026-12-05/_SUCCESS.tmp",
    "input/_SUCCESS",
    "archive/2026-12-05/_SUCCESS",
  ]) {
    at(put(BUCKET, key));
  }
  const runsOf = (): LambdaStep => ({
    call: ["sagemaker", "list_pipeline_executions", { PipelineName: PIPELINE }],
  });
  const describeRun = (step: number): LambdaStep => ({
    call: [
      "sagemaker",
      "describe_pipeline_execution",
      { PipelineExecutionArn: resultOf(step, "executionArn") },
    ],
  });
  const newData = at({ invoke: objectCreated(NEW_DATA_ID, "input/2026-12-06/_SUCCESS") });
  const runsAfterNewData = at(runsOf());
  const newDataRun = at(describeRun(newData));
  const newDataParameters = at(parametersOf(newData));
  const repeated = at({ invoke: objectCreated(NEW_DATA_ID, "input/2026-12-06/_SUCCESS") });
  const csvFile = at({ invoke: objectCreated("e-csv", "input/2026-12-06/part-0001.csv") });
  const lookalike = at({ invoke: objectCreated("e-tmp", "input/2026-12-06/_SUCCESS.tmp") });
  const otherPrefix = at({ invoke: objectCreated("e-archive", "archive/2026-12-06/_SUCCESS") });
  const otherBucket = at({ invoke: objectCreated("e-bucket", "input/2026-12-06/_SUCCESS", "churn-logs") });
  const noFolder = at({ invoke: objectCreated("e-root", "input/_SUCCESS") });
  const encoded = at({ invoke: objectCreated(ENCODED_ID, "input/december+batch+%28late%29/_SUCCESS") });
  const encodedParameters = at(parametersOf(encoded));
  const drift = at({ invoke: driftDetected(DRIFT_IDS[0]) });
  const driftRun = at(describeRun(drift));
  const driftParameters = at(parametersOf(drift));
  const driftRuns = at(runsOf());
  const driftAgain = at({ invoke: driftDetected(DRIFT_IDS[1]) });
  const bad = BAD_EVENTS.map(([event]) => at({ invoke: event }));
  at({ set: { LIST_PAGE_SIZE: 7 } });
  const paged = at({ invoke: driftDetected("f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8") });
  const index = {
    newData,
    runsAfterNewData,
    newDataRun,
    newDataParameters,
    repeated,
    csvFile,
    lookalike,
    otherPrefix,
    otherBucket,
    noFolder,
    encoded,
    encodedParameters,
    drift,
    driftRun,
    driftParameters,
    driftRuns,
    driftAgain,
    bad,
    paged,
  };
  const before = Date.now();
  const outcomes = await run(steps, SETTINGS);
  return { outcomes, index, before, after: Date.now() };
});

/**
 * The second batch, once the short interval has passed since the first batch's drift run: drift
 * starts a run again, and a custom input prefix and marker name.
 */
const secondBatch = once(async () => {
  const first = await firstBatch();
  const driftRun = ok(first.outcomes[first.index.driftRun], "describe the drift run") as {
    CreationTime: string;
  };
  const due = Date.parse(driftRun.CreationTime) + SHORT_INTERVAL_MS + 200;
  await sleep(Math.max(0, due - Date.now()));

  const steps: LambdaStep[] = [];
  const at = (step: LambdaStep) => steps.push(step) - 1;
  // A dataset complete by this function's marker, and a folder with another marker only.
  for (const key of [
    "landing/2026-12-07/part-0001.csv",
    "landing/2026-12-07/_READY",
    "landing/2026-12-08/_SUCCESS",
  ]) {
    at(put(BUCKET, key));
  }
  const index = {
    landingListing: at(listObjects(BUCKET, "landing/")),
    // The detail as drift_steps.py puts it: no account of its own.
    drift: at({
      invoke: driftDetected(DRIFT_IDS[2], {
        drifted_features: ["amount"],
        endpoint: "churn-prod",
        model: "churn",
        report_uri: DRIFT_DETAIL.report_uri,
        window_start: "2026-12-06T04:00:00Z",
      }),
    }),
    driftAgain: at({ invoke: driftDetected(DRIFT_IDS[3]) }),
    landing: at({ invoke: objectCreated(LANDING_ID, "landing/2026-12-07/_READY") }),
    defaultMarker: at({ invoke: objectCreated("e-success", "landing/2026-12-07/_SUCCESS") }),
    oldPrefix: at({ invoke: objectCreated("e-input", "input/2026-12-07/_READY") }),
    runs: at({ call: ["sagemaker", "list_pipeline_executions", { PipelineName: PIPELINE }] }),
  };
  const before = Date.now();
  const outcomes = await run(steps, {
    ...SETTINGS,
    INPUT_PREFIX: "landing",
    MARKER_NAME: "_READY",
    DRIFT_MIN_INTERVAL_HOURS: String(SHORT_INTERVAL_HOURS),
  });
  return { outcomes, index, before, after: Date.now() };
});

const NEWEST_ID = "3f0c2b1a-9d8e-4c7b-a6f5-e4d3c2b1a090";
const PAGED_ID = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";

/**
 * Datasets written a second apart in two buckets. In DATASETS, the newest complete dataset has a
 * key that sorts before an older one's, and newer still are files without a marker and objects that
 * complete no dataset. In PAGED, listed two keys a page, the older complete dataset is on the first
 * page and the newest on the last.
 */
const datasetsBatches = once(async () => {
  const older = await run(
    [
      { call: ["s3", "create_bucket", { Bucket: DATASETS }] },
      { call: ["s3", "create_bucket", { Bucket: PAGED }] },
      createPipeline("churn-newest"),
      createPipeline("churn-paged"),
      put(DATASETS, "input/2026-12-09/part-0001.csv"),
      put(DATASETS, "input/2026-12-09/_SUCCESS"),
      put(DATASETS, "input/2026/11/30/part-0001.csv"),
      put(DATASETS, "input/2026/11/30/_SUCCESS"),
      put(PAGED, "input/2026-12-01/part-0001.csv"),
      put(PAGED, "input/2026-12-01/_SUCCESS"),
      put(PAGED, "input/2026-12-02/part-0001.csv"),
      put(PAGED, "input/2026-12-02/part-0002.csv"),
    ],
    SETTINGS,
  );
  older.forEach((outcome, i) => ok(outcome, `the older objects, step ${i}`));
  // Every later write is in a later second than the older ones.
  await sleep(1000 - (Date.now() % 1000) + 50);

  const steps: LambdaStep[] = [];
  const at = (step: LambdaStep) => steps.push(step) - 1;
  for (const key of [
    "input/2026-12-08/part-0001.csv",
    "input/2026-12-08/_SUCCESS",
    "input/2026-12-10/part-0001.csv",
    "input/2026-12-10/_SUCCESS.tmp",
    "input/_SUCCESS",
    "archive/2026-12-11/_SUCCESS",
  ]) {
    at(put(DATASETS, key));
  }
  at(put(PAGED, "input/2026-12-03/part-0001.csv"));
  at(put(PAGED, "input/2026-12-03/_SUCCESS"));
  const listing = at(listObjects(DATASETS));
  const drift = at({ invoke: driftDetected(NEWEST_ID) });
  const index = { listing, drift, parameters: at(parametersOf(drift)) };
  const newest = await run(steps, { ...SETTINGS, PIPELINE_NAME: "churn-newest", DATA_BUCKET: DATASETS });

  const paged = await run(
    [{ set: { OBJECTS_PAGE_SIZE: 2 } }, listObjects(PAGED), { invoke: driftDetected(PAGED_ID) }],
    { ...SETTINGS, PIPELINE_NAME: "churn-paged", DATA_BUCKET: PAGED },
  );
  return { newest, index, paged: { listing: paged[1], drift: paged[2] } };
});

const TIE_ATTEMPTS = 5;

/**
 * Two markers written one after the other, the greater key first, in the same second: written
 * again in a fresh bucket (and pipeline) when the writes fell on both sides of a second.
 */
const tiedBatch = once(async () => {
  for (let attempt = 1; attempt <= TIE_ATTEMPTS; attempt++) {
    const name = `churn-ties-${attempt}`;
    const outcomes = await run(
      [
        { call: ["s3", "create_bucket", { Bucket: name }] },
        createPipeline(name),
        put(name, "input/2026-12-07/_SUCCESS"),
        put(name, "input/2026-12-06/_SUCCESS"),
        listObjects(name),
        { invoke: driftDetected(`tie-${attempt}`) },
      ],
      { ...SETTINGS, PIPELINE_NAME: name, DATA_BUCKET: name },
    );
    const listing = ok(outcomes[4], "the listing") as Listing;
    if (new Set(listing.Contents.map((item) => item.LastModified)).size === 1) {
      return { bucket: name, listing: outcomes[4], drift: outcomes[5] };
    }
  }
  throw new Error(`the two markers were never written in the same second in ${TIE_ATTEMPTS} attempts`);
});

/**
 * Settings the function cannot work with, a pipeline that does not exist and a data bucket that does
 * not exist: each batch in an interpreter of its own (the settings are its environment).
 */
const badSettings = once(() =>
  Promise.all([
    run([{ invoke: objectCreated("s1", "input/2026-12-06/_SUCCESS") }, { invoke: driftDetected("s2") }], {
      ...SETTINGS,
      DATA_BUCKET: "Churn_Data",
      DRIFT_MIN_INTERVAL_HOURS: "a day",
    }),
    run([{ invoke: driftDetected("s3") }], { DATA_BUCKET: BUCKET }),
    run([{ invoke: objectCreated("s4", "input/2026-12-06/_SUCCESS") }, { invoke: driftDetected("s5") }], {
      ...SETTINGS,
      PIPELINE_NAME: "churn-missing",
    }),
    run([createPipeline("churn-no-data"), { invoke: driftDetected("s6") }], {
      ...SETTINGS,
      PIPELINE_NAME: "churn-no-data",
      DATA_BUCKET: "churn-no-such-bucket",
    }),
  ]),
);

type Summary = { PipelineExecutionArn: string; PipelineExecutionDisplayName: string };

describe("start_training.py, the function that starts a model's retraining (against moto_server)", function () {
  this.timeout(60_000);

  before(async () => {
    [, moto] = await Promise.all([checkBoto3(), startMotoServer()]);
    // The settings batches start nothing, so they run beside the others.
    for (const batch of [secondBatch, badSettings, datasetsBatches, tiedBatch])
      batch().catch(() => undefined);
  });

  after(async () => {
    await Promise.allSettled([firstBatch(), secondBatch(), badSettings(), datasetsBatches(), tiedBatch()]);
    await moto?.stop();
  });

  describe("new data", () => {
    it("a dataset's marker starts exactly one run on its folder, with the display name and description of the event", async () => {
      const { outcomes, index } = await firstBatch();
      const token = tokenOf(NEW_DATA_ID);
      const result = ok(outcomes[index.newData], "the marker's event") as { executionArn: string };
      const reason =
        "dataset s3://churn-data/input/2026-12-06/ is complete: its marker input/2026-12-06/_SUCCESS was written";
      assert.match(result.executionArn, new RegExp(`^${PIPELINE_ARN}/execution/[a-z0-9]+$`));
      assert.deepEqual(result, { started: true, reason, executionArn: result.executionArn });

      const starts = calls(outcomes[index.newData], "StartPipelineExecution");
      assert.deepEqual(outcomes[index.newData].calls, starts, "nothing but the start");
      assert.deepEqual(
        starts.map((call) => call.params),
        [
          {
            PipelineName: PIPELINE,
            PipelineExecutionDisplayName: `new-data-${token.slice(0, 12)}`,
            PipelineExecutionDescription:
              "New data: dataset s3://churn-data/input/2026-12-06/ is complete (_SUCCESS written at " +
              `2026-12-06T09:00:00Z). EventBridge event ${NEW_DATA_ID}.`,
            ClientRequestToken: token,
            PipelineParameters: [{ Name: "InputDataUrl", Value: "s3://churn-data/input/2026-12-06/" }],
          },
        ],
      );
      assert.equal(token.length, 64);

      const runs = ok(outcomes[index.runsAfterNewData], "the runs") as {
        PipelineExecutionSummaries: Summary[];
      };
      assert.deepEqual(
        runs.PipelineExecutionSummaries.map((run) => run.PipelineExecutionArn),
        [result.executionArn],
      );
      const described = ok(outcomes[index.newDataRun], "the run") as Record<string, unknown>;
      assert.equal(described.PipelineExecutionDisplayName, `new-data-${token.slice(0, 12)}`);
      assert.match(
        String(described.PipelineExecutionDescription),
        /^New data: dataset s3:\/\/churn-data\/input\/2026-12-06\/ /,
      );
      assert.deepEqual(ok(outcomes[index.newDataParameters], "the run's parameters"), {
        PipelineParameters: [{ Name: "InputDataUrl", Value: "s3://churn-data/input/2026-12-06/" }],
      });

      assert.deepEqual(logLine(outcomes[index.newData]), {
        trigger: "new-data",
        eventId: NEW_DATA_ID,
        pipeline: PIPELINE,
        started: true,
        reason,
        executionArn: result.executionArn,
        displayName: `new-data-${token.slice(0, 12)}`,
        clientRequestToken: token,
        inputDataUrl: "s3://churn-data/input/2026-12-06/",
      });
    });

    it("a repeated delivery of the event sends the same request, token included, so SageMaker starts no second run", async () => {
      // moto does not keep tokens (it starts a second execution): the request is what counts.
      const { outcomes, index } = await firstBatch();
      const first = calls(outcomes[index.newData], "StartPipelineExecution");
      const again = calls(outcomes[index.repeated], "StartPipelineExecution");
      assert.equal(again.length, 1);
      assert.deepEqual(again, first);
      assert.equal(again[0].params.ClientRequestToken, tokenOf(NEW_DATA_ID));
      assert.notEqual(tokenOf(NEW_DATA_ID), tokenOf(ENCODED_ID));
    });

    it("starts nothing, and says why, for a CSV file, a look-alike, another prefix, another bucket or a marker without a folder", async () => {
      const { outcomes, index } = await firstBatch();
      const cases: [number, string, string][] = [
        [
          index.csvFile,
          "e-csv",
          "the object input/2026-12-06/part-0001.csv is not a dataset's marker (_SUCCESS)",
        ],
        [
          index.lookalike,
          "e-tmp",
          "the object input/2026-12-06/_SUCCESS.tmp is not a dataset's marker (_SUCCESS)",
        ],
        [
          index.otherPrefix,
          "e-archive",
          "the key archive/2026-12-06/_SUCCESS is not under the input prefix input/",
        ],
        [
          index.otherBucket,
          "e-bucket",
          "the object is in bucket churn-logs, not in the data bucket churn-data",
        ],
        [index.noFolder, "e-root", "the marker input/_SUCCESS is not in a dataset folder under input/"],
      ];
      for (const [step, eventId, reason] of cases) {
        assert.deepEqual(ok(outcomes[step], reason), { started: false, reason });
        assert.deepEqual(outcomes[step].calls, [], `${reason}: no AWS call`);
        assert.deepEqual(logLine(outcomes[step]), {
          trigger: "new-data",
          eventId,
          pipeline: PIPELINE,
          started: false,
          reason,
        });
      }
    });

    it("decodes the key as S3 sends it in events (a space as +, others as %XX)", async () => {
      const { outcomes, index } = await firstBatch();
      const folder = "s3://churn-data/input/december batch (late)/";
      const result = ok(outcomes[index.encoded], "the encoded marker") as { reason: string };
      assert.equal(
        result.reason,
        `dataset ${folder} is complete: its marker input/december batch (late)/_SUCCESS was written`,
      );
      assert.deepEqual(
        calls(outcomes[index.encoded], "StartPipelineExecution")[0].params.PipelineParameters,
        [{ Name: "InputDataUrl", Value: folder }],
      );
      assert.deepEqual(ok(outcomes[index.encodedParameters], "its parameters"), {
        PipelineParameters: [{ Name: "InputDataUrl", Value: folder }],
      });
    });

    it("takes the input prefix and marker name of its settings (a prefix without its final /)", async () => {
      const { outcomes, index } = await secondBatch();
      const result = ok(outcomes[index.landing], "the _READY marker") as { started: boolean };
      assert.equal(result.started, true);
      assert.deepEqual(
        calls(outcomes[index.landing], "StartPipelineExecution")[0].params.PipelineParameters,
        [{ Name: "InputDataUrl", Value: "s3://churn-data/landing/2026-12-07/" }],
      );
      assert.deepEqual(ok(outcomes[index.defaultMarker], "_SUCCESS"), {
        started: false,
        reason: "the object landing/2026-12-07/_SUCCESS is not a dataset's marker (_READY)",
      });
      assert.deepEqual(ok(outcomes[index.oldPrefix], "input/"), {
        started: false,
        reason: "the key input/2026-12-07/_READY is not under the input prefix landing/",
      });
    });
  });

  describe("drift", () => {
    it("starts a run when no drift-started run began within the interval: on the pipeline's default input without a complete dataset, and says so", async () => {
      const { outcomes, index, before, after } = await firstBatch();
      const token = tokenOf(DRIFT_IDS[0]);
      const result = ok(outcomes[index.drift], "the drift event") as { executionArn: string };
      const reason =
        "drift on endpoint churn-prod, and no drift-started run in the last 24 h; training on the " +
        "pipeline's default input (no complete dataset under s3://churn-data/input/)";
      assert.deepEqual(result, { started: true, reason, executionArn: result.executionArn });

      // The runs the new data started are in the window, but none of them is drift-started.
      const [listed] = calls(outcomes[index.drift], "ListPipelineExecutions");
      const { CreatedAfter, ...request } = listed.params;
      assert.deepEqual(request, {
        PipelineName: PIPELINE,
        SortBy: "CreationTime",
        SortOrder: "Descending",
        MaxResults: 100,
      });
      const cutoff = Date.parse(String(CreatedAfter));
      assert.ok(
        cutoff >= before - 86_400_000 && cutoff <= after - 86_400_000,
        `CreatedAfter ${String(CreatedAfter)}`,
      );

      assert.deepEqual(
        calls(outcomes[index.drift], "StartPipelineExecution").map((call) => call.params),
        [
          {
            PipelineName: PIPELINE,
            PipelineExecutionDisplayName: `drift-${token.slice(0, 12)}`,
            PipelineExecutionDescription:
              "Drift on endpoint churn-prod of account 444455556666 (model churn) in the window from " +
              "2026-12-06T02:00:00Z: 2 drifted feature(s): amount, tenure. Report: " +
              "s3://churn-monitoring/churn-prod-drift/2026/12/06/02/drift_report.json. " +
              `EventBridge event ${DRIFT_IDS[0]}. Training on the pipeline's default input (no complete ` +
              "dataset under s3://churn-data/input/).",
            ClientRequestToken: token,
          },
        ],
      );
      // The bucket is listed under the input prefix only; no InputDataUrl, so the default applies.
      assert.deepEqual(
        calls(outcomes[index.drift], "ListObjectsV2").map((call) => call.params),
        [{ Bucket: BUCKET, Prefix: "input/", MaxKeys: 1000, EncodingType: "url" }],
      );
      assert.deepEqual(
        outcomes[index.drift].calls.map((call) => call.operation),
        ["ListPipelineExecutions", "ListObjectsV2", "StartPipelineExecution"],
      );
      // The run has no parameter of its own (moto lists none at all).
      assert.deepEqual(ok(outcomes[index.driftParameters], "the run's parameters"), {});
      assert.deepEqual(logLine(outcomes[index.drift]), {
        trigger: "drift",
        eventId: DRIFT_IDS[0],
        pipeline: PIPELINE,
        started: true,
        reason,
        executionArn: result.executionArn,
        displayName: `drift-${token.slice(0, 12)}`,
        clientRequestToken: token,
      });
    });

    it("a second drift event within the interval starts none, and names the run that did", async () => {
      const { outcomes, index } = await firstBatch();
      const driftArn = (ok(outcomes[index.drift], "drift") as { executionArn: string }).executionArn;
      const described = ok(outcomes[index.driftRun], "the drift run") as { CreationTime: string };
      const at = new Date(described.CreationTime).toISOString().replace(/\.\d{3}Z$/, "Z");
      const reason =
        `a drift-started run began in the last 24 h: drift-${tokenOf(DRIFT_IDS[0]).slice(0, 12)} ` +
        `(${driftArn}, Succeeded) at ${at}`;
      assert.deepEqual(ok(outcomes[index.driftAgain], "the second drift event"), { started: false, reason });
      assert.deepEqual(
        outcomes[index.driftAgain].calls.map((call) => call.operation),
        ["ListPipelineExecutions"],
      );
      assert.deepEqual(logLine(outcomes[index.driftAgain]), {
        trigger: "drift",
        eventId: DRIFT_IDS[1],
        pipeline: PIPELINE,
        started: false,
        reason,
      });
      const runs = ok(outcomes[index.driftRuns], "the runs") as { PipelineExecutionSummaries: Summary[] };
      assert.equal(
        runs.PipelineExecutionSummaries.filter((run) => run.PipelineExecutionDisplayName.startsWith("drift-"))
          .length,
        1,
      );
    });

    it("asks for pages of LIST_PAGE_SIZE runs (moto answers with one page whatever the size)", async () => {
      const { outcomes, index } = await firstBatch();
      assert.equal((ok(outcomes[index.paged], "paged") as { started: boolean }).started, false);
      assert.deepEqual(
        calls(outcomes[index.paged], "ListPipelineExecutions").map((call) => call.params.MaxResults),
        [7],
      );
    });

    it("starts a run again once the interval has passed since the last drift-started run", async () => {
      const { outcomes, index, before, after } = await secondBatch();
      const result = ok(outcomes[index.drift], "drift after the interval") as { executionArn: string };
      assert.deepEqual(result, {
        started: true,
        reason:
          "drift on endpoint churn-prod, and no drift-started run in the last 0.0002 h; training on the " +
          "newest complete dataset, s3://churn-data/landing/2026-12-07/",
        executionArn: result.executionArn,
      });
      const cutoff = Date.parse(
        String(calls(outcomes[index.drift], "ListPipelineExecutions")[0].params.CreatedAfter),
      );
      assert.ok(cutoff >= before - SHORT_INTERVAL_MS && cutoff <= after - SHORT_INTERVAL_MS);
      // The dataset complete by this function's marker (_READY) under its prefix (landing/).
      const [start] = calls(outcomes[index.drift], "StartPipelineExecution");
      assert.equal(
        start.params.PipelineExecutionDescription,
        "Drift on endpoint churn-prod of account 444455556666 (model churn) in the window from " +
          `2026-12-06T04:00:00Z: 1 drifted feature(s): amount. Report: ${DRIFT_DETAIL.report_uri}. ` +
          `EventBridge event ${DRIFT_IDS[2]}. Training on the newest complete dataset, ` +
          `s3://churn-data/landing/2026-12-07/ (_READY written at ${writtenAt(outcomes[index.landingListing], "landing/2026-12-07/_READY")}).`,
      );
      assert.deepEqual(start.params.PipelineParameters, [
        { Name: "InputDataUrl", Value: "s3://churn-data/landing/2026-12-07/" },
      ]);
      assert.deepEqual(
        calls(outcomes[index.drift], "ListObjectsV2").map((call) => call.params),
        [{ Bucket: BUCKET, Prefix: "landing/", MaxKeys: 1000, EncodingType: "url" }],
      );

      // Straight after it, the new run is within the interval.
      const again = ok(outcomes[index.driftAgain], "drift straight after") as {
        started: boolean;
        reason: string;
      };
      assert.equal(again.started, false);
      assert.ok(
        again.reason.startsWith(
          `a drift-started run began in the last 0.0002 h: drift-${tokenOf(DRIFT_IDS[2]).slice(0, 12)} (${result.executionArn}, `,
        ),
        again.reason,
      );
      const runs = ok(outcomes[index.runs], "the runs") as { PipelineExecutionSummaries: Summary[] };
      assert.deepEqual(
        runs.PipelineExecutionSummaries.map((run) =>
          run.PipelineExecutionDisplayName.replace(/-[0-9a-f]{12}$/, ""),
        ),
        ["new-data", "new-data", "new-data", "drift", "drift", "new-data"],
      );
    });
  });

  describe("drift: the newest complete dataset", () => {
    it("trains on the folder of the newest marker, whatever the keys, past files without a marker and objects that complete none", async () => {
      const { newest, index } = await datasetsBatches();
      const folder = `s3://${DATASETS}/input/2026-12-08/`;
      const written = writtenAt(newest[index.listing], "input/2026-12-08/_SUCCESS");
      // The setup: the chosen marker is newer than the other complete datasets' (whose keys sort after it).
      assert.ok(written > writtenAt(newest[index.listing], "input/2026-12-09/_SUCCESS"));
      assert.ok(written > writtenAt(newest[index.listing], "input/2026/11/30/_SUCCESS"));

      const token = tokenOf(NEWEST_ID, "churn-newest");
      const result = ok(newest[index.drift], "drift") as { executionArn: string };
      const reason =
        "drift on endpoint churn-prod, and no drift-started run in the last 24 h; training on the newest " +
        `complete dataset, ${folder}`;
      assert.deepEqual(result, { started: true, reason, executionArn: result.executionArn });
      assert.deepEqual(
        calls(newest[index.drift], "ListObjectsV2").map((call) => call.params),
        [{ Bucket: DATASETS, Prefix: "input/", MaxKeys: 1000, EncodingType: "url" }],
      );
      assert.deepEqual(
        calls(newest[index.drift], "StartPipelineExecution").map((call) => call.params),
        [
          {
            PipelineName: "churn-newest",
            PipelineExecutionDisplayName: `drift-${token.slice(0, 12)}`,
            PipelineExecutionDescription:
              "Drift on endpoint churn-prod of account 444455556666 (model churn) in the window from " +
              "2026-12-06T02:00:00Z: 2 drifted feature(s): amount, tenure. Report: " +
              `${DRIFT_DETAIL.report_uri}. EventBridge event ${NEWEST_ID}. Training on the newest ` +
              `complete dataset, ${folder} (_SUCCESS written at ${written}).`,
            ClientRequestToken: token,
            PipelineParameters: [{ Name: "InputDataUrl", Value: folder }],
          },
        ],
      );
      assert.deepEqual(ok(newest[index.parameters], "the run's parameters"), {
        PipelineParameters: [{ Name: "InputDataUrl", Value: folder }],
      });
      assert.deepEqual(logLine(newest[index.drift]), {
        trigger: "drift",
        eventId: NEWEST_ID,
        pipeline: "churn-newest",
        started: true,
        reason,
        executionArn: result.executionArn,
        displayName: `drift-${token.slice(0, 12)}`,
        clientRequestToken: token,
        inputDataUrl: folder,
      });
    });

    it("breaks a tie of LastModified (S3 gives it to the second) by the greatest key", async () => {
      const { bucket, listing, drift } = await tiedBatch();
      assert.equal(
        writtenAt(listing, "input/2026-12-07/_SUCCESS"),
        writtenAt(listing, "input/2026-12-06/_SUCCESS"),
      );
      // input/2026-12-07/_SUCCESS was written first, and still wins.
      assert.deepEqual(calls(drift, "StartPipelineExecution")[0].params.PipelineParameters, [
        { Name: "InputDataUrl", Value: `s3://${bucket}/input/2026-12-07/` },
      ]);
      assert.equal(logLine(drift).inputDataUrl, `s3://${bucket}/input/2026-12-07/`);
    });

    it("reads every page of the listing, OBJECTS_PAGE_SIZE keys a page, and compares markers across pages", async () => {
      const { paged } = await datasetsBatches();
      const keys = (ok(paged.listing, "the listing") as Listing).Contents.map((item) => item.Key);
      // The older dataset's marker is on the first page of two keys, the newest one's on the last.
      assert.deepEqual(keys.slice(0, 2), ["input/2026-12-01/_SUCCESS", "input/2026-12-01/part-0001.csv"]);
      assert.deepEqual(keys.slice(4), ["input/2026-12-03/_SUCCESS", "input/2026-12-03/part-0001.csv"]);

      const listed = calls(paged.drift, "ListObjectsV2").map((call) => call.params);
      assert.deepEqual(
        listed.map(({ ContinuationToken, ...request }) => [request, typeof ContinuationToken]),
        [
          [{ Bucket: PAGED, Prefix: "input/", MaxKeys: 2, EncodingType: "url" }, "undefined"],
          [{ Bucket: PAGED, Prefix: "input/", MaxKeys: 2, EncodingType: "url" }, "string"],
          [{ Bucket: PAGED, Prefix: "input/", MaxKeys: 2, EncodingType: "url" }, "string"],
        ],
      );
      assert.notEqual(listed[1].ContinuationToken, listed[2].ContinuationToken);
      const result = ok(paged.drift, "paged drift") as { started: boolean; reason: string };
      assert.equal(result.started, true);
      assert.match(
        result.reason,
        /; training on the newest complete dataset, s3:\/\/churn-paged\/input\/2026-12-03\/$/,
      );
      assert.deepEqual(calls(paged.drift, "StartPipelineExecution")[0].params.PipelineParameters, [
        { Name: "InputDataUrl", Value: `s3://${PAGED}/input/2026-12-03/` },
      ]);
    });
  });

  describe("errors", () => {
    it("fails on events that are not the function's, naming what it got, and logs the error", async () => {
      const { outcomes, index } = await firstBatch();
      BAD_EVENTS.forEach(([event, message], i) => {
        const outcome = outcomes[index.bad[i]];
        assert.equal(outcome.error?.type, "ValueError", JSON.stringify(event));
        assert.match(outcome.error?.message ?? "", message);
        assert.deepEqual(outcome.calls, []);
        assert.equal(logLine(outcome).error, outcome.error?.message);
        assert.equal(logLine(outcome).started, false);
      });
    });

    it("fails on settings it cannot use, naming the variable", async () => {
      const [invalid, missing] = await badSettings();
      assert.deepEqual(
        invalid.map((outcome) => outcome.error),
        [
          { type: "ValueError", message: 'DATA_BUCKET must be an S3 bucket name, got "Churn_Data"' },
          {
            type: "ValueError",
            message:
              'DRIFT_MIN_INTERVAL_HOURS must be a number of hours greater than 0 and at most 8760, got "a day"',
          },
        ],
      );
      assert.deepEqual(missing[0].error, {
        type: "ValueError",
        message: "the environment variable PIPELINE_NAME must be set",
      });
      assert.deepEqual(logLine(missing[0]), {
        trigger: "drift",
        started: false,
        error: "the environment variable PIPELINE_NAME must be set",
        eventId: "s3",
      });
      for (const outcome of [...invalid, ...missing]) assert.deepEqual(outcome.calls, []);
    });

    it("fails when SageMaker refuses a call, naming the pipeline and AWS's error", async () => {
      const [, , [start, list]] = await badSettings();
      assert.equal(start.error?.type, "StartError");
      assert.match(
        start.error?.message ?? "",
        /^cannot start pipeline churn-missing: ValidationException: ./,
      );
      assert.equal(list.error?.type, "StartError");
      assert.match(
        list.error?.message ?? "",
        /^cannot list the runs of pipeline churn-missing: ValidationException: ./,
      );
      assert.deepEqual(logLine(list), {
        trigger: "drift",
        started: false,
        error: list.error?.message,
        eventId: "s5",
      });
    });

    it("starts nothing when the data bucket cannot be listed, naming the bucket, the prefix and AWS's error", async () => {
      const [, , , [created, drift]] = await badSettings();
      ok(created, "the pipeline");
      assert.equal(drift.error?.type, "StartError");
      assert.match(
        drift.error?.message ?? "",
        /^cannot list the datasets in s3:\/\/churn-no-such-bucket\/input\/: NoSuchBucket: ./,
      );
      // Not the default input instead: the failure reaches the dead-letter queue, and a person.
      assert.deepEqual(
        drift.calls.map((call) => call.operation),
        ["ListPipelineExecutions", "ListObjectsV2"],
      );
      assert.deepEqual(logLine(drift), {
        trigger: "drift",
        started: false,
        error: drift.error?.message,
        eventId: "s6",
      });
    });
  });
});
