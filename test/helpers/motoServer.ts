import { spawn, type ChildProcess } from "node:child_process";
import * as http from "node:http";
import * as net from "node:net";
import { SageMakerClient, type SageMakerClientConfig } from "@aws-sdk/client-sagemaker";
import { nonJsonErrorResponses } from "../../registry/client";

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`, to pass as the client endpoint. */
  readonly endpoint: string;
  readonly port: number;
  /** Process id of the server, e.g. to check that it is gone after {@link MotoServer.stop}. */
  readonly pid: number;
  /** Stops the server and resolves once the process has exited; safe to call more than once. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 15_000;
const KILL_GRACE_MS = 2_000;
const STDERR_TAIL_CHARS = 4_000;

/** A free TCP port on the loopback interface (bound and released; another process could still take it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") {
    throw new Error(`unexpected address for a TCP server: ${String(address)}`);
  }
  return address.port;
}

/**
 * Starts `moto_server` on a free loopback port and waits until it answers.
 *
 * The binary is `$MOTO_SERVER` or `moto_server` on PATH. `env` is added to the server's environment
 * (e.g. `INITIAL_NO_AUTH_ACTION_COUNT` to make moto enforce IAM authentication). The process is killed
 * if the server does not come up, and when the test process exits.
 */
export async function startMotoServer(options: { env?: Record<string, string> } = {}): Promise<MotoServer> {
  const port = await freePort();
  const binary = process.env.MOTO_SERVER ?? "moto_server";
  const child = spawn(binary, ["-H", "127.0.0.1", "-p", String(port)], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Werkzeug logs every request; the pipes must be drained or the server blocks once they fill up.
  let output = "";
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-STDERR_TAIL_CHARS);
  };
  child.stdout?.on("data", keepTail);
  child.stderr?.on("data", keepTail);

  const exited = new Promise<string>((resolve) => {
    child.once("error", (error) => resolve(`could not be started (${error.message})`));
    child.once("exit", (code, signal) => resolve(`exited early (${signal ?? `exit code ${String(code)}`})`));
  });
  // A crashed or interrupted test run must not leave a server behind.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const stop = async () => {
    process.removeListener("exit", killOnExit);
    await terminate(child);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const polling = new AbortController();
  const failure = await Promise.race([
    waitUntilAnswering(`${endpoint}/moto-api/`, Date.now() + START_TIMEOUT_MS, polling.signal),
    exited.then((reason) => `${binary} ${reason}`),
  ]);
  // Stops the polling loop when the process exited first, so that it does not keep the test run alive.
  polling.abort();
  if (failure !== undefined) {
    await stop();
    throw new Error(
      `moto server on port ${port} did not start: ${failure}. ` +
        `Install it with \`pip install 'moto[server]'\` or set MOTO_SERVER.\nServer output:\n${output}`,
    );
  }
  if (child.pid === undefined) {
    throw new Error(`${binary} has no process id`);
  }
  return { endpoint, port, pid: child.pid, stop };
}

/** Resolves undefined once `url` answers any HTTP response, or a reason when the deadline passes. */
async function waitUntilAnswering(
  url: string,
  deadline: number,
  stopped: AbortSignal,
): Promise<string | undefined> {
  let lastError = "no attempt";
  while (Date.now() < deadline && !stopped.aborted) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      return undefined;
    } catch (error) {
      lastError =
        error instanceof Error ? `${error.message} ${String(error.cause ?? "")}`.trim() : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return `no answer from ${url} within ${START_TIMEOUT_MS / 1000} s (last error: ${lastError})`;
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the process has exited. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
    return;
  }
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
  await exit;
  clearTimeout(timer);
}

/**
 * A SageMaker client for moto: region us-east-1, static test credentials, and the same error-body
 * handling as the real client (moto answers authentication failures with XML).
 */
export function testClient(endpoint: string, extra: Partial<SageMakerClientConfig> = {}): SageMakerClient {
  const client = new SageMakerClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    ...extra,
  });
  client.middlewareStack.use(nonJsonErrorResponses);
  return client;
}

/** One AWS JSON request seen by {@link startAwsJsonProxy}. */
export interface ProxiedRequest {
  /** The operation from `x-amz-target`, e.g. `ListModelPackages`. */
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/** What the proxy does with a request: answer it, forward it with another input, or (undefined) forward it. */
export type ProxyDecision =
  | { readonly respond: { readonly status: number; readonly body: unknown } }
  | { readonly forward: Record<string, unknown> }
  | undefined;

/** A loopback HTTP proxy in front of an AWS JSON endpoint. */
export interface AwsJsonProxy {
  readonly endpoint: string;
  /** Every request received, in order. */
  readonly requests: ProxiedRequest[];
  /** Decides per request; the default forwards everything. */
  intercept: (request: ProxiedRequest) => ProxyDecision;
  close(): Promise<void>;
}

/**
 * Starts an HTTP proxy for AWS JSON 1.1 requests (SageMaker) that can answer or rewrite requests
 * before they reach `target`. Requests are forwarded without re-signing, so `target` must not check
 * signatures (moto without INITIAL_NO_AUTH_ACTION_COUNT does not).
 */
export async function startAwsJsonProxy(target: string): Promise<AwsJsonProxy> {
  const targetUrl = new URL(target);
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const operation = String(request.headers["x-amz-target"] ?? "").replace(/^.*\./, "");
      const seen: ProxiedRequest = { operation, input: body === "" ? {} : JSON.parse(body) };
      proxy.requests.push(seen);
      const decision = proxy.intercept(seen);
      if (decision !== undefined && "respond" in decision) {
        response.writeHead(decision.respond.status, { "content-type": "application/x-amz-json-1.1" });
        response.end(JSON.stringify(decision.respond.body));
        return;
      }
      const forwardBody = decision === undefined ? body : JSON.stringify(decision.forward);
      const upstream = http.request(
        {
          host: targetUrl.hostname,
          port: targetUrl.port,
          method: request.method,
          path: request.url,
          headers: { ...request.headers, "content-length": String(Buffer.byteLength(forwardBody)) },
        },
        (upstreamResponse) => {
          response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(response);
        },
      );
      upstream.on("error", (error) => {
        response.writeHead(502, { "content-type": "text/plain" });
        response.end(`proxy could not reach ${target}: ${error.message}`);
      });
      upstream.end(forwardBody);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address() as net.AddressInfo;
  const proxy: AwsJsonProxy = {
    endpoint: `http://127.0.0.1:${address.port}`,
    requests: [],
    intercept: () => undefined,
    close: async () => {
      // The SDK keeps connections alive; without this, close() would wait for them to time out.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
  return proxy;
}

/**
 * Creates an IAM user without any policy and an access key for it, with unsigned IAM query requests.
 * Only works as the first two requests to a moto server started with `INITIAL_NO_AUTH_ACTION_COUNT=2`
 * (moto lets that many requests through before it enforces authentication). Plain HTTP requests keep
 * the tests free of an IAM client dependency.
 */
export async function createUserWithoutPolicies(
  endpoint: string,
  userName: string,
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  await iamQuery(endpoint, { Action: "CreateUser", UserName: userName });
  const created = await iamQuery(endpoint, { Action: "CreateAccessKey", UserName: userName });
  const accessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(created)?.[1];
  const secretAccessKey = /<SecretAccessKey>([^<]+)<\/SecretAccessKey>/.exec(created)?.[1];
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new Error(`CreateAccessKey returned no key: ${created}`);
  }
  return { accessKeyId, secretAccessKey };
}

async function iamQuery(endpoint: string, parameters: Record<string, string>): Promise<string> {
  const response = await fetch(`${endpoint}/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      // moto routes by the credential scope of the Authorization header; the signature is not checked
      // while unauthenticated actions are still allowed.
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/iam/aws4_request, " +
        "SignedHeaders=host, Signature=0",
    },
    body: new URLSearchParams({ ...parameters, Version: "2010-05-08" }).toString(),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`IAM ${parameters.Action} failed with HTTP ${response.status}: ${text}`);
  }
  return text;
}
