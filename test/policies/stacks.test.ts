import type { EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { clearWaivedFindings } from "../../policies/lib/rule";
import { checkResource, checkStack, policyResources, StackResourceInput } from "../helpers/policyArgs";
import { StackName } from "../helpers/stackFiles";
import { ACCOUNT_ID } from "../helpers/mocks";
import { knownStacks, readStackConfigFile, stackAccountId } from "../../preview";
import { previewStacks, programStacks, sharingStack } from "../helpers/programStacks";
import { PERMISSION_DOCUMENT_TYPES } from "../../policies/lib/iamDocuments";

const PACK = path.resolve(__dirname, "..", "..", "policies");
type Rule = ResourceValidationPolicy | StackValidationPolicy;

/** Every rule in policies/rules, loaded file by file (tests never import the pack's index). */
function loadRules(): Rule[] {
  return readdirSync(path.join(PACK, "rules"))
    .filter((file) => file.endsWith(".ts"))
    .map((file) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const loaded = require(path.join(PACK, "rules", file)) as Record<string, unknown>;
      const exports = Object.values(loaded).filter(
        (value): value is Rule =>
          typeof value === "object" &&
          value !== null &&
          ("validateResource" in value || "validateStack" in value),
      );
      assert.equal(exports.length, 1, `${file} exports one rule`);
      assert.equal(exports[0].name, file.replace(/\.ts$/, ""), `${file} names its rule after the file`);
      return exports[0];
    });
}

/**
 * The pack config a stack's CI passes with --policy-pack-config. The stacks run here under mocks, all
 * in the mock account and against one local registry, so the stacks' own accounts that a config
 * names (a source registry's, in restrict-sagemaker-model-sources) are that account here, and the
 * accounts a rule trusts (`trustedAccounts`) include it; the accounts a stack shares its models
 * with keep their ids, as the program writes them from the stack's config.
 */
function packConfig(
  stack: StackName,
): Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)> {
  let text = readFileSync(path.join(PACK, "config", `${stack}.json`), "utf8");
  for (const known of knownStacks()) {
    const account = stackAccountId(known, readStackConfigFile(known).config);
    if (account !== undefined) text = text.replaceAll(`:${account}:`, `:${ACCOUNT_ID}:`);
  }
  const config = JSON.parse(text) as Record<string, unknown>;
  for (const entry of Object.values(config)) {
    const settings = entry as { trustedAccounts?: unknown };
    if (typeof entry === "object" && Array.isArray(settings.trustedAccounts))
      settings.trustedAccounts = [...(settings.trustedAccounts as string[]), ACCOUNT_ID];
  }
  return config as ReturnType<typeof packConfig>;
}

/** The rules that compare accounts with the pack config's `trustedAccounts`. */
const ACCOUNT_RULES = ["restrict-iam-resource-principals", "restrict-iam-trust-principals"];

/**
 * The accounts a stack's config names: the one it deploys to (`aws:allowedAccountIds`), those it
 * shares its models with (`mlops:promotion.consumerAccounts`), and those whose registries it
 * serves from (the account of each `models[].source.modelPackageGroupArn`).
 */
function stackConfigAccounts(stack: StackName): string[] {
  const config = readStackConfigFile(stack).config;
  const json = (key: string): unknown => (config[key] === undefined ? undefined : JSON.parse(config[key]));
  const allowed = (json("aws:allowedAccountIds") ?? []) as string[];
  const consumers =
    ((json("mlops:promotion") ?? {}) as { consumerAccounts?: string[] }).consumerAccounts ?? [];
  const sources = ((json("mlops:models") ?? []) as { source?: { modelPackageGroupArn?: string } }[]).flatMap(
    (model) =>
      /^arn:[^:]+:sagemaker:[^:]*:(\d{12}):/.exec(model.source?.modelPackageGroupArn ?? "")?.[1] ?? [],
  );
  return [...new Set([...allowed, ...consumers, ...sources])].sort();
}

interface Finding {
  readonly policy: string;
  readonly level: EnforcementLevel;
  readonly resource: string;
  readonly message: string;
}

/** The engine's advisory when a rule needs a value that is unknown during preview. */
interface Deferred {
  readonly policy: string;
  readonly resource: string;
  readonly message: string;
}

/** Runs every rule over a stack's resources the way the engine does, with the stack's pack config. */
async function evaluate(
  stack: StackName,
  resources: readonly StackResourceInput[],
  deferred?: Deferred[],
): Promise<Finding[]> {
  clearWaivedFindings();
  const config = packConfig(stack);
  const findings: Finding[] = [];
  const rules = loadRules();
  // The waiver listing runs after the rules whose findings it lists, as in the pack.
  rules.sort((a, b) => Number(a.name === "list-policy-waivers") - Number(b.name === "list-policy-waivers"));
  for (const rule of rules) {
    const entry = config[rule.name];
    const { enforcementLevel, ...settings } =
      typeof entry === "string" ? { enforcementLevel: entry } : (entry ?? {});
    const level = enforcementLevel ?? rule.enforcementLevel ?? "advisory";
    if (level === "disabled") continue;
    const outcomes =
      "validateStack" in rule
        ? [
            {
              resource: "(stack)",
              outcome: await checkStack(rule, policyResources(resources), { config: settings }),
            },
          ]
        : await Promise.all(
            resources.map(async (r) => ({
              resource: r.name,
              outcome: await checkResource(rule, r.type, r.props, {
                name: r.name,
                urn: r.urn,
                protect: r.protect,
                config: settings,
              }),
            })),
          );
    for (const { resource, outcome } of outcomes) {
      if (deferred)
        deferred.push(...outcome.unknown.map((message) => ({ policy: rule.name, resource, message })));
      else
        assert.deepEqual(
          outcome.unknown,
          [],
          `${rule.name} on ${resource}: every value is known under mocks`,
        );
      for (const message of outcome.violations)
        findings.push({ policy: rule.name, level, resource, message });
    }
  }
  return findings;
}

describe("the policy pack on the program's own stacks", () => {
  const findings: Partial<Record<StackName, Finding[]>> = {};
  before(async () => {
    const stacks = await programStacks();
    for (const stack of ["staging", "prod"] as const) findings[stack] = await evaluate(stack, stacks[stack]);
  });

  for (const stack of ["staging", "prod"] as const) {
    it(`${stack}: no mandatory finding`, () => {
      const mandatory = (findings[stack] ?? assert.fail("not evaluated")).filter(
        (f) => f.level === "mandatory",
      );
      assert.deepEqual(mandatory, []);
    });

    it(`${stack}: no advisory finding either`, () => {
      const advisory = (findings[stack] ?? assert.fail("not evaluated")).filter(
        (f) => f.level === "advisory",
      );
      assert.deepEqual(advisory, []);
    });
  }

  it("staging sharing its models with another account: no finding at all", async () => {
    assert.deepEqual(await evaluate("staging", await sharingStack()), []);
  });

  it("the IAM rules read every policy document the stacks create, sharing ones included", async () => {
    const stacks = await programStacks();
    const unread = [...stacks.staging, ...stacks.prod, ...(await sharingStack())]
      .filter((r) => ["policy", "resourcePolicy"].some((prop) => r.props[prop] !== undefined))
      .map((r) => r.type)
      .filter((type) => !PERMISSION_DOCUMENT_TYPES.includes(type));
    assert.deepEqual([...new Set(unread)], []);
  });

  it("first preview: no mandatory finding, and each rule checks what is known or defers", async () => {
    const previews = await previewStacks();
    for (const stack of ["staging", "prod"] as const) {
      const deferred: Deferred[] = [];
      const found = await evaluate(stack, previews[stack], deferred);
      assert.deepEqual(
        found.filter((f) => f.level === "mandatory"),
        [],
        stack,
      );
      assert.deepEqual(
        found.filter((f) => f.level !== "mandatory"),
        [],
        stack,
      );
      // Documents built from ARNs wait for `pulumi up`; so do, in a stack that builds models, the
      // definition built from bucket names, and the trust of a role a rule's target runs as (the
      // approval dispatch's, drift forwarding's), which names its rule by ARN.
      const has = (type: string) => previews[stack].some((r) => r.type === type);
      const targetsRunAsRoles = previews[stack].some(
        (r) => r.type === "aws:cloudwatch/eventTarget:EventTarget" && r.props.roleArn !== undefined,
      );
      const waiting = [
        ...new Set(deferred.map((d) => `${d.policy} ${d.message.replace(/^.* value at /, "")}`)),
      ];
      assert.deepEqual(
        waiting.sort(),
        [
          "forbid-iam-unknown-actions .policy can't be known during preview",
          "forbid-iam-wildcard-actions .policy can't be known during preview",
          "forbid-iam-wildcard-resources .policy can't be known during preview",
          ...(has("aws:sagemaker/pipeline:Pipeline")
            ? [
                "limit-sagemaker-instance-types .pipelineDefinition can't be known during preview",
                "require-endpoint-instance-counts .pipelineDefinition can't be known during preview",
                "require-sagemaker-network-isolation .pipelineDefinition can't be known during preview",
              ]
            : []),
          ...(targetsRunAsRoles
            ? ["require-iam-service-source-conditions .assumeRolePolicy can't be known during preview"]
            : []),
          "require-iam-service-source-conditions .policy can't be known during preview",
          "restrict-iam-pass-role .policy can't be known during preview",
          "restrict-iam-resource-principals .policy can't be known during preview",
          ...(targetsRunAsRoles
            ? ["restrict-iam-trust-principals .assumeRolePolicy can't be known during preview"]
            : []),
        ].sort(),
        stack,
      );
    }
  });

  it("every rule declares a default for each of its settings, and every setting in the config files exists", () => {
    for (const rule of loadRules()) {
      const properties = rule.configSchema?.properties ?? {};
      for (const [key, property] of Object.entries(properties)) {
        assert.notEqual(property.default, undefined, `${rule.name}.${key} has a default`);
      }
      for (const stack of ["staging", "prod"] as const) {
        const entry = packConfig(stack)[rule.name];
        const keys =
          typeof entry === "object" ? Object.keys(entry).filter((k) => k !== "enforcementLevel") : [];
        assert.deepEqual(
          keys.filter((key) => !(key in properties)),
          [],
          `${stack}: settings of ${rule.name}`,
        );
      }
    }
  });

  it("each stack's pack config trusts exactly the accounts its stack config names", () => {
    for (const stack of ["staging", "prod"] as const) {
      const config = JSON.parse(readFileSync(path.join(PACK, "config", `${stack}.json`), "utf8")) as Record<
        string,
        { trustedAccounts?: string[] }
      >;
      for (const rule of ACCOUNT_RULES) {
        assert.deepEqual(
          [...(config[rule]?.trustedAccounts ?? [])].sort(),
          stackConfigAccounts(stack),
          `${stack}: ${rule}.trustedAccounts`,
        );
      }
    }
    // The accounts of the shipped stacks: each its own, staging's consumer (prod), prod's source (staging).
    assert.deepEqual(stackConfigAccounts("staging"), ["111111111111", "222222222222"]);
    assert.deepEqual(stackConfigAccounts("prod"), ["111111111111", "222222222222"]);
  });

  it("both stacks have a pack config that names only rules of the pack", () => {
    const names = new Set(loadRules().map((rule) => rule.name));
    for (const stack of ["staging", "prod"] as const) {
      assert.deepEqual(
        Object.keys(packConfig(stack)).filter((name) => !names.has(name)),
        [],
        stack,
      );
    }
  });
});
