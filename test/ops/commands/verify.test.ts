import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { expectedVariants, verifyCommand, verifyEndpoint } from "../../../ops/commands/verify";
import { EXIT } from "../../../ops/errors";
import { loadTarget } from "../../../ops/stack";
import type { DeployedEndpoint } from "../../../ops/stackOutputs";
import {
  collector,
  configOf,
  modelOf,
  packageArn,
  rejectsWithExit,
  STAGING_GROUP,
  tempDir,
  testIo,
  writeOutputs,
} from "../helpers";

const deployed = (name: string, configVersion: number, packageVersion: number): DeployedEndpoint => ({
  name,
  configName: configOf(configVersion),
  modelPackageArn: packageArn(packageVersion),
});

describe("ops verify", function () {
  // Against endpoints created in moto (match, rolled back, wrong package, extra or missing variants,
  // missing endpoint): endpointChecks.test.ts.
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("expects the primary variant to serve the outputs' package, challengers and a pinned shadow theirs", function () {
    const model = loadTarget("prod", "diagnosis").model;
    const endpoint = deployed(STAGING_GROUP, 2, 2);
    assert.deepEqual(expectedVariants(model, endpoint), [
      { name: "primary", modelPackageArn: packageArn(2) },
    ]);
    const challenged = {
      ...model,
      endpoint: {
        ...model.endpoint,
        variantName: "blue",
        challengers: [{ ...model.endpoint, name: "green", modelPackage: packageArn(1), weight: 1 }],
        shadow: {
          name: "shadow",
          modelPackage: "latest-approved",
          samplingPercentage: 50,
          instanceType: "ml.m5.large",
          initialInstanceCount: 1,
        },
      },
    } as typeof model;
    assert.deepEqual(expectedVariants(challenged, endpoint), [
      { name: "blue", modelPackageArn: packageArn(2) },
      { name: "green", modelPackageArn: packageArn(1) },
      // latest-approved at deploy time: the outputs do not record which version that was.
      { name: "shadow", modelPackageArn: undefined },
    ]);
  });

  it("reports an endpoint that is not InService, with its failure reason (aws-sdk-client-mock: moto's endpoints are always InService)", async function () {
    const client = new SageMakerClient({
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    });
    const mock = mockClient(client);
    mock.on(DescribeEndpointCommand).resolves({
      EndpointName: `${STAGING_GROUP}-current`,
      EndpointConfigName: configOf(2),
      EndpointStatus: "Failed",
      FailureReason:
        "The primary container for production variant primary did not pass the ping health check.",
    });
    mock.on(DescribeEndpointConfigCommand).resolves({
      EndpointConfigName: configOf(2),
      ProductionVariants: [{ VariantName: "primary", ModelName: modelOf(2) }],
    });
    mock
      .on(DescribeModelCommand)
      .resolves({ ModelName: modelOf(2), PrimaryContainer: { ModelPackageName: packageArn(2) } });
    const out = collector();

    const code = await verifyEndpoint(client, out, {
      stack: "staging",
      model: "diagnosis",
      endpoint: deployed(`${STAGING_GROUP}-current`, 2, 2),
      variants: [{ name: "primary", modelPackageArn: packageArn(2) }],
    });

    assert.equal(code, EXIT.failed);
    assert.match(
      out.text(),
      / {2}MISMATCH {2}status: expected InService, live Failed \(The primary container for production variant primary did not pass the ping health check\.\)\n/,
    );
    mock.restore();
  });

  it("fails (exit 1) when the stack deployed no endpoint for the model", async function () {
    const outputs = writeOutputs(dir, "none.json", null);
    await rejectsWithExit(
      verifyCommand.run(
        ["staging", "diagnosis", "--outputs", outputs],
        testIo(() => assert.fail("no client should be made")),
      ),
      EXIT.failed,
      'stack staging deployed no endpoint for model "diagnosis" (models.diagnosis.endpoint is null: the model ' +
        "registry had no approved version at the last `pulumi up`)",
    );
  });
});
