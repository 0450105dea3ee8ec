import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import {
  parsePlan,
  type Plan,
  type PlanResource,
  REPOSITORY_ROOT,
  runProgramOffline,
  toJson,
} from "../../preview";
import { type CommandResult, runCommand } from "../helpers/commands";

/** `npm run preview -- <args>`, as package.json runs it. */
const preview = (args: readonly string[]) =>
  runCommand(path.join(REPOSITORY_ROOT, "preview", "cli.ts"), args, ["--max-semi-space-size=64"]);

/**
 * A new environment made the way docs/environments.md says: staging's stack file under the new
 * stack's name with its environment, AWS account and GitHub environment changed, and a pack config
 * copied from staging's with the Environment tag's value, the registries served from and the
 * trusted accounts changed. Returns the files' folder.
 */
function addEnvironment(root: string, name: string, account: string): { packConfig: string } {
  writeFileSync(path.join(root, "Pulumi.yaml"), readFileSync(path.join(REPOSITORY_ROOT, "Pulumi.yaml")));
  const stackFile = parse(readFileSync(path.join(REPOSITORY_ROOT, "Pulumi.staging.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  const config = stackFile.config;
  config["mlops:environment"] = name;
  config["aws:allowedAccountIds"] = [account];
  const delivery = config["mlops:delivery"] as { github: { deployEnvironment: string } };
  delivery.github.deployEnvironment = name;
  // qa builds models of its own: it shares them with nobody.
  delete config["mlops:promotion"];
  writeFileSync(path.join(root, `Pulumi.${name}.yaml`), stringify(stackFile));

  const pack = JSON.parse(
    readFileSync(path.join(REPOSITORY_ROOT, "policies", "config", "staging.json"), "utf8"),
  ) as Record<
    string,
    { environment?: string; allowedModelPackageGroups?: string[]; trustedAccounts?: string[] }
  >;
  pack["require-resources-tags"].environment = name;
  // qa shares nothing and serves its own models: its account is the only one its policies name.
  pack["restrict-iam-resource-principals"].trustedAccounts = [account];
  pack["restrict-iam-trust-principals"].trustedAccounts = [account];
  pack["restrict-sagemaker-model-sources"].allowedModelPackageGroups = [
    `arn:aws:sagemaker:us-east-1:${account}:model-package-group/mlops-${name}-*`,
  ];
  mkdirSync(path.join(root, "policies", "config"), { recursive: true });
  const packConfig = path.join(root, "policies", "config", `${name}.json`);
  writeFileSync(packConfig, JSON.stringify(pack, null, 2));
  return { packConfig };
}

/**
 * The physical names a plan gives AWS: every name-like input of its resources, and the ids and
 * ARNs the mocks give them (a name, or an ARN, which carries the account; objects within their bucket).
 */
function physicalNames(plan: Plan): Set<string> {
  const names = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === "string" && value !== "") names.add(value);
  };
  const inputKeys = ["name", "bucket", "namePrefix", "functionName", "topicName", "ruleName", "alarmName"];
  for (const resource of plan.resources as PlanResource[]) {
    if (!resource.custom) continue;
    for (const key of inputKeys) add(resource.inputs[key]);
    // An object's id is its key, named within its bucket.
    if (resource.type.startsWith("aws:s3/bucketObject")) add(`${resource.inputs.bucket}/${resource.id}`);
    else add(resource.id);
    add(resource.outputs.arn);
  }
  return names;
}

describe("an environment added as docs/environments.md says (qa, from staging)", function () {
  this.timeout(120_000);
  const root = mkdtempSync(path.join(tmpdir(), "mlops-qa-"));
  const plans: { staging?: Plan; qa?: Plan } = {};
  const runs: { qa?: CommandResult } = {};
  before(async () => {
    const { packConfig } = addEnvironment(root, "qa", "333333333333");
    // qa through the command, as docs/environments.md says; staging, whose names qa's are compared
    // with, from the offline run that `npm run preview -- --stack staging --json` writes (that the
    // command previews staging and exits 0 is test/preview/cli.test.ts's to check).
    const [staging, qa] = await Promise.all([
      runProgramOffline({ stack: "staging" }),
      preview([
        "--stack",
        "qa",
        "--root",
        root,
        "--policy-config",
        packConfig,
        "--json",
        path.join(root, "qa-plan.json"),
      ]),
    ]);
    runs.qa = qa;
    assert.equal(qa.code, 0, `qa: ${qa.stderr}`);
    const file = path.join(root, "qa-plan.json");
    plans.qa = parsePlan(readFileSync(file, "utf8"), file);
    plans.staging = parsePlan(toJson({ ...staging, findings: [] }), "staging");
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const planOf = (stack: "staging" | "qa") => plans[stack] ?? assert.fail(`${stack} did not run`);

  it("previews with no policy finding", () => {
    assert.deepEqual(planOf("qa").findings, []);
    assert.match(runs.qa?.stdout ?? "", /\nPolicy: no findings\n$/);
  });

  it("is an environment of its own: its name in outputs and tags, its account in ARNs", () => {
    const qa = planOf("qa");
    assert.equal((qa.outputs as { environment?: string }).environment, "qa");
    const tagged = qa.resources.filter((r) => r.custom && typeof r.inputs.tags === "object");
    assert.ok(tagged.length > 10);
    for (const resource of tagged) {
      assert.equal((resource.inputs.tags as Record<string, string>).Environment, "qa", resource.urn);
    }
    const arns = qa.resources.flatMap((r) => (typeof r.outputs.arn === "string" ? [r.outputs.arn] : []));
    assert.ok(arns.length > 10);
    for (const arn of arns) assert.doesNotMatch(arn, /:111111111111:/, arn);
  });

  it("shares no physical name with staging", () => {
    const staging = physicalNames(planOf("staging"));
    const qa = physicalNames(planOf("qa"));
    assert.ok(qa.size > 50, `${qa.size} names`);
    assert.deepEqual(
      [...qa].filter((name) => staging.has(name)),
      [],
    );
    for (const resource of planOf("qa").resources) {
      if (resource.type !== "pulumi:providers:aws") assert.match(resource.name, /^mlops-qa-/, resource.urn);
    }
  });
});
