import assert from "node:assert/strict";
import { runProgramOffline, type PlanResource } from "../preview";
import type { PolicyDocument } from "../components/shared/policyDocument";

/** The deploy role's permissions in a plan: the statements of its managed policies, in order. */
function deployStatements(resources: readonly PlanResource[], stack: string) {
  return resources
    .filter((resource) => resource.type === "aws:iam/policy:Policy")
    .filter((resource) => resource.name.startsWith(`mlops-${stack}-github-deploy-policy-`))
    .flatMap((resource) => (JSON.parse(resource.inputs.policy as string) as PolicyDocument).Statement);
}

const actionsOf = (statements: ReturnType<typeof deployStatements>) =>
  new Set(statements.flatMap((statement) => [statement.Action].flat()));

describe("the first approval's deploy (an empty registry, offline)", function () {
  this.timeout(60_000);

  for (const stack of ["staging", "prod"]) {
    it(`${stack}: the deploy role can already create the endpoint, its scaling and monitoring, and pass their roles`, async () => {
      const empty = await runProgramOffline({ stack, emptyRegistry: true });
      const served = await runProgramOffline({ stack });
      // No endpoint yet: nothing of it is created...
      assert.deepEqual(
        empty.resources.filter((r) => r.type === "aws:sagemaker/endpoint:Endpoint"),
        [],
      );
      assert.ok(served.resources.some((r) => r.type === "aws:sagemaker/endpoint:Endpoint"));
      // ...but the deploy role an administrator applies now is the one the first served version needs:
      // the deploy that version's approval starts cannot change the role, and needs nothing more.
      const before = deployStatements(empty.resources, stack);
      assert.deepEqual(before, deployStatements(served.resources, stack));
      const actions = actionsOf(before);
      for (const action of [
        "sagemaker:CreateModel",
        "sagemaker:CreateEndpointConfig",
        "sagemaker:CreateEndpoint",
        "cloudwatch:PutMetricAlarm",
        "sagemaker:CreateDataQualityJobDefinition",
        "sagemaker:CreateMonitoringSchedule",
        ...(stack === "prod" ? ["application-autoscaling:RegisterScalableTarget"] : []),
      ]) {
        assert.ok(actions.has(action), `${stack}: ${action}`);
      }
      // The roles the endpoint and its monitoring hand to SageMaker, by their fixed names.
      const passed = before
        .filter((statement) => statement.Action === "iam:PassRole")
        .flatMap((statement) => [statement.Resource].flat());
      const account = stack === "staging" ? "111111111111" : "222222222222";
      for (const role of [
        `mlops-${stack}-diagnosis-model-role`,
        `mlops-${stack}-diagnosis-data-quality-role`,
      ]) {
        assert.ok(passed.includes(`arn:aws:iam::${account}:role/${role}`), `${stack}: ${role}`);
      }
    });
  }
});
