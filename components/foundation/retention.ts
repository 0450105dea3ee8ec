import { STORAGE_DEFAULTS } from "./settings";

/**
 * Where a model's endpoint and monitor write in its data bucket. Each prefix expires on its own
 * period; the training data (`input/`) and the uploaded scripts (`code/`) never do.
 */
export const DATA_BUCKET_PREFIXES = {
  /** The endpoint's captured requests and responses: `<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/`. */
  capture: "data-capture",
  /** The drift check's and Model Monitor's reports: `<prefix>/<monitor>/...`. */
  reports: "monitoring",
} as const;

/** The data bucket's expiring prefixes and their days, as SecureBucket's `expireByPrefix` takes them. */
export function dataBucketExpiry(storage: {
  readonly captureRetentionDays: number;
  readonly reportRetentionDays: number;
}): Record<string, number> {
  return {
    [`${DATA_BUCKET_PREFIXES.capture}/`]: storage.captureRetentionDays,
    [`${DATA_BUCKET_PREFIXES.reports}/`]: storage.reportRetentionDays,
  };
}

const DAY_SECONDS = 86_400;

/**
 * Days objects must be kept to still be there `seconds` after they were written, plus a day for a
 * failed run to be retried or started again the next day. A rule of N days keeps an object at
 * least N × 24 hours: S3 adds the days to the object's creation time and rounds up to the next
 * midnight UTC ("Lifecycle configuration elements",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html).
 */
export function daysToKeep(seconds: number): number {
  return Math.ceil(seconds / DAY_SECONDS) + 1;
}

/** A monitored endpoint: each run reads the captured requests of the last `windowHours`. */
export interface CaptureReader {
  /** Where the model is in the stack config, e.g. `models[0]`. */
  readonly path: string;
  readonly windowHours: number;
}

/** A model the stack builds: its Train step may run for up to `trainingSeconds`. */
export interface BuildReader {
  readonly path: string;
  readonly trainingSeconds: number;
  /** What bounds it, naming the setting: `models[0].pipeline.maxWaitSeconds`. */
  readonly bound: string;
  /** Spot training, which resumes from its checkpoints after an interruption. */
  readonly spot: boolean;
}

/** The storage keys these rules read; raw values (other types are the schema's to report). */
export interface StorageInput {
  readonly captureRetentionDays?: unknown;
  readonly pipelineOutputRetentionDays?: unknown;
  readonly checkpointRetentionDays?: unknown;
  readonly accessLogs?: unknown;
  readonly accessLogRetentionDays?: unknown;
}

/** A problem at a key of `storage`, as the stack config reports it. */
export interface RetentionProblem {
  readonly key: keyof StorageInput;
  readonly value: unknown;
  readonly message: string;
}

/** The given days when valid, the default when missing, else undefined: the schema reports those. */
function days(value: unknown, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  return typeof value === "number" && Number.isInteger(value) && value >= 1 ? value : undefined;
}

/** The reader that needs the most days, and how many. */
function mostNeeded<T>(readers: readonly T[], need: (reader: T) => number) {
  return readers.reduce<{ reader: T; days: number } | undefined>((most, reader) => {
    const needed = need(reader);
    return most === undefined || needed > most.days ? { reader, days: needed } : most;
  }, undefined);
}

/**
 * Retention periods that would delete data before what reads it has run: captured requests before
 * the monitors have checked their window, a build's intermediate outputs (the test split, the
 * champion placeholder) before its Evaluate step reads them after training, spot checkpoints
 * before the training job that resumes from them has ended; and an access-log period without
 * access logs. Each problem names the model that needs the most.
 */
export function retentionProblems(
  storage: StorageInput,
  readers: { readonly monitors: readonly CaptureReader[]; readonly builds: readonly BuildReader[] },
): RetentionProblem[] {
  const problems: RetentionProblem[] = [];
  const capture = days(storage.captureRetentionDays, STORAGE_DEFAULTS.captureRetentionDays);
  const monitor = mostNeeded(readers.monitors, (reader) => daysToKeep(reader.windowHours * 3600));
  if (capture !== undefined && monitor && capture < monitor.days) {
    problems.push({
      key: "captureRetentionDays",
      value: capture,
      message:
        `is shorter than the ${monitor.days} days ${monitor.reader.path}.monitoring needs: each run reads the ` +
        `requests captured in the last ${monitor.reader.windowHours} hour(s), and a failed run is retried or run ` +
        `again the next day; keep captured data at least ${monitor.days} days`,
    });
  }
  const outputs = days(storage.pipelineOutputRetentionDays, STORAGE_DEFAULTS.pipelineOutputRetentionDays);
  const build = mostNeeded(readers.builds, (reader) => daysToKeep(reader.trainingSeconds));
  if (outputs !== undefined && build && outputs < build.days) {
    problems.push({
      key: "pipelineOutputRetentionDays",
      value: outputs,
      message:
        `is shorter than the ${build.days} days a build of ${build.reader.path} needs: its Train step may run ` +
        `${build.reader.trainingSeconds} seconds (${build.reader.bound}), after ` +
        `which Evaluate reads the test split and the champion placeholder; keep intermediate outputs at least ` +
        `${build.days} days`,
    });
  }
  const checkpoints = days(storage.checkpointRetentionDays, STORAGE_DEFAULTS.checkpointRetentionDays);
  const spot = mostNeeded(
    readers.builds.filter((reader) => reader.spot),
    (reader) => daysToKeep(reader.trainingSeconds),
  );
  if (checkpoints !== undefined && spot && checkpoints < spot.days) {
    problems.push({
      key: "checkpointRetentionDays",
      value: checkpoints,
      message:
        `is shorter than the ${spot.days} days the spot training of ${spot.reader.path} needs: an interrupted ` +
        `job waits for capacity and resumes from its last checkpoint up to ${spot.reader.trainingSeconds} ` +
        `seconds after it started (${spot.reader.bound}); keep checkpoints at ` +
        `least ${spot.days} days`,
    });
  }
  if (storage.accessLogRetentionDays !== undefined && storage.accessLogs !== true) {
    problems.push({
      key: "accessLogRetentionDays",
      value: storage.accessLogRetentionDays,
      message: "applies only with accessLogs: true; remove it or turn access logs on",
    });
  }
  return problems;
}
