import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import assert from "node:assert/strict";
import type { ResourceValidation } from "@pulumi/policy";
import {
  byResourceType,
  resourceRule,
  ruleMetadata,
  stackRule,
  waivedFindings,
} from "../../../policies/lib/rule";
import { policies } from "../../../policies/pack";
import { listPolicyWaivers } from "../../../policies/rules/list-policy-waivers";
import { checkResource, checkStack, policyResources, urnOf, usePolicyDay } from "../../helpers/policyArgs";

const TOPIC = "aws:sns/topic:Topic";
/** A rule that finds every topic without a KMS key, the way real rules are written. */
const demo = resourceRule({
  name: "require-sns-topic-key",
  description: "Topics are encrypted with a customer-managed key.",
  severity: "medium",
  controls: ["SNS.1"],
  config: { keyAliasPrefix: { type: "string", default: "alias/" } },
  validateResource: validateResourceOfType(aws.sns.Topic, (topic, args, report) => {
    if (topic.kmsMasterKeyId === undefined)
      report(`Topic "${args.name}" has no KMS key; set kmsMasterKeyId.`);
  }),
});
const demoStack = stackRule({
  name: "require-sns-topics-keys",
  description: "Every topic is encrypted.",
  severity: "low",
  validateStack: (args, report) => {
    for (const topic of args.resources.filter(
      (r) => r.type === TOPIC && r.props.kmsMasterKeyId === undefined,
    )) {
      report(`Topic "${topic.name}" has no KMS key.`, topic.urn);
    }
  },
});

describe("policy rules (lib/rule)", () => {
  usePolicyDay("2026-11-22");

  it("are mandatory by default, keep the engine's type fast path and accept waivers in their config", async () => {
    assert.equal(demo.enforcementLevel, "mandatory");
    assert.equal((demo.validateResource as { __pulumiType?: string }).__pulumiType, TOPIC);
    assert.deepEqual(Object.keys(demo.configSchema?.properties ?? {}), ["keyAliasPrefix", "waivers"]);
    const other = await checkResource(demo, "aws:s3/bucket:Bucket", {});
    assert.deepEqual(other.notApplicable, [`Policy only applies to resources of type '${TOPIC}'`]);
  });

  it("for several types are one validation that runs the type's own, so that the engine decodes each resource once", async () => {
    const topicOrQueue = resourceRule({
      name: "require-messaging-keys",
      description: "Topics and queues are encrypted with a customer-managed key.",
      severity: "medium",
      validateResource: [
        validateResourceOfType(aws.sns.Topic, (topic, args, report) => {
          if (topic.kmsMasterKeyId === undefined) report(`Topic "${args.name}" has no KMS key.`);
        }),
        validateResourceOfType(aws.sqs.Queue, (queue, args, report) => {
          if (queue.kmsMasterKeyId === undefined) report(`Queue "${args.name}" has no KMS key.`);
        }),
      ],
    });
    assert.equal(typeof topicOrQueue.validateResource, "function");
    assert.deepEqual((await checkResource(topicOrQueue, TOPIC, {}, { name: "alerts" })).violations, [
      'Topic "alerts" has no KMS key.',
    ]);
    const queue = await checkResource(topicOrQueue, "aws:sqs/queue:Queue", {}, { name: "jobs" });
    assert.deepEqual(queue.violations, ['Queue "jobs" has no KMS key.']);
    assert.deepEqual(queue.notApplicable, []);
    const bucket = await checkResource(topicOrQueue, "aws:s3/bucket:Bucket", {});
    assert.deepEqual(bucket.notApplicable, [
      `Policy only applies to resources of types '${TOPIC}', 'aws:sqs/queue:Queue'`,
    ]);
  });

  it("for several types stay a list when a validation is for any type or two are for the same type", () => {
    const anyType: ResourceValidation = () => undefined;
    const topic = validateResourceOfType(aws.sns.Topic, () => undefined);
    assert.equal(byResourceType([topic, anyType]), undefined);
    assert.equal(byResourceType([topic, validateResourceOfType(aws.sns.Topic, () => undefined)]), undefined);
    const rule = resourceRule({
      name: "demo-rule",
      description: "A demo.",
      severity: "low",
      validateResource: [topic, anyType],
    });
    assert.ok(Array.isArray(rule.validateResource));
    assert.equal((rule.validateResource as ResourceValidation[]).length, 2);
  });

  it("carry their severity and controls as the policy's severity and tags, which the engine is served", () => {
    assert.equal(demo.severity, "medium");
    assert.deepEqual(demo.tags, ["SNS.1"]);
    assert.deepEqual(ruleMetadata(demo), { severity: "medium", controls: ["SNS.1"] });
    assert.deepEqual(demoStack.tags, []);
    assert.deepEqual(ruleMetadata(demoStack), { severity: "low", controls: [] });
    // A policy not built by resourceRule or stackRule has no metadata of ours.
    assert.equal(ruleMetadata({ name: "other", description: "Other." }), undefined);
  });

  it("refuse a control that is not a control id, naming the rule and each such control", () => {
    assert.throws(
      () =>
        stackRule({
          name: "require-sns-topics-keys",
          description: "Every topic is encrypted.",
          severity: "medium",
          controls: ["SNS.1", "SNS 2", "FSBP-SNS.1", "SNS."],
          validateStack: () => undefined,
        }),
      {
        message:
          'Rule "require-sns-topics-keys": controls "SNS 2", "FSBP-SNS.1", "SNS." are not control ids like "S3.5" (<service>.<number>).',
      },
    );
  });

  it("report findings that no waiver covers", async () => {
    const outcome = await checkResource(demo, TOPIC, {}, { name: "alerts" });
    assert.deepEqual(outcome.violations, ['Topic "alerts" has no KMS key; set kmsMasterKeyId.']);
  });

  it("set aside a finding a waiver covers, and record it for the waiver listing", async () => {
    const waivers = [{ resource: "alerts", reason: "key arrives in INC-42", expires: "2026-12-01" }];
    const outcome = await checkResource(demo, TOPIC, {}, { name: "alerts", config: { waivers } });
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(waivedFindings(), [
      {
        policy: "require-sns-topic-key",
        resource: { name: "alerts", urn: urnOf(TOPIC, "alerts") },
        message: 'Topic "alerts" has no KMS key; set kmsMasterKeyId.',
        waiver: waivers[0],
      },
    ]);
    // The stack holds the topic, so the waiver matches a resource and only the waived finding is listed.
    const listing = await checkStack(
      listPolicyWaivers,
      policyResources([{ type: TOPIC, name: "alerts", props: {} }]),
    );
    assert.deepEqual(listing.violations, [
      'Waived until 2026-12-01 (key arrives in INC-42) — require-sns-topic-key: Topic "alerts" has no KMS key; set kmsMasterKeyId.',
    ]);
    assert.deepEqual(listing.urns, [urnOf(TOPIC, "alerts")]);
    assert.equal(listPolicyWaivers.enforcementLevel, "advisory");
  });

  it("report a finding whose waiver has expired, saying so", async () => {
    const waivers = [{ resource: "alerts", reason: "key arrives in INC-42", expires: "2026-11-01" }];
    const outcome = await checkResource(demo, TOPIC, {}, { name: "alerts", config: { waivers } });
    assert.deepEqual(outcome.violations, [
      'Topic "alerts" has no KMS key; set kmsMasterKeyId. (The waiver for "alerts" expired on 2026-11-01: key arrives in INC-42.)',
    ]);
    assert.deepEqual(waivedFindings(), []);
  });

  it("waive stack findings by the URN they are reported against", async () => {
    const resources = policyResources([
      { type: TOPIC, name: "alerts", props: {} },
      { type: TOPIC, name: "audit", props: {} },
    ]);
    const waivers = [{ resource: "*::audit", reason: "audit topic is public data", expires: "2027-01-01" }];
    const outcome = await checkStack(demoStack, resources, { config: { waivers } });
    assert.deepEqual(outcome.violations, ['Topic "alerts" has no KMS key.']);
    assert.deepEqual(
      waivedFindings().map((f) => f.resource.name),
      ["audit"],
    );
  });
});

describe("the pack's rules (policies/pack.ts)", function () {
  // Loading the pack's rules reads AWS's IAM data once.
  this.timeout(60_000);

  it("each have a severity, and controls only as AWS Foundational Security Best Practices ids (<service>.<number>)", () => {
    const severities = ["critical", "high", "medium", "low"];
    assert.deepEqual(
      policies
        .filter((policy) => !severities.includes(ruleMetadata(policy)?.severity ?? ""))
        .map((p) => p.name),
      [],
    );
    const malformed = policies.flatMap((policy) =>
      (ruleMetadata(policy)?.controls ?? [])
        .filter((control) => !/^[A-Za-z0-9]+\.[0-9]+$/.test(control))
        .map((control) => `${policy.name}: ${control}`),
    );
    assert.deepEqual(malformed, []);
  });
});
