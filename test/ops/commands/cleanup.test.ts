import assert from "node:assert/strict";
import {
  CreateEndpointCommand,
  DeleteEndpointCommand,
  paginateListEndpointConfigs,
  paginateListModels,
  type SageMakerClient,
  type Tag,
} from "@aws-sdk/client-sagemaker";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { closeClients } from "../../../ops/clients";
import { cleanupCommand } from "../../../ops/commands/cleanup";
import { EXIT } from "../../../ops/errors";
import {
  startAwsJsonProxy,
  startMotoServer,
  testClient,
  type AwsJsonProxy,
  type MotoServer,
} from "../../helpers/motoServer";
import { localClients, rejectsWithExit, STAGING_GROUP, testIo } from "../helpers";
import { createPrimaryConfig, createServedModel } from "../../helpers/deployedEndpoint";

/** The staging stack's model `diagnosis`: its endpoint's name, and the start of its configurations' and models' names. */
const BASE = STAGING_GROUP;
/** Named as ModelEndpoint names them: Pulumi appends "-" and 7 random hex characters. */
const LIVE_CONFIG = `${BASE}-config-2b3c4d5`;
const LIVE_MODEL = `${BASE}-primary-4d5e6f7`;
/** Replaced by the last deploy and kept by Pulumi (retainOnDelete). */
const OLD_CONFIG = `${BASE}-config-1a2b3c4`;
const OLD_MODEL = `${BASE}-primary-3c4d5e6`;
/** A shadow variant's model of an earlier deploy, named by no configuration any more. */
const SHADOW_MODEL = `${BASE}-shadow-5e6f7a8`;
/** Model `diagnosis-b` of the same stack: its names start with BASE too. */
const OTHER_ENDPOINT = `${BASE}-b`;
const OTHER_CONFIG = `${OTHER_ENDPOINT}-config-9a8b7c6`;
const OTHER_MODEL = `${OTHER_ENDPOINT}-primary-8b7c6d5`;
const OTHER_OLD_CONFIG = `${OTHER_ENDPOINT}-config-0a1b2c3`;
/** Made by hand, without the Model tag. */
const UNTAGGED_MODEL = `${BASE}-scratch-7c6d5e4`;
/** Tagged with the model, but its name only contains BASE. */
const COPY_CONFIG = `copy-of-${BASE}-config-6d5e4f3`;

const ROLE = "arn:aws:iam::123456789012:role/mlops-staging-diagnosis-model-role";
const PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-staging-diagnosis/2";
/** The staging stack's tags, and the model's, as the program sets them. */
const tagsOf = (model: string | undefined): Tag[] => [
  { Key: "Project", Value: "mlops-platform" },
  { Key: "Owner", Value: "ml-platform@example.com" },
  { Key: "CostCenter", Value: "ML-1001" },
  { Key: "Environment", Value: "staging" },
  ...(model === undefined ? [] : [{ Key: "Model", Value: model }]),
];

const THROTTLED = {
  respond: { status: 400, body: { __type: "ThrottlingException", message: "Rate exceeded" } },
};

const ALL_CONFIGS = [COPY_CONFIG, OLD_CONFIG, LIVE_CONFIG, OTHER_OLD_CONFIG, OTHER_CONFIG].sort();
const ALL_MODELS = [OLD_MODEL, LIVE_MODEL, SHADOW_MODEL, OTHER_MODEL, UNTAGGED_MODEL].sort();

const DRY_RUN_OUTPUT = [
  `Endpoint ${BASE} (stack staging, model diagnosis): InService on ${LIVE_CONFIG}`,
  `  would delete  endpoint config ${OLD_CONFIG}`,
  `  keep          endpoint config ${LIVE_CONFIG} (live)`,
  `  would delete  model ${OLD_MODEL}`,
  `  keep          model ${LIVE_MODEL} (live)`,
  `  would delete  model ${SHADOW_MODEL}`,
  `Left alone: 2 endpoint configs and 2 models named ${BASE}-… of another model (or without a Model tag).`,
  "Would delete 1 endpoint config and 2 models; in use: 1 endpoint config and 1 model.",
  "Dry run: nothing was deleted. Run again with --yes to delete them.",
  "",
].join("\n");

describe("ops cleanup against moto", function () {
  this.timeout(20_000);
  let moto: MotoServer;
  let proxy: AwsJsonProxy;
  let admin: SageMakerClient;
  let clients: ReturnType<typeof localClients>;

  const createModel = (name: string, model: string | undefined) =>
    createServedModel(admin, { name, packageArn: PACKAGE, roleArn: ROLE, tags: tagsOf(model) });
  const createConfig = (name: string, modelName: string, model: string) =>
    createPrimaryConfig(admin, { name, modelName, tags: tagsOf(model) });

  /** The endpoints of models `diagnosis` and `diagnosis-b`, with what earlier deploys left behind. */
  const seed = async () => {
    await createModel(OLD_MODEL, "diagnosis");
    await createModel(LIVE_MODEL, "diagnosis");
    await createModel(SHADOW_MODEL, "diagnosis");
    await createModel(OTHER_MODEL, "diagnosis-b");
    await createModel(UNTAGGED_MODEL, undefined);
    await createConfig(OLD_CONFIG, OLD_MODEL, "diagnosis");
    await createConfig(LIVE_CONFIG, LIVE_MODEL, "diagnosis");
    await createConfig(COPY_CONFIG, OLD_MODEL, "diagnosis");
    await createConfig(OTHER_OLD_CONFIG, OTHER_MODEL, "diagnosis-b");
    await createConfig(OTHER_CONFIG, OTHER_MODEL, "diagnosis-b");
    await admin.send(new CreateEndpointCommand({ EndpointName: BASE, EndpointConfigName: LIVE_CONFIG }));
    await admin.send(
      new CreateEndpointCommand({ EndpointName: OTHER_ENDPOINT, EndpointConfigName: OTHER_CONFIG }),
    );
  };

  /** What is left in moto, listed with the admin client. */
  const remaining = async () => {
    const configs: string[] = [];
    for await (const page of paginateListEndpointConfigs({ client: admin }, {})) {
      configs.push(...(page.EndpointConfigs ?? []).map((config) => config.EndpointConfigName ?? ""));
    }
    const models: string[] = [];
    for await (const page of paginateListModels({ client: admin }, {})) {
      models.push(...(page.Models ?? []).map((model) => model.ModelName ?? ""));
    }
    return { configs: configs.sort(), models: models.sort() };
  };

  before(async function () {
    moto = await startMotoServer();
    proxy = await startAwsJsonProxy(moto.endpoint);
    admin = testClient(moto.endpoint);
  });
  beforeEach(async function () {
    // Every test starts from the same resources.
    const reset = await fetch(`${moto.endpoint}/moto-api/reset`, { method: "POST" });
    assert.equal(reset.status, 200);
    await seed();
    proxy.intercept = () => undefined;
    proxy.requests.length = 0;
    clients = localClients(moto.endpoint);
  });
  afterEach(function () {
    clients.made.forEach(closeClients);
  });
  after(async function () {
    admin?.destroy();
    await proxy?.close();
    await moto?.stop();
  });

  it("lists what it would delete and deletes nothing without --yes", async function () {
    const io = testIo(clients);

    assert.equal(await cleanupCommand.run(["staging", "diagnosis"], io), EXIT.ok);

    assert.equal(io.out.text(), DRY_RUN_OUTPUT);
    assert.deepEqual(await remaining(), { configs: ALL_CONFIGS, models: ALL_MODELS });
  });

  it("deletes exactly the model's unused configurations, then its unused models, with --yes", async function () {
    clients = localClients(proxy.endpoint);
    const io = testIo(clients);

    assert.equal(await cleanupCommand.run(["staging", "diagnosis", "--yes"], io), EXIT.ok);

    assert.equal(
      io.out.text(),
      [
        `Endpoint ${BASE} (stack staging, model diagnosis): InService on ${LIVE_CONFIG}`,
        `  deleted       endpoint config ${OLD_CONFIG}`,
        `  keep          endpoint config ${LIVE_CONFIG} (live)`,
        `  deleted       model ${OLD_MODEL}`,
        `  keep          model ${LIVE_MODEL} (live)`,
        `  deleted       model ${SHADOW_MODEL}`,
        `Left alone: 2 endpoint configs and 2 models named ${BASE}-… of another model (or without a Model tag).`,
        "Deleted 1 endpoint config and 2 models; in use: 1 endpoint config and 1 model.",
        "",
      ].join("\n"),
    );
    assert.deepEqual(await remaining(), {
      configs: [COPY_CONFIG, LIVE_CONFIG, OTHER_OLD_CONFIG, OTHER_CONFIG].sort(),
      models: [LIVE_MODEL, OTHER_MODEL, UNTAGGED_MODEL].sort(),
    });
    const deletes = proxy.requests.filter((request) => request.operation.startsWith("Delete"));
    assert.deepEqual(deletes, [
      { operation: "DeleteEndpointConfig", input: { EndpointConfigName: OLD_CONFIG } },
      { operation: "DeleteModel", input: { ModelName: OLD_MODEL } },
      { operation: "DeleteModel", input: { ModelName: SHADOW_MODEL } },
    ]);
    // Every page of the candidates, by name.
    assert.deepEqual(
      proxy.requests.filter(
        (request) => request.operation.startsWith("List") && request.operation !== "ListTags",
      ),
      [
        { operation: "ListEndpointConfigs", input: { NameContains: `${BASE}-`, MaxResults: 100 } },
        { operation: "ListModels", input: { NameContains: `${BASE}-`, MaxResults: 100 } },
      ],
    );
  });

  it("counts a resource deleted meanwhile as already gone", async function () {
    clients = localClients(proxy.endpoint);
    // The model goes away between the listing and the deletion: moto's answer to deleting it then.
    proxy.intercept = ({ operation, input }) =>
      operation === "DeleteModel" && input.ModelName === OLD_MODEL
        ? {
            respond: {
              status: 400,
              body: { __type: "ValidationException", message: `Could not find model "${OLD_MODEL}".` },
            },
          }
        : undefined;
    const io = testIo(clients);

    assert.equal(await cleanupCommand.run(["staging", "diagnosis", "--yes"], io), EXIT.ok);

    assert.deepEqual(io.out.text().split("\n").slice(3, 6), [
      `  already gone  model ${OLD_MODEL}`,
      `  keep          model ${LIVE_MODEL} (live)`,
      `  deleted       model ${SHADOW_MODEL}`,
    ]);
    assert.match(io.out.text(), /^Deleted 1 endpoint config and 2 models \(1 already gone\); in use: /m);
  });

  it("deletes every configuration and model of the model when its endpoint does not exist", async function () {
    await admin.send(new DeleteEndpointCommand({ EndpointName: BASE }));
    const io = testIo(clients);

    assert.equal(await cleanupCommand.run(["staging", "diagnosis", "--yes"], io), EXIT.ok);

    assert.equal(
      io.out.text(),
      [
        `Endpoint ${BASE} (stack staging, model diagnosis): does not exist, so none of the model's endpoint ` +
          "configurations and models is in use",
        `  deleted       endpoint config ${OLD_CONFIG}`,
        `  deleted       endpoint config ${LIVE_CONFIG}`,
        `  deleted       model ${OLD_MODEL}`,
        `  deleted       model ${LIVE_MODEL}`,
        `  deleted       model ${SHADOW_MODEL}`,
        `Left alone: 2 endpoint configs and 2 models named ${BASE}-… of another model (or without a Model tag).`,
        "Deleted 2 endpoint configs and 3 models; in use: none.",
        "",
      ].join("\n"),
    );
    assert.deepEqual(await remaining(), {
      configs: [COPY_CONFIG, OTHER_OLD_CONFIG, OTHER_CONFIG].sort(),
      models: [OTHER_MODEL, UNTAGGED_MODEL].sort(),
    });
  });

  it("never takes the model batch inference scores with for a candidate: Pulumi replaces and deletes it", async function () {
    const batchModel = `${BASE}-batch-model-1a2b3c4`;
    await createModel(batchModel, "diagnosis");
    await admin.send(new DeleteEndpointCommand({ EndpointName: BASE }));
    const io = testIo(clients);

    assert.equal(await cleanupCommand.run(["staging", "diagnosis", "--yes"], io), EXIT.ok);

    assert.doesNotMatch(io.out.text(), /batch-model/);
    assert.match(io.out.text(), /Deleted 2 endpoint configs and 3 models; in use: none\.\n$/);
    assert.deepEqual(await remaining(), {
      configs: [COPY_CONFIG, OTHER_OLD_CONFIG, OTHER_CONFIG].sort(),
      models: [OTHER_MODEL, UNTAGGED_MODEL, batchModel].sort(),
    });
  });

  it("says when there is nothing to delete", async function () {
    await cleanupCommand.run(["staging", "diagnosis", "--yes"], testIo(clients));
    const io = testIo(clients);

    assert.equal(await cleanupCommand.run(["staging", "diagnosis"], io), EXIT.ok);

    assert.equal(
      io.out.text(),
      [
        `Endpoint ${BASE} (stack staging, model diagnosis): InService on ${LIVE_CONFIG}`,
        `  keep          endpoint config ${LIVE_CONFIG} (live)`,
        `  keep          model ${LIVE_MODEL} (live)`,
        `Left alone: 2 endpoint configs and 2 models named ${BASE}-… of another model (or without a Model tag).`,
        "Nothing to delete; in use: 1 endpoint config and 1 model.",
        "",
      ].join("\n"),
    );
  });

  describe("what moto does not model (the proxy answers in its place)", function () {
    it("keeps the configuration of a deployment under way and the models of shadow variants", async function () {
      clients = localClients(proxy.endpoint);
      // moto records neither PendingDeploymentSummary nor ShadowProductionVariants.
      proxy.intercept = ({ operation, input }) => {
        if (operation === "DescribeEndpoint") {
          return {
            respond: {
              status: 200,
              body: {
                EndpointName: BASE,
                EndpointArn: `arn:aws:sagemaker:us-east-1:123456789012:endpoint/${BASE}`,
                EndpointConfigName: LIVE_CONFIG,
                EndpointStatus: "InService",
                PendingDeploymentSummary: { EndpointConfigName: OLD_CONFIG, StartTime: 1767225600 },
              },
            },
          };
        }
        if (operation === "DescribeEndpointConfig" && input.EndpointConfigName === LIVE_CONFIG) {
          return {
            respond: {
              status: 200,
              body: {
                EndpointConfigName: LIVE_CONFIG,
                EndpointConfigArn: `arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/${LIVE_CONFIG}`,
                ProductionVariants: [{ VariantName: "primary", ModelName: LIVE_MODEL }],
                ShadowProductionVariants: [{ VariantName: "shadow", ModelName: SHADOW_MODEL }],
                CreationTime: 1767225600,
              },
            },
          };
        }
        return undefined;
      };
      const io = testIo(clients);

      assert.equal(await cleanupCommand.run(["staging", "diagnosis", "--yes"], io), EXIT.ok);

      assert.equal(
        io.out.text(),
        [
          `Endpoint ${BASE} (stack staging, model diagnosis): InService on ${LIVE_CONFIG}, deploying ${OLD_CONFIG}`,
          `  keep          endpoint config ${OLD_CONFIG} (being deployed)`,
          `  keep          endpoint config ${LIVE_CONFIG} (live)`,
          `  keep          model ${OLD_MODEL} (being deployed)`,
          `  keep          model ${LIVE_MODEL} (live)`,
          `  keep          model ${SHADOW_MODEL} (live)`,
          `Left alone: 2 endpoint configs and 2 models named ${BASE}-… of another model (or without a Model tag).`,
          "Nothing to delete; in use: 2 endpoint configs and 3 models.",
          "",
        ].join("\n"),
      );
      assert.deepEqual(await remaining(), { configs: ALL_CONFIGS, models: ALL_MODELS });
    });

    it("refuses (exit 1) while the endpoint is Updating, deleting nothing", async function () {
      clients = localClients(proxy.endpoint);
      // moto's endpoints are always InService.
      proxy.intercept = ({ operation }) =>
        operation === "DescribeEndpoint"
          ? {
              respond: {
                status: 200,
                body: {
                  EndpointName: BASE,
                  EndpointConfigName: LIVE_CONFIG,
                  EndpointStatus: "Updating",
                  PendingDeploymentSummary: { EndpointConfigName: OLD_CONFIG },
                },
              },
            }
          : undefined;
      const io = testIo(clients);

      await rejectsWithExit(
        cleanupCommand.run(["staging", "diagnosis", "--yes"], io),
        EXIT.failed,
        `endpoint ${BASE} is Updating, so the endpoint configurations it uses are changing: nothing was deleted. ` +
          "Run the command again once the endpoint is InService.",
      );
      assert.equal(io.out.text(), "");
      assert.deepEqual(
        proxy.requests.map((request) => request.operation),
        ["DescribeEndpoint"],
      );
      assert.deepEqual(await remaining(), { configs: ALL_CONFIGS, models: ALL_MODELS });
    });
  });

  describe("throttling (the proxy answers ThrottlingException as SageMaker does: HTTP 400, JSON __type)", function () {
    /** The product's clients through the proxy, with the standard strategy's retries but 1 ms backoff. */
    const throughProxy = (attempts: number) =>
      localClients(proxy.endpoint, { retryStrategy: new ConfiguredRetryStrategy(attempts, 1) });

    it("retries throttled requests until they get through", async function () {
      let throttled = 0;
      proxy.intercept = ({ operation }) => {
        if (operation === "ListTags" && throttled < 2) {
          throttled++;
          return THROTTLED;
        }
        return undefined;
      };
      clients = throughProxy(5);
      const io = testIo(clients);

      assert.equal(await cleanupCommand.run(["staging", "diagnosis"], io), EXIT.ok);

      assert.equal(io.out.text(), DRY_RUN_OUTPUT);
      // The first candidate's tags were asked for three times: twice throttled, then answered.
      const arns = proxy.requests
        .filter((request) => request.operation === "ListTags")
        .map((request) => String(request.input.ResourceArn));
      assert.equal(arns.length, 2 + ALL_CONFIGS.length - 1 + ALL_MODELS.length);
      assert.deepEqual(arns.slice(0, 3), Array<string>(3).fill(arns[0] ?? ""));
      assert.notEqual(arns[3], arns[0]);
    });

    it("gives up with one line (exit 4) after the last attempt, having deleted nothing", async function () {
      proxy.intercept = ({ operation }) => (operation === "ListEndpointConfigs" ? THROTTLED : undefined);
      clients = throughProxy(3);

      await rejectsWithExit(
        cleanupCommand.run(["staging", "diagnosis", "--yes"], testIo(clients)),
        EXIT.aws,
        `could not list the endpoint configs named ${BASE}-…: SageMaker is still throttling requests after 3 ` +
          "attempts (ThrottlingException: Rate exceeded). Wait a minute and run again, or run fewer jobs " +
          "against this account and region at once.",
      );
      assert.equal(proxy.requests.filter((request) => request.operation === "ListEndpointConfigs").length, 3);
      assert.deepEqual(await remaining(), { configs: ALL_CONFIGS, models: ALL_MODELS });
    });
  });

  it("names the permission that is missing when access is denied", async function () {
    clients = localClients(proxy.endpoint);
    proxy.intercept = ({ operation }) =>
      operation === "DeleteEndpointConfig"
        ? {
            respond: {
              status: 400,
              body: {
                __type: "AccessDeniedException",
                message:
                  "User: arn:aws:sts::123456789012:assumed-role/mlops-staging-deploy/gha is not authorized to " +
                  "perform: sagemaker:DeleteEndpointConfig",
              },
            },
          }
        : undefined;

    await rejectsWithExit(
      cleanupCommand.run(["staging", "diagnosis", "--yes"], testIo(clients)),
      EXIT.aws,
      new RegExp(
        `^could not delete endpoint config ${OLD_CONFIG}: access denied \\(.*\\)\\. The identity running this ` +
          "command needs sagemaker:DeleteEndpointConfig on the model's endpoint configs\\.$",
      ),
    );
    assert.deepEqual(await remaining(), { configs: ALL_CONFIGS, models: ALL_MODELS });
  });
});
