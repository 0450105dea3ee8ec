import assert from "node:assert/strict";
import { clearWaivedFindings, setPolicyClock, waivedFindings } from "../../../policies/lib/rule";
import { DEFAULT_REQUIRED_TAGS, requireResourcesTags } from "../../../policies/rules/require-resources-tags";
import { REQUIRED_TAGS } from "../../../stacks/schema";
import { checkResource, configWithDefaults, UNKNOWN } from "../../helpers/policyArgs";
import { programStacks } from "../../helpers/programStacks";
import { RECOMMENDED_CONFIG } from "../../helpers/recommendedConfig";

const BUCKET = "aws:s3/bucket:Bucket";
const TAGS = {
  Environment: "staging",
  Project: "mlops-platform",
  Owner: "ml-platform@example.com",
  CostCenter: "ML-1001",
  Model: "diagnosis",
};
const STAGING = RECOMMENDED_CONFIG.staging["require-resources-tags"];
const NAME = "mlops-staging-diagnosis-data";

/** `tags` without `keys`. */
function without(tags: Record<string, string>, ...keys: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => !keys.includes(key)));
}

/** A bucket as SecureBucket creates it, with `tags` replaced. */
const bucket = (tags: unknown) => ({ forceDestroy: true, tags });
const check = (props: Record<string, unknown>, options: Parameters<typeof checkResource>[3] = {}) =>
  checkResource(requireResourcesTags, BUCKET, props, { name: NAME, config: STAGING, ...options });

describe("require-resources-tags", () => {
  afterEach(() => {
    setPolicyClock(() => new Date());
    clearWaivedFindings();
  });

  for (const stack of ["staging", "prod"] as const) {
    it(`passes every resource of the shipped ${stack} stack with its recommended config`, async () => {
      const resources = (await programStacks())[stack];
      let checked = 0;
      for (const resource of resources) {
        const outcome = await checkResource(requireResourcesTags, resource.type, resource.props, {
          name: resource.name,
          config: RECOMMENDED_CONFIG[stack]["require-resources-tags"],
        });
        assert.deepEqual(outcome.violations, [], resource.name);
        assert.deepEqual(outcome.unknown, [], resource.name);
        if (outcome.notApplicable.length === 0) checked++;
      }
      // Staging: key, 2 buckets, 3 roles (pipeline, its FindChampion function, model), registry,
      // pipeline and its rule for failed or stopped runs with the rule's dead-letter queue and its
      // alarm (its target and queue policy take no tags), the function and its log group, 6 objects
      // (the sample data, 4 scripts and the schema), topic, model, endpoint config, endpoint, 3
      // endpoint alarms; retraining: its function, role and log group, 3 rules (new data, drift,
      // forwarded drift), the drift bus, a dead-letter queue and its alarm (its policies, targets,
      // invoke permissions and bucket notification take no tags); the drift check: 3 roles,
      // pipeline, function, log group, script, failure rule, 2 dead-letter queues (failed starts,
      // undelivered failure alerts) and their 2 alarms, 30 PSI alarms (its schedule takes no tags);
      // delivery: OIDC provider, deploy and preview roles, the deploy role's 3 managed policies, the
      // alert topic, and the dispatch's role, queue, rule and 2 alarms.
      // Prod serves staging's models: key, its data bucket, model role, topic, model, endpoint config,
      // endpoint, 3 endpoint alarms, the scaling target; the drift check as in staging, and the rule,
      // role, dead-letter queue and its alarm that forward its findings to staging; delivery: OIDC
      // provider, 2 roles, 3 managed policies, no dispatch. Both: the permissions boundary, the
      // access-log bucket, and batch inference: the model and its role, the pipeline and its role, 3
      // objects (2 scripts and the schema), the rule for failed runs with its dead-letter queue and
      // alarm, and for new data the function, its role and log group, its rule, and the dead-letter
      // queue of failed starts and its alarm (the bucket notification, targets, policies and invoke
      // permission take no tags); prod's schedule adds its role (the schedule takes no tags).
      const batch = stack === "prod" ? 17 : 16;
      assert.equal(checked, (stack === "prod" ? 11 + 42 + 4 + 6 : 26 + 9 + 42 + 12) + 2 + batch);
    });
  }

  it("judges a drift check's function and log group, and not its schedule, which takes no tags", async () => {
    const staging = (await programStacks()).staging;
    const drift = "mlops-staging-diagnosis-drift";
    const resource = (type: string, name: string) =>
      staging.find((r) => r.type === type && r.name === name) ?? assert.fail(`no ${type} ${name}`);
    const checkOne = (type: string, name: string, props: Record<string, unknown>) =>
      checkResource(requireResourcesTags, type, props, { name, config: STAGING });
    for (const [type, name] of [
      ["aws:lambda/function:Function", `${drift}-steps`],
      ["aws:cloudwatch/logGroup:LogGroup", `${drift}-steps-logs`],
    ]) {
      const { props } = resource(type, name);
      assert.deepEqual(await checkOne(type, name, props), {
        violations: [],
        urns: [],
        notApplicable: [],
        unknown: [],
      });
      const untagged = await checkOne(type, name, { ...props, tags: without(TAGS, "Owner") });
      assert.deepEqual(untagged.violations, [
        `Resource "${name}" (${type}) is missing the required tag Owner; add it to its tags or to the provider's defaultTags.`,
      ]);
    }
    const schedule = resource("aws:scheduler/schedule:Schedule", drift);
    assert.deepEqual((await checkOne(schedule.type, drift, schedule.props)).notApplicable, [
      "aws:scheduler/schedule:Schedule takes no tags",
    ]);
  });

  it("judges a model's drift bus, and not its policy, invoke permissions or bucket notification, which take no tags", async () => {
    const bus = "mlops-staging-diagnosis-drift-events";
    const type = "aws:cloudwatch/eventBus:EventBus";
    const checkOne = (t: string, name: string, props: Record<string, unknown>) =>
      checkResource(requireResourcesTags, t, props, { name, config: STAGING });
    assert.deepEqual(await checkOne(type, bus, { name: bus, tags: TAGS }), {
      violations: [],
      urns: [],
      notApplicable: [],
      unknown: [],
    });
    assert.deepEqual((await checkOne(type, bus, { name: bus, tags: without(TAGS, "Owner") })).violations, [
      `Resource "${bus}" (${type}) is missing the required tag Owner; add it to its tags or to the provider's defaultTags.`,
    ]);
    const untaggable = [
      "aws:cloudwatch/eventBusPolicy:EventBusPolicy",
      "aws:lambda/permission:Permission",
      "aws:s3/bucketNotification:BucketNotification",
    ];
    for (const t of untaggable) {
      assert.deepEqual((await checkOne(t, bus, {})).notApplicable, [`${t} takes no tags`]);
    }
  });

  it("defaults to the tags the program puts on every resource", () => {
    assert.deepEqual([...DEFAULT_REQUIRED_TAGS], [...REQUIRED_TAGS]);
    assert.deepEqual(configWithDefaults(requireResourcesTags.configSchema), {
      requiredTags: [...REQUIRED_TAGS],
      environment: "",
      waivers: [],
    });
  });

  it("reports missing required tags in one finding, naming the resource and the fix", async () => {
    const rest = without(TAGS, "Owner", "CostCenter");
    assert.deepEqual((await check(bucket(rest))).violations, [
      `Resource "${NAME}" (aws:s3/bucket:Bucket) is missing the required tags Owner, CostCenter; add them to its tags or to the provider's defaultTags.`,
    ]);
    const noProject = without(TAGS, "Project");
    assert.deepEqual((await check(bucket(noProject))).violations, [
      `Resource "${NAME}" (aws:s3/bucket:Bucket) is missing the required tag Project; add it to its tags or to the provider's defaultTags.`,
    ]);
    assert.equal((await check({ forceDestroy: true })).violations.length, 1);
  });

  it("reports each empty required tag", async () => {
    assert.deepEqual((await check(bucket({ ...TAGS, Owner: "" }))).violations, [
      `Resource "${NAME}" (aws:s3/bucket:Bucket) has an empty required tag Owner (""); give it a value.`,
    ]);
    assert.equal((await check(bucket({ ...TAGS, Owner: " ", CostCenter: "" }))).violations.length, 2);
    // Tags that are not required may be empty.
    assert.deepEqual((await check(bucket({ ...TAGS, Model: "" }))).violations, []);
  });

  it("reports an Environment tag that names another environment", async () => {
    assert.deepEqual((await check(bucket({ ...TAGS, Environment: "prod" }))).violations, [
      `Resource "${NAME}" (aws:s3/bucket:Bucket) has tag Environment "prod", but this stack is "staging"; set Environment to "staging".`,
    ]);
    assert.equal((await check(bucket({ ...TAGS, Environment: "Staging" }))).violations.length, 1);
  });

  it("counts the AWS provider's default tags, under the resource's own", async () => {
    const defaults = { Owner: "ml-platform@example.com", CostCenter: "ML-1001" };
    const rest = without(TAGS, "Owner", "CostCenter");
    const withDefaults = (tags: unknown) =>
      check(bucket(tags), {
        providerProps: { region: "us-east-1", defaultTags: JSON.stringify({ tags: defaults }) },
      });
    assert.deepEqual((await withDefaults(rest)).violations, []);
    assert.equal((await withDefaults({ ...rest, Owner: "" })).violations.length, 1);
    const noEnvironment = without(rest, "Environment");
    assert.match(
      (await withDefaults(noEnvironment)).violations.join("\n"),
      /^Resource "[^"]+" \(aws:s3\/bucket:Bucket\) is missing the required tag Environment;/,
    );
    // The resource's Environment wins over the provider's.
    const environmentDefault = {
      providerProps: { defaultTags: { tags: { ...defaults, Environment: "staging" } } },
    };
    assert.equal(
      (await check(bucket({ ...rest, Environment: "prod" }), environmentDefault)).violations.length,
      1,
    );
    assert.equal((await check(bucket({ Project: "p" }), environmentDefault)).violations.length, 0);
  });

  it("follows the config: other required tags, and no environment to compare with", async () => {
    const team = await check(bucket(TAGS), { config: { requiredTags: ["Team"], environment: "staging" } });
    assert.deepEqual(team.violations, [
      `Resource "${NAME}" (aws:s3/bucket:Bucket) is missing the required tag Team; add it to its tags or to the provider's defaultTags.`,
    ]);
    const anyEnvironment = await check(bucket({ ...TAGS, Environment: "prod" }), { config: {} });
    assert.deepEqual(anyEnvironment.violations, []);
    const prod = await check(bucket({ ...TAGS, Environment: "prod" }), {
      config: RECOMMENDED_CONFIG.prod["require-resources-tags"],
    });
    assert.deepEqual(prod.violations, []);
  });

  it("is not applicable to types that take no tags", async () => {
    const outcome = await checkResource(requireResourcesTags, "aws:iam/rolePolicy:RolePolicy", {
      policy: "{}",
    });
    assert.deepEqual(outcome, {
      violations: [],
      urns: [],
      notApplicable: ["aws:iam/rolePolicy:RolePolicy takes no tags"],
      unknown: [],
    });
  });

  it("sets a finding aside while a waiver is in force, and says when it has expired", async () => {
    setPolicyClock(() => new Date("2026-03-01T12:00:00Z"));
    const waiver = { resource: "mlops-staging-*", reason: "owner being chosen", expires: "2026-03-01" };
    const props = bucket({ ...TAGS, Owner: "" });
    const waived = await check(props, { config: { ...STAGING, waivers: [waiver] } });
    assert.deepEqual(waived.violations, []);
    assert.equal(waivedFindings().length, 1);
    setPolicyClock(() => new Date("2026-03-02T00:00:00Z"));
    const expired = await check(props, { config: { ...STAGING, waivers: [waiver] } });
    assert.deepEqual(expired.violations, [
      `Resource "${NAME}" (aws:s3/bucket:Bucket) has an empty required tag Owner (""); give it a value. (The waiver for "mlops-staging-*" expired on 2026-03-01: owner being chosen.)`,
    ]);
  });

  it("during preview: unknown tags as a whole get the engine's advisory; an unknown value counts as present", async () => {
    const whole = await check({ forceDestroy: true, tags: UNKNOWN.object });
    assert.deepEqual(whole.violations, []);
    assert.equal(whole.unknown.length, 1);
    assert.match(whole.unknown[0] ?? "", /^can't run during preview: .*tags/);

    const oneValue = await check(bucket({ ...TAGS, Environment: UNKNOWN.string, Owner: UNKNOWN.string }));
    assert.deepEqual(oneValue, { violations: [], urns: [], notApplicable: [], unknown: [] });

    const rest = without(TAGS, "CostCenter");
    const stillMissing = await check(bucket({ ...rest, Owner: UNKNOWN.string }));
    assert.equal(stillMissing.violations.length, 1);
    assert.match(stillMissing.violations[0] ?? "", /missing the required tag CostCenter;/);

    const provider = await check(bucket(TAGS), { providerProps: { defaultTags: UNKNOWN.string } });
    assert.equal(provider.unknown.length, 1);
  });
});
