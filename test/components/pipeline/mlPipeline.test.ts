import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { artifactsBucketPattern, MlPipeline, MlPipelineArgs } from "../../../components/pipeline/mlPipeline";
import { ML_DIR } from "../../../components/shared/scripts";
import { REGISTERED_VERSION_KEYS, STEPS } from "../../../components/pipeline/definition";
import { modelPackageGroupSharingPolicy } from "../../../components/pipeline/registrySharingPolicy";
import { tlsOnlyBucketPolicy } from "../../../components/foundation/secureBucketPolicy";
import type {
  PipelineDefinition,
  PipelineStep,
  ProcessingStep,
  QualityCheckStep,
  TrainingStep,
} from "../../../components/pipeline/definitionTypes";
import type { PolicyDocument } from "../../../components/shared/policyDocument";
import { named, ofType, recordResources, RecordedResource, settle, valueOf } from "../../helpers/mocks";
import { TEST_ACCOUNT } from "../../helpers/account";
import { assertFootprint } from "../../helpers/footprint";

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

async function build(args: Partial<MlPipelineArgs> = {}, name = NAME) {
  const recorded = recordResources();
  const pipeline = new MlPipeline(name, { account: TEST_ACCOUNT, kmsKeyArn: KEY, tags: TAGS, ...args });
  await settle(recorded);
  return { recorded, pipeline };
}

const definitionOf = (recorded: RecordedResource[]): PipelineDefinition =>
  JSON.parse(named(recorded, `${NAME}-pipeline`).inputs.pipelineDefinition as string);
const policyOf = (recorded: RecordedResource[]): PolicyDocument =>
  JSON.parse(named(recorded, `${NAME}-role-policy`).inputs.policy as string);

/** A top-level step of the definition, by name. */
function stepOf<T extends PipelineStep>(definition: PipelineDefinition, name: string): T {
  const found = definition.Steps.find((s) => s.Name === name);
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
      `aws:iam/role:Role ${NAME}-role`,
      `aws:iam/rolePolicy:RolePolicy ${NAME}-role-policy`,
      `aws:s3/bucketObjectv2:BucketObjectv2 ${NAME}-baseline-py`,
      `aws:s3/bucketObjectv2:BucketObjectv2 ${NAME}-breast-cancer-csv`,
      `aws:s3/bucketObjectv2:BucketObjectv2 ${NAME}-evaluate-py`,
      `aws:s3/bucketObjectv2:BucketObjectv2 ${NAME}-preprocess-py`,
      `aws:sagemaker/modelPackageGroup:ModelPackageGroup ${NAME}-registry`,
      `aws:sagemaker/pipeline:Pipeline ${NAME}-pipeline`,
      `mlops:s3:SecureBucket ${NAME}-artifacts`,
      `mlops:s3:SecureBucket ${NAME}-data`,
    ]);
    assert.equal(ofType(recorded, "aws:s3/bucket:Bucket").length, 2);
  });

  it("tags every taggable resource with the stack's tags", () => {
    const taggable = recorded.filter((r) =>
      ["Bucket", "Role", "ModelPackageGroup", "Pipeline", "BucketObjectv2"].includes(r.type.split(":")[2]),
    );
    assert.equal(taggable.length, 9);
    for (const resource of taggable) assert.deepEqual(resource.inputs.tags, TAGS, resource.name);
  });

  it("encrypts and protects both buckets, and expires spot checkpoints in the artifacts bucket", () => {
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
    const rules = named(recorded, `${NAME}-artifacts-lifecycle`).inputs.rules as {
      id: string;
      expiration?: unknown;
    }[];
    assert.deepEqual(rules.find((r) => r.id === "expire-checkpoints")?.expiration, { days: 14 });
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
      { Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    assert.equal(role.inputs.managedPolicyArns, undefined);
    assert.equal(ofType(recorded, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0);
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
    const processingJobs = [STEPS.preprocess, STEPS.driftBaseline, STEPS.evaluate].map((name) =>
      stepOf<ProcessingStep | QualityCheckStep>(definition, name),
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
        definition.Steps.map((s) => s.Name),
        ["Preprocess", "DriftBaseline", "DataQualityBaseline", "Train", "Evaluate", "CheckAccuracy"],
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
    // The three scripts only.
    assert.equal(ofType(external.recorded, "aws:s3/bucketObjectv2:BucketObjectv2").length, 3);
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
      for (const file of ["preprocess.py", "evaluate.py"]) {
        copyFileSync(path.join(ML_DIR, file), path.join(scriptsDir, file));
      }
      const bad = recordResources();
      assert.throws(
        () => new MlPipeline(NAME, { account: TEST_ACCOUNT, kmsKeyArn: KEY, tags: TAGS, scriptsDir }),
        {
          message: `MlPipeline ${NAME}: baseline.py not found in ${scriptsDir}.`,
        },
      );
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
          account: TEST_ACCOUNT,
          kmsKeyArn: KEY,
          tags: TAGS,
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

  it("states its footprint, with the role its jobs run as", async () => {
    const { recorded, pipeline } = await build();
    await assertFootprint(recorded, pipeline.footprint, [await valueOf(pipeline.roleArn)]);
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
            account: TEST_ACCOUNT,
            kmsKeyArn: KEY,
            tags: TAGS,
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
