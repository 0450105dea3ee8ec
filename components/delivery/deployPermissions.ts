import { LAMBDA_SERVICE, SCHEDULER_SERVICE } from "../shared/footprint";
import type { PolicyStatement } from "../shared/policyDocument";
import { GITHUB_OIDC_HOST } from "./githubTrust";

/** What a stack's deploy permissions are scoped to. */
export interface DeployScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** Prefix of every physical name in the stack (`config.namePrefix`): names scope almost everything. */
  readonly namePrefix: string;
  /**
   * Tags every resource of the stack carries, for the resources whose names are not theirs to
   * choose (KMS key ids): the key may be managed and tagged only while it carries them.
   */
  readonly resourceTags: Readonly<Record<string, string>>;
  /** The stack's KMS key, which uploads, endpoints and connections encrypt with. */
  readonly kmsKeyArn: string;
  /**
   * The permissions boundary every role of the stack carries: the deploy role may create and
   * change a role only when the role carries it (`iam:PermissionsBoundary`).
   */
  readonly permissionsBoundaryArn: string;
  /** Other stacks' model package groups the stack serves versions of (`models[].source`). @default none */
  readonly sourceModelPackageGroupArns?: readonly string[];
}

type Condition = NonNullable<PolicyStatement["Condition"]>;

/**
 * One set of resources of a type and what may be done to them. Grants of several types that
 * share a `sid` name the same resources with the same condition; their actions are merged.
 */
export interface Grant {
  /** Statement id, e.g. `StackBuckets`; also how grants of different types are merged. */
  readonly sid: string;
  /** What the provider calls to read the resource (refresh, and after every change): the preview role's part. */
  readonly read: readonly string[];
  /** What creating, updating, tagging and deleting it calls besides, reads only a deploy needs included. */
  readonly change: readonly string[];
  /** The resources, scoped to the stack. */
  readonly resources: (scope: DeployScope) => readonly string[];
  /** Narrows the grant where names cannot. */
  readonly condition?: (scope: DeployScope) => Condition;
}

/** Where a resource of a type names a role it hands to a service, which then acts as that role. */
export interface RolePass {
  /**
   * The input that holds the role's ARN, e.g. `roleArn`, or its dotted path in nested inputs, e.g.
   * `target.roleArn`; a resource without it passes no role.
   */
  readonly input: string;
  /** The service the role is passed to (`iam:PassedToService`). */
  readonly service: string;
}

/** The value at a {@link RolePass}'s input in a resource's inputs: undefined where the path ends. */
export function passedRoleInput(pass: RolePass, inputs: Readonly<Record<string, unknown>>): unknown {
  return pass.input
    .split(".")
    .reduce<unknown>(
      (value, key) =>
        typeof value === "object" && value !== null && !Array.isArray(value)
          ? (value as Record<string, unknown>)[key]
          : undefined,
      inputs,
    );
}

export interface TypePermissions {
  readonly grants: readonly Grant[];
  /** Creating or updating a resource of this type passes the role in this input (`iam:PassRole`). */
  readonly passesRole?: RolePass;
}

const arn = (s: DeployScope, service: string, resource: string) =>
  `arn:${s.partition}:${service}:${s.region}:${s.accountId}:${resource}`;
const iamArn = (s: DeployScope, resource: string) => `arn:${s.partition}:iam::${s.accountId}:${resource}`;
const sagemaker = (type: string) => (s: DeployScope) => [arn(s, "sagemaker", `${type}/${s.namePrefix}-*`)];
const SAGEMAKER_TAGS = ["sagemaker:AddTags", "sagemaker:DeleteTags"];
/** Every stack resource carries the stack's tags: request and resource tags must match them. */
const tagCondition = (kind: "RequestTag" | "ResourceTag", s: DeployScope) =>
  Object.fromEntries(Object.entries(s.resourceTags).map(([key, value]) => [`aws:${kind}/${key}`, value]));
/** Actions that name no resource are held to the stack's region. */
const inRegion = (s: DeployScope): Condition => ({ StringEquals: { "aws:RequestedRegion": s.region } });

const buckets = (s: DeployScope) => [`arn:${s.partition}:s3:::${s.namePrefix}-*`];
const objects = (s: DeployScope) => [`arn:${s.partition}:s3:::${s.namePrefix}-*/*`];
const roles = (s: DeployScope) => [iamArn(s, `role/${s.namePrefix}-*`)];
/**
 * A role is created, or its policies, trust, settings or boundary changed, only when it carries
 * the stack's boundary: for CreateRole and PutRolePermissionsBoundary the key is the boundary the
 * request sets, for the others the one the role has (Service Authorization Reference, IAM:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html).
 */
const withinBoundary = (s: DeployScope): Condition => ({
  StringEquals: { "iam:PermissionsBoundary": s.permissionsBoundaryArn },
});
const alarms = (s: DeployScope) => [arn(s, "cloudwatch", `alarm:${s.namePrefix}-*`)];
/**
 * Rules of the default bus (`rule/<rule>`) and of the stack's own buses (`rule/<bus>/<rule>`, the
 * bus's name also starting with the prefix): in an ARN pattern "*" matches "/" too.
 */
const rules = (s: DeployScope) => [arn(s, "events", `rule/${s.namePrefix}-*`)];
/** The stack's custom event buses, e.g. a model's drift bus `<namePrefix>-<model>-drift-events`. */
const eventBuses = (s: DeployScope) => [arn(s, "events", `event-bus/${s.namePrefix}-*`)];
const stackKey = (s: DeployScope) => [s.kmsKeyArn];
const queues = (s: DeployScope) => [arn(s, "sqs", `${s.namePrefix}-*`)];
const connections = (s: DeployScope) => [arn(s, "events", `connection/${s.namePrefix}-*`)];
const functions = (s: DeployScope) => [arn(s, "lambda", `function:${s.namePrefix}-*`)];
/** The groups Lambda functions log to by default, `/aws/lambda/<function>`, of the stack's functions. */
const functionLogGroups = (s: DeployScope) => [arn(s, "logs", `log-group:/aws/lambda/${s.namePrefix}-*`)];
/** Schedules of the account's `default` group, which the stack's schedules are created in. */
const schedules = (s: DeployScope) => [arn(s, "scheduler", `schedule/default/${s.namePrefix}-*`)];

/** A bucket sub-resource: one Put and one Get on the stack's buckets (Put with an empty body deletes). */
const bucketSetting = (read: string, change: string): TypePermissions => ({
  grants: [{ sid: "StackBuckets", read: [read], change: [change], resources: buckets }],
});

/** The provider's Read of a SageMaker resource: Describe<Type> and its tags. */
const sagemakerResource = (
  sid: string,
  type: string,
  verbs: { readonly describe: string; readonly change: readonly string[] },
): Grant => ({
  sid,
  read: [verbs.describe, "sagemaker:ListTags"],
  change: [...verbs.change, ...SAGEMAKER_TAGS],
  resources: sagemaker(type),
});

/** SageMaker checks the caller may use the key it is given, and grants it to the volumes it attaches. */
const sageMakerKeyUse = (actions: readonly string[]): Grant => ({
  sid: "StackKeyThroughSageMaker",
  read: [],
  change: actions,
  resources: stackKey,
  condition: (s) => ({ StringEquals: { "kms:ViaService": `sagemaker.${s.region}.amazonaws.com` } }),
});

const SAGEMAKER = "sagemaker.amazonaws.com";
const AUTOSCALING_SERVICE = "sagemaker.application-autoscaling.amazonaws.com";
/** Scalable targets have random ids: what they scale is the condition. */
const sageMakerScaling = (): Condition => ({
  StringEquals: {
    "application-autoscaling:service-namespace": "sagemaker",
    "application-autoscaling:scalable-dimension": "sagemaker:variant:DesiredInstanceCount",
  },
});

/**
 * What deploying each Pulumi resource type the program creates takes: the actions the Pulumi AWS
 * provider calls to create, read, update, tag and delete it, on the stack's own resources. Every
 * custom resource type of the shipped stacks has an entry, and every entry is used by one of them,
 * as shipped, sharing their models or monitored by Model Monitor instead of the drift check (the
 * tests run the stacks and compare); each action is checked against AWS's service authorization
 * data, each ARN against the action's resource types.
 */
export const DEPLOY_PERMISSIONS: Readonly<Record<string, TypePermissions>> = {
  // Key ids are AWS's: only a key that carries the stack's tags is the deploy role's to manage.
  //
  // No kms:CreateKey. Tags given to CreateKey are authorised as kms:TagResource, by an IAM policy
  // "that isn't restricted to particular KMS keys" (https://docs.aws.amazon.com/kms/latest/developerguide/tag-permissions.html),
  // before the key exists, so without aws:ResourceTag ("resource conditions apply only to operations
  // that use an existing resource", https://docs.aws.amazon.com/kms/latest/developerguide/tag-authorization.html).
  // Tagging an existing key that has none of the stack's tags is authorised with exactly the same
  // context (aws:RequestTag and aws:TagKeys, kms:CallerAccount, kms:ViaService, and the key ARN
  // pattern key/*): no condition tells the two apart, so any grant that lets the deploy role create
  // a tagged key lets it tag an untagged key of the account into the stack's reach. Creating the key
  // untagged and tagging it afterwards needs the same grant. So the stack key is created by the
  // administrator's first `pulumi up`, which creates the deploy role itself; a new key is a new key
  // ARN in the deploy policy, which only an administrator can apply anyway.
  "aws:kms/key:Key": {
    grants: [
      {
        // Changing the key's tags (Owner, CostCenter...) keeps it the stack's: the stack's own tags
        // cannot be given other values, and only a key that already carries them can be tagged.
        sid: "TagStackKey",
        read: [],
        change: ["kms:TagResource"],
        resources: (s) => [arn(s, "kms", "key/*")],
        condition: (s) => ({
          StringEquals: tagCondition("ResourceTag", s),
          StringEqualsIfExists: tagCondition("RequestTag", s),
        }),
      },
      {
        sid: "ManageStackKey",
        read: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
        change: [
          "kms:PutKeyPolicy",
          "kms:EnableKeyRotation",
          "kms:DisableKeyRotation",
          "kms:UpdateKeyDescription",
          "kms:EnableKey",
          "kms:DisableKey",
          "kms:UntagResource",
          "kms:ScheduleKeyDeletion",
          "kms:CancelKeyDeletion",
        ],
        resources: (s) => [arn(s, "kms", "key/*")],
        condition: (s) => ({ StringEquals: tagCondition("ResourceTag", s) }),
      },
    ],
  },
  "aws:kms/alias:Alias": {
    grants: [
      {
        // Checked on the alias and on the key it points to: the key is held to the stack's tags.
        sid: "StackKeyAliases",
        read: [],
        change: ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
        resources: (s) => [arn(s, "kms", `alias/${s.namePrefix}-*`)],
      },
      {
        sid: "AliasStackKey",
        read: [],
        change: ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
        resources: (s) => [arn(s, "kms", "key/*")],
        condition: (s) => ({ StringEquals: tagCondition("ResourceTag", s) }),
      },
      {
        sid: "ListKeyAliases",
        read: ["kms:ListAliases"],
        change: [],
        resources: () => ["*"],
        condition: inRegion,
      },
    ],
  },
  "aws:s3/bucket:Bucket": {
    grants: [
      {
        sid: "StackBuckets",
        // The provider reads every bucket setting, including those the stack leaves at AWS's defaults.
        read: [
          "s3:ListBucket",
          "s3:GetBucketLocation",
          "s3:GetBucketTagging",
          "s3:GetBucketPolicy",
          "s3:GetBucketAcl",
          "s3:GetBucketCORS",
          "s3:GetBucketWebsite",
          "s3:GetBucketVersioning",
          "s3:GetAccelerateConfiguration",
          "s3:GetBucketRequestPayment",
          "s3:GetBucketLogging",
          "s3:GetLifecycleConfiguration",
          "s3:GetReplicationConfiguration",
          "s3:GetEncryptionConfiguration",
          "s3:GetBucketObjectLockConfiguration",
        ],
        // ListBucketVersions: a bucket with forceDestroy is emptied, every version, before it is deleted.
        change: ["s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketTagging", "s3:ListBucketVersions"],
        resources: buckets,
      },
      {
        sid: "StackObjects",
        read: [],
        change: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
        resources: objects,
      },
    ],
  },
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": bucketSetting(
    "s3:GetLifecycleConfiguration",
    "s3:PutLifecycleConfiguration",
  ),
  // Server access logging of a stack bucket into the stack's log bucket: set on the source bucket
  // only; what lets S3 write the logs is the log bucket's policy.
  "aws:s3/bucketLogging:BucketLogging": bucketSetting("s3:GetBucketLogging", "s3:PutBucketLogging"),
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": bucketSetting(
    "s3:GetBucketOwnershipControls",
    "s3:PutBucketOwnershipControls",
  ),
  "aws:s3/bucketPolicy:BucketPolicy": {
    grants: [
      {
        sid: "StackBuckets",
        read: ["s3:GetBucketPolicy"],
        change: ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
        resources: buckets,
      },
    ],
  },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": bucketSetting(
    "s3:GetBucketPublicAccessBlock",
    "s3:PutBucketPublicAccessBlock",
  ),
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": bucketSetting(
    "s3:GetEncryptionConfiguration",
    "s3:PutEncryptionConfiguration",
  ),
  "aws:s3/bucketVersioning:BucketVersioning": bucketSetting(
    "s3:GetBucketVersioning",
    "s3:PutBucketVersioning",
  ),
  // PutBucketNotificationConfiguration and GetBucketNotificationConfiguration are authorised as
  // these two; the provider deletes the setting by putting an empty configuration.
  "aws:s3/bucketNotification:BucketNotification": bucketSetting(
    "s3:GetBucketNotification",
    "s3:PutBucketNotification",
  ),
  "aws:s3/bucketObjectv2:BucketObjectv2": {
    grants: [
      {
        sid: "StackObjects",
        read: ["s3:GetObject", "s3:GetObjectTagging"],
        change: ["s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:DeleteObjectVersion"],
        resources: objects,
      },
      {
        // A versioned object is deleted version by version.
        sid: "StackBuckets",
        read: [],
        change: ["s3:ListBucketVersions"],
        resources: buckets,
      },
      {
        // Uploads are encrypted with the stack key, which S3 uses on the uploader's behalf.
        sid: "StackKeyThroughS3",
        read: [],
        change: ["kms:GenerateDataKey", "kms:Decrypt"],
        resources: stackKey,
        condition: (s) => ({ StringEquals: { "kms:ViaService": `s3.${s.region}.amazonaws.com` } }),
      },
    ],
  },
  "aws:iam/role:Role": {
    grants: [
      {
        // Tags and instance profiles take no iam:PermissionsBoundary; they give a role no permission.
        sid: "StackRoles",
        read: ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"],
        change: ["iam:TagRole", "iam:UntagRole", "iam:ListInstanceProfilesForRole"],
        resources: roles,
      },
      {
        // PutRolePermissionsBoundary: the provider sets a role's boundary when it changes. Removing
        // it (iam:DeleteRolePermissionsBoundary) is not granted.
        sid: "StackRolesWithinBoundary",
        read: [],
        change: [
          "iam:CreateRole",
          "iam:DeleteRole",
          "iam:UpdateRole",
          "iam:UpdateRoleDescription",
          "iam:UpdateAssumeRolePolicy",
          "iam:PutRolePermissionsBoundary",
        ],
        resources: roles,
        condition: withinBoundary,
      },
    ],
  },
  "aws:iam/rolePolicy:RolePolicy": {
    grants: [
      { sid: "StackRoles", read: ["iam:GetRolePolicy"], change: [], resources: roles },
      {
        sid: "StackRolesWithinBoundary",
        read: [],
        change: ["iam:PutRolePolicy", "iam:DeleteRolePolicy"],
        resources: roles,
        condition: withinBoundary,
      },
    ],
  },
  // Managed policies and attachments hold the deploy role's own permissions and the stack's
  // permissions boundary: read, never changed by a deploy (attaching a policy would be the shortest
  // way to widen any role, and changing the boundary would lift the cap off every role).
  "aws:iam/policy:Policy": {
    grants: [
      {
        sid: "DeliveryPolicies",
        read: ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"],
        change: [],
        resources: (s) => [iamArn(s, `policy/${s.namePrefix}-*`)],
      },
    ],
  },
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
    grants: [{ sid: "StackRoles", read: ["iam:ListAttachedRolePolicies"], change: [], resources: roles }],
  },
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
    // Read only: the provider decides who can reach the delivery roles, so only an administrator changes it.
    grants: [
      {
        sid: "GithubOidcProvider",
        read: ["iam:GetOpenIDConnectProvider"],
        change: [],
        resources: (s) => [iamArn(s, `oidc-provider/${GITHUB_OIDC_HOST}`)],
      },
    ],
  },
  "aws:sagemaker/modelPackageGroup:ModelPackageGroup": {
    grants: [
      sagemakerResource("StackModelRegistries", "model-package-group", {
        describe: "sagemaker:DescribeModelPackageGroup",
        change: ["sagemaker:CreateModelPackageGroup", "sagemaker:DeleteModelPackageGroup"],
      }),
    ],
  },
  "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": {
    grants: [
      {
        // What the provider calls for the group's resource policy: Put to create and update, Get to read.
        sid: "StackModelRegistries",
        read: ["sagemaker:GetModelPackageGroupPolicy"],
        change: ["sagemaker:PutModelPackageGroupPolicy", "sagemaker:DeleteModelPackageGroupPolicy"],
        resources: sagemaker("model-package-group"),
      },
    ],
  },
  "aws:sagemaker/pipeline:Pipeline": {
    grants: [
      sagemakerResource("StackPipelines", "pipeline", {
        describe: "sagemaker:DescribePipeline",
        change: ["sagemaker:CreatePipeline", "sagemaker:UpdatePipeline", "sagemaker:DeletePipeline"],
      }),
    ],
    passesRole: { input: "roleArn", service: SAGEMAKER },
  },
  "aws:sagemaker/model:Model": {
    grants: [
      sagemakerResource("StackModels", "model", {
        describe: "sagemaker:DescribeModel",
        change: ["sagemaker:CreateModel", "sagemaker:DeleteModel"],
      }),
    ],
    passesRole: { input: "executionRoleArn", service: SAGEMAKER },
  },
  "aws:sagemaker/endpointConfiguration:EndpointConfiguration": {
    grants: [
      sagemakerResource("StackEndpointConfigs", "endpoint-config", {
        describe: "sagemaker:DescribeEndpointConfig",
        change: ["sagemaker:CreateEndpointConfig", "sagemaker:DeleteEndpointConfig"],
      }),
      sageMakerKeyUse(["kms:DescribeKey", "kms:CreateGrant"]),
    ],
  },
  "aws:sagemaker/endpoint:Endpoint": {
    grants: [
      sagemakerResource("StackEndpoints", "endpoint", {
        describe: "sagemaker:DescribeEndpoint",
        change: ["sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint", "sagemaker:DeleteEndpoint"],
      }),
      {
        // Creating or updating an endpoint is authorised on the configuration it deploys too.
        sid: "StackEndpointConfigs",
        read: [],
        change: ["sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint"],
        resources: sagemaker("endpoint-config"),
      },
      sageMakerKeyUse(["kms:DescribeKey", "kms:CreateGrant"]),
    ],
  },
  "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition": {
    grants: [
      sagemakerResource("StackMonitoringJobDefinitions", "data-quality-job-definition", {
        describe: "sagemaker:DescribeDataQualityJobDefinition",
        change: ["sagemaker:CreateDataQualityJobDefinition", "sagemaker:DeleteDataQualityJobDefinition"],
      }),
      sageMakerKeyUse(["kms:DescribeKey"]),
    ],
    passesRole: { input: "roleArn", service: SAGEMAKER },
  },
  "aws:sagemaker/monitoringSchedule:MonitoringSchedule": {
    grants: [
      sagemakerResource("StackMonitoringSchedules", "monitoring-schedule", {
        describe: "sagemaker:DescribeMonitoringSchedule",
        change: [
          "sagemaker:CreateMonitoringSchedule",
          "sagemaker:UpdateMonitoringSchedule",
          "sagemaker:DeleteMonitoringSchedule",
        ],
      }),
    ],
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    grants: [
      {
        sid: "StackAlarms",
        read: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
        change: [
          "cloudwatch:PutMetricAlarm",
          "cloudwatch:DeleteAlarms",
          "cloudwatch:TagResource",
          "cloudwatch:UntagResource",
        ],
        resources: alarms,
      },
    ],
  },
  "aws:cloudwatch/eventRule:EventRule": {
    grants: [
      {
        sid: "StackEventRules",
        read: ["events:DescribeRule", "events:ListTagsForResource", "events:ListTargetsByRule"],
        change: [
          "events:PutRule",
          "events:DeleteRule",
          "events:EnableRule",
          "events:DisableRule",
          "events:TagResource",
          "events:UntagResource",
        ],
        resources: rules,
      },
    ],
  },
  "aws:cloudwatch/eventTarget:EventTarget": {
    grants: [
      {
        sid: "StackEventRules",
        read: ["events:ListTargetsByRule"],
        change: ["events:PutTargets", "events:RemoveTargets"],
        resources: rules,
      },
    ],
    // A target that calls an API destination or puts events on another account's bus runs as a role
    // of the stack; one that publishes to a topic or invokes a function has none (the topic's and
    // the function's resource policies let EventBridge in).
    passesRole: { input: "roleArn", service: "events.amazonaws.com" },
  },
  "aws:cloudwatch/eventBus:EventBus": {
    grants: [
      {
        // Tags are given at creation, which is authorised as events:TagResource too.
        sid: "StackEventBuses",
        read: ["events:DescribeEventBus", "events:ListTagsForResource"],
        change: [
          "events:CreateEventBus",
          "events:UpdateEventBus",
          "events:DeleteEventBus",
          "events:TagResource",
          "events:UntagResource",
        ],
        resources: eventBuses,
      },
    ],
  },
  "aws:cloudwatch/eventBusPolicy:EventBusPolicy": {
    grants: [
      {
        // The provider reads the policy from DescribeEventBus.
        sid: "StackEventBuses",
        read: ["events:DescribeEventBus"],
        change: [],
        resources: eventBuses,
      },
      {
        // PutPermission with the whole policy, RemovePermission with RemoveAllPermissions to delete
        // it. Neither takes a resource type or a condition key of EventBridge (Service Authorization
        // Reference, Amazon EventBridge): the region is what can be held.
        sid: "EventBusPolicies",
        read: [],
        change: ["events:PutPermission", "events:RemovePermission"],
        resources: () => ["*"],
        condition: inRegion,
      },
    ],
  },
  "aws:lambda/function:Function": {
    grants: [
      {
        sid: "StackFunctions",
        // Read: GetFunction (its configuration, and its tags, which it returns only with
        // lambda:ListTags), ListVersionsByFunction (the latest version, for qualifiedArn) and, in the
        // aws partition, GetFunctionCodeSigningConfig.
        // https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html
        read: [
          "lambda:GetFunction",
          "lambda:ListTags",
          "lambda:ListVersionsByFunction",
          "lambda:GetFunctionCodeSigningConfig",
        ],
        // Reserved concurrency is set after creation and removed by DeleteFunctionConcurrency; it is
        // read back from GetFunction ("Use GetFunction to see the current setting",
        // PutFunctionConcurrency, Lambda API reference). A dead-letter queue takes nothing of the
        // caller: Lambda sends to it as the function's role ("Dead-letter queues", Lambda developer
        // guide); environment variables are encrypted with Lambda's AWS managed key, whose
        // permissions Lambda manages ("Securing Lambda environment variables").
        change: [
          "lambda:CreateFunction",
          "lambda:UpdateFunctionCode",
          "lambda:UpdateFunctionConfiguration",
          "lambda:DeleteFunction",
          "lambda:TagResource",
          "lambda:UntagResource",
          "lambda:PutFunctionConcurrency",
          "lambda:DeleteFunctionConcurrency",
        ],
        resources: functions,
      },
    ],
    passesRole: { input: "role", service: LAMBDA_SERVICE },
  },
  "aws:lambda/permission:Permission": {
    grants: [
      {
        // A statement of the function's resource policy: added, found in GetPolicy's document, removed.
        sid: "StackFunctions",
        read: ["lambda:GetPolicy"],
        change: ["lambda:AddPermission", "lambda:RemovePermission"],
        resources: functions,
      },
    ],
  },
  "aws:cloudwatch/logGroup:LogGroup": {
    grants: [
      {
        // The key is associated by CloudWatch Logs with its own service principal, which the key's
        // policy allows; the caller needs no KMS permission.
        // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
        sid: "StackLogGroups",
        read: ["logs:ListTagsForResource"],
        change: [
          "logs:CreateLogGroup",
          "logs:DeleteLogGroup",
          "logs:PutRetentionPolicy",
          "logs:DeleteRetentionPolicy",
          "logs:AssociateKmsKey",
          "logs:DisassociateKmsKey",
          "logs:TagResource",
          "logs:UntagResource",
        ],
        resources: functionLogGroups,
      },
      {
        // The provider finds a group by listing those with its name as prefix; the call names no resource.
        sid: "DescribeLogGroups",
        read: ["logs:DescribeLogGroups"],
        change: [],
        resources: () => ["*"],
        condition: inRegion,
      },
    ],
  },
  "aws:scheduler/schedule:Schedule": {
    grants: [
      {
        // Schedules take no tags; a target of the universal type (aws-sdk:...) is authorised on the
        // target role only, which the schedule passes.
        sid: "StackSchedules",
        read: ["scheduler:GetSchedule"],
        change: ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"],
        resources: schedules,
      },
    ],
    passesRole: { input: "target.roleArn", service: SCHEDULER_SERVICE },
  },
  "aws:sns/topic:Topic": {
    grants: [
      {
        sid: "StackTopics",
        read: ["sns:GetTopicAttributes", "sns:ListTagsForResource"],
        change: [
          "sns:CreateTopic",
          "sns:SetTopicAttributes",
          "sns:DeleteTopic",
          "sns:TagResource",
          "sns:UntagResource",
        ],
        resources: (s) => [arn(s, "sns", `${s.namePrefix}-*`)],
      },
    ],
  },
  "aws:sns/topicPolicy:TopicPolicy": {
    grants: [
      {
        sid: "StackTopics",
        read: ["sns:GetTopicAttributes"],
        change: ["sns:SetTopicAttributes"],
        resources: (s) => [arn(s, "sns", `${s.namePrefix}-*`)],
      },
    ],
  },
  "aws:sns/topicSubscription:TopicSubscription": {
    grants: [
      {
        // Subscription ARNs are the topic's ARN and an id, so the topic pattern covers them.
        sid: "StackTopics",
        read: ["sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic"],
        change: ["sns:Subscribe", "sns:Unsubscribe", "sns:SetSubscriptionAttributes"],
        resources: (s) => [arn(s, "sns", `${s.namePrefix}-*`)],
      },
    ],
  },
  "aws:sqs/queue:Queue": {
    grants: [
      {
        sid: "StackQueues",
        read: ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags"],
        change: [
          "sqs:CreateQueue",
          "sqs:SetQueueAttributes",
          "sqs:DeleteQueue",
          "sqs:TagQueue",
          "sqs:UntagQueue",
        ],
        resources: queues,
      },
    ],
  },
  "aws:sqs/queuePolicy:QueuePolicy": {
    grants: [
      {
        sid: "StackQueues",
        read: ["sqs:GetQueueAttributes"],
        change: ["sqs:SetQueueAttributes"],
        resources: queues,
      },
    ],
  },
  "aws:cloudwatch/eventConnection:EventConnection": {
    grants: [
      {
        sid: "StackEventConnections",
        read: ["events:DescribeConnection"],
        change: ["events:CreateConnection", "events:UpdateConnection", "events:DeleteConnection"],
        resources: connections,
      },
      {
        // EventBridge keeps the connection's credentials in a secret it manages with the caller's rights.
        sid: "StackConnectionSecrets",
        read: [],
        change: [
          "secretsmanager:CreateSecret",
          "secretsmanager:DescribeSecret",
          "secretsmanager:GetSecretValue",
          "secretsmanager:PutSecretValue",
          "secretsmanager:UpdateSecret",
          "secretsmanager:DeleteSecret",
        ],
        resources: (s) => [arn(s, "secretsmanager", `secret:events!connection/${s.namePrefix}-*`)],
      },
      {
        // ...encrypted with the stack key, which EventBridge and Secrets Manager use on the caller's behalf.
        sid: "StackKeyThroughEventBridge",
        read: [],
        change: ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"],
        resources: stackKey,
        condition: (s) => ({
          StringEquals: {
            "kms:ViaService": [
              `events.${s.region}.amazonaws.com`,
              `secretsmanager.${s.region}.amazonaws.com`,
            ],
          },
        }),
      },
    ],
  },
  "aws:cloudwatch/eventApiDestination:EventApiDestination": {
    grants: [
      {
        // Creating and describing a destination are authorised on its connection too.
        sid: "StackApiDestinations",
        read: ["events:DescribeApiDestination"],
        change: ["events:CreateApiDestination", "events:UpdateApiDestination", "events:DeleteApiDestination"],
        resources: (s) => [arn(s, "events", `api-destination/${s.namePrefix}-*`), ...connections(s)],
      },
    ],
  },
  "aws:appautoscaling/target:Target": {
    grants: [
      {
        sid: "ScaleStackEndpoints",
        read: ["application-autoscaling:ListTagsForResource"],
        change: [
          "application-autoscaling:RegisterScalableTarget",
          "application-autoscaling:DeregisterScalableTarget",
        ],
        resources: (s) => [arn(s, "application-autoscaling", "scalable-target/*")],
        condition: sageMakerScaling,
      },
      {
        // Scalable target ids are AWS's. Tags given to RegisterScalableTarget are authorised as
        // TagResource before the target exists, so only the tags written can be held (TagResource
        // has no other condition key): they must be the stack's. Unlike a key's, a target's tags
        // give the deploy role no reach: no grant here depends on them.
        sid: "TagScalableTargets",
        read: [],
        change: ["application-autoscaling:TagResource"],
        resources: (s) => [arn(s, "application-autoscaling", "scalable-target/*")],
        condition: (s) => ({ StringEquals: tagCondition("RequestTag", s) }),
      },
      {
        sid: "UntagStackScalableTargets",
        read: [],
        change: ["application-autoscaling:UntagResource"],
        resources: (s) => [arn(s, "application-autoscaling", "scalable-target/*")],
        condition: (s) => ({ StringEquals: tagCondition("ResourceTag", s) }),
      },
      {
        sid: "DescribeScaling",
        read: ["application-autoscaling:DescribeScalableTargets"],
        change: [],
        resources: () => ["*"],
        condition: inRegion,
      },
      {
        // Application Auto Scaling checks that the caller may change the variant it is asked to scale.
        sid: "StackEndpoints",
        read: [],
        change: ["sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpointWeightsAndCapacities"],
        resources: sagemaker("endpoint"),
      },
      {
        // Created once per account, the first time an endpoint variant is registered.
        sid: "AutoscalingServiceLinkedRole",
        read: [],
        change: ["iam:CreateServiceLinkedRole"],
        resources: (s) => [
          iamArn(
            s,
            `role/aws-service-role/${AUTOSCALING_SERVICE}/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`,
          ),
        ],
        condition: () => ({ StringEquals: { "iam:AWSServiceName": AUTOSCALING_SERVICE } }),
      },
    ],
  },
  "aws:appautoscaling/policy:Policy": {
    grants: [
      {
        sid: "ScaleStackEndpoints",
        read: [],
        change: ["application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy"],
        resources: (s) => [arn(s, "application-autoscaling", "scalable-target/*")],
        condition: sageMakerScaling,
      },
      {
        sid: "DescribeScaling",
        read: ["application-autoscaling:DescribeScalingPolicies"],
        change: [],
        resources: () => ["*"],
        condition: inRegion,
      },
      {
        // Target tracking creates its alarms with the caller's permissions, named after the endpoint.
        sid: "TargetTrackingAlarms",
        read: [],
        change: ["cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms"],
        resources: (s) => [arn(s, "cloudwatch", `alarm:TargetTracking-endpoint/${s.namePrefix}-*`)],
      },
    ],
  },
};
