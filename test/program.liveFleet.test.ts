import assert from "node:assert/strict";
import {
  AddTagsCommand,
  CreateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import * as pulumi from "@pulumi/pulumi";
import { ModelPackageLookupError } from "../registry/errors";
import { named, recordResources, settle } from "./helpers/mocks";
import { createPrimaryConfig, createServedModel } from "./helpers/deployedEndpoint";
import { startAwsJsonProxy, testClient } from "./helpers/motoServer";
import { loadProgram, runProgram, startSeededRegistry } from "./helpers/program";
import { stackFileConfig } from "./helpers/stackFiles";

const ENDPOINT = "mlops-prod-diagnosis";
const LIVE_CONFIG = `${ENDPOINT}-config-1a2b3c4`;
const LIVE_CONFIG_ARN = `arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/${LIVE_CONFIG}`;

/** Runs the prod stack as `pulumi preview` would against the live account (moto). */
async function previewProd() {
  const { recorded, infos: all } = await runProgram("prod", stackFileConfig("prod"));
  // Prod serves the version staging verified, which it says first; then each variant's count.
  assert.equal(
    all[0],
    'info: [runtime] Model "diagnosis": serves arn:aws:sagemaker:us-east-1:123456789012:model-package/' +
      'mlops-staging-diagnosis/1, verified in staging (CustomerMetadataProperties "lifecycle:staging": "Verified")',
  );
  const infos = all.slice(1);
  const config = named(recorded, `${ENDPOINT}-config`).inputs;
  return {
    counts: (config.productionVariants as { initialInstanceCount: number }[]).map(
      (v) => v.initialInstanceCount,
    ),
    digest: (config.tags as Record<string, string>).ConfigurationDigest,
    infos,
  };
}

describe("the program sizes a new endpoint configuration from the live fleet (prod, against moto)", function () {
  this.timeout(30_000);
  let registry: Awaited<ReturnType<typeof startSeededRegistry>> | undefined;
  let admin: SageMakerClient;
  const scaleTo = (count: number) =>
    admin.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: ENDPOINT,
        DesiredWeightsAndCapacities: [{ VariantName: "primary", DesiredInstanceCount: count }],
      }),
    );

  before(async function () {
    registry = await startSeededRegistry();
    admin = testClient(registry.moto.endpoint);
  });
  after(async function () {
    admin?.destroy();
    await registry?.stop();
  });

  it("a first deploy starts with the configured count, and says so", async function () {
    const { counts, infos } = await previewProd();
    assert.deepEqual(counts, [2]);
    assert.deepEqual(infos, [
      'info: [runtime] Model "diagnosis": variant primary starts with 2 instances, the configured ' +
        "initialInstanceCount: the endpoint does not exist yet",
    ]);
  });

  it("scaled to 7 by the autoscaler, a new version starts with 7; above the maximum, with the maximum", async function () {
    // The endpoint a previous deploy created (another version, no digest yet), then grown under load.
    await createServedModel(admin, {
      name: `${ENDPOINT}-primary-1a2b3c4`,
      packageArn: `arn:aws:sagemaker:us-east-1:123456789012:model-package/${ENDPOINT}/1`,
    });
    await createPrimaryConfig(admin, {
      name: LIVE_CONFIG,
      modelName: `${ENDPOINT}-primary-1a2b3c4`,
      instanceType: "ml.m5.xlarge",
      instanceCount: 2,
    });
    await admin.send(new CreateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: LIVE_CONFIG }));
    await scaleTo(7);

    const scaled = await previewProd();
    assert.deepEqual(scaled.counts, [7]);
    assert.deepEqual(scaled.infos, [
      'info: [runtime] Model "diagnosis": variant primary starts with 7 instances: the live fleet runs ' +
        "7 instances, and the new configuration starts at that size so that it can take the traffic at once",
    ]);

    // Prod's autoscaling.maxCapacity is 10.
    await scaleTo(12);
    const clamped = await previewProd();
    assert.deepEqual(clamped.counts, [10]);
    assert.match(
      clamped.infos[0],
      /starts with 10 instances: the live fleet runs 12 instances lowered to autoscaling\.maxCapacity 10, /,
    );
  });

  it("once the endpoint runs this very configuration, a resized fleet changes nothing", async function () {
    const { digest } = await previewProd();
    // What the deploy of that preview leaves: the live configuration carries the stack's digest.
    await admin.send(
      new AddTagsCommand({
        ResourceArn: LIVE_CONFIG_ARN,
        Tags: [{ Key: "ConfigurationDigest", Value: digest }],
      }),
    );
    await scaleTo(7);

    const unchanged = await previewProd();
    // The live configuration's own count: the same inputs as the state's, so no new configuration.
    assert.deepEqual(unchanged.counts, [2]);
    assert.equal(unchanged.digest, digest);
    assert.deepEqual(unchanged.infos, [
      'info: [runtime] Model "diagnosis": variant primary starts with 2 instances, as in live configuration ' +
        `${LIVE_CONFIG}, which stays: the autoscaler resizes the fleet (now 7 instances) without a new deployment`,
    ]);
  });

  it("creates nothing when the live endpoint cannot be read, and names the missing permission", async function () {
    const proxy = await startAwsJsonProxy(registry?.moto.endpoint ?? "");
    proxy.intercept = (request) =>
      request.operation === "DescribeEndpoint"
        ? {
            respond: {
              status: 400,
              body: {
                __type: "AccessDeniedException",
                message: "not authorized to perform sagemaker:DescribeEndpoint",
              },
            },
          }
        : undefined;
    const saved = process.env.AWS_ENDPOINT_URL_SAGEMAKER;
    process.env.AWS_ENDPOINT_URL_SAGEMAKER = proxy.endpoint;
    try {
      const recorded = recordResources("prod");
      pulumi.runtime.setAllConfig(stackFileConfig("prod"));
      await assert.rejects(loadProgram()(), (error: unknown) => {
        assert.ok(error instanceof ModelPackageLookupError);
        assert.equal(
          error.message,
          `Could not read endpoint "${ENDPOINT}" (the live fleet a new endpoint configuration starts with): access ` +
            "denied (AccessDeniedException: not authorized to perform sagemaker:DescribeEndpoint). The deploying " +
            "identity needs sagemaker:DescribeEndpoint, sagemaker:DescribeEndpointConfig and sagemaker:ListTags on " +
            "the stack's endpoints and endpoint configurations (arn:aws:sagemaker:<region>:<account>:endpoint/" +
            "<namePrefix>-* and endpoint-config/<namePrefix>-*).",
        );
        return true;
      });
      await settle(recorded);
      assert.deepEqual(recorded, []);
    } finally {
      process.env.AWS_ENDPOINT_URL_SAGEMAKER = saved;
      await proxy.close();
    }
  });

  it("refuses to leave out an endpoint that is serving when the registry gives it nothing to serve", async function () {
    // A stack whose registry has no approved version, while its endpoint serves traffic (made by hand here).
    const config = { ...stackFileConfig("staging"), "mlops:namePrefix": "fresh" };
    await createServedModel(admin, {
      name: "fresh-diagnosis-primary-1a2b3c4",
      packageArn: "arn:aws:sagemaker:us-east-1:123456789012:model-package/fresh-diagnosis/1",
    });
    await createPrimaryConfig(admin, {
      name: "fresh-diagnosis-config-1a2b3c4",
      modelName: "fresh-diagnosis-primary-1a2b3c4",
    });
    await admin.send(
      new CreateEndpointCommand({
        EndpointName: "fresh-diagnosis",
        EndpointConfigName: "fresh-diagnosis-config-1a2b3c4",
      }),
    );
    const recorded = recordResources("staging");
    pulumi.runtime.setAllConfig(config);
    await assert.rejects(loadProgram()(), (error: unknown) => {
      assert.ok(error instanceof ModelPackageLookupError);
      assert.equal(
        error.message,
        [
          "Nothing was changed: these endpoints serve traffic, and the registry gives them nothing to serve, so " +
            "`pulumi up` would delete them:",
          '  - models[0] "diagnosis": endpoint "fresh-diagnosis" is serving, but model package group ' +
            '"fresh-diagnosis" has no approved version yet, so endpoint "fresh-diagnosis" is not deployed. Run ' +
            'pipeline "fresh-diagnosis", approve the version you want in the model registry, then run `pulumi up` again.',
          "Approve (or verify) a version, or pin the one they serve in models[].endpoint.modelPackage; to delete an " +
            "endpoint on purpose, set models[].endpoint.enabled: false.",
        ].join("\n"),
      );
      return true;
    });
    await settle(recorded);
    assert.deepEqual(recorded, []);
  });
});
