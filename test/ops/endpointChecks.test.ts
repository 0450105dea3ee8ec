import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { closeClients } from "../../ops/clients";
import { smokeTest, smokeTestCommand } from "../../ops/commands/smokeTest";
import { verifyCommand, verifyEndpoint, type ExpectedVariant } from "../../ops/commands/verify";
import { EXIT } from "../../ops/errors";
import type { DeployedEndpoint } from "../../ops/stackOutputs";
import { startMotoServer, testClient, type MotoServer } from "../helpers/motoServer";
import { SAMPLE_DATA } from "../../ops/sampleData";
import {
  collector,
  configOf,
  fakeClock,
  localClients,
  modelOf,
  packageArn,
  STAGING_GROUP,
  tempDir,
  testIo,
  writeOutputs,
} from "./helpers";

/** The variants of the staging stack: `primary` only. */
const primaryServing = (version: number): ExpectedVariant[] => [
  { name: "primary", modelPackageArn: packageArn(version) },
];
const BINARY = { min: 0, max: 1, because: "objective binary:logistic" };
const deployed = (name: string, configVersion: number, packageVersion: number): DeployedEndpoint => ({
  name,
  configName: configOf(configVersion),
  modelPackageArn: packageArn(packageVersion),
});

describe("ops verify and smoke-test against moto", function () {
  this.timeout(20_000);
  let moto: MotoServer;
  let admin: SageMakerClient;
  let clients: ReturnType<typeof localClients>;
  const dir = tempDir();

  before(async function () {
    moto = await startMotoServer();
    admin = testClient(moto.endpoint);
    await admin.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: STAGING_GROUP }));
    for (const version of [1, 2]) {
      await admin.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: STAGING_GROUP,
          ModelApprovalStatus: "Approved",
          InferenceSpecification: {
            Containers: [{ Image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1" }],
            SupportedContentTypes: ["text/csv"],
            SupportedResponseMIMETypes: ["text/csv"],
          },
        }),
      );
      // As ModelEndpoint creates them: one model per variant, from the package.
      await admin.send(
        new CreateModelCommand({
          ModelName: modelOf(version),
          ExecutionRoleArn: "arn:aws:iam::123456789012:role/mlops-staging-diagnosis-model-role",
          PrimaryContainer: { ModelPackageName: packageArn(version) },
        }),
      );
      await admin.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: configOf(version),
          ProductionVariants: [
            {
              VariantName: "primary",
              ModelName: modelOf(version),
              InstanceType: "ml.t2.medium",
              InitialInstanceCount: 1,
            },
          ],
        }),
      );
    }
    // A configuration with a variant the stack does not deploy.
    await admin.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: configOf(3),
        ProductionVariants: [
          {
            VariantName: "primary",
            ModelName: modelOf(2),
            InstanceType: "ml.t2.medium",
            InitialInstanceCount: 1,
          },
          {
            VariantName: "candidate",
            ModelName: modelOf(1),
            InstanceType: "ml.t2.medium",
            InitialInstanceCount: 1,
          },
        ],
      }),
    );
    const endpoints: [string, number][] = [
      ["current", 2],
      ["rolled-back", 1],
      ["extra-variant", 3],
    ];
    for (const [name, version] of endpoints) {
      await admin.send(
        new CreateEndpointCommand({
          EndpointName: `${STAGING_GROUP}-${name}`,
          EndpointConfigName: configOf(version),
        }),
      );
    }
  });
  beforeEach(function () {
    clients = localClients(moto.endpoint);
  });
  afterEach(function () {
    clients.made.forEach(closeClients);
  });
  after(async function () {
    admin?.destroy();
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const verify = async (endpoint: DeployedEndpoint, variants = primaryServing(2)) => {
    const out = collector();
    const sageMaker = clients({ region: "us-east-1" }).sageMaker;
    const code = await verifyEndpoint(sageMaker, out, {
      stack: "staging",
      model: "diagnosis",
      endpoint,
      variants,
    });
    return { code, text: out.text() };
  };

  it("passes when the endpoint runs the configuration and package the stack deployed (from --outputs)", async function () {
    const outputs = writeOutputs(dir, "current.json", deployed(`${STAGING_GROUP}-current`, 2, 2));
    const io = testIo(clients);

    assert.equal(await verifyCommand.run(["staging", "diagnosis", "--outputs", outputs], io), EXIT.ok);
    assert.equal(
      io.out.text(),
      [
        `Endpoint ${STAGING_GROUP}-current (stack staging, model diagnosis)`,
        "  ok        status InService",
        `  ok        endpoint config ${configOf(2)}`,
        `  ok        variant primary serves ${packageArn(2)}`,
        "Verified: the endpoint runs what stack staging deployed.",
        "",
      ].join("\n"),
    );
  });

  it("reports a rolled-back update with both configuration names and both packages", async function () {
    const { code, text } = await verify(deployed(`${STAGING_GROUP}-rolled-back`, 2, 2));

    assert.equal(code, EXIT.failed);
    assert.equal(
      text,
      [
        `Endpoint ${STAGING_GROUP}-rolled-back (stack staging, model diagnosis)`,
        "  ok        status InService",
        `  MISMATCH  endpoint config: expected ${configOf(2)} (deployed by the stack), live ${configOf(1)} ` +
          "(SageMaker rolled the update back)",
        `  MISMATCH  variant primary model package: expected ${packageArn(2)} (deployed by the stack), live ` +
          `${packageArn(1)} (model ${modelOf(1)})`,
        "2 mismatches: the endpoint does not run what stack staging deployed.",
        `AWS rolled the update back: the endpoint serves ${configOf(1)} again, while stack staging records ${configOf(2)}.`,
        // moto records no reason: a rollback with one is in verify.test.ts.
        "  Reason (DescribeEndpoint FailureReason): none given",
        "To recover:",
        "  1. Find the cause: the reason above, the history of the rollback alarms, and the endpoint's logs " +
          `(CloudWatch log group /aws/sagemaker/Endpoints/${STAGING_GROUP}-rolled-back).`,
        `  2. pulumi refresh --stack staging --yes   records that the endpoint runs ${configOf(1)} (the stack ` +
          "keeps replaced configurations, so it still exists).",
        "  3. Either fix the cause and deploy the same version again: pulumi up --stack staging",
        "     or keep serving the previous version: npm run ops -- reject diagnosis --stack staging --package " +
          `${packageArn(2)} --reason "rolled back: <cause>" (or pin ${packageArn(1)} as endpoint.modelPackage of ` +
          "model diagnosis in Pulumi.staging.yaml), then pulumi up --stack staging.",
        "",
      ].join("\n"),
    );
  });

  it("reports a variant serving another package than the stack's", async function () {
    const { code, text } = await verify(deployed(`${STAGING_GROUP}-rolled-back`, 1, 2));

    assert.equal(code, EXIT.failed);
    assert.match(text, new RegExp(`  ok        endpoint config ${configOf(1)}\n`));
    assert.match(
      text,
      new RegExp(
        `  MISMATCH  variant primary model package: expected ${packageArn(2)} \\(deployed by the stack\\), live ${packageArn(1)}`,
      ),
    );
    assert.match(text, /^1 mismatch: /m);
  });

  it("reports variants the stack did not deploy, and expected variants that are missing", async function () {
    const challenger: ExpectedVariant = { name: "challenger-a", modelPackageArn: packageArn(1) };
    const { code, text } = await verify(deployed(`${STAGING_GROUP}-extra-variant`, 3, 2), [
      ...primaryServing(2),
      challenger,
    ]);

    assert.equal(code, EXIT.failed);
    assert.deepEqual(text.split("\n").slice(3, 6), [
      `  ok        variant primary serves ${packageArn(2)}`,
      `  MISMATCH  variant candidate: not deployed by the stack, live serves ${packageArn(1)} (model ${modelOf(1)})`,
      `  MISMATCH  variant challenger-a: expected (serving ${packageArn(1)}), live endpoint config ${configOf(3)} has no such variant`,
    ]);
  });

  it("reports an endpoint that does not exist", async function () {
    const { code, text } = await verify(deployed(`${STAGING_GROUP}-deleted`, 2, 2));

    assert.equal(code, EXIT.failed);
    assert.match(
      text,
      new RegExp(
        `  MISMATCH  endpoint: expected ${STAGING_GROUP}-deleted \\(deployed by the stack\\), live: it does not exist\n`,
      ),
    );
  });

  describe("smoke-test on moto's sagemaker-runtime (this file's server: both endpoint commands share it)", function () {
    /**
     * Queues InvokeEndpoint answers in moto, in the order of the requests (moto-api endpoint-results).
     * moto answers a request body it has seen before with the same answer, whatever the endpoint, so
     * each test sends rows of its own.
     */
    const queueAnswers = async (...bodies: string[]) => {
      const response = await fetch(`${moto.endpoint}/moto-api/static/sagemaker/endpoint-results`, {
        method: "POST",
        body: JSON.stringify({
          results: bodies.map((Body) => ({ Body, ContentType: "text/csv; charset=utf-8" })),
        }),
      });
      assert.equal(response.status, 201);
    };
    const runtime = () => clients({ region: "us-east-1" }).runtime;

    it("sends sample rows without the target to the deployed endpoint and passes on one score per row", async function () {
      const outputs = writeOutputs(dir, "outputs.json", {
        name: `${STAGING_GROUP}-passing`,
        configName: `${STAGING_GROUP}-config-1a2b3c4`,
        modelPackageArn: `arn:aws:sagemaker:us-east-1:123456789012:model-package/${STAGING_GROUP}/3`,
      });
      // moto answers each new request body with the next queued answer: the batch, then each row.
      await queueAnswers("0.993\n0.021\n0.87", "0.993", "0.021", "0.87");
      const io = testIo(clients);

      const code = await smokeTestCommand.run(
        ["staging", "diagnosis", "--outputs", outputs, "--rows", "3", "--max-latency-ms", "600000"],
        io,
      );

      assert.equal(code, EXIT.ok, io.out.text());
      const lines = io.out.text().split("\n");
      assert.deepEqual(lines.slice(0, 3), [
        `Endpoint ${STAGING_GROUP}-passing: 3 rows of ${SAMPLE_DATA}`,
        "  ok      one request with 3 rows: 3 scores, all in [0, 1] (objective binary:logistic)",
        "  ok      3 single-row requests: one score each, all in [0, 1] (objective binary:logistic)",
      ]);
      assert.match(lines[3] ?? "", /^ {2}ok {6}latency: p50 \d+ ms, p99 \d+ ms \(limit 600000 ms for p99\)$/);
      assert.deepEqual(lines.slice(4), ["Scores: 0.993, 0.021, 0.87", "Smoke test passed.", ""]);
    });

    it("fails on a missing score, a score that is not a number and one outside [0, 1]", async function () {
      await queueAnswers("0.9,0.1", "0.4", "abc", "1.7");
      const out = collector();

      const code = await smokeTest(runtime(), out, {
        endpointName: `${STAGING_GROUP}-wrong-answers`,
        rows: ["1,2", "3,4", "5,6"],
        maxLatencyMs: 600_000,
        scoreRange: BINARY,
        clock: fakeClock(5),
      });

      assert.equal(code, EXIT.failed);
      assert.equal(
        out.text(),
        [
          "  FAILED  one request with 3 rows:",
          '            2 scores for 3 rows (answer "0.9,0.1")',
          "  FAILED  3 single-row requests:",
          '            row 2: score "abc" is not a number',
          "            row 3: score 1.7 is outside [0, 1]",
          "  ok      latency: p50 5 ms, p99 5 ms (limit 600000 ms for p99)",
          "Scores: 0.9, 0.1",
          "Smoke test failed: 3 problems.",
          "",
        ].join("\n"),
      );
    });
  });
});
