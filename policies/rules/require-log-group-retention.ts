import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, show } from "../lib/rule";
import { at, isSet, plainProps, UNKNOWN } from "../lib/sagemakerValues";

interface Config {
  readonly minRetentionDays: number;
  readonly maxRetentionDays: number;
}

/**
 * Retention periods CloudWatch Logs accepts (PutRetentionPolicy's `retentionInDays`): the
 * settings are chosen among them, so that a stack can meet them exactly.
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
const RETENTION_PERIODS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Security Hub CloudWatch.16's default minimum: a year of logs, what audits commonly ask for. */
const AUDIT_RETENTION_DAYS = 365;

const logGroup = validateResourceOfType(aws.cloudwatch.LogGroup, (proxied, args, report) => {
  const { minRetentionDays: min, maxRetentionDays: max } = args.getConfig<Config>();
  const what = `Log group "${args.name}"`;
  if (min > max) {
    report(
      `${what}: minRetentionDays ${min} is more than maxRetentionDays ${max}, which no retention meets; correct them in the pack config.`,
    );
    return;
  }
  const days = at(plainProps(proxied), "retentionInDays");
  // Unknown during preview: checked with the value before the log group is created or updated.
  if (days === UNKNOWN) return;
  const range = min === max ? `${min}` : `a value from ${min} to ${max}`;
  // 0 and no value both mean "never expire" to CloudWatch Logs.
  if (!isSet(days) || days === 0)
    report(
      `${what}: retentionInDays is ${isSet(days) ? "0" : "not set"}, so CloudWatch Logs keeps its events forever; set retentionInDays to ${range} days.`,
    );
  else if (typeof days === "number" && days < min)
    report(
      `${what}: retentionInDays ${days} is less than minRetentionDays ${min}, so events expire before the logs are no longer needed; set retentionInDays to ${range} days.`,
    );
  else if (typeof days === "number" && days > max)
    report(
      `${what}: retentionInDays ${show(days)} is more than maxRetentionDays ${max}; set retentionInDays to ${range} days.`,
    );
});

/**
 * Requires every CloudWatch Logs log group of the stack to expire its events: `retentionInDays`
 * set (not set, or 0, means "never expire"), at least `minRetentionDays` (what investigations and
 * audits need: Security Hub CloudWatch.16 asks for 365 days unless configured otherwise, and counts
 * "never expire" as compliant, which this rule does not: logs may hold what a function saw, kept no
 * longer than needed) and at most `maxRetentionDays`. Both settings are CloudWatch Logs retention
 * periods; a minimum above the maximum is reported against each log group.
 * https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html#cloudwatch-16
 *
 * Only log groups the stack creates are judged: a log group a service creates on first use (a
 * Lambda function's, SageMaker's `/aws/sagemaker/...`) is not in the stack, and keeps its events
 * forever unless the stack creates it first.
 *
 * During preview: an unknown `retentionInDays` is assumed to comply and checked with its value
 * before the log group is created or updated.
 */
export const requireLogGroupRetention = resourceRule({
  name: "require-log-group-retention",
  description:
    "Requires every CloudWatch Logs log group to expire its events after minRetentionDays to maxRetentionDays days.",
  severity: "medium",
  controls: ["CloudWatch.16"],
  config: {
    minRetentionDays: {
      type: "integer",
      enum: RETENTION_PERIODS,
      description: "Shortest retention allowed, in days (CloudWatch Logs retention periods only).",
      default: AUDIT_RETENTION_DAYS,
    },
    maxRetentionDays: {
      type: "integer",
      enum: RETENTION_PERIODS,
      description: "Longest retention allowed, in days (CloudWatch Logs retention periods only).",
      default: RETENTION_PERIODS.at(-1),
    },
  },
  validateResource: logGroup,
});
