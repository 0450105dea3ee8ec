import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { runProgramOffline } from "../preview";
import { syntheticStackRoot } from "./helpers/syntheticStack";

/** The provider functions a run of the program invokes, sorted. */
async function invokesOf(models: number): Promise<{ invokes: string[]; resources: number }> {
  const { root, stack } = syntheticStackRoot(models);
  try {
    const invokes: string[] = [];
    const plan = await runProgramOffline({ stack, root, onInvoke: (token) => invokes.push(token) });
    return { invokes: invokes.sort(), resources: plan.resources.length };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe("the program's account look-ups", () => {
  it("looks up the partition, region, account and prebuilt images once per stack, whatever the number of models", async () => {
    const one = await invokesOf(1);
    const ten = await invokesOf(10);
    // Each caller-identity look-up is an STS call under the Pulumi CLI: a stack makes one.
    assert.deepEqual(one.invokes, [
      "aws:index/getCallerIdentity:getCallerIdentity",
      "aws:index/getPartition:getPartition",
      "aws:index/getRegion:getRegion",
      "aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage",
      "aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage",
      "aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage",
    ]);
    assert.deepEqual(ten.invokes, one.invokes);
    // The ten-model stack really is ten times the models.
    assert.ok(ten.resources > 5 * one.resources, `${ten.resources} resources vs ${one.resources}`);
  });
});
