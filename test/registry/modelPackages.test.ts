import assert from "node:assert/strict";
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  ModelApprovalStatus,
  type MetricsSource,
  type ModelDataQuality,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { DRIFT_BASELINE_CONTENT_TYPE } from "../../components/pipeline/definition";
import { createSageMakerClient } from "../../registry/client";
import { describeAwsError } from "../../registry/errors";
import {
  approvedPackagesNewestFirst,
  dataQualityBaselineOf,
  describeDeployablePackage,
  driftBaselineOf,
  latestApprovedPackageArn,
  resolveModelPackage,
  type DataQualityBaseline,
  type DeployablePackage,
  type DriftBaselineFile,
} from "../../registry/modelPackages";
import {
  createUserWithoutPolicies,
  freePort,
  startAwsJsonProxy,
  startMotoServer,
  testClient,
  type AwsJsonProxy,
  type MotoServer,
} from "../helpers/motoServer";
import { rejectsWithLookupError, THROTTLED } from "../helpers/deployedEndpoint";

const GROUP = "mlops-prod-diagnosis";
const EMPTY_GROUP = "mlops-prod-empty";
const NO_CONTAINER_GROUP = "mlops-prod-unpackaged";
const MISSING_GROUP = "mlops-prod-missing";
const CONFIG_PATH = "models[0].endpoint.modelPackage";
const IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const ACCOUNT_PREFIX = "arn:aws:sagemaker:us-east-1:123456789012:model-package";

const { APPROVED, PENDING_MANUAL_APPROVAL, REJECTED } = ModelApprovalStatus;
/** Approval state of versions 1…9, oldest first; the two newest are not approved, so filtering matters. */
const STATUSES = [
  APPROVED,
  REJECTED,
  APPROVED,
  PENDING_MANUAL_APPROVAL,
  APPROVED,
  APPROVED,
  APPROVED,
  REJECTED,
  PENDING_MANUAL_APPROVAL,
] as const;
const APPROVED_NEWEST_FIRST = [7, 6, 5, 3, 1];

const arnOf = (version: number, group = GROUP) => `${ACCOUNT_PREFIX}/${group}/${version}`;
const modelDataUrlOf = (version: number) =>
  `s3://sagemaker-us-east-1-123456789012/pipelines/diagnosis-exec-${version}/Train/output/model.tar.gz`;
const packageOf = (version: number): DeployablePackage => ({
  arn: arnOf(version),
  groupName: GROUP,
  version,
  approvalStatus: STATUSES[version - 1] ?? "",
  containers: [{ image: IMAGE, modelDataUrl: modelDataUrlOf(version) }],
});

/** A Model Monitor statistics or constraints file as registered with a model package. */
const metricsFile = (uri: string): MetricsSource => ({ ContentType: "application/json", S3Uri: uri });
/** URIs of a data-quality baseline; either may be left out to register half a baseline. */
interface BaselineUris {
  readonly statistics?: string;
  readonly constraints?: string;
}
const dataQualityOf = ({ statistics, constraints }: BaselineUris): ModelDataQuality => ({
  ...(statistics === undefined ? {} : { Statistics: metricsFile(statistics) }),
  ...(constraints === undefined ? {} : { Constraints: metricsFile(constraints) }),
});
const baselineUris = (group: string, kind: "drift-check" | "calculated"): Required<BaselineUris> => {
  const prefix = `s3://sagemaker-us-east-1-123456789012/pipelines/${group}/DataQualityBaseline/${kind}`;
  return { statistics: `${prefix}/statistics.json`, constraints: `${prefix}/constraints.json` };
};

/** Where the pipeline's DriftBaseline step of an execution in `group` writes drift_baseline.json. */
const driftBaselineUri = (group: string) =>
  `s3://sagemaker-us-east-1-123456789012/pipelines/${group}/DriftBaseline/drift-baseline/drift_baseline.json`;
/** The drift baseline as the pipeline's Register step records it. */
const driftBaselineFile = (uri: string): MetricsSource => ({
  ContentType: DRIFT_BASELINE_CONTENT_TYPE,
  S3Uri: uri,
});

/**
 * One approved version in a group of its own per case, so that latest-approved resolves exactly that
 * version; the groups are apart from GROUP, whose versions the other tests count.
 */
interface BaselineCase {
  readonly title: string;
  readonly group: string;
  readonly driftCheck?: BaselineUris;
  readonly metrics?: BaselineUris;
  /** A drift baseline in ModelMetrics (instead of `metrics`), as the pipeline registers it. */
  readonly driftBaseline?: string;
  readonly expected: DataQualityBaseline | undefined;
  readonly expectedDrift?: DriftBaselineFile;
}
const BOTH_GROUP = "mlops-prod-baseline-both";
const METRICS_ONLY_GROUP = "mlops-prod-baseline-metrics-only";
const NO_BASELINE_GROUP = "mlops-prod-baseline-none";
const HALF_DRIFT_GROUP = "mlops-prod-baseline-half-drift-check";
const DRIFT_AND_MONITOR_GROUP = "mlops-prod-baseline-drift-and-monitor";
const DRIFT_ONLY_GROUP = "mlops-prod-baseline-drift-only";
const BASELINE_CASES: readonly BaselineCase[] = [
  {
    title: "the drift-check baseline when both are registered",
    group: BOTH_GROUP,
    driftCheck: baselineUris(BOTH_GROUP, "drift-check"),
    metrics: baselineUris(BOTH_GROUP, "calculated"),
    expected: {
      statisticsUri:
        "s3://sagemaker-us-east-1-123456789012/pipelines/mlops-prod-baseline-both/DataQualityBaseline/" +
        "drift-check/statistics.json",
      constraintsUri:
        "s3://sagemaker-us-east-1-123456789012/pipelines/mlops-prod-baseline-both/DataQualityBaseline/" +
        "drift-check/constraints.json",
      source: "DriftCheckBaselines",
    },
  },
  {
    title: "the model-metrics baseline when it is the only one",
    group: METRICS_ONLY_GROUP,
    metrics: baselineUris(METRICS_ONLY_GROUP, "calculated"),
    expected: { ...calculatedBaselineOf(METRICS_ONLY_GROUP), source: "ModelMetrics" },
  },
  {
    title: "absent when none is registered",
    group: NO_BASELINE_GROUP,
    expected: undefined,
  },
  {
    title: "the model-metrics baseline when the drift-check one has statistics but no constraints",
    group: HALF_DRIFT_GROUP,
    driftCheck: { statistics: baselineUris(HALF_DRIFT_GROUP, "drift-check").statistics },
    metrics: baselineUris(HALF_DRIFT_GROUP, "calculated"),
    expected: { ...calculatedBaselineOf(HALF_DRIFT_GROUP), source: "ModelMetrics" },
  },
  {
    title: "the drift baseline and Model Monitor's, as the pipeline registers them with modelMonitorBaseline",
    group: DRIFT_AND_MONITOR_GROUP,
    driftCheck: baselineUris(DRIFT_AND_MONITOR_GROUP, "drift-check"),
    driftBaseline: driftBaselineUri(DRIFT_AND_MONITOR_GROUP),
    expected: {
      statisticsUri:
        "s3://sagemaker-us-east-1-123456789012/pipelines/mlops-prod-baseline-drift-and-monitor/" +
        "DataQualityBaseline/drift-check/statistics.json",
      constraintsUri:
        "s3://sagemaker-us-east-1-123456789012/pipelines/mlops-prod-baseline-drift-and-monitor/" +
        "DataQualityBaseline/drift-check/constraints.json",
      source: "DriftCheckBaselines",
    },
    expectedDrift: {
      uri:
        "s3://sagemaker-us-east-1-123456789012/pipelines/mlops-prod-baseline-drift-and-monitor/" +
        "DriftBaseline/drift-baseline/drift_baseline.json",
    },
  },
  {
    title: "the drift baseline alone, as the pipeline registers it by default",
    group: DRIFT_ONLY_GROUP,
    driftBaseline: driftBaselineUri(DRIFT_ONLY_GROUP),
    expected: undefined,
    expectedDrift: {
      uri:
        "s3://sagemaker-us-east-1-123456789012/pipelines/mlops-prod-baseline-drift-only/" +
        "DriftBaseline/drift-baseline/drift_baseline.json",
    },
  },
];

function calculatedBaselineOf(group: string): Omit<DataQualityBaseline, "source"> {
  const { statistics, constraints } = baselineUris(group, "calculated");
  return { statisticsUri: statistics, constraintsUri: constraints };
}

/** The CreateModelPackage input of a {@link BaselineCase}, leaving out what the case does not register. */
function baselineCaseInput({ group, driftCheck, metrics, driftBaseline }: BaselineCase) {
  return {
    ModelPackageGroupName: group,
    ModelApprovalStatus: APPROVED,
    InferenceSpecification: {
      Containers: [{ Image: IMAGE, ModelDataUrl: modelDataUrlOf(1) }],
      SupportedContentTypes: ["text/csv"],
      SupportedResponseMIMETypes: ["text/csv"],
    },
    ...(driftCheck === undefined
      ? {}
      : { DriftCheckBaselines: { ModelDataQuality: dataQualityOf(driftCheck) } }),
    ...(metrics === undefined ? {} : { ModelMetrics: { ModelDataQuality: dataQualityOf(metrics) } }),
    ...(driftBaseline === undefined
      ? {}
      : { ModelMetrics: { ModelDataQuality: { Statistics: driftBaselineFile(driftBaseline) } } }),
  };
}

async function seedBaselineCases(client: SageMakerClient): Promise<void> {
  for (const baselineCase of BASELINE_CASES) {
    await client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: baselineCase.group }));
    const created = await client.send(new CreateModelPackageCommand(baselineCaseInput(baselineCase)));
    assert.equal(created.ModelPackageArn, arnOf(1, baselineCase.group));
  }
}

const rejectsWith = rejectsWithLookupError;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of items) {
    result.push(item);
  }
  return result;
}

async function seed(client: SageMakerClient): Promise<void> {
  for (const group of [GROUP, EMPTY_GROUP, NO_CONTAINER_GROUP]) {
    await client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
  }
  // Sequential on purpose: moto sets CreationTime to "now", and the order is what the tests check.
  for (const [index, status] of STATUSES.entries()) {
    const created = await client.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: GROUP,
        ModelApprovalStatus: status,
        InferenceSpecification: {
          Containers: [{ Image: IMAGE, ModelDataUrl: modelDataUrlOf(index + 1) }],
          SupportedContentTypes: ["text/csv"],
          SupportedResponseMIMETypes: ["text/csv"],
        },
      }),
    );
    assert.equal(created.ModelPackageArn, arnOf(index + 1));
  }
  await client.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: NO_CONTAINER_GROUP,
      ModelApprovalStatus: APPROVED,
    }),
  );
  // The newest-first order relies on distinct creation times (moto has millisecond resolution here).
  const times: number[] = [];
  for (let version = 1; version <= STATUSES.length; version++) {
    const described = await client.send(
      new DescribeModelPackageCommand({ ModelPackageName: arnOf(version) }),
    );
    times.push(described.CreationTime?.getTime() ?? Number.NaN);
  }
  assert.ok(
    times.every((time, i) => i === 0 || time > (times[i - 1] ?? Infinity)),
    `creation times not increasing: ${times.join(", ")}`,
  );
}

describe("registry/modelPackages against moto", function () {
  // The timeout of .mocharc, also when the file runs alone with --no-config: starting two moto servers and
  // seeding can pass mocha's default 2 s on a busy machine, and a "before all" hook that times out leaves
  // its servers running.
  this.timeout(20_000);

  let moto: MotoServer;
  /** Enforces IAM authentication (after the two requests that create the user without policies). */
  let authMoto: MotoServer;
  const servers: MotoServer[] = [];
  let proxy: AwsJsonProxy;
  let client: SageMakerClient;
  /**
   * Client going through the proxy, for counting and faking requests: the standard strategy's
   * retries (3 attempts) but 1 ms backoff.
   */
  let proxied: SageMakerClient;
  /** Clients of single tests, destroyed after each so that no keep-alive socket outlives the servers. */
  const testClients: SageMakerClient[] = [];
  const clientFor = (endpoint: string, extra: Parameters<typeof testClient>[1] = {}) => {
    const made = testClient(endpoint, extra);
    testClients.push(made);
    return made;
  };
  let deployKey: { accessKeyId: string; secretAccessKey: string };

  before(async function () {
    const started = await Promise.allSettled([
      startMotoServer(),
      // Two actions without authentication: CreateUser and CreateAccessKey, then moto enforces IAM.
      startMotoServer({ env: { INITIAL_NO_AUTH_ACTION_COUNT: "2" } }),
    ]);
    for (const result of started) {
      // Kept even if the other one failed, so that `after` stops it.
      if (result.status === "fulfilled") {
        servers.push(result.value);
      }
    }
    const failure = started.find((result) => result.status === "rejected");
    if (failure !== undefined) {
      throw failure.reason;
    }
    [moto, authMoto] = servers as [MotoServer, MotoServer];
    deployKey = await createUserWithoutPolicies(authMoto.endpoint, "deploy-without-policies");
    proxy = await startAwsJsonProxy(moto.endpoint);
    client = testClient(moto.endpoint);
    proxied = testClient(proxy.endpoint, { retryStrategy: new ConfiguredRetryStrategy(3, 1) });
    await seed(client);
    await seedBaselineCases(client);
  });

  beforeEach(function () {
    proxy.requests.length = 0;
    proxy.intercept = () => undefined;
  });

  afterEach(function () {
    for (const made of testClients.splice(0)) {
      made.destroy();
    }
  });

  after(async function () {
    client?.destroy();
    proxied?.destroy();
    await proxy?.close();
    await Promise.all(servers.map((server) => server.stop()));
    for (const server of servers) {
      assert.throws(
        () => process.kill(server.pid, 0),
        { code: "ESRCH" },
        `moto server ${server.pid} still runs`,
      );
    }
  });

  describe("approvedPackagesNewestFirst", function () {
    it("returns exactly the approved versions, newest first, across pages of the given size", async function () {
      const summaries = await collect(approvedPackagesNewestFirst(proxied, GROUP, 2));

      assert.deepEqual(
        summaries.map((summary) => [
          summary.ModelPackageVersion,
          summary.ModelPackageArn,
          summary.ModelApprovalStatus,
        ]),
        APPROVED_NEWEST_FIRST.map((version) => [version, arnOf(version), APPROVED]),
      );
      const query = {
        ModelPackageGroupName: GROUP,
        ModelApprovalStatus: "Approved",
        SortBy: "CreationTime",
        SortOrder: "Descending",
        MaxResults: 2,
      };
      assert.deepEqual(
        proxy.requests.map(({ operation, input }) => [
          operation,
          { ...input, NextToken: typeof input.NextToken },
        ]),
        [
          ["ListModelPackages", { ...query, NextToken: "undefined" }],
          ["ListModelPackages", { ...query, NextToken: "string" }],
          ["ListModelPackages", { ...query, NextToken: "string" }],
        ],
      );
    });

    it("skips an empty page that still has a NextToken", async function () {
      proxy.intercept = ({ operation, input }) => {
        if (operation !== "ListModelPackages") {
          return undefined;
        }
        if (input.NextToken === undefined) {
          return {
            respond: { status: 200, body: { ModelPackageSummaryList: [], NextToken: "after-empty-page" } },
          };
        }
        if (input.NextToken === "after-empty-page") {
          // moto does not know this token: continue as if it had been the first page.
          const restarted = { ...input };
          delete restarted.NextToken;
          return { forward: restarted };
        }
        return undefined;
      };

      const summaries = await collect(approvedPackagesNewestFirst(proxied, GROUP, 2));

      assert.deepEqual(
        summaries.map((summary) => summary.ModelPackageVersion),
        APPROVED_NEWEST_FIRST,
      );
      assert.equal(proxy.requests.length, 4);
      assert.equal(await latestApprovedPackageArn(proxied, GROUP), arnOf(7));
      assert.equal(proxy.requests.length, 6);
    });

    it("yields nothing for a group without versions", async function () {
      assert.deepEqual(await collect(approvedPackagesNewestFirst(client, EMPTY_GROUP)), []);
    });
  });

  describe("latestApprovedPackageArn", function () {
    it("is the newest approved version, not the newest version", async function () {
      assert.equal(await latestApprovedPackageArn(client, GROUP), arnOf(7));
    });

    it("is undefined for an empty group", async function () {
      assert.equal(await latestApprovedPackageArn(client, EMPTY_GROUP), undefined);
    });

    it("is undefined for a group that does not exist (moto lists nothing)", async function () {
      assert.equal(await latestApprovedPackageArn(proxied, MISSING_GROUP), undefined);
      assert.deepEqual(
        proxy.requests.map((request) => request.operation),
        ["ListModelPackages"],
      );
    });

    it("is undefined when AWS reports that the group does not exist", async function () {
      proxy.intercept = () => ({
        respond: {
          status: 400,
          body: {
            __type: "ValidationException",
            message: `Model Package Group ${MISSING_GROUP} does not exist.`,
          },
        },
      });
      assert.equal(await latestApprovedPackageArn(proxied, MISSING_GROUP), undefined);

      proxy.intercept = () => ({
        respond: { status: 400, body: { __type: "ResourceNotFound", message: "Resource not found." } },
      });
      assert.equal(await latestApprovedPackageArn(proxied, MISSING_GROUP), undefined);
    });

    it("fails on other validation errors", async function () {
      const message = "1 validation error detected: Value 'Bogus' at 'sortBy' failed to satisfy constraint";
      proxy.intercept = () => ({
        respond: { status: 400, body: { __type: "ValidationException", message } },
      });

      await rejectsWith(
        latestApprovedPackageArn(proxied, GROUP),
        `Could not read model packages of group "${GROUP}": ValidationException: ${message}`,
      );
    });
  });

  describe("resolveModelPackage", function () {
    it("describes the newest approved version for latest-approved", async function () {
      const resolved = await resolveModelPackage(client, {
        groupName: GROUP,
        modelPackage: "latest-approved",
        configPath: CONFIG_PATH,
      });

      assert.deepEqual(resolved, {
        arn: `${ACCOUNT_PREFIX}/mlops-prod-diagnosis/7`,
        groupName: "mlops-prod-diagnosis",
        version: 7,
        approvalStatus: "Approved",
        containers: [
          {
            image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            modelDataUrl:
              "s3://sagemaker-us-east-1-123456789012/pipelines/diagnosis-exec-7/Train/output/model.tar.gz",
          },
        ],
      });
    });

    it("is undefined for latest-approved when the group has no approved version", async function () {
      const request = { groupName: EMPTY_GROUP, modelPackage: "latest-approved", configPath: CONFIG_PATH };
      assert.equal(await resolveModelPackage(client, request), undefined);
    });

    it("describes a pinned approved version, even an older one", async function () {
      const request = { groupName: GROUP, modelPackage: arnOf(3), configPath: CONFIG_PATH };
      assert.deepEqual(await resolveModelPackage(client, request), packageOf(3));
    });

    for (const [version, status] of [
      [8, "Rejected"],
      [9, "PendingManualApproval"],
    ] as const) {
      it(`refuses a pinned ${status} version`, async function () {
        const request = { groupName: GROUP, modelPackage: arnOf(version), configPath: CONFIG_PATH };
        await rejectsWith(
          resolveModelPackage(client, request),
          `Model package ${arnOf(version)} (${CONFIG_PATH}) is ${status}, not Approved; approve it in the ` +
            'model registry or pin an approved version (or use "latest-approved").',
        );
      });
    }

    it("says so when a pinned version does not exist", async function () {
      const request = { groupName: GROUP, modelPackage: arnOf(42), configPath: CONFIG_PATH };
      await rejectsWith(
        resolveModelPackage(client, request),
        `Could not read model package ${arnOf(42)} (${CONFIG_PATH}): it does not exist ` +
          `(ValidationException: Model package ${arnOf(42)} not found). Check the ARN, or use "latest-approved".`,
      );
    });

    it("refuses a version without inference containers", async function () {
      const arn = arnOf(1, NO_CONTAINER_GROUP);
      await rejectsWith(
        describeDeployablePackage(client, arn),
        `Could not read model package ${arn}: it has no inference container image ` +
          "(InferenceSpecification.Containers), so an endpoint cannot serve it; register the model with an " +
          "inference specification.",
      );
    });
  });

  describe("drift and data-quality baselines", function () {
    it("is registered and described by moto as sent", async function () {
      // Without this round trip, the cases below would not show that the fields are read at all.
      for (const baselineCase of BASELINE_CASES) {
        const sent = baselineCaseInput(baselineCase);
        const described = await client.send(
          new DescribeModelPackageCommand({ ModelPackageName: arnOf(1, baselineCase.group) }),
        );
        assert.deepEqual(
          { DriftCheckBaselines: described.DriftCheckBaselines, ModelMetrics: described.ModelMetrics },
          { DriftCheckBaselines: sent.DriftCheckBaselines, ModelMetrics: sent.ModelMetrics },
          baselineCase.group,
        );
      }
    });

    for (const baselineCase of BASELINE_CASES) {
      const { title, group, expected, expectedDrift } = baselineCase;
      const described: DeployablePackage = {
        arn: arnOf(1, group),
        groupName: group,
        version: 1,
        approvalStatus: APPROVED,
        containers: [{ image: IMAGE, modelDataUrl: modelDataUrlOf(1) }],
        ...(expectedDrift === undefined ? {} : { driftBaseline: expectedDrift }),
        ...(expected === undefined ? {} : { dataQualityBaseline: expected }),
      };

      it(`is ${title}, for latest-approved and for the pinned version`, async function () {
        // deepEqual is strict: a dataQualityBaseline key set to undefined would not match a package without one.
        const latest = { groupName: group, modelPackage: "latest-approved", configPath: CONFIG_PATH };
        const pinned = { ...latest, modelPackage: arnOf(1, group) };

        assert.deepEqual(await resolveModelPackage(client, latest), described);
        assert.deepEqual(await resolveModelPackage(client, pinned), described);
      });
    }
  });

  describe("throttling", function () {
    it("is retried with backoff until a request gets through", async function () {
      let throttled = 0;
      proxy.intercept = ({ operation }) => {
        if (operation === "ListModelPackages" && throttled < 2) {
          throttled++;
          return THROTTLED;
        }
        return undefined;
      };

      assert.equal(await latestApprovedPackageArn(proxied, GROUP), arnOf(7));
      assert.deepEqual(
        proxy.requests.map((request) => request.operation),
        ["ListModelPackages", "ListModelPackages", "ListModelPackages"],
      );
    });

    it("fails with the number of attempts when it persists", async function () {
      proxy.intercept = () => THROTTLED;
      const impatient = clientFor(proxy.endpoint, { retryStrategy: new ConfiguredRetryStrategy(2, 1) });

      await rejectsWith(
        resolveModelPackage(impatient, {
          groupName: GROUP,
          modelPackage: "latest-approved",
          configPath: CONFIG_PATH,
        }),
        `Could not read model packages of group "${GROUP}" (${CONFIG_PATH}): SageMaker is still throttling ` +
          "requests after 2 attempts (ThrottlingException: Rate exceeded). Wait a minute and run again, or run " +
          "fewer deployments against this account and region at once.",
      );
      assert.equal(proxy.requests.length, 2);
    });
  });

  describe("credentials and access", function () {
    const rejected = (detail: string) =>
      `Could not read model packages of group "${GROUP}" (${CONFIG_PATH}): the AWS credentials were rejected ` +
      `as expired or invalid (${detail}). Refresh them (for example \`aws sso login\`, or new keys in ` +
      "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN) and run again.";
    const latest = { groupName: GROUP, modelPackage: "latest-approved", configPath: CONFIG_PATH };

    it("says that no credentials were found, before sending anything", async function () {
      const anonymous = clientFor(proxy.endpoint, {
        credentials: async () => {
          // What the SDK's default chain throws; @smithy/property-provider is not a dependency of this project.
          throw Object.assign(new Error("Could not load credentials from any providers"), {
            name: "CredentialsProviderError",
          });
        },
      });

      await rejectsWith(
        resolveModelPackage(anonymous, latest),
        `Could not read model packages of group "${GROUP}" (${CONFIG_PATH}): no AWS credentials were found ` +
          "(CredentialsProviderError: Could not load credentials from any providers). Run with credentials: " +
          "set AWS_PROFILE (after `aws sso login` for an SSO profile) or export AWS_ACCESS_KEY_ID and " +
          "AWS_SECRET_ACCESS_KEY. Pinning the model package to an ARN does not avoid this, because a pinned " +
          "version is still described to check that it is approved.",
      );
      assert.deepEqual(proxy.requests, []);
    });

    it("says that unknown credentials were rejected", async function () {
      const stranger = clientFor(authMoto.endpoint, {
        credentials: { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "not-a-secret" },
      });
      await rejectsWith(
        resolveModelPackage(stranger, latest),
        rejected("InvalidClientTokenId: The security token included in the request is invalid."),
      );
    });

    it("says that credentials with a wrong secret were rejected", async function () {
      const forger = clientFor(authMoto.endpoint, {
        credentials: { accessKeyId: deployKey.accessKeyId, secretAccessKey: "wrong-secret" },
      });
      await rejectsWith(
        resolveModelPackage(forger, latest),
        rejected(
          "SignatureDoesNotMatch: The request signature we calculated does not match the signature you " +
            "provided. Check your AWS Secret Access Key and signing method. Consult the service documentation " +
            "for details.",
        ),
      );
    });

    it("names the missing permissions when access is denied", async function () {
      const deployer = clientFor(authMoto.endpoint, { credentials: deployKey });
      await rejectsWith(
        resolveModelPackage(deployer, latest),
        `Could not read model packages of group "${GROUP}" (${CONFIG_PATH}): access denied (AccessDenied: ` +
          "User: arn:aws:iam::123456789012:user/deploy-without-policies is not authorized to perform: " +
          "sagemaker:ListModelPackages). The deploying identity needs sagemaker:ListModelPackages and " +
          "sagemaker:DescribeModelPackage on the group's model packages " +
          "(arn:aws:sagemaker:<region>:<account>:model-package/<group>/*).",
      );
    });

    it("says when the SageMaker API cannot be reached", async function () {
      const port = await freePort();
      const offline = clientFor(`http://127.0.0.1:${port}`, { maxAttempts: 1 });
      await rejectsWith(
        describeDeployablePackage(offline, arnOf(7)),
        `Could not read model package ${arnOf(7)}: could not reach the SageMaker API (Error: connect ` +
          `ECONNREFUSED 127.0.0.1:${port}). Check the network connection and proxy, the region, and ` +
          "AWS_ENDPOINT_URL_SAGEMAKER / AWS_ENDPOINT_URL if they are set.",
      );
    });
  });
});

describe("registry/modelPackages dataQualityBaselineOf", function () {
  const drift = baselineUris("unit", "drift-check");
  const calculated = baselineUris("unit", "calculated");
  const full = (uris: Required<BaselineUris>): ModelDataQuality => dataQualityOf(uris);
  const driftBaseline: DataQualityBaseline = {
    statisticsUri: drift.statistics,
    constraintsUri: drift.constraints,
    source: "DriftCheckBaselines",
  };
  const calculatedBaseline: DataQualityBaseline = {
    statisticsUri: calculated.statistics,
    constraintsUri: calculated.constraints,
    source: "ModelMetrics",
  };
  // The SDK leaves out members that the response does not have, although the type declares S3Uri.
  const withoutUri = { ContentType: "application/json" } as MetricsSource;

  it("prefers the drift-check baseline, then the model-metrics one", function () {
    assert.deepEqual(
      dataQualityBaselineOf({
        DriftCheckBaselines: { ModelDataQuality: full(drift) },
        ModelMetrics: { ModelDataQuality: full(calculated) },
      }),
      driftBaseline,
    );
    assert.deepEqual(
      dataQualityBaselineOf({ DriftCheckBaselines: { ModelDataQuality: full(drift) } }),
      driftBaseline,
    );
    assert.deepEqual(
      dataQualityBaselineOf({ ModelMetrics: { ModelDataQuality: full(calculated) } }),
      calculatedBaseline,
    );
  });

  it("is undefined without data-quality metrics", function () {
    assert.equal(dataQualityBaselineOf({}), undefined);
    assert.equal(dataQualityBaselineOf({ DriftCheckBaselines: {}, ModelMetrics: {} }), undefined);
    assert.equal(
      dataQualityBaselineOf({
        DriftCheckBaselines: { ModelDataQuality: {} },
        ModelMetrics: { ModelDataQuality: {} },
      }),
      undefined,
    );
  });

  it("ignores the baselines of other monitors", function () {
    const otherMonitors = {
      Statistics: metricsFile("s3://bucket/model-quality/statistics.json"),
      Constraints: metricsFile("s3://bucket/model-quality/constraints.json"),
    };
    assert.equal(
      dataQualityBaselineOf({
        DriftCheckBaselines: { ModelQuality: otherMonitors },
        ModelMetrics: { ModelQuality: otherMonitors },
      }),
      undefined,
    );
    assert.deepEqual(
      dataQualityBaselineOf({
        DriftCheckBaselines: { ModelQuality: otherMonitors },
        ModelMetrics: { ModelDataQuality: full(calculated) },
      }),
      calculatedBaseline,
    );
  });

  it("treats half a baseline as none, falling back to the model-metrics one", function () {
    const halves: readonly ModelDataQuality[] = [
      { Statistics: metricsFile(drift.statistics) },
      { Constraints: metricsFile(drift.constraints) },
      { Statistics: metricsFile(drift.statistics), Constraints: withoutUri },
      { Statistics: withoutUri, Constraints: metricsFile(drift.constraints) },
      { Statistics: metricsFile(drift.statistics), Constraints: metricsFile("") },
      { Statistics: withoutUri, Constraints: withoutUri },
    ];
    for (const half of halves) {
      const name = JSON.stringify(half);
      assert.deepEqual(
        dataQualityBaselineOf({
          DriftCheckBaselines: { ModelDataQuality: half },
          ModelMetrics: { ModelDataQuality: full(calculated) },
        }),
        calculatedBaseline,
        name,
      );
      assert.equal(
        dataQualityBaselineOf({ DriftCheckBaselines: { ModelDataQuality: half } }),
        undefined,
        name,
      );
      assert.equal(dataQualityBaselineOf({ ModelMetrics: { ModelDataQuality: half } }), undefined, name);
    }
  });

  it("never takes a drift baseline for Model Monitor's statistics", function () {
    const drifted = driftBaselineFile(
      "s3://bucket/pipelines/p1/DriftBaseline/drift-baseline/drift_baseline.json",
    );
    // Even beside constraints, in either place.
    assert.equal(
      dataQualityBaselineOf({
        ModelMetrics: {
          ModelDataQuality: { Statistics: drifted, Constraints: metricsFile(calculated.constraints) },
        },
      }),
      undefined,
    );
    assert.equal(
      dataQualityBaselineOf({
        DriftCheckBaselines: {
          ModelDataQuality: { Statistics: drifted, Constraints: metricsFile(drift.constraints) },
        },
      }),
      undefined,
    );
    assert.deepEqual(
      dataQualityBaselineOf({
        DriftCheckBaselines: { ModelDataQuality: full(drift) },
        ModelMetrics: { ModelDataQuality: { Statistics: drifted } },
      }),
      driftBaseline,
    );
  });

  it("does not pair the statistics of one baseline with the constraints of the other", function () {
    assert.equal(
      dataQualityBaselineOf({
        DriftCheckBaselines: { ModelDataQuality: { Statistics: metricsFile(drift.statistics) } },
        ModelMetrics: { ModelDataQuality: { Constraints: metricsFile(calculated.constraints) } },
      }),
      undefined,
    );
  });
});

describe("registry/errors describeAwsError", function () {
  const what = `model packages of group "${GROUP}" (${CONFIG_PATH})`;
  const sdkError = (name: string, message: string, extra: object = {}) =>
    Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } }, extra);

  it("maps the JSON-protocol names of rejected credentials, throttling and access denied", function () {
    assert.equal(
      describeAwsError(
        sdkError("ExpiredTokenException", "The security token included in the request is expired"),
        what,
      ),
      `Could not read ${what}: the AWS credentials were rejected as expired or invalid (ExpiredTokenException: The ` +
        "security token included in the request is expired). Refresh them (for example `aws sso login`, or new " +
        "keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN) and run again.",
    );
    assert.equal(
      describeAwsError(sdkError("AccessDeniedException", "not authorized"), what),
      `Could not read ${what}: access denied (AccessDeniedException: not authorized). The deploying identity ` +
        "needs sagemaker:ListModelPackages and sagemaker:DescribeModelPackage on the group's model packages " +
        "(arn:aws:sagemaker:<region>:<account>:model-package/<group>/*).",
    );
    assert.equal(
      describeAwsError(sdkError("SlowDownPlease", "Too fast", { $retryable: { throttling: true } }), what),
      `Could not read ${what}: SageMaker is still throttling requests after retrying (SlowDownPlease: Too ` +
        "fast). Wait a minute and run again, or run fewer deployments against this account and region at once.",
    );
  });

  it("keeps other errors to their name and first line, without a stack trace", function () {
    const error = new SyntaxError("Unexpected token '<'\n  Deserialization error: inspect $response");
    assert.equal(describeAwsError(error, what), `Could not read ${what}: SyntaxError: Unexpected token '<'`);
    assert.equal(describeAwsError("plain string", what), `Could not read ${what}: Error: plain string`);
  });
});

describe("registry/client createSageMakerClient", function () {
  it("allows 5 attempts with standard retries unless told otherwise", async function () {
    const client = createSageMakerClient({ region: "eu-west-1" });
    assert.equal(await client.config.maxAttempts(), 5);
    const strategy = await client.config.retryStrategy();
    assert.equal("mode" in strategy ? strategy.mode : "no mode", "standard");
    assert.equal(
      await createSageMakerClient({ region: "eu-west-1", maxAttempts: 2 }).config.maxAttempts(),
      2,
    );
  });

  it("passes region, profile and endpoint through only when given", async function () {
    const client = createSageMakerClient({
      region: "eu-west-1",
      profile: "mlops-prod",
      endpoint: "http://127.0.0.1:4566",
    });
    assert.equal(await client.config.region(), "eu-west-1");
    assert.equal(client.config.profile, "mlops-prod");
    assert.deepEqual(await client.config.endpoint?.(), {
      hostname: "127.0.0.1",
      port: 4566,
      protocol: "http:",
      path: "/",
      query: undefined,
    });
    const defaults = createSageMakerClient();
    assert.equal(defaults.config.profile, undefined);
    assert.equal(defaults.config.endpoint, undefined);
  });
});

describe("registry/modelPackages driftBaselineOf", function () {
  const uri = "s3://bucket/pipelines/p1/DriftBaseline/drift-baseline/drift_baseline.json";

  it("is ModelMetrics' data-quality statistics of the drift baseline's content type", function () {
    assert.deepEqual(
      driftBaselineOf({ ModelMetrics: { ModelDataQuality: { Statistics: driftBaselineFile(uri) } } }),
      {
        uri,
      },
    );
  });

  it("is undefined for Model Monitor's statistics, another content type, or no file", function () {
    const others: readonly (MetricsSource | undefined)[] = [
      metricsFile(uri),
      { ContentType: "application/vnd.mlops.drift-baseline", S3Uri: uri },
      { ContentType: DRIFT_BASELINE_CONTENT_TYPE, S3Uri: "" },
      { ContentType: DRIFT_BASELINE_CONTENT_TYPE } as MetricsSource,
      undefined,
    ];
    for (const statistics of others) {
      assert.equal(
        driftBaselineOf({ ModelMetrics: { ModelDataQuality: { Statistics: statistics } } }),
        undefined,
        JSON.stringify(statistics),
      );
    }
    assert.equal(driftBaselineOf({}), undefined);
    // Not read from Model Monitor's places, nor from the model-quality metrics.
    assert.equal(
      driftBaselineOf({ ModelMetrics: { ModelQuality: { Statistics: driftBaselineFile(uri) } } }),
      undefined,
    );
  });
});
