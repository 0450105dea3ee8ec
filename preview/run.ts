import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../stacks/load";
import { modelsByGroup, offlineResolver, parseModelPackages } from "./offlineRegistry";
import { DEFAULT_ACCOUNT_ID, EncodedProperties, RecordedResource, recordResources, settle } from "./mocks";
import type { Plan, PlanResource } from "./plan";
import { InputError, projectName, readStackConfigFile, REPOSITORY_ROOT, stackAccountId } from "./stackFile";

export interface OfflineRunOptions {
  readonly stack: string;
  /** Account of every mocked ARN. @default the stack file's `aws:allowedAccountIds`, else 123456789012 */
  readonly accountId?: string;
  /** `--model-package <model>=<ARN>` values. @default none: version 1 of each group */
  readonly modelPackages?: readonly string[];
  /**
   * `--empty-registry`: the model registry is taken as empty, as on a first deploy, so that endpoints
   * serving `latest-approved` or `latest-verified` are skipped with their warning; pinned versions still
   * resolve. Not with `modelPackages`. @default false
   */
  readonly emptyRegistry?: boolean;
  /** Folder with Pulumi.yaml and the stack files. @default the repository */
  readonly root?: string;
  /** Called with each resource as the program registers it, and its properties as encoded. @default none */
  readonly onResource?: (resource: PlanResource, encoded: EncodedProperties) => void;
  /**
   * What the program waits for before it runs, once its modules are loaded: the policy pack ready
   * to check resources as they come. @default nothing
   */
  readonly startAfter?: PromiseLike<unknown>;
  /** Called with the token of each provider function the program invokes (look-ups). @default none */
  readonly onInvoke?: (token: string) => void;
}

/** The program's resources and outputs for a stack, without findings yet. */
export type ProgramPlan = Omit<Plan, "findings">;

function toPlanResource(resource: RecordedResource): PlanResource {
  return {
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    id: resource.id,
    parent: resource.parent,
    custom: resource.custom,
    dependencies: resource.dependencies,
    propertyDependencies: resource.propertyDependencies,
    options: {
      protect: resource.protect,
      retainOnDelete: resource.retainOnDelete,
      deleteBeforeReplace: resource.deleteBeforeReplace,
    },
    inputs: resource.inputs,
    outputs: resource.outputs,
  };
}

/** Resolves the program's outputs (nested Outputs included) to plain values. */
function resolved(outputs: unknown): Promise<Record<string, unknown>> {
  const all = pulumi.output(outputs as object) as pulumi.Output<unknown>;
  return new Promise((resolve) => all.apply((value) => resolve(value as Record<string, unknown>)));
}

/**
 * Runs the program for a stack under Pulumi's mock runtime, with the stack's own config, mocked
 * AWS answers for the stack's account (`accountId`, else the first of `aws:allowedAccountIds`) and
 * region, and stand-ins for the model registry.
 * @throws InputError for an unknown stack, a stack file without aws:region, a malformed
 *   aws:allowedAccountIds or --account-id, bad --model-package values, or --model-package with
 *   --empty-registry;
 *   the program's own errors (ConfigError) as they are.
 */
export async function runProgramOffline(options: OfflineRunOptions): Promise<ProgramPlan> {
  const root = options.root ?? REPOSITORY_ROOT;
  if (options.accountId !== undefined && !/^\d{12}$/.test(options.accountId)) {
    throw new InputError(`--account-id "${options.accountId}": expected 12 digits`);
  }
  if (options.emptyRegistry === true && (options.modelPackages ?? []).length > 0) {
    throw new InputError(
      "--model-package cannot be combined with --empty-registry: an empty registry has no version to choose " +
        "(versions pinned in the stack file still resolve); leave one of them out",
    );
  }
  const project = projectName(root);
  const { config, secrets } = readStackConfigFile(options.stack, root);
  const accountId = options.accountId ?? stackAccountId(options.stack, config) ?? DEFAULT_ACCOUNT_ID;
  const region = config["aws:region"];
  if (region === undefined) throw new InputError(`Pulumi.${options.stack}.yaml sets no aws:region`);

  const restore = fastStackTraces();
  try {
    return await runWithMocks(options, { accountId, project, config, secrets, region });
  } finally {
    restore();
  }
}

/** Pulumi's per-promise debugging hook, replaced while the program runs offline. */
interface DebuggableModule {
  debuggablePromise: <T>(promise: Promise<T>, context: unknown) => Promise<T>;
}

/** Pulumi's source-position capture for each resource, replaced while the program runs offline. */
interface CallsitesHolder {
  callsites: () => unknown[];
}

/**
 * The runtime's debugging aids that cost more than the resources themselves. Each is a module
 * member the runtime looks up at call time, so replacing it takes effect everywhere.
 * Exported so that a test notices when an upgrade of @pulumi/pulumi moves them.
 */
export function runtimeDebugHooks(): { debuggable: DebuggableModule; resource: CallsitesHolder } {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as DebuggableModule;
  const resource = (require("@pulumi/pulumi/resource") as { Resource: CallsitesHolder }).Resource;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { debuggable, resource };
}

/**
 * Pulumi records, for the CLI's benefit, a stack trace for every promise (to report leaked ones
 * on exit) and a full call stack for every resource (its source position in the Pulumi Cloud
 * console). Under mocks nobody reads them: the caller waits for every registration itself and
 * records no source positions. They cost more than the resources themselves (a 3,800-resource
 * stack runs in about half the time without), so promises are left as they are and resources get
 * no call stack. Returns a function that puts the runtime back.
 */
export function withoutRuntimeDebugging(): () => void {
  const { debuggable, resource } = runtimeDebugHooks();
  const { debuggablePromise } = debuggable;
  const { callsites } = resource;
  debuggable.debuggablePromise = (promise) => promise;
  resource.callsites = () => [];
  return () => {
    debuggable.debuggablePromise = debuggablePromise;
    resource.callsites = callsites;
  };
}

/**
 * No stack trace is recorded while the program runs offline, nor the runtime's debugging aids
 * ({@link withoutRuntimeDebugging}); an unexpected error then shows its message without frames.
 * Returns a function that puts things back.
 */
function fastStackTraces(): () => void {
  const limit = Error.stackTraceLimit;
  const sourceMaps = process.sourceMapsEnabled;
  Error.stackTraceLimit = 0;
  process.setSourceMapsEnabled(false);
  const restoreRuntime = withoutRuntimeDebugging();
  return () => {
    Error.stackTraceLimit = limit;
    process.setSourceMapsEnabled(sourceMaps);
    restoreRuntime();
  };
}

async function runWithMocks(
  options: OfflineRunOptions,
  context: {
    readonly accountId: string;
    readonly project: string;
    readonly config: Record<string, string>;
    readonly secrets: readonly string[];
    readonly region: string;
  },
): Promise<ProgramPlan> {
  const { accountId, project, config, secrets, region } = context;
  const onResource = options.onResource;
  const recorded = recordResources({
    project,
    stack: options.stack,
    preview: false,
    accountId,
    region,
    onRecord: onResource && ((resource, encoded) => onResource(toPlanResource(resource), encoded)),
    // Someone takes the resources as they come: let their I/O go on while the program runs.
    yieldToEventLoop: onResource !== undefined,
    onInvoke: options.onInvoke,
  });
  pulumi.runtime.setAllConfig(config, [...secrets]);
  const stackConfig = loadStackConfig();
  const { packages, problems } = parseModelPackages(options.modelPackages ?? [], stackConfig);
  if (problems.length > 0) throw new InputError(problems.join("\n"));
  const registry = offlineResolver({
    accountId,
    region,
    packages,
    models: modelsByGroup(stackConfig),
    emptyRegistry: options.emptyRegistry === true,
  });

  // Loaded here, after the mocks: the program's modules create resources only when called.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { platform } = require("../program") as typeof import("../program");
  await options.startAfter;
  const fleetNotes: string[] = [];
  const programNotes: string[] = [];
  const outputs = await resolved(
    await platform({
      resolve: registry.resolve,
      // What `pulumi preview` logs as info, kept with the notes instead of printed before the tree.
      info: (message) => programNotes.push(`program: ${message}`),
      liveFleet: async (endpointName, purpose) => {
        // Offline, no endpoint is serving: nothing to guard, and only a deployed one is sized.
        if (purpose === "guard") return { source: "offline" };
        fleetNotes.push(
          `live fleet offline: the variants of endpoint ${endpointName} start with their configured ` +
            "initialInstanceCount; `pulumi preview` and `pulumi up` start a changed configuration with the " +
            "live fleet's instance count, within each variant's autoscaling bounds",
        );
        return { source: "offline" };
      },
    }),
  );
  await settle(recorded);
  return {
    project,
    stack: options.stack,
    resources: recorded.map(toPlanResource),
    outputs,
    notes: [
      ...registry.notes.map((note) => `model registry offline: ${note}`),
      ...fleetNotes,
      ...programNotes,
      ...secrets.map(
        (key) => `${key} is a secret, which only the Pulumi CLI can decrypt; the program saw "[secret]"`,
      ),
    ],
  };
}
