import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createOpsClients, type ClientFactory, type OpsClients } from "../../ops/clients";
import type { Clock, OpsIo, Output } from "../../ops/command";
import { OpsError } from "../../ops/errors";
import type { DeployedEndpoint } from "../../ops/stackOutputs";

/** The model package group of the staging stack's model, `diagnosis`. */
export const STAGING_GROUP = "mlops-staging-diagnosis";

/** ARN of a version of the staging model's package group. */
export const packageArn = (version: number) =>
  `arn:aws:sagemaker:us-east-1:123456789012:model-package/${STAGING_GROUP}/${version}`;

/** The SageMaker model a deploy creates for the `primary` variant from a package version. */
export const modelOf = (version: number) => `${STAGING_GROUP}-primary-v${version}`;

/** The endpoint configuration a deploy creates for a package version. */
export const configOf = (version: number) => `${STAGING_GROUP}-config-v${version}`;

/** Static keys: moto does not check signatures, but the SDK signs every request. */
export const TEST_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

/** Collects what a command writes. */
export function collector(): Output & { text(): string } {
  let written = "";
  return {
    write: (text: string) => (written += text),
    text: () => written,
  };
}

/**
 * The product's clients pointed at a local server, with test keys; every client made is kept in
 * `made`, so that `after` hooks can close them (and tests can mock them).
 */
export function localClients(
  endpoint: string,
  extra: Parameters<typeof createOpsClients>[0] = {},
): ClientFactory & { made: OpsClients[] } {
  const made: OpsClients[] = [];
  const factory = (location: { region: string; profile?: string }) => {
    const clients = createOpsClients({
      region: location.region,
      endpoint,
      credentials: TEST_CREDENTIALS,
      ...extra,
    });
    made.push(clients);
    return clients;
  };
  return Object.assign(factory, { made });
}

/** Io for a command run in-process. */
export function testIo(clients: ClientFactory): OpsIo & { out: ReturnType<typeof collector> } {
  return { out: collector(), clients };
}

/** A clock that only moves when told: sleeps return at once, and `now` advances by `tick` per call. */
export function fakeClock(tick = 0): Clock & { sleeps: number[]; time: number } {
  const clock = {
    time: 0,
    sleeps: [] as number[],
    now: () => (clock.time += tick),
    sleep: async (milliseconds: number) => {
      clock.sleeps.push(milliseconds);
      clock.time += milliseconds;
    },
  };
  return clock;
}

/** Asserts that `promise` rejects with an OpsError with this exit code whose message matches. */
export async function rejectsWithExit(
  promise: Promise<unknown>,
  exitCode: number,
  message: string | RegExp,
): Promise<OpsError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof OpsError, `not an OpsError: ${String((caught as Error)?.stack ?? caught)}`);
  if (typeof message === "string") assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  assert.equal(caught.exitCode, exitCode, caught.message);
  return caught;
}

/**
 * Writes what `pulumi stack output --json` prints for a stack whose model `diagnosis` has this
 * endpoint (null: none deployed) to `<dir>/<file>`, and returns the path.
 */
export function writeOutputs(dir: string, file: string, endpoint: DeployedEndpoint | null): string {
  const outputs = {
    environment: "staging",
    models: {
      diagnosis: {
        pipelineName: "mlops-staging-diagnosis",
        modelPackageGroupName: "mlops-staging-diagnosis",
        endpoint:
          endpoint === null
            ? null
            : {
                name: endpoint.name,
                arn: `arn:aws:sagemaker:us-east-1:123456789012:endpoint/${endpoint.name}`,
                configName: endpoint.configName,
                modelPackageArn: endpoint.modelPackageArn,
                monitoring: null,
              },
      },
    },
  };
  const location = path.join(dir, file);
  writeFileSync(location, JSON.stringify(outputs, null, 2));
  return location;
}

/** A temporary folder for a test file's outputs; remove it in `after`. */
export function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), "mlops-ops-"));
}
