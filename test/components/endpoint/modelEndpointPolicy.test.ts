import assert from "node:assert/strict";
import { modelExecutionPolicy, ModelRoleScope } from "../../../components/endpoint/modelEndpointPolicy";
import { reviewAgainstServiceData } from "../../helpers/iamData";
import { ecrRepositoryArn } from "../../../components/shared/arn";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666";

function scope(overrides: Partial<ModelRoleScope> = {}): ModelRoleScope {
  return {
    partition: "aws",
    region: "us-east-1",
    accountId: "123456789012",
    endpointName: "mlops-prod-diagnosis",
    kmsKeyArn: KEY,
    images: ["683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"],
    modelDataUrls: ["s3://mlops-prod-diagnosis-artifacts-1a2b3c4/pipelines/abc/Train/output/model.tar.gz"],
    captureUri: "s3://mlops-prod-diagnosis-data-1a2b3c4/data-capture/",
    rollbackAlarmNames: [
      "mlops-prod-diagnosis-primary-5xx-errors",
      "mlops-prod-diagnosis-primary-4xx-error-rate",
    ],
    ...overrides,
  };
}

describe("modelExecutionPolicy", () => {
  it("names only real actions and uses Resource '*' only where AWS cannot scope the action", async () => {
    const network = { subnetIds: ["subnet-0a1b2c3d"], securityGroupIds: ["sg-0a1b2c3d"] };
    assert.deepEqual(await reviewAgainstServiceData(modelExecutionPolicy(scope({ network }))), []);
  });

  it("reads only the served versions' artifact folders and writes captures only under the endpoint", () => {
    const statements = modelExecutionPolicy(scope()).Statement;
    assert.deepEqual(statements.slice(0, 3), [
      {
        Sid: "ReadModelArtifacts",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: ["arn:aws:s3:::mlops-prod-diagnosis-artifacts-1a2b3c4/pipelines/abc/Train/output/*"],
      },
      {
        Sid: "WriteCapturedData",
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: "arn:aws:s3:::mlops-prod-diagnosis-data-1a2b3c4/data-capture/mlops-prod-diagnosis/*",
      },
      { Sid: "UseStackKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY },
    ]);
  });

  it("without capture, grants no write and only decryption", () => {
    const statements = modelExecutionPolicy(scope({ captureUri: undefined })).Statement;
    assert.ok(!statements.some((s) => s.Sid === "WriteCapturedData"));
    assert.deepEqual(
      statements.find((s) => s.Sid === "UseStackKey"),
      { Sid: "UseStackKey", Effect: "Allow", Action: "kms:Decrypt", Resource: KEY },
    );
    assert.ok(!statements.flatMap((s) => [s.Action].flat()).some((a) => a.startsWith("s3:Put")));
  });

  it("has no wildcard actions and no IAM actions at all", () => {
    const actions = modelExecutionPolicy(scope()).Statement.flatMap((s) => [s.Action].flat());
    assert.deepEqual(
      actions.filter((a) => a.includes("*") || a.startsWith("iam:")),
      [],
    );
  });

  it("lets the role read exactly the endpoint's rollback alarms, as deployment guardrails require of the execution role", () => {
    const watch = modelExecutionPolicy(scope()).Statement.find((s) => s.Sid === "WatchRollbackAlarms");
    assert.deepEqual(watch, {
      Sid: "WatchRollbackAlarms",
      Effect: "Allow",
      Action: "cloudwatch:DescribeAlarms",
      Resource: [
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:mlops-prod-diagnosis-primary-4xx-error-rate",
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:mlops-prod-diagnosis-primary-5xx-errors",
      ],
    });
  });

  it("decrypts artifacts of versions promoted from other accounts through S3 only", async () => {
    const find = (overrides: Partial<ModelRoleScope>) =>
      modelExecutionPolicy(scope(overrides)).Statement.find((s) => s.Sid === "DecryptSourceArtifacts");
    assert.equal(find({}), undefined);
    const promoted = { sourceAccountIds: ["333333333333", "111111111111", "111111111111"] };
    assert.deepEqual(find(promoted), {
      Sid: "DecryptSourceArtifacts",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: ["arn:aws:kms:us-east-1:111111111111:key/*", "arn:aws:kms:us-east-1:333333333333:key/*"],
      Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
    });
    assert.deepEqual(await reviewAgainstServiceData(modelExecutionPolicy(scope(promoted))), []);
  });

  it("pulls from the images' repositories only, once each", () => {
    const images = [
      "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
      "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1",
      `123456789012.dkr.ecr.us-east-1.amazonaws.com/team/custom@sha256:${"a".repeat(64)}`,
    ];
    const pull = modelExecutionPolicy(scope({ images })).Statement.find((s) => s.Sid === "PullModelImages");
    assert.deepEqual(pull?.Resource, [
      "arn:aws:ecr:us-east-1:123456789012:repository/team/custom",
      "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-xgboost",
    ]);
  });
});

describe("ecrRepositoryArn", () => {
  it("turns image URIs into repository ARNs in the image's region and partition", () => {
    assert.equal(
      ecrRepositoryArn("aws-cn", "727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-xgboost:1.7-1"),
      "arn:aws-cn:ecr:cn-north-1:727897471807:repository/sagemaker-xgboost",
    );
  });

  it("refuses images outside ECR, which SageMaker cannot pull", () => {
    assert.throws(
      () => ecrRepositoryArn("aws", "docker.io/library/nginx:latest"),
      /"docker.io\/library\/nginx:latest" is not an Amazon ECR image URI; SageMaker only pulls from ECR/,
    );
  });
});
