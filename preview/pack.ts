import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient, AnalyzerService } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as rpc from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { compilePack } from "./compilePack";
import {
  PackConfigEntries,
  PackConfigEntry,
  PolicyConfig,
  PolicyDescription,
  readPackConfigFile,
  reconcilePackConfig,
} from "./packConfig";
import type { EncodedProperties } from "./mocks";
import type { EnforcementLevel, PlanFinding, PlanResource } from "./plan";
import type { SarifPolicy, Severity } from "./report/sarif";

/**
 * Runs the policy pack on a plan the way `pulumi preview --policy-pack policies
 * --policy-pack-config policies/config/<stack>.json` does: the pack's own process, started as the
 * CLI starts it, driven over the analyzer gRPC protocol with the requests the engine sends.
 */

export { compilePack } from "./compilePack";
export { PackConfigError } from "./packConfig";

const REPO = path.resolve(__dirname, "..");

/** What the runner gets as the engine's address; a policy pack never calls the engine. */
const ENGINE_ADDRESS = "127.0.0.1:0";
const START_TIMEOUT_MS = 30_000;
/** How long the pack gets to exit on SIGTERM before it is killed. */
const STOP_GRACE_MS = 3_000;
/** A call taking longer than this means a hung policy: fail rather than wait forever. */
const CALL_TIMEOUT_MS = 120_000;
/** How much of the pack's stderr is kept for error messages. */
const STDERR_KEPT = 16_384;

// ---------------------------------------------------------------------------------------------
// The pack process

/** A running policy pack. */
export interface PackProcess {
  readonly pid: number;
  /** `127.0.0.1:<port>`, where its analyzer service listens. */
  readonly address: string;
  /** The end of what it wrote to stderr, for error messages. */
  stderr(): string;
  /** Ends it (SIGTERM, then SIGKILL) and waits until it has exited; calling it again is harmless. */
  stop(): Promise<void>;
}

function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/**
 * Kills the pack when this process exits or is ended by SIGINT or SIGTERM, so that no pack
 * outlives its preview; returns the function that takes the handlers away again.
 */
function killWithParent(child: ChildProcess): () => void {
  const kill = () => {
    if (isRunning(child)) child.kill("SIGKILL");
  };
  const onSignal = (signal: NodeJS.Signals) => {
    kill();
    release();
    // A listener takes away Node's default of ending on the signal: when no one else handles
    // it, end the way the signal would have.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const release = () => {
    process.off("exit", kill);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  process.on("exit", kill);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return release;
}

function keepTail(stream: Readable | null): () => string {
  let text = "";
  stream?.on("data", (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-STDERR_KEPT);
  });
  return () => text;
}

function withStderr(message: string, stderr: string): string {
  return stderr.trim() === "" ? message : `${message}\nIts stderr:\n${stderr.trimEnd()}`;
}

/** The port the runner prints on its first line of stdout once the analyzer listens. */
function portOf(child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let found = false;
    const fail = (why: string) => {
      clearTimeout(timer);
      if (!found) reject(new Error(withStderr(`The policy pack ${why}.`, stderr())));
    };
    const timer = setTimeout(() => fail(`printed no port within ${timeoutMs / 1000} s`), timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (found) return; // Later output (a policy's console.log) is drained and dropped.
      stdout += chunk.toString();
      const match = /^(\d+)\s*$/m.exec(stdout);
      if (match) {
        found = true;
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    // `close` comes after stderr has been read to its end.
    child.once("close", (code, signal) => fail(`exited (${signal ?? code}) before printing its port`));
    child.once("error", (error) => fail(`could not be started: ${error.message}`));
  });
}

function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([promise.then(() => true), timeout]).finally(() => clearTimeout(timer));
}

async function stopChild(child: ChildProcess, exited: Promise<void>, release: () => void): Promise<void> {
  try {
    if (!isRunning(child)) return;
    child.kill("SIGTERM");
    if (await within(exited, STOP_GRACE_MS)) return;
    child.kill("SIGKILL");
    await exited;
  } finally {
    release();
  }
}

/**
 * Starts the pack compiled in `packDir` as the CLI does: `node <@pulumi/pulumi's run-policy-pack>
 * <engine address> .` in the pack's folder, and waits for the port it prints. Throws (with the
 * pack's stderr) when it exits or prints no port within `timeoutMs`; it is stopped then.
 */
export async function startPack(packDir: string, timeoutMs = START_TIMEOUT_MS): Promise<PackProcess> {
  // Resolved from the pack's folder, as the CLI does, which finds the repository's @pulumi/pulumi.
  const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
  const child = spawn(process.execPath, ["--stack-trace-limit=1", runner, ENGINE_ADDRESS, "."], {
    cwd: packDir,
    stdio: ["ignore", "pipe", "pipe"],
  });

  const release = killWithParent(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stderr = keepTail(child.stderr);
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopChild(child, exited, release));
  try {
    const port = await portOf(child, stderr, timeoutMs);
    return { pid: child.pid ?? 0, address: `127.0.0.1:${port}`, stderr, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Messages between engine and pack

type Callback<T> = (error: grpc.ServiceError | null, response: T) => void;

/** One unary call with a deadline: `start` gets the metadata, call options and callback. */
function call<T>(
  start: (metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: Callback<T>) => unknown,
): Promise<T> {
  return new Promise((resolve, reject) =>
    start(new grpc.Metadata(), { deadline: Date.now() + CALL_TIMEOUT_MS }, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

const LEVEL_OF: Record<rpc.EnforcementLevel, EnforcementLevel> = {
  [rpc.EnforcementLevel.ADVISORY]: "advisory",
  [rpc.EnforcementLevel.MANDATORY]: "mandatory",
  [rpc.EnforcementLevel.DISABLED]: "disabled",
  [rpc.EnforcementLevel.REMEDIATE]: "remediate",
};

const CODE_OF: Record<EnforcementLevel, rpc.EnforcementLevel> = {
  advisory: rpc.EnforcementLevel.ADVISORY,
  mandatory: rpc.EnforcementLevel.MANDATORY,
  disabled: rpc.EnforcementLevel.DISABLED,
  remediate: rpc.EnforcementLevel.REMEDIATE,
};

const SEVERITY_OF: Record<rpc.PolicySeverity, Severity | undefined> = {
  [rpc.PolicySeverity.POLICY_SEVERITY_UNSPECIFIED]: undefined,
  [rpc.PolicySeverity.POLICY_SEVERITY_LOW]: "low",
  [rpc.PolicySeverity.POLICY_SEVERITY_MEDIUM]: "medium",
  [rpc.PolicySeverity.POLICY_SEVERITY_HIGH]: "high",
  [rpc.PolicySeverity.POLICY_SEVERITY_CRITICAL]: "critical",
};

/** A policy as the pack describes itself: what the config needs, and its severity and tags (the controls it checks). */
export type DescribedPolicy = PolicyDescription & SarifPolicy;

/** A Struct of plain JSON values; undefined members are left out, as in JSON. */
function structOf(value: Readonly<Record<string, unknown>>): Struct {
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(value)));
}

function policiesOf(info: rpc.AnalyzerInfo): DescribedPolicy[] {
  return info.getPoliciesList().map((policy) => {
    const schema = policy.getConfigschema();
    const severity = SEVERITY_OF[policy.getSeverity()];
    return {
      name: policy.getName(),
      description: policy.getDescription(),
      enforcementLevel: LEVEL_OF[policy.getEnforcementlevel()],
      configSchema: schema && {
        properties: schema.getProperties()?.toJavaScript() ?? {},
        required: schema.getRequiredList(),
      },
      ...(severity === undefined ? {} : { severity }),
      tags: policy.getTagsList(),
    };
  });
}

function initialConfigOf(info: rpc.AnalyzerInfo): PackConfigEntries {
  const entries = new Map<string, PackConfigEntry>();
  info.getInitialconfigMap().forEach((config, name) =>
    entries.set(name, {
      enforcementLevel: LEVEL_OF[config.getEnforcementlevel()],
      properties: config.getProperties()?.toJavaScript() ?? {},
    }),
  );
  return entries;
}

function configureRequest(config: Record<string, PolicyConfig>): rpc.ConfigureAnalyzerRequest {
  const request = new rpc.ConfigureAnalyzerRequest();
  for (const [name, policy] of Object.entries(config)) {
    const entry = new rpc.PolicyConfig();
    entry.setEnforcementlevel(CODE_OF[policy.enforcementLevel]);
    // Always set: the pack reads the properties of every entry it gets.
    entry.setProperties(structOf(policy.properties));
    request.getPolicyconfigMap().set(name, entry);
  }
  return request;
}

function optionsOf(resource: PlanResource): rpc.AnalyzerResourceOptions {
  const options = new rpc.AnalyzerResourceOptions();
  options.setProtect(resource.options.protect);
  options.setDeletebeforereplace(resource.options.deleteBeforeReplace);
  options.setDeletebeforereplacedefined(true);
  options.setParent(resource.parent);
  return options;
}

function providerOf(provider: PlanResource): rpc.AnalyzerProviderResource {
  const message = new rpc.AnalyzerProviderResource();
  message.setType(provider.type);
  message.setUrn(provider.urn);
  message.setName(provider.name);
  message.setProperties(structOf(provider.inputs));
  return message;
}

/**
 * The provider the engine would name for each package: the plan records no provider references,
 * so a resource gets its package's default provider (`default_<version>`), or the package's only
 * provider; none when the plan has no provider resources.
 */
const PROVIDER_PREFIX = "pulumi:providers:";

function providersByPackage(resources: readonly PlanResource[]): Map<string, PlanResource> {
  const byPackage = new Map<string, PlanResource[]>();
  for (const resource of resources.filter((r) => r.type.startsWith(PROVIDER_PREFIX))) {
    const pkg = resource.type.slice(PROVIDER_PREFIX.length);
    byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), resource]);
  }
  return new Map(
    [...byPackage].flatMap(([pkg, providers]) => {
      const chosen =
        providers.find((p) => p.name.startsWith("default")) ??
        (providers.length === 1 ? providers[0] : undefined);
      return chosen ? [[pkg, chosen] as const] : [];
    }),
  );
}

function providerFor(
  resource: PlanResource,
  providers: ReadonlyMap<string, PlanResource>,
): PlanResource | undefined {
  if (!resource.custom || resource.type.startsWith(PROVIDER_PREFIX)) return undefined;
  return providers.get(resource.type.split(":")[0] ?? "");
}

/** What the engine tells a pack of any resource, in a resource check and in the stack check alike. */
function described<M extends rpc.AnalyzeRequest | rpc.AnalyzerResource>(
  message: M,
  resource: PlanResource,
  provider: PlanResource | undefined,
  properties: Struct,
): M {
  message.setType(resource.type);
  message.setUrn(resource.urn);
  message.setName(resource.name);
  message.setProperties(properties);
  message.setOptions(optionsOf(resource));
  if (provider) message.setProvider(providerOf(provider));
  return message;
}

/** What the engine sends before a resource is created: its (checked) inputs, unknowns kept. */
function analyzeRequest(
  resource: PlanResource,
  provider: PlanResource | undefined,
  encoded: EncodedProperties | undefined,
): rpc.AnalyzeRequest {
  return described(
    new rpc.AnalyzeRequest(),
    resource,
    provider,
    encoded?.inputs ?? structOf(resource.inputs),
  );
}
/**
 * What the engine sends for the stack check: each resource's state after its step. In a preview
 * that is the provider's preview of the new state, which carries the inputs; outputs are laid over
 * the inputs so that a resource whose recorded outputs leave some inputs out still shows them.
 */
function stackResource(
  resource: PlanResource,
  provider: PlanResource | undefined,
  encoded: EncodedProperties | undefined,
): rpc.AnalyzerResource {
  const message = described(new rpc.AnalyzerResource(), resource, provider, stateOf(resource, encoded));
  message.setParent(resource.parent);
  message.setDependenciesList([...resource.dependencies]);
  for (const [key, urns] of Object.entries(resource.propertyDependencies)) {
    const dependencies = new rpc.AnalyzerPropertyDependencies();
    dependencies.setUrnsList([...urns]);
    message.getPropertydependenciesMap().set(key, dependencies);
  }
  return message;
}

/** Outputs over inputs; the inputs as encoded when there are no outputs (components). */
function stateOf(resource: PlanResource, encoded: EncodedProperties | undefined): Struct {
  const { inputs, outputs } = resource;
  if (encoded && Object.keys(outputs).length === 0) return encoded.inputs;
  return structOf({ ...inputs, ...outputs });
}

function finding(
  policy: string,
  level: EnforcementLevel,
  urn: string | undefined,
  message: string,
): PlanFinding {
  return { policy, enforcementLevel: level, ...(urn === undefined ? {} : { urn }), message };
}

/**
 * Diagnostics as the engine reports them: a remediate-level violation counts as mandatory (the
 * remediation did not fix it); `urnOf` says which resource each is about.
 */
function findingsOf(
  response: rpc.AnalyzeResponse,
  urnOf: (diagnostic: rpc.AnalyzeDiagnostic) => string | undefined,
): PlanFinding[] {
  return response.getDiagnosticsList().map((diagnostic) => {
    const level = LEVEL_OF[diagnostic.getEnforcementlevel()];
    return finding(
      diagnostic.getPolicyname(),
      level === "remediate" ? "mandatory" : level,
      urnOf(diagnostic),
      diagnostic.getMessage(),
    );
  });
}

// ---------------------------------------------------------------------------------------------
// A run of the pack on a plan

/**
 * The stack check's request, encoded ahead: encoding a large stack takes a while, which need not
 * wait for the last resource checks.
 */
interface StackRequest {
  readonly bytes: Buffer;
  readonly urns: ReadonlySet<string>;
}

function stackRequest(resources: readonly rpc.AnalyzerResource[]): StackRequest {
  const request = new rpc.AnalyzeStackRequest();
  request.setResourcesList([...resources]);
  return {
    bytes: Buffer.from(request.serializeBinary()),
    urns: new Set(resources.map((resource) => resource.getUrn())),
  };
}

/** A failed call, named after what it was for, with the pack's error (its stack trace) and stderr. */
function packFailure(what: string, error: unknown, pack: PackProcess): Error {
  const details = (error as Partial<grpc.ServiceError>).details ?? (error as Error).message;
  return new Error(withStderr(`The policy pack failed ${what}: ${details}`, pack.stderr()), { cause: error });
}

class Session {
  constructor(
    private readonly client: AnalyzerClient,
    private readonly pack: PackProcess,
  ) {}

  private async send<T>(
    what: string,
    start: (metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: Callback<T>) => unknown,
  ): Promise<T> {
    try {
      return await call(start);
    } catch (error) {
      throw packFailure(what, error, this.pack);
    }
  }

  info(): Promise<rpc.AnalyzerInfo> {
    return this.send("to describe itself", (m, o, cb) => this.client.getAnalyzerInfo(new Empty(), m, o, cb));
  }

  async configure(config: Record<string, PolicyConfig>, stack: string, project: string): Promise<void> {
    const request = configureRequest(config);
    await this.send("to take its config", (m, o, cb) => this.client.configure(request, m, o, cb));
    const stackRequest = new rpc.AnalyzerStackConfigureRequest();
    stackRequest.setStack(stack);
    stackRequest.setProject(project);
    stackRequest.setDryRun(true);
    await this.send("to take the stack", (m, o, cb) => this.client.configureStack(stackRequest, m, o, cb));
  }

  /**
   * Remediations first, as the engine does, so that the checks see the remediated properties;
   * each is reported (a remediation that could not run during preview as advisory).
   */
  async remediate(request: rpc.AnalyzeRequest): Promise<PlanFinding[]> {
    const urn = request.getUrn();
    const response = await this.send<rpc.RemediateResponse>(`on ${urn}`, (m, o, cb) =>
      this.client.remediate(request, m, o, cb),
    );
    return response.getRemediationsList().flatMap((remediation) => {
      if (remediation.getDiagnostic() !== "") {
        return [finding(remediation.getPolicyname(), "advisory", urn, remediation.getDiagnostic())];
      }
      const properties = remediation.getProperties();
      if (!properties) return [];
      request.setProperties(properties);
      return [finding(remediation.getPolicyname(), "remediate", urn, remediation.getDescription())];
    });
  }

  /** The engine reports every finding of a resource check against the resource checked. */
  async analyze(request: rpc.AnalyzeRequest): Promise<PlanFinding[]> {
    const urn = request.getUrn();
    const response = await this.send<rpc.AnalyzeResponse>(`on ${urn}`, (m, o, cb) =>
      this.client.analyze(request, m, o, cb),
    );
    return findingsOf(response, () => urn);
  }

  /** A stack finding is about the resource it names when that is in the plan, else stack-wide. */
  async analyzeStack(request: StackRequest): Promise<PlanFinding[]> {
    const method = AnalyzerService.analyzeStack;
    const response = await this.send<rpc.AnalyzeResponse>("on the stack", (m, o, cb) =>
      this.client.makeUnaryRequest(
        method.path,
        (bytes: Buffer) => bytes,
        method.responseDeserialize,
        request.bytes,
        m,
        o,
        // Set on success, which is when it is read.
        (error, response) => cb(error, response as rpc.AnalyzeResponse),
      ),
    );
    return findingsOf(response, (diagnostic) =>
      request.urns.has(diagnostic.getUrn()) ? diagnostic.getUrn() : undefined,
    );
  }
}

/** Options of {@link runPack}. */
export interface RunPackOptions {
  /** The stack; its pack config is `policies/config/<stack>.json`. */
  readonly stack: string;
  /** A pack config file to use instead of the stack's. */
  readonly configFile?: string;
  /**
   * Called after each check: `done` of `total`, one per resource and then the stack check; `total`
   * is undefined while resources may still come.
   */
  readonly onProgress?: (done: number, total: number | undefined) => void;
  /** The project, for the pack's stack settings. @default the project in the first resource's URN */
  readonly project?: string;
  /** Called once the pack has taken its config and checks resources as they come. */
  readonly onConfigured?: () => void;
  /** A pack already starting (`startPack(await compilePack())`), to overlap its start-up with other work; stopped like one started here. @default start one */
  readonly pack?: Promise<PackProcess>;
  /** Called with the pack process's id once it listens. */
  readonly onStarted?: (pid: number) => void;
  /** Called with the pack's policies as it describes itself (severity and controls included), before any check. */
  readonly onDescribed?: (policies: readonly DescribedPolicy[]) => void;
}

function readConfig(options: RunPackOptions): { label: string; entries: PackConfigEntries } {
  const { label, entries } = readPackConfigFile({
    stack: options.stack,
    configFile: options.configFile,
    repository: REPO,
  });
  return { label, entries };
}

/** `urn:pulumi:<stack>::<project>::...` */
function projectOf(resource: PlanResource | undefined): string {
  return resource?.urn.split("::")[1] ?? "";
}

/**
 * Analyze requests sent to the pack at once. While the program runs, this process turns its event
 * loop only now and then: each turn should send every resource registered since the last one, so
 * that the pack never waits for the next request while this process is busy.
 */
const IN_FLIGHT = 256;

async function analyzeAll(
  session: Session,
  feed: ResourceFeed,
  config: Record<string, PolicyConfig>,
  options: RunPackOptions,
): Promise<PlanFinding[]> {
  const remediating = Object.values(config).some((policy) => policy.enforcementLevel === "remediate");
  // Resources are analyzed as they arrive, many at once; findings are put back in the plan's order
  // so that the output is stable.
  const perResource: PlanFinding[][] = [];
  // Providers are registered before the resources that use them; the map is rebuilt only when a
  // new one has arrived, not for every resource.
  let providers = new Map<string, PlanResource>();
  let providerCount = 0;
  const providersSoFar = () => {
    if (feed.providers.length !== providerCount) {
      providerCount = feed.providers.length;
      providers = providersByPackage(feed.providers);
    }
    return providers;
  };
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      const resource = await feed.at(index);
      if (resource === undefined) return;
      const request = analyzeRequest(
        resource,
        providerFor(resource, providersSoFar()),
        feed.encodedAt(index),
      );
      const found = remediating ? await session.remediate(request) : [];
      found.push(...(await session.analyze(request)));
      perResource[index] = found;
      options.onProgress?.(++done, feed.closed ? feed.received.length + 1 : undefined);
    }
  };
  const analyzing = Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  // Once the program is done, the stack check's request is built while the pack works through the
  // last resources; it is sent after them, as the engine does.
  await Promise.race([feed.ended(), analyzing]);
  const resources = feed.received;
  const stack = stackRequest(
    resources.map((resource, index) =>
      stackResource(resource, providerFor(resource, providersSoFar()), feed.encodedAt(index)),
    ),
  );
  await analyzing;
  const findings = perResource.flat();
  findings.push(...(await session.analyzeStack(stack)));
  options.onProgress?.(resources.length + 1, resources.length + 1);
  return findings;
}

/**
 * Resources as a running program registers them, so that the pack checks each one while the
 * program goes on. `close` when the program is done, `fail` when it fails.
 */
export class ResourceFeed {
  private readonly items: PlanResource[] = [];
  private readonly encoded: (EncodedProperties | undefined)[] = [];
  private readonly providerItems: PlanResource[] = [];
  private waiting: (() => void)[] = [];
  private error: { readonly cause: unknown } | undefined;
  private done = false;

  /** A resource, with its properties as already encoded when they are (which saves encoding them again). */
  push(resource: PlanResource, encoded?: EncodedProperties): void {
    this.items.push(resource);
    this.encoded.push(encoded);
    if (resource.type.startsWith(PROVIDER_PREFIX)) this.providerItems.push(resource);
    this.wake();
  }

  close(): void {
    this.done = true;
    this.wake();
  }

  fail(cause: unknown): void {
    this.error = { cause };
    this.close();
  }

  get closed(): boolean {
    return this.done;
  }

  /** The provider resources among them. */
  get providers(): readonly PlanResource[] {
    return this.providerItems;
  }

  /** What has arrived so far (everything, once closed). */
  get received(): readonly PlanResource[] {
    return this.items;
  }

  /** Settles once the feed is closed (or failed). */
  async ended(): Promise<void> {
    while (!this.done) await new Promise<void>((wake) => this.waiting.push(wake));
  }

  /** The encoded properties of the resource at `index`, when it came with them. */
  encodedAt(index: number): EncodedProperties | undefined {
    return this.encoded[index];
  }

  /** The resource at `index`, once it arrives; undefined when the feed closes without it. */
  async at(index: number): Promise<PlanResource | undefined> {
    while (index >= this.items.length && !this.done)
      await new Promise<void>((wake) => this.waiting.push(wake));
    if (this.error) throw this.error.cause;
    return this.items[index];
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const wake of waiting) wake();
  }

  /** A closed feed of resources that are all known. */
  static of(resources: readonly PlanResource[]): ResourceFeed {
    const feed = new ResourceFeed();
    for (const resource of resources) feed.push(resource);
    feed.close();
    return feed;
  }
}

/**
 * Runs the policy pack on a plan's resources as `pulumi preview` with the stack's pack config
 * would, and returns the findings: each resource's check (every resource of the plan, on its
 * inputs), then the stack check (on every resource's planned state). The pack is compiled (or
 * taken from the cache), started, configured, and stopped whatever happens.
 *
 * @throws PackConfigError when the pack config file is missing or invalid (before anything runs,
 * or once the pack has described its policies); an Error when the pack does not compile, does not
 * start, or fails on a resource.
 */
export async function runPack(
  plan: readonly PlanResource[] | PromiseLike<readonly PlanResource[]> | ResourceFeed,
  options: RunPackOptions,
): Promise<PlanFinding[]> {
  const file = readConfig(options);
  const pack = await (options.pack ?? startPack(await compilePack()));
  const client = new AnalyzerClient(pack.address, grpc.credentials.createInsecure());
  try {
    options.onStarted?.(pack.pid);
    const session = new Session(client, pack);
    const info = await session.info();
    const described = policiesOf(info);
    options.onDescribed?.(described);
    const config = reconcilePackConfig(described, file, initialConfigOf(info));
    // The pack may start before the program runs: its resources may arrive later.
    const feed = plan instanceof ResourceFeed ? plan : ResourceFeed.of(await plan);
    const project = options.project ?? projectOf(await feed.at(0));
    await session.configure(config, options.stack, project);
    options.onConfigured?.();
    return await analyzeAll(session, feed, config, options);
  } finally {
    client.close();
    await pack.stop();
  }
}
