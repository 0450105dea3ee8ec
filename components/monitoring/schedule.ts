/**
 * SageMaker starts monitoring executions on the hour, at most hourly: the minute is 0, the day
 * fields are `? * * *`, and the hour is `*` (hourly), one hour (daily at that hour, UTC) or
 * `<start>/<interval>` (every `interval` hours from `start`).
 */
const SCHEDULE = /^cron\(0 (\*|\d{1,2}|(?:\*|\d{1,2})\/\d{1,2}) \? \* \* \*\)$/;

export const SCHEDULE_EXAMPLES = 'e.g. "cron(0 * ? * * *)" hourly, "cron(0 3 ? * * *)" daily at 03:00 UTC';

/** Why `expression` is not a schedule SageMaker Model Monitor accepts, or undefined when it is. */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const match = SCHEDULE.exec(expression);
  if (!match) {
    return `is not a Model Monitor schedule: expected cron(0 <hours> ? * * *), ${SCHEDULE_EXAMPLES}`;
  }
  const [start, interval] = match[1].split("/");
  if (start !== "*" && Number(start) > 23) return "has an hour above 23";
  if (interval !== undefined && (Number(interval) < 1 || Number(interval) > 24)) {
    return "has an hour interval outside 1-24";
  }
  return undefined;
}

/**
 * Minutes past the hour a drift check starts: SageMaker writes capture files in batches after the
 * requests they hold, so the last hour's files have landed by then. The window still ends on the hour.
 */
export const DRIFT_CHECK_START_MINUTE = 15;

/**
 * The hours a drift check run covers: the time since the previous run, so that consecutive runs
 * tile the day. Hourly is 1, daily 24, `<start>/<interval>` the interval, which must divide 24
 * (else the last run of the day would cover a shorter gap). Undefined with the problem otherwise.
 */
export function driftWindow(expression: string): { hours: number } | { problem: string } {
  const match = SCHEDULE.exec(expression);
  const problem = scheduleExpressionProblem(expression);
  if (problem || !match) return { problem: problem ?? "is not a schedule" };
  const hours = match[1];
  if (hours === "*") return { hours: 1 };
  const [, interval] = hours.split("/");
  if (interval === undefined) return { hours: 24 };
  const every = Number(interval);
  return 24 % every === 0
    ? { hours: every }
    : {
        problem: `has an hour interval of ${every}, which does not divide 24: runs would not cover the day evenly`,
      };
}

/** The drift check's EventBridge Scheduler expression: the same hours, {@link DRIFT_CHECK_START_MINUTE} past. */
export function driftCheckScheduleExpression(expression: string): string {
  return expression.replace(/^cron\(0 /, `cron(${DRIFT_CHECK_START_MINUTE} `);
}
