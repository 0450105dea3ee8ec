import { InvokeEndpointCommand, type SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { DEFAULT_HYPERPARAMETERS } from "../../components/pipeline/defaults";
import { awsError } from "../awsErrors";
import { closeClients } from "../clients";
import {
  numberFlag,
  parseCommandLine,
  systemClock,
  textFlag,
  type Clock,
  type OpsCommand,
  type Output,
} from "../command";
import { EXIT } from "../errors";
import { readSampleRows, SAMPLE_DATA } from "../sampleData";
import { loadTarget, type ModelConfig } from "../stack";
import { deployedEndpoint, readStackOutputs } from "../stackOutputs";

const USAGE =
  "usage: npm run ops -- smoke-test <stack> <model> [--outputs FILE] [--rows N] [--max-latency-ms N] [--data FILE]";
const DEFAULT_ROWS = 10;

const HELP = `${USAGE}

Sends rows of the sample data to the model's endpoint (InvokeEndpoint, text/csv, without the
target column, as the model was trained) and checks the answers:
  - one request with all the rows gets one score per row;
  - each row on its own gets exactly one score;
  - every score is a number, and within [0, 1] for a binary:logistic or binary:hinge XGBoost model;
  - the p99 latency of the single-row requests, measured by this command (so including the
    network), is within the limit. p50 and p99 are printed.

  --outputs FILE       what \`pulumi stack output --json --stack <stack>\` printed, for the endpoint's
                       name (default: run that command, which needs the Pulumi CLI and a login)
  --rows N             rows to send, spread over the file (default ${DEFAULT_ROWS})
  --max-latency-ms N   p99 limit in milliseconds (default: the stack's
                       endpoint.alarms.latencyP99Milliseconds for the model)
  --data FILE          CSV with a header row and the model's target column (default ${SAMPLE_DATA})

Exit codes: 0 passed, 1 a check failed or no endpoint is deployed, 2 bad input, 4 AWS error.
`;

/** `npm run ops -- smoke-test <stack> <model>`. */
export const smokeTestCommand: OpsCommand = {
  name: "smoke-test",
  summary: "score sample rows on the live endpoint and check the answers and the latency",
  help: HELP,
  async run(argv, io) {
    const line = parseCommandLine(
      argv,
      {
        outputs: { type: "string" },
        rows: { type: "string" },
        "max-latency-ms": { type: "string" },
        data: { type: "string" },
      },
      ["stack", "model"],
      USAGE,
    );
    if (line === "help") {
      io.out.write(HELP);
      return EXIT.ok;
    }
    const { flags } = line;
    const [stack = "", model = ""] = line.positionals;
    const rowCount = numberFlag(flags, "rows", DEFAULT_ROWS, { min: 1, max: 1000, integer: true });
    const target = loadTarget(stack, model, io.root);
    const maxLatencyMs = numberFlag(
      flags,
      "max-latency-ms",
      target.model.endpoint.alarms.latencyP99Milliseconds,
      {
        min: 1,
        max: 600_000,
      },
    );
    const data = textFlag(flags, "data", SAMPLE_DATA);
    const sample = readSampleRows(data, target.model.pipeline.targetColumn, rowCount, io.root);
    const file = textFlag(flags, "outputs");
    const outputs = await readStackOutputs(stack, { ...(file === undefined ? {} : { file }), root: io.root });
    const endpoint = deployedEndpoint(outputs, stack, model);
    const clients = io.clients(target);
    try {
      io.out.write(`Endpoint ${endpoint.name}: ${sample.rows.length} rows of ${data}\n`);
      return await smokeTest(clients.runtime, io.out, {
        endpointName: endpoint.name,
        rows: sample.rows,
        maxLatencyMs,
        scoreRange: scoreRangeOf(target.model),
      });
    } finally {
      closeClients(clients);
    }
  },
};

/** The range of a score, when the model's XGBoost objective bounds it. */
export interface ScoreRange {
  readonly min: number;
  readonly max: number;
  /** Why, for the report. */
  readonly because: string;
}

/** [0, 1] for objectives that answer probabilities or classes; none for margins and regression. */
export function scoreRangeOf(model: ModelConfig): ScoreRange | undefined {
  const objective = model.pipeline.hyperparameters.objective ?? DEFAULT_HYPERPARAMETERS.objective ?? "";
  return objective === "binary:logistic" || objective === "binary:hinge"
    ? { min: 0, max: 1, because: `objective ${objective}` }
    : undefined;
}

export interface SmokeTestRequest {
  readonly endpointName: string;
  /** CSV lines of features. */
  readonly rows: readonly string[];
  /** Limit of the p99 latency of single-row requests. */
  readonly maxLatencyMs: number;
  /** Bounds every score must be within; undefined: numbers of any size. */
  readonly scoreRange?: ScoreRange;
  /** @default the system clock */
  readonly clock?: Clock;
}

/** A failed request: the model answered with an error. */
interface ModelFailure {
  readonly failure: string;
}

/** Answers of the container that are a failed check, not a failed command. */
const MODEL_ERRORS = new Set(["ModelError", "ModelNotReadyException", "InternalDependencyException"]);

/**
 * Invokes the endpoint with all rows at once, then with each row alone, and checks the scores and
 * the latency; prints each check and the scores.
 *
 * @returns 0 when every check passed, 1 otherwise.
 * @throws OpsError 4 when the endpoint does not exist or a request fails for another reason than the model.
 */
export async function smokeTest(
  runtime: SageMakerRuntimeClient,
  out: Output,
  request: SmokeTestRequest,
): Promise<number> {
  const clock = request.clock ?? systemClock;
  const { rows, scoreRange } = request;
  const problems: string[] = [];
  /** A check's line, then one line per problem. */
  const report = (check: string, passed: string, failures: readonly string[]) =>
    out.write(
      failures.length === 0
        ? `  ok      ${check}: ${passed}\n`
        : `  FAILED  ${check}:\n${failures.map((failure) => `            ${failure}\n`).join("")}`,
    );
  const rangeText = scoreRange
    ? `, all in [${scoreRange.min}, ${scoreRange.max}] (${scoreRange.because})`
    : "";

  const batch = await invoke(runtime, request.endpointName, rows.join("\n"));
  const batchProblems =
    "failure" in batch
      ? [batch.failure]
      : scoreProblems(batch.scores, rows.length, scoreRange, (index) => `row ${index + 1}`, batch.body);
  report(`one request with ${rows.length} rows`, `${rows.length} scores${rangeText}`, batchProblems);
  problems.push(...batchProblems);

  const latencies: number[] = [];
  const singleProblems: string[] = [];
  for (const [index, row] of rows.entries()) {
    const startedAt = clock.now();
    const answer = await invoke(runtime, request.endpointName, row);
    latencies.push(clock.now() - startedAt);
    singleProblems.push(
      ...("failure" in answer
        ? [`row ${index + 1}: ${answer.failure}`]
        : scoreProblems(answer.scores, 1, scoreRange, () => `row ${index + 1}`, answer.body)),
    );
  }
  report(`${rows.length} single-row requests`, `one score each${rangeText}`, singleProblems);
  problems.push(...singleProblems);

  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const measured = `p50 ${Math.round(p50)} ms, p99 ${Math.round(p99)} ms`;
  const latencyProblems =
    p99 <= request.maxLatencyMs ? [] : [`${measured}: p99 is above the limit of ${request.maxLatencyMs} ms`];
  report("latency", `${measured} (limit ${request.maxLatencyMs} ms for p99)`, latencyProblems);
  problems.push(...latencyProblems);

  if (!("failure" in batch)) out.write(`Scores: ${batch.scores.join(", ")}\n`);
  out.write(
    problems.length === 0
      ? "Smoke test passed.\n"
      : `Smoke test failed: ${problems.length} problem${problems.length === 1 ? "" : "s"}.\n`,
  );
  return problems.length === 0 ? EXIT.ok : EXIT.failed;
}

async function invoke(
  runtime: SageMakerRuntimeClient,
  endpointName: string,
  body: string,
): Promise<{ scores: string[]; body: string } | ModelFailure> {
  try {
    const response = await runtime.send(
      new InvokeEndpointCommand({
        EndpointName: endpointName,
        ContentType: "text/csv",
        Accept: "text/csv",
        Body: body,
      }),
    );
    const text = new TextDecoder().decode(response.Body);
    return { scores: splitScores(text), body: text };
  } catch (error) {
    if (error instanceof Error && MODEL_ERRORS.has(error.name)) {
      return { failure: `the model answered with an error (${error.name}: ${error.message.split("\n")[0]})` };
    }
    throw awsError(error, {
      action: `invoke endpoint "${endpointName}"`,
      permission: "sagemaker:InvokeEndpoint on the endpoint",
      notFound: "Check that the stack deployed it (npm run ops -- verify <stack> <model>).",
    });
  }
}

/**
 * The values of a text/csv answer: one line per row (newer XGBoost containers) or one line of
 * comma-separated values (older ones).
 */
export function splitScores(body: string): string[] {
  const text = body.trim();
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  return (lines.length === 1 ? (lines[0] ?? "").split(",") : lines).map((value) => value.trim());
}

function scoreProblems(
  scores: readonly string[],
  expected: number,
  range: ScoreRange | undefined,
  label: (index: number) => string,
  body: string,
): string[] {
  if (scores.length !== expected) {
    return [
      `${scores.length} score${scores.length === 1 ? "" : "s"} for ${expected} row${expected === 1 ? "" : "s"} (answer ${snippet(body)})`,
    ];
  }
  return scores.flatMap((score, index) => {
    const value = Number(score);
    if (score === "" || !Number.isFinite(value))
      return [`${label(index)}: score ${snippet(score)} is not a number`];
    if (range && (value < range.min || value > range.max)) {
      return [`${label(index)}: score ${score} is outside [${range.min}, ${range.max}]`];
    }
    return [];
  });
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

function snippet(text: string): string {
  const flat = JSON.stringify(text);
  return flat.length > 60 ? `${flat.slice(0, 57)}…"` : flat;
}
