import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { REPOSITORY_ROOT } from "../../../preview";
import {
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DeleteModelPackageCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  ListEndpointConfigsCommand,
  ListModelPackagesCommand,
  ListModelsCommand,
  ListTagsCommand,
  SageMakerClient,
  SageMakerServiceException,
  type ModelPackageSummary,
} from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { closeClients } from "../../../ops/clients";
import { teardownCommand, teardownStack } from "../../../ops/commands/teardown";
import { EXIT } from "../../../ops/errors";
import { loadStack } from "../../../ops/stack";
import type { StackConfig } from "../../../stacks/config";
import { collector, localClients, rejectsWithExit, STAGING_GROUP, testIo } from "../helpers";

const ACCOUNT = "arn:aws:sagemaker:us-east-1:123456789012";
const versionArn = (group: string, version: number) => `${ACCOUNT}:model-package/${group}/${version}`;
/** The live endpoint configuration and model of a model's endpoint, and those a previous deploy left. */
const liveConfig = (base: string) => `${base}-config-2b3c4d5`;
const liveModel = (base: string) => `${base}-primary-4d5e6f7`;
const oldConfig = (base: string) => `${base}-config-1a2b3c4`;
const oldModel = (base: string) => `${base}-primary-3c4d5e6`;

/** A version as ListModelPackages answers it (API reference: ModelPackageSummary). */
const summary = (group: string, version: number, status: string): ModelPackageSummary => ({
  ModelPackageName: group,
  ModelPackageGroupName: group,
  ModelPackageVersion: version,
  ModelPackageArn: versionArn(group, version),
  CreationTime: new Date(Date.UTC(2026, 0, version)),
  ModelPackageStatus: "Completed",
  ModelApprovalStatus: status as ModelPackageSummary["ModelApprovalStatus"],
});

/** SageMaker's answer for a resource that does not exist: a ValidationException saying so. */
const notFound = (message: string) =>
  new SageMakerServiceException({ name: "ValidationException", $fault: "client", $metadata: {}, message });

/** What the mocked account holds for one model of the stack. */
interface ModelState {
  readonly model: string;
  /** The group's versions per ListModelPackages page; undefined: the group does not exist. */
  readonly pages: readonly (readonly ModelPackageSummary[])[] | undefined;
  /** Whether its endpoint exists; its configurations and models (live and old) exist either way. */
  readonly endpoint: boolean;
}

/**
 * The ListModelPackages requests as sent: the SDK's paginator sets NextToken on the one input object
 * it passes for every page, so the mock's record of calls shows the last token on each.
 */
const listedPackages: Record<string, unknown>[] = [];

/**
 * Answers as SageMaker does for these models (responses shaped as in the API reference). moto does
 * not implement DeleteModelPackage (it answers HTTP 500), so the whole command runs on this mock;
 * cleanup.test.ts runs the endpoint part against moto.
 */
function mockAccount(states: readonly ModelState[]) {
  const mock = mockClient(SageMakerClient);
  listedPackages.length = 0;
  const base = (model: string) => `${STAGING_GROUP.replace(/-diagnosis$/, "")}-${model}`;
  const byBase = new Map(states.map((state) => [base(state.model), state]));
  mock
    .on(ListModelPackagesCommand)
    .callsFake((input: { ModelPackageGroupName?: string; NextToken?: string }) => {
      listedPackages.push(
        Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)),
      );
      const pages = byBase.get(input.ModelPackageGroupName ?? "")?.pages;
      if (pages === undefined) {
        throw notFound(`Model Package Group ${input.ModelPackageGroupName ?? ""} does not exist.`);
      }
      const index = input.NextToken === undefined ? 0 : Number(input.NextToken.replace("page-", ""));
      return {
        ModelPackageSummaryList: [...(pages[index] ?? [])],
        ...(index + 1 < pages.length ? { NextToken: `page-${index + 1}` } : {}),
      };
    });
  mock.on(DeleteModelPackageCommand).resolves({});
  mock.on(DescribeEndpointCommand).callsFake((input: { EndpointName?: string }) => {
    const name = input.EndpointName ?? "";
    if (byBase.get(name)?.endpoint !== true)
      throw notFound(`Could not find endpoint "${ACCOUNT}:endpoint/${name}".`);
    return { EndpointName: name, EndpointConfigName: liveConfig(name), EndpointStatus: "InService" };
  });
  mock.on(DescribeEndpointConfigCommand).callsFake((input: { EndpointConfigName?: string }) => ({
    EndpointConfigName: input.EndpointConfigName,
    ProductionVariants: [
      {
        VariantName: "primary",
        ModelName: liveModel((input.EndpointConfigName ?? "").replace(/-config-.*$/, "")),
      },
    ],
  }));
  const startsWith = (prefix: string) => [...byBase.keys()].filter((name) => `${name}-`.startsWith(prefix));
  mock.on(ListEndpointConfigsCommand).callsFake((input: { NameContains?: string }) => ({
    EndpointConfigs: startsWith(input.NameContains ?? "").flatMap((name) =>
      [oldConfig(name), liveConfig(name)].map((config) => ({
        EndpointConfigName: config,
        EndpointConfigArn: `${ACCOUNT}:endpoint-config/${config}`,
        CreationTime: new Date(Date.UTC(2026, 0, 1)),
      })),
    ),
  }));
  mock.on(ListModelsCommand).callsFake((input: { NameContains?: string }) => ({
    Models: startsWith(input.NameContains ?? "").flatMap((name) =>
      [oldModel(name), liveModel(name)].map((model) => ({
        ModelName: model,
        ModelArn: `${ACCOUNT}:model/${model}`,
        CreationTime: new Date(Date.UTC(2026, 0, 1)),
      })),
    ),
  }));
  mock.on(ListTagsCommand).callsFake((input: { ResourceArn?: string }) => {
    const name = (input.ResourceArn ?? "").replace(/^.*\//, "").replace(/-(config|primary)-[0-9a-f]{7}$/, "");
    const state = byBase.get(name);
    return {
      Tags: [
        { Key: "Environment", Value: "staging" },
        { Key: "Project", Value: "mlops-platform" },
        ...(state === undefined ? [] : [{ Key: "Model", Value: state.model }]),
      ],
    };
  });
  mock.on(DeleteEndpointConfigCommand).resolves({});
  mock.on(DeleteModelCommand).resolves({});
  return mock;
}

/** Versions 1 to 3 of the staging group over two pages, in every approval status. */
const THREE_VERSIONS = [
  [summary(STAGING_GROUP, 1, "Rejected"), summary(STAGING_GROUP, 2, "Approved")],
  [summary(STAGING_GROUP, 3, "PendingManualApproval")],
];

/** The staging stack with a second model, `diagnosis-b`, whose names start like those of `diagnosis`. */
function twoModels(): StackConfig {
  const { config } = loadStack("staging");
  const [diagnosis] = config.models;
  assert.ok(diagnosis !== undefined);
  return { ...config, models: [diagnosis, { ...diagnosis, name: "diagnosis-b" }] };
}

const NEXT_WITH_ENDPOINT =
  "next: `pulumi destroy --stack staging`, then run `npm run ops -- teardown staging --yes` again to delete " +
  "the endpoint configurations and models that Pulumi keeps (retainOnDelete)\n";

/**
 * A folder with the project and staging's stack file as it is when staging shares its models with
 * no other account (the shipped one shares them with prod's: teardown refuses that, see below).
 */
function unsharedStagingRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), "mlops-teardown-"));
  writeFileSync(path.join(root, "Pulumi.yaml"), readFileSync(path.join(REPOSITORY_ROOT, "Pulumi.yaml")));
  const staging = parse(readFileSync(path.join(REPOSITORY_ROOT, "Pulumi.staging.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  delete staging.config["mlops:promotion"];
  writeFileSync(path.join(root, "Pulumi.staging.yaml"), stringify(staging));
  return root;
}

describe("ops teardown", function () {
  const root = unsharedStagingRoot();
  after(() => rmSync(root, { recursive: true, force: true }));
  // Every client the command makes is a SageMakerClient: mockClient(SageMakerClient) answers for all of them.
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
  const calls = (command: unknown) =>
    (mock?.commandCalls(command as typeof DeleteModelPackageCommand) ?? []).map((call) => call.args[0].input);

  it("refuses (exit 2) a stack that protects its resources, before any request", async function () {
    await rejectsWithExit(
      teardownCommand.run(
        ["prod", "--yes"],
        testIo(() => assert.fail("no client should be made")),
      ),
      EXIT.badInput,
      "stack prod protects its resources (mlops:storage.protectFromDeletion in Pulumi.prod.yaml): tearing it " +
        "down takes setting it to false and a `pulumi up` first",
    );
  });

  it("refuses (exit 2) a stack whose models other accounts serve, before any request", async function () {
    await rejectsWithExit(
      teardownCommand.run(
        ["staging", "--yes"],
        testIo(() => assert.fail("no client should be made")),
      ),
      EXIT.badInput,
      "stack staging shares its models with account 222222222222 (mlops:promotion.consumerAccounts in " +
        "Pulumi.staging.yaml), whose stacks serve its versions: deleting them would leave those stacks nothing to " +
        "deploy. Stop serving them there, remove the accounts and run `pulumi up` first",
    );
  });

  it("lists every version of the group and what cleanup would delete, and deletes nothing without --yes", async function () {
    mock = mockAccount([{ model: "diagnosis", pages: THREE_VERSIONS, endpoint: true }]);
    const io = { ...testIo(clients), root };

    assert.equal(await teardownCommand.run(["staging"], io), EXIT.ok);

    assert.equal(
      io.out.text(),
      [
        `Model package group ${STAGING_GROUP} (model diagnosis): 3 versions`,
        `  would delete  model package ${versionArn(STAGING_GROUP, 1)}`,
        `  would delete  model package ${versionArn(STAGING_GROUP, 2)}`,
        `  would delete  model package ${versionArn(STAGING_GROUP, 3)}`,
        `Endpoint ${STAGING_GROUP} (stack staging, model diagnosis): InService on ${liveConfig(STAGING_GROUP)}`,
        `  would delete  endpoint config ${oldConfig(STAGING_GROUP)}`,
        `  keep          endpoint config ${liveConfig(STAGING_GROUP)} (live)`,
        `  would delete  model ${oldModel(STAGING_GROUP)}`,
        `  keep          model ${liveModel(STAGING_GROUP)} (live)`,
        "Would delete 1 endpoint config and 1 model; in use: 1 endpoint config and 1 model.",
        "Dry run: nothing was deleted. Run again with --yes to delete them.",
        NEXT_WITH_ENDPOINT,
      ].join("\n"),
    );
    assert.deepEqual(calls(DeleteModelPackageCommand), []);
    assert.deepEqual(calls(DeleteEndpointConfigCommand), []);
    assert.deepEqual(calls(DeleteModelCommand), []);
  });

  it("deletes every version of every page, whatever its status, then the unused endpoint resources, with --yes", async function () {
    mock = mockAccount([{ model: "diagnosis", pages: THREE_VERSIONS, endpoint: true }]);
    const io = { ...testIo(clients), root };

    assert.equal(await teardownCommand.run(["staging", "--yes"], io), EXIT.ok);

    assert.deepEqual(listedPackages, [
      {
        ModelPackageGroupName: STAGING_GROUP,
        SortBy: "CreationTime",
        SortOrder: "Ascending",
        MaxResults: 100,
      },
      {
        ModelPackageGroupName: STAGING_GROUP,
        SortBy: "CreationTime",
        SortOrder: "Ascending",
        MaxResults: 100,
        NextToken: "page-1",
      },
    ]);
    assert.deepEqual(calls(DeleteModelPackageCommand), [
      { ModelPackageName: versionArn(STAGING_GROUP, 1) },
      { ModelPackageName: versionArn(STAGING_GROUP, 2) },
      { ModelPackageName: versionArn(STAGING_GROUP, 3) },
    ]);
    assert.deepEqual(calls(DeleteEndpointConfigCommand), [{ EndpointConfigName: oldConfig(STAGING_GROUP) }]);
    assert.deepEqual(calls(DeleteModelCommand), [{ ModelName: oldModel(STAGING_GROUP) }]);
    assert.equal(
      io.out.text(),
      [
        `Model package group ${STAGING_GROUP} (model diagnosis): 3 versions`,
        `  deleted       model package ${versionArn(STAGING_GROUP, 1)}`,
        `  deleted       model package ${versionArn(STAGING_GROUP, 2)}`,
        `  deleted       model package ${versionArn(STAGING_GROUP, 3)}`,
        `Endpoint ${STAGING_GROUP} (stack staging, model diagnosis): InService on ${liveConfig(STAGING_GROUP)}`,
        `  deleted       endpoint config ${oldConfig(STAGING_GROUP)}`,
        `  keep          endpoint config ${liveConfig(STAGING_GROUP)} (live)`,
        `  deleted       model ${oldModel(STAGING_GROUP)}`,
        `  keep          model ${liveModel(STAGING_GROUP)} (live)`,
        "Deleted 1 endpoint config and 1 model; in use: 1 endpoint config and 1 model.",
        NEXT_WITH_ENDPOINT,
      ].join("\n"),
    );
  });

  it("counts a version already gone as deleted, and stops with one line (exit 4) on any other error", async function () {
    mock = mockAccount([{ model: "diagnosis", pages: THREE_VERSIONS, endpoint: true }]);
    mock
      .on(DeleteModelPackageCommand, { ModelPackageName: versionArn(STAGING_GROUP, 1) })
      .rejects(notFound(`Model package ${versionArn(STAGING_GROUP, 1)} does not exist.`))
      .on(DeleteModelPackageCommand, { ModelPackageName: versionArn(STAGING_GROUP, 3) })
      .rejects(
        new SageMakerServiceException({
          name: "AccessDeniedException",
          $fault: "client",
          $metadata: {},
          message: "not authorized to perform: sagemaker:DeleteModelPackage",
        }),
      );
    const io = { ...testIo(clients), root };

    await rejectsWithExit(
      teardownCommand.run(["staging", "--yes"], io),
      EXIT.aws,
      `could not delete model package ${versionArn(STAGING_GROUP, 3)}: access denied (AccessDeniedException: not ` +
        "authorized to perform: sagemaker:DeleteModelPackage). The identity running this command needs " +
        "sagemaker:DeleteModelPackage on the group's model packages.",
    );
    assert.deepEqual(io.out.text().split("\n").slice(1), [
      `  already gone  model package ${versionArn(STAGING_GROUP, 1)}`,
      `  deleted       model package ${versionArn(STAGING_GROUP, 2)}`,
      "",
    ]);
  });

  it("takes a group that does not exist, or has no versions, as nothing to delete; says nothing is left without endpoints", async function () {
    mock = mockAccount([
      { model: "diagnosis", pages: undefined, endpoint: false },
      { model: "diagnosis-b", pages: [[]], endpoint: false },
    ]);
    const two = twoModels();
    const out = collector();
    const sageMaker = clients({ region: "us-east-1" }).sageMaker;

    const result = await teardownStack(sageMaker, out, { stack: "staging", config: two, apply: true });

    assert.deepEqual(result, { endpoints: [], unused: 8 });
    const other = `${STAGING_GROUP}-b`;
    assert.equal(
      out.text(),
      [
        `Model package group ${STAGING_GROUP} (model diagnosis): does not exist`,
        `Endpoint ${STAGING_GROUP} (stack staging, model diagnosis): does not exist, so none of the model's ` +
          "endpoint configurations and models is in use",
        `  deleted       endpoint config ${oldConfig(STAGING_GROUP)}`,
        `  deleted       endpoint config ${liveConfig(STAGING_GROUP)}`,
        `  deleted       model ${oldModel(STAGING_GROUP)}`,
        `  deleted       model ${liveModel(STAGING_GROUP)}`,
        `Left alone: 2 endpoint configs and 2 models named ${STAGING_GROUP}-… of another model (or without a Model tag).`,
        "Deleted 2 endpoint configs and 2 models; in use: none.",
        `Model package group ${other} (model diagnosis-b): no versions`,
        `Endpoint ${other} (stack staging, model diagnosis-b): does not exist, so none of the model's ` +
          "endpoint configurations and models is in use",
        `  deleted       endpoint config ${oldConfig(other)}`,
        `  deleted       endpoint config ${liveConfig(other)}`,
        `  deleted       model ${oldModel(other)}`,
        `  deleted       model ${liveModel(other)}`,
        "Deleted 2 endpoint configs and 2 models; in use: none.",
        "Nothing of the endpoints of stack staging is left, besides what `pulumi destroy --stack staging` still has to delete.",
        "",
      ].join("\n"),
    );
    assert.deepEqual(calls(DeleteModelPackageCommand), []);
  });

  it("says what comes next from the endpoints that still exist, in a dry run too", async function () {
    const two = twoModels();
    const sageMaker = clients({ region: "us-east-1" }).sageMaker;
    const lastLine = async (states: ModelState[], apply: boolean) => {
      mock?.restore();
      mock = mockAccount(states);
      const out = collector();
      const result = await teardownStack(sageMaker, out, { stack: "staging", config: two, apply });
      return { endpoints: result.endpoints, last: out.text().split("\n").at(-2) };
    };

    assert.deepEqual(
      await lastLine(
        [
          { model: "diagnosis", pages: [[]], endpoint: false },
          { model: "diagnosis-b", pages: [[]], endpoint: true },
        ],
        false,
      ),
      { endpoints: ["diagnosis-b"], last: NEXT_WITH_ENDPOINT.trimEnd() },
    );
    assert.deepEqual(
      await lastLine(
        [
          { model: "diagnosis", pages: [[]], endpoint: false },
          { model: "diagnosis-b", pages: [[]], endpoint: false },
        ],
        false,
      ),
      {
        endpoints: [],
        last:
          "Once these are deleted, nothing of the endpoints of stack staging is left, besides what " +
          "`pulumi destroy --stack staging` still has to delete.",
      },
    );
  });
});
