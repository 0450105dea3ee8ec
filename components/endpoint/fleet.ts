import { createHash } from "node:crypto";
import type { NetworkScope } from "../shared/vpc";
import { VARIANT_DEFAULTS } from "./settings";

/**
 * Tag of each endpoint configuration: a digest of everything in it that the stack decides from
 * plain settings, except the instance counts of autoscaled variants. A preview compares the live
 * configuration's digest with the one it would create, to tell a new deployment from a fleet the
 * autoscaler merely resized.
 */
export const CONFIGURATION_DIGEST_TAG = "ConfigurationDigest";

/** One production variant of the live endpoint (DescribeEndpoint and DescribeEndpointConfig). */
export interface LiveVariant {
  readonly name: string;
  /** Instances the variant runs or is scaling to: the larger of CurrentInstanceCount and DesiredInstanceCount. */
  readonly instanceCount?: number;
  /** InitialInstanceCount of the variant in the live endpoint configuration. */
  readonly configuredInstanceCount?: number;
}

/** The endpoint as it runs, read at preview/up time. */
export interface LiveEndpoint {
  /** The configuration it runs (after a silent rollback, not the one the stack's state records). */
  readonly endpointConfigName: string;
  /** The {@link CONFIGURATION_DIGEST_TAG} of that configuration; none on a configuration made without it. */
  readonly configurationDigest?: string;
  readonly variants: readonly LiveVariant[];
}

/**
 * What is known of the live fleet: nothing offline, no endpoint yet (a first deploy), or the endpoint.
 * Pulumi's endpoint cannot carry the autoscaled fleet into a new configuration
 * (RetainAllVariantProperties, terraform-provider-aws #49069), so the stack sizes it from this.
 */
export type LiveFleet =
  | { readonly source: "offline" }
  | { readonly source: "none" }
  | { readonly source: "endpoint"; readonly endpoint: LiveEndpoint };

/** The parts of a variant that decide its configuration. */
export interface DigestVariant {
  readonly name: string;
  readonly modelPackage: { readonly arn: string };
  readonly weight?: number;
  readonly instanceType?: string;
  readonly initialInstanceCount?: number;
  readonly serverless?: {
    readonly memorySizeInMb: number;
    readonly maxConcurrency: number;
    readonly provisionedConcurrency?: number;
  };
  readonly autoscaling?: { readonly minCapacity: number; readonly maxCapacity: number };
}

/** The settings an endpoint configuration is made of, as far as they are plain values. */
export interface DigestInput {
  readonly variants: readonly DigestVariant[];
  readonly shadow?: DigestVariant & { readonly samplingPercentage: number };
  readonly dataCapture: {
    readonly enabled: boolean;
    readonly samplingPercentage: number;
    readonly prefix: string;
  };
  readonly network?: NetworkScope;
}

function variantFacts(variant: DigestVariant) {
  return {
    name: variant.name,
    modelPackage: variant.modelPackage.arn,
    weight: variant.weight ?? null,
    instanceType: variant.instanceType ?? null,
    initialInstanceCount: variant.serverless ? null : (variant.initialInstanceCount ?? null),
    serverless: variant.serverless
      ? {
          memorySizeInMb: variant.serverless.memorySizeInMb,
          maxConcurrency: variant.serverless.maxConcurrency,
          provisionedConcurrency: variant.serverless.provisionedConcurrency ?? null,
        }
      : null,
    autoscaling: variant.autoscaling
      ? { minCapacity: variant.autoscaling.minCapacity, maxCapacity: variant.autoscaling.maxCapacity }
      : null,
  };
}

/**
 * The {@link CONFIGURATION_DIGEST_TAG} value: 16 hex characters of a SHA-256 over the variants
 * (names, packages, weights, instance types, configured counts and scaling bounds), the shadow
 * variant, the capture settings and the network. The instance count a deployment actually starts
 * with is left out, so that a resized fleet does not look like a new deployment.
 */
export function configurationDigest(input: DigestInput): string {
  const canonical = JSON.stringify({
    variants: input.variants.map(variantFacts),
    shadow: input.shadow
      ? { ...variantFacts(input.shadow), samplingPercentage: input.shadow.samplingPercentage }
      : null,
    dataCapture: {
      enabled: input.dataCapture.enabled,
      samplingPercentage: input.dataCapture.samplingPercentage,
      prefix: input.dataCapture.prefix,
    },
    network: input.network
      ? { subnetIds: [...input.network.subnetIds], securityGroupIds: [...input.network.securityGroupIds] }
      : null,
  });
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

/** The instance count a variant's new configuration starts with, and why. */
export interface InstanceCountChoice {
  readonly variant: string;
  readonly count: number;
  readonly reason: string;
}

const instances = (count: number) => `${count} instance${count === 1 ? "" : "s"}`;

/**
 * The instance count of each instance-based production variant (serverless ones have none):
 *
 * - offline, with no endpoint yet, for a variant that is not autoscaled or that the live endpoint
 *   does not have: the configured `initialInstanceCount`;
 * - when the configuration stays the same (same digest): the live configuration's count, so that a
 *   fleet the autoscaler resized does not make a new configuration and a needless deployment;
 * - when the configuration changes: the live fleet's count, bounded by the variant's autoscaling
 *   minimum and maximum, so that the new fleet takes the traffic the old one was scaled for.
 */
export function instanceCounts(
  input: DigestInput,
  live: LiveFleet,
  digest: string = configurationDigest(input),
): InstanceCountChoice[] {
  return input.variants.flatMap((variant): InstanceCountChoice[] => {
    if (variant.serverless) return [];
    const configured = variant.initialInstanceCount ?? VARIANT_DEFAULTS.initialInstanceCount;
    const choose = (count: number, reason: string) => [{ variant: variant.name, count, reason }];
    const asConfigured = (why: string) =>
      choose(configured, `${instances(configured)}, the configured initialInstanceCount: ${why}`);
    if (live.source === "offline") return asConfigured("offline, no live endpoint is read");
    if (live.source === "none") return asConfigured("the endpoint does not exist yet");
    const scaling = variant.autoscaling;
    if (!scaling) return asConfigured("the variant is not autoscaled");
    const { endpoint } = live;
    const running = endpoint.variants.find((candidate) => candidate.name === variant.name);
    if (running?.instanceCount === undefined) {
      return asConfigured(`the live endpoint has no variant "${variant.name}" yet`);
    }
    const bounded = (count: number) => Math.min(scaling.maxCapacity, Math.max(scaling.minCapacity, count));
    const fleet = running.instanceCount;
    if (endpoint.configurationDigest === digest && running.configuredInstanceCount !== undefined) {
      const kept = bounded(running.configuredInstanceCount);
      return choose(
        kept,
        `${instances(kept)}, as in live configuration ${endpoint.endpointConfigName}, which stays: ` +
          `the autoscaler resizes the fleet (now ${instances(fleet)}) without a new deployment`,
      );
    }
    const count = bounded(fleet);
    const bound =
      count === fleet
        ? ""
        : count > fleet
          ? ` raised to autoscaling.minCapacity ${scaling.minCapacity}`
          : ` lowered to autoscaling.maxCapacity ${scaling.maxCapacity}`;
    return choose(
      count,
      `${instances(count)}: the live fleet runs ${instances(fleet)}${bound}, and the new configuration ` +
        "starts at that size so that it can take the traffic at once",
    );
  });
}
