import { randomUUID } from "node:crypto";
import {
  DescribePipelineCommand,
  DescribePipelineExecutionCommand,
  PipelineExecutionStatus,
  StartPipelineExecutionCommand,
  StepStatus,
  paginateListPipelineExecutionSteps,
  type PipelineExecutionStep,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { STEPS } from "../../components/pipeline/definition";
import { callAws } from "../awsErrors";
import { closeClients } from "../clients";
import {
  formatElapsed,
  numberFlag,
  parseCommandLine,
  systemClock,
  textFlag,
  type Clock,
  type OpsCommand,
  type Output,
} from "../command";
import { EXIT, inputError, OpsError } from "../errors";
import { loadTarget, requireBuiltHere } from "../stack";

const USAGE =
  "usage: npm run ops -- start-pipeline <model> [--stack <name>] [--parameter Name=Value]... " +
  "[--poll-seconds N] [--timeout-minutes N]";

const DEFAULT_STACK = "staging";
const DEFAULT_POLL_SECONDS = 30;
const DEFAULT_TIMEOUT_MINUTES = 180;

const HELP = `${USAGE}

Starts the model's pipeline (<namePrefix>-<model> of the stack) and follows the execution step by
step until it ends.

  --stack <name>         stack whose pipeline runs (default ${DEFAULT_STACK}, where models are built)
  --parameter Name=Value override a pipeline parameter for this execution (repeatable); the names
                         and types are checked against the deployed pipeline's definition
  --poll-seconds N       seconds between status checks (default ${DEFAULT_POLL_SECONDS})
  --timeout-minutes N    stop waiting after this long (default ${DEFAULT_TIMEOUT_MINUTES}); the execution goes on

Exit codes: 0 Succeeded, 1 Failed or Stopped (with the reasons), 2 bad input, 4 AWS error,
5 stopped waiting (timeout).
`;

/** `npm run ops -- start-pipeline`. */
export const startPipelineCommand: OpsCommand = {
  name: "start-pipeline",
  summary: "start the model's pipeline and follow the execution until it ends",
  help: HELP,
  async run(argv, io) {
    const line = parseCommandLine(
      argv,
      {
        stack: { type: "string" },
        parameter: { type: "string", multiple: true },
        "poll-seconds": { type: "string" },
        "timeout-minutes": { type: "string" },
      },
      ["model"],
      USAGE,
    );
    if (line === "help") {
      io.out.write(HELP);
      return EXIT.ok;
    }
    const { flags, positionals } = line;
    const parameters = parseParameterFlags((flags.parameter as string[] | undefined) ?? []);
    const pollSeconds = numberFlag(flags, "poll-seconds", DEFAULT_POLL_SECONDS, { min: 1, max: 3600 });
    const timeoutMinutes = numberFlag(flags, "timeout-minutes", DEFAULT_TIMEOUT_MINUTES, {
      min: 0,
      max: 7 * 24 * 60,
    });
    const target = loadTarget(textFlag(flags, "stack", DEFAULT_STACK), positionals[0] ?? "", io.root);
    requireBuiltHere(target, "start the pipeline");
    const clients = io.clients(target);
    try {
      return await startPipeline(clients.sageMaker, io.out, {
        pipelineName: target.baseName,
        stack: target.stack,
        parameters,
        pollSeconds,
        timeoutMinutes,
      });
    } finally {
      closeClients(clients);
    }
  },
};

/**
 * `--parameter Name=Value` values as a mapping (the value may contain `=`).
 *
 * @throws OpsError (exit 2) listing every malformed or repeated parameter.
 */
export function parseParameterFlags(values: readonly string[]): Record<string, string> {
  const parameters: Record<string, string> = {};
  const problems: string[] = [];
  for (const value of values) {
    const separator = value.indexOf("=");
    const name = separator < 0 ? "" : value.slice(0, separator).trim();
    if (name === "") {
      problems.push(`--parameter "${value}": expected Name=Value`);
    } else if (name in parameters) {
      problems.push(`--parameter ${name} is given more than once`);
    } else {
      parameters[name] = value.slice(separator + 1);
    }
  }
  if (problems.length > 0) throw inputError(problems.join("\n"));
  return parameters;
}

/** A parameter of a pipeline definition (SageMaker pipeline definition schema 2020-12-01). */
export interface PipelineParameterSpec {
  readonly name: string;
  /** String, Integer, Float or Boolean. */
  readonly type: string;
}

/** What start-pipeline needs from a pipeline's definition. */
export interface PipelineShape {
  readonly parameters: readonly PipelineParameterSpec[];
  /** Steps an execution runs: every step, counting only the longer branch of each condition. */
  readonly stepCount: number;
}

interface DefinitionStep {
  readonly Type?: unknown;
  readonly Arguments?: { readonly IfSteps?: unknown; readonly ElseSteps?: unknown };
}

function countSteps(steps: unknown): number {
  if (!Array.isArray(steps)) return 0;
  return (steps as DefinitionStep[]).reduce((total, step) => {
    if (step?.Type !== "Condition") return total + 1;
    // Only one branch of a condition runs.
    const branches = Math.max(countSteps(step.Arguments?.IfSteps), countSteps(step.Arguments?.ElseSteps));
    return total + 1 + branches;
  }, 0);
}

/** Reads the parameters and the step count from a pipeline definition (JSON text). */
export function pipelineShape(definition: string): PipelineShape | undefined {
  let parsed: { Parameters?: unknown; Steps?: unknown };
  try {
    parsed = JSON.parse(definition) as typeof parsed;
  } catch {
    return undefined;
  }
  const parameters = Array.isArray(parsed?.Parameters)
    ? (parsed.Parameters as Record<string, unknown>[])
    : [];
  return {
    parameters: parameters
      .filter((parameter) => typeof parameter?.Name === "string")
      .map((parameter) => ({
        name: String(parameter.Name),
        type: typeof parameter.Type === "string" ? parameter.Type : "String",
      })),
    stepCount: countSteps(parsed?.Steps),
  };
}

const VALUE_CHECKS: Record<string, { readonly test: (value: string) => boolean; readonly expected: string }> =
  {
    Integer: { test: (value) => /^-?\d+$/.test(value.trim()), expected: "a whole number" },
    Float: { test: (value) => value.trim() !== "" && Number.isFinite(Number(value)), expected: "a number" },
    Boolean: { test: (value) => value === "true" || value === "false", expected: "true or false" },
  };

/** Every problem of the given parameters against the pipeline's, one line each. */
export function parameterProblems(
  pipelineName: string,
  specs: readonly PipelineParameterSpec[],
  given: Readonly<Record<string, string>>,
): string[] {
  const allowed = specs.map((spec) => spec.name);
  const problems: string[] = [];
  for (const [name, value] of Object.entries(given)) {
    const spec = specs.find((candidate) => candidate.name === name);
    if (spec === undefined) {
      problems.push(
        `pipeline "${pipelineName}" has no parameter "${name}" (its parameters: ${allowed.length === 0 ? "none" : allowed.join(", ")})`,
      );
      continue;
    }
    const check = VALUE_CHECKS[spec.type];
    if (check !== undefined && !check.test(value)) {
      problems.push(`parameter ${name} is a ${spec.type}: "${value}" is not ${check.expected}`);
    }
  }
  return problems;
}

export interface StartPipelineRequest {
  readonly pipelineName: string;
  /** The stack the pipeline belongs to, for messages. */
  readonly stack: string;
  /** Parameter overrides; the others keep the pipeline's defaults. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly pollSeconds: number;
  readonly timeoutMinutes: number;
  /** @default the system clock */
  readonly clock?: Clock;
}

/**
 * Checks the parameters against the deployed pipeline, starts an execution and follows it
 * ({@link followExecution}).
 *
 * @returns the exit code: 0 Succeeded, 1 Failed or Stopped.
 * @throws OpsError: 2 for unknown or mistyped parameters (nothing is started), 4 for AWS errors,
 *   5 when the wait times out.
 */
/**
 * The deployed pipeline's parameters and step count, once `parameters` are checked against them.
 * @throws OpsError 2 when a parameter is not the pipeline's, or its value is not of its type; 4
 *   when the pipeline cannot be described, or its definition is not JSON.
 */
export async function checkedPipelineShape(
  client: SageMakerClient,
  pipelineName: string,
  stack: string,
  parameters: Readonly<Record<string, string>>,
): Promise<PipelineShape> {
  const described = await callAws(
    {
      action: `describe pipeline "${pipelineName}"`,
      permission: "sagemaker:DescribePipeline on the pipeline",
      notFound: `Run \`pulumi up\` on stack ${stack} to create it.`,
    },
    () => client.send(new DescribePipelineCommand({ PipelineName: pipelineName })),
  );
  const shape = pipelineShape(described.PipelineDefinition ?? "");
  if (shape === undefined) {
    throw new OpsError(
      EXIT.aws,
      `could not read the parameters of pipeline "${pipelineName}": its definition is not JSON`,
    );
  }
  const problems = parameterProblems(pipelineName, shape.parameters, parameters);
  if (problems.length > 0) throw inputError(problems.join("\n"));
  return shape;
}

export async function startPipeline(
  client: SageMakerClient,
  out: Output,
  request: StartPipelineRequest,
): Promise<number> {
  const { pipelineName, stack } = request;
  const shape = await checkedPipelineShape(client, pipelineName, stack, request.parameters);

  const started = await callAws(
    {
      action: `start an execution of pipeline "${pipelineName}"`,
      permission: "sagemaker:StartPipelineExecution on the pipeline",
      notFound: `Run \`pulumi up\` on stack ${stack} to create it.`,
    },
    () =>
      client.send(
        new StartPipelineExecutionCommand({
          PipelineName: pipelineName,
          PipelineParameters: Object.entries(request.parameters).map(([Name, Value]) => ({ Name, Value })),
          PipelineExecutionDescription: "Started with npm run ops -- start-pipeline",
          // Idempotency: a request the SDK retries after a lost answer starts no second execution.
          ClientRequestToken: randomUUID(),
        }),
      ),
  );
  const executionArn = started.PipelineExecutionArn ?? "";
  const overrides = Object.entries(request.parameters).map(([name, value]) => `${name}=${value}`);
  out.write(
    `Started execution ${executionArn} of pipeline ${pipelineName}` +
      ` (${overrides.length === 0 ? "default parameters" : overrides.join(", ")})\n`,
  );
  return followExecution(client, out, {
    executionArn,
    pollSeconds: request.pollSeconds,
    timeoutMinutes: request.timeoutMinutes,
    stepCount: shape.stepCount,
    clock: request.clock,
  });
}

export interface FollowOptions {
  readonly executionArn: string;
  readonly pollSeconds: number;
  readonly timeoutMinutes: number;
  /** Steps an execution runs, for the progress count; 0 when unknown. */
  readonly stepCount: number;
  /**
   * The pipeline's gates: its Fail steps that stop a run on purpose, each with what the report says
   * before the step's message. @default the build pipeline's gates
   */
  readonly gates?: Readonly<Record<string, string>>;
  /** @default the system clock */
  readonly clock?: Clock;
}

const FINISHED_STEP: ReadonlySet<string> = new Set([
  StepStatus.SUCCEEDED,
  StepStatus.FAILED,
  StepStatus.STOPPED,
]);

/** The Fail steps of the build pipeline's gates, and what the report says of each. */
const GATES: Readonly<Record<string, string>> = {
  [STEPS.dataRejected]: "stopped at the data gate",
  [STEPS.accuracyBelowThreshold]: "stopped at the accuracy gate",
  [STEPS.accuracyBelowChampion]: "stopped at the champion gate",
};

/**
 * Polls the execution (DescribePipelineExecution) and its steps (ListPipelineExecutionSteps) and
 * prints every change of a step's status with the elapsed time and the steps finished, until the
 * execution ends or the time runs out.
 *
 * @returns 0 when the execution Succeeded, 1 when it Failed or was Stopped (the execution's and the
 *   failed steps' reasons printed).
 * @throws OpsError 5 when `timeoutMinutes` pass first (the execution is left running), 4 for AWS errors.
 */
export async function followExecution(
  client: SageMakerClient,
  out: Output,
  options: FollowOptions,
): Promise<number> {
  const clock = options.clock ?? systemClock;
  const { executionArn } = options;
  const startedAt = clock.now();
  const deadline = startedAt + options.timeoutMinutes * 60_000;
  const lastStatus = new Map<string, string>();
  const nameWidth = 24;
  for (;;) {
    const execution = await callAws(
      {
        action: `describe pipeline execution ${executionArn}`,
        permission: "sagemaker:DescribePipelineExecution on the pipeline's executions",
      },
      () => client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: executionArn })),
    );
    const steps = await listSteps(client, executionArn);
    const elapsed = formatElapsed(clock.now() - startedAt);
    const finished = steps.filter((step) => FINISHED_STEP.has(step.StepStatus ?? "")).length;
    const progress = `${finished}/${Math.max(options.stepCount, steps.length)} steps done`;
    for (const step of steps) {
      const name = step.StepName ?? "(unnamed step)";
      const status = step.StepStatus ?? "Unknown";
      if (lastStatus.get(name) === status) continue;
      lastStatus.set(name, status);
      const reason = step.FailureReason ? `: ${step.FailureReason}` : "";
      out.write(
        `[${elapsed.padStart(7)}] ${name.padEnd(nameWidth)} ${status.padEnd(10)} ${progress}${reason}\n`,
      );
    }

    const status = execution.PipelineExecutionStatus;
    if (status === PipelineExecutionStatus.SUCCEEDED) {
      out.write(`Execution succeeded after ${elapsed}: ${executionArn}\n`);
      for (const step of steps) {
        const registered = step.Metadata?.RegisterModel?.Arn;
        if (registered) out.write(`Registered model package ${registered}\n`);
      }
      return EXIT.ok;
    }
    if (status === PipelineExecutionStatus.FAILED || status === PipelineExecutionStatus.STOPPED) {
      const verb = status === PipelineExecutionStatus.FAILED ? "failed" : "was stopped";
      const reason = execution.FailureReason ? `: ${execution.FailureReason}` : "";
      out.write(`Execution ${verb} after ${elapsed}${reason}\n`);
      for (const step of steps.filter((candidate) => candidate.StepStatus === StepStatus.FAILED)) {
        const gate = (options.gates ?? GATES)[step.StepName ?? ""];
        if (gate) {
          // A gate stopped the run on purpose: say which, and its reasons, not that a step broke.
          const reasons = step.Metadata?.Fail?.ErrorMessage ?? step.FailureReason ?? "no reason given";
          out.write(`  ${gate} (${step.StepName}): ${reasons}\n`);
          continue;
        }
        const job =
          step.Metadata?.TrainingJob?.Arn ??
          step.Metadata?.ProcessingJob?.Arn ??
          step.Metadata?.TransformJob?.Arn;
        out.write(
          `  step ${step.StepName ?? "(unnamed)"} failed: ${step.FailureReason ?? "no reason given"}` +
            `${job ? ` (${job})` : ""}\n`,
        );
      }
      out.write(`  execution: ${executionArn}\n`);
      return EXIT.failed;
    }

    const remaining = deadline - clock.now();
    if (remaining <= 0) {
      throw new OpsError(
        EXIT.timeout,
        `stopped waiting after ${options.timeoutMinutes} minutes: execution ${executionArn} is still ` +
          `${status ?? "running"}. It goes on; follow it with \`aws sagemaker describe-pipeline-execution ` +
          `--pipeline-execution-arn ${executionArn}\` or in SageMaker Studio.`,
      );
    }
    await clock.sleep(Math.min(options.pollSeconds * 1000, remaining));
  }
}

/** Every step of the execution, oldest first. */
async function listSteps(client: SageMakerClient, executionArn: string): Promise<PipelineExecutionStep[]> {
  return callAws(
    {
      action: `list the steps of pipeline execution ${executionArn}`,
      permission: "sagemaker:ListPipelineExecutionSteps on the pipeline's executions",
    },
    async () => {
      const steps: PipelineExecutionStep[] = [];
      const pages = paginateListPipelineExecutionSteps(
        { client },
        { PipelineExecutionArn: executionArn, SortOrder: "Ascending" },
      );
      for await (const page of pages) steps.push(...(page.PipelineExecutionSteps ?? []));
      return steps;
    },
  );
}
