import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type { AnalyzerInfo } from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { compilePack, PackConfigError, runPack, startPack } from "../../preview/pack";
import type { PlanFinding, PlanResource } from "../../preview/plan";
import { exitsWithin } from "../helpers/processes";

const REPO = path.resolve(__dirname, "..", "..");
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const TAGS = {
  Environment: "staging",
  Project: "mlops-platform",
  Owner: "ml@example.com",
  CostCenter: "ML-1",
};

function urnOf(type: string, name: string): string {
  return `urn:pulumi:staging::mlops::${type}::${name}`;
}

function resource(type: string, name: string, inputs: Record<string, unknown>): PlanResource {
  return {
    urn: urnOf(type, name),
    type,
    name,
    id: "",
    parent: "",
    custom: true,
    dependencies: [],
    propertyDependencies: {},
    options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false },
    inputs,
    // As in a first preview: the inputs, and what AWS computes unknown.
    outputs: { ...inputs, arn: UNKNOWN },
  };
}

const BUCKET = resource("aws:s3/bucket:Bucket", "data", { tags: TAGS });
const WILDCARD = resource("aws:iam/rolePolicy:RolePolicy", "wide", {
  role: "pipeline-role",
  policy: JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
  }),
});
/** A policy built from an ARN: unknown until the role exists. */
const PENDING = resource("aws:iam/rolePolicy:RolePolicy", "pending", {
  role: "pipeline-role",
  policy: UNKNOWN,
});

const S3 =
  "Requires every S3 bucket to block public access, disable ACLs, encrypt with KMS by default (server access log buckets: SSE-S3), deny requests without TLS, keep object versions, and have an enabled lifecycle rule.\n";
const PACK = "'mlops-guardrails@v0.1.0'";

/** A policy that could not run on an unknown value: the engine's advisory. */
function cannotRun(policy: string): PlanFinding {
  return {
    policy,
    enforcementLevel: "advisory",
    urn: PENDING.urn,
    message: `can't run policy '${policy}' from policy pack ${PACK} during preview: string value at .policy can't be known during preview`,
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

describe("the policy pack, driven as the engine drives it", function () {
  // A cold compile transpiles the pack (about a second); later calls reuse it.
  this.timeout(60_000);
  let packDir = "";
  before(async () => {
    packDir = await compilePack();
  });

  it("is compiled ahead into a cache folder under the repository, reused while its sources are unchanged", async () => {
    const cache = path.join(REPO, "node_modules", ".cache", "mlops-preview", "pack");
    assert.equal(path.dirname(path.dirname(packDir)), cache);
    assert.match(path.basename(path.dirname(packDir)), /^[0-9a-f]{16}$/);
    assert.equal(path.basename(packDir), "policies");
    const files = filesUnder(packDir);
    for (const file of [
      "index.js",
      "PulumiPolicy.yaml",
      "package.json",
      path.join("lib", "taggableTypes.json"),
    ]) {
      assert.ok(files.includes(file), file);
    }
    assert.deepEqual(
      files.filter((file) => file.endsWith(".ts")),
      [],
    );
    assert.deepEqual(
      files.filter((file) => file.startsWith("config")),
      [],
    );
    assert.equal(JSON.parse(readFileSync(path.join(packDir, "package.json"), "utf8")).main, "index.js");
    // What the pack imports from outside policies/ is compiled next to it.
    assert.ok(existsSync(path.join(packDir, "..", "components", "endpoint", "instanceStorage.js")));

    const marker = path.join(packDir, "..", "compiled.json");
    const compiledAt = statSync(marker).mtimeMs;
    const started = Date.now();
    assert.equal(await compilePack(), packDir);
    assert.ok(Date.now() - started < 2_000, `reuse took ${Date.now() - started} ms`);
    assert.equal(statSync(marker).mtimeMs, compiledAt);
  });

  it("starts from the compiled folder, serves GetAnalyzerInfo, and stops leaving no process", async () => {
    const started = Date.now();
    const pack = await startPack(packDir);
    // The compiled pack loads JavaScript: no type check at start-up.
    assert.ok(Date.now() - started < 10_000, `start took ${Date.now() - started} ms`);
    assert.match(pack.address, /^127\.0\.0\.1:\d+$/);
    const client = new AnalyzerClient(pack.address, grpc.credentials.createInsecure());
    try {
      const info = await new Promise<AnalyzerInfo>((resolve, reject) =>
        client.getAnalyzerInfo(new Empty(), (error, response) => (error ? reject(error) : resolve(response))),
      );
      assert.equal(info.getName(), "mlops-guardrails");
      assert.equal(info.getPoliciesList().length, readdirSync(path.join(REPO, "policies", "rules")).length);
    } finally {
      client.close();
      await pack.stop();
      await pack.stop();
    }
    assert.throws(() => process.kill(pack.pid, 0), { code: "ESRCH" });
  });

  it("reports the findings `pulumi preview` would, with the stack's pack config, and stops the pack", async () => {
    let pid = 0;
    const progress: string[] = [];
    const findings = await runPack([BUCKET, WILDCARD, PENDING], {
      stack: "staging",
      onStarted: (started) => (pid = started),
      onProgress: (done, total) => progress.push(`${done}/${total}`),
    });
    assert.deepEqual(findings, [
      {
        policy: "forbid-iam-wildcard-actions",
        enforcementLevel: "mandatory",
        urn: WILDCARD.urn,
        message:
          "IAM policy documents must not allow every action of a service (*, service:*, NotAction) nor wildcard patterns that match write or permissions-management actions.\n" +
          'Role policy "wide", statement 1: action "s3:*" allows every s3 action; list the s3 actions that are needed.',
      },
      {
        policy: "forbid-iam-wildcard-resources",
        enforcementLevel: "mandatory",
        urn: WILDCARD.urn,
        message:
          'IAM policy documents must not allow actions that can be limited to named resources on Resource "*", NotResource, or ARN patterns whose wildcards reach other services, accounts or regions, or every resource of a type.\n' +
          'Role policy "wide", statement 1: Resource "*" applies to 165 actions that can be limited to named resources (s3:InitiateReplication, s3:PauseReplication, s3:AbortMultipartUpload, and 162 more); name the resources (ARNs) the statement needs.',
      },
      cannotRun("forbid-iam-wildcard-actions"),
      cannotRun("forbid-iam-wildcard-resources"),
      cannotRun("forbid-iam-unknown-actions"),
      cannotRun("restrict-iam-pass-role"),
      ...[
        "has no public access block; add an aws.s3.BucketPublicAccessBlock for it with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets set to true.",
        'has no ownership controls, so ACLs can still grant access beside its bucket policy; add an aws.s3.BucketOwnershipControls for it with rule.objectOwnership "BucketOwnerEnforced" (ACLs disabled).',
        'has no default encryption; add an aws.s3.BucketServerSideEncryptionConfiguration for it with sseAlgorithm "aws:kms" and the platform\'s KMS key as kmsMasterKeyId.',
        'has no versioning; add an aws.s3.BucketVersioning for it with versioningConfiguration.status "Enabled".',
        'has no bucket policy that denies requests without TLS; add an aws.s3.BucketPolicy for it with the statement {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":[bucket ARN, bucket ARN + "/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}.',
        'has no lifecycle configuration, so S3 keeps every object version until someone deletes it; add an aws.s3.BucketLifecycleConfiguration for it with a rule of status "Enabled" (e.g. with noncurrentVersionExpiration).',
      ].map((problem) => ({
        policy: "require-s3-bucket-protection",
        enforcementLevel: "mandatory" as const,
        urn: BUCKET.urn,
        message: `${S3}Bucket "data" ${problem}`,
      })),
      {
        policy: "require-data-kms-encryption",
        enforcementLevel: "mandatory",
        urn: BUCKET.urn,
        message:
          "Requires the platform's customer managed KMS key on SNS topics, SQS queues, log groups, EventBridge connections, S3 default encryption (except server access log buckets) and the S3 objects the stack writes.\n" +
          'Bucket "data" has no default encryption; give it an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and the platform\'s KMS key ARN as kmsMasterKeyId.',
      },
    ]);
    assert.deepEqual(progress, ["1/4", "2/4", "3/4", "4/4"]);
    assert.ok(pid > 0);
    assert.throws(() => process.kill(pid, 0), { code: "ESRCH" });
  });

  it("accepts prod's pack config", async () => {
    assert.deepEqual(await runPack([], { stack: "prod" }), []);
  });

  describe("with an invalid pack config", () => {
    let dir = "";
    before(() => (dir = mkdtempSync(path.join(tmpdir(), "pack-config-"))));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("refuses it with every problem once the pack has described its policies, and stops the pack", async () => {
      const configFile = path.join(dir, "staging.json");
      writeFileSync(
        configFile,
        JSON.stringify({
          "require-resource-tags": "mandatory",
          "restrict-iam-pass-role": { allowedPassedToServices: [3] },
        }),
      );
      let pid = 0;
      const refused = await runPack([BUCKET], {
        stack: "staging",
        configFile,
        onStarted: (p) => (pid = p),
      }).then(
        () => assert.fail("the config was accepted"),
        (error: unknown) => error,
      );
      assert.ok(refused instanceof PackConfigError, String(refused));
      assert.deepEqual(refused.problems, [
        `${configFile}: "require-resource-tags": the pack has no such policy (did you mean "require-resources-tags"?)`,
        `${configFile}: "restrict-iam-pass-role".allowedPassedToServices[0]: must be string`,
      ]);
      assert.ok(pid > 0);
      assert.throws(() => process.kill(pid, 0), { code: "ESRCH" });
    });

    it("refuses a missing file before anything starts", async () => {
      let started = false;
      await assert.rejects(runPack([BUCKET], { stack: "no-such-stack", onStarted: () => (started = true) }), {
        name: "PackConfigError",
        problems: [
          "policies/config/no-such-stack.json: no such file: stack no-such-stack has no pack config; create it (e.g. a copy of " +
            "policies/config/staging.json with require-resources-tags.environment set to this stack's environment) " +
            "or pass --policy-config <file>",
        ],
      });
      assert.equal(started, false);
    });
  });

  describe("a pack that does not start", () => {
    // Under the repository, so that the runner resolves from it as from the real pack.
    let dir = "";
    before(() => (dir = mkdtempSync(path.join(REPO, "node_modules", ".cache", "mlops-preview", "broken-"))));
    after(() => rmSync(dir, { recursive: true, force: true }));

    function pack(source: string): string {
      writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "broken", main: "index.js" }));
      writeFileSync(path.join(dir, "index.js"), source);
      return dir;
    }

    it("is reported with its stderr when it exits before printing a port", async () => {
      await assert.rejects(startPack(pack('throw new Error("the pack is broken");')), (error: Error) => {
        assert.match(
          error.message,
          /^The policy pack exited \(\d+\) before printing its port\.\nIts stderr:\n/,
        );
        assert.match(error.message, /the pack is broken/);
        return true;
      });
    });

    it("is stopped when it prints no port in time", async () => {
      const dir = pack(
        'require("node:fs").writeFileSync("pid", String(process.pid)); console.error("waiting"); setInterval(() => {}, 1000);',
      );
      await assert.rejects(startPack(dir, 2_000), {
        message: "The policy pack printed no port within 2 s.\nIts stderr:\nwaiting",
      });
      assert.ok(await exitsWithin(Number(readFileSync(path.join(dir, "pid"), "utf8"))));
    });
  });

  describe("when the process running the pack ends without stopping it", () => {
    /** Runs a script that starts the pack, prints its pid and then ends the way `end` says. */
    function endAfterStart(
      end: string,
    ): Promise<{ pid: number; code: number | null; signal: string | null }> {
      const script = `
        const { compilePack, startPack } = require("./preview/pack");
        compilePack().then(startPack).then((pack) => {
          console.log(pack.pid);
          ${end};
          setTimeout(() => console.log("still running"), 10000);
        });`;
      const child = spawn(process.execPath, ["--require", "tsx/cjs", "-e", script], {
        cwd: REPO,
        stdio: ["ignore", "pipe", "inherit"],
      });
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      return new Promise((resolve) =>
        child.once("close", (code, signal) => resolve({ pid: Number(stdout.trim()), code, signal })),
      );
    }

    it("kills the pack on SIGTERM, SIGINT and exit, and ends as it would have without the pack", async () => {
      const [term, int, exit] = await Promise.all([
        endAfterStart('process.kill(process.pid, "SIGTERM")'),
        endAfterStart('process.kill(process.pid, "SIGINT")'),
        endAfterStart("process.exit(3)"),
      ]);
      assert.deepEqual(
        [term, int, exit].map(({ code, signal }) => ({ code, signal })),
        [
          { code: null, signal: "SIGTERM" },
          { code: null, signal: "SIGINT" },
          { code: 3, signal: null },
        ],
      );
      for (const { pid } of [term, int, exit]) {
        assert.ok(pid > 0, "the script printed the pack's pid");
        assert.ok(await exitsWithin(pid), `pack ${pid} is gone`);
      }
    });
  });
});
