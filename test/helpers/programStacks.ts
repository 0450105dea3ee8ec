import type { StackValidationPolicy } from "@pulumi/policy";
import { checkStack, copy, fromRecorded, policyResources, StackResourceInput } from "./policyArgs";
import { runProgram, startSeededRegistry } from "./program";
import { StackName, stackFileConfig } from "./stackFiles";

type Stacks = Record<StackName, readonly StackResourceInput[]>;

interface Recorded {
  readonly deployed: Stacks;
  readonly previewed: Stacks;
  /** Deployed, with every model monitored by Model Monitor ({@link modelMonitorStacks}). */
  readonly modelMonitor: Stacks;
}

let recorded: Promise<Recorded> | undefined;

/** A stack file's config with every monitored model on the Model Monitor engine. */
function withModelMonitor(config: Record<string, string>): Record<string, string> {
  const models = (JSON.parse(config["mlops:models"] ?? "[]") as Record<string, unknown>[]).map((model) => ({
    ...model,
    ...(model.monitoring !== undefined && {
      monitoring: { ...(model.monitoring as object), engine: "model-monitor" },
    }),
  }));
  return { ...config, "mlops:models": JSON.stringify(models) };
}

/**
 * Both stacks as deployed and as previewed, and as deployed with Model Monitor, recorded once per
 * test process (each mocha worker records its own) against one seeded registry: starting and
 * stopping moto takes longer than the six runs of the program.
 */
function recordAll(): Promise<Recorded> {
  recorded ??= (async () => {
    const registry = await startSeededRegistry();
    try {
      const run = async (stack: StackName, preview: boolean, config = stackFileConfig(stack)) =>
        fromRecorded((await runProgram(stack, config, preview)).recorded);
      const deployed = { staging: await run("staging", false), prod: await run("prod", false) };
      const previewed = { staging: await run("staging", true), prod: await run("prod", true) };
      const modelMonitor = {
        staging: await run("staging", false, withModelMonitor(stackFileConfig("staging"))),
        prod: await run("prod", false, withModelMonitor(stackFileConfig("prod"))),
      };
      return { deployed, previewed, modelMonitor };
    } finally {
      await registry.stop();
    }
  })();
  return recorded;
}

/**
 * The custom resources index.ts creates for the shipped staging and prod stacks (run under mocks
 * against a seeded registry), as stack policies see them. Recorded once per test process and
 * shared: callers mutate copies ({@link copyOf}).
 */
export async function programStacks(): Promise<Stacks> {
  return (await recordAll()).deployed;
}

/**
 * The same stacks as a first `pulumi preview` shows them: everything AWS computes (auto-names,
 * ARNs, and what is built from them) is unknown.
 */
export async function previewStacks(): Promise<Stacks> {
  return (await recordAll()).previewed;
}

/** The account the sharing stack ({@link sharingStack}) shares its models with. */
export const CONSUMER_ACCOUNT = "222222222222";

/**
 * A stack file's config with every model it builds (no `source`) retrained on new data and on
 * drift, whatever else its `retraining` says.
 */
export function withRetraining(config: Record<string, string>): Record<string, string> {
  const models = (JSON.parse(config["mlops:models"] ?? "[]") as Record<string, unknown>[]).map((model) => {
    if (model.source !== undefined) return model;
    const retraining = (model.retraining ?? {}) as { newData?: object; drift?: object };
    return {
      ...model,
      retraining: {
        ...retraining,
        newData: { ...retraining.newData, enabled: true },
        drift: { ...retraining.drift, enabled: true },
      },
    };
  });
  return { ...config, "mlops:models": JSON.stringify(models) };
}

let sharing: Promise<readonly StackResourceInput[]> | undefined;

/**
 * The shipped staging stack as it is when it shares the models it builds with another account
 * (`mlops:promotion.consumerAccounts` set to {@link CONSUMER_ACCOUNT}, whatever its stack file says)
 * and retrains them on new data and on drift, there and in that account ({@link withRetraining}),
 * deployed under mocks against a seeded registry of its own: what sharing adds (the registries'
 * resource policies, the artifacts buckets' and the key's grants, the drift bus open to the
 * consumer) and what retraining adds (its function, invoke permissions, the data bucket's
 * notifications, rules, dead-letter queue) are created by this configuration of a shipped stack.
 * Recorded once per test process; await it apart from {@link programStacks}, since both point the
 * program's client at a registry of their own.
 */
export function sharingStack(): Promise<readonly StackResourceInput[]> {
  sharing ??= (async () => {
    const registry = await startSeededRegistry();
    try {
      const config = {
        ...withRetraining(stackFileConfig("staging")),
        "mlops:promotion": JSON.stringify({ consumerAccounts: [CONSUMER_ACCOUNT] }),
      };
      return fromRecorded((await runProgram("staging", config, false)).recorded);
    } finally {
      await registry.stop();
    }
  })();
  return sharing;
}

/** A deep copy of a stack's resources, to mutate. */
export function copyOf(resources: readonly StackResourceInput[]): StackResourceInput[] {
  return copy([...resources]);
}

/** The resource of that type and name in a copy, to mutate (throws when there is none). */
export function find(
  resources: readonly StackResourceInput[],
  type: string,
  name: string,
): StackResourceInput {
  const found = resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
}

/** A copy of `resources`, changed in place by `change` or replaced by the list it returns. */
export function edited(
  resources: readonly StackResourceInput[],
  change: (resources: StackResourceInput[]) => unknown,
): StackResourceInput[] {
  const copied = copyOf(resources);
  const changed = change(copied);
  return Array.isArray(changed) ? (changed as StackResourceInput[]) : copied;
}

/** A change for {@link edited} that removes one resource. */
export const without = (type: string, name: string) => (resources: StackResourceInput[]) =>
  resources.filter((r) => !(r.type === type && r.name === name));

/** The props of a resource in a copy, to mutate. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const propsOf = (resources: StackResourceInput[], type: string, name: string): Record<string, any> =>
  find(resources, type, name).props;

/** A copy of the props of the one resource of `type` in `resources`, to mutate. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function propsOfType(resources: readonly StackResourceInput[], type: string): Record<string, any> {
  const found = resources.find((r) => r.type === type);
  if (!found) throw new Error(`no ${type} in the stack`);
  return copy(found.props);
}

/** Runs a stack rule on resources and keeps what the specs assert: findings, their URNs, unknowns. */
export function stackCheck(rule: StackValidationPolicy) {
  return async (resources: readonly StackResourceInput[], config?: Record<string, unknown>) => {
    const { violations, urns, unknown } = await checkStack(rule, policyResources(resources), { config });
    return { violations, urns, unknown };
  };
}

/**
 * The shipped stacks as deployed when their models are monitored by SageMaker Model Monitor
 * (`monitoring.engine: model-monitor` for every model, whatever the stack files say) instead of
 * the drift check: data-quality job definitions and monitoring schedules instead of a pipeline
 * and a schedule per endpoint.
 */
export async function modelMonitorStacks(): Promise<Stacks> {
  return (await recordAll()).modelMonitor;
}
