import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { DEPLOY_PERMISSIONS, passedRoleInput } from "../../components/delivery/deployPermissions";
import type { DeployFootprint } from "../../components/shared/footprint";
import type { RecordedResource } from "./mocks";
import { valueOf } from "./mocks";

/**
 * A component's footprint is what it really registered: the types of its custom resources, and
 * the roles it hands to services, which are `passed`, and exactly the roles its resources name in
 * the input `DEPLOY_PERMISSIONS` says passes one (a nested one too, e.g. a schedule's
 * `target.roleArn`), each with that service.
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
  const named = recorded.flatMap((resource) => {
    const pass = DEPLOY_PERMISSIONS[resource.type]?.passesRole;
    const role = pass && passedRoleInput(pass, resource.inputs);
    return pass && typeof role === "string" ? [`${pass.service} ${role}`] : [];
  });
  const stated = footprint.passedRoles.map((role, index) => `${role.service} ${roles[index]}`);
  assert.deepEqual([...new Set(named)].sort(), [...new Set(stated)].sort());
}
