import { randomUUID } from "node:crypto";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { StartPipelineExecutionCommand } from "@aws-sdk/client-sagemaker";
import {
  BATCH_OUTPUTS,
  BATCH_PARAMETERS,
  BATCH_PREFIXES,
  BATCH_STEPS,
  SUMMARY_FILE,
} from "../../components/batch/definition";
import { awsError, callAws } from "../awsErrors";
import { closeClients, type OpsClients } from "../clients";
import { numberFlag, parseCommandLine, textFlag, type Clock, type OpsCommand, type Output } from "../command";
import { EXIT, inputError } from "../errors";
import { loadTarget } from "../stack";
import { deployedBatch, readStackOutputs, type DeployedBatch } from "../stackOutputs";
import { checkedPipelineShape, followExecution } from "./startPipeline";

const USAGE =
  "usage: npm run ops -- batch <stack> <model> --input s3://<bucket>/batch/input/<dataset>/ [--wait] " +
  "[--outputs FILE] [--poll-seconds N] [--timeout-minutes N]";

const DEFAULT_POLL_SECONDS = 30;
const DEFAULT_TIMEOUT_MINUTES = 180;

/** The batch pipeline's parameter for the folder to score. */
const INPUT_PARAMETER = BATCH_PARAMETERS.inputData;

/** The batch pipeline's input gate: its Fail step, and what the report says of it. */
const BATCH_GATES: Readonly<Record<string, string>> = { [BATCH_STEPS.inputRejected]: "input rejected" };

const HELP = `${USAGE}

Scores a folder of CSV files with the model the stack serves: starts an execution of the model's
batch pipeline (<namePrefix>-<model>-batch) with ${INPUT_PARAMETER} set to the folder. The
pipeline checks the files against the model's schema, scores them with a batch transform job and
writes the predictions and a summary under ${BATCH_PREFIXES.output}<execution id>/ of the same bucket.

  --input URL           the folder to score: under s3://<data bucket>/${BATCH_PREFIXES.input}, the only place
                        the pipeline's role may read (a trailing / is added); it must hold a file
  --wait                follow the execution to its end and report where the predictions are, the
                        rows scored and failed, or why the input was rejected
  --outputs FILE        what \`pulumi stack output --json --stack <stack>\` printed, for the
                        pipeline's name and folders (default: run that command, which needs the
                        Pulumi CLI and a login)
  --poll-seconds N      with --wait, seconds between status checks (default ${DEFAULT_POLL_SECONDS})
  --timeout-minutes N   with --wait, stop waiting after this long (default ${DEFAULT_TIMEOUT_MINUTES}); the
                        execution goes on

Exit codes: 0 started (without --wait) or Succeeded, 1 Failed, Stopped or the input rejected
(with the reasons), or nothing deployed to score with yet, 2 bad input (no models[].batch for the
model, a folder the pipeline cannot read, an empty folder), 4 AWS error, 5 stopped waiting (timeout).
`;

/** `npm run ops -- batch <stack> <model> --input s3://…`. */
export const batchCommand: OpsCommand = {
  name: "batch",
  summary: "score a folder of the data bucket with the served model (batch pipeline), optionally waiting",
  help: HELP,
  async run(argv, io) {
    const line = parseCommandLine(
      argv,
      {
        input: { type: "string" },
        wait: { type: "boolean" },
        outputs: { type: "string" },
        "poll-seconds": { type: "string" },
        "timeout-minutes": { type: "string" },
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
    const input = textFlag(flags, "input");
    if (input === undefined || input.trim() === "") {
      throw inputError(
        `--input is required: the folder to score, s3://<data bucket>/batch/input/<dataset>/\n${USAGE}`,
      );
    }
    const folder = parseS3Folder(input);
    const pollSeconds = numberFlag(flags, "poll-seconds", DEFAULT_POLL_SECONDS, { min: 1, max: 3600 });
    const timeoutMinutes = numberFlag(flags, "timeout-minutes", DEFAULT_TIMEOUT_MINUTES, {
      min: 0,
      max: 7 * 24 * 60,
    });
    const target = loadTarget(stack, model, io.root);
    if (target.model.batch === undefined) {
      throw inputError(
        `model "${model}" has no batch inference in stack ${stack}; add models[].batch to its entry in ` +
          `Pulumi.${stack}.yaml (docs/batch-inference.md) and run \`pulumi up\``,
      );
    }
    const file = textFlag(flags, "outputs");
    const outputs = await readStackOutputs(stack, { ...(file === undefined ? {} : { file }), root: io.root });
    const batch = deployedBatch(outputs, stack, model);
    checkReadable(folder, batch, { stack, model });
    const clients = io.clients(target);
    try {
      return await runBatch(clients, io.out, {
        stack,
        batch,
        inputUrl: folder.url,
        wait: flags.wait === true,
        pollSeconds,
        timeoutMinutes,
      });
    } finally {
      closeClients(clients);
    }
  },
};

/** An S3 folder: `s3://<bucket>/<prefix>` with the prefix ending in `/`. */
export interface S3Folder {
  readonly bucket: string;
  /** The key prefix, "" or ending in `/`. */
  readonly prefix: string;
  /** `s3://<bucket>/<prefix>`. */
  readonly url: string;
}

/**
 * A bucket name as S3 allows it for general purpose buckets: 3-63 lowercase letters, digits, dots
 * and hyphens, starting and ending with a letter or digit
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
 */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Reads `s3://<bucket>/<prefix>` as a folder, adding the trailing `/` a folder's prefix has (without
 * it, SageMaker's S3Prefix would also take `<prefix>2/…`).
 *
 * @throws OpsError (exit 2) for anything else.
 */
export function parseS3Folder(text: string): S3Folder {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(text.trim());
  const bucket = match?.[1] ?? "";
  if (match === null || !BUCKET_NAME.test(bucket)) {
    throw inputError(
      `--input "${text}": expected an S3 folder URL, s3://<data bucket>/batch/input/<dataset>/`,
    );
  }
  const key = match[2] ?? "";
  const prefix = key === "" || key.endsWith("/") ? key : `${key}/`;
  return { bucket, prefix, url: `s3://${bucket}/${prefix}` };
}

/**
 * Refuses a folder outside the stack's batch input folder: the pipeline's role may read nothing
 * else, so its first step would fail with AccessDenied minutes later.
 *
 * @throws OpsError (exit 2) saying where the data must go.
 */
export function checkReadable(
  folder: S3Folder,
  batch: DeployedBatch,
  where: { readonly stack: string; readonly model: string },
): void {
  if (folder.url.startsWith(batch.inputUrl)) return;
  const dataset =
    folder.prefix
      .split("/")
      .filter((part) => part !== "")
      .pop() ?? "<dataset>";
  throw inputError(
    `--input ${folder.url}: the batch pipeline of model "${where.model}" in stack ${where.stack} reads only ` +
      `under ${batch.inputUrl} (its role may read nothing else); copy the data there, e.g. ` +
      `\`aws s3 cp --recursive ${folder.url} ${batch.inputUrl}${dataset}/\`, and pass that folder`,
  );
}

export interface BatchRequest {
  readonly stack: string;
  readonly batch: DeployedBatch;
  /** The folder to score, under `batch.inputUrl`, ending in `/`. */
  readonly inputUrl: string;
  /** Follow the execution to its end. */
  readonly wait: boolean;
  readonly pollSeconds: number;
  readonly timeoutMinutes: number;
  /** @default the system clock */
  readonly clock?: Clock;
}

/**
 * Checks that the folder holds data, starts the batch pipeline on it and, with `wait`, follows the
 * execution and reports its outcome.
 *
 * @returns the exit code: 0 started (without wait) or Succeeded, 1 Failed, Stopped or rejected.
 * @throws OpsError: 2 for an empty folder (nothing is started), 4 for AWS errors, 5 when the wait times out.
 */
export async function runBatch(
  clients: Pick<OpsClients, "sageMaker" | "s3">,
  out: Output,
  request: BatchRequest,
): Promise<number> {
  const { batch, stack } = request;
  const files = await countInputFiles(clients.s3, parseS3Folder(request.inputUrl));
  // The deployed pipeline must take the input folder as a parameter; its steps are what a run follows.
  const { stepCount } = await checkedPipelineShape(clients.sageMaker, batch.pipelineName, stack, {
    [INPUT_PARAMETER]: request.inputUrl,
  });
  const started = await callAws(
    {
      action: `start an execution of pipeline "${batch.pipelineName}"`,
      permission: "sagemaker:StartPipelineExecution on the pipeline",
      notFound: `Run \`pulumi up\` on stack ${stack} to create it.`,
    },
    () =>
      clients.sageMaker.send(
        new StartPipelineExecutionCommand({
          PipelineName: batch.pipelineName,
          PipelineParameters: [{ Name: INPUT_PARAMETER, Value: request.inputUrl }],
          PipelineExecutionDescription: `Batch inference of ${request.inputUrl}, started with npm run ops -- batch`,
          // Idempotency: a request the SDK retries after a lost answer starts no second execution.
          ClientRequestToken: randomUUID(),
        }),
      ),
  );
  const executionArn = started.PipelineExecutionArn ?? "";
  const run = runLocations(batch.outputUrl, executionArn);
  out.write(
    [
      `Started batch inference ${executionArn}`,
      `  pipeline:    ${batch.pipelineName}`,
      `  input:       ${request.inputUrl} (${files})`,
      `  predictions: ${run.predictions}`,
      "",
    ].join("\n"),
  );
  if (!request.wait) {
    out.write(
      `Not waiting (--wait follows it): see it in SageMaker Studio, or with \`aws sagemaker ` +
        `describe-pipeline-execution --pipeline-execution-arn ${executionArn}\`.\n`,
    );
    return EXIT.ok;
  }
  const code = await followExecution(clients.sageMaker, out, {
    executionArn,
    pollSeconds: request.pollSeconds,
    timeoutMinutes: request.timeoutMinutes,
    stepCount,
    gates: BATCH_GATES,
    clock: request.clock,
  });
  if (code !== EXIT.ok) return code;
  out.write(`Predictions: ${run.predictions}\nSummary:     ${run.summary}\n`);
  out.write(await summaryLine(clients.s3, run.summary));
  return code;
}

/** Where a run writes: the folders of `<outputUrl><execution id>/` the pipeline fills. */
export function runLocations(
  outputUrl: string,
  executionArn: string,
): { readonly predictions: string; readonly summary: string } {
  // arn:<partition>:sagemaker:<region>:<account>:pipeline/<name>/execution/<id>
  const run = `${outputUrl}${executionArn.slice(executionArn.lastIndexOf("/") + 1)}/`;
  return {
    predictions: `${run}${BATCH_OUTPUTS.predictions}/`,
    summary: `${run}${BATCH_OUTPUTS.summary}/${SUMMARY_FILE}`,
  };
}

/**
 * How many files (objects with content; folder placeholders and empty markers are not data) the
 * folder holds, as "3 files" or "1000+ files" past the first page.
 *
 * @throws OpsError 2 when there is none, 4 when S3 cannot be read.
 */
async function countInputFiles(s3: S3Client, folder: S3Folder): Promise<string> {
  const listed = await callAws(
    {
      action: `list ${folder.url}`,
      permission: `s3:ListBucket on bucket ${folder.bucket}`,
      service: "S3",
    },
    () => s3.send(new ListObjectsV2Command({ Bucket: folder.bucket, Prefix: folder.prefix })),
  );
  const files = (listed.Contents ?? []).filter(
    (object) => (object.Size ?? 0) > 0 && !(object.Key ?? "").endsWith("/"),
  ).length;
  if (files > 0) return `${files}${listed.IsTruncated === true ? "+" : ""} file${files === 1 ? "" : "s"}`;
  const asFile = folder.prefix.slice(0, -1);
  const named = await callAws(
    {
      action: `list ${folder.url}`,
      permission: `s3:ListBucket on bucket ${folder.bucket}`,
      service: "S3",
    },
    () => s3.send(new ListObjectsV2Command({ Bucket: folder.bucket, Prefix: asFile, MaxKeys: 1 })),
  );
  if (named.Contents?.[0]?.Key === asFile) {
    const parent = asFile.slice(0, asFile.lastIndexOf("/") + 1);
    throw inputError(
      `--input s3://${folder.bucket}/${asFile} is a file; pass its folder (s3://${folder.bucket}/${parent}): ` +
        "the pipeline scores every file of a folder",
    );
  }
  throw inputError(
    `--input ${folder.url}: the folder holds no file to score; upload the data first, e.g. ` +
      `\`aws s3 cp data.csv ${folder.url}\``,
  );
}

/** `summary.json` of a run, as the Summarize step writes it (ml/batch_summary.py). */
interface RunSummary {
  readonly rows_in?: unknown;
  readonly rows_scored?: unknown;
  readonly rows_failed?: unknown;
  readonly score?: { readonly min?: unknown; readonly max?: unknown; readonly mean?: unknown };
}

/**
 * One line with the rows scored and failed and the range of the scores; when the summary cannot be
 * read (no s3:GetObject or kms:Decrypt for this identity, say), why, without failing the command:
 * the run succeeded and the summary is where the line before says.
 */
async function summaryLine(s3: S3Client, summaryUrl: string): Promise<string> {
  const [, bucket = "", key = ""] = /^s3:\/\/([^/]+)\/(.+)$/.exec(summaryUrl) ?? [];
  let text: string;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await object.Body?.transformToString("utf8")) ?? "";
  } catch (error) {
    const { message } = awsError(error, {
      action: `read ${summaryUrl}`,
      permission: `s3:GetObject on it and kms:Decrypt with the stack's key`,
      service: "S3",
    });
    return `  (${message})\n`;
  }
  let summary: RunSummary;
  try {
    summary = JSON.parse(text) as RunSummary;
  } catch {
    return `  (${summaryUrl} is not JSON)\n`;
  }
  const count = (value: unknown) => (typeof value === "number" ? String(value) : "?");
  const score = (value: unknown) => (typeof value === "number" ? String(Number(value.toPrecision(4))) : "?");
  const scores = summary.score;
  return (
    `  ${count(summary.rows_in)} rows in, ${count(summary.rows_scored)} scored, ` +
    `${count(summary.rows_failed)} failed` +
    (scores === undefined || scores === null
      ? "\n"
      : `; scores from ${score(scores.min)} to ${score(scores.max)}, mean ${score(scores.mean)}\n`)
  );
}
