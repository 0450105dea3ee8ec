import * as grpc from "@grpc/grpc-js";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type { AnalyzerInfo } from "@pulumi/pulumi/proto/analyzer_pb";
import { ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import assert from "node:assert/strict";
import * as path from "node:path";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";

const PACK = path.resolve(__dirname, "..", "..", "policies");
const RULES = readdirSync(path.join(PACK, "rules"))
  .filter((file) => file.endsWith(".ts"))
  .map((file) => file.replace(/\.ts$/, ""))
  .sort();

/** Starts the pack as the Pulumi CLI does: node runs @pulumi/pulumi's run-policy-pack in the pack's folder. */
function startPack(): { child: ChildProcess; port: Promise<number>; exited: Promise<void> } {
  // The CLI resolves the runner from the pack's folder, which finds the repository's node_modules.
  const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK] });
  // The engine address is not used until the engine calls the pack.
  const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], {
    cwd: PACK,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = new Promise<number>((resolve, reject) => {
    let stdout = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^(\d+)\s*$/m.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) =>
      reject(new Error(`the pack exited (${code}) before printing a port:\n${stderr}`)),
    );
  });
  return { child, port, exited };
}

describe("the policy pack process", function () {
  // The runner compiles the TypeScript pack with type checking before it listens.
  this.timeout(120_000);
  let pack: ReturnType<typeof startPack> | undefined;
  after(async () => {
    if (pack && pack.child.exitCode === null && pack.child.signalCode === null) {
      pack.child.kill();
      await pack.exited;
    }
  });

  it("starts the way the Pulumi CLI starts it, prints its port and serves every rule in policies/rules", async () => {
    pack = startPack();
    const port = await pack.port;
    assert.ok(port > 0 && port < 65536, `port ${port}`);
    const client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const info = await new Promise<AnalyzerInfo>((resolve, reject) =>
      client.getAnalyzerInfo(new Empty(), (error, response) => (error ? reject(error) : resolve(response))),
    );
    client.close();
    assert.equal(info.getName(), "mlops-guardrails");
    const policies = info.getPoliciesList();
    assert.deepEqual(policies.map((p) => p.getName()).sort(), RULES);
    for (const policy of policies) {
      const properties = policy.getConfigschema()?.getProperties()?.toJavaScript() ?? {};
      assert.ok("waivers" in properties, `${policy.getName()} accepts waivers`);
      assert.ok(policy.getDescription().length > 0, policy.getName());
    }
  });

  it("stops when told to, leaving no process behind", async () => {
    const running = pack ?? assert.fail("the pack was not started");
    const pid = running.child.pid ?? assert.fail("no pid");
    running.child.kill("SIGTERM");
    await running.exited;
    assert.throws(() => process.kill(pid, 0), { code: "ESRCH" });
  });
});
