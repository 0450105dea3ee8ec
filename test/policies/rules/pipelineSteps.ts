/**
 * The step named `name` among a pipeline definition's steps, at any depth: a Condition step runs
 * the steps of its `IfSteps` and `ElseSteps`. The object itself, for a test to change.
 */
export function findStep<T>(steps: readonly T[], name: string): T | undefined {
  for (const step of steps) {
    const record = step as { Name?: unknown; Arguments?: { IfSteps?: T[]; ElseSteps?: T[] } };
    if (record.Name === name) return step;
    const nested = [...(record.Arguments?.IfSteps ?? []), ...(record.Arguments?.ElseSteps ?? [])];
    const found = nested.length > 0 ? findStep(nested, name) : undefined;
    if (found) return found;
  }
  return undefined;
}
