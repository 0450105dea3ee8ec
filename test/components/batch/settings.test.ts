import assert from "node:assert/strict";
import { batchOutputExpiry, batchSchemaProblems } from "../../../components/batch/retention";
import { batchProblems, batchSettings } from "../../../components/batch/settings";
import { parseStackConfig } from "../../../stacks/config";
import { ConfigError } from "../../../stacks/errors";
import { readStackFile } from "../../helpers/stackFiles";

type Raw = Record<string, unknown>;

/** A stack of one model with `batch` (and any other keys of the model), and `settings` at the top. */
function withBatch(batch: unknown, model: Raw = {}, settings: Raw = {}): Raw {
  return {
    environment: "staging",
    tags: { Project: "churn", Owner: "ml@example.com", CostCenter: "ML-1" },
    alerts: { emails: ["ml@example.com"] },
    models: [{ name: "churn", batch, ...model }],
    ...settings,
  };
}

/** The problem lines of the ConfigError `raw` is refused with. */
function problemLines(raw: Raw): string[] {
  try {
    parseStackConfig("staging", raw);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message
      .split("\n")
      .slice(1)
      .map((line) => line.replace(/^ {2}- /, ""));
  }
  assert.fail("expected a ConfigError, but the configuration was accepted");
}

describe("batch inference settings", () => {
  it("the shipped stacks: staging scores each complete dataset; prod also scores the nightly export, and keeps outputs a quarter", () => {
    const staging = parseStackConfig("staging", readStackFile("staging"));
    const prod = parseStackConfig("prod", readStackFile("prod"));
    const common = {
      instanceCount: 1,
      maxPayloadInMB: 6,
      joinInputWithPredictions: true,
      newData: true,
      markerName: "_SUCCESS",
      processingInstanceType: "ml.m5.large",
      maxRuntimeSeconds: 3600,
    };
    assert.deepEqual(staging.models[0].batch, { ...common, instanceType: "ml.m5.large" });
    assert.deepEqual(prod.models[0].batch, {
      ...common,
      instanceType: "ml.m5.xlarge",
      schedule: "cron(0 2 * * ? *)",
    });
    assert.deepEqual(
      [staging.storage.batchOutputRetentionDays, prod.storage.batchOutputRetentionDays],
      [30, 90],
    );
  });

  it("an empty mapping turns batch inference on with every default; no key leaves it off", () => {
    assert.deepEqual(parseStackConfig("staging", withBatch({})).models[0].batch, {
      instanceType: "ml.m5.large",
      instanceCount: 1,
      maxPayloadInMB: 6,
      joinInputWithPredictions: true,
      newData: true,
      markerName: "_SUCCESS",
      processingInstanceType: "ml.m5.large",
      maxRuntimeSeconds: 3600,
    });
    assert.equal(parseStackConfig("staging", withBatch(undefined)).models[0].batch, undefined);
  });

  it("refuses every bad value at its key, with what is allowed", () => {
    assert.deepEqual(
      problemLines(
        withBatch({
          instanceType: "ml.m5.huge",
          instanceCount: 0,
          maxPayloadInMB: 101,
          joinInputWithPredictions: "yes",
          schedule: "nightly",
          markerName: "done/_SUCCESS",
          processingInstanceType: "ml.p5.48xlarge",
          maxRuntimeSeconds: 30,
          newDta: true,
        }),
      ),
      [
        "models[0].batch.instanceCount: 0 must be a whole number from 1 to 100",
        'models[0].batch.instanceType: "ml.m5.huge" is not a SageMaker instance type for transform jobs (did you mean "ml.m5.large"?)',
        'models[0].batch.joinInputWithPredictions: "yes" must be true or false',
        'models[0].batch.markerName: "done/_SUCCESS" must be an object name without / (e.g. _SUCCESS)',
        "models[0].batch.maxPayloadInMB: 101 must be a whole number from 1 to 100",
        "models[0].batch.maxRuntimeSeconds: 30 must be a whole number from 60 to 432000",
        'models[0].batch.newDta: true is not a known key here (did you mean "newData"? allowed: instanceType, instanceCount, maxPayloadInMB, maxConcurrentTransforms, joinInputWithPredictions, schedule, newData, markerName, processingInstanceType, maxRuntimeSeconds)',
        'models[0].batch.processingInstanceType: "ml.p5.48xlarge" is not a SageMaker instance type for processing jobs (did you mean "ml.g5.48xlarge"?)',
        'models[0].batch.schedule: "nightly" must be an EventBridge Scheduler expression: cron(<6 fields>) or rate(<n> <unit>), e.g. "cron(0 3 ? * MON *)"',
      ],
    );
  });

  it("holds the transform job's payload across its concurrent requests to 100 MB", () => {
    assert.deepEqual(problemLines(withBatch({ maxPayloadInMB: 20, maxConcurrentTransforms: 6 })), [
      "models[0].batch.maxConcurrentTransforms: 6 must be at most 5 with maxPayloadInMB 20: a transform job sends at most 100 MB across its concurrent requests",
    ]);
    assert.deepEqual(problemLines(withBatch({ maxConcurrentTransforms: 17 })), [
      "models[0].batch.maxConcurrentTransforms: 17 must be at most 16 with maxPayloadInMB 6: a transform job sends at most 100 MB across its concurrent requests",
    ]);
    assert.equal(
      parseStackConfig("staging", withBatch({ maxPayloadInMB: 20, maxConcurrentTransforms: 5 })).models[0]
        .batch?.maxConcurrentTransforms,
      5,
    );
  });

  it("scores with the version the endpoint serves, so it needs the endpoint", () => {
    assert.deepEqual(problemLines(withBatch({}, { endpoint: { enabled: false } })), [
      "models[0].batch: needs endpoint.enabled: batch inference scores with the version the endpoint serves (endpoint.modelPackage); enable the endpoint or remove batch",
    ]);
  });

  it("keeps a run's outputs at least as long as its jobs may take to read them again", () => {
    assert.deepEqual(
      problemLines(
        withBatch({ maxRuntimeSeconds: 86_400 }, {}, { storage: { batchOutputRetentionDays: 2 } }),
      ),
      [
        "storage.batchOutputRetentionDays: 2 is shorter than the 3 days a batch inference run needs: a run reads again what its steps wrote, and its ValidateInput and Summarize jobs may each run 86400 seconds; keep its outputs at least 3 days or shorten maxRuntimeSeconds (models[0].batch.maxRuntimeSeconds)",
      ],
    );
    assert.deepEqual(problemLines(withBatch({}, {}, { storage: { batchOutputRetentionDays: 0 } })), [
      "storage.batchOutputRetentionDays: 0 must be a whole number from 1 to 3650",
    ]);
    // The cross-key rules read raw values and leave malformed ones to the schema.
    assert.deepEqual(batchProblems("models[0]", { batch: { maxRuntimeSeconds: "long" } }, {}), []);
    assert.deepEqual(batchProblems("models[0]", {}, { batchOutputRetentionDays: 1 }), []);
    // The default run time needs 2 days.
    assert.deepEqual(problemLines(withBatch({}, {}, { storage: { batchOutputRetentionDays: 1 } })), [
      "storage.batchOutputRetentionDays: 1 is shorter than the 2 days a batch inference run needs: a run reads again what its steps wrote, and its ValidateInput and Summarize jobs may each run 3600 seconds; keep its outputs at least 2 days or shorten maxRuntimeSeconds (models[0].batch.maxRuntimeSeconds)",
    ]);
  });

  it("parses alone, as the component reads it", () => {
    assert.equal(batchSettings.safeParse({ maxPayloadInMB: 50, maxConcurrentTransforms: 2 }).success, true);
    assert.equal(batchSettings.safeParse({ maxPayloadInMB: 50, maxConcurrentTransforms: 3 }).success, false);
  });

  it("expires batch/output/ of a model with batch inference after storage.batchOutputRetentionDays, and nothing else", () => {
    assert.deepEqual(batchOutputExpiry({}, { batchOutputRetentionDays: 90 }), { "batch/output/": 90 });
    assert.deepEqual(batchOutputExpiry(undefined, { batchOutputRetentionDays: 90 }), {});
  });

  it("needs the model's schema, named as the config names it", () => {
    assert.deepEqual(
      batchSchemaProblems([
        {
          path: "models[0]",
          schemaFile: "ml/schemas/diagnosis.json",
          resolved: `${__dirname}/../../../ml/schemas/diagnosis.json`,
        },
        {
          path: "models[1]",
          schemaFile: "ml/schemas/churn.json",
          resolved: "/nowhere/ml/schemas/churn.json",
        },
      ]),
      [
        {
          path: "models[1].batch",
          value: undefined,
          message:
            "needs the model's schema, which each input is checked against, and ml/schemas/churn.json is not found: " +
            "write it with python3 ml/validate.py write-schema --data <the model's CSV> --target-column <its label> " +
            "--output ml/schemas/churn.json",
        },
      ],
    );
  });
});
