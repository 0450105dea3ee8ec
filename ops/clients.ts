import { S3Client } from "@aws-sdk/client-s3";
import type { SageMakerClient } from "@aws-sdk/client-sagemaker";
import {
  SageMakerRuntimeClient,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from "@aws-sdk/client-sagemaker-runtime";
import type { Pluggable } from "@smithy/types";
import {
  clientConfig,
  createSageMakerClient,
  nonJsonErrorResponses,
  type SageMakerClientOptions,
} from "../registry/client";

/** The clients of the ops commands, for one region. */
export interface OpsClients {
  readonly sageMaker: SageMakerClient;
  /** InvokeEndpoint (smoke-test). */
  readonly runtime: SageMakerRuntimeClient;
  /** The data bucket's batch folders (batch: the input to score, the summary of a run). */
  readonly s3: S3Client;
}

/** Where the stack's resources are; the commands take it from `Pulumi.<stack>.yaml`. */
export interface AwsLocation {
  readonly region: string;
  readonly profile?: string;
}

/** Makes the clients for a stack's region; tests point them at a local server. */
export type ClientFactory = (location: AwsLocation) => OpsClients;

/**
 * The clients with the registry's settings: 5 attempts in the SDK's standard retry mode (backoff on
 * throttling), and for the SageMaker ones one-line errors from non-JSON error bodies (S3 answers in
 * XML, which its client reads). Endpoints come from the SDK's usual settings
 * (AWS_ENDPOINT_URL_SAGEMAKER, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME, AWS_ENDPOINT_URL_S3,
 * AWS_ENDPOINT_URL) unless `endpoint` is given.
 */
export function createOpsClients(options: SageMakerClientOptions = {}): OpsClients {
  const runtime = new SageMakerRuntimeClient(clientConfig(options));
  // The middleware only reads HTTP responses: it works the same for the runtime client.
  runtime.middlewareStack.use(
    nonJsonErrorResponses as unknown as Pluggable<ServiceInputTypes, ServiceOutputTypes>,
  );
  const s3 = new S3Client({
    ...clientConfig(options),
    // An endpoint given here is a local server (moto in the tests), which has no bucket subdomains.
    ...(options.endpoint === undefined ? {} : { forcePathStyle: true }),
  });
  return { sageMaker: createSageMakerClient(options), runtime, s3 };
}

/** The clients the CLI uses: the stack's region and profile, everything else from the environment. */
export const defaultClients: ClientFactory = (location) => createOpsClients(location);

/** Closes the clients' connections, so that the process can end. */
export function closeClients(clients: OpsClients): void {
  clients.sageMaker.destroy();
  clients.runtime.destroy();
  clients.s3.destroy();
}
