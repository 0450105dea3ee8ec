import assert from "node:assert/strict";
import {
  batchModelPolicy,
  BatchModelRoleScope,
  batchPipelinePolicy,
  BatchPipelineRoleScope,
} from "../../../components/batch/batchPolicy";
import { vpcStatements } from "../../../components/shared/vpc";

const ACCOUNT = "222222222222";
const BUILDER = "111111111111";
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0d5a6c3e-1111-4222-8333-944455556666`;
const DATA = "mlops-prod-diagnosis-data-1a2b3c4";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/mlops-prod-diagnosis-batch-role`;
const MODEL = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model/mlops-prod-diagnosis-batch-model-1a2b3c4`;
const REPOSITORY = "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn";
const XGBOOST = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const ARTIFACTS = "mlops-staging-diagnosis-artifacts-9z8y7x6";
const NETWORK = { subnetIds: ["subnet-0123abcd"], securityGroupIds: ["sg-0123abcd"] };
const arn = (service: string, resource: string) => `arn:aws:${service}:us-east-1:${ACCOUNT}:${resource}`;
const PROCESSING_JOBS = arn("sagemaker", "processing-job/pipelines-*");
const TRANSFORM_JOBS = arn("sagemaker", "transform-job/pipelines-*");

function pipelineScope(overrides: Partial<BatchPipelineRoleScope> = {}): BatchPipelineRoleScope {
  return {
    partition: "aws",
    region: "us-east-1",
    accountId: ACCOUNT,
    roleArn: ROLE,
    modelArn: MODEL,
    dataBucket: DATA,
    codeUris: [
      `s3://${DATA}/code/0123456789ab/validate.py`,
      `s3://${DATA}/code/ba9876543210/batch_summary.py`,
      `s3://${DATA}/code/aaaabbbbcccc/diagnosis.json`,
    ],
    kmsKeyArn: KEY,
    volumeKeys: { processing: true, transform: true },
    imageRepositoryArn: REPOSITORY,
    ...overrides,
  };
}

function modelScope(overrides: Partial<BatchModelRoleScope> = {}): BatchModelRoleScope {
  return {
    partition: "aws",
    region: "us-east-1",
    accountId: ACCOUNT,
    dataBucket: DATA,
    kmsKeyArn: KEY,
    images: [XGBOOST, XGBOOST],
    modelDataUrls: [
      `s3://${ARTIFACTS}/pipelines/run4/Train/model/pipelines-run4-Train-abc/output/model.tar.gz`,
    ],
    ...overrides,
  };
}

const KEYS_OF_JOBS = { "sagemaker:OutputKmsKeyArn": KEY, "sagemaker:VolumeKmsKeyArn": KEY };
const JOB_LOGS = (group: string) => [
  {
    Sid: "CreateJobLogGroup",
    Effect: "Allow",
    Action: ["logs:CreateLogGroup", "logs:DescribeLogStreams"],
    Resource: arn("logs", `log-group:${group}`),
  },
  {
    Sid: "WriteJobLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: arn("logs", `log-group:${group}:log-stream:pipelines-*`),
  },
];
const METRICS = (sid: string) => ({
  Sid: sid,
  Effect: "Allow",
  Action: "cloudwatch:PutMetricData",
  Resource: "*",
  Condition: { StringLike: { "cloudwatch:namespace": "/aws/sagemaker/*" } },
});
const GRANT = {
  Sid: "GrantStackKeyToJobVolumes",
  Effect: "Allow",
  Action: "kms:CreateGrant",
  Resource: KEY,
  Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
};
const TOKEN = {
  Sid: "GetRegistryToken",
  Effect: "Allow",
  Action: "ecr:GetAuthorizationToken",
  Resource: "*",
};
const PULL = (sid: string, repositories: string[]) => ({
  Sid: sid,
  Effect: "Allow",
  Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
  Resource: repositories,
});

describe("batch inference roles", () => {
  it("the pipeline's role: isolated encrypted processing jobs, transform jobs of its own model, its bucket prefixes and code", () => {
    assert.deepEqual(batchPipelinePolicy(pipelineScope()), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "StartIsolatedEncryptedJobs",
          Effect: "Allow",
          Action: "sagemaker:CreateProcessingJob",
          Resource: PROCESSING_JOBS,
          Condition: {
            Bool: {
              "sagemaker:NetworkIsolation": "true",
              "sagemaker:InterContainerTrafficEncryption": "true",
            },
            StringEquals: KEYS_OF_JOBS,
          },
        },
        {
          Sid: "ScoreWithOwnModel",
          Effect: "Allow",
          Action: "sagemaker:CreateTransformJob",
          Resource: TRANSFORM_JOBS,
          Condition: { ArnEquals: { "sagemaker:ModelArn": MODEL }, StringEquals: KEYS_OF_JOBS },
        },
        {
          Sid: "FollowJobs",
          Effect: "Allow",
          Action: [
            "sagemaker:AddTags",
            "sagemaker:DescribeProcessingJob",
            "sagemaker:DescribeTransformJob",
            "sagemaker:StopProcessingJob",
            "sagemaker:StopTransformJob",
          ],
          Resource: [PROCESSING_JOBS, TRANSFORM_JOBS],
        },
        {
          Sid: "PassOwnRoleToProcessingJobs",
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: ROLE,
          Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
        },
        {
          Sid: "ReadInputsAndCode",
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: [
            `arn:aws:s3:::${DATA}/batch/input/*`,
            `arn:aws:s3:::${DATA}/code/0123456789ab/validate.py`,
            `arn:aws:s3:::${DATA}/code/aaaabbbbcccc/diagnosis.json`,
            `arn:aws:s3:::${DATA}/code/ba9876543210/batch_summary.py`,
          ],
        },
        {
          Sid: "ReadWriteRunOutputs",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
          Resource: `arn:aws:s3:::${DATA}/batch/output/*`,
        },
        {
          Sid: "ListInputsOutputsAndCode",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: `arn:aws:s3:::${DATA}`,
          Condition: {
            StringLike: {
              "s3:prefix": [
                "batch/input/*",
                "batch/output/*",
                "code/0123456789ab/validate.py",
                "code/aaaabbbbcccc/diagnosis.json",
                "code/ba9876543210/batch_summary.py",
              ],
            },
          },
        },
        {
          Sid: "LocateDataBucket",
          Effect: "Allow",
          Action: "s3:GetBucketLocation",
          Resource: `arn:aws:s3:::${DATA}`,
        },
        {
          Sid: "UseStackKey",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
          Resource: KEY,
        },
        GRANT,
        PULL("PullJobImage", [REPOSITORY]),
        TOKEN,
        ...JOB_LOGS("/aws/sagemaker/ProcessingJobs"),
        METRICS("PublishJobMetrics"),
      ],
    });
  });

  it("the pipeline's role: no volume key condition for instances with local storage; network interfaces in a VPC", () => {
    const statements = batchPipelinePolicy(
      pipelineScope({ volumeKeys: { processing: false, transform: false }, network: NETWORK }),
    ).Statement;
    for (const sid of ["StartIsolatedEncryptedJobs", "ScoreWithOwnModel"]) {
      const statement = statements.find((s) => s.Sid === sid);
      assert.deepEqual(statement?.Condition?.StringEquals, { "sagemaker:OutputKmsKeyArn": KEY }, sid);
    }
    assert.deepEqual(statements.slice(-3), vpcStatements("Job", NETWORK, arn));
  });

  it("the pipeline's role reads code of its own data bucket only", () => {
    assert.throws(
      () => batchPipelinePolicy(pipelineScope({ codeUris: ["s3://other-bucket/code/validate.py"] })),
      /code other-bucket is not in the data bucket mlops-prod-diagnosis-data-1a2b3c4/,
    );
  });

  it("the model's role: runs' validated copies in, their predictions out, the served artifacts and images, its transform logs", () => {
    assert.deepEqual(batchModelPolicy(modelScope()), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ReadModelArtifacts",
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: [
            `arn:aws:s3:::${ARTIFACTS}/pipelines/run4/Train/model/pipelines-run4-Train-abc/output/*`,
          ],
        },
        {
          Sid: "ReadValidatedInput",
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: `arn:aws:s3:::${DATA}/batch/output/*/features/*`,
        },
        {
          Sid: "WritePredictions",
          Effect: "Allow",
          Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
          Resource: `arn:aws:s3:::${DATA}/batch/output/*/predictions/*`,
        },
        {
          Sid: "ListRunOutputs",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: `arn:aws:s3:::${DATA}`,
          Condition: { StringLike: { "s3:prefix": "batch/output/*" } },
        },
        {
          Sid: "LocateDataBucket",
          Effect: "Allow",
          Action: "s3:GetBucketLocation",
          Resource: `arn:aws:s3:::${DATA}`,
        },
        {
          Sid: "UseStackKey",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
          Resource: KEY,
        },
        GRANT,
        PULL("PullModelImages", ["arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-xgboost"]),
        TOKEN,
        ...JOB_LOGS("/aws/sagemaker/TransformJobs"),
        METRICS("PublishTransformMetrics"),
      ],
    });
  });

  it("the model's role decrypts a version another account built through S3 only, and gets network interfaces in a VPC", () => {
    const statements = batchModelPolicy(modelScope({ sourceAccountId: BUILDER, network: NETWORK })).Statement;
    assert.deepEqual(statements.slice(-4), [
      {
        Sid: "DecryptSourceArtifacts",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: [`arn:aws:kms:us-east-1:${BUILDER}:key/*`],
        Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
      },
      ...vpcStatements("Job", NETWORK, arn),
    ]);
    // The stack's own version: no other account's key.
    const own = batchModelPolicy(modelScope({ sourceAccountId: ACCOUNT })).Statement;
    assert.equal(
      own.some((s) => s.Sid === "DecryptSourceArtifacts"),
      false,
    );
  });
});
