import assert from "node:assert/strict";
import * as path from "node:path";
import { DriftCheck, DriftCheckArgs } from "../../../components/monitoring/driftCheck";
import { driftCheckFailureUndeliveredAlarm } from "../../../components/monitoring/driftCheckAlerts";
import type {
  PipelineDefinition,
  ProcessingStep,
  ConditionStep,
} from "../../../components/pipeline/definitionTypes";
import { named, ofType, recordResources, RecordedResource, settle, valueOf } from "../../helpers/mocks";
import { TEST_ACCOUNT, TEST_BOUNDARY_ARN } from "../../helpers/account";
import { assertFootprint } from "../../helpers/footprint";
import { archiveFiles, AWS_CLIENTS_FILE, COMPONENTS_DIR } from "../../helpers/lambdaArchive";

const ACCOUNT = "123456789012";
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0d5a6c3e-1111-4222-8333-944455556666`;
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:mlops-prod-diagnosis-alerts`;
const TAGS = { Environment: "prod", Project: "mlops-platform", Owner: "ml@example.com", CostCenter: "ML-1" };
const ENDPOINT = "mlops-prod-diagnosis";
const NAME = `${ENDPOINT}-drift`;
const DATA = "mlops-prod-diagnosis-data-1a2b3c4";
const BASELINE =
  "s3://mlops-staging-diagnosis-artifacts-9z8y7x6/pipelines/p4jn9xou8a8s/DriftBaseline/drift-baseline/drift_baseline.json";
const PIPELINE_ARN = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:pipeline/${NAME}`;
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${NAME}-steps`;
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:${NAME}-dlq`;
const FAILURES_QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:${NAME}-failures-dlq`;
const ROLE = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const SKLEARN = TEST_ACCOUNT.images.sklearn;

function prodArgs(overrides: Partial<DriftCheckArgs> = {}): DriftCheckArgs {
  return {
    account: TEST_ACCOUNT,
    endpointName: ENDPOINT,
    captureUri: `s3://${DATA}/data-capture`,
    outputBucketName: DATA,
    baselineUri: BASELINE,
    baselineAccountId: "111111111111",
    kmsKeyArn: KEY,
    permissionsBoundaryArn: TEST_BOUNDARY_ARN,
    alertTopicArn: TOPIC,
    modelName: "diagnosis",
    scheduleExpression: "cron(0 * ? * * *)",
    thresholds: { psiDrift: 0.3 },
    featureThresholds: { mean_area: { psiDrift: 0.4, ksDrift: 0.3 } },
    driftAlarms: { features: ["mean_area", "worst_radius"] },
    tags: TAGS,
    ...overrides,
  };
}

async function build(args: DriftCheckArgs, name = NAME) {
  const recorded = recordResources();
  const check = new DriftCheck(name, args);
  await settle(recorded);
  return { recorded, check };
}

const json = (value: unknown) => JSON.parse(value as string);
const policyOf = (recorded: RecordedResource[], name: string) =>
  json(named(recorded, name, "aws:iam/rolePolicy:RolePolicy").inputs.policy);

describe("DriftCheck", () => {
  let recorded: RecordedResource[];
  let check: DriftCheck;
  before(async () => {
    ({ recorded, check } = await build(prodArgs()));
  });

  it("creates exactly its roles, function, log group, script, pipeline, schedule, failure rule, dead-letter queues and alarms, all children of the component", async () => {
    const component = named(recorded, NAME, "mlops:sagemaker:DriftCheck");
    const children = recorded.filter((r) => r.parent === component.urn).map((r) => `${r.type} ${r.name}`);
    assert.deepEqual(children.sort(), [
      `aws:cloudwatch/eventRule:EventRule ${NAME}-failures`,
      `aws:cloudwatch/eventTarget:EventTarget ${NAME}-failures-alert`,
      `aws:cloudwatch/logGroup:LogGroup ${NAME}-steps-logs`,
      `aws:cloudwatch/metricAlarm:MetricAlarm ${NAME}-failed-starts`,
      `aws:cloudwatch/metricAlarm:MetricAlarm ${NAME}-failures-undelivered`,
      `aws:cloudwatch/metricAlarm:MetricAlarm ${NAME}-psi-mean_area`,
      `aws:cloudwatch/metricAlarm:MetricAlarm ${NAME}-psi-worst_radius`,
      `aws:iam/role:Role ${NAME}-role`,
      `aws:iam/role:Role ${NAME}-scheduler-role`,
      `aws:iam/role:Role ${NAME}-steps-role`,
      `aws:iam/rolePolicy:RolePolicy ${NAME}-role-policy`,
      `aws:iam/rolePolicy:RolePolicy ${NAME}-scheduler-role-policy`,
      `aws:iam/rolePolicy:RolePolicy ${NAME}-steps-role-policy`,
      `aws:lambda/function:Function ${NAME}-steps`,
      `aws:s3/bucketObjectv2:BucketObjectv2 ${NAME}-drift-check-py`,
      `aws:sagemaker/pipeline:Pipeline ${NAME}`,
      `aws:scheduler/schedule:Schedule ${NAME}`,
      `aws:sqs/queue:Queue ${NAME}-dlq`,
      `aws:sqs/queue:Queue ${NAME}-failures-dlq`,
      `aws:sqs/queuePolicy:QueuePolicy ${NAME}-dlq-policy`,
      `aws:sqs/queuePolicy:QueuePolicy ${NAME}-failures-dlq-policy`,
    ]);
    for (const resource of recorded.filter((r) => r.custom && "tags" in r.inputs)) {
      assert.deepEqual(resource.inputs.tags, TAGS, resource.name);
    }
    assert.equal(await valueOf(check.pipelineName), NAME);
    assert.equal(await valueOf(check.reportUri), `s3://${DATA}/monitoring/${NAME}`);
  });

  it("states its footprint: the types it creates and the three roles it passes", async () => {
    await assertFootprint(recorded, check.footprint, [
      ROLE(`${NAME}-role`),
      ROLE(`${NAME}-steps-role`),
      ROLE(`${NAME}-scheduler-role`),
    ]);
  });

  it("gives its three roles the stack's permissions boundary", () => {
    const roles = ofType(recorded, "aws:iam/role:Role");
    assert.deepEqual(roles.map((role) => role.name).sort(), [
      `${NAME}-role`,
      `${NAME}-scheduler-role`,
      `${NAME}-steps-role`,
    ]);
    for (const role of roles) assert.equal(role.inputs.permissionsBoundary, TEST_BOUNDARY_ARN, role.name);
  });

  it("trusts SageMaker and EventBridge Scheduler for this account's resources only, and Lambda", () => {
    const trust = (role: string) => json(named(recorded, role, "aws:iam/role:Role").inputs.assumeRolePolicy);
    const service = (name: string) => ({
      Effect: "Allow",
      Principal: { Service: name },
      Action: "sts:AssumeRole",
    });
    assert.deepEqual(trust(`${NAME}-role`).Statement, [
      {
        ...service("sagemaker.amazonaws.com"),
        Condition: {
          StringEquals: { "aws:SourceAccount": ACCOUNT },
          ArnLike: { "aws:SourceArn": `arn:aws:sagemaker:us-east-1:${ACCOUNT}:*` },
        },
      },
    ]);
    // Lambda sends no source keys when it assumes a function's execution role.
    assert.deepEqual(trust(`${NAME}-steps-role`).Statement, [service("lambda.amazonaws.com")]);
    // Scheduler names the schedule's group, the one the schedule is in, never the schedule.
    assert.deepEqual(trust(`${NAME}-scheduler-role`).Statement, [
      {
        ...service("scheduler.amazonaws.com"),
        Condition: {
          StringEquals: { "aws:SourceAccount": ACCOUNT },
          ArnEquals: { "aws:SourceArn": `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule-group/default` },
        },
      },
    ]);
    assert.equal(named(recorded, NAME, "aws:scheduler/schedule:Schedule").inputs.groupName, "default");
    // These three roles and no other, whatever order their trust policies resolve in.
    assert.deepEqual(
      ofType(recorded, "aws:iam/role:Role")
        .map((role) => role.inputs.name)
        .sort(),
      [`${NAME}-role`, `${NAME}-scheduler-role`, `${NAME}-steps-role`],
    );
  });

  it("lets the schedule start this pipeline and send a failed start to its dead-letter queue, and nothing else", () => {
    assert.deepEqual(policyOf(recorded, `${NAME}-scheduler-role-policy`), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "StartPipeline",
          Effect: "Allow",
          Action: "sagemaker:StartPipelineExecution",
          Resource: PIPELINE_ARN,
        },
        { Sid: "SendFailedStarts", Effect: "Allow", Action: "sqs:SendMessage", Resource: QUEUE_ARN },
        {
          Sid: "EncryptFailedStarts",
          Effect: "Allow",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: KEY,
        },
      ],
    });
  });

  it("keeps failed starts 14 days in a queue encrypted with the stack key, TLS only, and pages while it holds any", () => {
    const queue = named(recorded, `${NAME}-dlq`, "aws:sqs/queue:Queue").inputs;
    assert.deepEqual(
      {
        name: queue.name,
        kmsMasterKeyId: queue.kmsMasterKeyId,
        messageRetentionSeconds: queue.messageRetentionSeconds,
      },
      { name: `${NAME}-dlq`, kmsMasterKeyId: KEY, messageRetentionSeconds: 1_209_600 },
    );
    assert.deepEqual(json(named(recorded, `${NAME}-dlq-policy`).inputs.policy), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyMessagesWithoutTls",
          Effect: "Deny",
          Principal: "*",
          Action: [
            "sqs:SendMessage",
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
          ],
          Resource: QUEUE_ARN,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
    const { tags, ...alarm } = named(recorded, `${NAME}-failed-starts`).inputs;
    assert.deepEqual(tags, TAGS);
    assert.deepEqual(alarm, {
      name: `${NAME}-failed-starts`,
      alarmDescription:
        `SQS queue ${NAME}-dlq holds runs of drift check ${NAME} that EventBridge Scheduler could not start, so their ` +
        `windows were not checked. Each message names the error and the scheduled time: fix the cause, start pipeline ` +
        `${NAME} with ScheduledTime set to that time, then delete the message; the alarm returns to OK once the queue is empty`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: `${NAME}-dlq` },
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
  });

  it("keeps failure alerts it cannot deliver 14 days in the failure rule's own queue, writable by that rule only, and pages while it holds any", () => {
    assert.deepEqual(named(recorded, `${NAME}-failures-dlq`, "aws:sqs/queue:Queue").inputs, {
      name: `${NAME}-failures-dlq`,
      kmsMasterKeyId: KEY,
      messageRetentionSeconds: 1_209_600,
      tags: TAGS,
    });
    assert.deepEqual(json(named(recorded, `${NAME}-failures-dlq-policy`).inputs.policy), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AlertRuleSendsUndeliveredAlerts",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: FAILURES_QUEUE_ARN,
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnEquals: { "aws:SourceArn": [`arn:aws:events:us-east-1:${ACCOUNT}:rule/${NAME}-failures`] },
          },
        },
        {
          Sid: "DenyMessagesWithoutTls",
          Effect: "Deny",
          Principal: "*",
          Action: [
            "sqs:SendMessage",
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
          ],
          Resource: FAILURES_QUEUE_ARN,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
    const { tags, ...alarm } = named(recorded, `${NAME}-failures-undelivered`).inputs;
    assert.deepEqual(tags, TAGS);
    assert.deepEqual(alarm, {
      name: `${NAME}-failures-undelivered`,
      alarmDescription:
        `SQS queue ${NAME}-failures-dlq holds alerts of failed or stopped runs of drift check ${NAME} (their windows ` +
        `went unchecked) that EventBridge rule ${NAME}-failures could not deliver to the alert topic, so nobody was ` +
        `told of them. Each message is the event the rule matched, with the error in its ERROR_CODE and ` +
        `ERROR_MESSAGE attributes: fix the cause (a deleted topic, or a topic or key policy that refuses ` +
        `EventBridge), see why each run its detail.pipelineExecutionArn names stopped with aws sagemaker ` +
        `list-pipeline-execution-steps --pipeline-execution-arn <that ARN>, and check its window again: start ` +
        `pipeline ${NAME} with ScheduledTime set to that run's (aws sagemaker list-pipeline-parameters-for-execution ` +
        `gives it), then delete the message; the alarm returns to OK once the queue is empty`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: `${NAME}-failures-dlq` },
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
    // CloudWatch takes descriptions of up to 1024 characters, also for the longest name a check may have.
    assert.ok(driftCheckFailureUndeliveredAlarm("a".repeat(49)).description.length <= 1024);
  });

  it("scopes the function to the endpoint's capture prefix, the check's folder, the alert topic and the drift namespace", () => {
    const statements = policyOf(recorded, `${NAME}-steps-role-policy`).Statement;
    assert.deepEqual(statements, [
      {
        Sid: "ListCapturedData",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: `arn:aws:s3:::${DATA}`,
        Condition: {
          StringLike: { "s3:prefix": [`data-capture/${ENDPOINT}/`, `data-capture/${ENDPOINT}/*`] },
        },
      },
      {
        Sid: "WriteManifestsReadReports",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject"],
        Resource: `arn:aws:s3:::${DATA}/monitoring/${NAME}/*`,
      },
      { Sid: "UseStackKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY },
      {
        Sid: "PublishDriftMetrics",
        Effect: "Allow",
        Action: "cloudwatch:PutMetricData",
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": "MLOps/Drift" } },
      },
      { Sid: "AlertOnDrift", Effect: "Allow", Action: "sns:Publish", Resource: TOPIC },
      {
        Sid: "WriteFunctionLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/${NAME}-steps:log-stream:*`,
      },
      {
        Sid: "PutDriftEvents",
        Effect: "Allow",
        Action: "events:PutEvents",
        Resource: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`,
        Condition: { StringEquals: { "events:source": "mlops.drift" } },
      },
    ]);
  });

  it("lets the pipeline start only isolated, encrypted jobs and read only the window, the baseline and the script", () => {
    const statements = policyOf(recorded, `${NAME}-role-policy`).Statement as { Sid: string }[];
    const sid = (name: string) => statements.find((statement) => statement.Sid === name);
    const script = named(recorded, `${NAME}-drift-check-py`).inputs.key as string;
    assert.match(script, /^code\/[0-9a-f]{12}\/drift_check\.py$/);
    const baselineKey = BASELINE.replace("s3://mlops-staging-diagnosis-artifacts-9z8y7x6/", "");
    assert.deepEqual(
      statements.map((statement) => statement.Sid),
      [
        "StartIsolatedEncryptedChecks",
        "FollowChecks",
        "InvokeCheckSteps",
        "PassOwnRoleToCheckJobs",
        "ReadCapturedData",
        "ReadBaselineAndScript",
        "ListBaselineAndScript",
        "ReadManifestsWriteReports",
        "LocateBuckets",
        "UseStackKey",
        "GrantStackKeyToJobVolumes",
        "PullCheckImage",
        "GetRegistryToken",
        "CreateJobLogGroup",
        "WriteJobLogs",
        "DecryptSourceBaseline",
      ],
    );
    assert.deepEqual(sid("StartIsolatedEncryptedChecks"), {
      Sid: "StartIsolatedEncryptedChecks",
      Effect: "Allow",
      Action: "sagemaker:CreateProcessingJob",
      Resource: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:processing-job/pipelines-*`,
      Condition: {
        Bool: { "sagemaker:NetworkIsolation": "true", "sagemaker:InterContainerTrafficEncryption": "true" },
        StringEquals: { "sagemaker:VolumeKmsKeyArn": KEY, "sagemaker:OutputKmsKeyArn": KEY },
      },
    });
    assert.deepEqual(sid("InvokeCheckSteps"), {
      Sid: "InvokeCheckSteps",
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: FUNCTION_ARN,
    });
    assert.deepEqual(sid("ReadCapturedData"), {
      Sid: "ReadCapturedData",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${DATA}/data-capture/${ENDPOINT}/*`,
    });
    assert.deepEqual(sid("ReadBaselineAndScript"), {
      Sid: "ReadBaselineAndScript",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: [
        `arn:aws:s3:::${DATA}/${script}`,
        `arn:aws:s3:::mlops-staging-diagnosis-artifacts-9z8y7x6/${baselineKey}`,
      ],
    });
    assert.deepEqual(sid("ListBaselineAndScript"), {
      Sid: "ListBaselineAndScript",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: [`arn:aws:s3:::${DATA}`, "arn:aws:s3:::mlops-staging-diagnosis-artifacts-9z8y7x6"],
      Condition: { StringEquals: { "s3:prefix": [script, baselineKey].sort() } },
    });
    assert.deepEqual(sid("ReadManifestsWriteReports"), {
      Sid: "ReadManifestsWriteReports",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: `arn:aws:s3:::${DATA}/monitoring/${NAME}/*`,
    });
    assert.deepEqual(sid("PullCheckImage"), {
      Sid: "PullCheckImage",
      Effect: "Allow",
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
      Resource: [SKLEARN.repositoryArn],
    });
    assert.deepEqual(sid("DecryptSourceBaseline"), {
      Sid: "DecryptSourceBaseline",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: ["arn:aws:kms:us-east-1:111111111111:key/*"],
      Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
    });
  });

  it("defines FindCapture, then CheckDrift and PublishResults only when the window has traffic", () => {
    const pipeline = named(recorded, NAME, "aws:sagemaker/pipeline:Pipeline").inputs;
    assert.equal(pipeline.roleArn, ROLE(`${NAME}-role`));
    const definition = json(pipeline.pipelineDefinition) as PipelineDefinition;
    assert.deepEqual(definition.Parameters, [{ Name: "ScheduledTime", Type: "String", DefaultValue: "" }]);
    assert.deepEqual(
      definition.Steps.map((step) => `${step.Type} ${step.Name}`),
      ["Lambda FindCapture", "Condition HasTraffic"],
    );
    const find = definition.Steps[0];
    assert.deepEqual(find, {
      Name: "FindCapture",
      Type: "Lambda",
      Description: find.Description,
      FunctionArn: FUNCTION_ARN,
      Arguments: {
        action: "find",
        scheduled_time: { Get: "Parameters.ScheduledTime" },
        window_hours: 1,
        endpoint: ENDPOINT,
        capture_uri: `s3://${DATA}/data-capture/${ENDPOINT}`,
        report_uri: `s3://${DATA}/monitoring/${NAME}`,
        thresholds:
          '{"psi_warn":0.1,"psi_drift":0.3,"ks_drift":0.2,"missing_rate_change":0.1,"unseen_share":0.01,"min_rows":200}',
        feature_thresholds: '{"mean_area":{"psi_drift":0.4,"ks_drift":0.3}}',
      },
      OutputParameters: [
        { OutputName: "WindowStart", OutputType: "String" },
        { OutputName: "CaptureFiles", OutputType: "Integer" },
        { OutputName: "ManifestUri", OutputType: "String" },
        { OutputName: "ReportUri", OutputType: "String" },
      ],
    });
    const condition = definition.Steps[1] as ConditionStep;
    const output = (name: string) => ({ Get: `Steps.FindCapture.OutputParameters['${name}']` });
    assert.deepEqual(condition.Arguments.Conditions, [
      { Type: "GreaterThan", LeftValue: output("CaptureFiles"), RightValue: 0 },
    ]);
    assert.deepEqual(condition.Arguments.ElseSteps, []);
    const [checkStep, publish] = condition.Arguments.IfSteps;
    const { Arguments: job } = checkStep as ProcessingStep;
    const script = named(recorded, `${NAME}-drift-check-py`).inputs.key as string;
    assert.deepEqual(job, {
      RoleArn: ROLE(`${NAME}-role`),
      AppSpecification: {
        ImageUri: SKLEARN.uri,
        ContainerEntrypoint: ["python3", "/opt/ml/processing/input/code/drift_check.py"],
        ContainerArguments: [
          "--window-start",
          output("WindowStart"),
          "--window-hours",
          "1",
          "--endpoint",
          ENDPOINT,
          "--psi-warn",
          "0.1",
          "--psi-drift",
          "0.3",
          "--ks-drift",
          "0.2",
          "--missing-rate-change",
          "0.1",
          "--unseen-share",
          "0.01",
          "--min-rows",
          "200",
          "--feature-thresholds",
          '{"mean_area":{"psi_drift":0.4,"ks_drift":0.3}}',
          "--report-uri",
          output("ReportUri"),
        ],
      },
      ProcessingInputs: [
        {
          InputName: "baseline",
          S3Input: {
            S3Uri: BASELINE,
            LocalPath: "/opt/ml/processing/baseline",
            S3DataType: "S3Prefix",
            S3InputMode: "File",
            S3DataDistributionType: "FullyReplicated",
          },
        },
        {
          InputName: "capture",
          S3Input: {
            S3Uri: output("ManifestUri"),
            LocalPath: "/opt/ml/processing/capture",
            S3DataType: "ManifestFile",
            S3InputMode: "File",
            S3DataDistributionType: "FullyReplicated",
          },
        },
        {
          InputName: "code",
          S3Input: {
            S3Uri: `s3://${DATA}/${script}`,
            LocalPath: "/opt/ml/processing/input/code",
            S3DataType: "S3Prefix",
            S3InputMode: "File",
            S3DataDistributionType: "FullyReplicated",
          },
        },
      ],
      ProcessingOutputConfig: {
        Outputs: [
          {
            OutputName: "report",
            S3Output: {
              S3Uri: output("ReportUri"),
              LocalPath: "/opt/ml/processing/report",
              S3UploadMode: "EndOfJob",
            },
          },
        ],
        KmsKeyId: KEY,
      },
      ProcessingResources: {
        ClusterConfig: {
          InstanceCount: 1,
          InstanceType: "ml.m5.large",
          VolumeSizeInGB: 20,
          VolumeKmsKeyId: KEY,
        },
      },
      StoppingCondition: { MaxRuntimeInSeconds: 1800 },
      NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true },
    });
    assert.deepEqual(publish, {
      Name: "PublishResults",
      Type: "Lambda",
      Description: publish.Description,
      DependsOn: ["CheckDrift"],
      FunctionArn: FUNCTION_ARN,
      Arguments: {
        action: "publish",
        report_uri: output("ReportUri"),
        endpoint: ENDPOINT,
        topic_arn: TOPIC,
        namespace: "MLOps/Drift",
        check_name: NAME,
        model: "diagnosis",
      },
      OutputParameters: [
        { OutputName: "Status", OutputType: "String" },
        { OutputName: "DriftedFeatures", OutputType: "Integer" },
      ],
    });
  });

  it("is started 15 minutes past each scheduled hour with the scheduled time as the window's end", () => {
    const schedule = named(recorded, NAME, "aws:scheduler/schedule:Schedule").inputs;
    assert.deepEqual(
      {
        ...schedule,
        target: { ...(schedule.target as object), input: json((schedule.target as { input: string }).input) },
      },
      {
        name: NAME,
        groupName: "default",
        description: `Starts the drift check of endpoint ${ENDPOINT}`,
        scheduleExpression: "cron(15 * ? * * *)",
        scheduleExpressionTimezone: "UTC",
        flexibleTimeWindow: { mode: "OFF" },
        state: "ENABLED",
        target: {
          arn: "arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution",
          roleArn: ROLE(`${NAME}-scheduler-role`),
          input: {
            PipelineName: NAME,
            PipelineParameters: [{ Name: "ScheduledTime", Value: "<aws.scheduler.scheduled-time>" }],
          },
          retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
          deadLetterConfig: { arn: QUEUE_ARN },
        },
      },
    );
  });

  it("runs its function on Python 3.12 with a log group of its own, kept and encrypted", () => {
    const fn = named(recorded, `${NAME}-steps`, "aws:lambda/function:Function").inputs;
    assert.equal(fn.name, `${NAME}-steps`);
    assert.equal(fn.runtime, "python3.12");
    assert.equal(fn.handler, "drift_steps.handler");
    // The handler imports the shared module from the package's root.
    assert.deepEqual(archiveFiles(fn.code), {
      "drift_steps.py": path.join(COMPONENTS_DIR, "monitoring", "functions", "drift_steps.py"),
      "aws_clients.py": AWS_CLIENTS_FILE,
    });
    assert.deepEqual(fn.architectures, ["arm64"]);
    assert.equal(fn.role, ROLE(`${NAME}-steps-role`));
    assert.deepEqual(fn.loggingConfig, { logFormat: "Text", logGroup: `/aws/lambda/${NAME}-steps` });
    const logs = named(recorded, `${NAME}-steps-logs`).inputs;
    assert.deepEqual(
      { name: logs.name, retentionInDays: logs.retentionInDays, kmsKeyId: logs.kmsKeyId },
      { name: `/aws/lambda/${NAME}-steps`, retentionInDays: 90, kmsKeyId: KEY },
    );
  });

  it("alerts on failed or stopped runs of this pipeline, and alarms on each chosen feature's PSI", () => {
    const rule = named(recorded, `${NAME}-failures`, "aws:cloudwatch/eventRule:EventRule").inputs;
    assert.deepEqual(json(rule.eventPattern), {
      source: ["aws.sagemaker"],
      "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
      detail: { pipelineArn: [PIPELINE_ARN], currentPipelineExecutionStatus: ["Failed", "Stopped"] },
    });
    const target = named(recorded, `${NAME}-failures-alert`).inputs;
    assert.equal(target.arn, TOPIC);
    // An alert SNS refuses for an hour waits in the rule's own dead-letter queue.
    assert.deepEqual(
      { retryPolicy: target.retryPolicy, deadLetterConfig: target.deadLetterConfig },
      {
        retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
        deadLetterConfig: { arn: FAILURES_QUEUE_ARN },
      },
    );
    const transformer = target.inputTransformer as { inputPaths: object; inputTemplate: string };
    assert.deepEqual(transformer.inputPaths, {
      execution: "$.detail.pipelineExecutionArn",
      status: "$.detail.currentPipelineExecutionStatus",
      time: "$.time",
    });
    assert.match(
      json(transformer.inputTemplate),
      /^A drift check run for endpoint mlops-prod-diagnosis \(drift check mlops-prod-diagnosis-drift\) ended <status> at <time>\. This window's traffic was not checked/,
    );
    const alarms = ofType(recorded, "aws:cloudwatch/metricAlarm:MetricAlarm")
      .map((alarm) => alarm.inputs)
      .filter((alarm) => alarm.namespace === "MLOps/Drift");
    assert.deepEqual(
      alarms.map(
        ({
          name,
          namespace,
          metricName,
          dimensions,
          threshold,
          comparisonOperator,
          period,
          treatMissingData,
          alarmActions,
        }) => ({
          name,
          namespace,
          metricName,
          dimensions,
          threshold,
          comparisonOperator,
          period,
          treatMissingData,
          alarmActions,
        }),
      ),
      [
        ["mean_area", 0.4],
        ["worst_radius", 0.3],
      ].map(([feature, threshold]) => ({
        name: `${NAME}-psi-${feature}`,
        namespace: "MLOps/Drift",
        metricName: "PopulationStabilityIndex",
        dimensions: { Endpoint: ENDPOINT, Feature: feature },
        // Each feature's own drift level: mean_area's override, else the check's psiDrift.
        threshold,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        period: 3600,
        treatMissingData: "notBreaching",
        alarmActions: [TOPIC],
      })),
    );
  });

  it("checks a day at a time on a daily schedule, in the stack's VPC when it has one", async () => {
    const { recorded: daily } = await build(
      prodArgs({
        scheduleExpression: "cron(0 3 ? * * *)",
        driftAlarms: { features: ["mean_area"], threshold: 0.5 },
        network: { subnetIds: ["subnet-0a1b2c3d"], securityGroupIds: ["sg-0a1b2c3d"] },
      }),
    );
    const definition = json(named(daily, NAME, "aws:sagemaker/pipeline:Pipeline").inputs.pipelineDefinition);
    assert.equal(definition.Steps[0].Arguments.window_hours, 24);
    const job = definition.Steps[1].Arguments.IfSteps[0].Arguments;
    assert.deepEqual(job.AppSpecification.ContainerArguments.slice(2, 4), ["--window-hours", "24"]);
    assert.deepEqual(job.NetworkConfig.VpcConfig, {
      Subnets: ["subnet-0a1b2c3d"],
      SecurityGroupIds: ["sg-0a1b2c3d"],
    });
    assert.equal(
      named(daily, NAME, "aws:scheduler/schedule:Schedule").inputs.scheduleExpression,
      "cron(15 3 ? * * *)",
    );
    assert.equal(named(daily, `${NAME}-psi-mean_area`).inputs.threshold, 0.5);
    const sids = policyOf(daily, `${NAME}-role-policy`).Statement.map(
      (statement: { Sid: string }) => statement.Sid,
    );
    assert.deepEqual(sids.slice(-3), [
      "CreateJobNetworkInterfaces",
      "ManageJobNetworkInterfaces",
      "DescribeJobNetwork",
    ]);
  });

  it("refuses every bad argument at once, before anything is registered", () => {
    const recordedBad = recordResources();
    assert.throws(
      () =>
        new DriftCheck(
          "Bad_Name",
          prodArgs({
            baselineUri: "s3://bucket/statistics.json",
            scheduleExpression: "cron(0 0/5 ? * * *)",
            thresholds: { psiWarn: 0.5, psiDrift: 0.3 },
            featureThresholds: { mean_area: { psiDrift: -1 } },
            driftAlarms: { features: ["mean_area", "mean_area"] },
            logRetentionDays: 10,
          }),
        ),
      (error: Error) => {
        assert.equal(
          error.message,
          "DriftCheck Bad_Name: " +
            [
              'name "Bad_Name" must be 1-49 lowercase letters, digits and hyphens',
              'scheduleExpression "cron(0 0/5 ? * * *)" has an hour interval of 5, which does not divide 24: runs would not cover the day evenly',
              'baselineUri "s3://bucket/statistics.json" must be the S3 URI of a drift_baseline.json (ml/baseline.py writes it)',
              "thresholds.psiWarn 0.5 must not be above thresholds.psiDrift 0.3",
              "featureThresholds.mean_area.psiDrift -1 must be a population stability index above 0, up to 10",
              'driftAlarms.features[1] "mean_area" is already listed at features[0]',
              "logRetentionDays 10 is not a CloudWatch Logs retention period (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days)",
            ].join("; ") +
            ".",
        );
        return true;
      },
    );
    assert.deepEqual(recordedBad, []);
  });
});
