import * as pulumi from "@pulumi/pulumi";
import { RegisterResourceRequest, Result } from "@pulumi/pulumi/proto/resource_pb";
import { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";
import { createHash } from "node:crypto";

/**
 * Pulumi's mock runtime, answering the way AWS would: physical names and ARNs in each service's real
 * format, for an account and region, and the invokes the program makes (caller identity, region,
 * partition, prebuilt images). The offline preview and the tests run the program on it.
 */

/** What the engine sends for a value not known until the resource exists (Pulumi's RPC sentinel). */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The account used when none is given: AWS's documentation account. */
export const DEFAULT_ACCOUNT_ID = "123456789012";

/** Where mocked resources live. */
export interface MockAccount {
  readonly accountId: string;
  readonly region: string;
}

export interface MockOptions extends MockAccount {
  readonly project: string;
  readonly stack: string;
  /** As in a first `pulumi preview`: what AWS computes (auto-names, ARNs) is unknown. */
  readonly preview: boolean;
  /** Called with each resource as soon as it is recorded. @default none */
  readonly onRecord?: (resource: RecordedResource, encoded: EncodedProperties) => void;
  /**
   * Answer registrations a batch per turn of the event loop, so that I/O (the policy pack's calls)
   * goes on while a large program runs; else all of them in one turn. @default false
   */
  readonly yieldToEventLoop?: boolean;
  /** Called with the token of each invoke (provider function call) the program makes. @default none */
  readonly onInvoke?: (token: string) => void;
}

/**
 * A resource's inputs as the runtime encoded them, for a consumer that sends them on: encoding
 * them again costs about as much as the rest of a registration.
 */
export interface EncodedProperties {
  readonly inputs: Struct;
}

/**
 * ECR registry accounts of AWS's prebuilt SageMaker images, as `getPrebuiltEcrImage` answers in
 * us-east-1: the Model Monitor analyzer lives in its own account. Other regions use other accounts;
 * offline, the us-east-1 ones stand in for them.
 */
function prebuiltRegistry(repository: string): string {
  return repository === "sagemaker-model-monitor-analyzer" ? "156813124566" : "683313688378";
}

/** A resource the program registered: its options, what it was given and what the mock answered. */
export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** False for component resources. */
  readonly custom: boolean;
  /** URN of the parent ("" for the stack's direct children). */
  readonly parent: string;
  readonly protect: boolean;
  /** Dropped from the state without being deleted in the cloud. */
  readonly retainOnDelete: boolean;
  /** Deleted before its replacement is created. */
  readonly deleteBeforeReplace: boolean;
  /** URNs it depends on: through its inputs and through `dependsOn`. */
  readonly dependencies: readonly string[];
  /** For each input property, the URNs its value came from. */
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
  readonly id: string;
  /**
   * Its inputs as the engine gets them: plain JSON values, with secrets, assets and unknown values
   * in the engine's own form (`{"4dabf18193072939515e22adb298388d": ...}`, the unknown sentinel).
   */
  readonly inputs: Record<string, unknown>;
  /** What the mock answered, in the same form. */
  readonly outputs: Record<string, unknown>;
}

function suffix(name: string): string {
  return createHash("sha256").update(name).digest("hex").slice(0, 7);
}

/**
 * The physical name a resource named `name` gets when the program leaves its naming to Pulumi:
 * `<name>-<suffix>`. Pulumi's suffix is random; the mock's is a hash of the name, so that a run
 * can tell in advance what a resource will be called (the offline model registry, the artifacts
 * bucket of a model's pipeline).
 */
export function autoNameOf(name: string): string {
  return `${name}-${suffix(name)}`;
}

/** Answers the way AWS would: auto-names with a suffix, ARNs in each service's real format. */
export function mockResource(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  where: MockAccount,
) {
  const { accountId: ACCOUNT_ID, region: REGION } = where;
  const arn = (service: string, resource: string, region = REGION) =>
    `arn:aws:${service}:${region}:${ACCOUNT_ID}:${resource}`;
  const autoName = autoNameOf(name);
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = (inputs.bucket as string | undefined) ?? autoName;
      return { id: bucket, state: { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}`, region: REGION } };
    }
    case "aws:kms/key:Key": {
      const keyId = createHash("md5")
        .update(name)
        .digest("hex")
        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
      return { id: keyId, state: { ...inputs, keyId, arn: arn("kms", `key/${keyId}`) } };
    }
    case "aws:kms/alias:Alias":
      return { id: inputs.name as string, state: { ...inputs, arn: arn("kms", inputs.name as string) } };
    case "aws:iam/role:Role": {
      const roleName = (inputs.name as string | undefined) ?? autoName;
      return {
        id: roleName,
        state: { ...inputs, name: roleName, arn: `arn:aws:iam::${ACCOUNT_ID}:role/${roleName}` },
      };
    }
    case "aws:sagemaker/modelPackageGroup:ModelPackageGroup": {
      const group = inputs.modelPackageGroupName as string;
      return { id: group, state: { ...inputs, arn: arn("sagemaker", `model-package-group/${group}`) } };
    }
    case "aws:sagemaker/pipeline:Pipeline": {
      const pipeline = inputs.pipelineName as string;
      return { id: pipeline, state: { ...inputs, arn: arn("sagemaker", `pipeline/${pipeline}`) } };
    }
    case "aws:sns/topic:Topic": {
      const topic = (inputs.name as string | undefined) ?? autoName;
      return { id: arn("sns", topic), state: { ...inputs, name: topic, arn: arn("sns", topic) } };
    }
    case "aws:sns/topicSubscription:TopicSubscription": {
      const subscription = `${String(inputs.topic)}:${suffix(name)}-0000-4000-8000-000000000000`;
      return { id: subscription, state: { ...inputs, arn: subscription } };
    }
    case "aws:sagemaker/model:Model":
    case "aws:sagemaker/endpointConfiguration:EndpointConfiguration":
    case "aws:sagemaker/endpoint:Endpoint": {
      const resource = { Model: "model", EndpointConfiguration: "endpoint-config", Endpoint: "endpoint" }[
        type.split(":")[2] as "Model" | "EndpointConfiguration" | "Endpoint"
      ];
      const physical = (inputs.name as string | undefined) ?? autoName;
      return {
        id: physical,
        state: { ...inputs, name: physical, arn: arn("sagemaker", `${resource}/${physical.toLowerCase()}`) },
      };
    }
    case "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition":
    case "aws:sagemaker/monitoringSchedule:MonitoringSchedule": {
      const resource = type.endsWith(":MonitoringSchedule")
        ? "monitoring-schedule"
        : "data-quality-job-definition";
      const physical = (inputs.name as string | undefined) ?? autoName;
      return {
        id: physical,
        state: { ...inputs, name: physical, arn: arn("sagemaker", `${resource}/${physical.toLowerCase()}`) },
      };
    }
    case "aws:cloudwatch/eventRule:EventRule": {
      // A rule on a bus other than the default one has the bus's name in its ARN and its id.
      const rule = (inputs.name as string | undefined) ?? autoName;
      const bus = inputs.eventBusName as string | undefined;
      const path = bus === undefined || bus === "default" ? rule : `${bus}/${rule}`;
      return { id: path, state: { ...inputs, name: rule, arn: arn("events", `rule/${path}`) } };
    }
    case "aws:cloudwatch/eventBus:EventBus": {
      const bus = (inputs.name as string | undefined) ?? autoName;
      return { id: bus, state: { ...inputs, name: bus, arn: arn("events", `event-bus/${bus}`) } };
    }
    case "aws:cloudwatch/eventBusPolicy:EventBusPolicy": {
      // A bus has one policy: its id is the bus's name.
      const bus = (inputs.eventBusName as string | undefined) ?? "default";
      return { id: bus, state: { ...inputs, eventBusName: bus } };
    }
    case "aws:lambda/permission:Permission": {
      // The id is the statement's id in the function's policy, auto-named like a physical name.
      const statementId = (inputs.statementId as string | undefined) ?? autoName;
      return { id: statementId, state: { ...inputs, statementId } };
    }
    case "aws:s3/bucketNotification:BucketNotification":
      // One configuration per bucket: its id is the bucket's name.
      return { id: inputs.bucket as string, state: inputs };
    case "aws:cloudwatch/metricAlarm:MetricAlarm": {
      const alarm = (inputs.name as string | undefined) ?? autoName;
      return { id: alarm, state: { ...inputs, name: alarm, arn: arn("cloudwatch", `alarm:${alarm}`) } };
    }
    case "aws:appautoscaling/target:Target":
      return {
        id: `${String(inputs.serviceNamespace)}/${String(inputs.resourceId)}/${String(inputs.scalableDimension)}`,
        state: {
          ...inputs,
          arn: arn("application-autoscaling", `scalable-target/${suffix(String(inputs.resourceId))}`),
        },
      };
    case "aws:appautoscaling/policy:Policy": {
      const policy = (inputs.name as string | undefined) ?? autoName;
      return {
        id: policy,
        state: {
          ...inputs,
          name: policy,
          arn: arn(
            "autoscaling",
            `scalingPolicy:${suffix(policy)}-0000-4000-8000-000000000000:resource/sagemaker/${String(inputs.resourceId)}:policyName/${policy}`,
          ),
        },
      };
    }
    case "aws:iam/policy:Policy": {
      const policy = (inputs.name as string | undefined) ?? autoName;
      const policyArn = `arn:aws:iam::${ACCOUNT_ID}:policy${String(inputs.path ?? "/")}${policy}`;
      return { id: policyArn, state: { ...inputs, name: policy, arn: policyArn } };
    }
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
      const host = String(inputs.url).replace(/^https:\/\//, "");
      const providerArn = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${host}`;
      return { id: providerArn, state: { ...inputs, arn: providerArn } };
    }
    // EventBridge names connections and destinations, and keeps a connection's credentials in a
    // Secrets Manager secret of its own; the ids are the names.
    case "aws:cloudwatch/eventConnection:EventConnection":
    case "aws:cloudwatch/eventApiDestination:EventApiDestination": {
      const physical = (inputs.name as string | undefined) ?? autoName;
      const uuid = `${suffix(physical)}-0000-4000-8000-000000000000`;
      const connection = type.endsWith(":EventConnection");
      const resource = `${connection ? "connection" : "api-destination"}/${physical}/${uuid}`;
      const secret = arn(
        "secretsmanager",
        `secret:events!connection/${physical}/${uuid}-${suffix(uuid).slice(0, 6)}`,
      );
      return {
        id: physical,
        state: {
          ...inputs,
          name: physical,
          arn: arn("events", resource),
          ...(connection ? { secretArn: secret } : {}),
        },
      };
    }
    case "aws:sqs/queue:Queue": {
      const queue = (inputs.name as string | undefined) ?? autoName;
      const url = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT_ID}/${queue}`;
      return { id: url, state: { ...inputs, name: queue, arn: arn("sqs", queue), url } };
    }
    case "aws:lambda/function:Function": {
      // An unpublished function's latest version is $LATEST; API Gateway invokes it by these ARNs.
      const fn = (inputs.name as string | undefined) ?? autoName;
      const functionArn = arn("lambda", `function:${fn}`);
      const qualifiedArn = `${functionArn}:$LATEST`;
      const invoke = (target: string, api = "2015-03-31/functions", action = "invocations") =>
        `arn:aws:apigateway:${REGION}:lambda:path/${api}/${target}/${action}`;
      return {
        id: fn,
        state: {
          ...inputs,
          name: fn,
          arn: functionArn,
          qualifiedArn,
          invokeArn: invoke(functionArn),
          qualifiedInvokeArn: invoke(qualifiedArn),
          responseStreamingInvokeArn: invoke(
            functionArn,
            "2021-11-15/functions",
            "response-streaming-invocations",
          ),
          version: "$LATEST",
        },
      };
    }
    case "aws:cloudwatch/logGroup:LogGroup": {
      // The provider trims the ":*" DescribeLogGroups puts after the group's ARN.
      const group = (inputs.name as string | undefined) ?? autoName;
      return { id: group, state: { ...inputs, name: group, arn: arn("logs", `log-group:${group}`) } };
    }
    case "aws:scheduler/schedule:Schedule": {
      // Ids are "<group>/<name>"; a schedule without a group is in the account's "default" one.
      const schedule = (inputs.name as string | undefined) ?? autoName;
      const group = (inputs.groupName as string | undefined) ?? "default";
      return {
        id: `${group}/${schedule}`,
        state: {
          ...inputs,
          name: schedule,
          groupName: group,
          arn: arn("scheduler", `schedule/${group}/${schedule}`),
        },
      };
    }
    case "aws:s3/bucketObjectv2:BucketObjectv2":
      return { id: inputs.key as string, state: { ...inputs, versionId: suffix(String(inputs.key)) } };
    default:
      return { id: `${name}-id`, state: inputs };
  }
}

export function mockCall(
  token: string,
  inputs: Record<string, unknown>,
  where: MockAccount,
): Record<string, unknown> {
  const { accountId: ACCOUNT_ID, region: REGION } = where;
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: ACCOUNT_ID,
        arn: `arn:aws:iam::${ACCOUNT_ID}:user/ci`,
        userId: "AIDAEXAMPLE",
        id: ACCOUNT_ID,
      };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
    case "aws:index/getRegion:getRegion":
      return {
        region: REGION,
        name: REGION,
        id: REGION,
        endpoint: `ec2.${REGION}.amazonaws.com`,
        description: "US East (N. Virginia)",
      };
    case "aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage": {
      const repository = inputs.repositoryName as string;
      const PREBUILT_REGISTRY = prebuiltRegistry(repository);
      const tag = (inputs.imageTag as string | undefined) ?? "1";
      return {
        id: `${PREBUILT_REGISTRY}.dkr.ecr.${REGION}.amazonaws.com/${repository}:${tag}`,
        registryId: PREBUILT_REGISTRY,
        registryPath: `${PREBUILT_REGISTRY}.dkr.ecr.${REGION}.amazonaws.com/${repository}:${tag}`,
        repositoryName: repository,
        imageTag: tag,
        region: REGION,
      };
    }
    default:
      throw new Error(`No mock for invoke ${token}`);
  }
}

/**
 * Sets Pulumi's mock runtime and returns the list it records every registered resource in.
 * Call it before the program (or a component) is constructed. With `preview`, resources answer
 * with their inputs only, so what depends on computed outputs is unknown, as in a first preview.
 */
export function recordResources(options: MockOptions): RecordedResource[] {
  const { project, stack, preview } = options;
  const where = { accountId: options.accountId, region: options.region };
  const recorded: RecordedResource[] = [];
  const answer = (type: string, name: string, custom: boolean, inputs: Record<string, unknown>) => {
    if (!custom) return { id: "", state: {} };
    const mocked = mockResource(type, name, inputs, where);
    if (!preview) return mocked;
    // As in a first preview, nothing AWS computes (auto-names, ARNs) is known yet: only the inputs.
    const state = Object.fromEntries(
      Object.entries(mocked.state).map(([key, value]) => [key, key in inputs ? value : UNKNOWN_VALUE]),
    );
    return { id: "", state };
  };
  pulumi.runtime.setMocks(
    {
      // Answers `get` look-ups; registrations go through `registerResource` below.
      newResource: (args) => answer(args.type, args.name, args.custom ?? true, args.inputs),
      call: (args) => {
        options.onInvoke?.(args.token);
        return mockCall(args.token, args.inputs, where);
      },
    },
    project,
    stack,
    preview,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
  const batches = options.yieldToEventLoop ? inBatches(REPLIES_PER_TURN) : undefined;
  if (batches) repliesWaiting.set(recorded, batches.waiting);
  const reply = batches?.run ?? ((send: () => void) => send());
  monitor.registerResource = (request, callback) => {
    let response: RegistrationAnswer;
    try {
      const resource = register(monitor, request, answer);
      response = answered(resource);
      recorded.push(resource);
      options.onRecord?.(resource, { inputs: request.getObject() ?? new Struct() });
    } catch (error) {
      callback(error as Error);
      return;
    }
    reply(() => callback(null, response));
  };
  return recorded;
}

/**
 * The monitor's answer as the runtime reads it. The runtime only decodes the state (`toJavaScript()`),
 * so the state is handed over as it is instead of being encoded into a Struct first; the runtime
 * answers itself this way when it runs without a monitor.
 */
interface RegistrationAnswer {
  getUrn(): string;
  getId(): string;
  getObject(): Pick<Struct, "toJavaScript">;
  getPropertydependenciesMap(): undefined;
  getResult(): Result;
  getUnknown(): boolean;
}

/**
 * What the runtime reads of a registration's answer (`resp.get...()` in @pulumi/pulumi's
 * runtime/resource.js, registerResource). The answer below is built for exactly these: a test
 * compares them with the installed runtime, so an upgrade that reads more fails there, by name.
 */
export const REGISTRATION_ANSWER_READS = [
  "getId",
  "getObject",
  "getPropertydependenciesMap",
  "getResult",
  "getUnknown",
  "getUrn",
] as const satisfies readonly (keyof RegistrationAnswer)[];

function answered(resource: RecordedResource): RegistrationAnswer {
  const state = resource.outputs as Record<string, JavaScriptValue>;
  return {
    getUrn: () => resource.urn,
    getId: () => resource.id,
    getObject: () => ({ toJavaScript: () => state }),
    getPropertydependenciesMap: () => undefined,
    getResult: () => Result.SUCCESS,
    // Everything is known once answered (a first preview's unknowns are in the state itself); the
    // runtime asks this outside previews only.
    getUnknown: () => false,
  };
}

/**
 * Registrations answered per turn of the event loop: enough that turning it costs little, few
 * enough that a turn takes a few milliseconds.
 */
const REPLIES_PER_TURN = 32;

/**
 * Runs the functions given to it `size` per turn of the event loop, in order. A program's
 * registrations otherwise all resolve in one long run of promise callbacks, during which no I/O
 * is handled.
 */
function inBatches(size: number): { run: (send: () => void) => void; waiting: () => number } {
  const queue: (() => void)[] = [];
  let next = 0;
  const drain = () => {
    const end = Math.min(next + size, queue.length);
    const batch = queue.slice(next, end);
    next = end;
    if (next < queue.length) setImmediate(drain);
    else {
      queue.length = 0;
      next = 0;
    }
    for (const send of batch) send();
  };
  return {
    run: (send) => {
      if (queue.push(send) === 1) setImmediate(drain);
    },
    waiting: () => queue.length - next,
  };
}

/** For each recording, how many of its registrations wait for their answer. */
const repliesWaiting = new WeakMap<readonly RecordedResource[], () => number>();

/**
 * Registers a resource the way Pulumi's mock monitor does (a URN, the mock's answer kept for later
 * look-ups), but on the properties as the runtime encoded them: the mock monitor decodes them, the
 * runtime's encoding runs again on the answer, and recording them took two more decodings, which
 * cost as much as the rest of a registration. The encoded form is also what the engine records
 * and sends to policy packs: secrets, assets and resource references stay as they are sent.
 * The request also carries the resource options that the mock API does not show.
 */
function register(
  monitor: MockMonitorLike,
  request: RegisterResourceRequest,
  answer: (type: string, name: string, custom: boolean, inputs: Record<string, unknown>) => MockAnswer,
): RecordedResource {
  const type = request.getType();
  const name = request.getName();
  const custom = request.getCustom();
  const inputs = (request.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
  const { id, state } = answer(type, name, custom, inputs);
  const urn = monitor.newUrn(request.getParent(), type, name);
  monitor.resources.set(urn, { urn, id, state });
  return {
    urn,
    type,
    name,
    custom,
    parent: request.getParent(),
    protect: request.getProtect() ?? false,
    retainOnDelete: request.getRetainondelete() ?? false,
    deleteBeforeReplace: request.getDeletebeforereplace(),
    dependencies: request.getDependenciesList(),
    propertyDependencies: Object.fromEntries(
      request
        .getPropertydependenciesMap()
        .toArray()
        .map(([key, urns]) => [key, (urns as unknown as [string[]])[0] ?? []]),
    ),
    id,
    inputs,
    outputs: state,
  };
}

interface MockAnswer {
  readonly id: string;
  readonly state: Record<string, unknown>;
}

/** Pulumi's mock monitor, as far as the registration above uses it. */
interface MockMonitorLike {
  readonly resources: Map<string, { urn: string; id: string; state: unknown }>;
  newUrn(parent: string, type: string, name: string): string;
  registerResource(
    request: RegisterResourceRequest,
    callback: (error: Error | null, response?: RegistrationAnswer) => void,
  ): void;
}

/** Waits until every registration the program started has reached the mock and been answered. */
export async function settle(recorded: readonly RecordedResource[]): Promise<void> {
  const waiting = repliesWaiting.get(recorded) ?? (() => 0);
  let count = -1;
  while (count !== recorded.length || waiting() > 0) {
    count = recorded.length;
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  }
}
