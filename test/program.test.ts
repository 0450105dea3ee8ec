import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ML_DIR } from "../components/shared/scripts";
import type {
  ConditionStep,
  LambdaStep,
  PipelineDefinition,
  PipelineStep,
  ProcessingStep,
  TrainingStep,
} from "../components/pipeline/definitionTypes";
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  ModelApprovalStatus,
} from "@aws-sdk/client-sagemaker";
import { deployPolicy, DeployScope, previewPolicy } from "../components/delivery/deployPolicy";
import { accessLogBucketPolicy } from "../components/foundation/accessLogBucketPolicy";
import { lifecycleRules } from "../components/foundation/bucketBaseline";
import type { PolicyDocument, PolicyStatement } from "../components/shared/policyDocument";
import { ModelPackageLookupError } from "../registry/errors";
import { ConfigError } from "../stacks/errors";
import { named, ofType, recordResources, RecordedResource, settle, valueOf } from "./helpers/mocks";
import { freePort, testClient } from "./helpers/motoServer";
import { StackName, stackFileConfig } from "./helpers/stackFiles";
import {
  baselineUri,
  driftBaselineUri,
  loadProgram,
  runProgram,
  startSeededRegistry,
  XGBOOST,
} from "./helpers/program";

const TAGGABLE = [
  "aws:kms/key:Key",
  "aws:s3/bucket:Bucket",
  "aws:iam/role:Role",
  "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
  "aws:sagemaker/pipeline:Pipeline",
  "aws:s3/bucketObjectv2:BucketObjectv2",
  "aws:sns/topic:Topic",
  "aws:sagemaker/model:Model",
  "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
  "aws:sagemaker/endpoint:Endpoint",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:appautoscaling/target:Target",
  "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
  "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
  "aws:cloudwatch/eventRule:EventRule",
  "aws:lambda/function:Function",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  "aws:iam/policy:Policy",
  "aws:sqs/queue:Queue",
  "aws:cloudwatch/eventBus:EventBus",
];
const ENDPOINT = "aws:sagemaker/endpoint:Endpoint";
/** What SageMaker Model Monitor is made of: a drift-check stack has none of it. */
const MODEL_MONITOR_TYPES = [
  "mlops:sagemaker:MonitoringSchedule",
  "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
  "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
];

type DeliveryOutputs = Record<"deployRoleArn" | "oidcProviderArn", pulumi.Output<string>> & {
  previewRoleArn: pulumi.Output<string> | null;
  approvalDispatch: Record<string, pulumi.Output<unknown>> | null;
};

interface Outputs {
  readonly environment: string;
  readonly delivery: DeliveryOutputs | null;
  readonly platformKeyArn: pulumi.Output<string>;
  readonly accessLogBucket: pulumi.Output<string> | null;
  readonly models: Record<
    string,
    Record<string, pulumi.Output<string>> & { endpoint: EndpointOutputs | null }
  >;
}
type EndpointOutputs = Record<"name" | "arn" | "configName" | "modelPackageArn", pulumi.Output<string>> & {
  monitoring: Record<string, pulumi.Output<string> | string | null> | null;
};

const runStack = (stack: StackName) => runProgram<Outputs>(stack, stackFileConfig(stack));

/** The shipped stack file's models, to change. */
const stackModels = (stack: StackName) =>
  JSON.parse(stackFileConfig(stack)["mlops:models"]) as Record<string, Record<string, unknown>>[];

/** A stack's config with each model's monitoring extended by `monitoring`. */
function withMonitoring(stack: StackName, monitoring: Record<string, unknown>): Record<string, string> {
  const models = stackModels(stack).map((model) => ({
    ...model,
    monitoring: { ...model.monitoring, ...monitoring },
  }));
  return { ...stackFileConfig(stack), "mlops:models": JSON.stringify(models) };
}

/** The baseline staging's Model Monitor stack is given in its config (monitoring.baseline). */
const GIVEN_BASELINE = {
  statisticsUri: "s3://team-baselines/diagnosis/statistics.json",
  constraintsUri: "s3://team-baselines/diagnosis/constraints.json",
};
const definitionOf = (recorded: RecordedResource[], name: string): PipelineDefinition =>
  JSON.parse(named(recorded, `${name}-pipeline`).inputs.pipelineDefinition as string);
/** The step of that name, at any depth: a Condition step runs the steps of its IfSteps and ElseSteps. */
function stepNamed(steps: readonly PipelineStep[], name: string): PipelineStep | undefined {
  for (const step of steps) {
    if (step.Name === name) return step;
    if (step.Type !== "Condition") continue;
    const found = stepNamed([...step.Arguments.IfSteps, ...step.Arguments.ElseSteps], name);
    if (found) return found;
  }
  return undefined;
}
/** The sample data's features, on each of which both stack files alarm. */
const FEATURES = readFileSync(path.join(ML_DIR, "data", "breast-cancer.csv"), "utf8")
  .split("\n")[0]
  .split(",")
  .filter((column) => column !== "target");
const FEATURE_COUNT = 30;

/** What the program tests read of the drift check's processing job. */
interface CheckJob {
  readonly AppSpecification: { readonly ContainerArguments: readonly unknown[] };
  readonly ProcessingInputs: readonly {
    readonly InputName: string;
    readonly S3Input: { readonly S3Uri: unknown };
  }[];
  readonly ProcessingResources: { readonly ClusterConfig: { readonly InstanceType: string } };
  readonly StoppingCondition: unknown;
}

const packageArn = (group: string, version: number) =>
  `arn:aws:sagemaker:us-east-1:123456789012:model-package/${group}/${version}`;

describe("the program (index.ts)", () => {
  type Run = Awaited<ReturnType<typeof runProgram<Outputs>>>;
  const stacks: Partial<Record<StackName, Run>> = {};
  /**
   * The stacks with monitoring.engine model-monitor: prod compares with the baseline registered with
   * the version it serves, staging with the one its config gives (monitoring.baseline).
   */
  const modelMonitor: Partial<Record<StackName, Run>> = {};
  let registry: Awaited<ReturnType<typeof startSeededRegistry>> | undefined;
  before(async () => {
    registry = await startSeededRegistry();
    stacks.staging = await runStack("staging");
    stacks.prod = await runStack("prod");
    modelMonitor.staging = await runProgram<Outputs>(
      "staging",
      withMonitoring("staging", { engine: "model-monitor", baseline: GIVEN_BASELINE }),
    );
    modelMonitor.prod = await runProgram<Outputs>(
      "prod",
      withMonitoring("prod", { engine: "model-monitor" }),
    );
  });
  after(async () => {
    await registry?.stop();
  });
  const recordedOf = (stack: StackName) =>
    stacks[stack]?.recorded ?? assert.fail(`stack ${stack} did not run`);
  const modelMonitorOf = (stack: StackName) =>
    modelMonitor[stack] ?? assert.fail(`stack ${stack} did not run with model-monitor`);

  for (const stack of ["staging", "prod"] as const) {
    it(`${stack}: builds the stack key and permissions boundary, per model a pipeline (staging) or a data bucket (prod), an alert topic and an endpoint, and delivery`, () => {
      // Under the mock runtime the stack resource is implicit: top-level resources have no parent.
      const topLevel = recordedOf(stack).filter((r) => r.parent === "");
      // Staging builds the model, retrains it and dispatches its approvals; prod serves what staging
      // verified, and forwards the drift its check finds to staging.
      const building =
        stack === "staging"
          ? [
              `mlops:delivery:ModelApprovalDispatch mlops-${stack}-approvals`,
              `mlops:sagemaker:MlPipeline mlops-${stack}-diagnosis`,
              `mlops:sagemaker:TrainingTriggers mlops-${stack}-diagnosis-retraining`,
              `mlops:sns:AlertTopic mlops-${stack}-delivery-alerts`,
            ]
          : [
              `mlops:s3:SecureBucket mlops-${stack}-diagnosis-data`,
              `mlops:sagemaker:DriftForwarding mlops-${stack}-diagnosis-drift-forwarding`,
            ];
      assert.deepEqual(
        topLevel.map((r) => `${r.type} ${r.name}`).sort(),
        [
          `mlops:delivery:GithubDeployAccess mlops-${stack}-github`,
          `mlops:iam:PermissionsBoundary mlops-${stack}-permissions-boundary`,
          `mlops:kms:PlatformKey mlops-${stack}-platform`,
          // Both stacks log the requests to their buckets (storage.accessLogs).
          `mlops:s3:AccessLogBucket mlops-${stack}-access-logs`,
          // Both stack files score the model's datasets with the version it serves (models[].batch).
          `mlops:sagemaker:BatchInference mlops-${stack}-diagnosis-batch`,
          `mlops:sagemaker:DriftCheck mlops-${stack}-diagnosis-drift`,
          `mlops:sagemaker:ModelEndpoint mlops-${stack}-diagnosis`,
          `mlops:sns:AlertTopic mlops-${stack}-diagnosis-alerts`,
          ...building,
        ].sort(),
      );
    });

    it(`${stack}: checks the endpoint for drift with the drift check (the default engine), and creates nothing of Model Monitor`, () => {
      const recorded = recordedOf(stack);
      assert.deepEqual(
        recorded.filter((r) => MODEL_MONITOR_TYPES.includes(r.type)).map((r) => `${r.type} ${r.name}`),
        [],
      );
      const name = `mlops-${stack}-diagnosis-drift`;
      const check = named(recorded, name, "mlops:sagemaker:DriftCheck");
      const children = recorded.filter((r) => r.parent === check.urn);
      // Its roles, function, script, pipeline, schedule, dead-letter queue and failure rule, the failure
      // rule's own dead-letter queue for alerts it cannot deliver, the queues' alarms, and an alarm per
      // feature.
      assert.deepEqual(
        children
          .filter((r) => r.type !== "aws:cloudwatch/metricAlarm:MetricAlarm")
          .map((r) => `${r.type} ${r.name}`)
          .sort(),
        [
          `aws:cloudwatch/eventRule:EventRule ${name}-failures`,
          `aws:cloudwatch/eventTarget:EventTarget ${name}-failures-alert`,
          `aws:cloudwatch/logGroup:LogGroup ${name}-steps-logs`,
          `aws:iam/role:Role ${name}-role`,
          `aws:iam/role:Role ${name}-scheduler-role`,
          `aws:iam/role:Role ${name}-steps-role`,
          `aws:iam/rolePolicy:RolePolicy ${name}-role-policy`,
          `aws:iam/rolePolicy:RolePolicy ${name}-scheduler-role-policy`,
          `aws:iam/rolePolicy:RolePolicy ${name}-steps-role-policy`,
          `aws:lambda/function:Function ${name}-steps`,
          `aws:s3/bucketObjectv2:BucketObjectv2 ${name}-drift-check-py`,
          `aws:sagemaker/pipeline:Pipeline ${name}`,
          `aws:scheduler/schedule:Schedule ${name}`,
          `aws:sqs/queue:Queue ${name}-dlq`,
          `aws:sqs/queue:Queue ${name}-failures-dlq`,
          `aws:sqs/queuePolicy:QueuePolicy ${name}-dlq-policy`,
          `aws:sqs/queuePolicy:QueuePolicy ${name}-failures-dlq-policy`,
        ],
      );
      assert.deepEqual(
        children.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm").map((r) => r.name),
        [
          `${name}-failures-undelivered`,
          `${name}-failed-starts`,
          ...FEATURES.map((feature) => `${name}-psi-${feature}`),
        ],
      );
    });

    it(`${stack}: alerts go to the stack's e-mail addresses, encrypted with the stack key`, () => {
      const recorded = recordedOf(stack);
      const key = named(recorded, `mlops-${stack}-platform-key`).outputs.arn;
      const topic = named(recorded, `mlops-${stack}-diagnosis-alerts`, "aws:sns/topic:Topic");
      assert.equal(topic.inputs.kmsMasterKeyId, key);
      const emails = ofType(recorded, "aws:sns/topicSubscription:TopicSubscription")
        .filter((r) => r.inputs.topic === topic.outputs.arn)
        .map((r) => r.inputs.endpoint);
      assert.deepEqual(
        emails.sort(),
        stack === "prod"
          ? ["ml-oncall@example.com", "ml-platform@example.com"]
          : ["ml-platform-staging@example.com"],
      );
      // Three endpoint alarms, the drift check's failed-starts alarm and its undelivered failure alerts'
      // alarm, retraining's failed-starts alarm and the build's undelivered stopped-run alerts' alarm
      // (staging) or drift forwarding's failed-forwards alarm (prod), and a PSI alarm per feature the
      // stack file lists (the approval dispatch's alarms go to the delivery topic); batch inference's
      // failed-starts alarm and its undelivered failure alerts' alarm.
      const alarms = ofType(recorded, "aws:cloudwatch/metricAlarm:MetricAlarm").filter(
        (alarm) => !alarm.name.startsWith(`mlops-${stack}-approvals-`),
      );
      assert.equal(alarms.length, 3 + (stack === "staging" ? 4 : 3) + 2 + FEATURE_COUNT);
      const model = `mlops-${stack}-diagnosis`;
      assert.deepEqual(
        alarms
          .map((alarm) => alarm.name)
          .filter((name) => !name.startsWith(`${model}-primary-`) && !name.startsWith(`${model}-drift-psi-`))
          .sort(),
        [
          `${model}-batch-failed-starts`,
          `${model}-batch-failed-undelivered`,
          `${model}-drift-failed-starts`,
          `${model}-drift-failures-undelivered`,
          ...(stack === "staging"
            ? [`${model}-retraining-failed-starts`, `${model}-stopped-undelivered`]
            : [`${model}-drift-forwarding-failed-forwards`]),
        ].sort(),
      );
      for (const alarm of alarms)
        assert.deepEqual(alarm.inputs.alarmActions, [topic.outputs.arn], alarm.name);
      const targets = ofType(recorded, "aws:cloudwatch/eventTarget:EventTarget").filter(
        (target) => target.inputs.roleArn === undefined,
      );
      // Failed drift check runs; drift itself is sent by the check's publish step, to the same topic.
      // Staging's failed or stopped builds too, and its retraining rules deliver to its function
      // (prod's forwarding target has a role).
      const retraining = `${model}-retraining`;
      const startTraining = `arn:aws:lambda:us-east-1:123456789012:function:${retraining}`;
      const startBatch = `arn:aws:lambda:us-east-1:123456789012:function:${model}-batch-trigger`;
      assert.deepEqual(targets.map((t) => [t.name, t.inputs.arn]).sort(), [
        // Batch inference's failed runs page the topic; its complete datasets reach its function.
        [`${model}-batch-failed-alert`, topic.outputs.arn],
        [`${model}-batch-new-data-target`, startBatch],
        [`${model}-drift-failures-alert`, topic.outputs.arn],
        ...(stack === "staging"
          ? [
              [`${retraining}-drift-target`, startTraining],
              [`${retraining}-forwarded-drift-target`, startTraining],
              [`${retraining}-new-data-target`, startTraining],
              [`${model}-stopped-alert`, topic.outputs.arn],
            ]
          : []),
      ]);
      const check = named(recorded, `${model}-drift`, "aws:sagemaker/pipeline:Pipeline");
      const definition = JSON.parse(check.inputs.pipelineDefinition as string) as PipelineDefinition;
      const publish = (definition.Steps[1] as ConditionStep).Arguments.IfSteps[1] as LambdaStep;
      assert.equal(publish.Arguments.topic_arn, topic.outputs.arn);
      // It also puts a drift event about the model on the account's default bus, which retraining
      // (staging) and drift forwarding (prod) listen to: that one bus, and events of that source only.
      assert.equal(publish.Arguments.model, "diagnosis");
      const steps = JSON.parse(
        named(recorded, `${model}-drift-steps-role-policy`).inputs.policy as string,
      ) as PolicyDocument;
      assert.deepEqual(
        steps.Statement.find((statement) => statement.Sid === "PutDriftEvents"),
        {
          Sid: "PutDriftEvents",
          Effect: "Allow",
          Action: "events:PutEvents",
          Resource: "arn:aws:events:us-east-1:123456789012:event-bus/default",
          Condition: { StringEquals: { "events:source": "mlops.drift" } },
        },
      );
    });

    it(`${stack}: tags every taggable resource with Environment=${stack}, Project, Owner, CostCenter, and Model where it is a model's`, () => {
      const taggable = recordedOf(stack).filter((r) => TAGGABLE.includes(r.type));
      for (const resource of taggable) {
        const tags = resource.inputs.tags as Record<string, string>;
        assert.equal(tags.Environment, stack, resource.name);
        assert.deepEqual(
          [tags.Project, tags.Owner, tags.CostCenter],
          ["mlops-platform", "ml-platform@example.com", "ML-1001"],
          resource.name,
        );
      }
      // Both: topic, model and its role, config, endpoint, 3 endpoint alarms, and the drift check's
      // 3 roles, script, pipeline, function, log group, failure rule, 2 dead-letter queues (failed
      // starts, undelivered failure alerts) and their alarms (its schedule takes no tags), and its PSI
      // alarms. Staging also builds: 2 buckets, the pipeline's role, registry, pipeline and its rule
      // for failed or stopped runs with that rule's dead-letter queue and its alarm, the FindChampion
      // function with its role and log group, and 6 objects (the sample data, 4 scripts and the
      // schema); and retrains: a function with its role and log group, 3 rules, the drift bus, a
      // dead-letter queue and its alarm. Prod, which serves staging's model: a data bucket and the
      // scaling target; and forwards drift: a rule, its role, a dead-letter queue and its alarm. Both
      // score datasets (batch inference): the model and its role, the pipeline and its role, 3 objects,
      // the failed-runs rule with its dead-letter queue and alarm, and the new-data trigger's function,
      // role, log group and rule with the failed-starts queue and alarm; prod's schedule adds its role.
      const ofModel = taggable.filter((r) => (r.inputs.tags as Record<string, string>).Model !== undefined);
      const batch = stack === "prod" ? 17 : 16;
      assert.equal(ofModel.length, 20 + (stack === "prod" ? 2 + 4 : 17 + 9) + batch + FEATURE_COUNT);
      assert.ok(ofModel.every((r) => (r.inputs.tags as Record<string, string>).Model === "diagnosis"));
      // The stack's own: its key, its roles' permissions boundary, its access-log bucket, and delivery,
      // which serves every model.
      const prefix = `mlops-${stack}`;
      assert.deepEqual(
        taggable
          .filter((r) => !ofModel.includes(r))
          .map((r) => r.name)
          .sort(),
        stack === "staging"
          ? [
              `${prefix}-access-logs`,
              `${prefix}-approvals-diagnosis`,
              `${prefix}-approvals-diagnosis-failed-deliveries`,
              `${prefix}-approvals-dlq`,
              `${prefix}-approvals-dlq-not-empty`,
              `${prefix}-approvals-role`,
              `${prefix}-delivery-alerts`,
              `${prefix}-github-deploy-policy-1`,
              `${prefix}-github-deploy-policy-2`,
              `${prefix}-github-deploy-policy-3`,
              `${prefix}-github-deploy-role`,
              `${prefix}-github-oidc`,
              `${prefix}-github-preview-role`,
              `${prefix}-permissions-boundary-policy`,
              `${prefix}-platform-key`,
            ]
          : [
              `${prefix}-access-logs`,
              `${prefix}-github-deploy-policy-1`,
              `${prefix}-github-deploy-policy-2`,
              `${prefix}-github-deploy-policy-3`,
              `${prefix}-github-deploy-role`,
              `${prefix}-github-oidc`,
              `${prefix}-github-preview-role`,
              `${prefix}-permissions-boundary-policy`,
              `${prefix}-platform-key`,
            ],
      );
    });

    it(`${stack}: encrypts its buckets and the drift check's log group with the stack's own key`, () => {
      const recorded = recordedOf(stack);
      const platformKey = named(recorded, `mlops-${stack}-platform-key`);
      const key = platformKey.outputs.arn;
      for (const bucket of stack === "staging" ? ["data", "artifacts"] : ["data"]) {
        const rules = named(recorded, `mlops-${stack}-diagnosis-${bucket}-encryption`).inputs.rules;
        assert.deepEqual(rules, [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key },
            bucketKeyEnabled: true,
          },
        ]);
      }
      const logGroup = named(recorded, `mlops-${stack}-diagnosis-drift-steps-logs`).inputs;
      assert.deepEqual(
        [logGroup.name, logGroup.kmsKeyId],
        [`/aws/lambda/mlops-${stack}-diagnosis-drift-steps`, key],
      );
      // CloudWatch Logs may use the key for the stack's function log groups, and no other log group.
      const policy = JSON.parse(platformKey.inputs.policy as string) as PolicyDocument;
      assert.deepEqual(
        policy.Statement.find((statement) => statement.Sid === "CloudWatchLogsEncryptStackLogGroups")
          ?.Condition,
        {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/mlops-${stack}-*`,
          },
        },
      );
    });
  }

  /** What each stack file keeps, and for how long (storage): staging the defaults, prod longer. */
  const RETENTION = {
    staging: {
      noncurrent: 30,
      capture: 30,
      reports: 90,
      checkpoints: 7,
      work: 30,
      batchOutputs: 30,
      logs: 90,
      accessLogs: 90,
    },
    prod: {
      noncurrent: 365,
      capture: 90,
      reports: 365,
      checkpoints: 14,
      work: 30,
      batchOutputs: 90,
      logs: 365,
      accessLogs: 365,
    },
  } as const;

  for (const stack of ["staging", "prod"] as const) {
    const days = RETENTION[stack];

    it(`${stack}: expires captured traffic, reports and intermediate build outputs, and keeps what versions point to`, () => {
      const recorded = recordedOf(stack);
      const rules = (bucket: string) => named(recorded, `mlops-${stack}-${bucket}-lifecycle`).inputs.rules;
      assert.deepEqual(
        rules("diagnosis-data"),
        lifecycleRules(days.noncurrent, {
          "data-capture/": days.capture,
          "monitoring/": days.reports,
          // Batch inference's runs; its inputs, batch/input/, are the team's and never expire.
          "batch/output/": days.batchOutputs,
        }),
      );
      if (stack === "staging") {
        // pipelines/ (models, evaluation reports, baselines) is kept: prod serves staging's versions.
        assert.deepEqual(
          rules("diagnosis-artifacts"),
          lifecycleRules(days.noncurrent, { "checkpoints/": days.checkpoints, "pipeline-work/": days.work }),
        );
      }
      // The endpoint captures, and the drift check reports, under those prefixes of the data bucket.
      const dataBucket = named(recorded, `mlops-${stack}-diagnosis-data`, "aws:s3/bucket:Bucket").outputs
        .bucket;
      const capture = named(recorded, `mlops-${stack}-diagnosis-config`).inputs.dataCaptureConfig as {
        destinationS3Uri: string;
      };
      assert.equal(capture.destinationS3Uri, `s3://${dataBucket}/data-capture`);
      const steps = named(recorded, `mlops-${stack}-diagnosis-drift`, "aws:sagemaker/pipeline:Pipeline");
      assert.ok(
        (steps.inputs.pipelineDefinition as string).includes(
          `s3://${dataBucket}/monitoring/mlops-${stack}-diagnosis-drift`,
        ),
      );
    });

    it(`${stack}: keeps every log group it creates ${days.logs} days, encrypted with the stack key`, () => {
      const recorded = recordedOf(stack);
      const key = named(recorded, `mlops-${stack}-platform-key`).outputs.arn;
      const groups = ofType(recorded, "aws:cloudwatch/logGroup:LogGroup");
      assert.deepEqual(
        groups
          .map((group) => [group.inputs.name, group.inputs.retentionInDays, group.inputs.kmsKeyId])
          .sort(),
        (stack === "staging"
          ? [
              "/aws/lambda/mlops-staging-diagnosis-batch-trigger",
              "/aws/lambda/mlops-staging-diagnosis-drift-steps",
              "/aws/lambda/mlops-staging-diagnosis-retraining",
              "/aws/lambda/mlops-staging-diagnosis-steps",
            ]
          : ["/aws/lambda/mlops-prod-diagnosis-batch-trigger", "/aws/lambda/mlops-prod-diagnosis-drift-steps"]
        ).map((name) => [name, days.logs, key]),
      );
    });

    it(`${stack}: logs every request to its data${stack === "staging" ? " and artifacts" : ""} bucket into a log bucket of its own`, async () => {
      const recorded = recordedOf(stack);
      const name = `mlops-${stack}-access-logs`;
      const logBucket = named(recorded, name, "aws:s3/bucket:Bucket").outputs.bucket as string;
      const sources = (stack === "staging" ? ["data", "artifacts"] : ["data"]).map((kind) => ({
        kind,
        bucket: named(recorded, `mlops-${stack}-diagnosis-${kind}`, "aws:s3/bucket:Bucket").outputs.bucket,
      }));
      assert.deepEqual(
        ofType(recorded, "aws:s3/bucketLogging:BucketLogging").map((logging) => [
          logging.name,
          logging.inputs,
        ]),
        sources.map(({ kind, bucket }) => [
          `${name}-diagnosis-${kind}`,
          {
            bucket,
            targetBucket: logBucket,
            targetPrefix: "server-access/",
            targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
          },
        ]),
      );
      assert.equal(
        named(recorded, `${name}-policy`).inputs.policy,
        JSON.stringify(
          accessLogBucketPolicy(`arn:aws:s3:::${logBucket}`, {
            accountId: "123456789012",
            sourceBucketArns: sources.map(({ bucket }) => `arn:aws:s3:::${String(bucket)}`),
            prefix: "server-access/",
          }),
        ),
      );
      assert.deepEqual(named(recorded, `${name}-encryption`).inputs.rules, [
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ]);
      assert.deepEqual(
        named(recorded, `${name}-lifecycle`).inputs.rules,
        lifecycleRules(days.noncurrent, { "server-access/": days.accessLogs }),
      );
      const bucket = named(recorded, name, "aws:s3/bucket:Bucket");
      assert.deepEqual(
        [bucket.protect, bucket.inputs.forceDestroy],
        stack === "prod" ? [true, false] : [false, true],
      );
    });
  }

  it("staging: small instances, a short run time and nothing protected, so it can be torn down", () => {
    const recorded = recordedOf("staging");
    const definition = definitionOf(recorded, "mlops-staging-diagnosis");
    // Monitored by the drift check: the pipeline has no Model Monitor baseline step, nor its parameters.
    assert.deepEqual(definition.Parameters.map((p) => [p.Name, p.DefaultValue]).slice(1), [
      ["ProcessingInstanceType", "ml.t3.medium"],
      ["TrainingInstanceType", "ml.m5.large"],
      ["AccuracyThreshold", 0.8],
      ["ModelApprovalStatus", "PendingManualApproval"],
    ]);
    const train = stepNamed(definition.Steps, "Train") as TrainingStep;
    assert.deepEqual(train.Arguments.StoppingCondition, {
      MaxRuntimeInSeconds: 1800,
      MaxWaitTimeInSeconds: 3600,
    });
    assert.deepEqual(
      recorded.filter((r) => r.protect).map((r) => r.name),
      [],
    );
    assert.equal(named(recorded, "mlops-staging-platform-key").inputs.deletionWindowInDays, 7);
    const lifecycle = named(recorded, "mlops-staging-diagnosis-artifacts-lifecycle").inputs.rules as Record<
      string,
      unknown
    >[];
    assert.deepEqual(lifecycle[0].noncurrentVersionExpiration, { noncurrentDays: 30 });
  });

  it("prod: no pipeline of its own, larger instances, and the key, boundary and data bucket protected from deletion", () => {
    const recorded = recordedOf("prod");
    // Its SageMaker pipelines are its drift check's and its batch inference's: it builds no model.
    assert.deepEqual(
      ofType(recorded, "aws:sagemaker/pipeline:Pipeline").map((r) => r.name),
      ["mlops-prod-diagnosis-batch-pipeline", "mlops-prod-diagnosis-drift"],
    );
    assert.deepEqual(ofType(recorded, "aws:sagemaker/modelPackageGroup:ModelPackageGroup"), []);
    assert.equal(
      named(recorded, "mlops-prod-diagnosis-config").inputs.productionVariants instanceof Array,
      true,
    );
    assert.deepEqual(
      recorded
        .filter((r) => r.protect)
        .map((r) => r.name)
        .sort(),
      [
        "mlops-prod-access-logs",
        "mlops-prod-diagnosis-data",
        "mlops-prod-permissions-boundary-policy",
        "mlops-prod-platform-key",
      ],
    );
    assert.equal(named(recorded, "mlops-prod-platform-key").inputs.deletionWindowInDays, 30);
    const lifecycle = named(recorded, "mlops-prod-diagnosis-data-lifecycle").inputs.rules as Record<
      string,
      unknown
    >[];
    assert.deepEqual(lifecycle[0].noncurrentVersionExpiration, { noncurrentDays: 365 });
  });

  it("staging: retrains the model on a complete dataset and on drift found here or forwarded by prod's account", async () => {
    const recorded = recordedOf("staging");
    const name = "mlops-staging-diagnosis-retraining";
    const triggers = named(recorded, name, "mlops:sagemaker:TrainingTriggers");
    // The stack file turns on new data and drift, and sets no schedule: no scheduler role or schedule.
    assert.deepEqual(
      recorded
        .filter((r) => r.parent === triggers.urn)
        .map((r) => `${r.type} ${r.name}`)
        .sort(),
      [
        `aws:cloudwatch/eventBus:EventBus ${name}-drift-events`,
        `aws:cloudwatch/eventBusPolicy:EventBusPolicy ${name}-drift-events-policy`,
        `aws:cloudwatch/eventRule:EventRule ${name}-drift`,
        `aws:cloudwatch/eventRule:EventRule ${name}-forwarded-drift`,
        `aws:cloudwatch/eventRule:EventRule ${name}-new-data`,
        `aws:cloudwatch/eventTarget:EventTarget ${name}-drift-target`,
        `aws:cloudwatch/eventTarget:EventTarget ${name}-forwarded-drift-target`,
        `aws:cloudwatch/eventTarget:EventTarget ${name}-new-data-target`,
        `aws:cloudwatch/logGroup:LogGroup ${name}-logs`,
        `aws:cloudwatch/metricAlarm:MetricAlarm ${name}-failed-starts`,
        `aws:iam/role:Role ${name}-role`,
        `aws:iam/rolePolicy:RolePolicy ${name}-role-policy`,
        `aws:lambda/function:Function ${name}`,
        `aws:lambda/permission:Permission ${name}-drift-invoke`,
        `aws:lambda/permission:Permission ${name}-forwarded-drift-invoke`,
        `aws:lambda/permission:Permission ${name}-new-data-invoke`,
        `aws:s3/bucketNotification:BucketNotification ${name}-data-events`,
        `aws:sqs/queue:Queue ${name}-dlq`,
        `aws:sqs/queuePolicy:QueuePolicy ${name}-dlq-policy`,
      ],
    );
    const program = stacks.staging?.program ?? assert.fail("staging ran");
    const dataBucket = await valueOf(program.models.diagnosis.dataBucket);
    // The data bucket sends its object events to EventBridge, where the new-data rule picks out the
    // marker written last into a dataset's folder under input/.
    assert.deepEqual(named(recorded, `${name}-data-events`).inputs, {
      bucket: dataBucket,
      eventbridge: true,
    });
    const drift = (account: string) => ({
      source: ["mlops.drift"],
      "detail-type": ["Drift Detected"],
      account: [account],
      detail: { model: ["diagnosis"] },
    });
    // Drift from this account's checks on the default bus; prod's, forwarded to the model's drift bus.
    const bus = "mlops-staging-diagnosis-drift-events";
    assert.deepEqual(
      ofType(recorded, "aws:cloudwatch/eventRule:EventRule")
        .filter((rule) => rule.parent === triggers.urn)
        .map((rule) => [rule.name, rule.inputs.eventBusName, JSON.parse(rule.inputs.eventPattern as string)])
        .sort(),
      [
        [`${name}-drift`, undefined, drift("123456789012")],
        [`${name}-forwarded-drift`, bus, drift("222222222222")],
        [
          `${name}-new-data`,
          undefined,
          {
            source: ["aws.s3"],
            "detail-type": ["Object Created"],
            detail: { bucket: { name: [dataBucket] }, object: { key: [{ wildcard: "input/*/_SUCCESS" }] } },
          },
        ],
      ],
    );
    // Each rule may invoke the function, and only that rule.
    assert.deepEqual(
      ofType(recorded, "aws:lambda/permission:Permission")
        .filter((permission) => permission.parent === triggers.urn)
        .map((permission) => [permission.name, permission.inputs.function, permission.inputs.sourceArn])
        .sort(),
      [
        [`${name}-drift-invoke`, name, `arn:aws:events:us-east-1:123456789012:rule/${name}-drift`],
        [
          `${name}-forwarded-drift-invoke`,
          name,
          `arn:aws:events:us-east-1:123456789012:rule/${bus}/${name}-forwarded-drift`,
        ],
        [`${name}-new-data-invoke`, name, `arn:aws:events:us-east-1:123456789012:rule/${name}-new-data`],
      ],
    );
    // The drift bus, named after the model package group that prod serves from, accepts drift events
    // from prod's account (promotion.consumerAccounts) and nothing else.
    assert.equal(named(recorded, `${name}-drift-events`).inputs.name, bus);
    assert.deepEqual(JSON.parse(named(recorded, `${name}-drift-events-policy`).inputs.policy as string), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ConsumerAccountsForwardDrift",
          Effect: "Allow",
          Principal: { AWS: ["arn:aws:iam::222222222222:root"] },
          Action: "events:PutEvents",
          Resource: `arn:aws:events:us-east-1:123456789012:event-bus/${bus}`,
          Condition: { StringEquals: { "events:source": "mlops.drift" } },
        },
      ],
    });
    // The function starts the model's pipeline for a dataset of that bucket, and for drift at most
    // once a day (retraining.drift.minIntervalHours).
    assert.deepEqual(named(recorded, name, "aws:lambda/function:Function").inputs.environment, {
      variables: {
        PIPELINE_NAME: "mlops-staging-diagnosis",
        DATA_BUCKET: dataBucket,
        INPUT_PREFIX: "input/",
        MARKER_NAME: "_SUCCESS",
        DRIFT_MIN_INTERVAL_HOURS: "24",
      },
    });
    // Drift trains on the newest complete dataset: the function may list the bucket under input/ only.
    const rolePolicy = JSON.parse(named(recorded, `${name}-role-policy`).inputs.policy as string) as {
      Statement: { Sid: string }[];
    };
    assert.deepEqual(
      rolePolicy.Statement.find((statement) => statement.Sid === "ListInputDatasets"),
      {
        Sid: "ListInputDatasets",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: `arn:aws:s3:::${dataBucket}`,
        Condition: { StringLike: { "s3:prefix": ["input/*"] } },
      },
    );
  });

  it("prod: forwards the drift its check finds to the drift bus of staging, which builds the model, and retrains nothing itself", () => {
    const recorded = recordedOf("prod");
    const name = "mlops-prod-diagnosis-drift-forwarding";
    const forwarding = named(recorded, name, "mlops:sagemaker:DriftForwarding");
    assert.deepEqual(
      recorded
        .filter((r) => r.parent === forwarding.urn)
        .map((r) => `${r.type} ${r.name}`)
        .sort(),
      [
        `aws:cloudwatch/eventRule:EventRule ${name}`,
        `aws:cloudwatch/eventTarget:EventTarget ${name}-target`,
        `aws:cloudwatch/metricAlarm:MetricAlarm ${name}-failed-forwards`,
        `aws:iam/role:Role ${name}-role`,
        `aws:iam/rolePolicy:RolePolicy ${name}-role-policy`,
        `aws:sqs/queue:Queue ${name}-dlq`,
        `aws:sqs/queuePolicy:QueuePolicy ${name}-dlq-policy`,
      ],
    );
    // Drift this account's checks find about the model, on the default bus...
    const rule = named(recorded, name, "aws:cloudwatch/eventRule:EventRule").inputs;
    assert.equal(rule.eventBusName, undefined);
    assert.deepEqual(JSON.parse(rule.eventPattern as string), {
      source: ["mlops.drift"],
      "detail-type": ["Drift Detected"],
      account: ["123456789012"],
      detail: { model: ["diagnosis"] },
    });
    // ...goes to the bus of the account and model package group of models[].source.modelPackageGroupArn.
    const bus = "arn:aws:events:us-east-1:111111111111:event-bus/mlops-staging-diagnosis-drift-events";
    const target = named(recorded, `${name}-target`).inputs;
    assert.deepEqual(
      [target.rule, target.arn, target.roleArn, target.deadLetterConfig],
      [
        name,
        bus,
        `arn:aws:iam::123456789012:role/${name}-role`,
        { arn: `arn:aws:sqs:us-east-1:123456789012:${name}-dlq` },
      ],
    );
    // The role EventBridge takes may put drift events on that bus, and nothing else.
    assert.deepEqual(JSON.parse(named(recorded, `${name}-role-policy`).inputs.policy as string), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ForwardDriftToBuildingAccount",
          Effect: "Allow",
          Action: "events:PutEvents",
          Resource: bus,
          Condition: { StringEquals: { "events:source": "mlops.drift" } },
        },
      ],
    });
    // Prod builds nothing, so it retrains nothing: no triggers, drift bus or bucket notification.
    assert.deepEqual(
      recorded
        .filter(
          (r) =>
            [
              "mlops:sagemaker:TrainingTriggers",
              "aws:cloudwatch/eventBus:EventBus",
              "aws:cloudwatch/eventBusPolicy:EventBusPolicy",
              "aws:s3/bucketNotification:BucketNotification",
              "aws:lambda/permission:Permission",
            ].includes(r.type) || r.name.includes("-retraining"),
        )
        // Its batch inference's trigger hears its own data bucket's datasets (batch/input/).
        .filter((r) => !r.name.startsWith("mlops-prod-diagnosis-batch-"))
        .map((r) => `${r.type} ${r.name}`),
      [],
    );
  });

  it("exports each model's pipeline, buckets, role, registry, alert topic and endpoint; a served model's source", async () => {
    const keys = [
      "alertTopicArn",
      "artifactsBucket",
      "batch",
      "dataBucket",
      "endpoint",
      "executionRoleArn",
      "inputDataUri",
      "modelPackageGroupName",
      "pipelineArn",
      "pipelineName",
      "source",
    ];
    const staging = (stacks.staging?.program ?? assert.fail("staging did not run")).models.diagnosis;
    assert.deepEqual(Object.keys(staging).sort(), keys);
    assert.equal(await valueOf(staging.pipelineName), "mlops-staging-diagnosis");
    assert.equal(await valueOf(staging.modelPackageGroupName), "mlops-staging-diagnosis");
    assert.equal(staging.source, null);

    const program = stacks.prod?.program ?? assert.fail("prod did not run");
    assert.equal(program.environment, "prod");
    const outputs = program.models.diagnosis;
    assert.deepEqual(Object.keys(outputs).sort(), keys);
    // Built by staging: prod has no pipeline, artifacts or registry of its own.
    for (const key of [
      "pipelineName",
      "pipelineArn",
      "artifactsBucket",
      "inputDataUri",
      "executionRoleArn",
      "modelPackageGroupName",
    ]) {
      assert.equal(outputs[key], null, key);
    }
    assert.equal(
      outputs.source,
      "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-diagnosis",
    );
    assert.match(await valueOf(outputs.dataBucket), /^mlops-prod-diagnosis-data-[0-9a-f]{7}$/);
    assert.equal(
      await valueOf(outputs.alertTopicArn),
      "arn:aws:sns:us-east-1:123456789012:mlops-prod-diagnosis-alerts",
    );
    const endpoint = outputs.endpoint ?? assert.fail("staging verified a version, so prod has an endpoint");
    assert.equal(await valueOf(endpoint.name), "mlops-prod-diagnosis");
    assert.equal(
      await valueOf(endpoint.arn),
      "arn:aws:sagemaker:us-east-1:123456789012:endpoint/mlops-prod-diagnosis",
    );
    assert.equal(await valueOf(endpoint.modelPackageArn), packageArn("mlops-staging-diagnosis", 1));
    assert.equal(
      await valueOf(endpoint.configName),
      named(recordedOf("prod"), "mlops-prod-diagnosis-config").outputs.name,
    );
    // Its drift check, where it reports, and the drift baseline registered with the version staging built.
    const dataBucket = await valueOf(outputs.dataBucket);
    assert.deepEqual(await valueOf(pulumi.output(endpoint.monitoring)), {
      engine: "drift-check",
      scheduleName: "mlops-prod-diagnosis-drift",
      reportUri: `s3://${dataBucket}/monitoring/mlops-prod-diagnosis-drift`,
      pipelineName: "mlops-prod-diagnosis-drift",
      baselineUri: driftBaselineUri("mlops-staging-diagnosis", 1),
    });
    assert.match(await valueOf(program.platformKeyArn), /^arn:aws:kms:us-east-1:123456789012:key\//);
    assert.match(
      await valueOf(program.accessLogBucket ?? assert.fail("prod logs access")),
      /^mlops-prod-access-logs-[0-9a-f]{7}$/,
    );
  });

  it("model-monitor: exports each endpoint's schedule, where it reports, and its baseline", async () => {
    const monitoringOf = async (stack: StackName) => {
      const outputs = modelMonitorOf(stack).program.models.diagnosis;
      const endpoint = outputs.endpoint ?? assert.fail(`${stack} has an endpoint`);
      return {
        dataBucket: await valueOf(outputs.dataBucket),
        monitoring: await valueOf(pulumi.output(endpoint.monitoring)),
      };
    };
    const prod = await monitoringOf("prod");
    assert.deepEqual(prod.monitoring, {
      engine: "model-monitor",
      scheduleName: "mlops-prod-diagnosis-data-quality",
      reportUri: `s3://${prod.dataBucket}/monitoring/mlops-prod-diagnosis-data-quality`,
      // Registered with the version staging built (DriftCheckBaselines).
      baselineStatisticsUri: baselineUri("mlops-staging-diagnosis", 1, "statistics"),
      baselineConstraintsUri: baselineUri("mlops-staging-diagnosis", 1, "constraints"),
    });
    const staging = await monitoringOf("staging");
    assert.deepEqual(staging.monitoring, {
      engine: "model-monitor",
      scheduleName: "mlops-staging-diagnosis-data-quality",
      reportUri: `s3://${staging.dataBucket}/monitoring/mlops-staging-diagnosis-data-quality`,
      // monitoring.baseline, as the stack's config gives it.
      baselineStatisticsUri: GIVEN_BASELINE.statisticsUri,
      baselineConstraintsUri: GIVEN_BASELINE.constraintsUri,
    });
  });

  describe("delivery", () => {
    const ACCOUNT = "arn:aws:iam::123456789012";
    const documentOf = (resource: RecordedResource): PolicyDocument =>
      JSON.parse(resource.inputs.policy as string) as PolicyDocument;

    it("exports the GitHub roles, the OIDC provider and the approval dispatch", async () => {
      const delivery = stacks.staging?.program.delivery ?? assert.fail("staging has delivery");
      assert.equal(await valueOf(delivery.deployRoleArn), `${ACCOUNT}:role/mlops-staging-github-deploy`);
      assert.equal(
        await valueOf(delivery.previewRoleArn ?? assert.fail("a preview role")),
        `${ACCOUNT}:role/mlops-staging-github-preview`,
      );
      assert.equal(
        await valueOf(delivery.oidcProviderArn),
        `${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
      );
      const dispatch = delivery.approvalDispatch ?? assert.fail("approvals are dispatched");
      assert.deepEqual(Object.keys(dispatch).sort(), [
        "alertTopicArn",
        "apiDestinationArn",
        "connectionArn",
        "connectionName",
        "connectionSecretArn",
        "deadLetterQueueArn",
        "deadLetterQueueUrl",
        "ruleNames",
      ]);
      assert.deepEqual(await valueOf(dispatch.ruleNames), ["mlops-staging-approvals-diagnosis"]);
      assert.equal(
        await valueOf(dispatch.alertTopicArn),
        "arn:aws:sns:us-east-1:123456789012:mlops-staging-delivery-alerts",
      );
      // Delivery alarms are named after the dispatch, which the stack's delivery topic accepts.
      const alarms = ofType(recordedOf("staging"), "aws:cloudwatch/metricAlarm:MetricAlarm").filter((alarm) =>
        alarm.name.startsWith("mlops-staging-approvals-"),
      );
      assert.deepEqual(
        alarms.map((alarm) => alarm.inputs.alarmActions),
        [[await valueOf(dispatch.alertTopicArn)], [await valueOf(dispatch.alertTopicArn)]],
      );
    });

    for (const [stack, engine] of [
      ["staging", "drift-check"],
      ["prod", "drift-check"],
      ["staging", "model-monitor"],
      ["prod", "model-monitor"],
    ] as const) {
      it(`${stack} (${engine}): the deploy role may deploy exactly the types the stack creates and pass exactly its roles`, () => {
        const recorded = engine === "drift-check" ? recordedOf(stack) : modelMonitorOf(stack).recorded;
        const types = [...new Set(recorded.filter((r) => r.custom).map((r) => r.type))];
        const arnOf = (name: string) => named(recorded, name, "aws:iam/role:Role").outputs.arn as string;
        const scope: DeployScope = {
          partition: "aws",
          region: "us-east-1",
          accountId: "123456789012",
          namePrefix: `mlops-${stack}`,
          resourceTags: { Environment: stack, Project: "mlops-platform" },
          kmsKeyArn: named(recorded, `mlops-${stack}-platform-key`).outputs.arn as string,
          permissionsBoundaryArn: `${ACCOUNT}:policy/mlops-${stack}-permissions-boundary`,
          // Prod serves staging's model: it looks up versions in staging's registry.
          ...(stack === "prod"
            ? {
                sourceModelPackageGroupArns: [
                  "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-diagnosis",
                ],
              }
            : {}),
        };
        // The deploy role's policies; the stack's permissions boundary is a managed policy too.
        const policies = ofType(recorded, "aws:iam/policy:Policy").filter((policy) =>
          policy.name.startsWith(`mlops-${stack}-github-deploy-policy-`),
        );
        // The endpoint's model role, and the monitor's: Model Monitor's job role, or the drift check's
        // pipeline role, with its function's role (Lambda) and its schedule's (EventBridge Scheduler).
        const model = `mlops-${stack}-diagnosis`;
        const monitor: Record<string, string[]> =
          engine === "model-monitor"
            ? { "sagemaker.amazonaws.com": [arnOf(`${model}-data-quality-role`)] }
            : {
                "sagemaker.amazonaws.com": [arnOf(`${model}-drift-role`)],
                "lambda.amazonaws.com": [arnOf(`${model}-drift-steps-role`)],
                "scheduler.amazonaws.com": [arnOf(`${model}-drift-scheduler-role`)],
              };
        // Prod forwards what its drift check finds to staging, by a rule whose role EventBridge takes.
        const forwarding: Record<string, string[]> =
          stack === "prod" && engine === "drift-check"
            ? { "events.amazonaws.com": [arnOf(`${model}-drift-forwarding-role`)] }
            : {};
        // Batch inference: its model's role and its pipeline's, its trigger function's, and prod's
        // schedule's.
        const schedulers = [
          ...(monitor["scheduler.amazonaws.com"] ?? []),
          ...(stack === "prod" ? [arnOf(`${model}-batch-scheduler-role`)] : []),
        ];
        const serving: Record<string, string[]> = {
          ...monitor,
          ...forwarding,
          "sagemaker.amazonaws.com": [
            arnOf(`${model}-model-role`),
            ...monitor["sagemaker.amazonaws.com"],
            arnOf(`${model}-batch-model-role`),
            arnOf(`${model}-batch-role`),
          ],
          "lambda.amazonaws.com": [
            ...(monitor["lambda.amazonaws.com"] ?? []),
            arnOf(`${model}-batch-trigger-role`),
          ],
          ...(schedulers.length > 0 && { "scheduler.amazonaws.com": schedulers }),
        };
        // Staging also builds (the pipeline's role, and its FindChampion function's), retrains (the
        // retraining function's role) and dispatches approvals (the dispatch rule's role).
        const expected = deployPolicy(
          scope,
          types,
          stack === "staging"
            ? {
                ...serving,
                "sagemaker.amazonaws.com": [arnOf(`${model}-role`), ...serving["sagemaker.amazonaws.com"]],
                "lambda.amazonaws.com": [
                  arnOf(`${model}-steps-role`),
                  arnOf(`${model}-retraining-role`),
                  ...(serving["lambda.amazonaws.com"] ?? []),
                ],
                "events.amazonaws.com": [arnOf(`mlops-${stack}-approvals-role`)],
              }
            : serving,
          [
            `${ACCOUNT}:role/mlops-${stack}-github-deploy`,
            `${ACCOUNT}:role/mlops-${stack}-github-preview`,
            ...policies.map((_, index) => `${ACCOUNT}:policy/mlops-${stack}-github-deploy-${index + 1}`),
            `${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
            `${ACCOUNT}:policy/mlops-${stack}-permissions-boundary`,
          ],
        );
        // Split over managed policies, each within IAM's limit, together the whole document (in
        // whatever order the statements are packed).
        const bySid = (statements: readonly PolicyStatement[]) =>
          [...statements].sort((a, b) => (a.Sid ?? "").localeCompare(b.Sid ?? ""));
        assert.deepEqual(
          bySid(policies.flatMap((policy) => documentOf(policy).Statement)),
          bySid(expected.Statement),
        );
        for (const policy of policies)
          assert.ok((policy.inputs.policy as string).length <= 6144, policy.name);
        assert.deepEqual(
          ofType(recorded, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => [
            a.inputs.role,
            a.inputs.policyArn,
          ]),
          policies.map((_, index) => [
            `mlops-${stack}-github-deploy`,
            `${ACCOUNT}:policy/mlops-${stack}-github-deploy-${index + 1}`,
          ]),
        );
        assert.deepEqual(
          documentOf(named(recorded, `mlops-${stack}-github-preview-policy`)),
          previewPolicy(scope, types),
        );
      });
    }

    it("is left out without mlops:delivery, and each part follows its setting", async () => {
      // A model without an endpoint keeps these runs short: delivery does not depend on endpoints.
      const withoutDelivery: Record<string, string> = {
        ...stackFileConfig("staging"),
        "mlops:models": JSON.stringify([{ name: "diagnosis", endpoint: { enabled: false } }]),
      };
      delete withoutDelivery["mlops:delivery"];
      const none = await runProgram<Outputs>("staging", withoutDelivery);
      assert.equal(none.program.delivery, null);
      assert.deepEqual(
        none.recorded.filter((r) => /-(github|approvals|delivery-alerts)/.test(r.name)).map((r) => r.name),
        [],
      );
      // EventBridge may encrypt a connection's token with the stack key only when the key is tagged so.
      const keyTags = (run: { recorded: RecordedResource[] }) =>
        ofType(run.recorded, "aws:kms/key:Key")[0]?.inputs.tags as Record<string, string>;
      assert.equal(keyTags(none).EventBridgeApiDestinations, undefined);
      assert.equal(keyTags(stacks.staging ?? assert.fail("staging ran")).EventBridgeApiDestinations, "true");

      const provider = `${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
      const some = await runProgram<Outputs>("staging", {
        ...withoutDelivery,
        "mlops:delivery": JSON.stringify({
          github: {
            repository: "example-org/mlops-platform",
            deployBranch: "main",
            oidcProviderArn: provider,
            previewRole: false,
          },
          approvalDispatch: { enabled: false },
        }),
      });
      const delivery = some.program.delivery ?? assert.fail("the deploy role is still created");
      assert.equal(delivery.previewRoleArn, null);
      assert.equal(delivery.approvalDispatch, null);
      assert.equal(await valueOf(delivery.oidcProviderArn), provider);
      assert.deepEqual(
        some.recorded
          .filter((r) => /-(github|approvals|delivery-alerts)/.test(r.name))
          .map((r) => `${r.type} ${r.name}`)
          .sort(),
        [
          "aws:iam/policy:Policy mlops-staging-github-deploy-policy-1",
          "aws:iam/policy:Policy mlops-staging-github-deploy-policy-2",
          "aws:iam/role:Role mlops-staging-github-deploy-role",
          "aws:iam/rolePolicyAttachment:RolePolicyAttachment mlops-staging-github-deploy-policy-1",
          "aws:iam/rolePolicyAttachment:RolePolicyAttachment mlops-staging-github-deploy-policy-2",
          "mlops:delivery:GithubDeployAccess mlops-staging-github",
        ],
      );
      const trust = JSON.parse(
        named(some.recorded, "mlops-staging-github-deploy-role").inputs.assumeRolePolicy as string,
      ) as PolicyDocument;
      assert.deepEqual(trust.Statement[0].Principal, { Federated: provider });
      assert.deepEqual(trust.Statement[0].Condition?.StringEquals, {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:example-org/mlops-platform:ref:refs/heads/main",
      });
    });
  });

  it("staging serves its newest approved version; prod the newest that staging verified", () => {
    // Staging's registry holds version 1 (approved, promoted as verified in staging) and 2 (pending).
    for (const stack of ["staging", "prod"] as const) {
      const model = named(recordedOf(stack), `mlops-${stack}-diagnosis-primary`);
      assert.deepEqual(model.inputs.primaryContainer, {
        modelPackageName: packageArn("mlops-staging-diagnosis", 1),
      });
      const policy = JSON.parse(
        named(recordedOf(stack), `mlops-${stack}-diagnosis-model-role-policy`).inputs.policy as string,
      ) as { Statement: { Sid: string; Resource: unknown }[] };
      assert.deepEqual(policy.Statement.find((s) => s.Sid === "ReadModelArtifacts")?.Resource, [
        "arn:aws:s3:::mlops-staging-diagnosis-artifacts/pipelines/run1/Train/output/*",
      ]);
      // Served from another account's registry, prod's role decrypts the artifacts with that account's
      // key, through S3 only. Under mocks staging's registry is in prod's account: no such statement.
      assert.equal(
        policy.Statement.some((s) => s.Sid === "DecryptSourceArtifacts"),
        false,
      );
    }
  });

  it("staging and prod endpoints differ exactly as their stack files say", () => {
    const endpointOf = (stack: StackName) => {
      const recorded = recordedOf(stack);
      const config = named(recorded, `mlops-${stack}-diagnosis-config`).inputs;
      const endpoint = named(recorded, `mlops-${stack}-diagnosis`, ENDPOINT).inputs;
      const targets = ofType(recorded, "aws:appautoscaling/target:Target").map((t) => t.inputs);
      const policies = ofType(recorded, "aws:appautoscaling/policy:Policy").map(
        (p) => p.inputs.targetTrackingScalingPolicyConfiguration as Record<string, unknown>,
      );
      const latency = named(recorded, `mlops-${stack}-diagnosis-primary-model-latency-p99`).inputs;
      const deployment = endpoint.deploymentConfig as Record<string, Record<string, unknown>>;
      const [variant] = config.productionVariants as Record<string, unknown>[];
      return {
        instances: [variant.instanceType, variant.initialInstanceCount],
        sampling: (config.dataCaptureConfig as Record<string, unknown>).initialSamplingPercentage,
        deployment: deployment.blueGreenUpdatePolicy,
        rollbackAlarms: (deployment.autoRollbackConfiguration.alarms as unknown[]).length,
        scaling: targets.map((t) => [t.minCapacity, t.maxCapacity]),
        target: policies.map((p) => [p.targetValue, p.scaleInCooldown, p.scaleOutCooldown]),
        latencyThreshold: latency.threshold,
        evaluationPeriods: latency.evaluationPeriods,
      };
    };
    assert.deepEqual(endpointOf("staging"), {
      instances: ["ml.t2.medium", 1],
      sampling: 100,
      deployment: {
        trafficRoutingConfiguration: { type: "ALL_AT_ONCE", waitIntervalInSeconds: 120 },
        terminationWaitInSeconds: 0,
      },
      rollbackAlarms: 3,
      scaling: [],
      target: [],
      latencyThreshold: 1_000_000,
      evaluationPeriods: 3,
    });
    assert.deepEqual(endpointOf("prod"), {
      instances: ["ml.m5.xlarge", 2],
      sampling: 20,
      deployment: {
        trafficRoutingConfiguration: {
          type: "CANARY",
          waitIntervalInSeconds: 600,
          canarySize: { type: "CAPACITY_PERCENT", value: 25 },
        },
        terminationWaitInSeconds: 600,
      },
      rollbackAlarms: 3,
      scaling: [[2, 10]],
      target: [[750, 300, 60]],
      latencyThreshold: 300_000,
      evaluationPeriods: 2,
    });
  });

  it("checks each endpoint's traffic for drift against the drift baseline of the version it serves, on the stack's schedule", () => {
    const checkOf = (stack: StackName) => {
      const recorded = recordedOf(stack);
      const name = `mlops-${stack}-diagnosis-drift`;
      const definition = JSON.parse(
        named(recorded, name, "aws:sagemaker/pipeline:Pipeline").inputs.pipelineDefinition as string,
      ) as PipelineDefinition;
      const [find, hasTraffic] = definition.Steps as [LambdaStep, ConditionStep];
      const job = (hasTraffic.Arguments.IfSteps[0] as ProcessingStep).Arguments as unknown as CheckJob;
      const schedule = named(recorded, name, "aws:scheduler/schedule:Schedule").inputs;
      const alarm = named(recorded, `${name}-psi-worst_area`).inputs;
      return {
        endpoint: find.Arguments.endpoint,
        windowHours: find.Arguments.window_hours,
        baseline: job.ProcessingInputs.find((input) => input.InputName === "baseline")?.S3Input.S3Uri,
        arguments: job.AppSpecification.ContainerArguments,
        schedule: [schedule.scheduleExpression, schedule.scheduleExpressionTimezone],
        instanceType: job.ProcessingResources.ClusterConfig.InstanceType,
        runtime: job.StoppingCondition,
        alarm: [alarm.namespace, alarm.metricName, alarm.dimensions, alarm.threshold],
      };
    };
    // Both compare with the drift baseline registered with the version staging built, which prod serves.
    const expected = (stack: StackName, windowHours: number, cron: string, instanceType: string) => {
      const endpoint = `mlops-${stack}-diagnosis`;
      const found = (output: string) => ({ Get: `Steps.FindCapture.OutputParameters['${output}']` });
      return {
        endpoint,
        windowHours,
        baseline: driftBaselineUri("mlops-staging-diagnosis", 1),
        // The default thresholds (monitoring.drift): neither stack file sets any.
        arguments: [
          ["--window-start", found("WindowStart")],
          ["--window-hours", String(windowHours)],
          ["--endpoint", endpoint],
          ["--psi-warn", "0.1"],
          ["--psi-drift", "0.25"],
          ["--ks-drift", "0.2"],
          ["--missing-rate-change", "0.1"],
          ["--unseen-share", "0.01"],
          ["--min-rows", "200"],
          ["--report-uri", found("ReportUri")],
        ].flat(),
        // Runs start 15 minutes past the hours the stack file names, and check the hours since the last.
        schedule: [cron, "UTC"],
        instanceType,
        runtime: { MaxRuntimeInSeconds: 1800 },
        // Neither stack file sets driftAlarms.threshold: each alarm goes off at the feature's drift
        // level (drift.psiDrift, 0.25), not at the warning level that sends nothing.
        alarm: [
          "MLOps/Drift",
          "PopulationStabilityIndex",
          { Endpoint: endpoint, Feature: "worst_area" },
          0.25,
        ],
      };
    };
    assert.deepEqual(checkOf("staging"), expected("staging", 24, "cron(15 0 ? * * *)", "ml.m5.large"));
    assert.deepEqual(checkOf("prod"), expected("prod", 1, "cron(15 * ? * * *)", "ml.m5.xlarge"));

    // Prod's check reads staging's baseline and its own script; under mocks staging's registry is in
    // prod's account, so no other account's key is needed (the offline plans show that statement).
    const recorded = recordedOf("prod");
    const policy = JSON.parse(
      named(recorded, "mlops-prod-diagnosis-drift-role-policy").inputs.policy as string,
    ) as PolicyDocument;
    const script = named(recorded, "mlops-prod-diagnosis-drift-drift-check-py").inputs;
    assert.deepEqual(policy.Statement.find((s) => s.Sid === "ReadBaselineAndScript")?.Resource, [
      `arn:aws:s3:::${String(script.bucket)}/${String(script.key)}`,
      "arn:aws:s3:::mlops-staging-diagnosis-artifacts/pipelines/run1/DriftBaseline/drift-baseline/drift_baseline.json",
    ]);
    assert.equal(
      policy.Statement.some((s) => s.Sid === "DecryptSourceBaseline"),
      false,
    );
  });

  it("model-monitor: monitors each endpoint against Model Monitor's baseline, on the stack's schedule, with its rules", () => {
    const monitorOf = (stack: StackName) => {
      const recorded = modelMonitorOf(stack).recorded;
      const name = `mlops-${stack}-diagnosis-data-quality`;
      const job = named(recorded, `${name}-job`).inputs;
      const schedule = named(recorded, name, "aws:sagemaker/monitoringSchedule:MonitoringSchedule").inputs;
      const cluster = (job.jobResources as Record<string, Record<string, unknown>>).clusterConfig;
      const drift = named(recorded, `${name}-drift-worst_area`).inputs;
      const topic = named(recorded, `mlops-${stack}-diagnosis-alerts`, "aws:sns/topic:Topic").outputs.arn;
      return {
        endpoint: (job.dataQualityJobInput as Record<string, Record<string, unknown>>).endpointInput
          .endpointName,
        baseline: job.dataQualityBaselineConfig,
        schedule: (schedule.monitoringScheduleConfig as Record<string, unknown>).scheduleConfig,
        instanceType: cluster.instanceType,
        runtime: job.stoppingCondition,
        drift: [drift.dimensions, drift.threshold],
        alerts: ofType(recorded, "aws:cloudwatch/eventTarget:EventTarget")
          .filter((target) => target.inputs.arn === topic)
          .map((target) => target.name),
        // Nothing of the drift check.
        driftCheck: recorded
          .filter(
            (r) =>
              r.type === "mlops:sagemaker:DriftCheck" || r.name.startsWith(`mlops-${stack}-diagnosis-drift`),
          )
          .map((r) => r.name),
      };
    };
    const expected = (
      stack: StackName,
      baseline: { statisticsUri: string; constraintsUri: string },
      cron: string,
      instanceType: string,
    ) => {
      const group = `mlops-${stack}-diagnosis`;
      return {
        endpoint: group,
        baseline: {
          statisticsResource: { s3Uri: baseline.statisticsUri },
          constraintsResource: { s3Uri: baseline.constraintsUri },
        },
        schedule: { scheduleExpression: cron },
        instanceType,
        runtime: { maxRuntimeInSeconds: 1800 },
        drift: [{ Endpoint: group, MonitoringSchedule: `${group}-data-quality` }, 0.1],
        alerts: [
          // Batch inference's failed runs page the same topic, and staging's failed or stopped builds.
          `${group}-batch-failed-alert`,
          ...(stack === "staging" ? [`${group}-stopped-alert`] : []),
          `${group}-data-quality-violations-alert`,
          `${group}-data-quality-failures-alert`,
        ],
        driftCheck: [],
      };
    };
    // Staging's config gives the baseline (monitoring.baseline); prod's is the one registered with the
    // version staging built (DriftCheckBaselines).
    assert.deepEqual(
      monitorOf("staging"),
      expected("staging", GIVEN_BASELINE, "cron(0 0 ? * * *)", "ml.m5.large"),
    );
    assert.deepEqual(
      monitorOf("prod"),
      expected(
        "prod",
        {
          statisticsUri: baselineUri("mlops-staging-diagnosis", 1, "statistics"),
          constraintsUri: baselineUri("mlops-staging-diagnosis", 1, "constraints"),
        },
        "cron(0 * ? * * *)",
        "ml.m5.xlarge",
      ),
    );
    // A model monitored by Model Monitor is built with its baseline step (pipeline.modelMonitorBaseline
    // follows the engine), which the drift check's pipeline leaves out.
    const parameters = (run: { recorded: RecordedResource[] }) =>
      definitionOf(run.recorded, "mlops-staging-diagnosis").Parameters.map((p) => [p.Name, p.DefaultValue]);
    // The data gate's steps, and the steps it runs on data that passes (CheckData's IfSteps).
    const steps = (run: { recorded: RecordedResource[] }) => {
      const definition = definitionOf(run.recorded, "mlops-staging-diagnosis");
      const gated = stepNamed(definition.Steps, "CheckData") as ConditionStep;
      return {
        top: definition.Steps.map((step) => step.Name),
        gated: gated.Arguments.IfSteps.map((step) => step.Name),
      };
    };
    const driftCheck = stacks.staging ?? assert.fail("staging ran");
    assert.deepEqual(parameters(modelMonitorOf("staging")), [
      ...parameters(driftCheck),
      ["SkipDataQualityCheck", true],
      ["RegisterNewDataQualityBaseline", true],
    ]);
    const top = ["ValidateData", "CheckData", "CheckAccuracy", "CheckChampion", "CheckGates"];
    assert.deepEqual(steps(driftCheck), {
      top,
      gated: ["Preprocess", "DriftBaseline", "Train", "FindChampion", "Evaluate"],
    });
    assert.deepEqual(steps(modelMonitorOf("staging")), {
      top,
      gated: ["Preprocess", "DriftBaseline", "DataQualityBaseline", "Train", "FindChampion", "Evaluate"],
    });
  });

  it("the drift check uses monitoring.driftBaselineUri when set, and monitoring is left out with capture and monitoring off", async () => {
    const [model] = stackModels("staging");
    const given = "s3://team-baselines/diagnosis/drift_baseline.json";
    const models = [
      { ...model, monitoring: { ...model.monitoring, driftBaselineUri: given } },
      {
        ...model,
        name: "unmonitored",
        // The diagnosis model under another name: built from the same data, against its schema.
        pipeline: { ...(model.pipeline as object), schemaFile: "ml/schemas/diagnosis.json" },
        // Pinned to a version of the seeded registry, so that it has an endpoint to leave unmonitored.
        endpoint: {
          ...model.endpoint,
          modelPackage: packageArn("mlops-staging-diagnosis", 1),
          dataCapture: { enabled: false },
        },
        monitoring: { enabled: false },
      },
    ];
    const { recorded, program } = await runProgram<Outputs>("staging", {
      ...stackFileConfig("staging"),
      "mlops:models": JSON.stringify(models),
    });
    const definition = JSON.parse(
      named(recorded, "mlops-staging-diagnosis-drift", "aws:sagemaker/pipeline:Pipeline").inputs
        .pipelineDefinition as string,
    ) as PipelineDefinition;
    const job = ((definition.Steps[1] as ConditionStep).Arguments.IfSteps[0] as ProcessingStep)
      .Arguments as unknown as CheckJob;
    assert.equal(job.ProcessingInputs.find((input) => input.InputName === "baseline")?.S3Input.S3Uri, given);
    const diagnosis = program.models.diagnosis;
    const monitoring = diagnosis.endpoint?.monitoring ?? assert.fail("monitored");
    assert.deepEqual(await valueOf(pulumi.output(monitoring)), {
      engine: "drift-check",
      scheduleName: "mlops-staging-diagnosis-drift",
      reportUri: `s3://${await valueOf(diagnosis.dataBucket)}/monitoring/mlops-staging-diagnosis-drift`,
      pipelineName: "mlops-staging-diagnosis-drift",
      baselineUri: given,
    });

    // The unmonitored model's endpoint is deployed, without a monitor of either engine.
    assert.deepEqual(
      ofType(recorded, "mlops:sagemaker:ModelEndpoint").map((r) => r.name),
      ["mlops-staging-diagnosis", "mlops-staging-unmonitored"],
    );
    assert.deepEqual(
      recorded
        .filter((r) => r.type === "mlops:sagemaker:DriftCheck" || MODEL_MONITOR_TYPES.includes(r.type))
        .map((r) => r.name),
      ["mlops-staging-diagnosis-drift"],
    );
    assert.equal(program.models.unmonitored.endpoint?.monitoring, null);
  });

  it("creates nothing when a monitored version lacks its engine's baseline, and says how to give it one", async () => {
    // Versions registered before the drift baseline: one with Model Monitor's only, one with none.
    const client = testClient(registry?.moto.endpoint ?? assert.fail("moto is running"));
    const register = async (group: string, driftCheckBaselines?: object) => {
      await client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
      await client.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: group,
          ModelApprovalStatus: ModelApprovalStatus.APPROVED,
          InferenceSpecification: {
            Containers: [{ Image: XGBOOST, ModelDataUrl: `s3://${group}-artifacts/model.tar.gz` }],
            SupportedContentTypes: ["text/csv"],
            SupportedResponseMIMETypes: ["text/csv"],
          },
          ...(driftCheckBaselines ? { DriftCheckBaselines: driftCheckBaselines } : {}),
        }),
      );
    };
    await register("legacy-diagnosis", {
      ModelDataQuality: {
        Statistics: {
          ContentType: "application/json",
          S3Uri: baselineUri("legacy-diagnosis", 1, "statistics"),
        },
        Constraints: {
          ContentType: "application/json",
          S3Uri: baselineUri("legacy-diagnosis", 1, "constraints"),
        },
      },
    });
    await register("legacy-triage");
    client.destroy();
    const [model] = stackModels("staging");
    const models = [
      model,
      { ...model, name: "triage", monitoring: { ...model.monitoring, engine: "model-monitor" } },
    ];
    const recorded = recordResources("staging");
    pulumi.runtime.setAllConfig({
      ...stackFileConfig("staging"),
      "mlops:namePrefix": JSON.stringify("legacy"),
      "mlops:models": JSON.stringify(models),
    });
    await assert.rejects(loadProgram<Outputs>()(), (error: unknown) => {
      assert.ok(error instanceof ModelPackageLookupError);
      assert.equal(
        error.message,
        [
          "Monitoring needs the baseline of each monitored model's engine, and these served versions have none:",
          `  - models[0] "diagnosis" (drift-check): model package ${packageArn("legacy-diagnosis", 1)} was ` +
            "registered without a drift baseline (ModelMetrics ModelDataQuality Statistics of content type " +
            "application/vnd.mlops.drift-baseline+json)",
          `  - models[1] "triage" (model-monitor): model package ${packageArn("legacy-triage", 1)} was ` +
            "registered without a Model Monitor data-quality baseline (DriftCheckBaselines or ModelMetrics " +
            "ModelDataQuality)",
          "drift-check: run the model's pipeline again and approve the new version (its DriftBaseline step " +
            "registers one), or set models[].monitoring.driftBaselineUri to the S3 URI of a drift_baseline.json.",
          "model-monitor: run the model's pipeline again with pipeline.modelMonitorBaseline on and approve the new " +
            "version (its DataQualityBaseline step registers one), or set models[].monitoring.baseline to the S3 " +
            "URIs of statistics.json and constraints.json.",
          "Or set models[].monitoring.enabled: false.",
        ].join("\n"),
      );
      return true;
    });
    await settle(recorded);
    assert.deepEqual(recorded, []);
  });

  it("first deploy of a model: no approved version yet, so no endpoint, a warning, and everything else", async () => {
    const { recorded, program, warnings } = await runProgram<Outputs>("staging", {
      ...stackFileConfig("staging"),
      "mlops:namePrefix": JSON.stringify("fresh"),
    });
    assert.deepEqual(ofType(recorded, "mlops:sagemaker:ModelEndpoint"), []);
    assert.deepEqual(ofType(recorded, ENDPOINT), []);
    assert.equal(ofType(recorded, "aws:sagemaker/pipeline:Pipeline").length, 1);
    // The model's alert topic and the stack's delivery topic.
    assert.equal(ofType(recorded, "aws:sns/topic:Topic").length, 2);
    assert.equal(program.models.diagnosis.endpoint, null);
    assert.deepEqual(warnings, [
      'warning: [runtime] Model "diagnosis": model package group "fresh-diagnosis" has no approved version yet, ' +
        'so endpoint "fresh-diagnosis" is not deployed. Run pipeline "fresh-diagnosis", approve the version you ' +
        "want in the model registry, then run `pulumi up` again.",
      // It scores with the version the endpoint serves.
      'warning: [runtime] Model "diagnosis": batch inference is not deployed either: it scores with the ' +
        "version the endpoint serves",
    ]);
  });

  it("creates nothing when the model registry cannot be reached, and says why", async () => {
    const saved = process.env.AWS_ENDPOINT_URL_SAGEMAKER;
    process.env.AWS_ENDPOINT_URL_SAGEMAKER = `http://127.0.0.1:${await freePort()}`;
    try {
      const recorded = recordResources("staging");
      pulumi.runtime.setAllConfig(stackFileConfig("staging"));
      await assert.rejects(loadProgram<Outputs>()(), (error: unknown) => {
        assert.ok(error instanceof ModelPackageLookupError);
        assert.match(error.message, /"mlops-staging-diagnosis"/);
        assert.match(error.message, /models\[0\]\.endpoint\.modelPackage/);
        assert.match(error.message, /could not reach/i);
        return true;
      });
      await settle(recorded);
      assert.deepEqual(recorded, []);
    } finally {
      process.env.AWS_ENDPOINT_URL_SAGEMAKER = saved;
    }
  });

  it("deploys exactly the package a deploy expects (MLOPS_EXPECTED_MODEL_PACKAGES), or creates nothing", async () => {
    const saved = process.env.MLOPS_EXPECTED_MODEL_PACKAGES;
    try {
      // The seeded staging registry's newest approved version is 1 (version 2 is pending).
      process.env.MLOPS_EXPECTED_MODEL_PACKAGES = JSON.stringify({
        diagnosis: packageArn("mlops-staging-diagnosis", 1),
      });
      const { recorded } = await runStack("staging");
      assert.equal(
        named(recorded, "mlops-staging-diagnosis-primary").inputs.primaryContainer &&
          (
            named(recorded, "mlops-staging-diagnosis-primary").inputs.primaryContainer as Record<
              string,
              string
            >
          ).modelPackageName,
        packageArn("mlops-staging-diagnosis", 1),
      );
      process.env.MLOPS_EXPECTED_MODEL_PACKAGES = JSON.stringify({
        diagnosis: packageArn("mlops-staging-diagnosis", 2),
      });
      const refused = recordResources("staging");
      pulumi.runtime.setAllConfig(stackFileConfig("staging"));
      await assert.rejects(loadProgram<Outputs>()(), (error: unknown) => {
        assert.ok(error instanceof ModelPackageLookupError);
        assert.match(
          error.message,
          new RegExp(
            `^This deploy must serve the model packages in MLOPS_EXPECTED_MODEL_PACKAGES, and nothing was changed:\n` +
              `  - diagnosis: expected ${packageArn("mlops-staging-diagnosis", 2)}, but models\\[0\\]\\.endpoint\\.modelPackage ` +
              `"latest-approved" resolves to ${packageArn("mlops-staging-diagnosis", 1)}\n`,
          ),
        );
        return true;
      });
      await settle(refused);
      assert.deepEqual(refused, []);
    } finally {
      if (saved === undefined) delete process.env.MLOPS_EXPECTED_MODEL_PACKAGES;
      else process.env.MLOPS_EXPECTED_MODEL_PACKAGES = saved;
    }
  });

  it("uses an existing key instead of creating one when encryption.kmsKeyArn is set", async () => {
    const existing = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
    const config = {
      ...stackFileConfig("staging"),
      "mlops:encryption": JSON.stringify({ kmsKeyArn: existing }),
    };
    const { recorded } = await runProgram<Outputs>("staging", config);
    assert.deepEqual(ofType(recorded, "aws:kms/key:Key"), []);
    const rules = named(recorded, "mlops-staging-diagnosis-data-encryption").inputs.rules as unknown[];
    assert.deepEqual(rules, [
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: existing },
        bucketKeyEnabled: true,
      },
    ]);
  });

  it("scales to many models with one key and no shared or colliding resources", async () => {
    // Each built from the sample data, against its schema.
    const models = Array.from({ length: 12 }, (_, i) => ({
      name: `model-${i}`,
      pipeline: { schemaFile: "ml/schemas/diagnosis.json" },
    }));
    const { recorded, warnings } = await runProgram<Outputs>("staging", {
      ...stackFileConfig("staging"),
      "mlops:models": JSON.stringify(models),
    });
    assert.equal(ofType(recorded, "aws:sagemaker/pipeline:Pipeline").length, 12);
    // Two per model, and the stack's access-log bucket, which all 24 log to.
    assert.equal(ofType(recorded, "aws:s3/bucket:Bucket").length, 25);
    assert.equal(ofType(recorded, "aws:s3/bucketLogging:BucketLogging").length, 24);
    assert.equal(ofType(recorded, "aws:kms/key:Key").length, 1);
    const urns = recorded.map((r) => r.urn);
    assert.equal(new Set(urns).size, urns.length, "every URN is unique");
    const groups = ofType(recorded, "aws:sagemaker/modelPackageGroup:ModelPackageGroup").map(
      (r) => r.inputs.modelPackageGroupName,
    );
    assert.deepEqual(
      groups,
      models.map((m) => `mlops-staging-${m.name}`),
    );
    // None of the new registries has an approved version yet: one warning each, no endpoints.
    assert.equal(warnings.length, 12);
    // One per model, and the stack's delivery topic.
    assert.equal(ofType(recorded, "aws:sns/topic:Topic").length, 13);
    assert.deepEqual(ofType(recorded, "aws:sagemaker/endpoint:Endpoint"), []);
  });

  it("creates nothing when the config is invalid, and reports every problem at once", async () => {
    const config = {
      ...stackFileConfig("staging"),
      "mlops:environment": "QA",
      "mlops:models": JSON.stringify([
        { name: "a", endpoint: { instanceType: "ml.m5.huge" } },
        // The drift check's rules too: Model Monitor's baseline key, runs that would not tile the day.
        {
          name: "a",
          monitoring: {
            baseline: GIVEN_BASELINE,
            scheduleExpression: "cron(0 */5 ? * * *)",
          },
        },
      ]),
    };
    const recorded = recordResources("staging");
    pulumi.runtime.setAllConfig(config);
    await assert.rejects(loadProgram<Outputs>()(), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(
        error.problems.map((p) => p.path),
        [
          "environment",
          "models[0].endpoint.instanceType",
          "models[1].monitoring.baseline",
          "models[1].monitoring.scheduleExpression",
          "models[1].name",
        ],
      );
      return true;
    });
    await settle(recorded);
    assert.deepEqual(recorded, []);
  });
});
