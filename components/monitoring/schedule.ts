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
