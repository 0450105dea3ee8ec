import {
  SageMakerClient,
  SageMakerServiceException,
  type SageMakerClientConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from "@aws-sdk/client-sagemaker";
import type { DeserializeMiddleware, HttpResponse, Pluggable } from "@smithy/types";

/**
 * The AWS SDK warns, once per process and on stderr, when Node.js is older than the versions its
 * future releases will need (NodeVersionSupportWarning). It says nothing about this project, whose
 * Node.js version is pinned in `.nvmrc` and `engines`, so it is turned off the way the SDK provides:
 * AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true, read when a client is made. Every client of
 * the program, `npm run ops` and the tests is made after this module is loaded; a value set in the
 * environment is left as it is.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** Options for {@link createSageMakerClient}; anything left out is resolved by the SDK as usual. */
export interface SageMakerClientOptions {
  /** AWS region; otherwise AWS_REGION / the profile's region. */
  readonly region?: string;
  /** Named profile from ~/.aws/config; otherwise AWS_PROFILE / the default chain. */
  readonly profile?: string;
  /** Attempts per request including the first (default 5); standard retry mode backs off on throttling. */
  readonly maxAttempts?: number;
  /**
   * Endpoint override for tests. Real deployments leave it out: the SDK already honours
   * AWS_ENDPOINT_URL_SAGEMAKER and AWS_ENDPOINT_URL.
   */
  readonly endpoint?: string;
  /**
   * Replaces the SDK's standard retry strategy (and with it `maxAttempts`). Tests pass a
   * `ConfiguredRetryStrategy`, which retries the same errors with a shorter backoff.
   */
  readonly retryStrategy?: SageMakerClientConfig["retryStrategy"];
  /** Credentials to use instead of the default provider chain; tests give static keys for moto. */
  readonly credentials?: SageMakerClientConfig["credentials"];
}

/**
 * Builds the SageMaker client used for model registry look-ups at preview/up time.
 *
 * The default of 5 attempts (the SDK's is 3) gives a deployment that lists many groups at once
 * more room to ride out ListModelPackages throttling before it fails the preview.
 */
export function createSageMakerClient(options: SageMakerClientOptions = {}): SageMakerClient {
  const client = new SageMakerClient(clientConfig(options));
  client.middlewareStack.use(nonJsonErrorResponses);
  return client;
}

/**
 * The settings of an AWS SDK client (SageMaker or its runtime) for these options: only what was
 * given, so that the SDK's own region/profile resolution still applies, and 5 attempts by default.
 */
export function clientConfig(options: SageMakerClientOptions) {
  return {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    maxAttempts: options.maxAttempts ?? 5,
    ...(options.retryStrategy === undefined ? {} : { retryStrategy: options.retryStrategy }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  };
}

/**
 * Turns error responses whose body is not JSON into ordinary service exceptions.
 *
 * SageMaker speaks JSON, but whatever answers in front of it may not: proxies and gateways answer with
 * HTML, and moto (used by the tests) answers authentication failures with AWS's XML `<ErrorResponse>`.
 * The SDK then throws `SyntaxError: Unexpected token '<'`, which hides the actual problem (for example
 * InvalidClientTokenId or AccessDenied). This middleware reads the body of such responses first and
 * throws a {@link SageMakerServiceException} named after the XML error code instead, so that retries
 * (e.g. of an XML `Throttling`) and error messages work as for JSON errors. JSON and empty error bodies
 * are handed on to the SDK unchanged.
 */
export const nonJsonErrorResponses: Pluggable<ServiceInputTypes, ServiceOutputTypes> = {
  applyToStack(stack) {
    stack.add(nonJsonErrorMiddleware, {
      step: "deserialize",
      // Low priority puts it inside the SDK's deserializer, so it sees the raw response first.
      priority: "low",
      name: "nonJsonErrorResponsesMiddleware",
      override: true,
    });
  },
};

const nonJsonErrorMiddleware: DeserializeMiddleware<ServiceInputTypes, ServiceOutputTypes> =
  (next) => async (args) => {
    const result = await next(args);
    const response = result.response as HttpResponse;
    if (response.statusCode < 300) {
      return result;
    }
    const text = await readBody(response);
    if (text === undefined) {
      return result;
    }
    // Hand the buffered body back: the stream has been consumed and the SDK reads it again.
    response.body = new TextEncoder().encode(text);
    if (text.trim() === "" || isJson(text)) {
      return result;
    }
    const code = xmlElement(text, "Code");
    const message = xmlElement(text, "Message");
    const contentType = header(response, "content-type") ?? "no content type";
    throw new SageMakerServiceException({
      name: code ?? "UnexpectedErrorResponse",
      $fault: response.statusCode >= 500 ? "server" : "client",
      $metadata: {
        httpStatusCode: response.statusCode,
        requestId: header(response, "x-amzn-requestid"),
      },
      message:
        code === undefined
          ? `HTTP ${response.statusCode} with a non-AWS response (${contentType}): ${snippet(text)}`
          : (message ?? code),
    });
  };

async function readBody(response: HttpResponse): Promise<string | undefined> {
  const body: unknown = response.body;
  if (typeof body === "string") {
    return body;
  }
  if (body instanceof Uint8Array) {
    return new TextDecoder().decode(body);
  }
  if (body !== null && typeof body === "object" && Symbol.asyncIterator in body) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      chunks.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
  }
  // Some other body type (e.g. a web stream): leave the response to the SDK.
  return undefined;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function xmlElement(text: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(text);
  return match?.[1] === undefined ? undefined : decodeXmlEntities(match[1].trim());
}

function decodeXmlEntities(text: string): string {
  const entities: Record<string, string> = { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" };
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => entities[name] ?? "");
}

function header(response: HttpResponse, name: string): string | undefined {
  const entry = Object.entries(response.headers).find(([key]) => key.toLowerCase() === name);
  return entry?.[1];
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
