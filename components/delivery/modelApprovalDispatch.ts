import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { metricAlarmArgs } from "../shared/metricAlarm";
import {
  approvalEventPattern,
  deadLetterAlarm,
  DeliveryAlarm,
  DISPATCH_INPUT_PATHS,
  dispatchEndpoint,
  dispatchInputTemplate,
  dispatchNames,
  failedDeliveryAlarm,
  GITHUB_HEADERS,
  TOKEN_HEADER,
  TOKEN_PLACEHOLDER,
} from "./dispatch";
import { deadLetterQueue } from "../shared/deadLetterQueue";
import { deadLetterQueuePolicy, dispatchTrustPolicy, invokeApiDestinationPolicy } from "./dispatchPolicy";
import type { AccountContext } from "../shared/account";
import { DeployFootprint, EVENTBRIDGE_SERVICE, TYPES } from "../shared/footprint";
import { DEFAULT_DISPATCH_EVENT_TYPE, GITHUB_REPOSITORY_PATTERN } from "./github";

/** A model whose approvals start a deploy. */
export interface ApprovalDispatchModel {
  /** The model's name, sent in the payload; also names its rule and alarm. */
  readonly name: string;
  /** The model package group whose approvals are sent. */
  readonly modelPackageGroupName: pulumi.Input<string>;
}

export interface ModelApprovalDispatchArgs {
  /** Where the stack deploys, looked up once per stack (`lookupAccountContext`). */
  readonly account: AccountContext;
  /** GitHub repository that receives the dispatch, `owner/name`. */
  readonly repository: string;
  /** `event_type` of the dispatch. @default "model-approved" */
  readonly eventType?: string;
  /** Stack name sent in the payload, so the workflow deploys the stack whose registry approved the package. */
  readonly stack: string;
  /** One rule per model: its name (sent in the payload) and its model package group. At least one. */
  readonly models: readonly ApprovalDispatchModel[];
  /** SNS topic that is told when deliveries fail (dead-letter queue not empty, failed invocations). */
  readonly alertTopicArn: pulumi.Input<string>;
  /**
   * Customer managed key for the connection's secret and the dead-letter queue. EventBridge uses
   * it for the secret only if the key carries the tag `EventBridgeApiDestinations=true`, and
   * writes to the queue only if the key policy lets `events.amazonaws.com` use it.
   */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** The permissions boundary the rule's role carries (the stack's: every role carries it). */
  readonly permissionsBoundaryArn: pulumi.Input<string>;
  /**
   * Retries of a delivery GitHub answered with 401, 407, 409, 429 or 5xx (other answers are not
   * retried; a token set after an approval still delivers it within the retries). The
   * event age bounds the retries first: EventBridge backs off exponentially, so a GitHub outage of
   * hours is ridden out instead of sending the approval to the dead-letter queue.
   * @default 185 (EventBridge's maximum)
   */
  readonly maximumRetryAttempts?: number;
  /** Age after which an undelivered event goes to the dead-letter queue. @default 86400 (a day, the maximum) */
  readonly maximumEventAgeSeconds?: number;
  /** Calls per second to GitHub. @default 1 (under GitHub's secondary limit of 80 content-creating calls a minute) */
  readonly invocationRateLimitPerSecond?: number;
  /** Days a failed delivery is kept in the dead-letter queue. @default 14 (the maximum) */
  readonly deadLetterRetentionDays?: number;
  /** Tags for every taggable resource. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

interface ResolvedArgs {
  readonly eventType: string;
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
  readonly invocationRateLimitPerSecond: number;
  readonly deadLetterRetentionDays: number;
  readonly tags: Readonly<Record<string, string>>;
}

/** Applies every default in one place. Pure. */
export function withDefaults(args: ModelApprovalDispatchArgs): ResolvedArgs {
  return {
    eventType: args.eventType ?? DEFAULT_DISPATCH_EVENT_TYPE,
    maximumRetryAttempts: args.maximumRetryAttempts ?? 185,
    maximumEventAgeSeconds: args.maximumEventAgeSeconds ?? 86400,
    invocationRateLimitPerSecond: args.invocationRateLimitPerSecond ?? 1,
    deadLetterRetentionDays: args.deadLetterRetentionDays ?? 14,
    tags: args.tags ?? {},
  };
}

/** Names SQS accepts (the queue is `<name>-dlq`), short enough for `<name>-dispatches` (64). */
const NAME = /^[A-Za-z0-9_-]{1,53}$/;
/** Pulumi stack names. */
const STACK = /^[A-Za-z0-9_.-]{1,100}$/;
/** Characters EventBridge allows in rule names, which carry the model's name. */
const MODEL = /^[A-Za-z0-9_.-]+$/;
const RULE_NAME_MAX = 64;
/** SageMaker's pattern for model package group names. */
const GROUP = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

const wholeIn = (value: number, min: number, max: number) =>
  Number.isInteger(value) && value >= min && value <= max;

/** Every problem with the arguments, so that nothing is created from a half-valid request. */
export function validateArgs(
  name: string,
  args: ModelApprovalDispatchArgs,
  resolved: ResolvedArgs,
): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => ok || problems.push(message);
  check(NAME.test(name), `name "${name}" must be 1-53 letters, digits, hyphens and underscores`);
  check(
    GITHUB_REPOSITORY_PATTERN.test(args.repository),
    `repository "${args.repository}" must be "owner/name" as GitHub allows them (owner: 1-39 letters, digits, ` +
      `hyphens and underscores, starting and ending with a letter or digit; name: 1-100 letters, digits, ".", "-" and "_")`,
  );
  check(
    resolved.eventType.length >= 1 && resolved.eventType.length <= 100,
    `eventType "${resolved.eventType}" must be 1-100 characters (GitHub's limit for event_type)`,
  );
  check(
    STACK.test(args.stack),
    `stack "${args.stack}" must be a Pulumi stack name (1-100 letters, digits, "-", "_", ".")`,
  );
  check(args.models.length > 0, "models must list at least one model");
  for (const model of args.models) {
    const rule = `${name}-${model.name}`;
    check(
      MODEL.test(model.name) && rule.length <= RULE_NAME_MAX,
      `model name "${model.name}" must be letters, digits, "-", "_" and "." with rule name "${rule}" at most ${RULE_NAME_MAX} characters`,
    );
    const group = model.modelPackageGroupName;
    // Groups that come from other resources are known only once those exist.
    if (typeof group === "string") {
      check(
        GROUP.test(group),
        `model "${model.name}" modelPackageGroupName "${group}" is not a SageMaker model package group name (1-63 letters, digits and hyphens)`,
      );
    }
  }
  const names = args.models.map((model) => model.name);
  const repeated = [...new Set(names.filter((model, index) => names.indexOf(model) !== index))];
  check(repeated.length === 0, `model names must be unique (repeated: ${repeated.join(", ")})`);
  check(
    wholeIn(resolved.maximumRetryAttempts, 0, 185),
    `maximumRetryAttempts ${resolved.maximumRetryAttempts} must be a whole number from 0 to 185`,
  );
  check(
    wholeIn(resolved.maximumEventAgeSeconds, 60, 86400),
    `maximumEventAgeSeconds ${resolved.maximumEventAgeSeconds} must be a whole number from 60 to 86400`,
  );
  check(
    wholeIn(resolved.invocationRateLimitPerSecond, 1, 300),
    `invocationRateLimitPerSecond ${resolved.invocationRateLimitPerSecond} must be a whole number from 1 to 300`,
  );
  check(
    wholeIn(resolved.deadLetterRetentionDays, 1, 14),
    `deadLetterRetentionDays ${resolved.deadLetterRetentionDays} must be a whole number from 1 to 14 (SQS keeps messages 14 days at most)`,
  );
  return problems;
}

const SECONDS_PER_DAY = 86400;

/** The connection, destination, dead-letter queue, a rule per model, the role EventBridge acts as, alarms. */
export function modelApprovalDispatchFootprint(roleArn: pulumi.Input<string>): DeployFootprint {
  return {
    types: [
      TYPES.eventConnection,
      TYPES.eventApiDestination,
      TYPES.queue,
      TYPES.queuePolicy,
      TYPES.eventRule,
      TYPES.eventTarget,
      TYPES.role,
      TYPES.rolePolicy,
      TYPES.metricAlarm,
    ],
    passedRoles: [{ service: EVENTBRIDGE_SERVICE, roleArn }],
  };
}

/**
 * Turns a model approval in the registry into a GitHub `repository_dispatch`, with no code to run:
 * per model an EventBridge rule on the group's approvals, whose target calls GitHub through an API
 * destination and a connection holding the token (in a Secrets Manager secret EventBridge manages,
 * encrypted with the stack key). Failed deliveries are retried, then kept in an encrypted
 * dead-letter queue, and alarms tell the alert topic.
 *
 * The connection is created with a placeholder token: a person sets the real one once with
 * `aws events update-connection`, and `pulumi up` leaves it alone afterwards (unless the
 * connection itself is updated or replaced, which a preview shows).
 */
export class ModelApprovalDispatch extends pulumi.ComponentResource {
  /** The resource types it creates and the roles it hands to services, for the deploy role. */
  public readonly footprint: DeployFootprint;
  public readonly connectionArn: pulumi.Output<string>;
  /** Name of the connection, for `aws events update-connection --name`. */
  public readonly connectionName: pulumi.Output<string>;
  /** The Secrets Manager secret EventBridge keeps the token in. */
  public readonly connectionSecretArn: pulumi.Output<string>;
  public readonly apiDestinationArn: pulumi.Output<string>;
  /** The rules, in the order of `models`. */
  public readonly ruleNames: pulumi.Output<string[]>;
  /** The role the targets call the API destination with. */
  public readonly roleArn: pulumi.Output<string>;
  public readonly deadLetterQueueUrl: pulumi.Output<string>;
  public readonly deadLetterQueueArn: pulumi.Output<string>;
  /** The dead-letter queue's alarm, then each rule's, in the order of `models`. */
  public readonly alarmNames: pulumi.Output<string[]>;

  constructor(name: string, args: ModelApprovalDispatchArgs, opts?: pulumi.ComponentResourceOptions) {
    const config = withDefaults(args);
    const problems = validateArgs(name, args, config);
    // Before super(), so that a refused request registers nothing, not even the component.
    if (problems.length > 0) throw new Error(`ModelApprovalDispatch ${name}: ${problems.join("; ")}.`);
    super("mlops:delivery:ModelApprovalDispatch", name, {}, opts);

    const parent = { parent: this };
    const { accountId } = args.account;
    const names = dispatchNames(name);
    const tags = config.tags;

    // The provider sends every auth parameter with any update of a connection, the ignored
    // placeholder included: so the connection holds nothing that changes with the settings (its
    // headers go on the targets), and only a new key or a new name updates it.
    const connection = new aws.cloudwatch.EventConnection(
      names.connection,
      {
        // A fixed name: the one-time token command names it.
        name: names.connection,
        description: `GitHub token of ${name}; set it with aws events update-connection`,
        authorizationType: "API_KEY",
        authParameters: { apiKey: { key: TOKEN_HEADER, value: TOKEN_PLACEHOLDER } },
        kmsKeyIdentifier: args.kmsKeyArn,
      },
      // The real token is set outside Pulumi; the state only ever knows the placeholder.
      { parent: this, ignoreChanges: ["authParameters.apiKey.value"] },
    );
    const apiDestination = new aws.cloudwatch.EventApiDestination(
      names.apiDestination,
      {
        name: names.apiDestination,
        description: `repository_dispatch events of ${args.repository}`,
        connectionArn: connection.arn,
        httpMethod: "POST",
        invocationEndpoint: dispatchEndpoint(args.repository),
        invocationRateLimitPerSecond: config.invocationRateLimitPerSecond,
      },
      parent,
    );

    const queue = deadLetterQueue(
      names.deadLetterQueue,
      {
        kmsKeyArn: args.kmsKeyArn,
        retentionSeconds: config.deadLetterRetentionDays * SECONDS_PER_DAY,
        tags,
      },
      parent,
    );

    const rules = args.models.map(
      (model) =>
        new aws.cloudwatch.EventRule(
          names.rule(model.name),
          {
            // A fixed name: the FailedInvocations alarm's RuleName dimension refers to it.
            name: names.rule(model.name),
            description: pulumi.interpolate`Approvals in model package group ${model.modelPackageGroupName} dispatch a deploy of ${model.name} to ${args.repository}`,
            eventPattern: pulumi
              .output(model.modelPackageGroupName)
              .apply((group) => JSON.stringify(approvalEventPattern(group))),
            tags,
          },
          parent,
        ),
    );
    const ruleArns = pulumi.all(rules.map((rule) => rule.arn));

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `Lets the rules of ${name} call GitHub through its API destination`,
        assumeRolePolicy: pulumi
          .all([accountId, ruleArns])
          .apply(([account, arns]) =>
            JSON.stringify(dispatchTrustPolicy({ accountId: account, ruleArns: arns })),
          ),
        permissionsBoundary: args.permissionsBoundaryArn,
        tags,
      },
      parent,
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-role-policy`,
      {
        role: role.name,
        policy: apiDestination.arn.apply((arn) => JSON.stringify(invokeApiDestinationPolicy(arn))),
      },
      parent,
    );
    const queuePolicy = new aws.sqs.QueuePolicy(
      `${name}-dlq-policy`,
      {
        queueUrl: queue.url,
        policy: pulumi
          .all([accountId, ruleArns, queue.arn])
          .apply(([account, arns, queueArn]) =>
            JSON.stringify(deadLetterQueuePolicy({ accountId: account, ruleArns: arns, queueArn })),
          ),
      },
      parent,
    );

    args.models.forEach((model, index) => {
      new aws.cloudwatch.EventTarget(
        `${names.rule(model.name)}-dispatch`,
        {
          rule: rules[index].name,
          targetId: "github-dispatch",
          arn: apiDestination.arn,
          roleArn: role.arn,
          // GitHub's headers go with each call rather than in the connection: changing them then
          // updates the targets, and never re-sends the connection's placeholder token.
          httpTarget: { headerParameters: { ...GITHUB_HEADERS } },
          inputTransformer: {
            inputPaths: { ...DISPATCH_INPUT_PATHS },
            inputTemplate: dispatchInputTemplate({
              eventType: config.eventType,
              stack: args.stack,
              model: model.name,
            }),
          },
          retryPolicy: {
            maximumRetryAttempts: config.maximumRetryAttempts,
            maximumEventAgeInSeconds: config.maximumEventAgeSeconds,
          },
          deadLetterConfig: { arn: queue.arn },
        },
        // The role may call GitHub, and the queue accepts failures, before the first approval.
        { parent: this, dependsOn: [rolePolicy, queuePolicy] },
      );
    });

    const where = { names, repository: args.repository };
    const alarm = (definition: DeliveryAlarm, dependsOn: pulumi.Resource) => {
      return new aws.cloudwatch.MetricAlarm(
        definition.name,
        {
          ...metricAlarmArgs(definition),
          alarmActions: [args.alertTopicArn],
          okActions: definition.notifyOk ? [args.alertTopicArn] : undefined,
          tags,
        },
        // Alarms on metrics that name the queue or the rule are meaningful once it exists.
        { parent: this, dependsOn: [dependsOn] },
      );
    };
    const alarms = [
      alarm(deadLetterAlarm(where), queue),
      ...args.models.map((model, index) => alarm(failedDeliveryAlarm(where, model.name), rules[index])),
    ];

    this.connectionArn = connection.arn;
    this.connectionName = connection.name;
    this.connectionSecretArn = connection.secretArn;
    this.apiDestinationArn = apiDestination.arn;
    this.footprint = modelApprovalDispatchFootprint(role.arn);
    this.ruleNames = pulumi.all(rules.map((rule) => rule.name));
    this.roleArn = role.arn;
    this.deadLetterQueueUrl = queue.url;
    this.deadLetterQueueArn = queue.arn;
    this.alarmNames = pulumi.all(alarms.map((a) => a.name));
    this.registerOutputs({
      connectionArn: this.connectionArn,
      connectionName: this.connectionName,
      connectionSecretArn: this.connectionSecretArn,
      apiDestinationArn: this.apiDestinationArn,
      ruleNames: this.ruleNames,
      roleArn: this.roleArn,
      deadLetterQueueUrl: this.deadLetterQueueUrl,
      deadLetterQueueArn: this.deadLetterQueueArn,
      alarmNames: this.alarmNames,
    });
  }
}
