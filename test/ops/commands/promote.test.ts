import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  SageMakerClient,
  SageMakerServiceException,
  UpdateModelPackageCommand,
  type DescribeEndpointCommandOutput,
  type DescribeModelPackageCommandOutput,
} from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { LIFECYCLE_STATUS, lifecycleMetadataKey } from "../../../components/shared/names";
import { closeClients } from "../../../ops/clients";
import { promoteCommand, promoteModelPackage } from "../../../ops/commands/promote";
import { EXIT } from "../../../ops/errors";
import { loadTarget } from "../../../ops/stack";
import {
  collector,
  configOf,
  localClients,
  modelOf,
  packageArn,
  rejectsWithExit,
  STAGING_GROUP,
  tempDir,
  testIo,
  writeOutputs,
} from "../helpers";

/** The URL the deploy workflow passes as --description. */
const RUN_URL = "https://github.com/example-org/mlops-platform/actions/runs/1";
const PROD_ENDPOINT = "mlops-prod-diagnosis";
/** Prod serves the package staging built, from staging's account. */
const STAGING_PACKAGE = `arn:aws:sagemaker:us-east-1:111111111111:model-package/${STAGING_GROUP}/4`;

/** SageMaker's answer for a resource that does not exist: a ValidationException saying so. */
const notFound = (message: string) =>
  new SageMakerServiceException({ name: "ValidationException", $fault: "client", $metadata: {}, message });

const accessDenied = (action: string) =>
  new SageMakerServiceException({
    name: "AccessDeniedException",
    $fault: "client",
    $metadata: {},
    message: `not authorized to perform: ${action}`,
  });

/** A model package version as DescribeModelPackage answers it (API reference), with its lifecycle records. */
const describedPackage = (
  arn: string,
  lifecycle: Partial<DescribeModelPackageCommandOutput> = {},
): DescribeModelPackageCommandOutput => ({
  ModelPackageName: STAGING_GROUP,
  ModelPackageGroupName: STAGING_GROUP,
  ModelPackageVersion: Number(arn.split("/").at(-1)),
  ModelPackageArn: arn,
  CreationTime: new Date(Date.UTC(2026, 0, 4)),
  ModelPackageStatus: "Completed",
  ModelPackageStatusDetails: { ValidationStatuses: [] },
  ModelApprovalStatus: "Approved",
  $metadata: {},
  ...lifecycle,
});

/**
 * moto 5 does not record ModelLifeCycle (UpdateModelPackage accepts it, DescribeModelPackage leaves it
 * out) and replaces CustomerMetadataProperties instead of merging them, so the command runs on
 * aws-sdk-client-mock with responses shaped as in the API reference: an endpoint `name` InService on
 * configOf(version), whose `primary` variant's model was created from `served`.
 */
function mockAccount(name: string, version: number, served: string) {
  const mock = mockClient(SageMakerClient);
  mock.on(DescribeEndpointCommand).resolves({
    EndpointName: name,
    EndpointArn: `arn:aws:sagemaker:us-east-1:123456789012:endpoint/${name}`,
    EndpointConfigName: configOf(version),
    EndpointStatus: "InService",
  });
  mock.on(DescribeEndpointConfigCommand).resolves({
    EndpointConfigName: configOf(version),
    ProductionVariants: [{ VariantName: "primary", ModelName: modelOf(version) }],
  });
  mock.on(DescribeModelCommand).resolves({
    ModelName: modelOf(version),
    PrimaryContainer: { ModelPackageName: served },
  });
  mock.on(DescribeModelPackageCommand).resolves(describedPackage(served));
  mock.on(UpdateModelPackageCommand).resolves({ ModelPackageArn: served });
  return mock;
}

describe("ops promote", function () {
  // Every client the command makes is a SageMakerClient: mockClient(SageMakerClient) answers for all of them.
  const dir = tempDir();
  const stagingOutputs = writeOutputs(dir, "staging.json", {
    name: STAGING_GROUP,
    configName: configOf(4),
    modelPackageArn: packageArn(4),
  });
  const prodOutputs = writeOutputs(dir, "prod.json", {
    name: PROD_ENDPOINT,
    configName: configOf(4),
    modelPackageArn: STAGING_PACKAGE,
  });
  let mock: ReturnType<typeof mockAccount> | undefined;
  let clients: ReturnType<typeof localClients>;
  beforeEach(function () {
    clients = localClients("http://127.0.0.1:9");
  });
  afterEach(function () {
    mock?.restore();
    mock = undefined;
    clients.made.forEach(closeClients);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const updates = () =>
    (mock?.commandCalls(UpdateModelPackageCommand) ?? []).map((call) => call.args[0].input);
  const described = () =>
    (mock?.commandCalls(DescribeModelPackageCommand) ?? []).map((call) => call.args[0].input);
  const promoteStaging = (...flags: string[]) => {
    const io = testIo(clients);
    return {
      io,
      run: promoteCommand.run(["staging", "diagnosis", "--outputs", stagingOutputs, ...flags], io),
    };
  };
  const unused = () => assert.fail("no client should be made");
  const advice =
    "Nothing was changed. Promotion follows a passed verify and smoke test: run " +
    "`npm run ops -- verify staging diagnosis`.";

  it("records the stage with UpdateModelPackage: ModelLifeCycle and the lifecycle:<stage> key, nothing else", async function () {
    mock = mockAccount(STAGING_GROUP, 4, packageArn(4));
    mock.on(DescribeModelPackageCommand).resolves(
      describedPackage(packageArn(4), {
        // What the pipeline registered: kept, as UpdateModelPackage merges the keys it is given.
        CustomerMetadataProperties: { GitCommit: "0123abc" },
      }),
    );
    const { io, run } = promoteStaging("--description", RUN_URL);

    assert.equal(await run, EXIT.ok);

    assert.deepEqual(mock.commandCalls(DescribeEndpointCommand)[0]?.args[0].input, {
      EndpointName: STAGING_GROUP,
    });
    assert.deepEqual(mock.commandCalls(DescribeEndpointConfigCommand)[0]?.args[0].input, {
      EndpointConfigName: configOf(4),
    });
    assert.deepEqual(mock.commandCalls(DescribeModelCommand)[0]?.args[0].input, { ModelName: modelOf(4) });
    assert.deepEqual(described(), [{ ModelPackageName: packageArn(4) }]);
    assert.deepEqual(updates(), [
      {
        ModelPackageArn: packageArn(4),
        ModelLifeCycle: { Stage: "staging", StageStatus: "Verified", StageDescription: RUN_URL },
        CustomerMetadataProperties: { "lifecycle:staging": "Verified" },
      },
    ]);
    assert.equal(
      io.out.text(),
      `Endpoint ${STAGING_GROUP} (stack staging, model diagnosis) serves ${packageArn(4)}\n` +
        `Promoted: stage staging, status Verified (${RUN_URL})\n`,
    );
  });

  it("changes nothing when the package already records the stage and status (a re-run)", async function () {
    mock = mockAccount(STAGING_GROUP, 4, packageArn(4));
    mock.on(DescribeModelPackageCommand).resolves(
      describedPackage(packageArn(4), {
        ModelLifeCycle: { Stage: "staging", StageStatus: "Verified", StageDescription: RUN_URL },
        CustomerMetadataProperties: { GitCommit: "0123abc", "lifecycle:staging": "Verified" },
      }),
    );

    for (const flags of [["--description", RUN_URL], []]) {
      const { io, run } = promoteStaging(...flags);
      assert.equal(await run, EXIT.ok);
      assert.equal(
        io.out.text(),
        `Endpoint ${STAGING_GROUP} (stack staging, model diagnosis) serves ${packageArn(4)}\n` +
          `Already promoted: stage staging, status Verified (${RUN_URL}); nothing changed.\n`,
      );
    }
    assert.deepEqual(updates(), []);
  });

  it("records it again when either record differs: another description, another stage, or no metadata key", async function () {
    const cases: [string, Partial<DescribeModelPackageCommandOutput>][] = [
      [
        "another description",
        {
          ModelLifeCycle: { Stage: "staging", StageStatus: "Verified", StageDescription: `${RUN_URL}0` },
          CustomerMetadataProperties: { "lifecycle:staging": "Verified" },
        },
      ],
      [
        "a later stage in ModelLifeCycle",
        {
          ModelLifeCycle: { Stage: "prod", StageStatus: "Deployed" },
          CustomerMetadataProperties: { "lifecycle:staging": "Verified", "lifecycle:prod": "Deployed" },
        },
      ],
      [
        "no metadata key",
        { ModelLifeCycle: { Stage: "staging", StageStatus: "Verified", StageDescription: RUN_URL } },
      ],
    ];
    for (const [name, lifecycle] of cases) {
      mock?.restore();
      mock = mockAccount(STAGING_GROUP, 4, packageArn(4));
      mock.on(DescribeModelPackageCommand).resolves(describedPackage(packageArn(4), lifecycle));
      const { io, run } = promoteStaging("--description", RUN_URL);
      assert.equal(await run, EXIT.ok, name);
      assert.equal(updates().length, 1, name);
      assert.match(io.out.text(), /\nPromoted: stage staging, status Verified \(/, name);
    }
  });

  it("records Deployed for prod on the package it serves from staging's account, without a description", async function () {
    const target = loadTarget("prod", "diagnosis");
    assert.equal(target.config.environment, "prod");
    mock = mockAccount(PROD_ENDPOINT, 4, STAGING_PACKAGE);
    mock.on(DescribeModelPackageCommand).resolves(
      describedPackage(STAGING_PACKAGE, {
        ModelLifeCycle: { Stage: "staging", StageStatus: "Verified", StageDescription: RUN_URL },
        CustomerMetadataProperties: { "lifecycle:staging": "Verified" },
      }),
    );
    const io = testIo(clients);

    assert.equal(
      await promoteCommand.run(["prod", "diagnosis", "--outputs", prodOutputs, "--status", "Deployed"], io),
      EXIT.ok,
    );

    assert.deepEqual(clients.made.length, 1);
    assert.equal(await clients.made[0]?.sageMaker.config.region(), "us-east-1");
    assert.deepEqual(mock.commandCalls(DescribeEndpointCommand)[0]?.args[0].input, {
      EndpointName: PROD_ENDPOINT,
    });
    assert.deepEqual(described(), [{ ModelPackageName: STAGING_PACKAGE }]);
    // Only prod's key: staging's record stays (no CustomerMetadataPropertiesToRemove).
    assert.deepEqual(updates(), [
      {
        ModelPackageArn: STAGING_PACKAGE,
        ModelLifeCycle: { Stage: "prod", StageStatus: "Deployed" },
        CustomerMetadataProperties: { [lifecycleMetadataKey("prod")]: LIFECYCLE_STATUS.deployed },
      },
    ]);
    assert.equal(
      io.out.text(),
      `Endpoint ${PROD_ENDPOINT} (stack prod, model diagnosis) serves ${STAGING_PACKAGE}\n` +
        "Promoted: stage prod, status Deployed\n",
    );
  });

  it("--registry-only: records prod's stage with the building account's credentials, without looking at the endpoint", async function () {
    // The building account cannot describe prod's endpoint: the workflow verified it in prod's job before.
    mock = mockAccount(PROD_ENDPOINT, 4, STAGING_PACKAGE);
    mock.on(DescribeEndpointCommand).rejects(accessDenied("sagemaker:DescribeEndpoint"));
    const io = testIo(clients);

    assert.equal(
      await promoteCommand.run(
        ["prod", "diagnosis", "--outputs", prodOutputs, "--status", "Deployed", "--registry-only"],
        io,
      ),
      EXIT.ok,
    );

    assert.equal(mock.commandCalls(DescribeEndpointCommand).length, 0);
    assert.equal(mock.commandCalls(DescribeModelCommand).length, 0);
    assert.deepEqual(updates(), [
      {
        ModelPackageArn: STAGING_PACKAGE,
        ModelLifeCycle: { Stage: "prod", StageStatus: "Deployed" },
        CustomerMetadataProperties: { [lifecycleMetadataKey("prod")]: LIFECYCLE_STATUS.deployed },
      },
    ]);
    assert.equal(
      io.out.text(),
      `Stack prod deployed ${STAGING_PACKAGE} for model diagnosis (endpoint ${PROD_ENDPOINT} not checked: ` +
        "--registry-only)\nPromoted: stage prod, status Deployed\n",
    );
  });

  describe("refuses (exit 1) a package the endpoint does not serve, changing nothing", function () {
    const refusal = async (message: string) => {
      const { io, run } = promoteStaging("--description", RUN_URL);
      await rejectsWithExit(run, EXIT.failed, message);
      assert.equal(io.out.text(), "");
      assert.deepEqual(described(), []);
      assert.deepEqual(updates(), []);
    };
    const prefix = `will not promote ${packageArn(4)}: endpoint ${STAGING_GROUP} (stack staging, model diagnosis)`;

    it("no endpoint", async function () {
      mock = mockAccount(STAGING_GROUP, 4, packageArn(4));
      mock
        .on(DescribeEndpointCommand)
        .rejects(
          notFound(
            `Could not find endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/${STAGING_GROUP}".`,
          ),
        );
      await refusal(`${prefix} does not exist (expected: InService, serving it). ${advice}`);
    });

    it("an endpoint that is not InService", async function () {
      const cases: [Partial<DescribeEndpointCommandOutput>, string][] = [
        [{ EndpointStatus: "Updating" }, "live Updating"],
        [
          {
            EndpointStatus: "Failed",
            FailureReason:
              "The primary container for production variant primary did not pass the ping health check.",
          },
          "live Failed (The primary container for production variant primary did not pass the ping health check.)",
        ],
      ];
      for (const [live, text] of cases) {
        mock?.restore();
        mock = mockAccount(STAGING_GROUP, 4, packageArn(4));
        mock.on(DescribeEndpointCommand).resolves({
          EndpointName: STAGING_GROUP,
          EndpointConfigName: configOf(4),
          ...live,
        });
        await refusal(`${prefix} is not InService: expected InService, ${text}. ${advice}`);
      }
    });

    it("another package on the primary variant (after a rollback, or a deploy of another version)", async function () {
      mock = mockAccount(STAGING_GROUP, 3, packageArn(3));
      await refusal(
        `${prefix} serves another model package on variant primary: expected ${packageArn(4)} (deployed by the ` +
          `stack), live ${packageArn(3)} (model ${modelOf(3)} of endpoint config ${configOf(3)}). ${advice}`,
      );
    });

    it("a live configuration without the primary variant", async function () {
      mock = mockAccount(STAGING_GROUP, 4, packageArn(4));
      mock.on(DescribeEndpointConfigCommand).resolves({
        EndpointConfigName: configOf(4),
        ProductionVariants: [{ VariantName: "blue", ModelName: modelOf(4) }],
      });
      await refusal(
        `${prefix} has no variant primary: expected it to serve ${packageArn(4)}, live endpoint config ` +
          `${configOf(4)} has variants blue. ${advice}`,
      );
    });
  });

  it("refuses (exit 2) a status or description SageMaker would not take, before any request", async function () {
    const cases: [string[], string][] = [
      [["--status", "Approved"], '--status "Approved": expected one of Verified, Deployed'],
      [["--status", "verified"], '--status "verified": expected one of Verified, Deployed'],
      [
        ["--description", "x".repeat(1025)],
        "--description is 1025 characters long; SageMaker's ModelLifeCycle StageDescription holds at most 1024",
      ],
      [
        ["--description", "verified\nby J. Doe"],
        "--description must be one line: SageMaker's ModelLifeCycle StageDescription allows no line breaks",
      ],
      [
        ["--description", " "],
        "--description is empty: leave it out, or say where the package was checked (e.g. the URL of the workflow run)",
      ],
    ];
    for (const [flags, message] of cases) {
      await rejectsWithExit(
        promoteCommand.run(["staging", "diagnosis", "--outputs", stagingOutputs, ...flags], testIo(unused)),
        EXIT.badInput,
        message,
      );
    }
    // 1024 characters are fine.
    mock = mockAccount(STAGING_GROUP, 4, packageArn(4));
    assert.equal(await promoteStaging("--description", "x".repeat(1024)).run, EXIT.ok);
    assert.equal(updates()[0]?.ModelLifeCycle?.StageDescription?.length, 1024);
  });

  it("refuses a stage that is no ModelLifeCycle Stage before any request", async function () {
    const client = new SageMakerClient({
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    });
    mock = mockClient(client);
    await rejectsWithExit(
      promoteModelPackage(client, collector(), {
        stack: "qa",
        model: "diagnosis",
        endpoint: { name: STAGING_GROUP, configName: configOf(4), modelPackageArn: packageArn(4) },
        variantName: "primary",
        stage: "qa_1",
        status: "Verified",
      }),
      EXIT.badInput,
      'environment "qa_1" of stack qa cannot be a ModelLifeCycle Stage (1 to 63 letters, digits and hyphens, ' +
        "starting and ending with a letter or digit)",
    );
    assert.equal(mock.calls().length, 0);
  });

  it("names the permission when access is denied (exit 4): the package's account for the lifecycle", async function () {
    mock = mockAccount(STAGING_GROUP, 4, packageArn(4));
    mock.on(UpdateModelPackageCommand).rejects(accessDenied("sagemaker:UpdateModelPackage"));
    const { io, run } = promoteStaging();
    await rejectsWithExit(
      run,
      EXIT.aws,
      `could not record stage staging, status Verified on model package ${packageArn(4)}: access denied ` +
        "(AccessDeniedException: not authorized to perform: sagemaker:UpdateModelPackage). The identity running " +
        "this command needs sagemaker:UpdateModelPackage on the model package (in the account of the registry " +
        "that holds it).",
    );
    assert.equal(
      io.out.text(),
      `Endpoint ${STAGING_GROUP} (stack staging, model diagnosis) serves ${packageArn(4)}\n`,
    );

    mock.restore();
    mock = mockAccount(STAGING_GROUP, 4, packageArn(4));
    mock.on(DescribeModelPackageCommand).rejects(accessDenied("sagemaker:DescribeModelPackage"));
    await rejectsWithExit(
      promoteStaging().run,
      EXIT.aws,
      `could not describe model package ${packageArn(4)}: access denied (AccessDeniedException: not authorized to ` +
        "perform: sagemaker:DescribeModelPackage). The identity running this command needs " +
        "sagemaker:DescribeModelPackage on the model package (in the account of the registry that holds it).",
    );
    assert.deepEqual(updates(), []);

    mock.restore();
    mock = mockAccount(STAGING_GROUP, 4, packageArn(4));
    mock.on(DescribeEndpointCommand).rejects(accessDenied("sagemaker:DescribeEndpoint"));
    await rejectsWithExit(
      promoteStaging().run,
      EXIT.aws,
      `could not describe endpoint "${STAGING_GROUP}": access denied (AccessDeniedException: not authorized to ` +
        "perform: sagemaker:DescribeEndpoint). The identity running this command needs " +
        "sagemaker:DescribeEndpoint on the endpoint.",
    );
  });

  it("fails (exit 1) when the stack deployed no endpoint for the model, before any request", async function () {
    const outputs = writeOutputs(dir, "none.json", null);
    await rejectsWithExit(
      promoteCommand.run(["staging", "diagnosis", "--outputs", outputs], testIo(unused)),
      EXIT.failed,
      'stack staging deployed no endpoint for model "diagnosis" (models.diagnosis.endpoint is null: the model ' +
        "registry had no approved version at the last `pulumi up`)",
    );
  });
});
