import assert from "node:assert/strict";
import type { DeployFootprint } from "../../components/shared/footprint";
import type { RecordedResource } from "./mocks";
import { valueOf } from "./mocks";
import * as pulumi from "@pulumi/pulumi";

/**
 * A component's footprint is what it really registered: the types of its custom resources, and
 * the roles its resources hand to services (the inputs that name them resolve to these ARNs).
 */
export async function assertFootprint(
  recorded: readonly RecordedResource[],
  footprint: DeployFootprint,
  passed: readonly string[],
): Promise<void> {
  const types = [...new Set(recorded.filter((r) => r.custom).map((r) => r.type))].sort();
  assert.deepEqual([...footprint.types].sort(), types);
  const roles = await valueOf(pulumi.all(footprint.passedRoles.map((role) => pulumi.output(role.roleArn))));
  assert.deepEqual(roles, passed);
}
