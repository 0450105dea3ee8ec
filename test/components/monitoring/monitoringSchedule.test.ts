import assert from "node:assert/strict";
import type { PolicyDocument } from "../../../components/shared/policyDocument";
import {
  MonitoringSchedule,
  MonitoringScheduleArgs,
} from "../../../components/monitoring/monitoringSchedule";
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
import { TEST_ACCOUNT, TEST_BOUNDARY_ARN } from "../../helpers/account";
import { assertFootprint } from "../../helpers/footprint";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666";
const TOPIC = "arn:aws:sns:us-east-1:123456789012:mlops-prod-diagnosis-alerts";
const TAGS = { Environment: "prod", Project: "mlops-platform", Owner: "ml@example.com", CostCenter: "ML-1" };
const ENDPOINT = "mlops-prod-diagnosis";
const NAME = `${ENDPOINT}-data-quality`;
const DATA = "mlops-prod-diagnosis-data-1a2b3c4";
const BASELINE =
  "s3://mlops-prod-diagnosis-artifacts-1a2b3c4/pipelines/p4jn9xou8a8s/DataQualityBaseline/baseline";
const SCHEDULE_ARN = `arn:aws:sagemaker:us-east-1:123456789012:monitoring-schedule/${NAME}`;
const ANALYZER = "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer:latest";

function prodArgs(overrides: Partial<MonitoringScheduleArgs> = {}): MonitoringScheduleArgs {
  return {
    account: TEST_ACCOUNT,
    endpointName: ENDPOINT,
    captureUri: `s3://${DATA}/data-capture`,
    outputBucketName: DATA,
    baseline: {
      statisticsUri: `${BASELINE}/statistics.json`,
      constraintsUri: `${BASELINE}/constraints.json`,
    },
    kmsKeyArn: KEY,
    permissionsBoundaryArn: TEST_BOUNDARY_ARN,
    alertTopicArn: TOPIC,
    scheduleExpression: "cron(0 * ? * * *)",
    instanceType: "ml.m5.xlarge",
    driftAlarms: { features: ["mean_radius", "worst_area"] },
    tags: TAGS,
    ...overrides,
  };
}

async function build(args: MonitoringScheduleArgs, name = NAME) {
  const recorded = recordResources();
  const monitor = new MonitoringSchedule(name, args);
  await settle(recorded);
  return { recorded, monitor };
}

const inputsOf = (recorded: RecordedResource[], name: string, type: string) =>
  named(recorded, name, type).inputs;
const JOB_DEFINITION = "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition";
const EVENT_RULE = "aws:cloudwatch/eventRule:EventRule";
const EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

describe("MonitoringSchedule", () => {
  let recorded: RecordedResource[];
  let monitor: MonitoringSchedule;
  before(async () => {
    ({ recorded, monitor } = await build(prodArgs()));
  });

  it("creates exactly the role, job definition, schedule, alert rules and drift alarms, all children of the component", () => {
    const component = named(recorded, NAME);
    assert.equal(component.type, "mlops:sagemaker:MonitoringSchedule");
    const children = recorded.filter((r) => r.parent === component.urn).map((r) => `${r.type} ${r.name}`);
    assert.deepEqual(children.sort(), [
      `${EVENT_RULE} ${NAME}-failures`,
      `${EVENT_RULE} ${NAME}-violations`,
      `${EVENT_TARGET} ${NAME}-failures-alert`,
      `${EVENT_TARGET} ${NAME}-violations-alert`,
      `${ALARM} ${NAME}-drift-mean_radius`,
      `${ALARM} ${NAME}-drift-worst_area`,
      `${ALARM} ${NAME}-failures-undelivered`,
      `${ALARM} ${NAME}-violations-undelivered`,
      `aws:iam/role:Role ${NAME}-role`,
      `aws:iam/rolePolicy:RolePolicy ${NAME}-role-policy`,
      `${JOB_DEFINITION} ${NAME}-job`,
      `aws:sagemaker/monitoringSchedule:MonitoringSchedule ${NAME}`,
      `aws:sqs/queue:Queue ${NAME}-failures-dlq`,
      `aws:sqs/queue:Queue ${NAME}-violations-dlq`,
      `aws:sqs/queuePolicy:QueuePolicy ${NAME}-failures-dlq-policy`,
      `aws:sqs/queuePolicy:QueuePolicy ${NAME}-violations-dlq-policy`,
    ]);
    for (const resource of recorded.filter((r) => r.custom && "tags" in r.inputs)) {
      assert.deepEqual(resource.inputs.tags, TAGS, resource.name);
    }
  });

  it("defines a data-quality job on the endpoint's captured traffic, against the served model's baseline", () => {
    const job = inputsOf(recorded, `${NAME}-job`, JOB_DEFINITION);
    assert.equal(
      job.name,
      undefined,
      "auto-named, so that a changed definition is created before the old one goes",
    );
    assert.equal(job.roleArn, named(recorded, `${NAME}-role`).outputs.arn);
    assert.deepEqual(job.dataQualityAppSpecification, {
      imageUri: ANALYZER,
      environment: { publish_cloudwatch_metrics: "Enabled" },
    });
    assert.deepEqual(job.dataQualityBaselineConfig, {
      statisticsResource: { s3Uri: `${BASELINE}/statistics.json` },
      constraintsResource: { s3Uri: `${BASELINE}/constraints.json` },
    });
    assert.deepEqual(job.dataQualityJobInput, {
      endpointInput: {
        endpointName: ENDPOINT,
        localPath: "/opt/ml/processing/input/endpoint",
        s3InputMode: "File",
        s3DataDistributionType: "FullyReplicated",
      },
    });
  });

  it("encrypts reports and volumes with the stack key, isolates the job and limits its run time", () => {
    const job = inputsOf(recorded, `${NAME}-job`, JOB_DEFINITION);
    assert.deepEqual(job.dataQualityJobOutputConfig, {
      kmsKeyId: KEY,
      monitoringOutputs: {
        s3Output: {
          s3Uri: `s3://${DATA}/monitoring/${NAME}`,
          localPath: "/opt/ml/processing/output",
          s3UploadMode: "EndOfJob",
        },
      },
    });
    assert.deepEqual(job.jobResources, {
      clusterConfig: {
        instanceCount: 1,
        instanceType: "ml.m5.xlarge",
        volumeSizeInGb: 20,
        volumeKmsKeyId: KEY,
      },
    });
    assert.deepEqual(job.networkConfig, {
      enableNetworkIsolation: true,
      enableInterContainerTrafficEncryption: true,
    });
    assert.deepEqual(job.stoppingCondition, { maxRuntimeInSeconds: 1800 });
    // The role holds its permissions before the first execution.
    const job0 = named(recorded, `${NAME}-job`, JOB_DEFINITION);
    assert.ok(job0.dependencies.includes(named(recorded, `${NAME}-role-policy`).urn));
  });

  it("schedules the job by name with the configured cron", async () => {
    const schedule = inputsOf(recorded, NAME, "aws:sagemaker/monitoringSchedule:MonitoringSchedule");
    assert.deepEqual(schedule.monitoringScheduleConfig, {
      monitoringJobDefinitionName: named(recorded, `${NAME}-job`, JOB_DEFINITION).outputs.name,
      monitoringType: "DataQuality",
      scheduleConfig: { scheduleExpression: "cron(0 * ? * * *)" },
    });
    assert.equal(schedule.name, NAME);
    assert.equal(await valueOf(monitor.scheduleArn), SCHEDULE_ARN);
    assert.equal(await valueOf(monitor.reportUri), `s3://${DATA}/monitoring/${NAME}`);
  });

  it("the job role reads the capture and baseline, writes only its reports, and is assumed only by SageMaker", () => {
    const role = inputsOf(recorded, `${NAME}-role`, "aws:iam/role:Role");
    assert.deepEqual(JSON.parse(role.assumeRolePolicy as string).Statement, [
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
    const policy = JSON.parse(
      inputsOf(recorded, `${NAME}-role-policy`, "aws:iam/rolePolicy:RolePolicy").policy as string,
    ) as PolicyDocument;
    const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s.Resource]));
    assert.equal(bySid.ReadCapturedData, `arn:aws:s3:::${DATA}/data-capture/${ENDPOINT}/*`);
    assert.deepEqual(bySid.ReadBaseline, [
      "arn:aws:s3:::mlops-prod-diagnosis-artifacts-1a2b3c4/pipelines/p4jn9xou8a8s/DataQualityBaseline/baseline/constraints.json",
      "arn:aws:s3:::mlops-prod-diagnosis-artifacts-1a2b3c4/pipelines/p4jn9xou8a8s/DataQualityBaseline/baseline/statistics.json",
    ]);
    assert.equal(bySid.WriteReports, `arn:aws:s3:::${DATA}/monitoring/${NAME}/*`);
    assert.deepEqual(bySid.PullAnalyzerImage, [
      "arn:aws:ecr:us-east-1:156813124566:repository/sagemaker-model-monitor-analyzer",
    ]);
    assert.equal(bySid.UseStackKey, KEY);
  });

  it("gives the job role the stack's permissions boundary", () => {
    assert.equal(named(recorded, `${NAME}-role`).inputs.permissionsBoundary, TEST_BOUNDARY_ARN);
  });

  it("sends violations and failed runs of this schedule to the alert topic, in words a person can act on", () => {
    const violations = inputsOf(recorded, `${NAME}-violations`, EVENT_RULE);
    assert.equal(violations.name, `${NAME}-violations`);
    assert.deepEqual(JSON.parse(violations.eventPattern as string), {
      source: ["aws.sagemaker"],
      "detail-type": ["SageMaker Processing Job State Change"],
      detail: {
        MonitoringScheduleArn: [SCHEDULE_ARN],
        ProcessingJobStatus: ["Completed"],
        ExitMessage: [{ prefix: "CompletedWithViolations" }],
      },
    });
    const failures = inputsOf(recorded, `${NAME}-failures`, EVENT_RULE);
    assert.deepEqual(JSON.parse(failures.eventPattern as string), {
      source: ["aws.sagemaker"],
      "detail-type": ["SageMaker Processing Job State Change"],
      detail: { MonitoringScheduleArn: [SCHEDULE_ARN], ProcessingJobStatus: ["Failed", "Stopped"] },
    });

    const target = inputsOf(recorded, `${NAME}-violations-alert`, EVENT_TARGET);
    assert.equal(target.rule, named(recorded, `${NAME}-violations`, EVENT_RULE).outputs.name);
    assert.equal(target.arn, TOPIC);
    // An alert SNS refuses is retried for an hour, then kept in the rule's own dead-letter queue.
    for (const kind of ["violations", "failures"]) {
      const alert = inputsOf(recorded, `${NAME}-${kind}-alert`, EVENT_TARGET);
      assert.deepEqual(alert.retryPolicy, { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 });
      assert.deepEqual(alert.deadLetterConfig, {
        arn: named(recorded, `${NAME}-${kind}-dlq`, "aws:sqs/queue:Queue").outputs.arn,
      });
      const undelivered = inputsOf(recorded, `${NAME}-${kind}-undelivered`, ALARM);
      assert.deepEqual(undelivered.dimensions, { QueueName: `${NAME}-${kind}-dlq` });
      assert.deepEqual(undelivered.alarmActions, [TOPIC]);
    }
    const transformer = target.inputTransformer as {
      inputPaths: Record<string, string>;
      inputTemplate: string;
    };
    assert.deepEqual(transformer.inputPaths, {
      job: "$.detail.ProcessingJobName",
      exitMessage: "$.detail.ExitMessage",
      time: "$.time",
    });
    const message = JSON.parse(transformer.inputTemplate) as string;
    assert.equal(
      message,
      `Model Monitor found data-quality violations on endpoint ${ENDPOINT} (monitoring schedule ${NAME}) in the run of <time>: <exitMessage> ` +
        "The traffic sent to the model no longer matches the data it was trained on. " +
        `constraint_violations.json under s3://${DATA}/monitoring/${NAME}/ names each feature and check that failed; ` +
        "compare with the baseline, then retrain on recent data or fix the client sending it. Monitoring job: <job>.",
    );
    const failureTarget = inputsOf(recorded, `${NAME}-failures-alert`, EVENT_TARGET);
    const failureTransformer = failureTarget.inputTransformer as {
      inputPaths: Record<string, string>;
      inputTemplate: string;
    };
    assert.deepEqual(Object.keys(failureTransformer.inputPaths).sort(), [
      "failureReason",
      "job",
      "status",
      "time",
    ]);
    for (const variable of Object.keys(failureTransformer.inputPaths)) {
      assert.ok(failureTransformer.inputTemplate.includes(`<${variable}>`), variable);
    }
  });

  it("alarms on each chosen feature's drift metric with the endpoint and schedule as dimensions", () => {
    const alarms = ofType(recorded, ALARM).filter((a) => !a.name.endsWith("-undelivered"));
    assert.deepEqual(alarms.map((a) => a.inputs.metricName).sort(), [
      "feature_baseline_drift_mean_radius",
      "feature_baseline_drift_worst_area",
    ]);
    const { alarmDescription, ...alarm } = inputsOf(recorded, `${NAME}-drift-worst_area`, ALARM);
    assert.deepEqual(alarm, {
      name: `${NAME}-drift-worst_area`,
      namespace: "aws/sagemaker/Endpoints/data-metrics",
      metricName: "feature_baseline_drift_worst_area",
      dimensions: { Endpoint: ENDPOINT, MonitoringSchedule: NAME },
      statistic: "Maximum",
      period: 3600,
      evaluationPeriods: 2,
      datapointsToAlarm: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0.1,
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
      tags: TAGS,
    });
    assert.match(
      alarmDescription as string,
      /Feature "worst_area" of the traffic to endpoint mlops-prod-diagnosis has drifted/,
    );
  });

  it("runs in the stack's VPC when it has one, and alarms on nothing when no feature is chosen", async () => {
    const network = { subnetIds: ["subnet-0a1b2c3d"], securityGroupIds: ["sg-0a1b2c3d"] };
    const { recorded: inVpc, monitor: bare } = await build(
      prodArgs({ network, driftAlarms: undefined, scheduleExpression: undefined, maxRuntimeSeconds: 3600 }),
    );
    const job = inputsOf(inVpc, `${NAME}-job`, JOB_DEFINITION);
    assert.deepEqual(job.networkConfig, {
      enableNetworkIsolation: true,
      enableInterContainerTrafficEncryption: true,
      vpcConfig: { subnets: ["subnet-0a1b2c3d"], securityGroupIds: ["sg-0a1b2c3d"] },
    });
    assert.deepEqual(job.stoppingCondition, { maxRuntimeInSeconds: 3600 });
    assert.deepEqual(
      ofType(inVpc, ALARM).map((a) => a.name),
      [`${NAME}-violations-undelivered`, `${NAME}-failures-undelivered`],
    );
    assert.deepEqual(await valueOf(bare.alarmNames), []);
    const schedule = inputsOf(inVpc, NAME, "aws:sagemaker/monitoringSchedule:MonitoringSchedule");
    assert.deepEqual((schedule.monitoringScheduleConfig as Record<string, unknown>).scheduleConfig, {
      scheduleExpression: "cron(0 0 ? * * *)",
    });
    const policy = JSON.parse(
      inputsOf(inVpc, `${NAME}-role-policy`, "aws:iam/rolePolicy:RolePolicy").policy as string,
    ) as PolicyDocument;
    assert.ok(policy.Statement.some((s) => s.Sid === "CreateJobNetworkInterfaces"));
  });

  it("refuses a bad request with every problem, before registering anything", () => {
    const recorded = recordResources();
    assert.throws(
      () =>
        new MonitoringSchedule(
          "x".repeat(54),
          prodArgs({
            scheduleExpression: "cron(15 * ? * * *)",
            instanceType: "ml.t2.medium",
            maxRuntimeSeconds: 7200,
            baseline: { statisticsUri: "statistics.json", constraintsUri: `${BASELINE}/` },
            driftAlarms: { features: ["a", "a", "b c"], threshold: 1.5 },
          }),
        ),
      {
        message:
          `MonitoringSchedule ${"x".repeat(54)}: name "${"x".repeat(54)}" must be 1-53 letters, digits and hyphens; ` +
          'scheduleExpression "cron(15 * ? * * *)" is not a Model Monitor schedule: expected cron(0 <hours> ? * * *), e.g. "cron(0 * ? * * *)" hourly, "cron(0 3 ? * * *)" daily at 03:00 UTC; ' +
          'instanceType "ml.t2.medium" is not a SageMaker instance type for processing jobs (did you mean "ml.t3.medium"?); ' +
          "maxRuntimeSeconds 7200 must be a whole number from 60 to 3600; " +
          'baseline statisticsUri "statistics.json" is not the S3 URI of a file; ' +
          `baseline constraintsUri "${BASELINE}/" is not the S3 URI of a file; ` +
          'driftAlarms.features[2] "b c" is not a feature name Model Monitor publishes metrics for (1-200 letters, digits, _ . -); ' +
          'driftAlarms.features[1] "a" is already listed at features[0]; ' +
          "driftAlarms.threshold 1.5 must be a distance above 0, up to 1.",
      },
    );
    assert.deepEqual(recorded, []);
  });

  it("states its footprint: with drift alarms and without", async () => {
    for (const features of [["mean_radius"], []]) {
      const { recorded, monitor } = await build(prodArgs({ driftAlarms: { features } }));
      await assertFootprint(recorded, monitor.footprint, [await valueOf(monitor.roleArn)]);
    }
  });
});
