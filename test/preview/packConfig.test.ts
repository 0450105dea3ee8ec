import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { WAIVERS_SCHEMA } from "../../policies/lib/waivers";
import {
  PackConfigError,
  parsePackConfig,
  PolicyDescription,
  readPackConfigFile,
  reconcilePackConfig,
} from "../../preview/packConfig";
import { REPOSITORY_ROOT } from "../../preview/stackFile";

const FILE = "policies/config/prod.json";

const TAGS: PolicyDescription = {
  name: "require-resources-tags",
  description: "Tags.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      requiredTags: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: ["Environment", "Owner"],
      },
      environment: { type: "string", default: "" },
      waivers: WAIVERS_SCHEMA,
    },
  },
};

const PASS_ROLE: PolicyDescription = {
  name: "restrict-iam-pass-role",
  description: "PassRole.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedPassedToServices: { type: "array", items: { type: "string" }, default: [] },
      waivers: WAIVERS_SCHEMA,
    },
  },
};

const STRATEGY: PolicyDescription = {
  name: "require-deployment-strategy",
  description: "Strategy.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: { strategy: { type: "string", enum: ["BLUE_GREEN", "CANARY"], default: "CANARY" } },
  },
};

/** A policy without settings (no configSchema at all). */
const LISTING: PolicyDescription = {
  name: "list-policy-waivers",
  description: "Waivers.",
  enforcementLevel: "advisory",
};

const POLICIES = [TAGS, PASS_ROLE, STRATEGY, LISTING];

function reconcile(text: string, policies = POLICIES) {
  return reconcilePackConfig(policies, { label: FILE, entries: parsePackConfig(FILE, text) });
}

/** The problems a config is refused with. */
function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof PackConfigError) return error.problems;
    throw error;
  }
  return assert.fail("the config was accepted");
}

const DEFAULTS = {
  "require-resources-tags": {
    enforcementLevel: "mandatory",
    properties: { requiredTags: ["Environment", "Owner"], environment: "", waivers: [] },
  },
  "restrict-iam-pass-role": {
    enforcementLevel: "mandatory",
    properties: { allowedPassedToServices: [], waivers: [] },
  },
  "require-deployment-strategy": { enforcementLevel: "advisory", properties: { strategy: "CANARY" } },
  "list-policy-waivers": { enforcementLevel: "advisory", properties: {} },
};

describe("the pack config", () => {
  it("gives every policy its schema defaults and the pack's level when the file does not name it", () => {
    assert.deepEqual(reconcile("{}"), DEFAULTS);
    assert.deepEqual(reconcile(""), DEFAULTS);
  });

  it("takes a level string, or an object with an optional level and settings over the defaults", () => {
    const config = reconcile(
      JSON.stringify({
        "require-resources-tags": { environment: "prod", requiredTags: ["Owner"] },
        "restrict-iam-pass-role": "advisory",
        "require-deployment-strategy": { enforcementLevel: "mandatory", strategy: "BLUE_GREEN" },
        "list-policy-waivers": { enforcementLevel: "disabled" },
      }),
    );
    assert.deepEqual(config, {
      // A setting replaces its default as a whole: the tag lists are not merged.
      "require-resources-tags": {
        enforcementLevel: "mandatory",
        properties: { requiredTags: ["Owner"], environment: "prod", waivers: [] },
      },
      "restrict-iam-pass-role": {
        enforcementLevel: "advisory",
        properties: { allowedPassedToServices: [], waivers: [] },
      },
      "require-deployment-strategy": {
        enforcementLevel: "mandatory",
        properties: { strategy: "BLUE_GREEN" },
      },
      "list-policy-waivers": { enforcementLevel: "disabled", properties: {} },
    });
  });

  it("sets every level with `all`, a policy's own level winning, as the CLI does", () => {
    const config = reconcile(JSON.stringify({ all: "disabled", "restrict-iam-pass-role": "mandatory" }));
    assert.deepEqual(
      Object.fromEntries(Object.entries(config).map(([name, policy]) => [name, policy.enforcementLevel])),
      {
        "require-resources-tags": "disabled",
        "restrict-iam-pass-role": "mandatory",
        "require-deployment-strategy": "disabled",
        "list-policy-waivers": "disabled",
      },
    );
  });

  it("puts the pack's initial config between the schema defaults and the file", () => {
    const initial = new Map([
      [
        "require-resources-tags",
        { enforcementLevel: "advisory" as const, properties: { environment: "staging" } },
      ],
    ]);
    const file = {
      label: FILE,
      entries: parsePackConfig(FILE, '{"require-resources-tags":{"requiredTags":["Owner"]}}'),
    };
    assert.deepEqual(reconcilePackConfig([TAGS], file, initial), {
      "require-resources-tags": {
        enforcementLevel: "advisory",
        properties: { requiredTags: ["Owner"], environment: "staging", waivers: [] },
      },
    });
  });

  it("hands out copies of the defaults, so that the schema's stay as they are", () => {
    const config = reconcile("{}");
    (config["require-resources-tags"]?.properties.requiredTags as string[]).push("Changed");
    assert.deepEqual(reconcile("{}"), DEFAULTS);
  });

  it("refuses a policy the pack does not have, naming the nearest one", () => {
    assert.deepEqual(
      problemsOf(() => reconcile('{"require-resource-tags": "mandatory", "all": {"environment": "prod"}}')),
      [
        `${FILE}: "require-resource-tags": the pack has no such policy (did you mean "require-resources-tags"?)`,
        `${FILE}: "all": takes an enforcement level only; settings belong to each policy`,
      ],
    );
  });

  it("refuses values the policy's configSchema refuses, all of them at once", () => {
    const text = JSON.stringify({
      "require-resources-tags": {
        requiredTags: ["Owner", ""],
        environment: 7,
        waivers: [{ resource: "mlops-*", reason: "migration", expires: "soon", ticket: "OPS-1" }],
      },
      "restrict-iam-pass-role": {
        allowedPassedToServices: ["sagemaker.amazonaws.com", 3],
        allowedServices: [],
      },
      "require-deployment-strategy": { strategy: "ALL_AT_ONCE" },
    });
    assert.deepEqual(
      problemsOf(() => reconcile(text)),
      [
        `${FILE}: "require-resources-tags".requiredTags[1]: must NOT be shorter than 1 characters`,
        `${FILE}: "require-resources-tags".environment: must be string`,
        `${FILE}: "require-resources-tags".waivers[0].ticket: is not an allowed property`,
        `${FILE}: "require-resources-tags".waivers[0].expires: must match pattern "^\\d{4}-\\d{2}-\\d{2}$"`,
        `${FILE}: "restrict-iam-pass-role".allowedServices: the policy has no such setting (its settings: allowedPassedToServices, waivers)`,
        `${FILE}: "restrict-iam-pass-role".allowedPassedToServices[1]: must be string`,
        `${FILE}: "require-deployment-strategy".strategy: must be one of "BLUE_GREEN", "CANARY"`,
      ],
    );
  });

  it("refuses a setting the schema requires and that has no default, and settings of a policy without any", () => {
    const region: PolicyDescription = {
      name: "require-region",
      description: "Region.",
      enforcementLevel: "mandatory",
      configSchema: { properties: { region: { type: "string" } }, required: ["region"] },
    };
    assert.deepEqual(
      problemsOf(() => reconcile('{"list-policy-waivers": {"since": 1}}', [region, LISTING])),
      [
        `${FILE}: "require-region".region: is required`,
        `${FILE}: "list-policy-waivers".since: the policy has no settings`,
      ],
    );
  });

  it("refuses an entry that is neither an enforcement level nor an object with one", () => {
    const text = JSON.stringify({
      "require-resources-tags": "enforced",
      "restrict-iam-pass-role": { enforcementLevel: "warn" },
      "list-policy-waivers": 1,
    });
    assert.deepEqual(
      problemsOf(() => reconcile(text)),
      [
        `${FILE}: "require-resources-tags": must be one of "advisory", "mandatory", "remediate", "disabled"`,
        `${FILE}: "restrict-iam-pass-role".enforcementLevel: must be one of "advisory", "mandatory", "remediate", "disabled"`,
        `${FILE}: "list-policy-waivers": must be an enforcement level or an object of settings`,
      ],
    );
  });

  it("refuses a file that is not a JSON object", () => {
    assert.deepEqual(
      problemsOf(() => reconcile('["mandatory"]')),
      [`${FILE}: must be an object with an entry per policy`],
    );
    const [problem, ...more] = problemsOf(() => reconcile("{ mandatory"));
    assert.match(problem ?? "", /^policies\/config\/prod\.json: not valid JSON \(.+\)$/);
    assert.deepEqual(more, []);
  });
});

describe("the pack config of a stack", () => {
  const repository = mkdtempSync(path.join(tmpdir(), "mlops-pack-config-"));
  const folder = path.join(repository, "policies", "config");
  before(() => {
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "staging.json"), '{"list-policy-waivers": "advisory"}');
    writeFileSync(path.join(repository, "mine.json"), '{"all": "advisory"}');
  });
  after(() => rmSync(repository, { recursive: true, force: true }));

  it("is policies/config/<stack>.json, named relative to the repository", () => {
    const { file, label, entries } = readPackConfigFile({ stack: "staging", repository });
    assert.equal(file, path.join(folder, "staging.json"));
    assert.equal(label, path.join("policies", "config", "staging.json"));
    assert.deepEqual([...entries.keys()], ["list-policy-waivers"]);
  });

  it("or the file --policy-config names, for any stack", () => {
    const given = path.join(repository, "mine.json");
    const { file, label } = readPackConfigFile({ stack: "qa", configFile: given, repository });
    assert.equal(file, given);
    assert.equal(label, "mine.json");
  });

  it("a stack without one gets one line naming the file to create and the flag: there is no default file", () => {
    assert.deepEqual(
      problemsOf(() => readPackConfigFile({ stack: "qa", repository })),
      [
        `${path.join("policies", "config", "qa.json")}: no such file: stack qa has no pack config; create it ` +
          `(e.g. a copy of ${path.join("policies", "config", "staging.json")} with require-resources-tags.environment ` +
          `set to this stack's environment) or pass --policy-config <file>`,
      ],
    );
    const missing = path.join(repository, "missing.json");
    assert.deepEqual(
      problemsOf(() => readPackConfigFile({ stack: "qa", configFile: missing, repository })),
      ["missing.json: no such file (--policy-config)"],
    );
  });

  it("each shipped stack has its own", () => {
    for (const stack of ["staging", "prod"]) {
      const { label } = readPackConfigFile({ stack, repository: REPOSITORY_ROOT });
      assert.equal(label, path.join("policies", "config", `${stack}.json`));
    }
  });
});
