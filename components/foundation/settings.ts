import { z } from "zod";
import { KMS_KEY_ARN_PATTERN } from "../shared/names";
import { LOG_RETENTION_PERIODS, LogRetentionPeriod } from "../shared/logRetention";
import { flag, integer, requiredOr, strictObject } from "../shared/settings";

/** `encryption`, `network`, `alerts` and `storage`: what a stack has once. Each setting's default, range and description, once. */

/** An AWS account id, as key, bucket and registry policies name other accounts: 12 digits. */
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;

/**
 * Why a list of other accounts a component grants access to is not valid: ids that are not 12
 * digits, and ids listed twice. Each problem names the entry by the list's key and its position.
 */
export function accountListProblems(key: string, accounts: readonly string[]): string[] {
  return accounts.flatMap((account, index) => {
    if (!ACCOUNT_ID_PATTERN.test(account))
      return [`${key}[${index}] ${JSON.stringify(account)} is not an AWS account id (12 digits)`];
    const first = accounts.indexOf(account);
    return first === index ? [] : [`${key}[${index}] "${account}" is already listed at ${key}[${first}]`];
  });
}

export const KEY_DEFAULTS = { keyDeletionWindowDays: 30 };
export const ENCRYPTION_SETTINGS = {
  kmsKeyArn: z
    .string({ error: "must be a KMS key ARN" })
    .regex(KMS_KEY_ARN_PATTERN, {
      error:
        "is not a KMS key ARN (expected arn:aws:kms:<region>:<account>:key/<key-id>; aliases are not accepted)",
    })
    .optional()
    .describe("A key of your own to encrypt everything with. Unset: the stack creates one, rotated yearly."),
  keyDeletionWindowDays: integer(7, 30)
    .default(KEY_DEFAULTS.keyDeletionWindowDays)
    .describe("Days a deleted stack key can still be recovered."),
};

function idList(prefix: string, what: string) {
  return z
    .array(
      z
        .string({ error: `must be a ${what} id (${prefix}-...)` })
        .regex(new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`), {
          error: `is not a ${what} id (expected ${prefix}- followed by 8 or 17 hex digits)`,
        }),
      { error: requiredOr(`a list of ${what} ids`) },
    )
    .min(1, { error: `must list at least one ${what} id` });
}

export const NETWORK_SETTINGS = {
  subnetIds: idList("subnet", "subnet").describe("Subnets the jobs and models run in."),
  securityGroupIds: idList("sg", "security group").describe("Security groups of the jobs and models."),
};

export const ALERT_SETTINGS = {
  emails: z
    .array(z.email({ error: "is not an e-mail address" }), {
      error: requiredOr("a list of e-mail addresses"),
    })
    .min(1, { error: "must list at least one e-mail address: alerts have to reach a person" })
    .describe("On-call addresses every alert topic e-mails; each must confirm its subscription."),
};

/**
 * What a stack keeps and for how long. The defaults suit a stack that is not prod: long enough for
 * monitoring, retraining and a review of the last quarter; prod keeps reports and logs a year
 * (Pulumi.prod.yaml). The periods must outlast what reads the data: `retentionProblems` (retention.ts).
 */
export const STORAGE_DEFAULTS = {
  protectFromDeletion: true,
  noncurrentVersionRetentionDays: 90,
  checkpointRetentionDays: 14,
  captureRetentionDays: 30,
  reportRetentionDays: 90,
  pipelineOutputRetentionDays: 30,
  batchOutputRetentionDays: 30,
  logRetentionDays: 90 as LogRetentionPeriod,
  accessLogs: false,
  accessLogRetentionDays: 90,
};
export const STORAGE_SETTINGS = {
  protectFromDeletion: flag()
    .default(STORAGE_DEFAULTS.protectFromDeletion)
    .describe("Refuse to delete the key, buckets and registries with the stack."),
  noncurrentVersionRetentionDays: integer(1, 3650)
    .default(STORAGE_DEFAULTS.noncurrentVersionRetentionDays)
    .describe(
      "Days an overwritten or deleted object version is kept in the buckets; under a retention period " +
        "below, no longer than that period.",
    ),
  checkpointRetentionDays: integer(1, 365)
    .default(STORAGE_DEFAULTS.checkpointRetentionDays)
    .describe("Days spot-training checkpoints (checkpoints/ of the artifacts buckets) are kept."),
  captureRetentionDays: integer(1, 3650)
    .default(STORAGE_DEFAULTS.captureRetentionDays)
    .describe(
      "Days the endpoints' captured requests and responses (data-capture/ of the data buckets) are kept; " +
        "at least 2 while the endpoint is monitored.",
    ),
  reportRetentionDays: integer(1, 3650)
    .default(STORAGE_DEFAULTS.reportRetentionDays)
    .describe(
      "Days the drift check's and Model Monitor's reports (monitoring/ of the data buckets) are kept.",
    ),
  pipelineOutputRetentionDays: integer(1, 3650)
    .default(STORAGE_DEFAULTS.pipelineOutputRetentionDays)
    .describe(
      "Days a build's intermediate outputs (pipeline-work/ of the artifacts buckets: validation report, data " +
        "splits, champion placeholder) are kept. What a registered version points to (pipelines/: model, " +
        "evaluation report, baselines) never expires.",
    ),
  batchOutputRetentionDays: integer(1, 3650)
    .default(STORAGE_DEFAULTS.batchOutputRetentionDays)
    .describe(
      "Days a batch inference run's outputs (batch/output/<execution id>/ of the data buckets: validation " +
        "report, scored copy of the input, predictions, summary) are kept; the inputs under batch/input/ are " +
        "the team's and never expire.",
    ),
  logRetentionDays: z
    .literal(LOG_RETENTION_PERIODS, {
      error: `is not a CloudWatch Logs retention period (${LOG_RETENTION_PERIODS.join(", ")} days)`,
    })
    .describe("a CloudWatch Logs retention period in days (1, 3, 5, 7, 14, 30, 60, 90, ..., 365, ..., 3653)")
    .default(STORAGE_DEFAULTS.logRetentionDays)
    .describe("Days the log groups the stack creates (its Lambda functions') keep their events."),
  accessLogs: flag()
    .default(STORAGE_DEFAULTS.accessLogs)
    .describe(
      "S3 server access logs of the data and artifacts buckets, delivered to a log bucket of the stack " +
        "(<namePrefix>-access-logs-...), so that access to training data and captured traffic can be audited.",
    ),
  accessLogRetentionDays: integer(1, 3650)
    .default(STORAGE_DEFAULTS.accessLogRetentionDays)
    .describe("Days the S3 server access logs are kept (with accessLogs only)."),
};

export const encryptionSettings = strictObject(ENCRYPTION_SETTINGS);
export const networkSettings = strictObject(NETWORK_SETTINGS);
export const alertSettings = strictObject(ALERT_SETTINGS);
export const storageSettings = strictObject(STORAGE_SETTINGS);
