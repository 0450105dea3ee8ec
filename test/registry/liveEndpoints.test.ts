import assert from "node:assert/strict";
import {
  CreateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { readLiveFleet } from "../../registry/liveEndpoints";
import {
  createPrimaryConfig,
  createServedModel,
  rejectsWithLookupError,
  THROTTLED,
} from "../helpers/deployedEndpoint";
import {
  startAwsJsonProxy,
  startMotoServer,
  testClient,
  type AwsJsonProxy,
  type MotoServer,
} from "../helpers/motoServer";

const ENDPOINT = "mlops-prod-diagnosis";
const CONFIG = `${ENDPOINT}-config-1a2b3c4`;
const PERMISSION =
  "sagemaker:DescribeEndpoint, sagemaker:DescribeEndpointConfig and sagemaker:ListTags on the stack's " +
  "endpoints and endpoint configurations (arn:aws:sagemaker:<region>:<account>:endpoint/<namePrefix>-* " +
  "and endpoint-config/<namePrefix>-*)";
const WHAT = `Could not read endpoint "${ENDPOINT}" (the live fleet a new endpoint configuration starts with): `;

describe("readLiveFleet", function () {
  this.timeout(20_000);
  let moto: MotoServer;
  let admin: SageMakerClient;
  let proxy: AwsJsonProxy;
  let client: SageMakerClient;

  before(async function () {
    moto = await startMotoServer();
    admin = testClient(moto.endpoint);
    proxy = await startAwsJsonProxy(moto.endpoint);
    client = testClient(proxy.endpoint, {
      retryStrategy: new ConfiguredRetryStrategy(3, () => 10),
    });
    // As ModelEndpoint creates them: an auto-named model and configuration, tagged with its digest.
    await createServedModel(admin, {
      name: `${ENDPOINT}-primary-1a2b3c4`,
      packageArn: `arn:aws:sagemaker:us-east-1:123456789012:model-package/${ENDPOINT}/7`,
    });
    await createPrimaryConfig(admin, {
      name: CONFIG,
      modelName: `${ENDPOINT}-primary-1a2b3c4`,
      instanceType: "ml.m5.xlarge",
      instanceCount: 2,
      tags: [
        { Key: "Model", Value: "diagnosis" },
        { Key: "ConfigurationDigest", Value: "425e65f2ca23639e" },
      ],
    });
    await admin.send(new CreateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: CONFIG }));
    // What the autoscaler does under load.
    await admin.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: ENDPOINT,
        DesiredWeightsAndCapacities: [{ VariantName: "primary", DesiredInstanceCount: 7 }],
      }),
    );
  });
  afterEach(function () {
    proxy.intercept = () => undefined;
  });
  after(async function () {
    client?.destroy();
    admin?.destroy();
    await proxy?.close();
    await moto?.stop();
  });

  it("reads an endpoint scaled to 7: its fleet, its configuration's count and digest", async function () {
    assert.deepEqual(await readLiveFleet(client, ENDPOINT), {
      source: "endpoint",
      endpoint: {
        endpointConfigName: CONFIG,
        configurationDigest: "425e65f2ca23639e",
        variants: [{ name: "primary", instanceCount: 7, configuredInstanceCount: 2 }],
      },
    });
    assert.deepEqual(
      proxy.requests.map((request) => request.operation),
      ["DescribeEndpoint", "DescribeEndpointConfig", "ListTags"],
    );
  });

  it("takes the larger of the current and desired counts while the autoscaler is scaling out", async function () {
    // moto's current and desired counts are always equal: the proxy answers with a DescribeEndpoint
    // response shaped like the API reference's, mid scale-out.
    proxy.intercept = (request) =>
      request.operation === "DescribeEndpoint"
        ? {
            respond: {
              status: 200,
              body: {
                EndpointName: ENDPOINT,
                EndpointArn: `arn:aws:sagemaker:us-east-1:123456789012:endpoint/${ENDPOINT}`,
                EndpointConfigName: CONFIG,
                EndpointStatus: "InService",
                CreationTime: 0,
                LastModifiedTime: 0,
                ProductionVariants: [
                  { VariantName: "primary", CurrentInstanceCount: 7, DesiredInstanceCount: 9 },
                ],
              },
            },
          }
        : undefined;
    const fleet = await readLiveFleet(client, ENDPOINT);
    assert.equal(fleet.source === "endpoint" && fleet.endpoint.variants[0].instanceCount, 9);
  });

  it("finds no endpoint before the first deploy", async function () {
    assert.deepEqual(await readLiveFleet(client, "mlops-prod-churn"), { source: "none" });
  });

  it("says which permissions are missing when access is denied", async function () {
    for (const operation of ["DescribeEndpoint", "ListTags"]) {
      proxy.intercept = (request) =>
        request.operation === operation
          ? {
              respond: {
                status: 400,
                body: {
                  __type: "AccessDeniedException",
                  message: `not authorized to perform sagemaker:${operation}`,
                },
              },
            }
          : undefined;
      await rejectsWithLookupError(
        readLiveFleet(client, ENDPOINT),
        `${WHAT}access denied (AccessDeniedException: not authorized to perform sagemaker:${operation}). ` +
          `The deploying identity needs ${PERMISSION}.`,
      );
    }
  });

  it("retries throttling, and fails with a clear message when it lasts", async function () {
    let throttled = 0;
    proxy.intercept = (request) =>
      request.operation === "DescribeEndpoint" && throttled++ < 2 ? THROTTLED : undefined;
    assert.equal((await readLiveFleet(client, ENDPOINT)).source, "endpoint");
    proxy.intercept = () => THROTTLED;
    await rejectsWithLookupError(
      readLiveFleet(client, ENDPOINT),
      `${WHAT}SageMaker is still throttling requests after 3 attempts (ThrottlingException: Rate exceeded). ` +
        "Wait a minute and run again, or run fewer deployments against this account and region at once.",
    );
  });
});
