import assert from "node:assert/strict";
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  ModelApprovalStatus,
  PutModelPackageGroupPolicyCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  type ModelPackageSummary,
} from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import {
  MAX_VERIFIED_CANDIDATES,
  resolveModelPackage,
  verificationIn,
  type DeployablePackage,
  type ModelPackageRequest,
} from "../../registry/modelPackages";
import { rejectsWithLookupError } from "../helpers/deployedEndpoint";
import {
  createUserWithoutPolicies,
  startAwsJsonProxy,
  startMotoServer,
  testClient,
  type AwsJsonProxy,
  type MotoServer,
} from "../helpers/motoServer";

/**
 * `latest-verified`: the newest approved version of a (source) group that an environment verified.
 *
 * What moto 5 does with the lifecycle, probed below ("what moto keeps"): it stores and describes
 * CustomerMetadataProperties, but drops ModelLifeCycle on CreateModelPackage and UpdateModelPackage and
 * never describes it; it reads a group ARN in ListModelPackages by its name alone, whatever the account,
 * and has no model package group resource policies (PutModelPackageGroupPolicy answers HTTP 500). So the
 * metadata cases run against moto, and the ModelLifeCycle and cross-account cases against
 * aws-sdk-client-mock, with responses shaped like the SageMaker API reference (DescribeModelPackage,
 * ListModelPackages, and the AccessDeniedException IAM returns for a resource without a policy for the
 * caller).
 */

const IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const CONFIG_PATH = "models[0].endpoint.modelPackage";
const RUN_URL = "https://github.com/acme/mlops/actions/runs/42";
/** The building stack's account and group, as a serving stack names them. */
const SOURCE_ACCOUNT = "111111111111";
const SOURCE_GROUP = "mlops-staging-diagnosis";
const SOURCE_GROUP_ARN = `arn:aws:sagemaker:us-east-1:${SOURCE_ACCOUNT}:model-package-group/${SOURCE_GROUP}`;
const sourceArn = (version: number) =>
  `arn:aws:sagemaker:us-east-1:${SOURCE_ACCOUNT}:model-package/${SOURCE_GROUP}/${version}`;

const { APPROVED, PENDING_MANUAL_APPROVAL, REJECTED } = ModelApprovalStatus;

const verifiedIn = (stage: string, groupName = SOURCE_GROUP_ARN): ModelPackageRequest => ({
  groupName,
  modelPackage: "latest-verified",
  verifiedIn: stage,
  configPath: CONFIG_PATH,
});

describe("registry/modelPackages latest-verified against moto", function () {
  this.timeout(20_000);

  /** moto's account: the groups seeded here, by name and ARN. */
  const MOTO_PREFIX = "arn:aws:sagemaker:us-east-1:123456789012";
  const GROUP = "mlops-staging-diagnosis";
  const UNVERIFIED_GROUP = "mlops-staging-unverified";
  const PROBE_GROUP = "mlops-staging-probe";
  const arnOf = (version: number, group = GROUP) => `${MOTO_PREFIX}:model-package/${group}/${version}`;

  /**
   * Versions 1…6 of GROUP, oldest first: approval and `lifecycle:<stage>` metadata as `npm run ops --
   * promote` leaves it. 4 is the newest approved version that staging verified; 5 is newer and approved
   * but unverified, 6 newer, verified, but rejected afterwards.
   */
  const VERSIONS: readonly { status: ModelApprovalStatus; metadata?: Record<string, string> }[] = [
    { status: APPROVED, metadata: { "lifecycle:staging": "Verified", "lifecycle:prod": "Deployed" } },
    { status: REJECTED },
    { status: APPROVED, metadata: { "lifecycle:staging": "Verified" } },
    // Verified in staging, then served by prod: the metadata keeps staging's status.
    {
      status: APPROVED,
      metadata: { "lifecycle:staging": "Verified", "lifecycle:prod": "Deployed", owner: "ml" },
    },
    { status: APPROVED, metadata: { owner: "ml" } },
    { status: REJECTED, metadata: { "lifecycle:staging": "Verified" } },
    { status: PENDING_MANUAL_APPROVAL },
  ];

  let moto: MotoServer;
  let authMoto: MotoServer;
  const servers: MotoServer[] = [];
  let proxy: AwsJsonProxy;
  let client: SageMakerClient;
  let proxied: SageMakerClient;
  let deployKey: { accessKeyId: string; secretAccessKey: string };

  const register = (group: string, status: ModelApprovalStatus, metadata?: Record<string, string>) =>
    client.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: group,
        ModelApprovalStatus: status,
        InferenceSpecification: {
          Containers: [{ Image: IMAGE, ModelDataUrl: `s3://${group}-artifacts/model.tar.gz` }],
          SupportedContentTypes: ["text/csv"],
          SupportedResponseMIMETypes: ["text/csv"],
        },
        ...(metadata === undefined ? {} : { CustomerMetadataProperties: metadata }),
      }),
    );

  before(async function () {
    const started = await Promise.allSettled([
      startMotoServer(),
      startMotoServer({ env: { INITIAL_NO_AUTH_ACTION_COUNT: "2" } }),
    ]);
    for (const result of started) if (result.status === "fulfilled") servers.push(result.value);
    const failure = started.find((result) => result.status === "rejected");
    if (failure !== undefined) throw failure.reason;
    [moto, authMoto] = servers as [MotoServer, MotoServer];
    deployKey = await createUserWithoutPolicies(authMoto.endpoint, "deploy-without-policies");
    proxy = await startAwsJsonProxy(moto.endpoint);
    client = testClient(moto.endpoint);
    proxied = testClient(proxy.endpoint);
    for (const group of [GROUP, UNVERIFIED_GROUP, PROBE_GROUP]) {
      await client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
    }
    // Sequential: moto sets CreationTime to "now", and newest first is what the tests check.
    for (const [index, { status, metadata }] of VERSIONS.entries()) {
      assert.equal((await register(GROUP, status, metadata)).ModelPackageArn, arnOf(index + 1));
    }
    await register(UNVERIFIED_GROUP, APPROVED, { "lifecycle:staging": "Deployed" });
  });

  beforeEach(function () {
    proxy.requests.length = 0;
  });

  after(async function () {
    client?.destroy();
    proxied?.destroy();
    await proxy?.close();
    await Promise.all(servers.map((server) => server.stop()));
  });

  it("what moto keeps: CustomerMetadataProperties, not ModelLifeCycle; a group ARN is read by its name; no group policies", async function () {
    const created = await client.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: PROBE_GROUP,
        ModelApprovalStatus: APPROVED,
        InferenceSpecification: {
          Containers: [{ Image: IMAGE }],
          SupportedContentTypes: ["text/csv"],
          SupportedResponseMIMETypes: ["text/csv"],
        },
        ModelLifeCycle: { Stage: "staging", StageStatus: "Verified", StageDescription: RUN_URL },
        CustomerMetadataProperties: { "lifecycle:staging": "Verified" },
      }),
    );
    const arn = created.ModelPackageArn ?? "";
    await client.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: arn,
        ModelApprovalStatus: APPROVED,
        ModelLifeCycle: { Stage: "prod", StageStatus: "Deployed" },
        // As promote sends it: the keys the package had, and the new stage's. (moto replaces the
        // metadata with what an update sends, and clears what it leaves out, approval status included.)
        CustomerMetadataProperties: { "lifecycle:staging": "Verified", "lifecycle:prod": "Deployed" },
      }),
    );
    const described = await client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    assert.deepEqual(
      { lifecycle: described.ModelLifeCycle, metadata: described.CustomerMetadataProperties },
      { lifecycle: undefined, metadata: { "lifecycle:staging": "Verified", "lifecycle:prod": "Deployed" } },
      "moto now keeps ModelLifeCycle: the ModelLifeCycle cases below could run against it",
    );
    // Another account's ARN of a group with one of moto's names lists moto's own group.
    const listed = await client.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: `arn:aws:sagemaker:us-east-1:${SOURCE_ACCOUNT}:model-package-group/${PROBE_GROUP}`,
      }),
    );
    assert.deepEqual(
      listed.ModelPackageSummaryList?.map((summary) => summary.ModelPackageArn),
      [arnOf(1, PROBE_GROUP)],
    );
    // No resource policies: what shares a group with another account cannot be tried against moto.
    const once = testClient(moto.endpoint, { maxAttempts: 1 });
    try {
      await assert.rejects(
        once.send(
          new PutModelPackageGroupPolicyCommand({
            ModelPackageGroupName: PROBE_GROUP,
            ResourcePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
          }),
        ),
        (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
          assert.equal(error.$metadata?.httpStatusCode, 500, "moto now has group policies");
          return true;
        },
      );
    } finally {
      once.destroy();
    }
  });

  it("describes approved versions newest first and stops at the first one verified in the stage", async function () {
    const found = await resolveModelPackage(proxied, verifiedIn("staging", GROUP));

    assert.deepEqual(found, {
      arn: arnOf(4),
      groupName: GROUP,
      version: 4,
      approvalStatus: APPROVED,
      containers: [{ image: IMAGE, modelDataUrl: `s3://${GROUP}-artifacts/model.tar.gz` }],
      stageStatuses: { staging: "Verified", prod: "Deployed" },
    } satisfies DeployablePackage);
    // The rejected version 6 is not listed; 5 is described and passed over; nothing older than 4 is read.
    assert.deepEqual(
      proxy.requests.map(({ operation, input }) => [
        operation,
        input.ModelPackageName ?? input.ModelApprovalStatus,
      ]),
      [
        ["ListModelPackages", "Approved"],
        ["DescribeModelPackage", arnOf(5)],
        ["DescribeModelPackage", arnOf(4)],
      ],
    );
  });

  it("counts the stage's own status only: Deployed in prod is not Verified in prod", async function () {
    assert.equal(await resolveModelPackage(proxied, verifiedIn("prod", GROUP)), undefined);
    // Every approved version was described: 5, 4, 3, 1.
    assert.equal(proxy.requests.filter((r) => r.operation === "DescribeModelPackage").length, 4);
  });

  it("is undefined when no approved version is verified yet, and for a group that does not exist yet", async function () {
    assert.equal(await resolveModelPackage(client, verifiedIn("staging", UNVERIFIED_GROUP)), undefined);
    assert.equal(
      await resolveModelPackage(client, verifiedIn("staging", "mlops-staging-missing")),
      undefined,
    );
    assert.equal(await resolveModelPackage(client, verifiedIn("qa", GROUP)), undefined);
  });

  it("passes a group ARN of another account through to ListModelPackages", async function () {
    const foreign = `arn:aws:sagemaker:us-east-1:${SOURCE_ACCOUNT}:model-package-group/${GROUP}`;
    // moto lists its own group of that name (see above), which is enough to follow the request.
    const found = await resolveModelPackage(proxied, verifiedIn("staging", foreign));

    assert.equal(found?.arn, arnOf(4));
    assert.deepEqual(proxy.requests[0], {
      operation: "ListModelPackages",
      input: {
        ModelPackageGroupName: foreign,
        ModelApprovalStatus: "Approved",
        SortBy: "CreationTime",
        SortOrder: "Descending",
        MaxResults: 100,
      },
    });
  });

  it("says, when reading another stack's group is denied, that it must be shared with this account", async function () {
    const deployer = testClient(authMoto.endpoint, { credentials: deployKey });
    try {
      await rejectsWithLookupError(
        resolveModelPackage(deployer, verifiedIn("staging")),
        `Could not read model packages of group "${SOURCE_GROUP_ARN}" (${CONFIG_PATH}): access denied ` +
          "(AccessDenied: User: arn:aws:iam::123456789012:user/deploy-without-policies is not authorized to " +
          "perform: sagemaker:ListModelPackages). The group is in the model registry of account 111111111111: " +
          "if that is not this stack's account, the stack that builds the model there must share the group with " +
          "this stack's account (list the account in its mlops:promotion.consumerAccounts, which creates the " +
          "group's resource policy, and run `pulumi up` there); and the deploying identity needs " +
          "sagemaker:ListModelPackages and sagemaker:DescribeModelPackage on " +
          "arn:aws:sagemaker:us-east-1:111111111111:model-package/mlops-staging-diagnosis/*.",
      );
    } finally {
      deployer.destroy();
    }
  });
});

describe("registry/modelPackages latest-verified with ModelLifeCycle (aws-sdk-client-mock)", function () {
  // moto drops ModelLifeCycle (probed above): these responses are shaped like the API reference's
  // DescribeModelPackage and ListModelPackages, as SageMaker returns them for a shared group.
  let client: SageMakerClient;
  let sagemaker: ReturnType<typeof mockClient>;

  const summary = (version: number): ModelPackageSummary => ({
    ModelPackageGroupName: SOURCE_GROUP,
    ModelPackageVersion: version,
    ModelPackageArn: sourceArn(version),
    CreationTime: new Date(Date.UTC(2026, 0, version)),
    ModelPackageStatus: "Completed",
    ModelApprovalStatus: APPROVED,
  });
  const described = (
    version: number,
    record: Pick<DescribeModelPackageCommandOutput, "ModelLifeCycle" | "CustomerMetadataProperties">,
  ): DescribeModelPackageCommandOutput => ({
    $metadata: {},
    ModelPackageName: SOURCE_GROUP,
    ModelPackageGroupName: SOURCE_GROUP,
    ModelPackageVersion: version,
    ModelPackageArn: sourceArn(version),
    CreationTime: new Date(Date.UTC(2026, 0, version)),
    ModelPackageStatus: "Completed",
    ModelPackageStatusDetails: { ValidationStatuses: [] },
    ModelApprovalStatus: APPROVED,
    InferenceSpecification: {
      Containers: [{ Image: IMAGE, ModelDataUrl: `s3://${SOURCE_GROUP}-artifacts/v${version}/model.tar.gz` }],
      SupportedContentTypes: ["text/csv"],
      SupportedResponseMIMETypes: ["text/csv"],
    },
    ...record,
  });
  const deployable = (version: number, rest: Partial<DeployablePackage>): DeployablePackage => ({
    arn: sourceArn(version),
    groupName: SOURCE_GROUP,
    version,
    approvalStatus: APPROVED,
    containers: [{ image: IMAGE, modelDataUrl: `s3://${SOURCE_GROUP}-artifacts/v${version}/model.tar.gz` }],
    ...rest,
  });
  /** The group's approved versions newest first, one page, each described as given. */
  const registry = (versions: Record<number, DescribeModelPackageCommandOutput>) => {
    const newestFirst = Object.keys(versions)
      .map(Number)
      .sort((a, b) => b - a);
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: newestFirst.map(summary) });
    for (const version of newestFirst) {
      sagemaker
        .on(DescribeModelPackageCommand, { ModelPackageName: sourceArn(version) })
        .resolves(versions[version]);
    }
  };
  const describedVersions = () =>
    sagemaker.commandCalls(DescribeModelPackageCommand).map((call) => call.args[0].input.ModelPackageName);

  beforeEach(function () {
    client = new SageMakerClient({
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    });
    sagemaker = mockClient(client);
  });

  afterEach(function () {
    sagemaker.restore();
    client.destroy();
  });

  it("chooses the newest version verified in the stage over newer ones that are not", async function () {
    registry({
      9: described(9, {}),
      8: described(8, {
        ModelLifeCycle: { Stage: "staging", StageStatus: "Failed", StageDescription: "smoke test" },
      }),
      7: described(7, { ModelLifeCycle: { Stage: "qa", StageStatus: "Verified" } }),
      6: described(6, {
        ModelLifeCycle: { Stage: "staging", StageStatus: "Verified", StageDescription: RUN_URL },
        CustomerMetadataProperties: { "lifecycle:staging": "Verified" },
      }),
      5: described(5, { ModelLifeCycle: { Stage: "staging", StageStatus: "Verified" } }),
    });

    assert.deepEqual(
      await resolveModelPackage(client, verifiedIn("staging")),
      deployable(6, {
        lifecycle: { stage: "staging", stageStatus: "Verified", stageDescription: RUN_URL },
        stageStatuses: { staging: "Verified" },
      }),
    );
    assert.deepEqual(describedVersions(), [sourceArn(9), sourceArn(8), sourceArn(7), sourceArn(6)]);
    assert.deepEqual(sagemaker.commandCalls(ListModelPackagesCommand)[0]?.args[0].input, {
      ModelPackageGroupName: SOURCE_GROUP_ARN,
      ModelApprovalStatus: "Approved",
      SortBy: "CreationTime",
      SortOrder: "Descending",
      MaxResults: 100,
      NextToken: undefined,
    });
  });

  it("finds a version verified in staging through its metadata once its lifecycle moved on to prod", async function () {
    const prodDeployed = { Stage: "prod", StageStatus: "Deployed", StageDescription: `${RUN_URL}/prod` };
    registry({
      4: described(4, { ModelLifeCycle: { Stage: "prod", StageStatus: "Deployed" } }),
      3: described(3, {
        ModelLifeCycle: prodDeployed,
        CustomerMetadataProperties: {
          "lifecycle:staging": "Verified",
          "lifecycle:prod": "Deployed",
          team: "ml",
        },
      }),
    });

    const found = await resolveModelPackage(client, verifiedIn("staging"));

    assert.deepEqual(
      found,
      deployable(3, {
        lifecycle: { stage: "prod", stageStatus: "Deployed", stageDescription: `${RUN_URL}/prod` },
        stageStatuses: { staging: "Verified", prod: "Deployed" },
      }),
    );
    assert.equal(verificationIn(found as DeployablePackage, "staging"), "CustomerMetadataProperties");
    assert.equal(verificationIn(found as DeployablePackage, "prod"), undefined);
  });

  it("is undefined when no approved version is verified in the stage", async function () {
    registry({
      2: described(2, { ModelLifeCycle: { Stage: "staging", StageStatus: "Deployed" } }),
      1: described(1, { CustomerMetadataProperties: { "lifecycle:staging": "Failed" } }),
    });
    assert.equal(await resolveModelPackage(client, verifiedIn("staging")), undefined);
    assert.deepEqual(describedVersions(), [sourceArn(2), sourceArn(1)]);
  });

  it(`describes at most ${MAX_VERIFIED_CANDIDATES} versions, and says how many when it stopped there`, async function () {
    // 130 approved versions, on two pages, none verified.
    const versions = Array.from({ length: 130 }, (_, i) => 130 - i);
    sagemaker
      .on(ListModelPackagesCommand)
      .resolvesOnce({ ModelPackageSummaryList: versions.slice(0, 100).map(summary), NextToken: "page-2" })
      .resolvesOnce({ ModelPackageSummaryList: versions.slice(100).map(summary) });
    sagemaker.on(DescribeModelPackageCommand).callsFake((input: { ModelPackageName?: string }) => {
      const version = Number(input.ModelPackageName?.split("/").pop());
      return described(version, { ModelLifeCycle: { Stage: "staging", StageStatus: "Deployed" } });
    });

    assert.deepEqual(await resolveModelPackage(client, verifiedIn("staging")), { examined: 100 });
    assert.equal(describedVersions().length, MAX_VERIFIED_CANDIDATES);
    assert.equal(describedVersions().at(-1), sourceArn(31));
    // The second page is read only to learn that there are older versions.
    assert.equal(sagemaker.commandCalls(ListModelPackagesCommand).length, 2);
  });

  it(`is undefined, not cut short, when exactly ${MAX_VERIFIED_CANDIDATES} versions were examined`, async function () {
    const versions = Array.from({ length: MAX_VERIFIED_CANDIDATES }, (_, i) => MAX_VERIFIED_CANDIDATES - i);
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: versions.map(summary) });
    sagemaker
      .on(DescribeModelPackageCommand)
      .callsFake((input: { ModelPackageName?: string }) =>
        described(Number(input.ModelPackageName?.split("/").pop()), {}),
      );
    assert.equal(await resolveModelPackage(client, verifiedIn("staging")), undefined);
  });

  describe("access to another account's registry", function () {
    /** IAM's answer to a caller the group's resource policy does not name (the API reference's AccessDeniedException). */
    const denied = (action: string, resource: string) =>
      Object.assign(
        new Error(
          `User: arn:aws:sts::222222222222:assumed-role/mlops-prod-deploy/ci is not authorized to perform: ` +
            `${action} on resource: ${resource} because no resource-based policy allows the ${action} action`,
        ),
        { name: "AccessDeniedException", $fault: "client", $metadata: { httpStatusCode: 400, attempts: 1 } },
      );
    const fix =
      "The group is in the model registry of account 111111111111: if that is not this stack's account, the " +
      "stack that builds the model there must share the group with this stack's account (list the account in " +
      "its mlops:promotion.consumerAccounts, which creates the group's resource policy, and run `pulumi up` " +
      "there); and the deploying identity needs sagemaker:ListModelPackages and sagemaker:DescribeModelPackage " +
      "on arn:aws:sagemaker:us-east-1:111111111111:model-package/mlops-staging-diagnosis/*.";

    it("names promotion.consumerAccounts when listing is denied", async function () {
      sagemaker.on(ListModelPackagesCommand).rejects(denied("sagemaker:ListModelPackages", SOURCE_GROUP_ARN));
      await rejectsWithLookupError(
        resolveModelPackage(client, verifiedIn("staging")),
        `Could not read model packages of group "${SOURCE_GROUP_ARN}" (${CONFIG_PATH}): access denied ` +
          "(AccessDeniedException: User: arn:aws:sts::222222222222:assumed-role/mlops-prod-deploy/ci is not " +
          `authorized to perform: sagemaker:ListModelPackages on resource: ${SOURCE_GROUP_ARN} because no ` +
          `resource-based policy allows the sagemaker:ListModelPackages action). ${fix}`,
      );
    });

    it("and when describing a version is denied, latest-verified or pinned", async function () {
      sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [summary(2)] });
      sagemaker
        .on(DescribeModelPackageCommand)
        .rejects(denied("sagemaker:DescribeModelPackage", sourceArn(2)));
      const message =
        `Could not read model package ${sourceArn(2)} (${CONFIG_PATH}): access denied (AccessDeniedException: ` +
        "User: arn:aws:sts::222222222222:assumed-role/mlops-prod-deploy/ci is not authorized to perform: " +
        `sagemaker:DescribeModelPackage on resource: ${sourceArn(2)} because no resource-based policy allows the ` +
        `sagemaker:DescribeModelPackage action). ${fix}`;
      await rejectsWithLookupError(resolveModelPackage(client, verifiedIn("staging")), message);
      await rejectsWithLookupError(
        resolveModelPackage(client, { ...verifiedIn("staging"), modelPackage: sourceArn(2) }),
        message,
      );
    });

    it("keeps the own registry's message for a group named without ARN", async function () {
      sagemaker.on(ListModelPackagesCommand).rejects(denied("sagemaker:ListModelPackages", SOURCE_GROUP_ARN));
      await assert.rejects(resolveModelPackage(client, verifiedIn("staging", SOURCE_GROUP)), {
        message:
          /\)\. The deploying identity needs sagemaker:ListModelPackages and sagemaker:DescribeModelPackage on the group's model packages \(arn:aws:sagemaker:<region>:<account>:model-package\/<group>\/\*\)\.$/,
      });
    });
  });

  it("refuses latest-verified without the stage whose verification counts", async function () {
    await rejectsWithLookupError(
      resolveModelPackage(client, {
        groupName: SOURCE_GROUP_ARN,
        modelPackage: "latest-verified",
        configPath: CONFIG_PATH,
      }),
      `${CONFIG_PATH} is "latest-verified" without the environment whose verification counts; set source.verifiedIn (e.g. staging).`,
    );
    assert.equal(sagemaker.calls().length, 0);
  });
});
