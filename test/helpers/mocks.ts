import * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_ACCOUNT_ID,
  RecordedResource,
  recordResources as record,
  withoutRuntimeDebugging,
} from "../../preview";

export { settle } from "../../preview";
export type { RecordedResource } from "../../preview";

// Tests read no source positions and wait for every registration, as the offline preview does:
// without the runtime's debugging aids the program's tests run in about half the time.
withoutRuntimeDebugging();

/** Account and region every mocked ARN is built from in the tests. */
export const ACCOUNT_ID = DEFAULT_ACCOUNT_ID;
export const REGION = "us-east-1";

/**
 * Sets Pulumi's mock runtime and returns the list it records every registered resource in.
 * Call it before the program (or a component) is constructed. With `preview`, what AWS computes
 * is unknown, as in a first preview.
 */
export function recordResources(stack = "test", preview = false): RecordedResource[] {
  return record({ project: "mlops", stack, preview, accountId: ACCOUNT_ID, region: REGION });
}

/** Resolves an output's value (mocks resolve every output). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

export function ofType(recorded: readonly RecordedResource[], type: string): RecordedResource[] {
  return recorded.filter((r) => r.type === type);
}

/** The resource with this name (and type, where a component and its child share the name). */
export function named(recorded: readonly RecordedResource[], name: string, type?: string): RecordedResource {
  const found = recorded.find((r) => r.name === name && (type === undefined || r.type === type));
  if (!found)
    throw new Error(`No resource named ${name}; registered: ${recorded.map((r) => r.name).join(", ")}`);
  return found;
}
