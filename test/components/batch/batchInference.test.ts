import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import * as path from "node:path";
import { batchFailedRule } from "../../../components/batch/batchAlerts";
import {
  BatchInference,
  BatchInferenceArgs,
  batchInferenceFootprint,
  batchRoleNames,
} from "../../../components/batch/batchInference";
import { batchModelPolicy, batchPipelinePolicy } from "../../../components/batch/batchPolicy";
import { buildBatchDefinition } from "../../../components/batch/definition";
import { scriptKey, ML_DIR } from "../../../components/shared/scripts";
import { TEST_ACCOUNT, TEST_BOUNDARY_ARN } from "../../helpers/account";
import { assertFootprint } from "../../helpers/footprint";
import { archiveFiles, AWS_CLIENTS_FILE, COMPONENTS_DIR } from "../../helpers/lambdaArchive";
import { named, ofType, recordResources, RecordedResource, settle, valueOf } from "../../helpers/mocks";

const ACCOUNT = "123456789012";
const BUILDER = "111111111111";
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0d5a6c3e-1111-4222-8333-944455556666`;
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:mlops-prod-diagnosis-alerts`;
const TAGS = { Environment: "prod", Project: "mlops-platform", Owner: "ml@example.com", CostCenter: "ML-1" };
const NAME = "mlops-prod-diagnosis-batch";
const DATA = "mlops-prod-diagnosis-data-1a2b3c4";
const PACKAGE = `arn:aws:sagemaker:us-east-1:${BUILDER}:model-package/mlops-staging-diagnosis/4`;
const XGBOOST = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const ARTIFACT =
  "s3://mlops-staging-diagnosis-artifacts-9z8y7x6/pipelines/run4/Train/model/job/output/model.tar.gz";
const SCHEMA = path.join(ML_DIR, "schemas", "diagnosis.json");
const PIPELINE_ARN = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:pipeline/${NAME}`;
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${NAME}-trigger`;
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:${NAME}-dlq`;
const ROLE = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const NETWORK = { subnetIds: ["subnet-0123abcd"], securityGroupIds: ["sg-0123abcd"] };
const code = (file: string) => `s3://${DATA}/${scriptKey(file)}`;

function prodArgs(overrides: Partial<BatchInferenceArgs> = {}): BatchInferenceArgs {
  return {
    account: TEST_ACCOUNT,
    modelName: "diagnosis",
    stack: "prod",
    modelPackage: { arn: PACKAGE, containers: [{ image: XGBOOST, modelDataUrl: ARTIFACT }] },
    dataBucketName: DATA,
    schemaFile: SCHEMA,
    dataChecks: { maxMissingRate: 0.05, columnMaxMissing: { mean_area: 0.1 } },
    instanceType: "ml.m5.xlarge",
    schedule: "cron(0 2 * * ? *)",
    outputRetentionDays: 90,
    logRetentionDays: 365,
    kmsKeyArn: KEY,
    permissionsBoundaryArn: TEST_BOUNDARY_ARN,
    alertTopicArn: TOPIC,
    tags: TAGS,
    ...overrides,
  };
}

async function build(args: BatchInferenceArgs, name = NAME) {
  const recorded = recordResources();
  const batch = new BatchInference(name, args);
  await settle(recorded);
  return { recorded, batch };
}

const json = (value: unknown) => JSON.parse(value as string);
const policyOf = (recorded: RecordedResource[], name: string) =>
  json(named(recorded, name, "aws:iam/rolePolicy:RolePolicy").inputs.policy);
const childrenOf = (recorded: RecordedResource[]) => {
  const component = named(recorded, NAME, "mlops:sagemaker:BatchInference");
  return recorded
    .filter((r) => r.parent === component.urn)
    .map((r) => `${r.type} ${r.name}`)
    .sort();
};

/** What the component creates whatever starts its runs. */
const ALWAYS = [
  `aws:cloudwatch/eventRule:EventRule ${NAME}-failed`,
  `aws:cloudwatch/eventTarget:EventTarget ${NAME}-failed-alert`,
  `aws:cloudwatch/metricAlarm:MetricAlarm ${NAME}-failed-undelivered`,
  `aws:iam/role:Role ${NAME}-model-role`,
  `aws:iam/role:Role ${NAME}-role`,
  `aws:iam/rolePolicy:RolePolicy ${NAME}-model-role-policy`,
  `aws:iam/rolePolicy:RolePolicy ${NAME}-role-policy`,
  `aws:s3/bucketObjectv2:BucketObjectv2 ${NAME}-batch-summary-py`,
  `aws:s3/bucketObjectv2:BucketObjectv2 ${NAME}-schema`,
  `aws:s3/bucketObjectv2:BucketObjectv2 ${NAME}-validate-py`,
  `aws:sagemaker/model:Model ${NAME}-model`,
  `aws:sagemaker/pipeline:Pipeline ${NAME}-pipeline`,
  `aws:sqs/queue:Queue ${NAME}-failed-dlq`,
  `aws:sqs/queuePolicy:QueuePolicy ${NAME}-failed-dlq-policy`,
];

describe("BatchInference", () => {
  let recorded: RecordedResource[];
  let batch: BatchInference;
  before(async () => {
    ({ recorded, batch } = await build(prodArgs()));
  });
  /** The model's physical name, as SageMaker (here the mocks) names it: `<name>-model-<suffix>`. */
  const modelName = () =>
    named(recorded, `${NAME}-model`, "aws:sagemaker/model:Model").outputs.name as string;

  it("auto-names the model after the component, so that a new version is created before the old one goes", () => {
    assert.match(modelName(), new RegExp(`^${NAME}-model-[0-9a-f]{7}$`));
  });

  it("creates the model, the pipeline, their roles, the uploads, the alert rule, and the new-data and schedule triggers with their queue", () => {
    assert.deepEqual(
      childrenOf(recorded),
      [
        ...ALWAYS,
        `aws:cloudwatch/eventRule:EventRule ${NAME}-new-data`,
        `aws:cloudwatch/eventTarget:EventTarget ${NAME}-new-data-target`,
        `aws:cloudwatch/logGroup:LogGroup ${NAME}-trigger-logs`,
        `aws:cloudwatch/metricAlarm:MetricAlarm ${NAME}-failed-starts`,
        `aws:iam/role:Role ${NAME}-scheduler-role`,
        `aws:iam/role:Role ${NAME}-trigger-role`,
        `aws:iam/rolePolicy:RolePolicy ${NAME}-scheduler-role-policy`,
        `aws:iam/rolePolicy:RolePolicy ${NAME}-trigger-role-policy`,
        `aws:lambda/function:Function ${NAME}-trigger`,
        `aws:lambda/permission:Permission ${NAME}-new-data-invoke`,
        `aws:s3/bucketNotification:BucketNotification ${NAME}-data-events`,
        `aws:scheduler/schedule:Schedule ${NAME}-schedule`,
        `aws:sqs/queue:Queue ${NAME}-dlq`,
        `aws:sqs/queuePolicy:QueuePolicy ${NAME}-dlq-policy`,
      ].sort(),
    );
  });

  it("makes the model from the served package, network-isolated, with a role of its own", () => {
    assert.deepEqual(named(recorded, `${NAME}-model`, "aws:sagemaker/model:Model").inputs, {
      executionRoleArn: ROLE(`${NAME}-model-role`),
      primaryContainer: { modelPackageName: PACKAGE },
      enableNetworkIsolation: true,
      tags: TAGS,
    });
  });

  it("puts the model in the stack's VPC when it has one, and its processing jobs too", async () => {
    const { recorded: inVpc } = await build(prodArgs({ network: NETWORK }));
    assert.deepEqual(named(inVpc, `${NAME}-model`, "aws:sagemaker/model:Model").inputs.vpcConfig, {
      subnets: NETWORK.subnetIds,
      securityGroupIds: NETWORK.securityGroupIds,
    });
    const definition = json(named(inVpc, `${NAME}-pipeline`).inputs.pipelineDefinition);
    assert.deepEqual(definition.Steps[0].Arguments.NetworkConfig.VpcConfig, {
      Subnets: NETWORK.subnetIds,
      SecurityGroupIds: NETWORK.securityGroupIds,
    });
    assert.deepEqual(
      policyOf(inVpc, `${NAME}-model-role-policy`)
        .Statement.map((s: { Sid: string }) => s.Sid)
        .slice(-3),
      ["CreateJobNetworkInterfaces", "ManageJobNetworkInterfaces", "DescribeJobNetwork"],
    );
  });

  it("lets SageMaker assume the model's and the pipeline's roles for this account only; every role carries the boundary", () => {
    const trust = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "sagemaker.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnLike: { "aws:SourceArn": `arn:aws:sagemaker:us-east-1:${ACCOUNT}:*` },
          },
        },
      ],
    };
    for (const role of [`${NAME}-model-role`, `${NAME}-role`]) {
      const inputs = named(recorded, role, "aws:iam/role:Role").inputs;
      assert.equal(inputs.name, role);
      assert.deepEqual(json(inputs.assumeRolePolicy), trust, role);
    }
    assert.deepEqual(
      json(named(recorded, `${NAME}-trigger-role`, "aws:iam/role:Role").inputs.assumeRolePolicy),
      {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      },
    );
    const roles = ofType(recorded, "aws:iam/role:Role");
    assert.equal(roles.length, 4);
    for (const role of roles) assert.equal(role.inputs.permissionsBoundary, TEST_BOUNDARY_ARN, role.name);
  });

  it("gives the model's role and the pipeline's the documents their builders write for this model, bucket and version", () => {
    assert.deepEqual(
      policyOf(recorded, `${NAME}-model-role-policy`),
      batchModelPolicy({
        partition: "aws",
        region: "us-east-1",
        accountId: ACCOUNT,
        dataBucket: DATA,
        kmsKeyArn: KEY,
        images: [XGBOOST],
        modelDataUrls: [ARTIFACT],
        // The version was built in staging's account: its artifacts are under staging's key.
        sourceAccountId: BUILDER,
      }),
    );
    assert.deepEqual(
      policyOf(recorded, `${NAME}-role-policy`),
      batchPipelinePolicy({
        partition: "aws",
        region: "us-east-1",
        accountId: ACCOUNT,
        roleArn: ROLE(`${NAME}-role`),
        modelArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model/${modelName()}`,
        dataBucket: DATA,
        codeUris: [
          code(path.join(ML_DIR, "validate.py")),
          code(path.join(ML_DIR, "batch_summary.py")),
          code(SCHEMA),
        ],
        kmsKeyArn: KEY,
        volumeKeys: { processing: true, transform: true },
        imageRepositoryArn: TEST_ACCOUNT.images.sklearn.repositoryArn as string,
      }),
    );
  });

  it("uploads the scripts and the schema to the data bucket under keys of their content, encrypted with the key", () => {
    for (const [resource, file] of [
      [`${NAME}-validate-py`, path.join(ML_DIR, "validate.py")],
      [`${NAME}-batch-summary-py`, path.join(ML_DIR, "batch_summary.py")],
      [`${NAME}-schema`, SCHEMA],
    ] as const) {
      const { source, ...inputs } = named(recorded, resource).inputs;
      assert.deepEqual(inputs, {
        bucket: DATA,
        key: scriptKey(file),
        serverSideEncryption: "aws:kms",
        kmsKeyId: KEY,
        tags: TAGS,
      });
      assert.equal((source as { path: string }).path, file);
    }
  });

  it("defines the pipeline from its settings: the served model, the stack's key, the model's checks", () => {
    const pipeline = named(recorded, `${NAME}-pipeline`).inputs;
    assert.deepEqual(
      { ...pipeline, pipelineDefinition: json(pipeline.pipelineDefinition) },
      {
        pipelineName: NAME,
        pipelineDisplayName: NAME,
        pipelineDescription: `Scores batch inputs of diagnosis with model package ${PACKAGE}`,
        roleArn: ROLE(`${NAME}-role`),
        pipelineDefinition: buildBatchDefinition({
          roleArn: ROLE(`${NAME}-role`),
          modelName: modelName(),
          kmsKeyArn: KEY,
          dataBucket: DATA,
          sklearnImage: TEST_ACCOUNT.images.sklearn.uri as string,
          scripts: {
            validate: code(path.join(ML_DIR, "validate.py")),
            summary: code(path.join(ML_DIR, "batch_summary.py")),
          },
          schemaUri: code(SCHEMA),
          dataChecks: { maxMissingRate: 0.05, columnMaxMissing: { mean_area: 0.1 } },
          transform: {
            instanceType: "ml.m5.xlarge",
            instanceCount: 1,
            maxPayloadInMB: 6,
            joinInputWithPredictions: true,
          },
          processing: { instanceType: "ml.m5.large", maxRuntimeSeconds: 3600, volumeSizeInGB: 30 },
        }),
        tags: TAGS,
      },
    );
  });

  it("starts a run for each dataset completed by its marker under batch/input/, with the retraining trigger's function", () => {
    const rule = named(recorded, `${NAME}-new-data`, "aws:cloudwatch/eventRule:EventRule").inputs;
    assert.deepEqual(json(rule.eventPattern), {
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: { bucket: { name: [DATA] }, object: { key: [{ wildcard: "batch/input/*/_SUCCESS" }] } },
    });
    assert.equal(rule.name, `${NAME}-new-data`);
    const fn = named(recorded, `${NAME}-trigger`, "aws:lambda/function:Function").inputs;
    assert.deepEqual(archiveFiles(fn.code), {
      "start_training.py": path.join(COMPONENTS_DIR, "retraining", "functions", "start_training.py"),
      "aws_clients.py": AWS_CLIENTS_FILE,
    });
    assert.deepEqual(
      {
        name: fn.name,
        handler: fn.handler,
        role: fn.role,
        environment: fn.environment,
        deadLetterConfig: fn.deadLetterConfig,
        loggingConfig: fn.loggingConfig,
      },
      {
        name: `${NAME}-trigger`,
        handler: "start_training.handler",
        role: ROLE(`${NAME}-trigger-role`),
        environment: {
          variables: {
            PIPELINE_NAME: NAME,
            DATA_BUCKET: DATA,
            INPUT_PREFIX: "batch/input/",
            MARKER_NAME: "_SUCCESS",
          },
        },
        deadLetterConfig: { targetArn: QUEUE_ARN },
        loggingConfig: { logFormat: "Text", logGroup: `/aws/lambda/${NAME}-trigger` },
      },
    );
    assert.deepEqual(named(recorded, `${NAME}-new-data-target`).inputs, {
      rule: `${NAME}-new-data`,
      arn: FUNCTION_ARN,
      retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
      deadLetterConfig: { arn: QUEUE_ARN },
    });
    assert.deepEqual(named(recorded, `${NAME}-new-data-invoke`).inputs, {
      function: `${NAME}-trigger`,
      action: "lambda:InvokeFunction",
      principal: "events.amazonaws.com",
      sourceArn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/${NAME}-new-data`,
      sourceAccount: ACCOUNT,
    });
    const notification = named(recorded, `${NAME}-data-events`);
    assert.deepEqual(notification.inputs, { bucket: DATA, eventbridge: true });
    const logs = named(recorded, `${NAME}-trigger-logs`).inputs;
    assert.deepEqual(
      [logs.name, logs.kmsKeyId, logs.retentionInDays],
      [`/aws/lambda/${NAME}-trigger`, KEY, 365],
    );
  });

  it("lets the function start this pipeline only, log, and send what fails to the queue", () => {
    assert.deepEqual(policyOf(recorded, `${NAME}-trigger-role-policy`), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "StartModelPipeline",
          Effect: "Allow",
          Action: "sagemaker:StartPipelineExecution",
          Resource: PIPELINE_ARN,
        },
        {
          Sid: "WriteFunctionLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/${NAME}-trigger:log-stream:*`,
        },
        { Sid: "SendFailedEvents", Effect: "Allow", Action: "sqs:SendMessage", Resource: QUEUE_ARN },
        {
          Sid: "EncryptFailedEvents",
          Effect: "Allow",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: KEY,
        },
      ],
    });
  });

  it("scores batch/input/scheduled/ on the schedule, with a role that may only start this pipeline and queue its failures", () => {
    const schedule = named(recorded, `${NAME}-schedule`, "aws:scheduler/schedule:Schedule").inputs;
    const target = schedule.target as Record<string, unknown>;
    assert.deepEqual(
      { ...schedule, target: { ...target, input: json(target.input) } },
      {
        name: `${NAME}-schedule`,
        groupName: "default",
        description: `Scores s3://${DATA}/batch/input/scheduled/ with diagnosis, the pipeline's default input`,
        scheduleExpression: "cron(0 2 * * ? *)",
        scheduleExpressionTimezone: "UTC",
        flexibleTimeWindow: { mode: "OFF" },
        state: "ENABLED",
        target: {
          arn: "arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution",
          roleArn: ROLE(`${NAME}-scheduler-role`),
          input: {
            PipelineName: NAME,
            PipelineExecutionDescription: "Started by schedule for <aws.scheduler.scheduled-time>",
          },
          retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
          deadLetterConfig: { arn: QUEUE_ARN },
        },
      },
    );
    assert.deepEqual(policyOf(recorded, `${NAME}-scheduler-role-policy`).Statement[0], {
      Sid: "StartPipeline",
      Effect: "Allow",
      Action: "sagemaker:StartPipelineExecution",
      Resource: PIPELINE_ARN,
    });
    assert.deepEqual(json(named(recorded, `${NAME}-scheduler-role`).inputs.assumeRolePolicy).Statement, [
      {
        Effect: "Allow",
        Principal: { Service: "scheduler.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": ACCOUNT },
          ArnEquals: { "aws:SourceArn": `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule-group/default` },
        },
      },
    ]);
  });

  it("keeps what did not start a run in an encrypted queue only its rule writes to, over TLS, whose alarm pages the topic", () => {
    assert.deepEqual(named(recorded, `${NAME}-dlq`, "aws:sqs/queue:Queue").inputs, {
      name: `${NAME}-dlq`,
      kmsMasterKeyId: KEY,
      messageRetentionSeconds: 1209600,
      tags: TAGS,
    });
    assert.deepEqual(json(named(recorded, `${NAME}-dlq-policy`).inputs.policy), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "BatchRulesSendUndeliveredEvents",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: QUEUE_ARN,
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnEquals: { "aws:SourceArn": [`arn:aws:events:us-east-1:${ACCOUNT}:rule/${NAME}-new-data`] },
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
          Resource: QUEUE_ARN,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
    const alarm = named(recorded, `${NAME}-failed-starts`, "aws:cloudwatch/metricAlarm:MetricAlarm").inputs;
    assert.deepEqual(
      [alarm.metricName, alarm.dimensions, alarm.threshold, alarm.alarmActions, alarm.okActions],
      ["ApproximateNumberOfMessagesVisible", { QueueName: `${NAME}-dlq` }, 0, [TOPIC], [TOPIC]],
    );
    assert.match(alarm.alarmDescription as string, /did not start a batch inference run of diagnosis/);
  });

  it("tells the model's topic of every run that fails or is stopped, in plain words, through a rule named after the model", () => {
    const rule = named(recorded, `${NAME}-failed`, "aws:cloudwatch/eventRule:EventRule").inputs;
    const expected = batchFailedRule({
      modelName: "diagnosis",
      pipelineName: NAME,
      pipelineArn: PIPELINE_ARN,
      dataBucket: DATA,
      outputRetentionDays: 90,
      stack: "prod",
    });
    assert.deepEqual(json(rule.eventPattern), {
      source: ["aws.sagemaker"],
      "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
      detail: { pipelineArn: [PIPELINE_ARN], currentPipelineExecutionStatus: ["Failed", "Stopped"] },
    });
    assert.equal(rule.name, `${NAME}-failed`);
    const target = named(recorded, `${NAME}-failed-alert`).inputs;
    assert.equal(target.arn, TOPIC);
    assert.deepEqual(target.inputTransformer, {
      inputPaths: {
        execution: "$.detail.pipelineExecutionArn",
        status: "$.detail.currentPipelineExecutionStatus",
        time: "$.time",
      },
      inputTemplate: expected.inputTemplate,
    });
    assert.equal(
      json(expected.inputTemplate),
      `Batch inference of model diagnosis (pipeline ${NAME}): a run ended <status> at <time> and wrote no ` +
        `scores. Execution: <execution>. An input that did not pass the checks against the model's schema stops ` +
        `the run at its InputRejected step, whose message names each problem; otherwise a job failed (a file the ` +
        `model cannot score fails the whole Score step) or someone stopped the run. See each step and its ` +
        `FailureReason with aws sagemaker list-pipeline-execution-steps --pipeline-execution-arn <execution>. The ` +
        `run's validation_report.json is under s3://${DATA}/batch/output/, in the folder named after the last ` +
        `part of the execution ARN, under validation/, for 90 days. Once the cause is fixed, write the dataset's ` +
        `marker again, or run npm run ops -- batch prod diagnosis --input followed by the dataset's folder.`,
    );
  });

  it("outputs the pipeline, the model and where inputs go and outputs land", async () => {
    assert.equal(await valueOf(batch.pipelineName), NAME);
    assert.equal(await valueOf(batch.modelName), modelName());
    assert.equal(await valueOf(batch.inputUrl), `s3://${DATA}/batch/input/`);
    assert.equal(await valueOf(batch.outputUrl), `s3://${DATA}/batch/output/`);
    assert.equal(await valueOf(batch.roleArn), ROLE(`${NAME}-role`));
  });

  it("states the types it creates and the roles it passes, as registered, with their fixed names", async () => {
    await assertFootprint(recorded, batch.footprint, [
      ROLE(`${NAME}-model-role`),
      ROLE(`${NAME}-role`),
      ROLE(`${NAME}-trigger-role`),
      ROLE(`${NAME}-scheduler-role`),
    ]);
    assert.deepEqual(
      batch.footprint.passedRoles.map((role) => role.roleName),
      Object.values(batchRoleNames(NAME)),
    );
  });

  it("without triggers, runs only by hand: no function, queue or schedule", async () => {
    const { recorded: manual, batch: byHand } = await build(
      prodArgs({ newData: false, schedule: undefined }),
    );
    assert.deepEqual(childrenOf(manual), ALWAYS);
    await assertFootprint(manual, byHand.footprint, [ROLE(`${NAME}-model-role`), ROLE(`${NAME}-role`)]);
  });

  it("with a schedule only: the queue takes no EventBridge rule's deliveries, TLS only", async () => {
    const { recorded: scheduled, batch: onSchedule } = await build(prodArgs({ newData: false }));
    assert.deepEqual(
      json(named(scheduled, `${NAME}-dlq-policy`).inputs.policy).Statement.map((s: { Sid: string }) => s.Sid),
      ["DenyMessagesWithoutTls"],
    );
    await assertFootprint(scheduled, onSchedule.footprint, [
      ROLE(`${NAME}-model-role`),
      ROLE(`${NAME}-role`),
      ROLE(`${NAME}-scheduler-role`),
    ]);
  });

  it("states the same footprint from its settings alone, before any version is served", async () => {
    const roleArns = Object.fromEntries(
      Object.entries(batchRoleNames(NAME)).map(([key, role]) => [key, ROLE(role)]),
    ) as Record<keyof ReturnType<typeof batchRoleNames>, string>;
    const planned = batchInferenceFootprint(
      { schedule: "cron(0 2 * * ? *)" },
      roleArns,
      batchRoleNames(NAME),
    );
    assert.deepEqual([...planned.types].sort(), [...batch.footprint.types].sort());
    assert.deepEqual(
      planned.passedRoles,
      await Promise.all(
        batch.footprint.passedRoles.map(async (role) => ({
          ...role,
          roleArn: await valueOf(pulumi.output(role.roleArn)),
        })),
      ),
    );
  });

  it("refuses a bad request before creating anything, naming every problem", () => {
    const recordedNothing = recordResources();
    assert.throws(
      () =>
        new BatchInference("Mlops-Prod-Diagnosis-Batch-With-A-Name-Far-Too-Long-For-IAM", {
          ...prodArgs(),
          modelPackage: { arn: PACKAGE, containers: [{ image: "docker.io/library/xgboost:latest" }] },
          schemaFile: path.join(ML_DIR, "schemas", "churn.json"),
          instanceType: "ml.m5.huge",
          maxPayloadInMB: 30,
          maxConcurrentTransforms: 4,
          markerName: "done/_SUCCESS",
          schedule: "every night",
          maxRuntimeSeconds: 86_400,
          outputRetentionDays: 2,
        }),
      (error: Error) => {
        assert.equal(
          error.message,
          "BatchInference Mlops-Prod-Diagnosis-Batch-With-A-Name-Far-Too-Long-For-IAM: " +
            [
              'name "Mlops-Prod-Diagnosis-Batch-With-A-Name-Far-Too-Long-For-IAM" must be 1-49 lowercase letters, digits and hyphens',
              'instanceType "ml.m5.huge" is not a SageMaker instance type for transform jobs (did you mean "ml.m5.large"?)',
              'markerName "done/_SUCCESS" must be an object name without / (e.g. _SUCCESS)',
              "maxConcurrentTransforms 4 must be at most 3 with maxPayloadInMB 30: a transform job sends at most 100 MB across its concurrent requests",
              'schedule "every night" must be an EventBridge Scheduler expression: cron(<6 fields>) or rate(<n> <unit>), e.g. "cron(0 3 ? * MON *)"',
              "outputRetentionDays 2 is shorter than the 3 days a batch inference run needs: a run reads again what its steps wrote, and its ValidateInput and Summarize jobs may each run 86400 seconds; keep its outputs at least 3 days or shorten maxRuntimeSeconds",
              `schemaFile ${path.join(ML_DIR, "schemas", "churn.json")} not found: write the model's schema from its dataset with python3 ml/validate.py write-schema --data <the model's CSV> --target-column target --output ${path.join(ML_DIR, "schemas", "churn.json")}`,
              `model package ${PACKAGE}: "docker.io/library/xgboost:latest" is not an Amazon ECR image URI; SageMaker only pulls from ECR`,
            ].join("; ") +
            ".",
        );
        return true;
      },
    );
    assert.deepEqual(recordedNothing, []);
  });
});
