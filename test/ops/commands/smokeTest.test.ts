import assert from "node:assert/strict";
import {
  InvokeEndpointCommand,
  ModelError,
  SageMakerRuntimeClient,
  ValidationError,
} from "@aws-sdk/client-sagemaker-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { percentile, scoreRangeOf, smokeTest, splitScores } from "../../../ops/commands/smokeTest";
import { EXIT } from "../../../ops/errors";
import { loadTarget } from "../../../ops/stack";
import { collector, fakeClock, rejectsWithExit, STAGING_GROUP } from "../helpers";

const BINARY = { min: 0, max: 1, because: "objective binary:logistic" };

describe("ops smoke-test", function () {
  // The runs against moto's sagemaker-runtime are in verify.test.ts, on that file's moto server: the
  // two endpoint commands share one server to keep the suite fast. These tests see each request
  // and answer with errors, which moto cannot do (aws-sdk-client-mock).
  const client = new SageMakerRuntimeClient({
    region: "us-east-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
  });
  const mock = mockClient(client);
  const encode = (text: string) => new TextEncoder().encode(text) as never;
  beforeEach(() => mock.reset());
  after(() => mock.restore());

  it("sends text/csv, all rows in one request and then each row alone", async function () {
    mock
      .on(InvokeEndpointCommand)
      .resolvesOnce({ Body: encode("0.1\n0.9\n") })
      .resolves({ Body: encode("0.5\n") });

    const code = await smokeTest(client, collector(), {
      endpointName: "ep",
      rows: ["1,2", "3,4"],
      maxLatencyMs: 1000,
      clock: fakeClock(1),
    });

    assert.equal(code, EXIT.ok);
    assert.deepEqual(
      mock.commandCalls(InvokeEndpointCommand).map((call) => call.args[0].input),
      ["1,2\n3,4", "1,2", "3,4"].map((Body) => ({
        EndpointName: "ep",
        ContentType: "text/csv",
        Accept: "text/csv",
        Body,
      })),
    );
  });

  it("counts an error answered by the model as a failed check", async function () {
    mock.on(InvokeEndpointCommand).rejects(
      new ModelError({
        message:
          'Received client error (400) from primary with message "unable to evaluate payload provided".',
        $metadata: {},
      }),
    );
    const out = collector();

    const code = await smokeTest(client, out, {
      endpointName: "ep",
      rows: ["1,2"],
      maxLatencyMs: 1000,
      clock: fakeClock(1),
    });

    assert.equal(code, EXIT.failed);
    assert.match(
      out.text(),
      /^ {2}FAILED {2}one request with 1 rows:\n {12}the model answered with an error \(ModelError: Received client error \(400\) from primary with message "unable to evaluate payload provided"\.\)$/m,
    );
  });

  it("stops with exit code 4 when the endpoint does not exist", async function () {
    mock
      .on(InvokeEndpointCommand)
      .rejects(
        new ValidationError({ message: "Endpoint ep of account 123456789012 not found.", $metadata: {} }),
      );

    await rejectsWithExit(
      smokeTest(client, collector(), { endpointName: "ep", rows: ["1,2"], maxLatencyMs: 1000 }),
      EXIT.aws,
      'could not invoke endpoint "ep": it does not exist (ValidationError: Endpoint ep of account 123456789012 not ' +
        "found.). Check that the stack deployed it (npm run ops -- verify <stack> <model>).",
    );
  });

  it("fails when the p99 latency is above the limit", async function () {
    mock
      .on(InvokeEndpointCommand)
      .resolvesOnce({ Body: encode("0.2\n0.8") })
      .resolves({ Body: encode("0.5") });
    const out = collector();

    const code = await smokeTest(client, out, {
      endpointName: `${STAGING_GROUP}-slow`,
      rows: ["7,8", "9,10"],
      maxLatencyMs: 300,
      scoreRange: BINARY,
      // Each request takes 400 ms on this clock.
      clock: fakeClock(400),
    });

    assert.equal(code, EXIT.failed);
    assert.match(
      out.text(),
      /^ {2}FAILED {2}latency:\n {12}p50 400 ms, p99 400 ms: p99 is above the limit of 300 ms\n/m,
    );
    assert.match(out.text(), /^Smoke test failed: 1 problem\.$/m);
  });

  it("reads scores one per line or comma-separated, and takes the nearest-rank percentile", function () {
    assert.deepEqual(splitScores("0.1\n0.2\n"), ["0.1", "0.2"]);
    assert.deepEqual(splitScores("0.1,0.2"), ["0.1", "0.2"]);
    assert.deepEqual(splitScores(""), []);
    assert.equal(percentile([30, 10, 20, 40], 50), 20);
    assert.equal(percentile([30, 10, 20, 40], 99), 40);
  });

  it("checks the [0, 1] range only for objectives that answer probabilities or classes", function () {
    const model = loadTarget("staging", "diagnosis").model;
    assert.deepEqual(scoreRangeOf(model), BINARY);
    const regression = {
      ...model,
      pipeline: { ...model.pipeline, hyperparameters: { objective: "reg:squarederror" } },
    };
    assert.equal(scoreRangeOf(regression), undefined);
  });
});
