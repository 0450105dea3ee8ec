import assert from "node:assert/strict";
import fc from "fast-check";
import {
  configurationDigest,
  DigestInput,
  instanceCounts,
  LiveEndpoint,
  LiveFleet,
} from "../../../components/endpoint/fleet";
import { ModelEndpoint, ModelEndpointArgs } from "../../../components/endpoint/modelEndpoint";
import { named, recordResources, settle } from "../../helpers/mocks";
import { TEST_ACCOUNT, TEST_BOUNDARY_ARN } from "../../helpers/account";

const NAME = "mlops-prod-diagnosis";
const packageArn = (version: number) =>
  `arn:aws:sagemaker:us-east-1:123456789012:model-package/${NAME}/${version}`;
const LIVE_CONFIG = `${NAME}-config-1a2b3c4`;

/** Prod's endpoint: two instances at first, autoscaled between 2 and 10. */
const PROD: DigestInput = {
  variants: [
    {
      name: "primary",
      modelPackage: { arn: packageArn(7) },
      weight: 1,
      instanceType: "ml.m5.xlarge",
      initialInstanceCount: 2,
      autoscaling: { minCapacity: 2, maxCapacity: 10 },
    },
  ],
  dataCapture: { enabled: true, samplingPercentage: 20, prefix: "data-capture" },
};

/** The live endpoint running `digest`'s configuration (created with 2), scaled by the autoscaler to `fleet`. */
const live = (fleet: number, digest?: string): LiveFleet => ({
  source: "endpoint",
  endpoint: {
    endpointConfigName: LIVE_CONFIG,
    ...(digest === undefined ? {} : { configurationDigest: digest }),
    variants: [{ name: "primary", instanceCount: fleet, configuredInstanceCount: 2 }],
  },
});
/** PROD serving another package: what a new approved version deploys. */
const newVersion = (input: DigestInput): DigestInput => ({
  ...input,
  variants: input.variants.map((variant) => ({ ...variant, modelPackage: { arn: packageArn(8) } })),
});

describe("configurationDigest", () => {
  it("is 16 hex characters, the same for the same settings", () => {
    assert.match(configurationDigest(PROD), /^[0-9a-f]{16}$/);
    assert.equal(configurationDigest({ ...PROD }), configurationDigest(PROD));
  });

  it("changes with every setting of the configuration, and not with anything else", () => {
    const variant = PROD.variants[0];
    const changed: DigestInput[] = [
      newVersion(PROD),
      { ...PROD, variants: [{ ...variant, name: "blue" }] },
      { ...PROD, variants: [{ ...variant, weight: 2 }] },
      { ...PROD, variants: [{ ...variant, instanceType: "ml.m5.2xlarge" }] },
      { ...PROD, variants: [{ ...variant, initialInstanceCount: 3 }] },
      { ...PROD, variants: [{ ...variant, autoscaling: { minCapacity: 2, maxCapacity: 12 } }] },
      {
        ...PROD,
        variants: [variant, { ...variant, name: "challenger", modelPackage: { arn: packageArn(6) } }],
      },
      { ...PROD, shadow: { ...variant, name: "shadow", samplingPercentage: 50 } },
      { ...PROD, dataCapture: { ...PROD.dataCapture, samplingPercentage: 30 } },
      { ...PROD, dataCapture: { ...PROD.dataCapture, enabled: false } },
      { ...PROD, network: { subnetIds: ["subnet-0a1b2c3d"], securityGroupIds: ["sg-0a1b2c3d"] } },
    ];
    const digests = new Set([PROD, ...changed].map(configurationDigest));
    assert.equal(digests.size, changed.length + 1);
  });
});

describe("instanceCounts", () => {
  it("without a live fleet, starts from the configured count and says why", () => {
    for (const [fleet, why] of [
      [{ source: "none" }, "the endpoint does not exist yet"],
      [{ source: "offline" }, "offline, no live endpoint is read"],
    ] as const) {
      assert.deepEqual(instanceCounts(PROD, fleet), [
        { variant: "primary", count: 2, reason: `2 instances, the configured initialInstanceCount: ${why}` },
      ]);
    }
  });

  it("a new configuration starts with the live fleet: scaled to 7, it starts with 7", () => {
    assert.deepEqual(instanceCounts(newVersion(PROD), live(7, configurationDigest(PROD))), [
      {
        variant: "primary",
        count: 7,
        reason:
          "7 instances: the live fleet runs 7 instances, and the new configuration starts at that size " +
          "so that it can take the traffic at once",
      },
    ]);
  });

  it("bounds the live fleet by the variant's autoscaling minimum and maximum", () => {
    const [above] = instanceCounts(
      { ...PROD, variants: [{ ...PROD.variants[0], autoscaling: { minCapacity: 2, maxCapacity: 6 } }] },
      live(7, configurationDigest(PROD)),
    );
    assert.equal(above.count, 6);
    assert.match(
      above.reason,
      /^6 instances: the live fleet runs 7 instances lowered to autoscaling\.maxCapacity 6, /,
    );
    const [below] = instanceCounts(
      { ...PROD, variants: [{ ...PROD.variants[0], autoscaling: { minCapacity: 4, maxCapacity: 10 } }] },
      live(3, configurationDigest(PROD)),
    );
    assert.equal(below.count, 4);
    assert.match(
      below.reason,
      /^4 instances: the live fleet runs 3 instances raised to autoscaling\.minCapacity 4, /,
    );
  });

  it("an unchanged configuration keeps the live configuration's count, so a resized fleet deploys nothing", () => {
    assert.deepEqual(instanceCounts(PROD, live(7, configurationDigest(PROD))), [
      {
        variant: "primary",
        count: 2,
        reason:
          `2 instances, as in live configuration ${LIVE_CONFIG}, which stays: the autoscaler resizes ` +
          "the fleet (now 7 instances) without a new deployment",
      },
    ]);
  });

  it("a live configuration without a digest (made before it, or by hand) counts as changed", () => {
    assert.equal(instanceCounts(PROD, live(7))[0].count, 7);
  });

  it("variants that are not autoscaled, new or serverless keep their configured count (serverless has none)", () => {
    const [fixed] = PROD.variants.map(({ autoscaling, ...variant }) => ({
      ...variant,
      initialInstanceCount: 3,
    }));
    const fleet = live(7, "0000000000000000");
    assert.deepEqual(instanceCounts({ ...PROD, variants: [fixed] }, fleet), [
      {
        variant: "primary",
        count: 3,
        reason: "3 instances, the configured initialInstanceCount: the variant is not autoscaled",
      },
    ]);
    const challenger = { ...PROD.variants[0], name: "challenger", initialInstanceCount: 1 };
    assert.deepEqual(instanceCounts({ ...PROD, variants: [PROD.variants[0], challenger] }, fleet)[1], {
      variant: "challenger",
      count: 1,
      reason:
        '1 instance, the configured initialInstanceCount: the live endpoint has no variant "challenger" yet',
    });
    const serverless = {
      name: "primary",
      modelPackage: { arn: packageArn(7) },
      serverless: { memorySizeInMb: 2048, maxConcurrency: 5 },
    };
    assert.deepEqual(instanceCounts({ ...PROD, variants: [serverless] }, fleet), []);
  });

  it("never leaves an autoscaled variant's bounds, whatever the live fleet and settings", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.boolean(),
        (min, span, fleet, configured, sameDigest) => {
          const max = min + span;
          const input: DigestInput = {
            ...PROD,
            variants: [
              {
                ...PROD.variants[0],
                initialInstanceCount: min,
                autoscaling: { minCapacity: min, maxCapacity: max },
              },
            ],
          };
          const endpoint: LiveEndpoint = {
            endpointConfigName: LIVE_CONFIG,
            configurationDigest: sameDigest ? configurationDigest(input) : "0000000000000000",
            variants: [{ name: "primary", instanceCount: fleet, configuredInstanceCount: configured }],
          };
          const [choice] = instanceCounts(input, { source: "endpoint", endpoint });
          return choice.count >= min && choice.count <= max;
        },
      ),
    );
  });
});

describe("ModelEndpoint with a live fleet", () => {
  const args = (live: LiveFleet, version = 8): ModelEndpointArgs => ({
    account: TEST_ACCOUNT,
    variants: [
      {
        name: "primary",
        modelPackage: {
          arn: packageArn(version),
          containers: [{ image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1" }],
        },
        instanceType: "ml.m5.xlarge",
        initialInstanceCount: 2,
        autoscaling: { minCapacity: 2, maxCapacity: 10 },
      },
    ],
    kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666",
    permissionsBoundaryArn: TEST_BOUNDARY_ARN,
    alertTopicArn: `arn:aws:sns:us-east-1:123456789012:${NAME}-alerts`,
    dataCapture: { bucketName: `${NAME}-data-1a2b3c4`, samplingPercentage: 20 },
    tags: { Environment: "prod" },
    live,
  });
  const configOf = async (live: LiveFleet, version?: number) => {
    const recorded = recordResources();
    const endpoint = new ModelEndpoint(NAME, args(live, version));
    await settle(recorded);
    const inputs = named(recorded, `${NAME}-config`).inputs;
    return {
      endpoint,
      counts: (inputs.productionVariants as { initialInstanceCount: number }[]).map(
        (v) => v.initialInstanceCount,
      ),
      digest: (inputs.tags as Record<string, string>).ConfigurationDigest,
    };
  };

  it("creates the new configuration with the live fleet's count, and tags it with its digest", async () => {
    const first = await configOf({ source: "none" }, 7);
    assert.deepEqual(first.counts, [2]);
    const scaled = await configOf(live(7, first.digest));
    assert.deepEqual(scaled.counts, [7]);
    assert.notEqual(scaled.digest, first.digest);
    assert.deepEqual(
      scaled.endpoint.instanceCounts.map(({ variant, count }) => ({ variant, count })),
      [{ variant: "primary", count: 7 }],
    );
    assert.deepEqual((await configOf(live(12, first.digest))).counts, [10]);
    // The same version again: the configuration Pulumi already has, whatever the autoscaler did since.
    assert.deepEqual((await configOf(live(7, first.digest), 7)).counts, [2]);
  });
});
