/**
 * The retention periods CloudWatch Logs accepts, in days: any other value is refused by
 * PutRetentionPolicy (`retentionInDays`,
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
 */
export const LOG_RETENTION_PERIODS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export type LogRetentionPeriod = (typeof LOG_RETENTION_PERIODS)[number];
