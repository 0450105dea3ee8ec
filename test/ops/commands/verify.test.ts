import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  SageMakerClient,
  type DescribeEndpointCommandOutput,
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

  describe("after a blue/green update (aws-sdk-client-mock: moto records no deployment, reason or pending update)", function () {
    const client = new SageMakerClient({
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    });
    const mock = mockClient(client);
    const ENDPOINT = "mlops-prod-diagnosis";
    beforeEach(function () {
      mock.reset();
      mock.on(DescribeEndpointConfigCommand).resolves({
        EndpointConfigName: configOf(1),
        ProductionVariants: [{ VariantName: "primary", ModelName: modelOf(1) }],
      });
      mock
        .on(DescribeModelCommand)
        .resolves({ ModelName: modelOf(1), PrimaryContainer: { ModelPackageName: packageArn(1) } });
    });
    after(function () {
      mock.restore();
    });
    const verify = async () => {
      const out = collector();
      const code = await verifyEndpoint(client, out, {
        stack: "prod",
        model: "diagnosis",
        endpoint: deployed(ENDPOINT, 2, 2),
        variants: [{ name: "primary", modelPackageArn: packageArn(2) }],
      });
      return { code, text: out.text() };
    };

    it("a silent rollback: says AWS rolled back, why, which alarms watched, and exactly how to recover", async function () {
      // DescribeEndpoint after SageMaker rolled a canary back: InService on the previous
      // configuration, FailureReason set ("InService but update operation fails").
      mock.on(DescribeEndpointCommand).resolves({
        EndpointName: ENDPOINT,
        EndpointConfigName: configOf(1),
        EndpointStatus: "InService",
        FailureReason: `Auto-rollback alarm ${ENDPOINT}-primary-model-latency-p99 was triggered during the deployment.`,
        LastDeploymentConfig: {
          AutoRollbackConfiguration: {
            Alarms: [
              { AlarmName: `${ENDPOINT}-primary-5xx-errors` },
              { AlarmName: `${ENDPOINT}-primary-model-latency-p99` },
            ],
          },
        },
      });

      const { code, text } = await verify();

      assert.equal(code, EXIT.failed);
      assert.equal(
        text,
        [
          `Endpoint ${ENDPOINT} (stack prod, model diagnosis)`,
          "  ok        status InService",
          `  MISMATCH  endpoint config: expected ${configOf(2)} (deployed by the stack), live ${configOf(1)} ` +
            "(SageMaker rolled the update back)",
          `  MISMATCH  variant primary model package: expected ${packageArn(2)} (deployed by the stack), live ` +
            `${packageArn(1)} (model ${modelOf(1)})`,
          "2 mismatches: the endpoint does not run what stack prod deployed.",
          `AWS rolled the update back: the endpoint serves ${configOf(1)} again, while stack prod records ${configOf(2)}.`,
          `  Reason (DescribeEndpoint FailureReason): Auto-rollback alarm ${ENDPOINT}-primary-model-latency-p99 ` +
            "was triggered during the deployment.",
          `  Rollback alarms: ${ENDPOINT}-primary-5xx-errors, ${ENDPOINT}-primary-model-latency-p99`,
          "To recover:",
          "  1. Find the cause: the reason above, the history of the rollback alarms, and the endpoint's logs " +
            `(CloudWatch log group /aws/sagemaker/Endpoints/${ENDPOINT}).`,
          `  2. pulumi refresh --stack prod --yes   records that the endpoint runs ${configOf(1)} (the stack ` +
            "keeps replaced configurations, so it still exists).",
          "  3. Either fix the cause and deploy the same version again: pulumi up --stack prod",
          "     or keep serving the previous version: npm run ops -- reject diagnosis --stack prod --package " +
            `${packageArn(2)} --reason "rolled back: <cause>" (or pin ${packageArn(1)} as endpoint.modelPackage of ` +
            "model diagnosis in Pulumi.prod.yaml), then pulumi up --stack prod.",
          "",
        ].join("\n"),
      );
    });

    it("an update still under way is no rollback: it says to verify again once the endpoint is InService", async function () {
      const cases: [Partial<DescribeEndpointCommandOutput>, string][] = [
        [{ EndpointStatus: "Updating" }, "status Updating"],
        [
          {
            EndpointStatus: "InService",
            PendingDeploymentSummary: { EndpointConfigName: configOf(2), ProductionVariants: [] },
          },
          `status InService, deploying ${configOf(2)}`,
        ],
      ];
      for (const [live, state] of cases) {
        mock
          .on(DescribeEndpointCommand)
          .resolves({ EndpointName: ENDPOINT, EndpointConfigName: configOf(1), ...live });
        const { code, text } = await verify();
        assert.equal(code, EXIT.failed);
        assert.ok(
          text.includes(
            `  MISMATCH  endpoint config: expected ${configOf(2)} (deployed by the stack), live ${configOf(1)} ` +
              `(the endpoint is changing, ${state}: verify again once it is InService)\n`,
          ),
          text,
        );
        assert.doesNotMatch(text, /rolled the update back|To recover/);
      }
    });
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
