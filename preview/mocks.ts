import * as pulumi from "@pulumi/pulumi";
import type { RegisterResourceRequest, RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";
import { deserializeProperties } from "@pulumi/pulumi/runtime/rpc";
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
  readonly onRecord?: (resource: RecordedResource) => void;
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
  /** URNs it depends on: through its inputs and through `dependsOn`. */
  readonly dependencies: readonly string[];
  /** For each input property, the URNs its value came from. */
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
  readonly id: string;
  readonly inputs: Record<string, unknown>;
  readonly outputs: Record<string, unknown>;
}

function suffix(name: string): string {
  return createHash("sha256").update(name).digest("hex").slice(0, 7);
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
  const autoName = `${name}-${suffix(name)}`;
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
      const rule = (inputs.name as string | undefined) ?? autoName;
      return { id: rule, state: { ...inputs, name: rule, arn: arn("events", `rule/${rule}`) } };
    }
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
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (!args.custom) return { id: "", state: {} };
        const answer = mockResource(args.type, args.name, args.inputs, where);
        if (!preview) return answer;
        // As in a first preview, nothing AWS computes (auto-names, ARNs) is known yet: only the inputs.
        const state = Object.fromEntries(
          Object.entries(answer.state).map(([key, value]) => [
            key,
            key in args.inputs ? value : UNKNOWN_VALUE,
          ]),
        );
        return { id: "", state };
      },
      call(args) {
        return mockCall(args.token, args.inputs, where);
      },
    },
    project,
    stack,
    preview,
  );
  // The mock API does not show resource options; the monitor's requests carry them.
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) =>
    register(request, (error, response) => {
      if (!error && response) {
        const resource: RecordedResource = {
          urn: response.getUrn(),
          type: request.getType(),
          name: request.getName(),
          custom: request.getCustom(),
          parent: request.getParent(),
          protect: request.getProtect() ?? false,
          dependencies: request.getDependenciesList(),
          propertyDependencies: Object.fromEntries(
            request
              .getPropertydependenciesMap()
              .toArray()
              .map(([key, urns]) => [key, (urns as unknown as [string[]])[0] ?? []]),
          ),
          id: response.getId(),
          inputs: plain(request.getObject()),
          outputs: plain(response.getObject()),
        };
        recorded.push(resource);
        options.onRecord?.(resource);
      }
      callback(error, response);
    });
  return recorded;
}

type WireStruct = Parameters<typeof deserializeProperties>[0];

function plain(struct: WireStruct | undefined): Record<string, unknown> {
  if (!struct) return {};
  const value = deserializeProperties(struct, true) as Record<string, unknown>;
  return hasAsset(value) ? (withWireAssets(value, struct.toJavaScript()) as Record<string, unknown>) : value;
}

const isAsset = (value: unknown): boolean =>
  pulumi.asset.Asset.isInstance(value) || pulumi.asset.Archive.isInstance(value);

function hasAsset(value: unknown): boolean {
  if (isAsset(value)) return true;
  if (typeof value !== "object" || value === null) return false;
  return Object.values(value).some(hasAsset);
}

/**
 * Assets and archives as the engine records and sends them (`{"4dabf18193072939515e22adb298388d":
 * "c44067f5952c0a294b673a41bacd8c17", "path": ...}`), taken from the request: the runtime's own
 * objects hold their paths in promises, which neither JSON nor a worker thread can carry.
 */
function withWireAssets(value: unknown, wire: unknown): unknown {
  if (isAsset(value)) return wire;
  if (Array.isArray(value))
    return value.map((item, index) => withWireAssets(item, (wire as unknown[])[index]));
  if (typeof value !== "object" || value === null) return value;
  const fields = wire as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, withWireAssets(item, fields[key])]),
  );
}

interface MonitorLike {
  registerResource(
    request: RegisterResourceRequest,
    callback: (error: Error | null, response?: RegisterResourceResponse) => void,
  ): void;
}

/** Waits until every registration the program started has reached the mock. */
export async function settle(recorded: readonly RecordedResource[]): Promise<void> {
  let count = -1;
  while (count !== recorded.length) {
    count = recorded.length;
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  }
}
