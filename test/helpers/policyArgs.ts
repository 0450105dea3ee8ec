import { clearWaivedFindings, setPolicyClock } from "../../policies/lib/rule";
import type {
  PolicyConfigSchema,
  PolicyResourceOptions,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import type { RecordedResource } from "./mocks";

/**
 * The sentinels the engine puts where a value is unknown during preview (from `@pulumi/policy`'s
 * proxy); `unknownCheckingProxy` turns reading one into an `UnknownValueError`.
 */
export const UNKNOWN = {
  string: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  number: "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  boolean: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  array: "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  object: "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
} as const;

/** What one policy made of one resource or one stack, as the engine would record it. */
export interface PolicyOutcome {
  /** Messages passed to reportViolation, in order. */
  readonly violations: string[];
  /** URNs the violations were reported against (undefined: the resource under check). */
  readonly urns: (string | undefined)[];
  /** Reasons given to `notApplicable`. */
  readonly notApplicable: string[];
  /** The engine's advisory when the policy read an unknown value ("can't run ... during preview"). */
  readonly unknown: string[];
}

/** A deep copy of plain objects and arrays; other values (assets, archives) are shared. */
export function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copy(item)])) as T;
  }
  return value;
}

/** The options of a resource registered without any but, where given, `protect`. */
function defaultOptions(protect = false): PolicyResourceOptions {
  return {
    protect,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
  };
}

/**
 * Mocha hooks for rule specs: each test starts with no recorded waived finding and with waivers
 * compared with `day` (so that expiry tests do not depend on today's date).
 */
export function usePolicyDay(day: string): void {
  beforeEach(() => {
    clearWaivedFindings();
    setPolicyClock(() => new Date(`${day}T12:00:00Z`));
  });
  after(() => setPolicyClock(() => new Date()));
}

class NotApplicable extends Error {
  constructor(readonly reason: string | undefined) {
    super(reason);
  }
}

/** A policy's config as the CLI hands it over: schema defaults, then the pack config's values. */
export function configWithDefaults(
  schema: PolicyConfigSchema | undefined,
  config: Record<string, unknown> = {},
) {
  const defaults = Object.fromEntries(
    Object.entries(schema?.properties ?? {}).flatMap(([key, property]) =>
      property.default !== undefined ? [[key, copy(property.default)]] : [],
    ),
  );
  return { ...defaults, ...config };
}

const STACK = "staging";
export function urnOf(type: string, name: string, stack = STACK): string {
  return `urn:pulumi:${stack}::mlops::${type}::${name}`;
}

export interface ResourceOptions {
  readonly name?: string;
  readonly urn?: string;
  readonly stackTags?: Record<string, string>;
  /** The resource's provider (type `pulumi:providers:aws`, props such as `defaultTags`). */
  readonly providerProps?: Record<string, unknown>;
  /** The policy's settings in the pack config (defaults are applied on top of the schema). */
  readonly config?: Record<string, unknown>;
  /** The `protect` resource option. @default false */
  readonly protect?: boolean;
}

/** ResourceValidationArgs built the way the engine builds them (props behind the unknown-checking proxy). */
export function resourceArgs(
  policy: { readonly configSchema?: PolicyConfigSchema },
  type: string,
  props: Record<string, unknown>,
  options: ResourceOptions = {},
): ResourceValidationArgs {
  const name = options.name ?? "subject";
  const proxied = unknownCheckingProxy(copy(props)) as Record<string, unknown>;
  const isTypeOf = (resourceClass: { __pulumiType?: string }) =>
    (resourceClass as { __pulumiType?: string }).__pulumiType === type;
  return {
    type,
    props: proxied,
    urn: options.urn ?? urnOf(type, name),
    name,
    opts: defaultOptions(options.protect),
    provider: options.providerProps && {
      type: "pulumi:providers:aws",
      props: unknownCheckingProxy(copy(options.providerProps)) as Record<string, unknown>,
      urn: urnOf("pulumi:providers:aws", "default"),
      name: "default",
    },
    stackTags: new Map(Object.entries(options.stackTags ?? {})),
    isType: (resourceClass) => isTypeOf(resourceClass as { __pulumiType?: string }),
    asType: ((resourceClass: { __pulumiType?: string }) =>
      isTypeOf(resourceClass) ? proxied : undefined) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => configWithDefaults(policy.configSchema, options.config) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

async function capture(
  run: (report: (message: string, urn?: string) => void) => Promise<void> | void,
): Promise<PolicyOutcome> {
  const outcome: PolicyOutcome = { violations: [], urns: [], notApplicable: [], unknown: [] };
  try {
    await run((message, urn) => {
      outcome.violations.push(message);
      outcome.urns.push(urn);
    });
  } catch (error) {
    if (error instanceof UnknownValueError)
      outcome.unknown.push(`can't run during preview: ${(error as Error).message}`);
    else if (error instanceof NotApplicable) outcome.notApplicable.push(error.reason ?? "");
    else throw error;
  }
  return outcome;
}

/** Runs a resource policy on one resource the way the engine does, each validation in turn. */
export async function checkResource(
  policy: ResourceValidationPolicy,
  type: string,
  props: Record<string, unknown>,
  options: ResourceOptions = {},
): Promise<PolicyOutcome> {
  const outcomes: PolicyOutcome[] = [];
  for (const validate of [policy.validateResource ?? []].flat()) {
    const pulumiType = (validate as { __pulumiType?: string }).__pulumiType;
    if (pulumiType && pulumiType !== type) {
      outcomes.push({
        violations: [],
        urns: [],
        notApplicable: [`Policy only applies to resources of type '${pulumiType}'`],
        unknown: [],
      });
      continue;
    }
    outcomes.push(await capture((report) => validate(resourceArgs(policy, type, props, options), report)));
  }
  return {
    violations: outcomes.flatMap((o) => o.violations),
    urns: outcomes.flatMap((o) => o.urns),
    notApplicable: outcomes.flatMap((o) => o.notApplicable),
    unknown: outcomes.flatMap((o) => o.unknown),
  };
}

/** A resource of a stack as stack policies see it. */
export interface StackResourceInput {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  readonly urn?: string;
  /** Name of its parent resource in the same list. */
  readonly parent?: string;
  /**
   * Names of resources in the same list it depends on. Resources of different types may share a
   * name (a drift check's pipeline and schedule): a name stands for each of them but the resource itself.
   */
  readonly dependencies?: readonly string[];
  /** The `protect` resource option. @default false */
  readonly protect?: boolean;
}

/** PolicyResources linked to their parents and dependencies, with proxied props. */
export function policyResources(inputs: readonly StackResourceInput[]): PolicyResource[] {
  const byName = new Map<string, PolicyResource>();
  const allByName = new Map<string, PolicyResource[]>();
  const resources = inputs.map((input) => {
    const props = unknownCheckingProxy(copy(input.props)) as Record<string, unknown>;
    const resource: PolicyResource = {
      type: input.type,
      name: input.name,
      urn: input.urn ?? urnOf(input.type, input.name),
      props,
      opts: defaultOptions(input.protect),
      dependencies: [],
      propertyDependencies: {},
      isType: (resourceClass) => (resourceClass as { __pulumiType?: string }).__pulumiType === input.type,
      asType: ((resourceClass: { __pulumiType?: string }) =>
        resourceClass.__pulumiType === input.type ? props : undefined) as PolicyResource["asType"],
    };
    byName.set(input.name, resource);
    allByName.set(input.name, [...(allByName.get(input.name) ?? []), resource]);
    return resource;
  });
  inputs.forEach((input, index) => {
    const resource = resources[index] as { parent?: PolicyResource; dependencies: PolicyResource[] };
    if (input.parent) resource.parent = byName.get(input.parent);
    resource.dependencies.push(
      ...(input.dependencies ?? []).flatMap((name) =>
        (allByName.get(name) ?? []).filter((dependency) => dependency !== resource),
      ),
    );
  });
  return resources;
}

/** Runs a stack policy the way the engine does. */
export async function checkStack(
  policy: StackValidationPolicy,
  resources: readonly PolicyResource[],
  options: { readonly config?: Record<string, unknown>; readonly stackTags?: Record<string, string> } = {},
): Promise<PolicyOutcome> {
  const args: StackValidationArgs = {
    resources: [...resources],
    stackTags: new Map(Object.entries(options.stackTags ?? {})),
    getConfig: <T extends object>() => configWithDefaults(policy.configSchema, options.config) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
  return capture((report) => policy.validateStack(args, report));
}

/** Values recorded in a preview run, with each unknown turned into the sentinel the engine sends. */
function withSentinels(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSentinels);
  if (typeof value !== "object" || value === null) return value;
  // The SDK keeps an unknown as an object marked __pulumiUnknown.
  if ((value as { __pulumiUnknown?: boolean }).__pulumiUnknown === true) return UNKNOWN.string;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withSentinels(item)]));
}

/** The program's resources, recorded under mocks, as a stack policy sees them (inputs as props). */
export function fromRecorded(recorded: readonly RecordedResource[]): StackResourceInput[] {
  const byUrn = new Map(recorded.map((r) => [r.urn, r.name]));
  return recorded
    .filter((r) => r.custom)
    .map((r) => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: withSentinels({ ...r.outputs, ...r.inputs }) as Record<string, unknown>,
      parent: byUrn.get(r.parent),
      dependencies: r.dependencies.flatMap((urn) => byUrn.get(urn) ?? []),
      ...(r.protect && { protect: true }),
    }));
}
