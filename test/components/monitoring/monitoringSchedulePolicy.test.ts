import assert from "node:assert/strict";
import {
  DATA_METRICS_NAMESPACE,
  monitoringJobPolicy,
  MonitoringRoleScope,
} from "../../../components/monitoring/monitoringSchedulePolicy";
import { reviewAgainstServiceData } from "../../helpers/iamData";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666";
const DATA = "mlops-prod-diagnosis-data-1a2b3c4";
const ARTIFACTS = "mlops-prod-diagnosis-artifacts-1a2b3c4";
const BASELINE = `s3://${ARTIFACTS}/pipelines/p4jn9xou8a8s/DataQualityBaseline/baseline`;

function scope(overrides: Partial<MonitoringRoleScope> = {}): MonitoringRoleScope {
  return {
    partition: "aws",
    region: "us-east-1",
    accountId: "123456789012",
    endpointName: "mlops-prod-diagnosis",
    captureUri: `s3://${DATA}/data-capture`,
    baselineUris: [`${BASELINE}/statistics.json`, `${BASELINE}/constraints.json`],
    outputUri: `s3://${DATA}/monitoring/mlops-prod-diagnosis-data-quality`,
    kmsKeyArn: KEY,
    analyzerRepositoryArn: "arn:aws:ecr:us-east-1:156813124566:repository/sagemaker-model-monitor-analyzer",
    ...overrides,
  };
}

const statement = (sid: string, overrides: Partial<MonitoringRoleScope> = {}) =>
  monitoringJobPolicy(scope(overrides)).Statement.find((s) => s.Sid === sid);

describe("monitoringJobPolicy", () => {
  it("names only real actions and uses Resource '*' only where AWS cannot scope the action", async () => {
    const network = { subnetIds: ["subnet-0a1b2c3d"], securityGroupIds: ["sg-0a1b2c3d"] };
    assert.deepEqual(await reviewAgainstServiceData(monitoringJobPolicy(scope({ network }))), []);
  });

  it("reads only the monitored endpoint's captured data and the two baseline files, and lists their folder", () => {
    const statements = monitoringJobPolicy(scope()).Statement;
    assert.deepEqual(statements.slice(0, 4), [
      {
        Sid: "ReadCapturedData",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${DATA}/data-capture/mlops-prod-diagnosis/*`,
      },
      {
        Sid: "ListCapturedData",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: `arn:aws:s3:::${DATA}`,
        Condition: {
          StringLike: {
            "s3:prefix": ["data-capture/mlops-prod-diagnosis", "data-capture/mlops-prod-diagnosis/*"],
          },
        },
      },
      {
        Sid: "ReadBaseline",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: [
          `arn:aws:s3:::${ARTIFACTS}/pipelines/p4jn9xou8a8s/DataQualityBaseline/baseline/constraints.json`,
          `arn:aws:s3:::${ARTIFACTS}/pipelines/p4jn9xou8a8s/DataQualityBaseline/baseline/statistics.json`,
        ],
      },
      {
        // The files' keys are prefixes of the folder: SageMaker lists each before copying it in.
        Sid: "ListBaseline",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: `arn:aws:s3:::${ARTIFACTS}`,
        Condition: {
          StringLike: {
            "s3:prefix": [
              "pipelines/p4jn9xou8a8s/DataQualityBaseline/baseline",
              "pipelines/p4jn9xou8a8s/DataQualityBaseline/baseline/*",
            ],
          },
        },
      },
    ]);
  });

  it("lists each baseline folder in its own bucket when the files are apart (monitoring.baseline)", () => {
    const apart = scope({
      baselineUris: [
        "s3://team-baselines/diagnosis/v3/statistics.json",
        "s3://team-constraints/constraints.json",
        `${BASELINE}/constraints.json`,
      ],
    });
    assert.deepEqual(
      monitoringJobPolicy(apart).Statement.filter((s) => s.Sid?.startsWith("ListBaseline")),
      [
        {
          Sid: "ListBaseline1",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: `arn:aws:s3:::${ARTIFACTS}`,
          Condition: {
            StringLike: {
              "s3:prefix": [
                "pipelines/p4jn9xou8a8s/DataQualityBaseline/baseline",
                "pipelines/p4jn9xou8a8s/DataQualityBaseline/baseline/*",
              ],
            },
          },
        },
        {
          Sid: "ListBaseline2",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: "arn:aws:s3:::team-baselines",
          Condition: { StringLike: { "s3:prefix": ["diagnosis/v3", "diagnosis/v3/*"] } },
        },
        {
          // A file at the bucket's root: its folder would be the whole bucket, so the file alone.
          Sid: "ListBaseline3",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: "arn:aws:s3:::team-constraints",
          Condition: { StringLike: { "s3:prefix": ["constraints.json"] } },
        },
      ],
    );
  });

  it("writes only under its report prefix, and never deletes", () => {
    assert.deepEqual(statement("WriteReports"), {
      Sid: "WriteReports",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: `arn:aws:s3:::${DATA}/monitoring/mlops-prod-diagnosis-data-quality/*`,
    });
    const actions = monitoringJobPolicy(scope()).Statement.flatMap((s) => [s.Action].flat());
    assert.deepEqual(
      actions.filter((a) => a.includes("Delete") || a.includes("*") || a.startsWith("iam:")),
      [],
    );
  });

  it("a capture URI without a prefix or with a trailing slash scopes to the endpoint all the same", () => {
    assert.equal(
      statement("ReadCapturedData", { captureUri: `s3://${DATA}` })?.Resource,
      `arn:aws:s3:::${DATA}/mlops-prod-diagnosis/*`,
    );
    assert.equal(
      statement("ReadCapturedData", { captureUri: `s3://${DATA}/data-capture/` })?.Resource,
      `arn:aws:s3:::${DATA}/data-capture/mlops-prod-diagnosis/*`,
    );
  });

  it("locates every bucket it touches, once each", () => {
    assert.deepEqual(statement("LocateBuckets")?.Resource, [
      `arn:aws:s3:::${ARTIFACTS}`,
      `arn:aws:s3:::${DATA}`,
    ]);
  });

  it("publishes metrics only in Model Monitor's namespace and pulls only the analyzer image", () => {
    assert.deepEqual(statement("PublishDriftMetrics"), {
      Sid: "PublishDriftMetrics",
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": DATA_METRICS_NAMESPACE } },
    });
    assert.equal(DATA_METRICS_NAMESPACE, "aws/sagemaker/Endpoints/data-metrics");
    assert.deepEqual(statement("PullAnalyzerImage")?.Resource, [
      "arn:aws:ecr:us-east-1:156813124566:repository/sagemaker-model-monitor-analyzer",
    ]);
  });

  it("decrypts a baseline promoted from another account through S3 only, and nothing of its own account", async () => {
    assert.equal(statement("DecryptSourceBaseline"), undefined);
    assert.equal(statement("DecryptSourceBaseline", { baselineAccountId: "123456789012" }), undefined);
    const promoted = { baselineAccountId: "111111111111" };
    assert.deepEqual(statement("DecryptSourceBaseline", promoted), {
      Sid: "DecryptSourceBaseline",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: ["arn:aws:kms:us-east-1:111111111111:key/*"],
      Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
    });
    assert.deepEqual(await reviewAgainstServiceData(monitoringJobPolicy(scope(promoted))), []);
  });

  it("uses the stack key for its volume and reports, granting it only to AWS resources", () => {
    assert.deepEqual(statement("UseStackKey")?.Resource, KEY);
    assert.deepEqual(statement("GrantStackKeyToJobVolumes")?.Condition, {
      Bool: { "kms:GrantIsForAWSResource": "true" },
    });
  });

  it("gets network interface permissions only in a VPC, for the stack's subnets and security groups", () => {
    assert.equal(statement("CreateJobNetworkInterfaces"), undefined);
    const network = { subnetIds: ["subnet-0a1b2c3d"], securityGroupIds: ["sg-0a1b2c3d"] };
    assert.deepEqual(statement("CreateJobNetworkInterfaces", { network })?.Resource, [
      "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
      "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0a1b2c3d",
      "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d",
    ]);
  });
});
