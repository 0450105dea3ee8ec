import { ProductionVariantInstanceType } from "@aws-sdk/client-sagemaker";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { alarmName, AlarmThresholds, variantAlarms } from "./alarms";
import { hasLocalInstanceStorage } from "./instanceStorage";
import { sageMakerAssumeRolePolicy } from "../shared/serviceTrust";
import { ecrRepositoryArn } from "../shared/arn";
import { modelExecutionPolicy } from "./modelEndpointPolicy";
import {
  ALARM_DEFAULTS,
  AUTOSCALING_DEFAULTS,
  DATA_CAPTURE_DEFAULTS,
  DEFAULT_ENDPOINT_INSTANCE_TYPE,
  DEPLOYMENT_DEFAULTS,
  DEPLOYMENT_SETTINGS,
  AUTOSCALING_SETTINGS,
  SERVERLESS_SETTINGS,
  SHADOW_DEFAULTS,
  VARIANT_DEFAULTS,
} from "./settings";
import { VARIANT_NAME_PATTERN } from "../shared/names";
import { describeValue, settingProblem } from "../shared/settings";
import { endpointRuleProblems } from "./rules";
import type { AccountContext } from "../shared/account";
import { DeployFootprint, SAGEMAKER_SERVICE, TYPES } from "../shared/footprint";
import { NetworkScope } from "../shared/vpc";
import { accountOfArn } from "../shared/sourceKeys";
import {
  CONFIGURATION_DIGEST_TAG,
  configurationDigest,
  InstanceCountChoice,
  instanceCounts,
  LiveFleet,
} from "./fleet";

/** A model version from the registry, as far as serving it is concerned. */
export interface ServedModelPackage {
  /** Versioned model package ARN (`.../model-package/<group>/<version>`). */
  readonly arn: string;
  /** Its inference containers: the role may pull these images and read these artifacts. */
  readonly containers: readonly { readonly image: string; readonly modelDataUrl?: string }[];
}

export interface ServerlessCapacity {
  /** Memory of each serverless worker: 1024 to 6144 MB in steps of 1024. */
  readonly memorySizeInMb: number;
  /** Concurrent invocations at most (1-200). */
  readonly maxConcurrency: number;
  /** Workers kept warm, at most `maxConcurrency`. @default none */
  readonly provisionedConcurrency?: number;
}

export interface VariantAutoscaling {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** Target of SageMakerVariantInvocationsPerInstance (invocations a minute per instance). @default 1000 */
  readonly targetInvocationsPerInstance?: number;
  /** Seconds after a scale-in before the next one. @default 300 */
  readonly scaleInCooldownSeconds?: number;
  /** Seconds after a scale-out before the next one. @default 60 */
  readonly scaleOutCooldownSeconds?: number;
}

export interface EndpointVariantArgs {
  /** Variant name; kept across deployments, because blue/green updates match variants by name. */
  readonly name: string;
  /** The approved model version this variant serves. */
  readonly modelPackage: ServedModelPackage;
  /** Share of the endpoint's traffic, relative to the other variants' weights. @default 1 */
  readonly weight?: number;
  /** Instance type, for instance-based variants. @default "ml.m5.large" unless `serverless` */
  readonly instanceType?: string;
  /** Instances at creation (autoscaling then moves within its bounds). @default 1 unless `serverless` */
  readonly initialInstanceCount?: number;
  /** Run on Serverless Inference instead of instances. @default instances */
  readonly serverless?: ServerlessCapacity;
  /** Target-tracking autoscaling on invocations per instance. @default none */
  readonly autoscaling?: VariantAutoscaling;
}

export interface ShadowVariantArgs {
  /** @default "shadow" */
  readonly name?: string;
  readonly modelPackage: ServedModelPackage;
  /** Percentage of the production variant's requests copied to the shadow. @default 100 */
  readonly samplingPercentage?: number;
  /** @default "ml.m5.large" */
  readonly instanceType?: string;
  /** @default 1 */
  readonly initialInstanceCount?: number;
}

export interface DataCaptureArgs {
  /** Bucket captured requests and responses are written to, encrypted with the stack key. */
  readonly bucketName: pulumi.Input<string>;
  /** Capture requests and responses (Model Monitor needs them). @default true */
  readonly enabled?: boolean;
  /** Percentage of requests captured. @default 100 */
  readonly samplingPercentage?: number;
  /** Key prefix; SageMaker adds `<endpoint>/<variant>/yyyy/mm/dd/hh/`. @default "data-capture" */
  readonly prefix?: string;
}

export interface DeploymentArgs {
  /** How traffic moves to a new version: all at once, canary then the rest, or linear steps. @default "ALL_AT_ONCE" */
  readonly strategy?: "ALL_AT_ONCE" | "CANARY" | "LINEAR";
  /** CANARY: share of the new fleet that takes traffic first (at most 50 %). @default 10 */
  readonly canarySizePercent?: number;
  /** LINEAR: share of the new fleet turned on at each step (10-50 %). @default 20 */
  readonly linearStepPercent?: number;
  /** Seconds of baking between steps, watched by the rollback alarms. @default 300 */
  readonly waitIntervalSeconds?: number;
  /** Seconds the old fleet is kept after the switch, for a fast rollback. @default 0 */
  readonly terminationWaitSeconds?: number;
  /** Seconds after which SageMaker gives up and rolls back. @default SageMaker's own */
  readonly maximumExecutionTimeoutSeconds?: number;
}

export interface ModelEndpointArgs {
  /** Where the stack deploys, looked up once per stack (`lookupAccountContext`). */
  readonly account: AccountContext;
  /** Production variants; the first is the primary. Several variants split traffic by weight (A/B). */
  readonly variants: readonly EndpointVariantArgs[];
  /** A variant that receives a copy of the primary's requests and whose answers are discarded. @default none */
  readonly shadow?: ShadowVariantArgs;
  /** KMS key for the ML storage volumes and captured data. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** The permissions boundary the model role carries (the stack's: every role carries it). */
  readonly permissionsBoundaryArn: pulumi.Input<string>;
  /** SNS topic every alarm notifies. */
  readonly alertTopicArn: pulumi.Input<string>;
  /** Where and how much inference traffic is captured. */
  readonly dataCapture: DataCaptureArgs;
  /** Blue/green deployment of new versions. @default all at once after a 300 s bake, rolled back on alarm */
  readonly deployment?: DeploymentArgs;
  /** Alarm thresholds. @default p99 latency 1000 ms, 4XX rate 5 %, one 5XX a minute, cold start 30 s, 3 periods */
  readonly alarms?: Partial<AlarmThresholds>;
  /** Run the models in these subnets and security groups. @default no VPC */
  readonly network?: NetworkScope;
  /** Tags for every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * The live endpoint, read at preview/up time, which sizes the fleet of a new configuration
   * (see `instanceCounts` in fleet.ts). @default `{ source: "none" }`: the configured counts
   */
  readonly live?: LiveFleet;
}

type ResolvedVariant = Omit<EndpointVariantArgs, "autoscaling"> & {
  readonly weight: number;
  readonly autoscaling?: Required<VariantAutoscaling>;
} & (
    | { readonly serverless: ServerlessCapacity; readonly instanceType?: undefined }
    | {
        readonly serverless?: undefined;
        readonly instanceType: string;
        readonly initialInstanceCount: number;
      }
  );

interface ResolvedArgs {
  readonly variants: readonly ResolvedVariant[];
  readonly shadow?: Required<ShadowVariantArgs>;
  readonly dataCapture: Required<DataCaptureArgs>;
  readonly deployment: Required<Omit<DeploymentArgs, "maximumExecutionTimeoutSeconds">> &
    Pick<DeploymentArgs, "maximumExecutionTimeoutSeconds">;
  readonly alarms: AlarmThresholds;
}

/** The keys of `values` that are set: an explicit `undefined` leaves the default in place. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Applies every default in one place. Pure. Defaults come from the endpoint's settings (`settings.ts`). */
export function withDefaults(args: ModelEndpointArgs): ResolvedArgs {
  return {
    variants: args.variants.map((variant): ResolvedVariant => {
      const weight = variant.weight ?? VARIANT_DEFAULTS.weight;
      const scaling = variant.autoscaling;
      const autoscaling = scaling && {
        minCapacity: scaling.minCapacity,
        maxCapacity: scaling.maxCapacity,
        targetInvocationsPerInstance:
          scaling.targetInvocationsPerInstance ?? AUTOSCALING_DEFAULTS.targetInvocationsPerInstance,
        scaleInCooldownSeconds: scaling.scaleInCooldownSeconds ?? AUTOSCALING_DEFAULTS.scaleInCooldownSeconds,
        scaleOutCooldownSeconds:
          scaling.scaleOutCooldownSeconds ?? AUTOSCALING_DEFAULTS.scaleOutCooldownSeconds,
      };
      return variant.serverless !== undefined
        ? { ...variant, weight, autoscaling, serverless: variant.serverless, instanceType: undefined }
        : {
            ...variant,
            weight,
            autoscaling,
            serverless: undefined,
            instanceType: variant.instanceType ?? DEFAULT_ENDPOINT_INSTANCE_TYPE,
            initialInstanceCount: variant.initialInstanceCount ?? VARIANT_DEFAULTS.initialInstanceCount,
          };
    }),
    shadow: args.shadow && {
      name: args.shadow.name ?? SHADOW_DEFAULTS.name,
      modelPackage: args.shadow.modelPackage,
      samplingPercentage: args.shadow.samplingPercentage ?? SHADOW_DEFAULTS.samplingPercentage,
      instanceType: args.shadow.instanceType ?? SHADOW_DEFAULTS.instanceType,
      initialInstanceCount: args.shadow.initialInstanceCount ?? SHADOW_DEFAULTS.initialInstanceCount,
    },
    dataCapture: {
      bucketName: args.dataCapture.bucketName,
      enabled: args.dataCapture.enabled ?? DATA_CAPTURE_DEFAULTS.enabled,
      samplingPercentage: args.dataCapture.samplingPercentage ?? DATA_CAPTURE_DEFAULTS.samplingPercentage,
      prefix: args.dataCapture.prefix ?? "data-capture",
    },
    deployment: {
      strategy: args.deployment?.strategy ?? DEPLOYMENT_DEFAULTS.strategy,
      canarySizePercent: args.deployment?.canarySizePercent ?? DEPLOYMENT_DEFAULTS.canarySizePercent,
      linearStepPercent: args.deployment?.linearStepPercent ?? DEPLOYMENT_DEFAULTS.linearStepPercent,
      waitIntervalSeconds: args.deployment?.waitIntervalSeconds ?? DEPLOYMENT_DEFAULTS.waitIntervalSeconds,
      terminationWaitSeconds:
        args.deployment?.terminationWaitSeconds ?? DEPLOYMENT_DEFAULTS.terminationWaitSeconds,
      maximumExecutionTimeoutSeconds: args.deployment?.maximumExecutionTimeoutSeconds,
    },
    alarms: { ...ALARM_DEFAULTS, ...definedOnly(args.alarms ?? {}) },
  };
}

/** Endpoint names: SageMaker's pattern, short enough that `<name>-<variant>-<suffix>` model names fit in 63. */
const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,49}$/;
/** Pulumi appends "-" and 7 characters to auto-named models; SageMaker allows 63. */
const MAX_MODEL_BASE_NAME = 63 - 8;
const INSTANCE_TYPES = Object.values(ProductionVariantInstanceType) as string[];

/** Every problem with the arguments, so that nothing is created from a half-valid request. */
export function validateArgs(name: string, args: ModelEndpointArgs, resolved: ResolvedArgs): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => ok || problems.push(message);
  const { variants, shadow, deployment } = resolved;
  check(ENDPOINT_NAME.test(name), `name "${name}" must be 1-50 letters, digits and hyphens`);
  check(
    variants.length >= 1 && variants.length <= 10,
    `variants must list 1 to 10 variants, not ${variants.length}`,
  );
  // The rules across keys, as the stack config runs them (rules.ts), on the arguments as given.
  for (const { key, value, message } of endpointRuleProblems({
    variants: args.variants.map((variant, index) => ({ at: `variants[${index}]`, variant: { ...variant } })),
    names: [
      ...args.variants.map((variant, index) => ({ at: `variants[${index}].name`, name: variant.name })),
      ...(shadow ? [{ at: "shadow.name", name: shadow.name }] : []),
    ],
    shadow: args.shadow,
    deployment: args.deployment && { ...args.deployment },
    dataCapture: { ...args.dataCapture },
    inNetwork: args.network !== undefined,
  })) {
    // The config's challengers are the variants after the first here.
    if (key === "challengers" && variants.some((variant) => variant.serverless !== undefined))
      problems.push(`variants: a serverless endpoint serves one variant, not ${variants.length}`);
    else if (key === "challengers") problems.push(`the challengers (variants after the first) ${message}`);
    else problems.push(`${key}${value === undefined ? "" : ` ${describeValue(value)}`} ${message}`);
  }
  const names = [...variants.map((v) => v.name), ...(shadow ? [shadow.name] : [])];
  for (const variantName of names) {
    check(
      VARIANT_NAME_PATTERN.test(variantName),
      `variant name "${variantName}" must be 1-63 letters, digits and hyphens`,
    );
    check(
      `${name}-${variantName}`.length <= MAX_MODEL_BASE_NAME,
      `"${name}-${variantName}" is longer than ${MAX_MODEL_BASE_NAME} characters: shorten the variant name`,
    );
  }
  check(
    variants.some((v) => v.weight > 0),
    "at least one variant must have a weight above 0, or the endpoint serves nothing",
  );
  for (const variant of [...variants, ...(shadow ? [shadow] : [])]) {
    check(
      variant.modelPackage.containers.length > 0,
      `model package ${variant.modelPackage.arn} has no inference containers`,
    );
  }
  for (const variant of variants) {
    const where = `variant "${variant.name}"`;
    if (variant.serverless) {
      for (const [key, setting] of Object.entries(SERVERLESS_SETTINGS)) {
        const problem = settingProblem(
          `serverless ${key}`,
          setting,
          variant.serverless[key as keyof ServerlessCapacity],
        );
        if (problem) problems.push(`${where}: ${problem}`);
      }
      continue;
    }
    check(
      INSTANCE_TYPES.includes(variant.instanceType),
      `${where}: "${variant.instanceType}" is not a SageMaker endpoint instance type`,
    );
    check(variant.initialInstanceCount >= 1, `${where}: initialInstanceCount must be at least 1`);
    for (const [key, setting] of Object.entries(AUTOSCALING_SETTINGS)) {
      if (!variant.autoscaling) break;
      const problem = settingProblem(
        `autoscaling ${key}`,
        setting,
        variant.autoscaling[key as keyof VariantAutoscaling],
      );
      if (problem) problems.push(`${where}: ${problem}`);
    }
  }
  if (shadow) {
    check(
      INSTANCE_TYPES.includes(shadow.instanceType),
      `shadow: "${shadow.instanceType}" is not a SageMaker endpoint instance type`,
    );
    check(
      shadow.samplingPercentage >= 1 && shadow.samplingPercentage <= 100,
      "shadow samplingPercentage must be from 1 to 100",
    );
  }
  const capture = resolved.dataCapture.samplingPercentage;
  check(capture >= 1 && capture <= 100, `dataCapture samplingPercentage ${capture} must be from 1 to 100`);
  for (const key of ["canarySizePercent", "linearStepPercent"] as const) {
    const problem = settingProblem(`deployment ${key}`, DEPLOYMENT_SETTINGS[key], deployment[key]);
    if (problem) problems.push(problem);
  }
  for (const [url, variant] of [...variants, ...(shadow ? [shadow] : [])].flatMap((v) =>
    v.modelPackage.containers.map((c) => [c.image, v.name] as const),
  )) {
    try {
      ecrRepositoryArn("aws", url);
    } catch (error) {
      problems.push(`variant "${variant}": ${(error as Error).message}`);
    }
  }
  return problems;
}

/**
 * The physical name of an endpoint's model role: fixed (endpoint names have at most 50 characters,
 * so it fits IAM's 64), so that the deploy role can be given it before the endpoint exists.
 */
export function modelRoleName(endpointName: string): string {
  return `${endpointName}-model-role`;
}

/**
 * The model role, a model per variant, the configuration, alarms, the endpoint and any autoscaling.
 * It depends on the variants' kinds only, so that it can be stated before any version is served.
 */
export function modelEndpointFootprint(
  resolved: {
    readonly variants: readonly { readonly autoscaling?: unknown; readonly serverless?: unknown }[];
  },
  roleArn: pulumi.Input<string>,
  roleName?: string,
): DeployFootprint {
  const scaled = resolved.variants.some((variant) => variant.autoscaling && !variant.serverless);
  return {
    types: [
      TYPES.role,
      TYPES.rolePolicy,
      TYPES.model,
      TYPES.endpointConfiguration,
      TYPES.metricAlarm,
      TYPES.endpoint,
      ...(scaled ? [TYPES.scalingTarget, TYPES.scalingPolicy] : []),
    ],
    passedRoles: [{ service: SAGEMAKER_SERVICE, roleArn, roleName }],
  };
}

/**
 * Real-time inference for one model: its registry versions served by a SageMaker endpoint with a
 * least-privilege model role, data capture, blue/green deployments that roll back on alarms,
 * alarms that notify the model's topic, and autoscaling for instance-based variants.
 */
export class ModelEndpoint extends pulumi.ComponentResource {
  public readonly endpointName: pulumi.Output<string>;
  public readonly endpointArn: pulumi.Output<string>;
  public readonly endpointConfigName: pulumi.Output<string>;
  /** The model package served by the primary variant. */
  public readonly modelPackageArn: pulumi.Output<string>;
  /** Every served model package by variant name (production and shadow). */
  public readonly modelPackageArns: pulumi.Output<Record<string, string>>;
  /** The alarms a deployment rolls back on. */
  public readonly alarmNames: pulumi.Output<string[]>;
  /** Where requests and responses are captured (`s3://bucket/prefix`), undefined when capture is off. */
  public readonly dataCaptureUri: pulumi.Output<string | undefined>;
  public readonly roleArn: pulumi.Output<string>;
  /** The resource types it creates and the roles it hands to services, for the deploy role. */
  public readonly footprint: DeployFootprint;
  /** The instance count each instance-based variant's configuration starts with, and why. */
  public readonly instanceCounts: readonly InstanceCountChoice[];

  constructor(name: string, args: ModelEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before the component registers: a bad request leaves nothing behind, not even the component.
    const config = withDefaults(args);
    const problems = validateArgs(name, args, config);
    if (problems.length > 0) throw new Error(`ModelEndpoint ${name}: ${problems.join("; ")}.`);
    super("mlops:sagemaker:ModelEndpoint", name, {}, opts);

    const parent = { parent: this };
    const { partition, region, accountId } = args.account;
    const served = [...config.variants, ...(config.shadow ? [config.shadow] : [])];
    const containers = served.flatMap((variant) => variant.modelPackage.containers);
    const capture = config.dataCapture;
    const captureUri = pulumi.interpolate`s3://${capture.bucketName}/${capture.prefix}`;
    const settings = { ...config, network: args.network };
    const digest = configurationDigest(settings);
    const counts = instanceCounts(settings, args.live ?? { source: "none" }, digest);
    // The alarms a deployment rolls back on; their names are fixed, so the role can name them.
    const alarmSpecs = config.variants.flatMap((variant) =>
      variantAlarms(name, variant.name, variant.serverless !== undefined, config.alarms).map((alarm) => ({
        variant: variant.name,
        ...alarm,
      })),
    );

    const role = new aws.iam.Role(
      `${name}-model-role`,
      {
        // A fixed name: the deploy role may pass exactly this role, before the endpoint exists.
        name: modelRoleName(name),
        description: `Serves the models of SageMaker endpoint ${name}`,
        assumeRolePolicy: sageMakerAssumeRolePolicy(args.account),
        permissionsBoundary: args.permissionsBoundaryArn,
        tags: args.tags,
      },
      parent,
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-model-role-policy`,
      {
        role: role.name,
        policy: pulumi
          .all([partition, region, accountId, args.kmsKeyArn, captureUri])
          .apply(([p, r, account, kmsKeyArn, captureTo]) =>
            JSON.stringify(
              modelExecutionPolicy({
                partition: p,
                region: r,
                accountId: account,
                endpointName: name,
                kmsKeyArn,
                images: containers.map((c) => c.image),
                modelDataUrls: containers.flatMap((c) =>
                  c.modelDataUrl !== undefined ? [c.modelDataUrl] : [],
                ),
                captureUri: capture.enabled ? captureTo : undefined,
                rollbackAlarmNames: alarmSpecs.map((alarm) => alarm.name),
                // Versions promoted from another account: their artifacts are under its key.
                sourceAccountIds: served.flatMap((variant) => {
                  const owner = accountOfArn(variant.modelPackage.arn);
                  return owner !== undefined && owner !== account ? [owner] : [];
                }),
                network: args.network,
              }),
            ),
          ),
      },
      parent,
    );

    const models = Object.fromEntries(
      served.map((variant) => [
        variant.name,
        new aws.sagemaker.Model(
          `${name}-${variant.name}`,
          {
            executionRoleArn: role.arn,
            primaryContainer: { modelPackageName: variant.modelPackage.arn },
            // Serverless Inference does not offer network isolation; instance-based models never call out.
            enableNetworkIsolation: !("serverless" in variant && variant.serverless !== undefined),
            vpcConfig: args.network && {
              subnets: [...args.network.subnetIds],
              securityGroupIds: [...args.network.securityGroupIds],
            },
            tags: args.tags,
          },
          // The role needs its permissions before SageMaker pulls the image and the artifacts.
          // Kept in AWS when Pulumi replaces it: after a silent rollback the endpoint still runs the
          // configuration that names it (terraform-provider-aws #48997). `npm run ops -- cleanup`
          // deletes the ones no endpoint uses.
          { parent: this, dependsOn: [rolePolicy], retainOnDelete: true },
        ),
      ]),
    );

    const productionVariants = config.variants.map((variant) => ({
      variantName: variant.name,
      modelName: models[variant.name].name,
      initialVariantWeight: variant.weight,
      ...(variant.serverless
        ? {
            serverlessConfig: {
              memorySizeInMb: variant.serverless.memorySizeInMb,
              maxConcurrency: variant.serverless.maxConcurrency,
              provisionedConcurrency: variant.serverless.provisionedConcurrency,
            },
          }
        : {
            instanceType: variant.instanceType,
            initialInstanceCount:
              counts.find((choice) => choice.variant === variant.name)?.count ?? variant.initialInstanceCount,
          }),
    }));
    const shadow = config.shadow;
    const instanceTypes = [
      ...config.variants.flatMap((v) => (v.instanceType !== undefined ? [v.instanceType] : [])),
      ...(shadow ? [shadow.instanceType] : []),
    ];
    const endpointConfig = new aws.sagemaker.EndpointConfiguration(
      // Auto-named: a changed configuration is created next to the old one, the endpoint moves to it,
      // then the old one is deleted. A fixed name would make every such update fail.
      `${name}-config`,
      {
        productionVariants,
        shadowProductionVariants: shadow && [
          {
            variantName: shadow.name,
            modelName: models[shadow.name].name,
            instanceType: shadow.instanceType,
            initialInstanceCount: shadow.initialInstanceCount,
            // Relative to the production variant's weight: the share of its requests copied to the shadow.
            initialVariantWeight: (config.variants[0].weight * shadow.samplingPercentage) / 100,
          },
        ],
        // Instances with local NVMe storage encrypt it in hardware, and SageMaker refuses a key for them.
        kmsKeyArn: instanceTypes.some(hasLocalInstanceStorage) ? undefined : args.kmsKeyArn,
        dataCaptureConfig: capture.enabled
          ? {
              enableCapture: true,
              initialSamplingPercentage: capture.samplingPercentage,
              destinationS3Uri: captureUri,
              kmsKeyId: args.kmsKeyArn,
              captureOptions: [{ captureMode: "Input" }, { captureMode: "Output" }],
              // Recorded as text rather than base64, so that Model Monitor can parse it.
              captureContentTypeHeader: {
                csvContentTypes: ["text/csv"],
                jsonContentTypes: ["application/json"],
              },
            }
          : undefined,
        tags: { ...args.tags, [CONFIGURATION_DIGEST_TAG]: digest },
      },
      // Kept in AWS when replaced: SageMaker may have rolled the endpoint back to it (see the models).
      { parent: this, retainOnDelete: true },
    );

    const alarms = alarmSpecs.map(
      ({ variant, kind, description, metricQueries, dimensions, ...alarm }) =>
        new aws.cloudwatch.MetricAlarm(
          alarmName(name, variant, kind),
          {
            ...alarm,
            alarmDescription: description,
            dimensions: dimensions && { ...dimensions },
            metricQueries: metricQueries?.map((query) => ({
              ...query,
              metric: query.metric && { ...query.metric, dimensions: { ...query.metric.dimensions } },
            })),
            alarmActions: [args.alertTopicArn],
            okActions: [args.alertTopicArn],
            tags: args.tags,
          },
          parent,
        ),
    );

    const deployment = config.deployment;
    const endpoint = new aws.sagemaker.Endpoint(
      name,
      {
        // A fixed name: callers, alarms and scaling policies refer to it, and it survives config changes.
        name,
        endpointConfigName: endpointConfig.name,
        deploymentConfig: {
          blueGreenUpdatePolicy: {
            trafficRoutingConfiguration: {
              type: deployment.strategy,
              waitIntervalInSeconds: deployment.waitIntervalSeconds,
              canarySize:
                deployment.strategy === "CANARY"
                  ? { type: "CAPACITY_PERCENT", value: deployment.canarySizePercent }
                  : undefined,
              linearStepSize:
                deployment.strategy === "LINEAR"
                  ? { type: "CAPACITY_PERCENT", value: deployment.linearStepPercent }
                  : undefined,
            },
            terminationWaitInSeconds: deployment.terminationWaitSeconds,
            maximumExecutionTimeoutInSeconds: deployment.maximumExecutionTimeoutSeconds,
          },
          autoRollbackConfiguration: { alarms: alarms.map((alarm) => ({ alarmName: alarm.name })) },
        },
        tags: args.tags,
      },
      parent,
    );

    for (const variant of config.variants) {
      const scaling = variant.autoscaling;
      if (!scaling || variant.serverless) continue;
      const target = new aws.appautoscaling.Target(
        `${name}-${variant.name}-scaling`,
        {
          serviceNamespace: "sagemaker",
          scalableDimension: "sagemaker:variant:DesiredInstanceCount",
          // Built from the endpoint's output so that the target is registered once the endpoint exists.
          resourceId: pulumi.interpolate`endpoint/${endpoint.name}/variant/${variant.name}`,
          minCapacity: scaling.minCapacity,
          maxCapacity: scaling.maxCapacity,
          tags: args.tags,
        },
        parent,
      );
      new aws.appautoscaling.Policy(
        `${name}-${variant.name}-invocations`,
        {
          name: `${name}-${variant.name}-invocations`,
          policyType: "TargetTrackingScaling",
          serviceNamespace: target.serviceNamespace,
          scalableDimension: target.scalableDimension,
          resourceId: target.resourceId,
          targetTrackingScalingPolicyConfiguration: {
            predefinedMetricSpecification: { predefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
            targetValue: scaling.targetInvocationsPerInstance,
            scaleInCooldown: scaling.scaleInCooldownSeconds,
            scaleOutCooldown: scaling.scaleOutCooldownSeconds,
          },
        },
        parent,
      );
    }

    this.footprint = modelEndpointFootprint(config, role.arn, modelRoleName(name));
    this.instanceCounts = counts;
    this.endpointName = endpoint.name;
    this.endpointArn = endpoint.arn;
    this.endpointConfigName = endpointConfig.name;
    this.modelPackageArn = pulumi.output(config.variants[0].modelPackage.arn);
    this.modelPackageArns = pulumi.output(
      Object.fromEntries(served.map((variant) => [variant.name, variant.modelPackage.arn])),
    );
    this.alarmNames = pulumi.all(alarms.map((alarm) => alarm.name));
    this.dataCaptureUri = capture.enabled ? captureUri : pulumi.output(undefined);
    this.roleArn = role.arn;
    this.registerOutputs({
      endpointName: this.endpointName,
      endpointArn: this.endpointArn,
      endpointConfigName: this.endpointConfigName,
      modelPackageArn: this.modelPackageArn,
      modelPackageArns: this.modelPackageArns,
      alarmNames: this.alarmNames,
      dataCaptureUri: this.dataCaptureUri,
      roleArn: this.roleArn,
    });
  }
}
