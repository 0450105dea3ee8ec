import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import assert from "node:assert/strict";
import { resourceRule, stackRule, waivedFindings } from "../../../policies/lib/rule";
import { listPolicyWaivers } from "../../../policies/rules/list-policy-waivers";
import { checkResource, checkStack, policyResources, urnOf, usePolicyDay } from "../../helpers/policyArgs";

const TOPIC = "aws:sns/topic:Topic";
/** A rule that finds every topic without a KMS key, the way real rules are written. */
const demo = resourceRule({
  name: "require-sns-topic-key",
  description: "Topics are encrypted with a customer-managed key.",
  config: { keyAliasPrefix: { type: "string", default: "alias/" } },
  validateResource: validateResourceOfType(aws.sns.Topic, (topic, args, report) => {
    if (topic.kmsMasterKeyId === undefined)
      report(`Topic "${args.name}" has no KMS key; set kmsMasterKeyId.`);
  }),
});
const demoStack = stackRule({
  name: "require-sns-topics-keys",
  description: "Every topic is encrypted.",
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
    const listing = await checkStack(listPolicyWaivers, []);
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
