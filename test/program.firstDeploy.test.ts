import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { runProgramOffline, type PlanResource, type ProgramPlan } from "../preview";
import type {
  PipelineDefinition,
  ConditionStep,
  ProcessingStep,
} from "../components/pipeline/definitionTypes";
import type { PolicyDocument, PolicyStatement } from "../components/shared/policyDocument";
import { monitoringStackRoot } from "./helpers/syntheticStack";

type Stack = "staging" | "prod";

/** The deploy role's permissions in a plan: the statements of its managed policies, in order. */
function deployStatements(resources: readonly PlanResource[], stack: string) {
  return resources
    .filter((resource) => resource.type === "aws:iam/policy:Policy")
    .filter((resource) => resource.name.startsWith(`mlops-${stack}-github-deploy-policy-`))
    .flatMap((resource) => (JSON.parse(resource.inputs.policy as string) as PolicyDocument).Statement);
}

const actionsOf = (statements: readonly PolicyStatement[]) =>
  new Set(statements.flatMap((statement) => [statement.Action].flat()));

/** The deploy role's `iam:PassRole` statements: each role, by its fixed name, to the one service that takes it. */
const passRoles = (statements: readonly PolicyStatement[]) =>
  statements
    .filter((statement) => statement.Action === "iam:PassRole")
    // By id: which managed policy holds a statement depends on how they pack.
    .sort((a, b) => (a.Sid ?? "").localeCompare(b.Sid ?? ""));

/** Each stack file's AWS account (`aws:allowedAccountIds`), which the offline plan's ARNs carry. */
const ACCOUNTS: Record<Stack, string> = { staging: "111111111111", prod: "222222222222" };

/** A role of fixed name, which the deploy role may pass before the role exists. */
const fixedRole = (stack: Stack, name: string) => `arn:aws:iam::${ACCOUNTS[stack]}:role/${name}`;

/** A role the plan creates (auto-named). */
const createdRole = (plan: ProgramPlan, name: string) =>
  resourceOf(plan, "aws:iam/role:Role", name).outputs.arn as string;

const passRole = (sid: string, service: string, arns: readonly string[]): PolicyStatement => {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: "iam:PassRole",
    Resource: arns.length === 1 ? arns[0] : arns,
    Condition: { StringEquals: { "iam:PassedToService": service } },
  };
};

/** The plan's resource of that type and name. */
function resourceOf(plan: ProgramPlan, type: string, name: string): PlanResource {
  return plan.resources.find((r) => r.type === type && r.name === name) ?? assert.fail(`no ${type} ${name}`);
}

/** A plan before and after the first version is served: an empty registry, then one with a version. */
async function firstAndServed(stack: Stack, root?: string) {
  const empty = await runProgramOffline({ stack, root, emptyRegistry: true });
  const served = await runProgramOffline({ stack, root });
  return { empty, served };
}

const SERVING = [
  "aws:sagemaker/endpoint:Endpoint",
  "mlops:sagemaker:DriftCheck",
  "mlops:sagemaker:MonitoringSchedule",
  // Both stack files score datasets with the version the endpoint serves (models[].batch).
  "mlops:sagemaker:BatchInference",
];

/**
 * The first plan has no endpoint; the served one has it, with the monitor of its engine and not the
 * other, and batch inference.
 */
function assertServedOnlyLater(plans: { empty: ProgramPlan; served: ProgramPlan }, monitor: string) {
  const serving = (plan: ProgramPlan) =>
    plan.resources.filter((r) => SERVING.includes(r.type)).map((r) => r.type);
  assert.deepEqual(serving(plans.empty), []);
  assert.deepEqual(
    serving(plans.served).sort(),
    ["aws:sagemaker/endpoint:Endpoint", "mlops:sagemaker:BatchInference", monitor].sort(),
  );
}

const MODEL_MONITOR_ACTIONS = [
  "sagemaker:CreateDataQualityJobDefinition",
  "sagemaker:CreateMonitoringSchedule",
];

describe("the first approval's deploy (an empty registry, offline)", function () {
  this.timeout(60_000);

  for (const stack of ["staging", "prod"] as const) {
    describe(`${stack} (drift-check, the default engine)`, () => {
      let plans: { empty: ProgramPlan; served: ProgramPlan };
      before(async () => {
        plans = await firstAndServed(stack);
      });

      it("the deploy role can already create the endpoint, its scaling and its drift check, and pass their roles", () => {
        // No endpoint yet: nothing of it is created...
        assertServedOnlyLater(plans, "mlops:sagemaker:DriftCheck");
        // ...but the deploy role an administrator applies now is the one the first served version needs:
        // the deploy that version's approval starts cannot change the role, and needs nothing more.
        const before = deployStatements(plans.empty.resources, stack);
        assert.deepEqual(before, deployStatements(plans.served.resources, stack));
        const actions = actionsOf(before);
        for (const action of [
          "sagemaker:CreateModel",
          "sagemaker:CreateEndpointConfig",
          "sagemaker:CreateEndpoint",
          "cloudwatch:PutMetricAlarm",
          "sagemaker:CreatePipeline",
          "lambda:CreateFunction",
          "logs:CreateLogGroup",
          "scheduler:CreateSchedule",
          "events:PutRule",
          ...(stack === "prod" ? ["application-autoscaling:RegisterScalableTarget"] : []),
        ]) {
          assert.ok(actions.has(action), `${stack}: ${action}`);
        }
        // Nothing of Model Monitor, which this stack does not use.
        assert.deepEqual(
          MODEL_MONITOR_ACTIONS.filter((action) => actions.has(action)),
          [],
        );
        // The roles the endpoint and its drift check hand to SageMaker, Lambda and EventBridge
        // Scheduler, by their fixed names, and in prod the role of the rule that forwards drift to
        // staging (EventBridge); staging's pipeline (with its FindChampion function), retraining
        // function and approval dispatch pass theirs too. Batch inference's model, pipeline and trigger
        // function, and prod's schedule of it, come with the version too.
        const model = `mlops-${stack}-diagnosis`;
        const fixed = (name: string) => fixedRole(stack, name);
        assert.deepEqual(passRoles(before), [
          passRole("PassRolesToEvents1", "events.amazonaws.com", [
            stack === "staging"
              ? createdRole(plans.empty, `mlops-${stack}-approvals-role`)
              : fixed(`${model}-drift-forwarding-role`),
          ]),
          passRole("PassRolesToLambda1", "lambda.amazonaws.com", [
            ...(stack === "staging"
              ? [createdRole(plans.empty, `${model}-steps-role`), fixed(`${model}-retraining-role`)]
              : []),
            fixed(`${model}-drift-steps-role`),
            fixed(`${model}-batch-trigger-role`),
          ]),
          passRole("PassRolesToSagemaker1", "sagemaker.amazonaws.com", [
            ...(stack === "staging" ? [createdRole(plans.empty, `${model}-role`)] : []),
            fixed(`${model}-model-role`),
            fixed(`${model}-drift-role`),
            fixed(`${model}-batch-model-role`),
            fixed(`${model}-batch-role`),
          ]),
          passRole("PassRolesToScheduler1", "scheduler.amazonaws.com", [
            fixed(`${model}-drift-scheduler-role`),
            ...(stack === "prod" ? [fixed(`${model}-batch-scheduler-role`)] : []),
          ]),
        ]);
      });

      if (stack === "prod") {
        it("the drift check reads the drift baseline registered with the version staging built, with staging's key", () => {
          const served = plans.served;
          const name = "mlops-prod-diagnosis-drift";
          const definition = JSON.parse(
            resourceOf(served, "aws:sagemaker/pipeline:Pipeline", name).inputs.pipelineDefinition as string,
          ) as PipelineDefinition;
          const check = (definition.Steps[1] as ConditionStep).Arguments.IfSteps[0] as ProcessingStep;
          const baseline = String(
            (check.Arguments.ProcessingInputs ?? []).find((input) => input.InputName === "baseline")?.S3Input
              ?.S3Uri,
          );
          // Where staging's pipeline wrote it: its DriftBaseline step's output in staging's artifacts
          // bucket (the offline registry's version 1 of staging's group, in staging's account).
          assert.match(
            baseline,
            /^s3:\/\/mlops-staging-diagnosis-artifacts-[0-9a-f]{7}\/pipelines\/offline-v1\/DriftBaseline\/drift-baseline\/drift_baseline\.json$/,
          );
          const policy = JSON.parse(
            resourceOf(served, "aws:iam/rolePolicy:RolePolicy", `${name}-role-policy`).inputs
              .policy as string,
          ) as PolicyDocument;
          const statement = (sid: string) => policy.Statement.find((s) => s.Sid === sid);
          // It reads that baseline and its own script, nothing else.
          const script = resourceOf(
            served,
            "aws:s3/bucketObjectv2:BucketObjectv2",
            `${name}-drift-check-py`,
          ).inputs;
          assert.deepEqual(
            statement("ReadBaselineAndScript")?.Resource,
            [
              baseline.replace(/^s3:\/\//, "arn:aws:s3:::"),
              `arn:aws:s3:::${String(script.bucket)}/${String(script.key)}`,
            ].sort(),
          );
          // Staging's artifacts bucket encrypts it with staging's key, which prod's account may use through S3.
          assert.deepEqual(statement("DecryptSourceBaseline"), {
            Sid: "DecryptSourceBaseline",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: [`arn:aws:kms:us-east-1:${ACCOUNTS.staging}:key/*`],
            Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
          });
          // And the stack's outputs say so.
          const outputs = served.outputs as {
            models: Record<string, { dataBucket: string; endpoint: { monitoring: unknown } | null }>;
          };
          const diagnosis = outputs.models.diagnosis;
          assert.deepEqual(diagnosis.endpoint?.monitoring, {
            engine: "drift-check",
            scheduleName: name,
            reportUri: `s3://${diagnosis.dataBucket}/monitoring/${name}`,
            pipelineName: name,
            baselineUri: baseline,
          });
        });
      }
    });
  }

  describe("model-monitor engine", () => {
    const roots: string[] = [];
    after(() => {
      for (const root of roots) rmSync(root, { recursive: true, force: true });
    });

    for (const stack of ["staging", "prod"] as const) {
      it(`${stack}: the deploy role can already create the endpoint, its scaling and Model Monitor, and pass their roles`, async () => {
        const root = monitoringStackRoot(stack, { engine: "model-monitor" });
        roots.push(root);
        const plans = await firstAndServed(stack, root);
        assertServedOnlyLater(plans, "mlops:sagemaker:MonitoringSchedule");
        const before = deployStatements(plans.empty.resources, stack);
        assert.deepEqual(before, deployStatements(plans.served.resources, stack));
        const actions = actionsOf(before);
        for (const action of [
          "sagemaker:CreateModel",
          "sagemaker:CreateEndpointConfig",
          "sagemaker:CreateEndpoint",
          "cloudwatch:PutMetricAlarm",
          ...MODEL_MONITOR_ACTIONS,
          ...(stack === "prod" ? ["application-autoscaling:RegisterScalableTarget"] : []),
        ]) {
          assert.ok(actions.has(action), `${stack}: ${action}`);
        }
        // The roles the endpoint and its monitoring hand to SageMaker, by their fixed names; staging's
        // pipeline (with its FindChampion function), retraining function and approval dispatch pass
        // theirs too. Prod forwards no drift: Model Monitor puts no drift events. Batch inference's
        // model, pipeline and trigger function, and prod's schedule of it, come with the version too.
        const model = `mlops-${stack}-diagnosis`;
        const fixed = (name: string) => fixedRole(stack, name);
        assert.deepEqual(passRoles(before), [
          ...(stack === "staging"
            ? [
                passRole("PassRolesToEvents1", "events.amazonaws.com", [
                  createdRole(plans.empty, `mlops-${stack}-approvals-role`),
                ]),
              ]
            : []),
          passRole("PassRolesToLambda1", "lambda.amazonaws.com", [
            ...(stack === "staging"
              ? [createdRole(plans.empty, `${model}-steps-role`), fixed(`${model}-retraining-role`)]
              : []),
            fixed(`${model}-batch-trigger-role`),
          ]),
          passRole("PassRolesToSagemaker1", "sagemaker.amazonaws.com", [
            ...(stack === "staging" ? [createdRole(plans.empty, `${model}-role`)] : []),
            fixed(`${model}-model-role`),
            fixed(`${model}-data-quality-role`),
            fixed(`${model}-batch-model-role`),
            fixed(`${model}-batch-role`),
          ]),
          ...(stack === "prod"
            ? [
                passRole("PassRolesToScheduler1", "scheduler.amazonaws.com", [
                  fixed(`${model}-batch-scheduler-role`),
                ]),
              ]
            : []),
        ]);
      });
    }
  });
});
