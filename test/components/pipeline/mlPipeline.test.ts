import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  artifactsBucketPattern,
  MlPipeline,
  MlPipelineArgs,
  mlPipelineFootprint,
} from "../../../components/pipeline/mlPipeline";
import {
  pipelineStoppedRule,
  pipelineStoppedUndeliveredAlarm,
} from "../../../components/pipeline/pipelineAlerts";
import { alertTopicPolicy } from "../../../components/foundation/alertTopicPolicy";
import { ML_DIR } from "../../../components/shared/scripts";
import { REGISTERED_VERSION_KEYS, STEPS } from "../../../components/pipeline/definition";
import { findChampionPolicy } from "../../../components/pipeline/mlPipelinePolicy";
import { modelPackageGroupSharingPolicy } from "../../../components/pipeline/registrySharingPolicy";
import { tlsOnlyBucketPolicy } from "../../../components/foundation/secureBucketPolicy";
import type {
  ConditionStep,
  LambdaStep,
  PipelineDefinition,
  PipelineStep,
  ProcessingStep,
  QualityCheckStep,
  TrainingStep,
} from "../../../components/pipeline/definitionTypes";
import type { PolicyDocument } from "../../../components/shared/policyDocument";
import {
  ACCOUNT_ID,
  named,
  ofType,
  recordResources,
  RecordedResource,
  REGION,
  settle,
  valueOf,
} from "../../helpers/mocks";
import { lifecycleRules } from "../../../components/foundation/bucketBaseline";
import { TEST_ACCOUNT, TEST_BOUNDARY_ARN } from "../../helpers/account";
import { assertFootprint } from "../../helpers/footprint";
import { archiveFiles, AWS_CLIENTS_FILE, COMPONENTS_DIR } from "../../helpers/lambdaArchive";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666";
const TAGS = {
  Environment: "staging",
  Project: "mlops-platform",
  Owner: "ml@example.com",
  CostCenter: "ML-1",
  Model: "diagnosis",
};
const NAME = "mlops-staging-diagnosis";
const CONSUMER = "222222222222";
const GROUP_POLICY = "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const QUEUE = "aws:sqs/queue:Queue";
const QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = `arn:aws:sns:us-east-1:123456789012:${NAME}-alerts`;
/** The committed schema of the sample model. */
const SCHEMA = path.join(ML_DIR, "schemas", "diagnosis.json");
/** What every construction needs; tests add to it. */
const REQUIRED = {
  account: TEST_ACCOUNT,
  kmsKeyArn: KEY,
  permissionsBoundaryArn: TEST_BOUNDARY_ARN,
  tags: TAGS,
  schemaFile: SCHEMA,
};

async function build(args: Partial<MlPipelineArgs> = {}, name = NAME) {
  const recorded = recordResources();
  const pipeline = new MlPipeline(name, { ...REQUIRED, ...args });
  await settle(recorded);
  return { recorded, pipeline };
}

const definitionOf = (recorded: RecordedResource[]): PipelineDefinition =>
  JSON.parse(named(recorded, `${NAME}-pipeline`).inputs.pipelineDefinition as string);
const policyOf = (recorded: RecordedResource[]): PolicyDocument =>
  JSON.parse(named(recorded, `${NAME}-role-policy`).inputs.policy as string);

/** A step of the definition, by name, also one a condition step runs. */
function stepOf<T extends PipelineStep>(definition: PipelineDefinition, name: string): T {
  const walk = (steps: readonly PipelineStep[]): PipelineStep[] =>
    steps.flatMap((s) =>
      s.Type === "Condition" ? [s, ...walk(s.Arguments.IfSteps), ...walk(s.Arguments.ElseSteps)] : [s],
    );
  const found = walk(definition.Steps).find((s) => s.Name === name);
  assert.ok(found, `step ${name} exists`);
  return found as T;
}

describe("MlPipeline", () => {
  let recorded: RecordedResource[];
  let pipeline: MlPipeline;
  before(async () => {
    ({ recorded, pipeline } = await build());
  });

  it("creates exactly the resources one model's build pipeline needs, all children of the component", () => {
    const component = named(recorded, NAME);
    assert.equal(component.type, "mlops:sagemaker:MlPipeline");
    const direct = recorded.filter((r) => r.parent === component.urn).map((r) => `${r.type} ${r.name}`);
    assert.deepEqual(direct.sort(), [
      `aws:cloudwatch/logGroup:LogGroup ${NAME}-steps-logs`,
      `aws:iam/role:Role ${NAME}-role`,
      `aws:iam/role:Role ${NAME}-steps-role`,
      `aws:iam/rolePolicy:RolePolicy ${NAME}-role-policy`,
      `aws:iam/rolePolicy:RolePolicy ${NAME}-steps-role-policy`,
      `aws:lambda/function:Function ${NAME}-steps`,
      `aws:s3/bucketObjectv2:BucketObjectv2 ${NAME}-baseline-py`,
      `aws:s3/bucketObjectv2:BucketObjectv2 ${NAME}-breast-cancer-csv`,
      `aws:s3/bucketObjectv2:BucketObjectv2 ${NAME}-evaluate-py`,
      `aws:s3/bucketObjectv2:BucketObjectv2 ${NAME}-preprocess-py`,
      `aws:s3/bucketObjectv2:BucketObjectv2 ${NAME}-schema`,
      `aws:s3/bucketObjectv2:BucketObjectv2 ${NAME}-validate-py`,
      `aws:sagemaker/modelPackageGroup:ModelPackageGroup ${NAME}-registry`,
      `aws:sagemaker/pipeline:Pipeline ${NAME}-pipeline`,
      `mlops:s3:SecureBucket ${NAME}-artifacts`,
      `mlops:s3:SecureBucket ${NAME}-data`,
    ]);
    assert.equal(ofType(recorded, "aws:s3/bucket:Bucket").length, 2);
  });

  it("tags every taggable resource with the stack's tags", () => {
    const taggable = recorded.filter((r) =>
      ["Bucket", "Role", "ModelPackageGroup", "Pipeline", "BucketObjectv2", "LogGroup", "Function"].includes(
        r.type.split(":")[2],
      ),
    );
    assert.equal(taggable.length, 14);
    for (const resource of taggable) assert.deepEqual(resource.inputs.tags, TAGS, resource.name);
  });

  it("encrypts and protects both buckets; expires checkpoints and intermediate outputs, not what versions point to", () => {
    for (const suffix of ["data", "artifacts"]) {
      const encryption = named(recorded, `${NAME}-${suffix}-encryption`).inputs.rules as unknown[];
      assert.deepEqual(encryption, [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY },
          bucketKeyEnabled: true,
        },
      ]);
      assert.equal(named(ofType(recorded, "aws:s3/bucket:Bucket"), `${NAME}-${suffix}`).protect, true);
    }
    // The defaults: checkpoints two weeks, intermediate outputs a month; pipelines/ is kept.
    assert.deepEqual(
      named(recorded, `${NAME}-artifacts-lifecycle`).inputs.rules,
      lifecycleRules(90, { "checkpoints/": 14, "pipeline-work/": 30 }),
    );
    // Without the stack's data retention, nothing in the data bucket expires but old versions.
    assert.deepEqual(named(recorded, `${NAME}-data-lifecycle`).inputs.rules, lifecycleRules(90, {}));
  });

  it("keeps data and outputs as long as the stack says, and the function's logs too", async () => {
    const { recorded: kept } = await build({
      noncurrentVersionRetentionDays: 30,
      checkpointRetentionDays: 7,
      pipelineOutputRetentionDays: 14,
      dataExpireByPrefix: { "data-capture/": 30, "monitoring/": 90 },
      logRetentionDays: 365,
    });
    assert.deepEqual(
      named(kept, `${NAME}-artifacts-lifecycle`).inputs.rules,
      lifecycleRules(30, { "checkpoints/": 7, "pipeline-work/": 14 }),
    );
    assert.deepEqual(
      named(kept, `${NAME}-data-lifecycle`).inputs.rules,
      lifecycleRules(30, { "data-capture/": 30, "monitoring/": 90 }),
    );
    assert.equal(named(kept, `${NAME}-steps-logs`).inputs.retentionInDays, 365);
  });

  it("refuses retention that a build would outlive, and log retention CloudWatch does not offer", () => {
    const bad = recordResources();
    assert.throws(
      () =>
        new MlPipeline(NAME, {
          ...REQUIRED,
          maxRuntimeSeconds: 86400,
          pipelineOutputRetentionDays: 2,
          checkpointRetentionDays: 3,
        }),
      {
        message:
          `MlPipeline ${NAME}: pipelineOutputRetentionDays 2 is shorter than the 3 days a build of pipeline ${NAME} ` +
          "needs: its Train step may run 172800 seconds (maxWaitSeconds), after which Evaluate reads the test split " +
          "and the champion placeholder; keep intermediate outputs at least 3 days.",
      },
    );
    assert.throws(
      () => new MlPipeline(NAME, { ...REQUIRED, logRetentionDays: 100, pipelineOutputRetentionDays: 0 }),
      {
        message:
          `MlPipeline ${NAME}: pipelineOutputRetentionDays 0 must be a whole number from 1 to 3650; ` +
          "logRetentionDays 100 is not a CloudWatch Logs retention period (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, " +
          "365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days).",
      },
    );
    assert.deepEqual(bad, []);
  });

  it("names the registry and the pipeline after the component, and protects the registry", () => {
    const registry = named(recorded, `${NAME}-registry`);
    assert.equal(registry.inputs.modelPackageGroupName, NAME);
    assert.equal(registry.protect, true);
    const created = named(recorded, `${NAME}-pipeline`);
    assert.equal(created.inputs.pipelineName, NAME);
    assert.equal(created.inputs.roleArn, named(recorded, `${NAME}-role`).outputs.arn);
    assert.ok(
      created.dependencies.includes(named(recorded, `${NAME}-role-policy`).urn),
      "waits for the role policy",
    );
  });

  it("gives the role a SageMaker-only trust policy and no managed policies", () => {
    const role = named(recorded, `${NAME}-role`);
    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy as string).Statement, [
      {
        Effect: "Allow",
        Principal: { Service: "sagemaker.amazonaws.com" },
        Action: "sts:AssumeRole",
        // SageMaker, only for this account's SageMaker resources in the stack's region.
        Condition: {
          StringEquals: { "aws:SourceAccount": ACCOUNT_ID },
          ArnLike: { "aws:SourceArn": `arn:aws:sagemaker:${REGION}:${ACCOUNT_ID}:*` },
        },
      },
    ]);
    assert.equal(role.inputs.managedPolicyArns, undefined);
    assert.equal(ofType(recorded, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0);
  });

  it("gives the pipeline's role and its function's the stack's permissions boundary", () => {
    assert.deepEqual(
      ofType(recorded, "aws:iam/role:Role")
        .map((role) => [role.name, role.inputs.permissionsBoundary])
        .sort(),
      [
        [`${NAME}-role`, TEST_BOUNDARY_ARN],
        [`${NAME}-steps-role`, TEST_BOUNDARY_ARN],
      ],
    );
  });

  it("scopes the role policy to this model's buckets, key, registry and role", () => {
    const policy = policyOf(recorded);
    const data = named(ofType(recorded, "aws:s3/bucket:Bucket"), `${NAME}-data`).outputs.bucket;
    const artifacts = named(ofType(recorded, "aws:s3/bucket:Bucket"), `${NAME}-artifacts`).outputs.bucket;
    const sid = (id: string) => policy.Statement.find((s) => s.Sid === id);
    assert.deepEqual(sid("ReadInputData")?.Resource, [`arn:aws:s3:::${data}/*`]);
    assert.equal(sid("ReadWriteArtifacts")?.Resource, `arn:aws:s3:::${artifacts}/*`);
    assert.equal(sid("UseStackKey")?.Resource, KEY);
    assert.equal(sid("PassOwnRoleToSageMakerJobs")?.Resource, named(recorded, `${NAME}-role`).outputs.arn);
    // No Model Monitor analyzer without the step that runs it, and no registry listing for its check.
    assert.deepEqual(sid("PullJobImages")?.Resource, [
      "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn",
      "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-xgboost",
    ]);
    assert.equal(sid("FindApprovedBaseline"), undefined);
    assert.deepEqual(sid("RegisterModelVersions")?.Condition, {
      StringEquals: { "sagemaker:ModelApprovalStatus": ["PendingManualApproval"] },
    });
  });

  it("defines jobs that the role's own conditions allow: isolated, traffic-encrypted, on the stack key", () => {
    const definition = definitionOf(recorded);
    const train = stepOf<TrainingStep>(definition, STEPS.train);
    const condition = policyOf(recorded).Statement.find(
      (s) => s.Sid === "StartIsolatedEncryptedJobs",
    )?.Condition;
    assert.deepEqual(condition?.StringEquals, {
      "sagemaker:VolumeKmsKeyArn": KEY,
      "sagemaker:OutputKmsKeyArn": KEY,
    });
    const processingJobs = [STEPS.validateData, STEPS.preprocess, STEPS.driftBaseline, STEPS.evaluate].map(
      (name) => stepOf<ProcessingStep | QualityCheckStep>(definition, name),
    );
    for (const job of processingJobs) {
      assert.equal(job.Arguments.NetworkConfig?.EnableNetworkIsolation, true);
      assert.equal(job.Arguments.NetworkConfig?.EnableInterContainerTrafficEncryption, true);
      assert.equal(job.Arguments.ProcessingResources?.ClusterConfig?.VolumeKmsKeyId, KEY);
      assert.equal(job.Arguments.ProcessingOutputConfig?.KmsKeyId, KEY);
    }
    assert.equal(train.Arguments.EnableNetworkIsolation, true);
    assert.equal(train.Arguments.EnableInterContainerTrafficEncryption, true);
    assert.equal(train.Arguments.ResourceConfig?.VolumeKmsKeyId, KEY);
    assert.equal(train.Arguments.OutputDataConfig?.KmsKeyId, KEY);
  });

  it("uploads the scripts under content-addressed keys, encrypted, and points the definition at them", () => {
    const definition = definitionOf(recorded);
    const artifacts = named(ofType(recorded, "aws:s3/bucket:Bucket"), `${NAME}-artifacts`).outputs.bucket;
    for (const [script, step] of [
      ["validate", stepOf<ProcessingStep>(definition, STEPS.validateData)],
      ["preprocess", stepOf<ProcessingStep>(definition, STEPS.preprocess)],
      ["baseline", stepOf<ProcessingStep>(definition, STEPS.driftBaseline)],
      ["evaluate", stepOf<ProcessingStep>(definition, STEPS.evaluate)],
    ] as const) {
      const object = named(recorded, `${NAME}-${script}-py`);
      assert.match(object.inputs.key as string, new RegExp(`^code/[0-9a-f]{12}/${script}\\.py$`));
      assert.equal(object.inputs.bucket, artifacts);
      assert.equal(object.inputs.serverSideEncryption, "aws:kms");
      assert.equal(object.inputs.kmsKeyId, KEY);
      const code = step.Arguments.ProcessingInputs?.find((i) => i.InputName === "code");
      assert.equal(code?.S3Input?.S3Uri, `s3://${artifacts}/${object.inputs.key}`);
    }
  });

  it("uploads the sample dataset as the default input and uses prebuilt images of the region", async () => {
    const data = named(ofType(recorded, "aws:s3/bucket:Bucket"), `${NAME}-data`).outputs.bucket;
    assert.equal(named(recorded, `${NAME}-breast-cancer-csv`).inputs.key, "input/sample/breast-cancer.csv");
    const definition = definitionOf(recorded);
    assert.equal(definition.Parameters[0].DefaultValue, `s3://${data}/input/sample/`);
    assert.equal(await valueOf(pipeline.inputDataUri), `s3://${data}/input/sample/`);
    const images = [
      stepOf<ProcessingStep>(definition, STEPS.preprocess).Arguments.AppSpecification?.ImageUri,
      stepOf<ProcessingStep>(definition, STEPS.driftBaseline).Arguments.AppSpecification?.ImageUri,
      stepOf<TrainingStep>(definition, STEPS.train).Arguments.AlgorithmSpecification?.TrainingImage,
    ];
    assert.deepEqual(images, [
      "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
      "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
      "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
    ]);
  });

  describe("with the Model Monitor baseline", () => {
    let monitored: { recorded: RecordedResource[]; pipeline: MlPipeline };
    before(async () => {
      monitored = await build({ modelMonitorBaseline: true });
    });

    it("runs the DataQualityBaseline step in the region's analyzer image", () => {
      const definition = definitionOf(monitored.recorded);
      assert.deepEqual(
        stepOf<ConditionStep>(definition, STEPS.checkData).Arguments.IfSteps.map((s) => s.Name),
        ["Preprocess", "DriftBaseline", "DataQualityBaseline", "Train", "FindChampion", "Evaluate"],
      );
      assert.equal(
        stepOf<QualityCheckStep>(definition, STEPS.dataQuality).Arguments.AppSpecification?.ImageUri,
        // The analyzer as getPrebuiltEcrImage answers for its repository and its only tag.
        "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer:latest",
      );
    });

    it("lets the role pull the analyzer and list the registry's versions for the step's drift check", () => {
      const sid = (id: string) => policyOf(monitored.recorded).Statement.find((s) => s.Sid === id);
      assert.deepEqual(sid("PullJobImages")?.Resource, [
        "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn",
        "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-xgboost",
        "arn:aws:ecr:us-east-1:156813124566:repository/sagemaker-model-monitor-analyzer",
      ]);
      assert.deepEqual(sid("FindApprovedBaseline"), {
        Sid: "FindApprovedBaseline",
        Effect: "Allow",
        Action: "sagemaker:ListModelPackages",
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
      });
    });

    it("creates the same resources", () => {
      const names = (resources: RecordedResource[]) => resources.map((r) => `${r.type} ${r.name}`).sort();
      assert.deepEqual(names(monitored.recorded), names(recorded));
    });
  });

  it("runs the FindChampion function on Python 3.12 with a log group of its own, kept and encrypted", () => {
    const fn = named(recorded, `${NAME}-steps`, "aws:lambda/function:Function");
    assert.equal(fn.inputs.name, `${NAME}-steps`);
    assert.equal(fn.inputs.runtime, "python3.12");
    assert.equal(fn.inputs.handler, "find_champion.handler");
    // The handler imports the shared module from the package's root.
    assert.deepEqual(archiveFiles(fn.inputs.code), {
      "find_champion.py": path.join(COMPONENTS_DIR, "pipeline", "functions", "find_champion.py"),
      "aws_clients.py": AWS_CLIENTS_FILE,
    });
    assert.deepEqual(fn.inputs.architectures, ["arm64"]);
    assert.equal(fn.inputs.timeout, 60);
    assert.equal(fn.inputs.role, named(recorded, `${NAME}-steps-role`).outputs.arn);
    assert.deepEqual(fn.inputs.loggingConfig, { logFormat: "Text", logGroup: `/aws/lambda/${NAME}-steps` });
    const logs = named(recorded, `${NAME}-steps-logs`).inputs;
    assert.deepEqual(
      { name: logs.name, retentionInDays: logs.retentionInDays, kmsKeyId: logs.kmsKeyId },
      { name: `/aws/lambda/${NAME}-steps`, retentionInDays: 90, kmsKeyId: KEY },
    );
    // Its permissions and log group exist before the first invocation.
    for (const before of [`${NAME}-steps-role-policy`, `${NAME}-steps-logs`]) {
      assert.ok(fn.dependencies.includes(named(recorded, before).urn), `after ${before}`);
    }
  });

  it("gives the function a Lambda-only role with the least-privilege policy of findChampionPolicy", () => {
    const role = named(recorded, `${NAME}-steps-role`);
    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy as string).Statement, [
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const policy = named(recorded, `${NAME}-steps-role-policy`);
    assert.equal(policy.inputs.role, role.outputs.name);
    assert.deepEqual(
      JSON.parse(policy.inputs.policy as string),
      findChampionPolicy({
        partition: "aws",
        region: "us-east-1",
        accountId: "123456789012",
        functionName: `${NAME}-steps`,
        modelPackageGroupName: NAME,
        artifactsBucket: named(ofType(recorded, "aws:s3/bucket:Bucket"), `${NAME}-artifacts`).outputs
          .bucket as string,
        kmsKeyArn: KEY,
      }),
    );
  });

  it("lets the pipeline's role invoke the function the FindChampion step names, and no other", () => {
    const functionArn = named(recorded, `${NAME}-steps`, "aws:lambda/function:Function").outputs.arn;
    assert.match(
      String(functionArn),
      new RegExp(`^arn:aws:lambda:us-east-1:123456789012:function:${NAME}-steps$`),
    );
    assert.equal(stepOf<LambdaStep>(definitionOf(recorded), STEPS.findChampion).FunctionArn, functionArn);
    assert.deepEqual(
      policyOf(recorded).Statement.find((s) => s.Sid === "InvokeFindChampion"),
      { Sid: "InvokeFindChampion", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: functionArn },
    );
  });

  it("uploads the model's schema under a content-addressed key, and validates the input against it", () => {
    const artifacts = named(ofType(recorded, "aws:s3/bucket:Bucket"), `${NAME}-artifacts`).outputs.bucket;
    const schema = named(recorded, `${NAME}-schema`).inputs;
    assert.match(schema.key as string, /^code\/[0-9a-f]{12}\/diagnosis\.json$/);
    assert.equal(schema.bucket, artifacts);
    assert.equal(schema.serverSideEncryption, "aws:kms");
    assert.equal(schema.kmsKeyId, KEY);
    const validate = stepOf<ProcessingStep>(definitionOf(recorded), STEPS.validateData);
    assert.equal(
      validate.Arguments.ProcessingInputs?.find((i) => i.InputName === "schema")?.S3Input?.S3Uri,
      `s3://${artifacts}/${schema.key}`,
    );
    // The settings' defaults, as validate.py's options.
    assert.deepEqual(validate.Arguments.AppSpecification?.ContainerArguments, [
      "--min-rows",
      "100",
      "--max-missing-rate",
      "0.05",
      "--min-class-share",
      "0.05",
      "--max-class-share",
      "0.95",
    ]);
    assert.deepEqual(
      stepOf<ProcessingStep>(definitionOf(recorded), STEPS.evaluate).Arguments.AppSpecification
        ?.ContainerArguments,
      ["--margin", "0.01"],
    );
  });

  it("holds the data to the checks it is given, each left out at its default, and compares with the margin", async () => {
    const { recorded: tuned } = await build({
      dataChecks: { minRows: 400, columnMaxMissing: { mean_area: 0.2 } },
      championMargin: 0,
    });
    const definition = definitionOf(tuned);
    assert.deepEqual(
      stepOf<ProcessingStep>(definition, STEPS.validateData).Arguments.AppSpecification?.ContainerArguments,
      [
        "--min-rows",
        "400",
        "--max-missing-rate",
        "0.05",
        "--min-class-share",
        "0.05",
        "--max-class-share",
        "0.95",
        "--column-max-missing",
        '{"mean_area":0.2}',
      ],
    );
    assert.deepEqual(
      stepOf<ProcessingStep>(definition, STEPS.evaluate).Arguments.AppSpecification?.ContainerArguments,
      ["--margin", "0"],
    );
  });

  describe("refuses, before creating anything", () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), "ml-schema-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    /** A schema file in the temporary folder. */
    const file = (name: string, content: unknown) => {
      const written = path.join(dir, name);
      writeFileSync(written, typeof content === "string" ? content : JSON.stringify(content));
      return written;
    };
    const refused = (args: Partial<MlPipelineArgs>) => {
      const bad = recordResources();
      let message = "";
      assert.throws(
        () => new MlPipeline(NAME, { ...REQUIRED, ...args }),
        (error: Error) => ((message = error.message), true),
      );
      assert.deepEqual(bad, []);
      return message;
    };
    const write = (output: string) =>
      `python3 ml/validate.py write-schema --data <the model's CSV> --target-column target --output ${output}`;

    it("a schema file that is missing, naming the command that writes it", () => {
      const missing = path.join(dir, "fraud.json");
      assert.equal(
        refused({ schemaFile: missing }),
        `MlPipeline ${NAME}: schemaFile ${missing} not found: write the model's schema from its dataset with ${write(missing)}.`,
      );
    });

    it("a file that is not a schema validate.py reads", () => {
      const notJson = file("notes.json", "columns: target\n");
      const notJsonMessage = refused({ schemaFile: notJson });
      assert.ok(
        notJsonMessage.startsWith(`MlPipeline ${NAME}: schemaFile ${notJson} is not JSON (`),
        notJsonMessage,
      );
      assert.ok(notJsonMessage.endsWith(`): write it with ${write(notJson)}.`), notJsonMessage);
      assert.doesNotMatch(notJsonMessage, /\n/);
      const unclassed = file("unclassed.json", {
        columns: [
          { name: "x", type: "numeric" },
          { name: "target", type: "numeric" },
        ],
        target: { name: "target", classes: ["1"] },
        version: 1,
      });
      assert.equal(
        refused({ schemaFile: unclassed }),
        `MlPipeline ${NAME}: schemaFile ${unclassed} is not a model schema ('target.classes' must be a list of two or more distinct strings): write it with ${write(unclassed)}.`,
      );
      const drift = file("drift_baseline.json", { version: 1, row_count: 398, features: [] });
      assert.equal(
        refused({ schemaFile: drift }),
        `MlPipeline ${NAME}: schemaFile ${drift} is not a model schema ('columns' must be a non-empty list): write it with ${write(drift)}.`,
      );
    });

    it("a schema of another target column, limits for columns it lacks, and data checks validate.py would refuse", () => {
      assert.equal(
        refused({
          targetColumn: "diagnosis",
          championMargin: 1.5,
          dataChecks: {
            minClassShare: 0.6,
            maxClassShare: 0.4,
            columnMaxMissing: { mean_area: 0.2, mean_areas: 0.3, Target: 0.1 },
          },
        }),
        `MlPipeline ${NAME}: championMargin 1.5 must be a number from 0 to 1; ` +
          "dataChecks.maxClassShare 0.4 must be at least minClassShare (0.6); " +
          `schemaFile ${SCHEMA} has the target column "target", not targetColumn "diagnosis"; ` +
          `dataChecks.columnMaxMissing names "mean_areas", "Target", not a column of schemaFile ${SCHEMA}.`,
      );
    });

    it("per-column limits too long for one argument of the job", () => {
      const columns = Object.fromEntries(
        Array.from({ length: 12 }, (_, index) => [`column_with_a_long_name_${index}`, 0.5]),
      );
      const schema = file("wide.json", {
        columns: [...Object.keys(columns), "target"].map((name) => ({ name, type: "numeric" })),
        target: { name: "target", classes: ["0", "1"] },
        version: 1,
      });
      const message = refused({ schemaFile: schema, dataChecks: { columnMaxMissing: columns } });
      assert.match(
        message,
        /: dataChecks\.columnMaxMissing \{.*\.\.\. is 387 characters as JSON; a processing job's argument holds at most 256: raise maxMissingRate instead of listing many columns\.$/,
      );
    });
  });

  it("exports the pipeline, buckets, role and registry", async () => {
    assert.equal(await valueOf(pipeline.pipelineName), NAME);
    assert.equal(
      await valueOf(pipeline.pipelineArn),
      `arn:aws:sagemaker:us-east-1:123456789012:pipeline/${NAME}`,
    );
    assert.equal(await valueOf(pipeline.modelPackageGroupName), NAME);
    assert.match(
      await valueOf(pipeline.roleArn),
      new RegExp(`^arn:aws:iam::123456789012:role/${NAME}-role-[0-9a-f]{7}$`),
    );
    assert.match(await valueOf(pipeline.dataBucketName), new RegExp(`^${NAME}-data-[0-9a-f]{7}$`));
    assert.match(await valueOf(pipeline.artifactsBucketName), new RegExp(`^${NAME}-artifacts-[0-9a-f]{7}$`));
  });

  it("with external input data, uploads no sample and grants read on that prefix only", async () => {
    const external = await build({ inputDataUri: "s3://shared-data/churn/" });
    // The four scripts and the schema only.
    assert.equal(ofType(external.recorded, "aws:s3/bucketObjectv2:BucketObjectv2").length, 5);
    assert.equal(definitionOf(external.recorded).Parameters[0].DefaultValue, "s3://shared-data/churn/");
    const read = policyOf(external.recorded).Statement.find((s) => s.Sid === "ReadInputData");
    assert.ok([read?.Resource].flat().includes("arn:aws:s3:::shared-data/churn/*"));
  });

  it("may self-approve only when configured to register models as Approved", async () => {
    const approved = await build({ modelApprovalStatus: "Approved" });
    const register = policyOf(approved.recorded).Statement.find((s) => s.Sid === "RegisterModelVersions");
    assert.deepEqual(register?.Condition, {
      StringEquals: { "sagemaker:ModelApprovalStatus": ["PendingManualApproval", "Approved"] },
    });
  });

  it("leaves buckets and registry deletable when protection is off", async () => {
    const { recorded: open } = await build({ protectFromDeletion: false });
    assert.deepEqual(
      open.filter((r) => r.protect).map((r) => r.name),
      [],
    );
  });

  it("refuses a scripts folder without baseline.py, which the DriftBaseline step runs", () => {
    const scriptsDir = mkdtempSync(path.join(tmpdir(), "ml-scripts-"));
    try {
      for (const file of ["validate.py", "preprocess.py", "evaluate.py"]) {
        copyFileSync(path.join(ML_DIR, file), path.join(scriptsDir, file));
      }
      const bad = recordResources();
      assert.throws(() => new MlPipeline(NAME, { ...REQUIRED, scriptsDir }), {
        message: `MlPipeline ${NAME}: baseline.py not found in ${scriptsDir}.`,
      });
      assert.deepEqual(bad, []);
    } finally {
      rmSync(scriptsDir, { recursive: true, force: true });
    }
  });

  it("refuses bad arguments, listing every problem, before creating anything", () => {
    const bad = recordResources();
    assert.throws(
      () =>
        new MlPipeline("Diagnosis_Model", {
          ...REQUIRED,
          processingInstanceType: "ml.m5.huge",
          trainingInstanceType: "ml.t2.nano",
          accuracyThreshold: 1.5,
          spotTraining: false,
          maxWaitSeconds: 10,
          inputDataUri: "https://example.com/data.csv",
        }),
      {
        message:
          'MlPipeline Diagnosis_Model: name "Diagnosis_Model" must be 2-45 lowercase letters, digits and hyphens; ' +
          'inputDataUri "https://example.com/data.csv" is not an S3 URI (expected s3://bucket/prefix/ with a valid bucket name); ' +
          'processingInstanceType "ml.m5.huge" is not a SageMaker instance type for processing jobs (did you mean "ml.m5.large"?); ' +
          'trainingInstanceType "ml.t2.nano" is not a SageMaker instance type for training jobs (did you mean "ml.t3.large"?); ' +
          "accuracyThreshold 1.5 must be a number from 0 to 1; " +
          "maxWaitSeconds 10 must be a whole number from 60 to 432000; " +
          "maxWaitSeconds 10 applies to spot training only; remove it or set spotTraining: true.",
      },
    );
    assert.deepEqual(bad, []);
  });

  it("states its footprint, with the role its jobs run as and its function's role", async () => {
    const { recorded, pipeline } = await build();
    await assertFootprint(recorded, pipeline.footprint, [
      await valueOf(pipeline.roleArn),
      named(recorded, `${NAME}-steps-role`).outputs.arn as string,
    ]);
  });

  describe("with an alert topic", () => {
    let alerting: { recorded: RecordedResource[]; pipeline: MlPipeline };
    before(async () => {
      alerting = await build({ alertTopicArn: TOPIC });
    });

    it("adds a rule, its target, their dead-letter queue, its policy and alarm, children of the component, to exactly what it creates without one", () => {
      const component = named(alerting.recorded, NAME);
      const children = (resources: RecordedResource[], parent: string) =>
        resources.filter((r) => r.parent === parent).map((r) => `${r.type} ${r.name}`);
      assert.deepEqual(
        children(alerting.recorded, component.urn).sort(),
        [
          ...children(recorded, named(recorded, NAME).urn),
          `${RULE} ${NAME}-stopped`,
          `${TARGET} ${NAME}-stopped-alert`,
          `${QUEUE} ${NAME}-stopped-dlq`,
          `${QUEUE_POLICY} ${NAME}-stopped-dlq-policy`,
          `${ALARM} ${NAME}-stopped-undelivered`,
        ].sort(),
      );
      // Without a topic (the default), nothing alerts.
      assert.deepEqual(
        [RULE, TARGET, QUEUE, QUEUE_POLICY, ALARM].flatMap((type) => ofType(recorded, type)),
        [],
      );
    });

    it("matches failed and stopped runs of this pipeline, under a name the model's topic accepts", () => {
      const rule = named(alerting.recorded, `${NAME}-stopped`, RULE);
      const pipelineArn = named(alerting.recorded, `${NAME}-pipeline`).outputs.arn;
      assert.equal(pipelineArn, `arn:aws:sagemaker:us-east-1:123456789012:pipeline/${NAME}`);
      assert.deepEqual(
        {
          name: rule.inputs.name,
          description: rule.inputs.description,
          eventPattern: JSON.parse(rule.inputs.eventPattern as string),
          tags: rule.inputs.tags,
        },
        {
          name: `${NAME}-stopped`,
          description: `Failed or stopped runs of model build pipeline ${NAME}`,
          eventPattern: {
            source: ["aws.sagemaker"],
            "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
            detail: { pipelineArn: [pipelineArn], currentPipelineExecutionStatus: ["Failed", "Stopped"] },
          },
          tags: TAGS,
        },
      );
      // The topic of the model (AlertTopic with eventRuleNamePrefix = the model's name) lets it publish.
      const publish = alertTopicPolicy({
        partition: "aws",
        region: "us-east-1",
        accountId: "123456789012",
        topicArn: TOPIC,
        alarmNamePrefix: NAME,
        eventRuleNamePrefix: NAME,
      }).Statement.find((s) => s.Sid === "EventBridgeRulesPublish");
      const allowed = (publish?.Condition?.ArnLike as Record<string, string>)["aws:SourceArn"];
      assert.equal(allowed, `arn:aws:events:us-east-1:123456789012:rule/${NAME}*`);
      assert.ok((rule.outputs.arn as string).startsWith(allowed.slice(0, -1)), String(rule.outputs.arn));
    });

    it("sends the topic a plain-text message naming the pipeline, the status, the time, the execution and how to see why", async () => {
      const rule = named(alerting.recorded, `${NAME}-stopped`, RULE);
      const target = named(alerting.recorded, `${NAME}-stopped-alert`, TARGET);
      const expected = pipelineStoppedRule({
        pipelineName: NAME,
        pipelineArn: named(alerting.recorded, `${NAME}-pipeline`).outputs.arn as string,
        artifactsBucket: await valueOf(alerting.pipeline.artifactsBucketName),
        workRetentionDays: 30,
      });
      assert.deepEqual(target.inputs, {
        rule: rule.outputs.name,
        arn: TOPIC,
        inputTransformer: { inputPaths: expected.inputPathsMap, inputTemplate: expected.inputTemplate },
        retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
        deadLetterConfig: { arn: `arn:aws:sqs:us-east-1:123456789012:${NAME}-stopped-dlq` },
      });
      assert.match(
        JSON.parse(expected.inputTemplate) as string,
        new RegExp(
          `^Model build pipeline ${NAME}: a run ended <status> at <time> and registered no model version\\. `,
        ),
      );
    });

    it("keeps an alert it cannot deliver in a queue only this rule writes to, and pages the topic while the queue holds any", () => {
      const queueArn = `arn:aws:sqs:us-east-1:123456789012:${NAME}-stopped-dlq`;
      assert.deepEqual(named(alerting.recorded, `${NAME}-stopped-dlq`, QUEUE).inputs, {
        name: `${NAME}-stopped-dlq`,
        kmsMasterKeyId: KEY,
        messageRetentionSeconds: 1_209_600,
        tags: TAGS,
      });
      const policy = JSON.parse(
        named(alerting.recorded, `${NAME}-stopped-dlq-policy`, QUEUE_POLICY).inputs.policy as string,
      ) as PolicyDocument;
      assert.deepEqual(policy.Statement[0], {
        Sid: "AlertRuleSendsUndeliveredAlerts",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": "123456789012" },
          ArnEquals: { "aws:SourceArn": [`arn:aws:events:us-east-1:123456789012:rule/${NAME}-stopped`] },
        },
      });
      assert.equal(policy.Statement[1]?.Sid, "DenyMessagesWithoutTls");
      assert.ok(
        named(alerting.recorded, `${NAME}-stopped-alert`, TARGET).dependencies.includes(
          named(alerting.recorded, `${NAME}-stopped-dlq-policy`, QUEUE_POLICY).urn,
        ),
        "the queue accepts undelivered alerts before the first alert",
      );
      const { tags, ...alarm } = named(alerting.recorded, `${NAME}-stopped-undelivered`, ALARM).inputs;
      assert.deepEqual(tags, TAGS);
      assert.deepEqual(alarm, {
        name: `${NAME}-stopped-undelivered`,
        alarmDescription:
          `SQS queue ${NAME}-stopped-dlq holds alerts of failed or stopped runs of model build pipeline ${NAME} that ` +
          `EventBridge rule ${NAME}-stopped could not deliver to the alert topic, so nobody was told of them. Each ` +
          `message is the event the rule matched, with the error in its ERROR_CODE and ERROR_MESSAGE attributes: fix ` +
          `the cause (a deleted topic, or a topic or key policy that refuses EventBridge), see why each run its ` +
          `detail.pipelineExecutionArn names stopped with aws sagemaker list-pipeline-execution-steps ` +
          `--pipeline-execution-arn <that ARN> and start a new run once the cause is fixed (npm run ops -- ` +
          `start-pipeline), then delete the message; the alarm returns to OK once the queue is empty`,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: `${NAME}-stopped-dlq` },
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        treatMissingData: "notBreaching",
        alarmActions: [TOPIC],
        okActions: [TOPIC],
      });
      // CloudWatch takes descriptions of up to 1024 characters, also for the longest name a pipeline may have.
      assert.ok(pipelineStoppedUndeliveredAlarm("a".repeat(45)).description.length <= 1024);
    });

    it("states its footprint with the rule, target, queue, queue policy and alarm, which it leaves out without a topic", async () => {
      await assertFootprint(alerting.recorded, alerting.pipeline.footprint, [
        await valueOf(alerting.pipeline.roleArn),
        named(alerting.recorded, `${NAME}-steps-role`).outputs.arn as string,
      ]);
      const alertTypes = [ALARM, RULE, TARGET, QUEUE, QUEUE_POLICY];
      assert.deepEqual(
        alerting.pipeline.footprint.types.filter((type) => alertTypes.includes(type)),
        [RULE, TARGET, QUEUE, QUEUE_POLICY, ALARM],
      );
      assert.deepEqual(
        pipeline.footprint.types.filter((type) => alertTypes.includes(type)),
        [],
      );
      // Callers that do not say (the deploy policy's tests) get the types without alerts.
      assert.deepEqual(mlPipelineFootprint("role").types, pipeline.footprint.types);
      assert.deepEqual(
        mlPipelineFootprint("role", [], undefined, undefined, { alerts: true }).types,
        alerting.pipeline.footprint.types,
      );
    });
  });

  describe("shared with consumer accounts", () => {
    let shared: { recorded: RecordedResource[]; pipeline: MlPipeline };
    before(async () => {
      shared = await build({ consumerAccounts: [CONSUMER] });
    });
    const bucketPolicy = (recorded: RecordedResource[], suffix: string) =>
      named(recorded, `${NAME}-${suffix}-policy`).inputs.policy as string;
    const bucketArn = (recorded: RecordedResource[], suffix: string) =>
      `arn:aws:s3:::${String(named(ofType(recorded, "aws:s3/bucket:Bucket"), `${NAME}-${suffix}`).outputs.bucket)}`;

    it("gives the registry a resource policy for exactly those accounts, after the group", () => {
      const registry = named(shared.recorded, `${NAME}-registry`);
      const policy = named(shared.recorded, `${NAME}-registry-policy`);
      assert.equal(policy.type, GROUP_POLICY);
      assert.equal(policy.parent, named(shared.recorded, NAME).urn);
      assert.equal(policy.inputs.modelPackageGroupName, NAME);
      assert.ok(policy.dependencies.includes(registry.urn), "created after the group");
      assert.deepEqual(
        JSON.parse(policy.inputs.resourcePolicy as string),
        modelPackageGroupSharingPolicy({
          partition: "aws",
          region: "us-east-1",
          accountId: "123456789012",
          groupName: NAME,
          consumerAccounts: [CONSUMER],
        }),
      );
    });

    it("lets them read each registered version's model and baselines from the artifacts bucket, over TLS", () => {
      const artifacts = bucketArn(shared.recorded, "artifacts");
      const [denial, read] = JSON.parse(bucketPolicy(shared.recorded, "artifacts")).Statement;
      assert.deepEqual(denial, tlsOnlyBucketPolicy(artifacts).Statement[0]);
      assert.deepEqual(read, {
        Sid: "OtherAccountsReadObjects",
        Effect: "Allow",
        Principal: { AWS: [`arn:aws:iam::${CONSUMER}:root`] },
        Action: "s3:GetObject",
        Resource: [
          `${artifacts}/pipelines/*/Train/model/*/output/model.tar.gz`,
          `${artifacts}/pipelines/*/DriftBaseline/drift-baseline/drift_baseline.json`,
          `${artifacts}/pipelines/*/DataQualityBaseline/baseline/statistics.json`,
          `${artifacts}/pipelines/*/DataQualityBaseline/baseline/constraints.json`,
        ],
        Condition: { Bool: { "aws:SecureTransport": "true" } },
      });
      assert.deepEqual(
        read.Resource,
        REGISTERED_VERSION_KEYS.map((key) => `${artifacts}/${key}`),
      );
      // Training data stays the building account's.
      assert.equal(
        bucketPolicy(shared.recorded, "data"),
        JSON.stringify(tlsOnlyBucketPolicy(bucketArn(shared.recorded, "data"))),
      );
    });

    it("names its artifacts bucket so that artifactsBucketPattern of the stack's prefix matches it, and not the data bucket", () => {
      const pattern = artifactsBucketPattern("mlops-staging");
      const matches = (bucket: string) =>
        new RegExp(
          `^${pattern
            .split("*")
            .map((part) => part.replace(/[.?-]/g, "\\$&"))
            .join(".*")}$`,
        ).test(bucket);
      const bucketName = (suffix: string) =>
        String(named(ofType(shared.recorded, "aws:s3/bucket:Bucket"), `${NAME}-${suffix}`).outputs.bucket);
      assert.equal(pattern, "mlops-staging-*-artifacts-*");
      assert.deepEqual([matches(bucketName("artifacts")), matches(bucketName("data"))], [true, false]);
    });

    it("states its footprint with the registry policy", async () => {
      await assertFootprint(shared.recorded, shared.pipeline.footprint, [
        await valueOf(shared.pipeline.roleArn),
        named(shared.recorded, `${NAME}-steps-role`).outputs.arn as string,
      ]);
      assert.ok(shared.pipeline.footprint.types.includes(GROUP_POLICY));
    });

    it("with no consumer accounts (the default), shares nothing and plans exactly what it did", async () => {
      assert.equal(ofType(recorded, GROUP_POLICY).length, 0);
      assert.ok(!pipeline.footprint.types.includes(GROUP_POLICY));
      for (const suffix of ["data", "artifacts"]) {
        assert.equal(
          bucketPolicy(recorded, suffix),
          JSON.stringify(tlsOnlyBucketPolicy(bucketArn(recorded, suffix))),
          suffix,
        );
      }
      const empty = await build({ consumerAccounts: [] });
      const plan = (resources: RecordedResource[]) =>
        resources.map((r) => ({
          type: r.type,
          name: r.name,
          inputs: r.inputs,
          dependencies: r.dependencies,
        }));
      assert.deepEqual(plan(empty.recorded), plan(recorded));
    });

    it("refuses account ids that are not 12 digits, and accounts listed twice", () => {
      const bad = recordResources();
      assert.throws(
        () =>
          new MlPipeline(NAME, {
            ...REQUIRED,
            consumerAccounts: [CONSUMER, "22222222222", CONSUMER],
          }),
        {
          message:
            `MlPipeline ${NAME}: consumerAccounts[1] "22222222222" is not an AWS account id (12 digits); ` +
            `consumerAccounts[2] "${CONSUMER}" is already listed at consumerAccounts[0].`,
        },
      );
      assert.deepEqual(bad, []);
    });
  });
});
