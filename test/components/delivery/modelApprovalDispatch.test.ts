import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import type { RegisterResourceRequest, RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import {
  ModelApprovalDispatch,
  ModelApprovalDispatchArgs,
  validateArgs,
  withDefaults,
} from "../../../components/delivery/modelApprovalDispatch";
import { clearWaivedFindings } from "../../../policies/lib/rule";
import { isTaggable } from "../../../policies/lib/taggableTypes";
import { named, ofType, recordResources, RecordedResource, settle, valueOf } from "../../helpers/mocks";
import { checkResource, checkStack, fromRecorded, policyResources } from "../../helpers/policyArgs";
import { RECOMMENDED_CONFIG } from "../../helpers/recommendedConfig";
import { TEST_ACCOUNT, TEST_BOUNDARY_ARN } from "../../helpers/account";
import { assertFootprint } from "../../helpers/footprint";

const NAME = "mlops-prod-dispatch";
const KEY = "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666";
const TOPIC = "arn:aws:sns:us-east-1:123456789012:mlops-prod-alerts";
const TAGS = { Environment: "prod", Project: "mlops-platform", Owner: "ml@example.com", CostCenter: "ML-1" };
const REPOSITORY = "acme-ml/mlops-platform";
const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${NAME}-dlq`;
const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${NAME}-dlq`;
const ruleArn = (model: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${NAME}-${model}`;

const CONNECTION = "aws:cloudwatch/eventConnection:EventConnection";
const DESTINATION = "aws:cloudwatch/eventApiDestination:EventApiDestination";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const QUEUE = "aws:sqs/queue:Queue";
const QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

function prodArgs(overrides: Partial<ModelApprovalDispatchArgs> = {}): ModelApprovalDispatchArgs {
  return {
    account: TEST_ACCOUNT,
    repository: REPOSITORY,
    stack: "prod",
    models: [
      { name: "diagnosis", modelPackageGroupName: "mlops-prod-diagnosis" },
      { name: "churn", modelPackageGroupName: "mlops-prod-churn" },
    ],
    alertTopicArn: TOPIC,
    kmsKeyArn: KEY,
    permissionsBoundaryArn: TEST_BOUNDARY_ARN,
    tags: TAGS,
    ...overrides,
  };
}

/** The mock runtime's monitor, whose answers and requests the recording below extends. */
interface MockMonitor {
  readonly mocks: pulumi.runtime.Mocks;
  registerResource(
    request: RegisterResourceRequest,
    callback: (error: Error | null, response?: RegisterResourceResponse) => void,
  ): void;
}

interface Recording {
  readonly recorded: RecordedResource[];
  /** `ignoreChanges` of each resource by name, as the program asked the engine. */
  readonly ignoreChanges: Map<string, string[]>;
}

function record(): Recording {
  const recorded = recordResources();
  const ignoreChanges = new Map<string, string[]>();
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    ignoreChanges.set(request.getName(), request.getIgnorechangesList());
    register(request, callback);
  };
  return { recorded, ignoreChanges };
}

async function build(args: ModelApprovalDispatchArgs, name = NAME) {
  const recording = record();
  const dispatch = new ModelApprovalDispatch(name, args);
  await settle(recording.recorded);
  return { ...recording, dispatch };
}

const inputsOf = (recorded: RecordedResource[], name: string, type: string) =>
  named(recorded, name, type).inputs;
const outputOf = (recorded: RecordedResource[], name: string, type: string, key: string) =>
  named(recorded, name, type).outputs[key] as string;

/** A "SageMaker Model Package State Change" event as EventBridge delivers it for an approval. */
function approvalEvent(group: string, version: number, status = "Approved") {
  return {
    version: "0",
    id: "c1f8a2d4-5b6e-4f70-8a9b-1c2d3e4f5a6b",
    "detail-type": "SageMaker Model Package State Change",
    source: "aws.sagemaker",
    account: ACCOUNT,
    time: "2026-03-02T09:41:07Z",
    region: REGION,
    resources: [`arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${group}/${version}`],
    detail: {
      ModelPackageGroupName: group,
      ModelPackageVersion: version,
      ModelPackageArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${group}/${version}`,
      ModelPackageDescription: 'Accuracy 0.97 on "test" <holdout>',
      CreationTime: 1772440867000,
      ModelPackageStatus: "Completed",
      ModelApprovalStatus: status,
      ApprovalDescription: "Reviewed by the ML lead",
    },
  };
}

/** EventBridge's matching for patterns of exact values: every listed field must hold one of the values. */
function matches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, wanted]) =>
    Array.isArray(wanted)
      ? wanted.includes(event[key])
      : typeof event[key] === "object" &&
        matches(wanted as Record<string, unknown>, event[key] as Record<string, unknown>),
  );
}

/** The input transformer as EventBridge runs it: each `<name>` becomes its path's value as JSON. */
function render(
  transformer: { inputPaths: Record<string, string>; inputTemplate: string },
  event: object,
): string {
  let body = transformer.inputTemplate;
  for (const [key, jsonPath] of Object.entries(transformer.inputPaths)) {
    const value = jsonPath
      .slice(2)
      .split(".")
      .reduce<unknown>((node, field) => (node as Record<string, unknown>)[field], event);
    body = body.split(`<${key}>`).join(JSON.stringify(value));
  }
  return body;
}

type Transformer = { inputPaths: Record<string, string>; inputTemplate: string };

describe("ModelApprovalDispatch", () => {
  let recorded: RecordedResource[];
  let ignoreChanges: Map<string, string[]>;
  let dispatch: ModelApprovalDispatch;
  before(async () => {
    ({ recorded, ignoreChanges, dispatch } = await build(prodArgs()));
  });

  it("creates exactly the connection, API destination, rules, targets, role, queue and alarms, all children of the component", () => {
    const component = named(recorded, NAME);
    assert.equal(component.type, "mlops:delivery:ModelApprovalDispatch");
    const children = recorded.filter((r) => r.parent === component.urn).map((r) => `${r.type} ${r.name}`);
    assert.deepEqual(
      children.sort(),
      [
        `${CONNECTION} ${NAME}-github`,
        `${DESTINATION} ${NAME}-dispatches`,
        `${ALARM} ${NAME}-churn-failed-deliveries`,
        `${ALARM} ${NAME}-diagnosis-failed-deliveries`,
        `${ALARM} ${NAME}-dlq-not-empty`,
        `${RULE} ${NAME}-churn`,
        `${RULE} ${NAME}-diagnosis`,
        `${TARGET} ${NAME}-churn-dispatch`,
        `${TARGET} ${NAME}-diagnosis-dispatch`,
        `${ROLE} ${NAME}-role`,
        `${ROLE_POLICY} ${NAME}-role-policy`,
        `${QUEUE} ${NAME}-dlq`,
        `${QUEUE_POLICY} ${NAME}-dlq-policy`,
      ].sort(),
    );
    assert.equal(recorded.length, children.length + 1, "nothing outside the component");
  });

  it("tags every taggable resource, and only those are the role, rules, queue and alarms", () => {
    const taggable = recorded.filter((r) => r.custom && isTaggable(r.type));
    assert.deepEqual(
      taggable.map((r) => r.type).sort(),
      [ALARM, ALARM, ALARM, RULE, RULE, ROLE, QUEUE].sort(),
    );
    for (const resource of taggable) assert.deepEqual(resource.inputs.tags, TAGS, resource.name);
  });

  it("keeps the token in an API-key connection encrypted with the stack key, which pulumi up never overwrites", () => {
    const connection = inputsOf(recorded, `${NAME}-github`, CONNECTION);
    assert.deepEqual(connection, {
      name: `${NAME}-github`,
      description: `GitHub token of ${NAME}; set it with aws events update-connection`,
      authorizationType: "API_KEY",
      authParameters: {
        apiKey: { key: "Authorization", value: "Bearer token-not-set-run-aws-events-update-connection" },
      },
      kmsKeyIdentifier: KEY,
    });
    // EventBridge refuses ":" in an API key value.
    assert.ok(!(connection.authParameters as { apiKey: { value: string } }).apiKey.value.includes(":"));
    assert.deepEqual(ignoreChanges.get(`${NAME}-github`), ["authParameters.apiKey.value"]);
    for (const [resource, ignored] of ignoreChanges) {
      if (resource !== `${NAME}-github`) assert.deepEqual(ignored, [], resource);
    }
  });

  it("posts to the repository's dispatches endpoint through the connection, once a second", () => {
    assert.deepEqual(inputsOf(recorded, `${NAME}-dispatches`, DESTINATION), {
      name: `${NAME}-dispatches`,
      description: `repository_dispatch events of ${REPOSITORY}`,
      connectionArn: outputOf(recorded, `${NAME}-github`, CONNECTION, "arn"),
      httpMethod: "POST",
      invocationEndpoint: "https://api.github.com/repos/acme-ml/mlops-platform/dispatches",
      invocationRateLimitPerSecond: 1,
    });
  });

  it("matches, per model, the approvals of that model's package group and nothing else", () => {
    for (const [model, group] of [
      ["diagnosis", "mlops-prod-diagnosis"],
      ["churn", "mlops-prod-churn"],
    ]) {
      const rule = inputsOf(recorded, `${NAME}-${model}`, RULE);
      assert.equal(rule.name, `${NAME}-${model}`);
      const pattern = JSON.parse(rule.eventPattern as string) as Record<string, unknown>;
      assert.deepEqual(pattern, {
        source: ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        detail: { ModelPackageGroupName: [group], ModelApprovalStatus: ["Approved"] },
      });
      assert.ok(matches(pattern, approvalEvent(group, 3)), model);
      assert.ok(!matches(pattern, approvalEvent(group, 3, "PendingManualApproval")), model);
      assert.ok(!matches(pattern, approvalEvent(group, 3, "Rejected")), model);
      assert.ok(!matches(pattern, approvalEvent(`${group}-other`, 3)), model);
      assert.match(
        rule.description as string,
        new RegExp(`group ${group} dispatch a deploy of ${model} to ${REPOSITORY}`),
      );
    }
  });

  it("sends each approval as a repository_dispatch whose body is exactly the payload, valid JSON for a real event", () => {
    const target = inputsOf(recorded, `${NAME}-diagnosis-dispatch`, TARGET);
    const transformer = target.inputTransformer as Transformer;
    assert.deepEqual(transformer.inputPaths, {
      modelPackageArn: "$.detail.ModelPackageArn",
      modelPackageGroupName: "$.detail.ModelPackageGroupName",
      modelPackageVersion: "$.detail.ModelPackageVersion",
    });
    assert.equal(
      transformer.inputTemplate,
      '{"event_type":"model-approved","client_payload":{"stack":"prod","model":"diagnosis",' +
        '"modelPackageArn":<modelPackageArn>,"modelPackageGroupName":<modelPackageGroupName>,' +
        '"modelPackageVersion":<modelPackageVersion>}}',
    );
    assert.deepEqual(JSON.parse(render(transformer, approvalEvent("mlops-prod-diagnosis", 3))), {
      event_type: "model-approved",
      client_payload: {
        stack: "prod",
        model: "diagnosis",
        modelPackageArn: "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-prod-diagnosis/3",
        modelPackageGroupName: "mlops-prod-diagnosis",
        modelPackageVersion: 3,
      },
    });
    const churn = inputsOf(recorded, `${NAME}-churn-dispatch`, TARGET).inputTransformer as Transformer;
    const churnBody = JSON.parse(render(churn, approvalEvent("mlops-prod-churn", 12)));
    assert.deepEqual(churnBody.client_payload, {
      stack: "prod",
      model: "churn",
      modelPackageArn: "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-prod-churn/12",
      modelPackageGroupName: "mlops-prod-churn",
      modelPackageVersion: 12,
    });
  });

  it("calls the API destination as the role, with GitHub's headers, retries for a day, then the dead-letter queue", () => {
    for (const model of ["diagnosis", "churn"]) {
      const target = named(recorded, `${NAME}-${model}-dispatch`, TARGET);
      const { inputTransformer, ...rest } = target.inputs;
      assert.ok(inputTransformer);
      assert.deepEqual(rest, {
        rule: outputOf(recorded, `${NAME}-${model}`, RULE, "name"),
        targetId: "github-dispatch",
        arn: outputOf(recorded, `${NAME}-dispatches`, DESTINATION, "arn"),
        roleArn: outputOf(recorded, `${NAME}-role`, ROLE, "arn"),
        httpTarget: {
          headerParameters: { Accept: "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28" },
        },
        retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86400 },
        deadLetterConfig: { arn: QUEUE_ARN },
      });
      // The role may invoke, and the queue accept failures, before the first approval arrives.
      assert.ok(target.dependencies.includes(named(recorded, `${NAME}-role-policy`, ROLE_POLICY).urn), model);
      assert.ok(target.dependencies.includes(named(recorded, `${NAME}-dlq-policy`, QUEUE_POLICY).urn), model);
    }
  });

  it("lets EventBridge assume the role for these rules only, to invoke this API destination only", () => {
    const role = inputsOf(recorded, `${NAME}-role`, ROLE);
    assert.deepEqual(JSON.parse(role.assumeRolePolicy as string), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DispatchRulesAssumeRole",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnEquals: { "aws:SourceArn": [ruleArn("diagnosis"), ruleArn("churn")] },
          },
        },
      ],
    });
    const policy = inputsOf(recorded, `${NAME}-role-policy`, ROLE_POLICY);
    assert.equal(policy.role, outputOf(recorded, `${NAME}-role`, ROLE, "name"));
    assert.deepEqual(JSON.parse(policy.policy as string), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "InvokeGithubDispatchDestination",
          Effect: "Allow",
          Action: "events:InvokeApiDestination",
          Resource: outputOf(recorded, `${NAME}-dispatches`, DESTINATION, "arn"),
        },
      ],
    });
  });

  it("keeps failed deliveries 14 days in a queue encrypted with the stack key, written only by these rules", () => {
    assert.deepEqual(inputsOf(recorded, `${NAME}-dlq`, QUEUE), {
      name: `${NAME}-dlq`,
      kmsMasterKeyId: KEY,
      messageRetentionSeconds: 14 * 86400,
      tags: TAGS,
    });
    const queuePolicy = inputsOf(recorded, `${NAME}-dlq-policy`, QUEUE_POLICY);
    assert.equal(queuePolicy.queueUrl, QUEUE_URL);
    const statements = JSON.parse(queuePolicy.policy as string).Statement as Record<string, unknown>[];
    assert.deepEqual(statements[0], {
      Sid: "DispatchRulesSendFailedDeliveries",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: QUEUE_ARN,
      Condition: {
        StringEquals: { "aws:SourceAccount": ACCOUNT },
        ArnEquals: { "aws:SourceArn": [ruleArn("diagnosis"), ruleArn("churn")] },
      },
    });
    assert.deepEqual(
      statements.map((s) => `${s.Sid} ${s.Effect}`),
      ["DispatchRulesSendFailedDeliveries Allow", "DenyMessagesWithoutTls Deny"],
    );
  });

  it("alarms to the topic when the queue holds anything, and back when it is emptied", () => {
    const { alarmDescription, ...alarm } = inputsOf(recorded, `${NAME}-dlq-not-empty`, ALARM);
    assert.deepEqual(alarm, {
      name: `${NAME}-dlq-not-empty`,
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
      tags: TAGS,
    });
    const description = alarmDescription as string;
    assert.match(
      description,
      new RegExp(
        `SQS queue ${NAME}-dlq holds model approvals that never reached GitHub repository ${REPOSITORY}`,
      ),
    );
    assert.match(
      description,
      new RegExp(`401, the token in EventBridge connection ${NAME}-github is not set`),
    );
    assert.ok(description.length <= 1024, "CloudWatch's limit");
    assert.ok(
      named(recorded, `${NAME}-dlq-not-empty`, ALARM).dependencies.includes(
        named(recorded, `${NAME}-dlq`, QUEUE).urn,
      ),
    );
  });

  it("alarms on each rule's failed invocations, naming the model and what to do", () => {
    for (const model of ["diagnosis", "churn"]) {
      const { alarmDescription, ...alarm } = inputsOf(recorded, `${NAME}-${model}-failed-deliveries`, ALARM);
      assert.deepEqual(alarm, {
        name: `${NAME}-${model}-failed-deliveries`,
        namespace: "AWS/Events",
        metricName: "FailedInvocations",
        dimensions: { RuleName: `${NAME}-${model}` },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        treatMissingData: "notBreaching",
        alarmActions: [TOPIC],
        tags: TAGS,
      });
      const description = alarmDescription as string;
      assert.match(
        description,
        new RegExp(`An approval of model ${model} was not delivered to GitHub repository ${REPOSITORY}`),
      );
      assert.match(description, /send the dispatch again by hand, then delete the message\.$/);
      assert.ok(description.length <= 1024, "CloudWatch's limit");
    }
  });

  it("exports the connection, its secret, the destination, rules, role, queue and alarms", async () => {
    const uuid = "[0-9a-f]{7}-0000-4000-8000-000000000000";
    assert.equal(
      await valueOf(dispatch.connectionArn),
      outputOf(recorded, `${NAME}-github`, CONNECTION, "arn"),
    );
    assert.match(
      await valueOf(dispatch.connectionArn),
      new RegExp(`^arn:aws:events:${REGION}:${ACCOUNT}:connection/${NAME}-github/${uuid}$`),
    );
    assert.equal(await valueOf(dispatch.connectionName), `${NAME}-github`);
    assert.equal(
      await valueOf(dispatch.connectionSecretArn),
      outputOf(recorded, `${NAME}-github`, CONNECTION, "secretArn"),
    );
    assert.match(
      await valueOf(dispatch.connectionSecretArn),
      new RegExp(
        `^arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:events!connection/${NAME}-github/${uuid}-[0-9a-f]{6}$`,
      ),
    );
    assert.equal(
      await valueOf(dispatch.apiDestinationArn),
      outputOf(recorded, `${NAME}-dispatches`, DESTINATION, "arn"),
    );
    assert.match(
      await valueOf(dispatch.apiDestinationArn),
      new RegExp(`^arn:aws:events:${REGION}:${ACCOUNT}:api-destination/${NAME}-dispatches/${uuid}$`),
    );
    assert.deepEqual(await valueOf(dispatch.ruleNames), [`${NAME}-diagnosis`, `${NAME}-churn`]);
    assert.equal(await valueOf(dispatch.roleArn), outputOf(recorded, `${NAME}-role`, ROLE, "arn"));
    assert.equal(await valueOf(dispatch.deadLetterQueueUrl), QUEUE_URL);
    assert.equal(await valueOf(dispatch.deadLetterQueueArn), QUEUE_ARN);
    assert.deepEqual(await valueOf(dispatch.alarmNames), [
      `${NAME}-dlq-not-empty`,
      `${NAME}-diagnosis-failed-deliveries`,
      `${NAME}-churn-failed-deliveries`,
    ]);
  });

  it("passes every rule of the policy pack with prod's pack config", async () => {
    clearWaivedFindings();
    const rules = readdirSync(path.resolve(__dirname, "../../../policies/rules"))
      .filter((file) => file.endsWith(".ts"))
      .flatMap((file) =>
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        Object.values(require(`../../../policies/rules/${file}`) as Record<string, unknown>).filter(
          (value): value is ResourceValidationPolicy | StackValidationPolicy =>
            typeof value === "object" &&
            value !== null &&
            ("validateResource" in value || "validateStack" in value),
        ),
      );
    assert.ok(rules.length >= 14, "every rule of the pack was loaded");
    const resources = fromRecorded(recorded);
    const findings: string[] = [];
    for (const rule of rules) {
      const config = RECOMMENDED_CONFIG.prod[rule.name];
      const outcomes =
        "validateStack" in rule
          ? [await checkStack(rule, policyResources(resources), { config })]
          : await Promise.all(
              resources.map((r) =>
                checkResource(rule, r.type, r.props, { name: r.name, urn: r.urn, config }),
              ),
            );
      for (const outcome of outcomes) findings.push(...outcome.violations, ...outcome.unknown);
    }
    assert.deepEqual(findings, []);
  });

  it("applies the given event type, retry window, rate, retention and no tags", async () => {
    const { recorded: custom } = await build(
      prodArgs({
        eventType: 'deploy "<modelPackageArn>" \\ now',
        models: [{ name: "diagnosis", modelPackageGroupName: pulumi.output("mlops-staging-diagnosis") }],
        stack: "staging",
        maximumRetryAttempts: 0,
        maximumEventAgeSeconds: 60,
        invocationRateLimitPerSecond: 300,
        deadLetterRetentionDays: 1,
        tags: undefined,
      }),
    );
    const target = inputsOf(custom, `${NAME}-diagnosis-dispatch`, TARGET);
    assert.deepEqual(target.retryPolicy, { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 });
    // Quotes, backslashes and "<...>" in the event type stay text: the body is still the payload.
    const body = JSON.parse(
      render(target.inputTransformer as Transformer, approvalEvent("mlops-staging-diagnosis", 1)),
    );
    assert.equal(body.event_type, 'deploy "<modelPackageArn>" \\ now');
    assert.equal(body.client_payload.stack, "staging");
    assert.equal(inputsOf(custom, `${NAME}-dispatches`, DESTINATION).invocationRateLimitPerSecond, 300);
    assert.equal(inputsOf(custom, `${NAME}-dlq`, QUEUE).messageRetentionSeconds, 86400);
    assert.deepEqual(JSON.parse(inputsOf(custom, `${NAME}-diagnosis`, RULE).eventPattern as string).detail, {
      ModelPackageGroupName: ["mlops-staging-diagnosis"],
      ModelApprovalStatus: ["Approved"],
    });
    for (const resource of custom.filter((r) => r.custom && isTaggable(r.type))) {
      assert.deepEqual(resource.inputs.tags ?? {}, {}, resource.name);
    }
    assert.equal(ofType(custom, ALARM).length, 2);
  });

  it("refuses a bad request with every problem, before registering anything", () => {
    const recorded = recordResources();
    const long = "m".repeat(60);
    assert.throws(
      () =>
        new ModelApprovalDispatch(
          "mlops prod",
          prodArgs({
            repository: "-acme/mlops platform",
            eventType: "e".repeat(101),
            stack: "prod/eu",
            models: [
              { name: "diagnosis", modelPackageGroupName: "mlops_prod_diagnosis" },
              { name: "diagnosis", modelPackageGroupName: "mlops-prod-diagnosis" },
              { name: "churn rate", modelPackageGroupName: pulumi.output("not validated: known later") },
              { name: long, modelPackageGroupName: "mlops-prod-long" },
            ],
            maximumRetryAttempts: 186,
            maximumEventAgeSeconds: 59,
            invocationRateLimitPerSecond: 0.5,
            deadLetterRetentionDays: 15,
          }),
        ),
      {
        message:
          'ModelApprovalDispatch mlops prod: name "mlops prod" must be 1-53 letters, digits, hyphens and underscores; ' +
          'repository "-acme/mlops platform" must be "owner/name" as GitHub allows them (owner: 1-39 letters, digits, ' +
          'hyphens and underscores, starting and ending with a letter or digit; name: 1-100 letters, digits, ".", "-" and "_"); ' +
          `eventType "${"e".repeat(101)}" must be 1-100 characters (GitHub's limit for event_type); ` +
          'stack "prod/eu" must be a Pulumi stack name (1-100 letters, digits, "-", "_", "."); ' +
          'model "diagnosis" modelPackageGroupName "mlops_prod_diagnosis" is not a SageMaker model package group name (1-63 letters, digits and hyphens); ' +
          'model name "churn rate" must be letters, digits, "-", "_" and "." with rule name "mlops prod-churn rate" at most 64 characters; ' +
          `model name "${long}" must be letters, digits, "-", "_" and "." with rule name "mlops prod-${long}" at most 64 characters; ` +
          "model names must be unique (repeated: diagnosis); " +
          "maximumRetryAttempts 186 must be a whole number from 0 to 185; " +
          "maximumEventAgeSeconds 59 must be a whole number from 60 to 86400; " +
          "invocationRateLimitPerSecond 0.5 must be a whole number from 1 to 300; " +
          "deadLetterRetentionDays 15 must be a whole number from 1 to 14 (SQS keeps messages 14 days at most).",
      },
    );
    assert.throws(() => new ModelApprovalDispatch(NAME, prodArgs({ models: [], eventType: "" })), {
      message:
        `ModelApprovalDispatch ${NAME}: eventType "" must be 1-100 characters (GitHub's limit for event_type); ` +
        "models must list at least one model.",
    });
    assert.throws(
      () => new ModelApprovalDispatch(NAME, prodArgs({ repository: "acme/.." })),
      /repository "acme\/\.\."/,
    );
    assert.deepEqual(recorded, []);
  });

  it("accepts the limits themselves", () => {
    const edge = prodArgs({
      repository: "a/b",
      eventType: "e".repeat(100),
      models: [{ name: "m".repeat(64 - NAME.length - 1), modelPackageGroupName: "g" }],
      maximumRetryAttempts: 185,
      maximumEventAgeSeconds: 86400,
      invocationRateLimitPerSecond: 1,
      deadLetterRetentionDays: 14,
    });
    assert.deepEqual(validateArgs(NAME, edge, withDefaults(edge)), []);
    const low = prodArgs({
      maximumRetryAttempts: 0,
      maximumEventAgeSeconds: 60,
      invocationRateLimitPerSecond: 300,
      deadLetterRetentionDays: 1,
    });
    assert.deepEqual(validateArgs(NAME, low, withDefaults(low)), []);
  });

  it("gives its role the stack's permissions boundary", () => {
    assert.equal(inputsOf(recorded, `${NAME}-role`, ROLE).permissionsBoundary, TEST_BOUNDARY_ARN);
  });

  it("states its footprint, with the role EventBridge assumes", async () => {
    const { recorded, dispatch } = await build(prodArgs());
    const role = named(recorded, `${NAME}-role`, ROLE).outputs.arn as string;
    await assertFootprint(recorded, dispatch.footprint, [role]);
  });
});
