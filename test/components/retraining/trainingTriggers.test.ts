import assert from "node:assert/strict";
import * as path from "node:path";
import { TrainingTriggers, TrainingTriggersArgs } from "../../../components/retraining/trainingTriggers";
import { named, ofType, recordResources, RecordedResource, settle } from "../../helpers/mocks";
import { TEST_ACCOUNT, TEST_BOUNDARY_ARN } from "../../helpers/account";
import { archiveFiles, AWS_CLIENTS_FILE, COMPONENTS_DIR } from "../../helpers/lambdaArchive";

const ACCOUNT = "123456789012";
const CONSUMER = "222222222222";
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0d5a6c3e-1111-4222-8333-944455556666`;
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:mlops-staging-diagnosis-alerts`;
const TAGS = { Environment: "staging", Model: "diagnosis" };
const GROUP = "mlops-staging-diagnosis";
const NAME = `${GROUP}-retraining`;
const PIPELINE_ARN = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:pipeline/${GROUP}`;
const DATA = "mlops-staging-diagnosis-data-1a2b3c4";
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${NAME}`;
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:${NAME}-dlq`;
const BUS = `${GROUP}-drift-events`;

function stagingArgs(overrides: Partial<TrainingTriggersArgs> = {}): TrainingTriggersArgs {
  return {
    account: TEST_ACCOUNT,
    modelName: "diagnosis",
    pipelineName: GROUP,
    pipelineArn: PIPELINE_ARN,
    modelPackageGroupName: GROUP,
    dataBucketName: DATA,
    newData: { enabled: true, inputPrefix: "input/", marker: "_SUCCESS" },
    drift: { enabled: true, minIntervalHours: 24 },
    consumerAccounts: [CONSUMER],
    kmsKeyArn: KEY,
    permissionsBoundaryArn: TEST_BOUNDARY_ARN,
    alertTopicArn: TOPIC,
    tags: TAGS,
    ...overrides,
  };
}

async function build(args: TrainingTriggersArgs) {
  const recorded = recordResources();
  const triggers = new TrainingTriggers(NAME, args);
  await settle(recorded);
  return { recorded, triggers };
}

const json = (value: unknown) => JSON.parse(value as string);
const ruleArn = (rule: string, bus?: string) =>
  `arn:aws:events:us-east-1:${ACCOUNT}:rule/${bus ? `${bus}/` : ""}${rule}`;

describe("TrainingTriggers", () => {
  let recorded: RecordedResource[];
  before(async () => {
    ({ recorded } = await build(stagingArgs({ schedule: "cron(0 3 ? * MON *)" })));
  });

  it("creates the function, its queue, rules for new data, local and forwarded drift, the drift bus and the schedule", () => {
    const component = named(recorded, NAME, "mlops:sagemaker:TrainingTriggers");
    const children = recorded.filter((r) => r.parent === component.urn).map((r) => `${r.type} ${r.name}`);
    assert.deepEqual(children.sort(), [
      `aws:cloudwatch/eventBus:EventBus ${NAME}-drift-events`,
      `aws:cloudwatch/eventBusPolicy:EventBusPolicy ${NAME}-drift-events-policy`,
      `aws:cloudwatch/eventRule:EventRule ${NAME}-drift`,
      `aws:cloudwatch/eventRule:EventRule ${NAME}-forwarded-drift`,
      `aws:cloudwatch/eventRule:EventRule ${NAME}-new-data`,
      `aws:cloudwatch/eventTarget:EventTarget ${NAME}-drift-target`,
      `aws:cloudwatch/eventTarget:EventTarget ${NAME}-forwarded-drift-target`,
      `aws:cloudwatch/eventTarget:EventTarget ${NAME}-new-data-target`,
      `aws:cloudwatch/logGroup:LogGroup ${NAME}-logs`,
      `aws:cloudwatch/metricAlarm:MetricAlarm ${NAME}-failed-starts`,
      `aws:iam/role:Role ${NAME}-role`,
      `aws:iam/role:Role ${NAME}-scheduler-role`,
      `aws:iam/rolePolicy:RolePolicy ${NAME}-role-policy`,
      `aws:iam/rolePolicy:RolePolicy ${NAME}-scheduler-role-policy`,
      `aws:lambda/function:Function ${NAME}`,
      `aws:lambda/permission:Permission ${NAME}-drift-invoke`,
      `aws:lambda/permission:Permission ${NAME}-forwarded-drift-invoke`,
      `aws:lambda/permission:Permission ${NAME}-new-data-invoke`,
      `aws:s3/bucketNotification:BucketNotification ${NAME}-data-events`,
      `aws:scheduler/schedule:Schedule ${NAME}-schedule`,
      `aws:sqs/queue:Queue ${NAME}-dlq`,
      `aws:sqs/queuePolicy:QueuePolicy ${NAME}-dlq-policy`,
    ]);
  });

  it("starts one run per dataset: the marker object under the input prefix of the data bucket", () => {
    const rule = named(recorded, `${NAME}-new-data`, "aws:cloudwatch/eventRule:EventRule").inputs;
    assert.deepEqual(json(rule.eventPattern), {
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: { bucket: { name: [DATA] }, object: { key: [{ wildcard: "input/*/_SUCCESS" }] } },
    });
    assert.deepEqual(named(recorded, `${NAME}-data-events`).inputs, { bucket: DATA, eventbridge: true });
  });

  it("hears drift from this account on the default bus, and from exactly the consumer accounts on the model's drift bus", () => {
    const local = named(recorded, `${NAME}-drift`, "aws:cloudwatch/eventRule:EventRule").inputs;
    assert.equal(local.eventBusName, undefined);
    assert.deepEqual(json(local.eventPattern), {
      source: ["mlops.drift"],
      "detail-type": ["Drift Detected"],
      account: [ACCOUNT],
      detail: { model: ["diagnosis"] },
    });
    const forwarded = named(recorded, `${NAME}-forwarded-drift`, "aws:cloudwatch/eventRule:EventRule").inputs;
    assert.equal(forwarded.eventBusName, BUS);
    assert.deepEqual(json(forwarded.eventPattern).account, [CONSUMER]);
    assert.equal(named(recorded, `${NAME}-drift-events`).inputs.name, BUS);
    assert.deepEqual(json(named(recorded, `${NAME}-drift-events-policy`).inputs.policy), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ConsumerAccountsForwardDrift",
          Effect: "Allow",
          Principal: { AWS: [`arn:aws:iam::${CONSUMER}:root`] },
          Action: "events:PutEvents",
          Resource: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/${BUS}`,
          Condition: { StringEquals: { "events:source": "mlops.drift" } },
        },
      ],
    });
  });

  it("delivers each rule to the function, retried for an hour, then to the dead-letter queue, from that rule only", () => {
    for (const [suffix, bus] of [["new-data"], ["drift"], ["forwarded-drift", BUS]] as const) {
      const target = named(recorded, `${NAME}-${suffix}-target`).inputs;
      assert.deepEqual(
        { ...target, rule: undefined },
        {
          rule: undefined,
          ...(bus ? { eventBusName: bus } : {}),
          arn: FUNCTION_ARN,
          retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
          deadLetterConfig: { arn: QUEUE_ARN },
        },
        suffix,
      );
      const permission = named(recorded, `${NAME}-${suffix}-invoke`).inputs;
      assert.deepEqual(permission, {
        function: NAME,
        action: "lambda:InvokeFunction",
        principal: "events.amazonaws.com",
        sourceArn: ruleArn(`${NAME}-${suffix}`, bus),
        sourceAccount: ACCOUNT,
      });
    }
    const queuePolicy = json(named(recorded, `${NAME}-dlq-policy`).inputs.policy);
    assert.deepEqual(queuePolicy.Statement[0].Condition, {
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnEquals: {
        "aws:SourceArn": [
          ruleArn(`${NAME}-drift`),
          ruleArn(`${NAME}-forwarded-drift`, BUS),
          ruleArn(`${NAME}-new-data`),
        ].sort(),
      },
    });
  });

  it("runs the function as a role only Lambda may assume, with no source condition Lambda would not meet", () => {
    assert.deepEqual(json(named(recorded, `${NAME}-role`, "aws:iam/role:Role").inputs.assumeRolePolicy), {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    });
  });

  it("gives the function's role and the schedule's the stack's permissions boundary", () => {
    const roles = ofType(recorded, "aws:iam/role:Role");
    assert.equal(roles.length, 2);
    for (const role of roles) assert.equal(role.inputs.permissionsBoundary, TEST_BOUNDARY_ARN, role.name);
  });

  it("runs the function one at a time, with the pipeline, bucket, marker and interval it needs", () => {
    const fn = named(recorded, NAME, "aws:lambda/function:Function").inputs;
    // The handler imports the shared module from the package's root.
    assert.deepEqual(archiveFiles(fn.code), {
      "start_training.py": path.join(COMPONENTS_DIR, "retraining", "functions", "start_training.py"),
      "aws_clients.py": AWS_CLIENTS_FILE,
    });
    assert.deepEqual(
      {
        handler: fn.handler,
        runtime: fn.runtime,
        reservedConcurrentExecutions: fn.reservedConcurrentExecutions,
        environment: fn.environment,
        deadLetterConfig: fn.deadLetterConfig,
      },
      {
        handler: "start_training.handler",
        runtime: "python3.12",
        reservedConcurrentExecutions: 1,
        environment: {
          variables: {
            PIPELINE_NAME: GROUP,
            DATA_BUCKET: DATA,
            INPUT_PREFIX: "input/",
            MARKER_NAME: "_SUCCESS",
            DRIFT_MIN_INTERVAL_HOURS: "24",
          },
        },
        deadLetterConfig: { targetArn: QUEUE_ARN },
      },
    );
    const policy = json(named(recorded, `${NAME}-role-policy`).inputs.policy);
    assert.deepEqual(
      policy.Statement.map((statement: { Sid: string; Action: unknown; Resource: unknown }) => [
        statement.Sid,
        statement.Action,
        statement.Resource,
      ]),
      [
        ["StartModelPipeline", "sagemaker:StartPipelineExecution", PIPELINE_ARN],
        ["ListModelPipelineRuns", "sagemaker:ListPipelineExecutions", PIPELINE_ARN],
        ["ListInputDatasets", "s3:ListBucket", `arn:aws:s3:::${DATA}`],
        [
          "WriteFunctionLogs",
          ["logs:CreateLogStream", "logs:PutLogEvents"],
          `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/${NAME}:log-stream:*`,
        ],
        ["SendFailedEvents", "sqs:SendMessage", QUEUE_ARN],
        ["EncryptFailedEvents", ["kms:GenerateDataKey", "kms:Decrypt"], KEY],
      ],
    );
    // Drift finds the newest complete dataset by listing the input prefix, and nothing else.
    assert.deepEqual(policy.Statement[2], {
      Sid: "ListInputDatasets",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: `arn:aws:s3:::${DATA}`,
      Condition: { StringLike: { "s3:prefix": ["input/*"] } },
    });
  });

  it("logs to a group of its own, encrypted with the stack key, kept the stack's log retention", async () => {
    const logs = named(recorded, `${NAME}-logs`).inputs;
    assert.deepEqual([logs.name, logs.kmsKeyId, logs.retentionInDays], [`/aws/lambda/${NAME}`, KEY, 90]);
    const { recorded: kept } = await build(stagingArgs({ logRetentionDays: 365 }));
    assert.equal(named(kept, `${NAME}-logs`).inputs.retentionInDays, 365);
  });

  it("starts the pipeline on its schedule with a role that may do only that and send failures to the queue", () => {
    const schedule = named(recorded, `${NAME}-schedule`, "aws:scheduler/schedule:Schedule").inputs;
    const target = schedule.target as {
      arn: string;
      roleArn: string;
      input: string;
      deadLetterConfig: unknown;
    };
    assert.equal(schedule.scheduleExpression, "cron(0 3 ? * MON *)");
    assert.equal(target.arn, "arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution");
    assert.deepEqual(json(target.input), {
      PipelineName: GROUP,
      PipelineExecutionDescription: "Started by schedule for <aws.scheduler.scheduled-time>",
    });
    assert.deepEqual(target.deadLetterConfig, { arn: QUEUE_ARN });
    // Only Scheduler, for the schedules of this account's group the schedule is in, may use the role.
    assert.equal(schedule.groupName, "default");
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
    assert.deepEqual(
      json(named(recorded, `${NAME}-scheduler-role-policy`).inputs.policy).Statement.map(
        (statement: { Sid: string }) => statement.Sid,
      ),
      ["StartPipeline", "SendFailedStarts", "EncryptFailedStarts"],
    );
  });

  it("creates only what the enabled triggers need", async () => {
    const { recorded: onlyNewData } = await build(
      stagingArgs({ drift: { enabled: false, minIntervalHours: 24 }, consumerAccounts: [] }),
    );
    assert.deepEqual(
      ofType(onlyNewData, "aws:cloudwatch/eventRule:EventRule").map((rule) => rule.name),
      [`${NAME}-new-data`],
    );
    assert.deepEqual(ofType(onlyNewData, "aws:cloudwatch/eventBus:EventBus"), []);
    assert.deepEqual(ofType(onlyNewData, "aws:scheduler/schedule:Schedule"), []);
    // Without drift the function lists neither the pipeline's runs nor the input prefix.
    assert.deepEqual(
      json(named(onlyNewData, `${NAME}-role-policy`).inputs.policy).Statement.map(
        (statement: { Sid: string }) => statement.Sid,
      ),
      ["StartModelPipeline", "WriteFunctionLogs", "SendFailedEvents", "EncryptFailedEvents"],
    );
  });

  it("refuses every bad argument at once, before anything is registered", () => {
    const bad = recordResources();
    assert.throws(
      () =>
        new TrainingTriggers(
          NAME,
          stagingArgs({
            newData: { enabled: false, inputPrefix: "/input", marker: "a/b" },
            drift: { enabled: false, minIntervalHours: 0 },
            consumerAccounts: ["12345"],
            logRetentionDays: 45,
          }),
        ),
      (error: Error) => {
        assert.equal(
          error.message,
          `TrainingTriggers ${NAME}: ` +
            [
              'newData.inputPrefix "/input" must be a key prefix ending in / (e.g. input/)',
              'newData.marker "a/b" must be an object name without / (e.g. _SUCCESS)',
              "drift.minIntervalHours 0 must be a whole number from 1 to 720",
              "logRetentionDays 45 is not a CloudWatch Logs retention period (1, 3, 5, 7, 14, 30, 60, 90, 120, " +
                "150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days)",
              'consumerAccounts "12345" is not an AWS account id (12 digits)',
              "nothing starts a run: enable newData or drift, or set a schedule",
            ].join("; ") +
            ".",
        );
        return true;
      },
    );
    assert.deepEqual(bad, []);
  });
});
