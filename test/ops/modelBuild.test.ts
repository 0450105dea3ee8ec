import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  CreatePipelineCommand,
  DescribeModelPackageCommand,
  DescribePipelineCommand,
  DescribePipelineExecutionCommand,
  ListPipelineExecutionsCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelineParametersForExecutionCommand,
  ModelApprovalStatus,
  StartPipelineExecutionCommand,
  type PipelineExecutionStep,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { buildPipelineDefinition, PARAMETERS } from "../../components/pipeline/definition";
import { approveCommand } from "../../ops/commands/approve";
import { rejectCommand } from "../../ops/commands/reject";
import { startPipelineCommand } from "../../ops/commands/startPipeline";
import { closeClients, createOpsClients } from "../../ops/clients";
import { EXIT } from "../../ops/errors";
import {
  startAwsJsonProxy,
  startMotoServer,
  testClient,
  type AwsJsonProxy,
  type MotoServer,
} from "../helpers/motoServer";
import { definitionInput } from "../helpers/definitionInput";
import { localClients, rejectsWithExit, STAGING_GROUP, testIo } from "./helpers";
import { syntheticStackRoot } from "../helpers/syntheticStack";

const OTHER_GROUP = "mlops-staging-fraud";
const ARN_PREFIX = "arn:aws:sagemaker:us-east-1:123456789012:model-package";
const arnOf = (version: number, group = STAGING_GROUP) => `${ARN_PREFIX}/${group}/${version}`;
const { APPROVED, PENDING_MANUAL_APPROVAL, REJECTED } = ModelApprovalStatus;
/** Versions 1…5 of the group, oldest first: two are pending, the newest of them is 4. */
const STATUSES = [APPROVED, PENDING_MANUAL_APPROVAL, REJECTED, PENDING_MANUAL_APPROVAL, APPROVED];
const ACCOUNT = "arn:aws:sagemaker:us-east-1:123456789012";
/** The pipeline with the Model Monitor step, whose Boolean parameters start-pipeline types too. */
const DEFINITION = JSON.stringify(buildPipelineDefinition(definitionInput({ modelMonitorBaseline: true })));
const ALLOWED = Object.values(PARAMETERS).join(", ");
const REGISTERED = arnOf(7);
/** The steps of a successful execution of the program's pipeline, as ListPipelineExecutionSteps answers them. */
const SUCCEEDED_STEPS: PipelineExecutionStep[] = [
  "ValidateData",
  "CheckData",
  "Preprocess",
  "DriftBaseline",
  "DataQualityBaseline",
  "Train",
  "FindChampion",
  "Evaluate",
  "CheckAccuracy",
  "CheckChampion",
  "CheckGates",
  "Register",
].map((StepName) => ({
  StepName,
  StepStatus: "Succeeded",
  AttemptCount: 1,
  ...(StepName === "Register" ? { Metadata: { RegisterModel: { Arn: REGISTERED } } } : {}),
}));
const THROTTLED = {
  respond: { status: 400, body: { __type: "ThrottlingException", message: "Rate exceeded" } },
};

describe("ops start-pipeline, approve and reject against moto", function () {
  this.timeout(20_000);
  let moto: MotoServer;
  let proxy: AwsJsonProxy;
  let admin: SageMakerClient;
  let clients: ReturnType<typeof localClients>;

  const statusOf = async (arn: string) => {
    const described = await admin.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    return [described.ModelApprovalStatus, described.ApprovalDescription];
  };
  const register = (group: string, status: ModelApprovalStatus) =>
    admin.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: group,
        ModelApprovalStatus: status,
        InferenceSpecification: {
          Containers: [{ Image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1" }],
          SupportedContentTypes: ["text/csv"],
          SupportedResponseMIMETypes: ["text/csv"],
        },
      }),
    );

  before(async function () {
    moto = await startMotoServer();
    proxy = await startAwsJsonProxy(moto.endpoint);
    admin = testClient(moto.endpoint);
    await admin.send(
      new CreatePipelineCommand({
        PipelineName: STAGING_GROUP,
        PipelineDefinition: DEFINITION,
        RoleArn: "arn:aws:iam::123456789012:role/mlops-staging-diagnosis-role",
      }),
    );
    for (const group of [STAGING_GROUP, OTHER_GROUP]) {
      await admin.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
    }
    // One at a time: moto dates each version at its creation, and "newest" is by creation time.
    for (const status of STATUSES) await register(STAGING_GROUP, status);
    await register(OTHER_GROUP, PENDING_MANUAL_APPROVAL);
  });
  beforeEach(function () {
    clients = localClients(moto.endpoint);
    proxy.requests.length = 0;
    proxy.intercept = () => undefined;
  });
  afterEach(function () {
    clients.made.forEach(closeClients);
  });
  after(async function () {
    admin?.destroy();
    await proxy?.close();
    await moto?.stop();
  });

  describe("start-pipeline", function () {
    // moto records an execution and its parameters and reports it Succeeded at once, with an empty
    // FailureReason; it answers ListPipelineExecutionSteps with HTTP 500 (not implemented). Following
    // executions step by step is tested with aws-sdk-client-mock in commands/startPipeline.test.ts.
    const executionsOf = async () =>
      (await admin.send(new ListPipelineExecutionsCommand({ PipelineName: STAGING_GROUP })))
        .PipelineExecutionSummaries ?? [];

    it("starts the stack's pipeline with the parameters given and follows it to Succeeded", async function () {
      // moto records the execution and its parameters and reports it Succeeded at once, with an empty
      // FailureReason; it answers ListPipelineExecutionSteps with HTTP 500 (not implemented), so that
      // call alone is mocked, with the steps of a successful execution as the API reference shapes them.
      const io = testIo((location) => {
        const made = clients(location);
        const real = made.sageMaker.send.bind(made.sageMaker) as (command: unknown) => Promise<unknown>;
        const mock = mockClient(made.sageMaker);
        mock.on(DescribePipelineCommand).callsFake((input) => real(new DescribePipelineCommand(input)));
        mock
          .on(StartPipelineExecutionCommand)
          .callsFake((input) => real(new StartPipelineExecutionCommand(input)));
        mock
          .on(DescribePipelineExecutionCommand)
          .callsFake((input) => real(new DescribePipelineExecutionCommand(input)));
        mock.on(ListPipelineExecutionStepsCommand).resolves({ PipelineExecutionSteps: SUCCEEDED_STEPS });
        return made;
      });

      const code = await startPipelineCommand.run(
        ["diagnosis", "--parameter", "AccuracyThreshold=0.92", "--parameter", "SkipDataQualityCheck=false"],
        io,
      );

      assert.equal(code, EXIT.ok);
      const executions = await executionsOf();
      assert.equal(executions.length, 1);
      const arn = executions[0]?.PipelineExecutionArn ?? "";
      assert.match(arn, new RegExp(`^${ACCOUNT}:pipeline/${STAGING_GROUP}/execution/[a-z0-9]{12}$`));
      const recorded = await admin.send(
        new ListPipelineParametersForExecutionCommand({ PipelineExecutionArn: arn }),
      );
      assert.deepEqual(recorded.PipelineParameters, [
        { Name: "AccuracyThreshold", Value: "0.92" },
        { Name: "SkipDataQualityCheck", Value: "false" },
      ]);
      assert.equal(
        io.out.text(),
        [
          `Started execution ${arn} of pipeline ${STAGING_GROUP} (AccuracyThreshold=0.92, SkipDataQualityCheck=false)`,
          "[   0:00] ValidateData             Succeeded  12/14 steps done",
          "[   0:00] CheckData                Succeeded  12/14 steps done",
          "[   0:00] Preprocess               Succeeded  12/14 steps done",
          "[   0:00] DriftBaseline            Succeeded  12/14 steps done",
          "[   0:00] DataQualityBaseline      Succeeded  12/14 steps done",
          "[   0:00] Train                    Succeeded  12/14 steps done",
          "[   0:00] FindChampion             Succeeded  12/14 steps done",
          "[   0:00] Evaluate                 Succeeded  12/14 steps done",
          "[   0:00] CheckAccuracy            Succeeded  12/14 steps done",
          "[   0:00] CheckChampion            Succeeded  12/14 steps done",
          "[   0:00] CheckGates               Succeeded  12/14 steps done",
          "[   0:00] Register                 Succeeded  12/14 steps done",
          `Execution succeeded after 0:00: ${arn}`,
          `Registered model package ${REGISTERED}`,
          "",
        ].join("\n"),
      );
    });

    it("refuses unknown parameters with the pipeline's own list, and mistyped values, starting nothing", async function () {
      const before = (await executionsOf()).length;
      await rejectsWithExit(
        startPipelineCommand.run(
          [
            "diagnosis",
            "--parameter",
            "LearningRate=0.1",
            "--parameter",
            "AccuracyThreshold=high",
            "--parameter",
            "SkipDataQualityCheck=yes",
          ],
          testIo(clients),
        ),
        EXIT.badInput,
        [
          `pipeline "${STAGING_GROUP}" has no parameter "LearningRate" (its parameters: ${ALLOWED})`,
          'parameter AccuracyThreshold is a Float: "high" is not a number',
          'parameter SkipDataQualityCheck is a Boolean: "yes" is not true or false',
        ].join("\n"),
      );
      assert.equal((await executionsOf()).length, before);
    });

    it("says how to create a pipeline that does not exist (a stack never deployed, here)", async function () {
      const { root, stack } = syntheticStackRoot(1);
      try {
        await rejectsWithExit(
          startPipelineCommand.run(["model-01", "--stack", stack], { ...testIo(clients), root }),
          EXIT.aws,
          `could not describe pipeline "mlops-${stack}-model-01": it does not exist (ValidationException: Could ` +
            `not find pipeline with PipelineName mlops-${stack}-model-01.). Run \`pulumi up\` on stack ${stack} to create it.`,
        );
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  });

  describe("approve and reject", function () {
    it("approves the newest pending version with the reason, then rejects the next pending one", async function () {
      const approving = testIo(clients);
      assert.equal(
        await approveCommand.run(["diagnosis", "--reason", "AUC 0.97 on the holdout set"], approving),
        EXIT.ok,
      );
      assert.deepEqual(await statusOf(arnOf(4)), [APPROVED, "AUC 0.97 on the holdout set"]);
      assert.equal(
        approving.out.text(),
        `Approved: version 4 of ${STAGING_GROUP} (${arnOf(4)}; was PendingManualApproval)\n` +
          "Reason: AUC 0.97 on the holdout set\n" +
          "Endpoints that serve latest-approved from this group pick it up at their stack's next `pulumi up`.\n",
      );

      const rejecting = testIo(clients);
      assert.equal(await rejectCommand.run(["diagnosis", "--reason", "recall too low"], rejecting), EXIT.ok);
      assert.deepEqual(await statusOf(arnOf(2)), [REJECTED, "recall too low"]);
      assert.equal(
        rejecting.out.text(),
        `Rejected: version 2 of ${STAGING_GROUP} (${arnOf(2)}; was PendingManualApproval)\nReason: recall too low\n`,
      );
    });

    it("decides on the version given with --package, whatever its status", async function () {
      const io = testIo(clients);
      assert.equal(
        await approveCommand.run(
          ["diagnosis", "--package", arnOf(3), "--reason", "re-reviewed: label fix"],
          io,
        ),
        EXIT.ok,
      );
      assert.deepEqual(await statusOf(arnOf(3)), [APPROVED, "re-reviewed: label fix"]);
      assert.match(
        io.out.text(),
        new RegExp(`^Approved: version 3 of ${STAGING_GROUP} \\(${arnOf(3)}; was Rejected\\)\n`),
      );
    });

    it("refuses a version of another model's group, and changes nothing", async function () {
      await rejectsWithExit(
        approveCommand.run(
          ["diagnosis", "--package", arnOf(1, OTHER_GROUP), "--reason", "ok"],
          testIo(clients),
        ),
        EXIT.badInput,
        `--package ${arnOf(1, OTHER_GROUP)} is a version of model package group "${OTHER_GROUP}", not of "${STAGING_GROUP}"; ` +
          `pass a version of "${STAGING_GROUP}"`,
      );
      assert.deepEqual(await statusOf(arnOf(1, OTHER_GROUP)), [PENDING_MANUAL_APPROVAL, undefined]);
    });

    it("says so when no version is waiting, and when the version or the group does not exist", async function () {
      await rejectsWithExit(
        approveCommand.run(["diagnosis", "--reason", "ok"], testIo(clients)),
        EXIT.aws,
        `model package group "${STAGING_GROUP}" has no version waiting for approval (PendingManualApproval): run its ` +
          "pipeline (npm run ops -- start-pipeline <model> --stack staging) or name a version with --package",
      );
      await rejectsWithExit(
        approveCommand.run(["diagnosis", "--package", arnOf(9), "--reason", "ok"], testIo(clients)),
        EXIT.aws,
        `could not describe model package ${arnOf(9)}: it does not exist (ValidationException: Model package ` +
          `${arnOf(9)} not found). List the versions of "${STAGING_GROUP}" in the model registry and pass one of them.`,
      );
      const { root, stack } = syntheticStackRoot(1);
      try {
        await rejectsWithExit(
          approveCommand.run(["model-01", "--stack", stack, "--reason", "ok"], { ...testIo(clients), root }),
          EXIT.aws,
          new RegExp(
            `^could not find model package group "mlops-${stack}-model-01": it does not exist \\(ValidationException: .*\\)\\. ` +
              `Run \`pulumi up\` on stack ${stack} to create it\\.$`,
          ),
        );
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

    it("requires a reason, and a model package version ARN", async function () {
      const unused = () => assert.fail("no client should be made");
      await rejectsWithExit(
        rejectCommand.run(["diagnosis"], testIo(unused)),
        EXIT.badInput,
        "--reason is required: say why, it is kept with the decision in the registry\n" +
          "usage: npm run ops -- reject <model> --reason TEXT [--stack <name>] [--package ARN]",
      );
      await rejectsWithExit(
        approveCommand.run(["diagnosis", "--reason", " "], testIo(unused)),
        EXIT.badInput,
        /^--reason is required/,
      );
      await rejectsWithExit(
        approveCommand.run(
          ["diagnosis", "--reason", "ok", "--package", `${ARN_PREFIX}-group/${STAGING_GROUP}`],
          testIo(unused),
        ),
        EXIT.badInput,
        `--package "${ARN_PREFIX}-group/${STAGING_GROUP}" is not a model package version ARN ` +
          `(arn:aws:sagemaker:<region>:<account>:model-package/${STAGING_GROUP}/<version>)`,
      );
    });
  });

  describe("throttling (a proxy answers ThrottlingException as SageMaker does: HTTP 400, JSON __type)", function () {
    /** The product's clients through the proxy, with the standard strategy's retries but 1 ms backoff. */
    const throughProxy = (attempts: number) =>
      localClients(proxy.endpoint, { retryStrategy: new ConfiguredRetryStrategy(attempts, 1) });

    it("retries throttled requests with backoff until one gets through", async function () {
      let throttled = 0;
      proxy.intercept = ({ operation }) =>
        operation === "UpdateModelPackage" && throttled++ < 3 ? THROTTLED : undefined;
      clients = throughProxy(5);

      const code = await rejectCommand.run(
        ["diagnosis", "--package", arnOf(5), "--reason", "drift in worst_area"],
        testIo(clients),
      );

      assert.equal(code, EXIT.ok);
      assert.deepEqual(await statusOf(arnOf(5)), [REJECTED, "drift in worst_area"]);
      assert.deepEqual(
        proxy.requests.map((request) => request.operation),
        ["DescribeModelPackage", ...Array(4).fill("UpdateModelPackage")],
      );
    });

    it("gives up with one line after the last attempt", async function () {
      proxy.intercept = () => THROTTLED;
      clients = throughProxy(3);

      await rejectsWithExit(
        approveCommand.run(["diagnosis", "--reason", "ok"], testIo(clients)),
        EXIT.aws,
        `could not list the versions of model package group "${STAGING_GROUP}" waiting for approval: SageMaker is still ` +
          "throttling requests after 3 attempts (ThrottlingException: Rate exceeded). Wait a minute and run again, " +
          "or run fewer jobs against this account and region at once.",
      );
      assert.equal(proxy.requests.length, 3);
    });

    it("is retried 5 times with the standard strategy by default", async function () {
      const made = createOpsClients({ region: "us-east-1" });
      for (const client of [made.sageMaker, made.runtime]) {
        assert.equal(await client.config.maxAttempts(), 5);
        const strategy = await client.config.retryStrategy();
        assert.equal("mode" in strategy ? strategy.mode : "no mode", "standard");
      }
      closeClients(made);
    });
  });

  describe("without credentials", function () {
    const saved: Record<string, string | undefined> = {};
    const dir = mkdtempSync(path.join(tmpdir(), "mlops-ops-no-credentials-"));
    const empty = path.join(dir, "empty");
    const environment: Record<string, string | undefined> = {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_DEFAULT_PROFILE: undefined,
      AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
      AWS_ROLE_ARN: undefined,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
      AWS_CONFIG_FILE: empty,
      AWS_SHARED_CREDENTIALS_FILE: empty,
      AWS_EC2_METADATA_DISABLED: "true",
    };
    /** Sets or (undefined) removes environment variables. */
    const setEnvironment = (values: Record<string, string | undefined>) => {
      for (const [name, value] of Object.entries(values)) {
        if (value === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = value;
      }
    };
    before(function () {
      writeFileSync(empty, "");
      for (const name of Object.keys(environment)) saved[name] = process.env[name];
      setEnvironment(environment);
    });
    after(function () {
      setEnvironment(saved);
      rmSync(dir, { recursive: true, force: true });
    });

    it("says how to provide them", async function () {
      // The default provider chain: environment, SSO, config files, process, web identity, metadata.
      clients = localClients(moto.endpoint, { credentials: undefined });
      const io = testIo(clients);

      await rejectsWithExit(
        approveCommand.run(["diagnosis", "--reason", "ok"], io),
        EXIT.aws,
        new RegExp(
          `^could not list the versions of model package group "${STAGING_GROUP}" waiting for approval: no AWS credentials ` +
            "were found \\(CredentialsProviderError: .+\\)\\. Provide them with AWS_PROFILE \\(after `aws sso login` " +
            "for an SSO profile\\), with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, or in " +
            "GitHub Actions by assuming the deploy role through OIDC \\(aws-actions/configure-aws-credentials with " +
            "role-to-assume, and `permissions: id-token: write` on the job\\)\\.$",
        ),
      );
    });
  });
});
