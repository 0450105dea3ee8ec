import assert from "node:assert/strict";
import {
  BuildReader,
  dataBucketExpiry,
  daysToKeep,
  retentionProblems,
} from "../../../components/foundation/retention";

const hourly = { path: "models[0]", windowHours: 1 };
const daily = { path: "models[1]", windowHours: 24 };
const spot: BuildReader = {
  path: "models[0]",
  spot: true,
  trainingSeconds: 432_000,
  bound: "models[0].pipeline.maxWaitSeconds",
};
const onDemand: BuildReader = {
  path: "models[1]",
  spot: false,
  trainingSeconds: 90_000,
  bound: "models[1].pipeline.maxRuntimeSeconds",
};

describe("retention", () => {
  it("expires captured traffic and reports under the prefixes the endpoints and monitors write to", () => {
    assert.deepEqual(dataBucketExpiry({ captureRetentionDays: 90, reportRetentionDays: 365 }), {
      "data-capture/": 90,
      "monitoring/": 365,
    });
  });

  it("keeps data a day longer than the whole days it is read for", () => {
    assert.deepEqual(
      [1, 3600, 86_400, 86_401, 432_000].map((seconds) => daysToKeep(seconds)),
      [2, 2, 2, 3, 6],
    );
  });

  it("accepts the defaults and periods that outlast their readers", () => {
    assert.deepEqual(retentionProblems({}, { monitors: [hourly, daily], builds: [spot, onDemand] }), []);
    assert.deepEqual(
      retentionProblems(
        { captureRetentionDays: 2, pipelineOutputRetentionDays: 6, checkpointRetentionDays: 6 },
        { monitors: [hourly, daily], builds: [spot, onDemand] },
      ),
      [],
    );
    // Nothing monitored or built: nothing to outlast.
    assert.deepEqual(
      retentionProblems(
        { captureRetentionDays: 1, pipelineOutputRetentionDays: 1, checkpointRetentionDays: 1 },
        { monitors: [], builds: [] },
      ),
      [],
    );
  });

  it("refuses captured data kept shorter than a monitor's window and a retry, naming the model that needs most", () => {
    assert.deepEqual(
      retentionProblems({ captureRetentionDays: 1 }, { monitors: [hourly, daily], builds: [] }),
      [
        {
          key: "captureRetentionDays",
          value: 1,
          message:
            "is shorter than the 2 days models[0].monitoring needs: each run reads the requests captured in the " +
            "last 1 hour(s), and a failed run is retried or run again the next day; keep captured data at least 2 days",
        },
      ],
    );
  });

  it("refuses intermediate outputs and checkpoints that a long training would outlive", () => {
    assert.deepEqual(
      retentionProblems(
        { pipelineOutputRetentionDays: 5, checkpointRetentionDays: 2 },
        { monitors: [], builds: [onDemand, spot] },
      ),
      [
        {
          key: "pipelineOutputRetentionDays",
          value: 5,
          message:
            "is shorter than the 6 days a build of models[0] needs: its Train step may run 432000 seconds " +
            "(models[0].pipeline.maxWaitSeconds), after which Evaluate reads the test split and the champion " +
            "placeholder; keep intermediate outputs at least 6 days",
        },
        {
          key: "checkpointRetentionDays",
          value: 2,
          message:
            "is shorter than the 6 days the spot training of models[0] needs: an interrupted job waits for " +
            "capacity and resumes from its last checkpoint up to 432000 seconds after it started " +
            "(models[0].pipeline.maxWaitSeconds); keep checkpoints at least 6 days",
        },
      ],
    );
    // Without spot training, checkpoints are not read: only the outputs must outlast the run.
    assert.deepEqual(
      retentionProblems(
        { pipelineOutputRetentionDays: 2, checkpointRetentionDays: 1 },
        { monitors: [], builds: [onDemand] },
      ).map((problem) => [problem.key, problem.value]),
      [["pipelineOutputRetentionDays", 2]],
    );
  });

  it("checks the defaults when a period is left out, and leaves values of the wrong type to the schema", () => {
    const long = { ...spot, trainingSeconds: 40 * 86_400 };
    assert.deepEqual(
      retentionProblems({ pipelineOutputRetentionDays: "thirty" }, { monitors: [], builds: [long] }).map(
        (problem) => [problem.key, problem.value],
      ),
      // The default 14 days of checkpoints are too short for a 40-day wait; "thirty" is the schema's.
      [["checkpointRetentionDays", 14]],
    );
  });

  it("refuses an access-log period without access logs", () => {
    const builds: BuildReader[] = [];
    assert.deepEqual(retentionProblems({ accessLogRetentionDays: 30 }, { monitors: [], builds }), [
      {
        key: "accessLogRetentionDays",
        value: 30,
        message: "applies only with accessLogs: true; remove it or turn access logs on",
      },
    ]);
    assert.deepEqual(
      retentionProblems({ accessLogs: false, accessLogRetentionDays: 30 }, { monitors: [], builds }).length,
      1,
    );
    assert.deepEqual(
      retentionProblems({ accessLogs: true, accessLogRetentionDays: 30 }, { monitors: [], builds }),
      [],
    );
  });
});
