import type { Policy, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { policies } from "../../policies/pack";
import { runProgramOffline, type PlanResource } from "../../preview";
import { checkStack, copy, policyResources, resourceArgs, StackResourceInput } from "../helpers/policyArgs";
import { modelMonitorStacks, programStacks, sharingStack } from "../helpers/programStacks";
import { syntheticStackRoot } from "../helpers/syntheticStack";

/**
 * Every resource type the shipped stacks create (as deployed, with Model Monitor, sharing and
 * retraining, and with 12 models) is judged by a rule of the pack besides tagging and the waiver
 * listing, or is listed in {@link UNJUDGED} with the reason no rule needs to.
 *
 * Resource rules are run on each resource of the type: a rule judges the type when, for some
 * resource of it, the rule neither calls `notApplicable` nor returns without reading the resource
 * (its props or its options). Stack rules read every resource's props (`stackItems` copies them
 * all), so what they judge is declared in {@link STACK_RULE_TYPES}, and each declaration is proved
 * by a mutation: the rule reports nothing on the stack as shipped, and, once one resource of that
 * type is broken, reports a finding against that resource or naming it.
 */

const NOT_JUDGING = ["require-resources-tags", "list-policy-waivers"];

/** Types no rule judges, and why none needs to. */
const UNJUDGED: Readonly<Record<string, string>> = {
  "aws:kms/alias:Alias":
    "a name for the stack key; the key (rotation, key policy, deletion window) is judged",
  "aws:cloudwatch/eventApiDestination:EventApiDestination":
    "EventBridge calls an API destination over HTTPS only; its connection (key, credentials) and the target that uses it (dead-letter queue) are judged",
  "aws:appautoscaling/policy:Policy":
    "a scaling policy moves the instance count within its target's bounds, which require-endpoint-instance-counts judges on the target",
  "aws:s3/bucketNotification:BucketNotification":
    "it sends a bucket's object events to a function of the stack; the function's invoke permission (its source account and bucket) and the function are judged",
  "aws:s3/bucketLogging:BucketLogging":
    "it names where a bucket's access logs go; both buckets are judged, the target with the SSE-S3 that log delivery needs",
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
    "it only lets IAM verify GitHub's tokens; which repositories and environments may use them is each role's trust policy, judged by restrict-iam-trust-principals",
  "aws:cloudwatch/eventBus:EventBus":
    "who may put events on the bus is its EventBusPolicy (judged); events carry resource names and states, for which require-data-kms-encryption asks no customer key",
};

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A mutation that breaks one resource of a type in the way a stack rule must report. */
interface Mutation {
  /** Which resource of the type (the first that matches). @default the first of the type */
  readonly pick?: (resource: StackResourceInput, stack: readonly StackResourceInput[]) => boolean;
  readonly change: (props: Props, stack: StackResourceInput[]) => void;
}

const BUCKET = "aws:s3/bucket:Bucket";
const ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const ROLE = "aws:iam/role:Role";
const MANAGED_POLICY = "aws:iam/policy:Policy";
const ENDPOINT = "aws:sagemaker/endpoint:Endpoint";

const renamed: Mutation = {
  // A bucket of the stack's own data (not the access-log bucket), whose companions then name no bucket.
  pick: (r) => !r.name.endsWith("-access-logs"),
  change: (props) => {
    props.bucket = props.id = `${props.bucket}-elsewhere`;
  },
};
const kmsEncryption = (r: StackResourceInput) =>
  (r.props as Props).rules[0].applyServerSideEncryptionByDefault.sseAlgorithm === "aws:kms";
const boundaryPolicy = (r: StackResourceInput) => r.name.endsWith("-permissions-boundary-policy");

/** What each stack rule judges, each with the mutation that shows it. */
const STACK_RULE_TYPES: Readonly<Record<string, Readonly<Record<string, Mutation>>>> = {
  "require-s3-bucket-protection": {
    [BUCKET]: renamed,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
      change: (props) => (props.restrictPublicBuckets = false),
    },
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": {
      change: (props) => (props.rule.objectOwnership = "ObjectWriter"),
    },
    [ENCRYPTION]: {
      pick: kmsEncryption,
      change: (props) => (props.rules[0].applyServerSideEncryptionByDefault = { sseAlgorithm: "AES256" }),
    },
    "aws:s3/bucketVersioning:BucketVersioning": {
      change: (props) => (props.versioningConfiguration.status = "Suspended"),
    },
    "aws:s3/bucketPolicy:BucketPolicy": {
      change: (props) => (props.policy = JSON.stringify({ Version: "2012-10-17", Statement: [] })),
    },
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {
      change: (props) => {
        for (const rule of props.rules) rule.status = "Disabled";
      },
    },
  },
  "require-data-kms-encryption": {
    "aws:sns/topic:Topic": { change: (props) => delete props.kmsMasterKeyId },
    "aws:sqs/queue:Queue": { change: (props) => delete props.kmsMasterKeyId },
    "aws:cloudwatch/logGroup:LogGroup": { change: (props) => delete props.kmsKeyId },
    "aws:cloudwatch/eventConnection:EventConnection": { change: (props) => delete props.kmsKeyIdentifier },
    [BUCKET]: renamed,
    [ENCRYPTION]: {
      pick: kmsEncryption,
      change: (props) => delete props.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId,
    },
    "aws:s3/bucketObjectv2:BucketObjectv2": { change: (props) => (props.serverSideEncryption = "AES256") },
  },
  "require-iam-role-boundary": {
    [ROLE]: { change: (props) => delete props.permissionsBoundary },
    [MANAGED_POLICY]: {
      pick: boundaryPolicy,
      change: (props) => {
        const document = JSON.parse(props.policy);
        document.Statement = document.Statement.filter((s: Props) => s.Effect !== "Deny");
        props.policy = JSON.stringify(document);
      },
    },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
      change: (props, stack) => {
        props.policyArn = (
          stack.find((r) => r.type === MANAGED_POLICY && boundaryPolicy(r))?.props as Props
        ).arn;
      },
    },
  },
  "require-cloudwatch-alarm-actions": {
    "aws:cloudwatch/metricAlarm:MetricAlarm": {
      pick: (r) => ((r.props as Props).alarmActions ?? []).length > 0,
      change: (props) => (props.actionsEnabled = false),
    },
  },
  "require-endpoint-rollback-alarms": {
    [ENDPOINT]: {
      change: (props) =>
        (props.deploymentConfig.autoRollbackConfiguration.alarms[0].alarmName = "no-such-alarm"),
    },
  },
  "require-endpoint-safeguards": {
    [ENDPOINT]: { change: (props) => delete props.deploymentConfig.blueGreenUpdatePolicy },
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": {
      // The configuration an endpoint uses.
      pick: (r, stack) =>
        stack.some(
          (e) => e.type === ENDPOINT && (e.props as Props).endpointConfigName === (r.props as Props).name,
        ),
      change: (props) => (props.dataCaptureConfig.enableCapture = false),
    },
  },
  "require-events-dead-letter-queues": {
    "aws:cloudwatch/eventTarget:EventTarget": { change: (props) => delete props.deadLetterConfig },
    "aws:scheduler/schedule:Schedule": { change: (props) => delete props.target.deadLetterConfig },
    "aws:cloudwatch/eventRule:EventRule": {
      // Its targets name it by its old name: it has none.
      pick: (r) => (r.props as Props).state !== "DISABLED",
      change: (props) => (props.name = `${props.name}-renamed`),
    },
  },
};

/** A plan's custom resources as stack rules see them (a run with every value known). */
function fromPlan(resources: readonly PlanResource[]): StackResourceInput[] {
  const names = new Map(resources.map((r) => [r.urn, r.name]));
  return resources
    .filter((r) => r.custom)
    .map((r) => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: { ...r.outputs, ...r.inputs } as Record<string, unknown>,
      parent: names.get(r.parent),
      dependencies: r.dependencies.flatMap((urn) => names.get(urn) ?? []),
      ...(r.options.protect && { protect: true }),
    }));
}

class NotApplicable extends Error {}

/** A view of `target` that counts the properties read through it, at any depth. */
function counting<T extends object>(target: T, reads: { count: number }): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      const value: unknown = Reflect.get(object, key, receiver);
      if (typeof key !== "string") return value;
      reads.count++;
      return typeof value === "object" && value !== null ? counting(value, reads) : value;
    },
    ownKeys(object) {
      reads.count++;
      return Reflect.ownKeys(object);
    },
  });
}

/** Whether a resource rule judges the resource: it reads it and does not call it not applicable. */
async function judges(rule: ResourceValidationPolicy, resource: StackResourceInput): Promise<boolean> {
  for (const validate of [rule.validateResource ?? []].flat()) {
    // The engine runs a validation of one type only on resources of that type.
    const only = (validate as { __pulumiType?: string }).__pulumiType;
    if (only !== undefined && only !== resource.type) continue;
    const args = resourceArgs(rule, resource.type, resource.props, {
      name: resource.name,
      urn: resource.urn,
      protect: resource.protect,
    });
    const reads = { count: 0 };
    try {
      await validate(
        {
          ...args,
          props: counting(args.props, reads),
          opts: counting(args.opts, reads),
          notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
          },
        },
        () => undefined,
      );
    } catch (error) {
      if (error instanceof NotApplicable) continue;
      throw error;
    }
    if (reads.count > 0) return true;
  }
  return false;
}

const isStackRule = (policy: Policy): policy is StackValidationPolicy => "validateStack" in policy;
const isResourceRule = (policy: Policy): policy is ResourceValidationPolicy => "validateResource" in policy;

describe("every resource type the stacks create is judged by a rule of the pack", function () {
  this.timeout(120_000);
  /** Each stack, by a label for messages. */
  let stacks: Record<string, readonly StackResourceInput[]> = {};
  /** Every resource of the stacks, by type. */
  let byType = new Map<string, StackResourceInput[]>();

  before(async () => {
    const deployed = await programStacks();
    const modelMonitor = await modelMonitorStacks();
    const sharing = await sharingStack();
    const synthetic = syntheticStackRoot(12);
    let twelve: StackResourceInput[];
    try {
      twelve = fromPlan(
        (await runProgramOffline({ stack: synthetic.stack, root: synthetic.root })).resources,
      );
    } finally {
      rmSync(synthetic.root, { recursive: true, force: true });
    }
    stacks = {
      staging: deployed.staging,
      prod: deployed.prod,
      "staging (Model Monitor)": modelMonitor.staging,
      "prod (Model Monitor)": modelMonitor.prod,
      "staging (sharing and retraining)": sharing,
      "12 models": twelve,
    };
    byType = new Map();
    for (const resource of Object.values(stacks).flat())
      byType.set(resource.type, [...(byType.get(resource.type) ?? []), resource]);
  });

  /** The rules that judge each type of the stacks, tagging and the waiver listing aside. */
  async function judgingRules(): Promise<Map<string, string[]>> {
    const judging = new Map<string, string[]>();
    for (const [type, resources] of byType) {
      const names: string[] = [];
      for (const rule of policies) {
        if (NOT_JUDGING.includes(rule.name)) continue;
        if (isStackRule(rule) && STACK_RULE_TYPES[rule.name]?.[type] !== undefined) names.push(rule.name);
        if (isResourceRule(rule)) {
          for (const resource of resources) {
            if (await judges(rule, resource)) {
              names.push(rule.name);
              break;
            }
          }
        }
      }
      judging.set(type, names);
    }
    return judging;
  }

  it("each type is judged by a rule besides tagging, or listed with the reason none needs to, and the list is exact", async () => {
    const judging = await judgingRules();
    assert.ok(judging.size > 30, `${judging.size} types`);
    const unjudged = [...judging].filter(([, names]) => names.length === 0).map(([type]) => type);
    // Each listed type and each type no rule judges, with the rules that judge it: none for all.
    const types = [...new Set([...unjudged, ...Object.keys(UNJUDGED)])].sort();
    assert.deepEqual(
      Object.fromEntries(types.map((type) => [type, judging.get(type) ?? "not created by the stacks"])),
      Object.fromEntries(types.map((type) => [type, []])),
    );
    assert.deepEqual(unjudged.sort(), Object.keys(UNJUDGED).sort());
  });

  it("tells a rule that reads a resource from one that passes it by", async () => {
    const rules = new Map(policies.map((rule) => [rule.name, rule]));
    const rule = (name: string) => rules.get(name) as ResourceValidationPolicy;
    const first = (type: string) => (byType.get(type) ?? assert.fail(`no ${type}`))[0];
    // A rule that returns for other types without reading them, and one that calls notApplicable.
    assert.equal(await judges(rule("forbid-iam-admin-policies"), first(ROLE)), true);
    assert.equal(await judges(rule("forbid-iam-admin-policies"), first("aws:kms/alias:Alias")), false);
    assert.equal(await judges(rule("require-endpoint-instance-counts"), first(ENDPOINT)), false);
    // Options count: deletion protection reads a registry's `protect`, not its props.
    const registry = first("aws:sagemaker/modelPackageGroup:ModelPackageGroup");
    assert.equal(await judges(rule("require-resources-deletion-protection"), registry), true);
  });

  it("declares only stack rules of the pack and types the stacks create", () => {
    const stackRules = policies.filter(isStackRule).map((rule) => rule.name);
    for (const [name, types] of Object.entries(STACK_RULE_TYPES)) {
      assert.ok(stackRules.includes(name), `${name} is a stack rule of the pack`);
      for (const type of Object.keys(types))
        assert.ok(byType.has(type), `${name}: the stacks create ${type}`);
    }
  });

  for (const [name, types] of Object.entries(STACK_RULE_TYPES)) {
    for (const [type, mutation] of Object.entries(types)) {
      it(`${name} judges ${type}: it reports a broken one, and nothing on the stack as shipped`, async () => {
        const rule = policies.find((policy) => policy.name === name) as StackValidationPolicy;
        const [label, stack] =
          Object.entries(stacks).find(([, resources]) =>
            resources.some((r) => r.type === type && (mutation.pick?.(r, resources) ?? true)),
          ) ?? assert.fail(`no stack has a ${type} to break`);
        const shipped = await checkStack(rule, policyResources(stack));
        assert.deepEqual(shipped.violations, [], `${name} on ${label} as shipped`);

        const broken = copy([...stack]);
        const target =
          broken.find((r) => r.type === type && (mutation.pick?.(r, broken) ?? true)) ?? assert.fail(type);
        mutation.change(target.props as Props, broken);
        const { violations, urns } = await checkStack(rule, policyResources(broken));
        assert.ok(
          urns.includes(target.urn) || violations.some((message) => message.includes(`"${target.name}"`)),
          `${name} on ${label} with ${type} "${target.name}" broken reports it; it reported ${JSON.stringify(violations)}`,
        );
      });
    }
  }
});
