import { ProductionVariantInstanceType } from "@aws-sdk/client-sagemaker";
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ML_DIR } from "../../components/shared/scripts";
import { parseStackConfig, StackConfig } from "../../stacks/config";
import { ConfigError } from "../../stacks/errors";
import { loadStackConfig } from "../../stacks/load";
import { readStackFile, stackFileConfig } from "../helpers/stackFiles";

type Raw = Record<string, unknown>;

/** The smallest configuration that deploys: everything else has a default. */
function minimal(): Raw {
  return {
    environment: "staging",
    tags: { Project: "churn", Owner: "ml@example.com", CostCenter: "ML-1" },
    alerts: { emails: ["ml@example.com"] },
    models: [{ name: "churn" }],
  };
}

/** `minimal()` with its one model extended by `model` and top-level keys replaced by `settings`. */
function withModel(model: Raw, settings: Raw = {}): Raw {
  return { ...minimal(), models: [{ name: "churn", ...model }], ...settings };
}

/** Parses `raw` expecting a `ConfigError`, and returns it. */
function configError(raw: Raw, stack = "staging"): ConfigError {
  try {
    parseStackConfig(stack, raw);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail("expected a ConfigError, but the configuration was accepted");
}

/** The problem lines of the error's message, without the leading "  - ". */
function problemLines(raw: Raw): string[] {
  return configError(raw)
    .message.split("\n")
    .slice(1)
    .map((line) => line.replace(/^ {2}- /, ""));
}

/** Asserts that `raw` is refused with exactly these problems (and no others), in this order. */
function assertProblems(raw: Raw, ...expected: string[]): void {
  assert.deepEqual(problemLines(raw), expected);
}

describe("stack configuration", () => {
  describe("the shipped stack files", () => {
    let staging: StackConfig;
    let prod: StackConfig;

    before(() => {
      staging = parseStackConfig("staging", readStackFile("staging"));
      prod = parseStackConfig("prod", readStackFile("prod"));
    });

    it("both parse, each with one model", () => {
      assert.equal(staging.environment, "staging");
      assert.equal(prod.environment, "prod");
      assert.deepEqual(
        staging.models.map((m) => m.name),
        ["diagnosis"],
      );
      assert.deepEqual(
        prod.models.map((m) => m.name),
        ["diagnosis"],
      );
    });

    it("differ only where staging and prod are meant to differ", () => {
      const [s] = staging.models;
      const [p] = prod.models;
      assert.deepEqual(
        [s.pipeline.processingInstanceType, s.pipeline.trainingInstanceType, s.endpoint.instanceType],
        ["ml.t3.medium", "ml.m5.large", "ml.t2.medium"],
      );
      // Staging builds the model; prod serves the version staging verified, from staging's registry.
      assert.equal(s.source, undefined);
      assert.deepEqual(staging.promotion, { consumerAccounts: ["222222222222"] });
      assert.deepEqual(p.source, {
        modelPackageGroupArn:
          "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-diagnosis",
        verifiedIn: "staging",
      });
      assert.deepEqual(
        [s.endpoint.modelPackage, p.endpoint.modelPackage],
        ["latest-approved", "latest-verified"],
      );
      assert.deepEqual(prod.promotion, { consumerAccounts: [] });
      assert.equal(p.endpoint.instanceType, "ml.m5.xlarge");
      assert.equal(s.monitoring.instanceType, "ml.m5.large");
      assert.equal(p.monitoring.instanceType, "ml.m5.xlarge");
      assert.deepEqual(
        [s.monitoring.scheduleExpression, p.monitoring.scheduleExpression],
        ["cron(0 0 ? * * *)", "cron(0 * ? * * *)"],
      );
      // Both stacks alarm on every feature of the sample data, so staging rehearses prod's alerts.
      const header = readFileSync(path.join(ML_DIR, "data", "breast-cancer.csv"), "utf8").split("\n")[0];
      const features = header.split(",").filter((column) => column !== "target");
      // No threshold of their own: each alarm goes off at the feature's drift level.
      assert.deepEqual(s.monitoring.driftAlarms, { features });
      assert.deepEqual(p.monitoring.driftAlarms, { features });
      // Both are monitored by the drift check with its default thresholds, against the registered baseline.
      for (const monitoring of [s.monitoring, p.monitoring]) {
        assert.equal(monitoring.engine, "drift-check");
        assert.deepEqual(monitoring.drift, {
          psiWarn: 0.1,
          psiDrift: 0.25,
          ksDrift: 0.2,
          missingRateChange: 0.1,
          unseenShare: 0.01,
          minRows: 200,
          features: {},
        });
        assert.deepEqual([monitoring.driftBaselineUri, monitoring.baseline], [undefined, undefined]);
      }
      assert.equal(s.endpoint.initialInstanceCount, 1);
      assert.equal(p.endpoint.initialInstanceCount, 2);
      assert.equal(s.endpoint.autoscaling, undefined);
      assert.deepEqual(p.endpoint.autoscaling, {
        minCapacity: 2,
        maxCapacity: 10,
        targetInvocationsPerInstance: 750,
        scaleInCooldownSeconds: 300,
        scaleOutCooldownSeconds: 60,
      });
      assert.deepEqual(
        [s.endpoint.dataCapture.samplingPercentage, p.endpoint.dataCapture.samplingPercentage],
        [100, 20],
      );
      assert.deepEqual(
        [s.endpoint.deployment, p.endpoint.deployment],
        [
          { strategy: "ALL_AT_ONCE", waitIntervalSeconds: 120, terminationWaitSeconds: 0 },
          {
            strategy: "CANARY",
            canarySizePercent: 25,
            waitIntervalSeconds: 600,
            terminationWaitSeconds: 600,
          },
        ],
      );
      assert.deepEqual(
        [s.endpoint.alarms.latencyP99Milliseconds, p.endpoint.alarms.latencyP99Milliseconds],
        [1000, 300],
      );
      assert.equal(s.pipeline.accuracyThreshold, 0.8);
      // Staging retrains on a complete dataset and on drift (its own, and prod's forwarded to it), a
      // lasting drift once a day; prod, which serves staging's builds, retrains nothing itself.
      assert.deepEqual(s.retraining, {
        newData: { enabled: true, inputPrefix: "input/", marker: "_SUCCESS" },
        drift: { enabled: true, minIntervalHours: 24 },
      });
      assert.deepEqual(p.retraining, {
        newData: { enabled: false, inputPrefix: "input/", marker: "_SUCCESS" },
        drift: { enabled: false, minIntervalHours: 24 },
      });
      // Prod keeps captured traffic a quarter and reports and logs a year, for audits; staging, which
      // holds the training data, logs access to its buckets too, and keeps the rest the default periods.
      assert.deepEqual(staging.storage, {
        protectFromDeletion: false,
        noncurrentVersionRetentionDays: 30,
        checkpointRetentionDays: 7,
        captureRetentionDays: 30,
        reportRetentionDays: 90,
        pipelineOutputRetentionDays: 30,
        batchOutputRetentionDays: 30,
        logRetentionDays: 90,
        accessLogs: true,
        accessLogRetentionDays: 90,
      });
      assert.deepEqual(prod.storage, {
        protectFromDeletion: true,
        noncurrentVersionRetentionDays: 365,
        checkpointRetentionDays: 14,
        captureRetentionDays: 90,
        reportRetentionDays: 365,
        pipelineOutputRetentionDays: 30,
        batchOutputRetentionDays: 90,
        logRetentionDays: 365,
        accessLogs: true,
        accessLogRetentionDays: 365,
      });
      assert.equal(staging.encryption.keyDeletionWindowDays, 7);
      assert.equal(prod.encryption.keyDeletionWindowDays, 30);
      assert.equal(staging.alerts.emails.length, 1);
      assert.equal(prod.alerts.emails.length, 2);
    });

    it("fill in the Environment tag from environment", () => {
      const common = { Project: "mlops-platform", Owner: "ml-platform@example.com", CostCenter: "ML-1001" };
      assert.deepEqual(staging.tags, { Environment: "staging", ...common });
      assert.deepEqual(prod.tags, { Environment: "prod", ...common });
    });

    it("default namePrefix to mlops-<stack name>", () => {
      assert.equal(staging.namePrefix, "mlops-staging");
      assert.equal(prod.namePrefix, "mlops-prod");
      assert.equal(
        parseStackConfig("prod", { ...readStackFile("prod"), namePrefix: "team-a" }).namePrefix,
        "team-a",
      );
    });

    it("set nothing that depends on the environment's name: prod requires monitoring by a setting", () => {
      assert.equal(staging.requireMonitoring, false);
      assert.equal(prod.requireMonitoring, true);
      // Staging's file under another stack name gets that stack's names, and prod's rules come from prod's file.
      const dev = parseStackConfig("dev", { ...readStackFile("staging"), environment: "dev" });
      assert.equal(dev.namePrefix, "mlops-dev");
      assert.equal(dev.tags.Environment, "dev");
      const renamed = parseStackConfig("prod-eu", readStackFile("prod"));
      assert.equal(renamed.namePrefix, "mlops-prod-eu");
      assert.equal(renamed.requireMonitoring, true);
    });
  });

  describe("defaults", () => {
    it("a minimal configuration gets every default", () => {
      assert.deepEqual(parseStackConfig("staging", minimal()), {
        environment: "staging",
        namePrefix: "mlops-staging",
        requireMonitoring: false,
        tags: { Environment: "staging", Project: "churn", Owner: "ml@example.com", CostCenter: "ML-1" },
        encryption: { keyDeletionWindowDays: 30 },
        alerts: { emails: ["ml@example.com"] },
        // Kept long enough for monitoring, retraining and a review of the last quarter; no access logs.
        storage: {
          protectFromDeletion: true,
          noncurrentVersionRetentionDays: 90,
          checkpointRetentionDays: 14,
          captureRetentionDays: 30,
          reportRetentionDays: 90,
          pipelineOutputRetentionDays: 30,
          batchOutputRetentionDays: 30,
          logRetentionDays: 90,
          accessLogs: false,
          accessLogRetentionDays: 90,
        },
        // Every role carries the stack's own permissions boundary.
        security: {},
        models: [
          {
            name: "churn",
            pipeline: {
              targetColumn: "target",
              processingInstanceType: "ml.m5.large",
              trainingInstanceType: "ml.m5.large",
              accuracyThreshold: 0.8,
              modelApprovalStatus: "PendingManualApproval",
              spotTraining: true,
              maxRuntimeSeconds: 3600,
              hyperparameters: {},
              // ValidateData's limits; the schema is ml/schemas/<model>.json unless schemaFile names one.
              dataChecks: {
                minRows: 100,
                maxMissingRate: 0.05,
                minClassShare: 0.05,
                maxClassShare: 0.95,
                columnMaxMissing: {},
              },
              // A build is registered only if at most one point less accurate than the approved model.
              championMargin: 0.01,
            },
            // Instance type and count are left to ModelEndpoint (ml.m5.large × 1) unless serverless is chosen.
            endpoint: {
              enabled: true,
              modelPackage: "latest-approved",
              variantName: "primary",
              weight: 1,
              challengers: [],
              dataCapture: { enabled: true, samplingPercentage: 100 },
              deployment: { strategy: "ALL_AT_ONCE", waitIntervalSeconds: 300, terminationWaitSeconds: 0 },
              alarms: {
                latencyP99Milliseconds: 1000,
                errorRate4xxPercent: 5,
                errors5xxPerMinute: 1,
                modelSetupTimeMilliseconds: 30000,
                evaluationPeriods: 3,
              },
            },
            // The drift check, with the usual PSI levels; an alarm's threshold follows each engine's default.
            monitoring: {
              enabled: true,
              engine: "drift-check",
              drift: {
                psiWarn: 0.1,
                psiDrift: 0.25,
                ksDrift: 0.2,
                missingRateChange: 0.1,
                unseenShare: 0.01,
                minRows: 200,
                features: {},
              },
              scheduleExpression: "cron(0 0 ? * * *)",
              instanceType: "ml.m5.large",
              maxRuntimeSeconds: 1800,
              driftAlarms: { features: [] },
            },
            // Only a person starts a build: no new-data, scheduled or drift runs.
            retraining: {
              newData: { enabled: false, inputPrefix: "input/", marker: "_SUCCESS" },
              drift: { enabled: false, minIntervalHours: 24 },
            },
          },
        ],
        // Nothing is shared with other accounts.
        promotion: { consumerAccounts: [] },
      });
    });

    it("defaults fill the keys left out of a partly written mapping", () => {
      const config = parseStackConfig(
        "staging",
        withModel(
          {
            pipeline: { spotTraining: false },
            endpoint: { autoscaling: { minCapacity: 1, maxCapacity: 3 } },
          },
          { storage: { protectFromDeletion: false }, encryption: { keyDeletionWindowDays: 7 } },
        ),
      );
      const [model] = config.models;
      assert.equal(model.pipeline.spotTraining, false);
      assert.equal(model.pipeline.maxRuntimeSeconds, 3600);
      assert.equal(model.pipeline.accuracyThreshold, 0.8);
      assert.deepEqual(model.endpoint.autoscaling, {
        minCapacity: 1,
        maxCapacity: 3,
        targetInvocationsPerInstance: 1000,
        scaleInCooldownSeconds: 300,
        scaleOutCooldownSeconds: 60,
      });
      assert.equal(model.endpoint.instanceType, undefined);
      assert.deepEqual(config.storage, {
        protectFromDeletion: false,
        noncurrentVersionRetentionDays: 90,
        checkpointRetentionDays: 14,
        captureRetentionDays: 30,
        reportRetentionDays: 90,
        pipelineOutputRetentionDays: 30,
        batchOutputRetentionDays: 30,
        logRetentionDays: 90,
        accessLogs: false,
        accessLogRetentionDays: 90,
      });
      assert.deepEqual(config.encryption, { keyDeletionWindowDays: 7 });
    });

    it("hyperparameter values become strings, as SageMaker expects", () => {
      const config = parseStackConfig(
        "staging",
        withModel({ pipeline: { hyperparameters: { max_depth: 5, eta: "0.2" } } }),
      );
      assert.deepEqual(config.models[0].pipeline.hyperparameters, { max_depth: "5", eta: "0.2" });
    });

    it("accepts 8- and 17-digit subnet and security group ids, a KMS key ARN and an S3 URI", () => {
      const config = parseStackConfig(
        "staging",
        withModel(
          { pipeline: { inputDataUri: "s3://my-data.bucket/churn/" } },
          {
            network: {
              subnetIds: ["subnet-0123abcd", "subnet-0123456789abcdef0"],
              securityGroupIds: ["sg-89abcdef"],
            },
            encryption: {
              kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            },
          },
        ),
      );
      assert.deepEqual(config.network?.subnetIds, ["subnet-0123abcd", "subnet-0123456789abcdef0"]);
      assert.equal(config.models[0].pipeline.inputDataUri, "s3://my-data.bucket/churn/");
    });
  });

  describe("messages name the key path, the value and what is allowed", () => {
    it("an environment is any short lowercase name; others are refused", () => {
      for (const environment of ["dev", "qa", "staging", "prod", "sandbox-alice", "e2", "abcdefghijklmn"]) {
        assert.equal(parseStackConfig("staging", { ...minimal(), environment }).environment, environment);
      }
      for (const environment of ["Dev", "2dev", "dev-", "dev_1", "abcdefghijklmno", ""]) {
        assertProblems(
          { ...minimal(), environment },
          `environment: ${JSON.stringify(environment)} is not a valid environment name (1-14 lowercase letters, digits and hyphens; starts with a letter, e.g. dev, qa, sandbox-alice)`,
        );
      }
      assertProblems(
        { ...minimal(), environment: 2 },
        "environment: 2 must be an environment name, e.g. dev, qa, staging or prod",
      );
    });

    it("a wrong environment is not also reported as a contradicting Environment tag", () => {
      const raw = {
        ...minimal(),
        environment: "Dev",
        tags: { ...(minimal().tags as Raw), Environment: "Dev" },
      };
      assertProblems(
        raw,
        'environment: "Dev" is not a valid environment name (1-14 lowercase letters, digits and hyphens; starts with a letter, e.g. dev, qa, sandbox-alice)',
      );
    });

    it("a stack whose name makes no valid default prefix must set namePrefix", () => {
      const message =
        'namePrefix: is required in stack "Sandbox_Alice": the default, "mlops-Sandbox_Alice" (mlops-<stack name>), is not a valid name prefix (1-20 lowercase letters, digits and hyphens; starts with a letter); set mlops:namePrefix to a prefix no other stack in the AWS account uses';
      assert.deepEqual(configError(minimal(), "Sandbox_Alice").message.split("\n").slice(1), [
        `  - ${message}`,
      ]);
      assert.equal(configError(minimal(), "sandbox-alice-2026").problems[0].path, "namePrefix");
      assert.equal(
        parseStackConfig("Sandbox_Alice", { ...minimal(), namePrefix: "mlops-alice" }).namePrefix,
        "mlops-alice",
      );
      assert.equal(parseStackConfig("sandbox-alice", minimal()).namePrefix, "mlops-sandbox-alice");
    });

    it("missing required tags, each listed", () => {
      assertProblems(
        { ...minimal(), tags: {} },
        "tags.CostCenter: is required (a non-empty string)",
        "tags.Owner: is required (a non-empty string)",
        "tags.Project: is required (a non-empty string)",
      );
      assertProblems(
        { ...minimal(), tags: { Project: "churn", Owner: "", CostCenter: "ML-1" } },
        'tags.Owner: "" must be a tag value, not empty',
      );
    });

    it("an Environment tag contradicting environment", () => {
      const raw = { ...minimal(), tags: { ...(minimal().tags as Raw), Environment: "prod" } };
      assertProblems(
        raw,
        'tags.Environment: "prod" must equal environment ("staging"), or be left out to be filled in from it',
      );
    });

    it("an unknown key at the top level lists the allowed keys", () => {
      assertProblems(
        { ...minimal(), enviroment: "prod" },
        'enviroment: "prod" is not a known key here (did you mean "environment"? allowed: environment, namePrefix, requireMonitoring, tags, encryption, network, alerts, storage, security, models, promotion, delivery)',
      );
    });

    it("an unknown nested key lists the keys allowed there", () => {
      assertProblems(
        withModel({
          endpoint: { instanceTyp: "ml.m5.large", autoscaling: { minCapacity: 1, maxCapacity: 2, max: 3 } },
        }),
        "models[0].endpoint.autoscaling.max: 3 is not a known key here (allowed: minCapacity, maxCapacity, targetInvocationsPerInstance, scaleInCooldownSeconds, scaleOutCooldownSeconds)",
        'models[0].endpoint.instanceTyp: "ml.m5.large" is not a known key here (did you mean "instanceType"? allowed: enabled, modelPackage, variantName, weight, instanceType, initialInstanceCount, autoscaling, serverless, challengers, shadow, dataCapture, deployment, alarms)',
      );
    });

    it("a bad processing instance type names the kind and suggests the closest type", () => {
      assertProblems(
        withModel({ pipeline: { processingInstanceType: "ml.m5.huge" } }),
        'models[0].pipeline.processingInstanceType: "ml.m5.huge" is not a SageMaker instance type for processing jobs (did you mean "ml.m5.large"?)',
      );
    });

    it("a bad training instance type names the kind and suggests the closest type", () => {
      assertProblems(
        withModel({ pipeline: { trainingInstanceType: "ml.p3.2xlarg" } }),
        'models[0].pipeline.trainingInstanceType: "ml.p3.2xlarg" is not a SageMaker instance type for training jobs (did you mean "ml.p3.2xlarge"?)',
      );
    });

    it("a bad endpoint instance type names the kind and suggests the closest type", () => {
      assert.throws(
        () =>
          parseStackConfig("staging", {
            ...minimal(),
            models: [{ name: "a" }, { name: "b", endpoint: { instanceType: "ml.m5.huge" } }],
          }),
        (e) =>
          e instanceof ConfigError &&
          e.message.includes(
            'models[1].endpoint.instanceType: "ml.m5.huge" is not a SageMaker instance type for endpoints (did you mean "ml.m5.large"?)',
          ),
      );
    });

    it("an instance type valid for endpoints is refused where processing jobs run", () => {
      assertProblems(
        withModel({
          endpoint: { instanceType: "ml.t2.medium" },
          monitoring: { instanceType: "ml.t2.medium" },
        }),
        'models[0].monitoring.instanceType: "ml.t2.medium" is not a SageMaker instance type for processing jobs (did you mean "ml.t3.medium"?)',
      );
    });

    it("a value of the wrong type", () => {
      assertProblems(
        withModel({
          pipeline: { maxRuntimeSeconds: "3600", spotTraining: "yes", trainingInstanceType: 5 },
          endpoint: { initialInstanceCount: "2" },
        }),
        'models[0].endpoint.initialInstanceCount: "2" must be a whole number from 1 to 100',
        'models[0].pipeline.maxRuntimeSeconds: "3600" must be a whole number from 60 to 432000',
        'models[0].pipeline.spotTraining: "yes" must be true or false',
        'models[0].pipeline.trainingInstanceType: 5 must be a SageMaker instance type for training jobs (a string such as "ml.c4.2xlarge")',
      );
      assertProblems(
        { ...minimal(), models: { name: "churn" } },
        'models: {"name":"churn"} must be a list of models',
      );
      assertProblems(
        { ...minimal(), alerts: "ml@example.com" },
        'alerts: "ml@example.com" must be a mapping of keys to values',
      );
    });

    it("accuracyThreshold out of range", () => {
      assertProblems(
        withModel({ pipeline: { accuracyThreshold: 1.5 } }),
        "models[0].pipeline.accuracyThreshold: 1.5 must be a number from 0 to 1",
      );
      assertProblems(
        withModel({ pipeline: { accuracyThreshold: -0.1 } }),
        "models[0].pipeline.accuracyThreshold: -0.1 must be a number from 0 to 1",
      );
      assertProblems(
        withModel({ pipeline: { accuracyThreshold: "90%" } }),
        'models[0].pipeline.accuracyThreshold: "90%" must be a number from 0 to 1',
      );
    });

    it("counts that are not whole numbers", () => {
      assertProblems(
        withModel(
          { endpoint: { initialInstanceCount: 2.5, autoscaling: { minCapacity: 1, maxCapacity: 4.5 } } },
          { encryption: { keyDeletionWindowDays: 7.5 } },
        ),
        "encryption.keyDeletionWindowDays: 7.5 must be a whole number from 7 to 30",
        "models[0].endpoint.autoscaling.maxCapacity: 4.5 must be a whole number from 1 to 100",
        "models[0].endpoint.initialInstanceCount: 2.5 must be a whole number from 1 to 100",
      );
    });

    it("duplicate model names point to the first use", () => {
      assertProblems(
        {
          ...minimal(),
          models: [{ name: "churn" }, { name: "fraud" }, { name: "churn" }, { name: "churn" }],
        },
        'models[2].name: "churn" is already used by models[0]; model names must be unique in a stack',
        'models[3].name: "churn" is already used by models[0]; model names must be unique in a stack',
      );
    });

    it("maxWaitSeconds without spot training", () => {
      assertProblems(
        withModel({ pipeline: { spotTraining: false, maxWaitSeconds: 7200 } }),
        "models[0].pipeline.maxWaitSeconds: 7200 applies to spot training only; remove it or set spotTraining: true",
      );
    });

    it("maxWaitSeconds below maxRuntimeSeconds (written or default)", () => {
      assertProblems(
        withModel({ pipeline: { maxRuntimeSeconds: 7200, maxWaitSeconds: 3600 } }),
        "models[0].pipeline.maxWaitSeconds: 3600 must be at least maxRuntimeSeconds (7200): it includes the time spent waiting for spot capacity",
      );
      assertProblems(
        withModel({ pipeline: { maxWaitSeconds: 1800 } }),
        "models[0].pipeline.maxWaitSeconds: 1800 must be at least maxRuntimeSeconds (3600): it includes the time spent waiting for spot capacity",
      );
      // A maxRuntimeSeconds of the wrong type is one problem; the comparison does not pretend it is 3600.
      assertProblems(
        withModel({ pipeline: { maxRuntimeSeconds: "2h", maxWaitSeconds: 1800 } }),
        'models[0].pipeline.maxRuntimeSeconds: "2h" must be a whole number from 60 to 432000',
      );
    });

    it("autoscaling minCapacity above maxCapacity", () => {
      assertProblems(
        withModel({ endpoint: { initialInstanceCount: 5, autoscaling: { minCapacity: 5, maxCapacity: 3 } } }),
        "models[0].endpoint.autoscaling.maxCapacity: 3 must be at least autoscaling.minCapacity (5)",
      );
    });

    it("initialInstanceCount below autoscaling minCapacity (written or default)", () => {
      const message =
        "must be at least autoscaling.minCapacity (2) so the endpoint starts within its scaling range";
      assertProblems(
        withModel({
          endpoint: { initialInstanceCount: 1, autoscaling: { minCapacity: 2, maxCapacity: 10 } },
        }),
        `models[0].endpoint.initialInstanceCount: 1 ${message}`,
      );
      assertProblems(
        withModel({ endpoint: { autoscaling: { minCapacity: 2, maxCapacity: 10 } } }),
        `models[0].endpoint.initialInstanceCount: 1 ${message}`,
      );
      // A count of the wrong type is one problem; the comparison does not pretend it is 1.
      assertProblems(
        withModel({
          endpoint: { initialInstanceCount: "3", autoscaling: { minCapacity: 2, maxCapacity: 10 } },
        }),
        'models[0].endpoint.initialInstanceCount: "3" must be a whole number from 1 to 100',
      );
    });

    it("modelPackage: latest-approved or a versioned model package ARN", () => {
      const arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-prod-churn/7";
      assert.equal(
        parseStackConfig("staging", withModel({ endpoint: { modelPackage: arn } })).models[0].endpoint
          .modelPackage,
        arn,
      );
      assertProblems(
        withModel({
          endpoint: { modelPackage: "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/x" },
        }),
        'models[0].endpoint.modelPackage: "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/x" must be "latest-approved", "latest-verified" or a versioned model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)',
      );
    });

    it("at most 2 challengers: SageMaker takes 10 rollback alarms per endpoint, 3 per variant", () => {
      const arn = (version: number) =>
        `arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-prod-churn/${version}`;
      const challengers = (count: number) =>
        Array.from({ length: count }, (_, i) => ({ name: `c${i + 1}`, modelPackage: arn(i + 1) }));
      assert.equal(
        parseStackConfig("staging", withModel({ endpoint: { challengers: challengers(2) } })).models[0]
          .endpoint.challengers.length,
        2,
      );
      assert.deepEqual(problemLines(withModel({ endpoint: { challengers: challengers(3) } })), [
        'models[0].endpoint.challengers: ["c1","c2","c3"] are too many: with the primary, 4 variants have 3 ' +
          "rollback alarms each (12), and SageMaker takes at most 10 per endpoint; list at most 2 challengers",
      ]);
    });

    it("serverless: its own limits, and no instances, capture, monitoring, extra variants or VPC", () => {
      const arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-prod-churn/7";
      assert.deepEqual(
        problemLines(
          withModel(
            {
              endpoint: {
                serverless: { memorySizeInMb: 1500, maxConcurrency: 5, provisionedConcurrency: 6 },
                instanceType: "ml.m5.large",
                autoscaling: { minCapacity: 1, maxCapacity: 2 },
                challengers: [{ name: "b", modelPackage: arn }],
              },
            },
            { network: { subnetIds: ["subnet-0a1b2c3d"], securityGroupIds: ["sg-0a1b2c3d"] } },
          ),
        ),
        [
          'models[0].endpoint.autoscaling: {"minCapacity":1,"maxCapacity":2} cannot be combined with serverless: a variant runs on instances or serverless, not both',
          'models[0].endpoint.challengers: [{"name":"b","modelPackage":"arn:aws:sagemaker:us-east-1:123456789012:model-p... must be empty: a serverless endpoint serves one variant',
          "models[0].endpoint.dataCapture.enabled: must be false: serverless endpoints cannot capture data (capture is on by default)",
          'models[0].endpoint.instanceType: "ml.m5.large" cannot be combined with serverless: a variant runs on instances or serverless, not both',
          'models[0].endpoint.serverless: {"memorySizeInMb":1500,"maxConcurrency":5,"provisionedConcurrency":6} cannot be used in a stack with a network: serverless endpoints do not run in a VPC',
          "models[0].endpoint.serverless.memorySizeInMb: 1500 must be one of 1024, 2048, 3072, 4096, 5120, 6144",
          "models[0].endpoint.serverless.provisionedConcurrency: 6 must be at most serverless.maxConcurrency (5)",
          "models[0].monitoring.enabled: must be false: drift monitoring reads captured requests, which serverless endpoints lack (monitoring is on by default)",
        ],
      );
      const valid = parseStackConfig(
        "staging",
        withModel({
          endpoint: {
            serverless: { memorySizeInMb: 2048, maxConcurrency: 5 },
            dataCapture: { enabled: false },
          },
          monitoring: { enabled: false },
        }),
      );
      assert.deepEqual(valid.models[0].endpoint.serverless, { memorySizeInMb: 2048, maxConcurrency: 5 });
    });

    it("monitoring: SageMaker's schedules, a runtime within the hour, complete baselines, unique drift features", () => {
      assertProblems(
        withModel({
          monitoring: {
            engine: "model-monitor",
            scheduleExpression: "cron(30 * ? * * *)",
            maxRuntimeSeconds: 7200,
            baseline: { statisticsUri: "s3://bucket/baseline/statistics.json" },
            driftAlarms: { features: ["age", "income", "age", "bad name"], threshold: 0 },
          },
        }),
        "models[0].monitoring.baseline.constraintsUri: is required (an S3 URI such as s3://bucket/prefix/)",
        'models[0].monitoring.driftAlarms.features[2]: "age" is already listed at features[0]',
        'models[0].monitoring.driftAlarms.features[3]: "bad name" is not a feature name Model Monitor publishes metrics for (1-200 letters, digits, _ . -)',
        "models[0].monitoring.driftAlarms.threshold: 0 must be a score above 0, up to 10",
        "models[0].monitoring.maxRuntimeSeconds: 7200 must be a whole number from 60 to 3600",
        'models[0].monitoring.scheduleExpression: "cron(30 * ? * * *)" is not a Model Monitor schedule: expected cron(0 <hours> ? * * *), e.g. "cron(0 * ? * * *)" hourly, "cron(0 3 ? * * *)" daily at 03:00 UTC',
      );
      for (const [expression, message] of [
        ["cron(0 24 ? * * *)", "has an hour above 23"],
        ["cron(0 */25 ? * * *)", "has an hour interval outside 1-24"],
        ["rate(1 hour)", undefined],
      ] as const) {
        const [line] = problemLines(withModel({ monitoring: { scheduleExpression: expression } }));
        assert.ok(line.startsWith(`models[0].monitoring.scheduleExpression: "${expression}" `), line);
        if (message) assert.ok(line.endsWith(message), line);
      }
      for (const expression of [
        "cron(0 * ? * * *)",
        "cron(0 3 ? * * *)",
        "cron(0 */6 ? * * *)",
        "cron(0 1/12 ? * * *)",
      ]) {
        const config = parseStackConfig(
          "staging",
          withModel({ monitoring: { scheduleExpression: expression } }),
        );
        assert.equal(config.models[0].monitoring.scheduleExpression, expression);
      }
    });

    it("monitoring needs data capture; requireMonitoring also refuses capture nobody monitors", () => {
      const noCapture = { endpoint: { dataCapture: { enabled: false } } };
      const message =
        "models[0].monitoring.enabled: needs endpoint.dataCapture.enabled: drift monitoring analyses the captured requests; turn capture on or set monitoring.enabled: false (monitoring is on by default)";
      assertProblems(withModel(noCapture), message);
      assertProblems(withModel(noCapture, { requireMonitoring: true }), message);
      const unmonitored = withModel({ monitoring: { enabled: false } }, { requireMonitoring: true });
      assert.deepEqual(configError(unmonitored, "qa").message.split("\n").slice(1), [
        "  - models[0].monitoring.enabled: false must be true while the endpoint captures data (endpoint.dataCapture.enabled is on by default): the stack sets requireMonitoring, so its endpoints are monitored for drift",
      ]);
      // The setting decides, not the environment's name: prod without it may capture without monitoring.
      const unmonitoredProd = withModel({ monitoring: { enabled: false } }, { environment: "prod" });
      assert.equal(parseStackConfig("prod", unmonitoredProd).models[0].monitoring.enabled, false);
      assertProblems(
        { ...minimal(), requireMonitoring: "yes" },
        'requireMonitoring: "yes" must be true or false',
      );
      // A stack may capture for offline analysis without monitoring; both off is a choice in any.
      assert.equal(
        parseStackConfig("staging", withModel({ monitoring: { enabled: false } })).models.length,
        1,
      );
      for (const requireMonitoring of [false, true]) {
        const off = withModel({ ...noCapture, monitoring: { enabled: false } }, { requireMonitoring });
        assert.equal(parseStackConfig("staging", off).models[0].monitoring.enabled, false);
      }
      // An endpoint that is not deployed has nothing to monitor, whatever monitoring says.
      const disabled = withModel({ endpoint: { enabled: false, dataCapture: { enabled: false } } });
      assert.equal(parseStackConfig("staging", disabled).models[0].monitoring.enabled, true);
    });

    it("monitoring.engine: drift-check (the default) or model-monitor; another is refused", () => {
      assert.equal(parseStackConfig("staging", minimal()).models[0].monitoring.engine, "drift-check");
      assert.equal(
        parseStackConfig("staging", withModel({ monitoring: { engine: "model-monitor" } })).models[0]
          .monitoring.engine,
        "model-monitor",
      );
      assertProblems(
        withModel({ monitoring: { engine: "spark" } }),
        'models[0].monitoring.engine: "spark" must be one of "drift-check", "model-monitor"',
      );
    });

    it("a Model Monitor alarm threshold is a distance up to 1, refused before anything is created", () => {
      assertProblems(
        withModel({
          monitoring: { engine: "model-monitor", driftAlarms: { features: ["age"], threshold: 2 } },
        }),
        "models[0].monitoring.driftAlarms.threshold: 2 must be at most 1 with the model-monitor engine: Model Monitor's baseline distance is from 0 to 1",
      );
    });

    it("names a bad feature in drift.features as such, and an unknown engine only once", () => {
      assertProblems(
        withModel({ monitoring: { drift: { features: { "bad name": { psiDrift: 0.3 } } } } }),
        'models[0].monitoring.drift.features.bad name: "bad name" is not a feature name (1-200 letters, digits, _ . -)',
      );
      assertProblems(
        withModel({
          monitoring: {
            engine: "spark",
            baseline: {
              statisticsUri: "s3://team-baselines/s.json",
              constraintsUri: "s3://team-baselines/c.json",
            },
          },
        }),
        'models[0].monitoring.engine: "spark" must be one of "drift-check", "model-monitor"',
      );
    });

    it("each engine's own keys are refused under the other, so that no setting silently does nothing", () => {
      const baseline = {
        statisticsUri: "s3://team-baselines/churn/statistics.json",
        constraintsUri: "s3://team-baselines/churn/constraints.json",
      };
      const driftBaselineUri = "s3://team-baselines/churn/drift_baseline.json";
      // monitoring.baseline is Model Monitor's: refused under the default engine, and under drift-check.
      // The message shortens the mapping; the problem keeps it whole.
      for (const engine of [undefined, "drift-check"]) {
        assert.deepEqual(configError(withModel({ monitoring: { engine, baseline } })).problems, [
          {
            path: "models[0].monitoring.baseline",
            value: baseline,
            message: 'applies to the model-monitor engine only (monitoring.engine is "drift-check")',
          },
        ]);
      }
      assertProblems(
        withModel({ monitoring: { engine: "model-monitor", driftBaselineUri, drift: { psiDrift: 0.3 } } }),
        'models[0].monitoring.drift: {"psiDrift":0.3} applies to the drift-check engine only (monitoring.engine is "model-monitor")',
        `models[0].monitoring.driftBaselineUri: "${driftBaselineUri}" applies to the drift-check engine only (monitoring.engine is "model-monitor")`,
      );
      // Each engine takes its own.
      const modelMonitor = parseStackConfig(
        "staging",
        withModel({ monitoring: { engine: "model-monitor", baseline } }),
      ).models[0].monitoring;
      assert.deepEqual(modelMonitor.baseline, baseline);
      const driftCheck = parseStackConfig(
        "staging",
        withModel({
          monitoring: {
            driftBaselineUri,
            drift: { psiDrift: 0.3, minRows: 500, features: { mean_area: { psiDrift: 0.4, ksDrift: 0.3 } } },
          },
        }),
      ).models[0].monitoring;
      assert.equal(driftCheck.driftBaselineUri, driftBaselineUri);
      // The thresholds left out keep their defaults; a feature's replace only the ones it names.
      assert.deepEqual(driftCheck.drift, {
        psiWarn: 0.1,
        psiDrift: 0.3,
        ksDrift: 0.2,
        missingRateChange: 0.1,
        unseenShare: 0.01,
        minRows: 500,
        features: { mean_area: { psiDrift: 0.4, ksDrift: 0.3 } },
      });
    });

    it("driftBaselineUri: the S3 URI of a drift_baseline.json", () => {
      assertProblems(
        withModel({ monitoring: { driftBaselineUri: "s3://team-baselines/churn/baseline.json" } }),
        'models[0].monitoring.driftBaselineUri: "s3://team-baselines/churn/baseline.json" must name a drift_baseline.json (what ml/baseline.py writes)',
      );
      assertProblems(
        withModel({ monitoring: { driftBaselineUri: "https://team-baselines/churn/drift_baseline.json" } }),
        'models[0].monitoring.driftBaselineUri: "https://team-baselines/churn/drift_baseline.json" is not an S3 URI (expected s3://bucket/prefix/ with a valid bucket name)',
      );
    });

    it("drift check: runs that tile the day, thresholds in their ranges, a warning level not above drift", () => {
      // Each run checks the hours since the previous one: an interval must divide 24.
      for (const [expression, interval] of [
        ["cron(0 */5 ? * * *)", 5],
        ["cron(0 2/7 ? * * *)", 7],
      ] as const) {
        assertProblems(
          withModel({ monitoring: { scheduleExpression: expression } }),
          `models[0].monitoring.scheduleExpression: "${expression}" has an hour interval of ${interval}, which does not divide 24: runs would not cover the day evenly`,
        );
      }
      // Model Monitor's runs cover no window, so its schedules may; a malformed schedule is reported once.
      assert.equal(
        parseStackConfig(
          "staging",
          withModel({ monitoring: { engine: "model-monitor", scheduleExpression: "cron(0 */5 ? * * *)" } }),
        ).models[0].monitoring.scheduleExpression,
        "cron(0 */5 ? * * *)",
      );
      assertProblems(
        withModel({ monitoring: { scheduleExpression: "cron(30 * ? * * *)" } }),
        'models[0].monitoring.scheduleExpression: "cron(30 * ? * * *)" is not a Model Monitor schedule: expected cron(0 <hours> ? * * *), e.g. "cron(0 * ? * * *)" hourly, "cron(0 3 ? * * *)" daily at 03:00 UTC',
      );

      assertProblems(
        withModel({
          monitoring: {
            drift: {
              psiDrift: 11,
              ksDrift: 0,
              missingRateChange: 2,
              unseenShare: -1,
              minRows: 0,
              features: { mean_area: { psi: 1 } },
            },
          },
        }),
        "models[0].monitoring.drift.features.mean_area.psi: 1 is not a known key here (allowed: psiWarn, psiDrift, ksDrift, missingRateChange, unseenShare)",
        "models[0].monitoring.drift.ksDrift: 0 must be a Kolmogorov-Smirnov statistic above 0, up to 1",
        "models[0].monitoring.drift.minRows: 0 must be a whole number from 1 to 1000000",
        "models[0].monitoring.drift.missingRateChange: 2 must be a share above 0, up to 1",
        "models[0].monitoring.drift.psiDrift: 11 must be a population stability index above 0, up to 10",
        "models[0].monitoring.drift.unseenShare: -1 must be a share above 0, up to 1",
      );

      // A feature warns before it drifts: against the default psiDrift, the one written, and per feature
      // against the feature's own levels or the ones it inherits.
      assertProblems(
        withModel({ monitoring: { drift: { psiWarn: 0.3 } } }),
        "models[0].monitoring.drift.psiWarn: 0.3 must not be above drift.psiDrift (0.25): a feature warns before it drifts",
      );
      assertProblems(
        withModel({ monitoring: { drift: { psiWarn: 0.3, psiDrift: 0.2 } } }),
        "models[0].monitoring.drift.psiWarn: 0.3 must not be above drift.psiDrift (0.2): a feature warns before it drifts",
      );
      assertProblems(
        withModel({ monitoring: { drift: { psiDrift: 0.4, features: { mean_area: { psiDrift: 0.05 } } } } }),
        "models[0].monitoring.drift.features.mean_area.psiWarn: 0.1 must not be above the feature's psiDrift (0.05): a feature warns before it drifts",
      );
      assertProblems(
        withModel({
          monitoring: { drift: { psiWarn: 0.5, psiDrift: 0.6, features: { mean_area: { psiWarn: 0.7 } } } },
        }),
        "models[0].monitoring.drift.features.mean_area.psiWarn: 0.7 must not be above the feature's psiDrift (0.6): a feature warns before it drifts",
      );
      const equal = withModel({
        monitoring: { drift: { psiWarn: 0.25, features: { mean_area: { psiWarn: 0.25 } } } },
      });
      assert.equal(parseStackConfig("staging", equal).models[0].monitoring.drift.psiWarn, 0.25);
    });

    it("driftAlarms.threshold: optional, a score above 0 up to 10 (a PSI for the drift check)", () => {
      const alarms = (driftAlarms: Raw) =>
        parseStackConfig("staging", withModel({ monitoring: { driftAlarms } })).models[0].monitoring
          .driftAlarms;
      // Unset, each engine applies its own default: the feature's psiDrift, or Model Monitor's 0.1.
      assert.deepEqual(alarms({ features: ["age"] }), { features: ["age"] });
      assert.deepEqual(alarms({ features: ["age"], threshold: 10 }), { features: ["age"], threshold: 10 });
      assertProblems(
        withModel({ monitoring: { driftAlarms: { threshold: 10.5 } } }),
        "models[0].monitoring.driftAlarms.threshold: 10.5 must be a score above 0, up to 10",
      );
    });

    it("deployment: step sizes only for their strategy, two instances to shift in steps, a timeout above the waits", () => {
      assert.deepEqual(
        problemLines(
          withModel({
            endpoint: {
              deployment: {
                strategy: "LINEAR",
                canarySizePercent: 10,
                linearStepPercent: 5,
                waitIntervalSeconds: 600,
                maximumExecutionTimeoutSeconds: 600,
              },
            },
          }),
        ),
        [
          "models[0].endpoint.deployment.canarySizePercent: 10 applies to strategy CANARY only (strategy is LINEAR)",
          "models[0].endpoint.deployment.linearStepPercent: 5 must be a whole number from 10 to 50",
          "models[0].endpoint.deployment.maximumExecutionTimeoutSeconds: 600 must be longer than waitIntervalSeconds + terminationWaitSeconds (600)",
          'models[0].endpoint.deployment.strategy: "LINEAR" needs at least 2 instances (initialInstanceCount) to shift traffic in steps; use ALL_AT_ONCE',
        ],
      );
    });

    it("challengers and shadow: pinned versions, unique variant names, not both at once", () => {
      const arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-prod-churn/7";
      assert.deepEqual(
        problemLines(
          withModel({
            endpoint: {
              challengers: [
                { name: "primary", modelPackage: arn },
                { name: "b", modelPackage: "latest-approved" },
              ],
              shadow: { name: "b", modelPackage: arn },
            },
          }),
        ),
        [
          'models[0].endpoint.challengers[0].name: "primary" is already used by models[0].endpoint.variantName; variant names must be unique',
          'models[0].endpoint.challengers[1].modelPackage: "latest-approved" must be a model package ARN: a challenger serves a specific version',
          'models[0].endpoint.shadow: {"name":"b","modelPackage":"arn:aws:sagemaker:us-east-1:123456789012:model-pa... cannot be combined with challengers: a shadow test mirrors exactly one production variant',
          'models[0].endpoint.shadow.name: "b" is already used by models[0].endpoint.challengers[1].name; variant names must be unique',
        ],
      );
    });

    it("retraining: a key prefix ending in /, a marker without /, an interval of whole hours from 1, a Scheduler expression", () => {
      assertProblems(
        withModel({
          retraining: {
            newData: { enabled: true, inputPrefix: "input", marker: "done/_SUCCESS" },
            schedule: "cron(0 3 * * MON)",
            drift: { enabled: true, minIntervalHours: 0 },
          },
        }),
        "models[0].retraining.drift.minIntervalHours: 0 must be a whole number from 1 to 720",
        'models[0].retraining.newData.inputPrefix: "input" must be a key prefix ending in / (e.g. input/)',
        'models[0].retraining.newData.marker: "done/_SUCCESS" must be an object name without / (e.g. _SUCCESS)',
        'models[0].retraining.schedule: "cron(0 3 * * MON)" must be an EventBridge Scheduler expression: ' +
          'cron(<6 fields>) or rate(<n> <unit>), e.g. "cron(0 3 ? * MON *)"',
      );
      // A key prefix is relative to the bucket, and rate() takes minutes, hours or days.
      assertProblems(
        withModel({ retraining: { newData: { inputPrefix: "/input/" }, schedule: "rate(1 week)" } }),
        'models[0].retraining.newData.inputPrefix: "/input/" must be a key prefix ending in / (e.g. input/)',
        'models[0].retraining.schedule: "rate(1 week)" must be an EventBridge Scheduler expression: ' +
          'cron(<6 fields>) or rate(<n> <unit>), e.g. "cron(0 3 ? * MON *)"',
      );
      assertProblems(
        withModel({ retraining: { drift: { minIntervalHours: 721 }, newdata: { enabled: true } } }),
        "models[0].retraining.drift.minIntervalHours: 721 must be a whole number from 1 to 720",
        'models[0].retraining.newdata: {"enabled":true} is not a known key here (did you mean "newData"? ' +
          "allowed: newData, schedule, drift)",
      );
      // Accepted: a nested prefix, another marker, both kinds of schedule.
      for (const schedule of ["cron(0 3 ? * MON *)", "rate(7 days)"]) {
        const [model] = parseStackConfig(
          "staging",
          withModel({
            retraining: {
              newData: { enabled: true, inputPrefix: "landing/churn/", marker: "READY" },
              schedule,
            },
          }),
        ).models;
        assert.deepEqual(model.retraining, {
          newData: { enabled: true, inputPrefix: "landing/churn/", marker: "READY" },
          schedule,
          drift: { enabled: false, minIntervalHours: 24 },
        });
      }
    });

    it("pipeline.schemaFile: the path of a .json file relative to the project, without ..", () => {
      const refused = "must be the path of a .json file relative to the project, without ..";
      assertProblems(
        withModel({ pipeline: { schemaFile: "/etc/schemas/churn.json" } }),
        `models[0].pipeline.schemaFile: "/etc/schemas/churn.json" ${refused}`,
      );
      assertProblems(
        withModel({ pipeline: { schemaFile: "ml/../../schemas/churn.json" } }),
        `models[0].pipeline.schemaFile: "ml/../../schemas/churn.json" ${refused}`,
      );
      assertProblems(
        withModel({ pipeline: { schemaFile: "ml/schemas/churn.yaml" } }),
        `models[0].pipeline.schemaFile: "ml/schemas/churn.yaml" ${refused}`,
      );
      assertProblems(
        withModel({ pipeline: { schemaFile: 3 } }),
        "models[0].pipeline.schemaFile: 3 must be a path relative to the project, e.g. ml/schemas/churn.json",
      );
      // Unset, the program reads ml/schemas/<model>.json.
      const given = parseStackConfig(
        "staging",
        withModel({ pipeline: { schemaFile: "ml/schemas/diagnosis.json" } }),
      );
      assert.equal(given.models[0].pipeline.schemaFile, "ml/schemas/diagnosis.json");
      assert.equal(parseStackConfig("staging", minimal()).models[0].pipeline.schemaFile, undefined);
    });

    it("storage: retention periods in their ranges, outlasting what reads the data; access-log days only with access logs", () => {
      assertProblems(
        withModel(
          {},
          {
            storage: {
              captureRetentionDays: 0,
              reportRetentionDays: 4000,
              logRetentionDays: 100,
              accessLogs: "yes",
            },
          },
        ),
        'storage.accessLogs: "yes" must be true or false',
        "storage.captureRetentionDays: 0 must be a whole number from 1 to 3650",
        "storage.logRetentionDays: 100 is not a CloudWatch Logs retention period (1, 3, 5, 7, 14, 30, 60, 90, 120, " +
          "150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days)",
        "storage.reportRetentionDays: 4000 must be a whole number from 1 to 3650",
      );
      // An hourly drift check, and spot training that may wait five days for capacity.
      assertProblems(
        withModel(
          {
            pipeline: { maxRuntimeSeconds: 3600, maxWaitSeconds: 432000 },
            monitoring: { scheduleExpression: "cron(0 * ? * * *)" },
          },
          {
            storage: {
              captureRetentionDays: 1,
              pipelineOutputRetentionDays: 5,
              checkpointRetentionDays: 3,
              accessLogRetentionDays: 30,
            },
          },
        ),
        "storage.accessLogRetentionDays: 30 applies only with accessLogs: true; remove it or turn access logs on",
        "storage.captureRetentionDays: 1 is shorter than the 2 days models[0].monitoring needs: each run reads the " +
          "requests captured in the last 1 hour(s), and a failed run is retried or run again the next day; keep " +
          "captured data at least 2 days",
        "storage.checkpointRetentionDays: 3 is shorter than the 6 days the spot training of models[0] needs: an " +
          "interrupted job waits for capacity and resumes from its last checkpoint up to 432000 seconds after it " +
          "started (models[0].pipeline.maxWaitSeconds); keep checkpoints at least 6 days",
        "storage.pipelineOutputRetentionDays: 5 is shorter than the 6 days a build of models[0] needs: its Train " +
          "step may run 432000 seconds (models[0].pipeline.maxWaitSeconds), after which Evaluate reads the test " +
          "split and the champion placeholder; keep intermediate outputs at least 6 days",
      );
      // Spot training waits twice its run time by default; without spot, the run time alone counts.
      assertProblems(
        withModel(
          { pipeline: { maxRuntimeSeconds: 86400 } },
          { storage: { pipelineOutputRetentionDays: 2 } },
        ),
        "storage.pipelineOutputRetentionDays: 2 is shorter than the 3 days a build of models[0] needs: its Train " +
          "step may run 172800 seconds (maxWaitSeconds, by default twice models[0].pipeline.maxRuntimeSeconds), " +
          "after which Evaluate reads the test split and the champion placeholder; keep intermediate outputs at " +
          "least 3 days",
      );
      assert.equal(
        parseStackConfig(
          "staging",
          withModel(
            { pipeline: { spotTraining: false, maxRuntimeSeconds: 86400 } },
            { storage: { pipelineOutputRetentionDays: 3, checkpointRetentionDays: 1 } },
          ),
        ).storage.pipelineOutputRetentionDays,
        3,
      );
      // Model Monitor every 5 hours: runs that do not tile the day read at most the last 24 hours.
      assertProblems(
        withModel(
          { monitoring: { engine: "model-monitor", scheduleExpression: "cron(0 0/5 ? * * *)" } },
          { storage: { captureRetentionDays: 1 } },
        ),
        "storage.captureRetentionDays: 1 is shorter than the 2 days models[0].monitoring needs: each run reads the " +
          "requests captured in the last 24 hour(s), and a failed run is retried or run again the next day; keep " +
          "captured data at least 2 days",
      );
      // Nothing monitored (capture or monitoring off) and nothing built here: no minimum.
      const served = {
        source: {
          modelPackageGroupArn:
            "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-churn",
        },
        monitoring: { enabled: false },
      };
      assert.equal(
        parseStackConfig(
          "prod",
          withModel(served, {
            storage: { captureRetentionDays: 1, pipelineOutputRetentionDays: 1, checkpointRetentionDays: 1 },
          }),
        ).storage.captureRetentionDays,
        1,
      );
    });

    it("a bad S3 URI", () => {
      const message = "is not an S3 URI (expected s3://bucket/prefix/ with a valid bucket name)";
      assertProblems(
        withModel({ pipeline: { inputDataUri: "https://bucket.s3.amazonaws.com/data/" } }),
        `models[0].pipeline.inputDataUri: "https://bucket.s3.amazonaws.com/data/" ${message}`,
      );
      assertProblems(
        withModel({ pipeline: { inputDataUri: "s3://Data_Bucket/churn/" } }),
        `models[0].pipeline.inputDataUri: "s3://Data_Bucket/churn/" ${message}`,
      );
    });

    it("a bad KMS key ARN, and an alias is refused", () => {
      const message =
        "is not a KMS key ARN (expected arn:aws:kms:<region>:<account>:key/<key-id>; aliases are not accepted)";
      assertProblems(
        { ...minimal(), encryption: { kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:alias/mlops" } },
        `encryption.kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:alias/mlops" ${message}`,
      );
      assertProblems(
        { ...minimal(), encryption: { kmsKeyArn: "1234abcd-12ab-34cd-56ef-1234567890ab" } },
        `encryption.kmsKeyArn: "1234abcd-12ab-34cd-56ef-1234567890ab" ${message}`,
      );
    });

    it("a permissions boundary: a customer managed policy of an account, with or without a path", () => {
      const boundary = (permissionsBoundaryArn: unknown) => ({
        ...minimal(),
        security: { permissionsBoundaryArn },
      });
      for (const arn of [
        "arn:aws:iam::123456789012:policy/mlops-boundary",
        "arn:aws-us-gov:iam::123456789012:policy/boundaries/ml/mlops+team@v2",
      ]) {
        assert.equal(parseStackConfig("staging", boundary(arn)).security.permissionsBoundaryArn, arn);
      }
      const message =
        "is not the ARN of a customer managed IAM policy (expected arn:aws:iam::<account>:policy/<name>, " +
        "or arn:aws:iam::<account>:policy/<path>/<name>)";
      for (const arn of [
        // An AWS managed policy, a role, an account that is not 12 digits, a name with a space, an empty name.
        "arn:aws:iam::aws:policy/PowerUserAccess",
        "arn:aws:iam::123456789012:role/mlops-boundary",
        "arn:aws:iam::12345678901:policy/mlops-boundary",
        "arn:aws:iam::123456789012:policy/mlops boundary",
        "arn:aws:iam::123456789012:policy/boundaries/",
        "mlops-boundary",
      ]) {
        assertProblems(boundary(arn), `security.permissionsBoundaryArn: "${arn}" ${message}`);
      }
      assertProblems(
        { ...minimal(), security: { permissionsBoundaryArn: 42, boundary: "x" } },
        'security.boundary: "x" is not a known key here (allowed: permissionsBoundaryArn)',
        "security.permissionsBoundaryArn: 42 must be the ARN of an IAM managed policy",
      );
    });

    it("bad subnet and security group ids", () => {
      assertProblems(
        {
          ...minimal(),
          network: { subnetIds: ["subnet-xyz", "subnet-0123456789ab"], securityGroupIds: ["sg-123"] },
        },
        'network.securityGroupIds[0]: "sg-123" is not a security group id (expected sg- followed by 8 or 17 hex digits)',
        'network.subnetIds[0]: "subnet-xyz" is not a subnet id (expected subnet- followed by 8 or 17 hex digits)',
        'network.subnetIds[1]: "subnet-0123456789ab" is not a subnet id (expected subnet- followed by 8 or 17 hex digits)',
      );
      assertProblems(
        { ...minimal(), network: { subnetIds: [], securityGroupIds: "sg-0123abcd" } },
        'network.securityGroupIds: "sg-0123abcd" must be a list of security group ids',
        "network.subnetIds: [] must list at least one subnet id",
      );
    });

    it("a bad e-mail address", () => {
      assertProblems(
        { ...minimal(), alerts: { emails: ["ml@example.com", "ml-team"] } },
        'alerts.emails[1]: "ml-team" is not an e-mail address',
      );
    });

    it("an empty e-mail list", () => {
      assertProblems(
        { ...minimal(), alerts: { emails: [] } },
        "alerts.emails: [] must list at least one e-mail address: alerts have to reach a person",
      );
    });

    it("no models", () => {
      assertProblems({ ...minimal(), models: [] }, "models: [] must list at least one model");
    });

    it("a bad model name: uppercase, too long, or not starting with a letter", () => {
      const message =
        "is not a valid model name (1-24 lowercase letters, digits and hyphens; starts with a letter)";
      const long = "a".repeat(25);
      assertProblems(
        {
          ...minimal(),
          models: [{ name: "Churn" }, { name: long }, { name: "9lives" }, { name: "a".repeat(24) }],
        },
        `models[0].name: "Churn" ${message}`,
        `models[1].name: "${long}" ${message}`,
        `models[2].name: "9lives" ${message}`,
      );
    });

    it("a bad hyperparameter name", () => {
      assertProblems(
        withModel({ pipeline: { hyperparameters: { "Max-Depth": 5, eta: true } } }),
        "models[0].pipeline.hyperparameters.eta: true must be a string or a number",
        'models[0].pipeline.hyperparameters.Max-Depth: "Max-Depth" is not an XGBoost hyperparameter name (lowercase letters and _)',
      );
    });

    it("a missing key reads as `is required (...)`, with no value printed", () => {
      const error = configError({
        alerts: { emails: ["ml@example.com"] },
        network: {},
        models: [{ endpoint: { autoscaling: { minCapacity: 1 } } }],
      });
      assert.deepEqual(error.message.split("\n").slice(1), [
        "  - environment: is required (an environment name, e.g. dev, qa, staging or prod)",
        "  - models[0].endpoint.autoscaling.maxCapacity: is required (a whole number from 1 to 100)",
        "  - models[0].name: is required (a model name: lowercase letters, digits and hyphens)",
        "  - network.securityGroupIds: is required (a list of security group ids)",
        "  - network.subnetIds: is required (a list of subnet ids)",
        "  - tags: is required (a mapping of tag names to values)",
      ]);
      assert.ok(error.problems.every((p) => p.value === undefined));
      assertProblems(
        { environment: "staging" },
        "alerts: is required (a mapping)",
        "models: is required (a list of models)",
        "tags: is required (a mapping of tag names to values)",
      );
    });
  });

  describe("promotion", () => {
    const GROUP = "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-churn";
    const served = (model: Raw = {}, settings: Raw = {}) =>
      withModel(
        {
          source: { modelPackageGroupArn: GROUP, verifiedIn: "staging" },
          endpoint: { modelPackage: "latest-verified" },
          ...model,
        },
        settings,
      );
    const problemsIn = (raw: Raw, region = "us-east-1") => {
      try {
        parseStackConfig("prod", raw, { region });
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.message
          .split("\n")
          .slice(1)
          .map((line) => line.replace(/^ {2}- /, ""));
      }
      return [];
    };

    it("a serving model names its source registry and what verifies; a building stack its consumers", () => {
      const serving = parseStackConfig("prod", served(), { region: "us-east-1" });
      assert.deepEqual(serving.models[0].source, { modelPackageGroupArn: GROUP, verifiedIn: "staging" });
      assert.equal(serving.models[0].endpoint.modelPackage, "latest-verified");
      assert.deepEqual(serving.promotion, { consumerAccounts: [] });
      const building = parseStackConfig(
        "staging",
        withModel({}, { promotion: { consumerAccounts: ["222222222222"] } }),
      );
      assert.deepEqual(building.promotion, { consumerAccounts: ["222222222222"] });
      assert.equal(building.models[0].source, undefined);
    });

    it("refuses a malformed source, listing every problem with its key path", () => {
      assert.deepEqual(
        problemsIn(
          served({
            source: {
              modelPackageGroupArn: "arn:aws:sagemaker:us-east-1:1111:model-package-group/x",
              verifiedIn: "Staging",
            },
          }),
        ),
        [
          'models[0].source.modelPackageGroupArn: "arn:aws:sagemaker:us-east-1:1111:model-package-group/x" is not a ' +
            "model package group ARN (arn:aws:sagemaker:<region>:<account>:model-package-group/<name>)",
          'models[0].source.verifiedIn: "Staging" is not an environment name (1-14 lowercase letters, digits and ' +
            "hyphens; starts with a letter)",
        ],
      );
      assert.deepEqual(problemsIn(served({ source: { verifiedIn: "staging", modelPackageGroup: "x" } })), [
        'models[0].source.modelPackageGroup: "x" is not a known key here (did you mean "modelPackageGroupArn"? ' +
          "allowed: modelPackageGroupArn, verifiedIn)",
        "models[0].source.modelPackageGroupArn: is required (a model package group ARN)",
      ]);
    });

    it("a source in another region, a pipeline on a served model, latest-verified without what verifies", () => {
      assert.deepEqual(problemsIn(served(), "eu-west-1"), [
        // Long values are shortened in messages.
        'models[0].source.modelPackageGroupArn: "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/' +
          "mlops-staging-c... is in region us-east-1, not the stack's aws:region eu-west-1: an endpoint serves " +
          "model artifacts from its own region",
      ]);
      assert.deepEqual(problemsIn(served({ pipeline: { accuracyThreshold: 0.9 } })), [
        'models[0].pipeline: {"accuracyThreshold":0.9} cannot be set for a model served from ' +
          "source.modelPackageGroupArn: it is built by the stack that owns that registry; remove pipeline or source",
      ]);
      assert.deepEqual(problemsIn(served({ source: { modelPackageGroupArn: GROUP } })), [
        'models[0].source.verifiedIn: is required with endpoint.modelPackage "latest-verified": the environment ' +
          "whose verification counts (e.g. staging)",
      ]);
      assert.deepEqual(problemsIn(withModel({ endpoint: { modelPackage: "latest-verified" } })), [
        'models[0].endpoint.modelPackage: "latest-verified" needs source: "latest-verified" serves a package ' +
          "another stack built and verified; set source.modelPackageGroupArn and source.verifiedIn, or use " +
          '"latest-approved"',
      ]);
    });

    it("retraining on a served model is refused: the stack that builds it retrains it", () => {
      const message =
        "cannot be set for a model served from source.modelPackageGroupArn: the stack that builds it retrains it " +
        "(its drift checks' findings are forwarded there); remove retraining or source";
      assert.deepEqual(problemsIn(served({ retraining: { drift: { enabled: true } } })), [
        `models[0].retraining: {"drift":{"enabled":true}} ${message}`,
      ]);
      // Even all off: a served model has no retraining settings at all.
      assert.deepEqual(problemsIn(served({ retraining: {} })), [`models[0].retraining: {} ${message}`]);
      // Left out, it takes the defaults, which start nothing.
      assert.deepEqual(parseStackConfig("prod", served(), { region: "us-east-1" }).models[0].retraining, {
        newData: { enabled: false, inputPrefix: "input/", marker: "_SUCCESS" },
        drift: { enabled: false, minIntervalHours: 24 },
      });
    });

    it("a pinned package must be a version of the source group", () => {
      const pinned = `${GROUP.replace("model-package-group", "model-package")}/4`;
      assert.deepEqual(problemsIn(served({ endpoint: { modelPackage: pinned } })), []);
      const other = "arn:aws:sagemaker:us-east-1:333333333333:model-package/mlops-staging-churn/4";
      assert.deepEqual(problemsIn(served({ endpoint: { modelPackage: other } })), [
        `models[0].endpoint.modelPackage: "${other}" is not a version of source.modelPackageGroupArn (${GROUP}); ` +
          "pin a version of that group",
      ]);
    });

    it("consumers and approval dispatch need a model the stack builds; an account listed once", () => {
      const github = { repository: "example-org/mlops-platform", deployEnvironment: "production" };
      assert.deepEqual(
        problemsIn(
          served(
            {},
            {
              promotion: { consumerAccounts: ["333333333333"] },
              delivery: { github, approvalDispatch: { enabled: true } },
            },
          ),
        ),
        [
          "delivery.approvalDispatch.enabled: true has nothing to dispatch: every model of the stack is served from " +
            "a source, and approvals happen in the registry of the stack that builds it; set enabled: false",
          'promotion.consumerAccounts: ["333333333333"] shares nothing: every model of the stack is served from a ' +
            "source; list consumer accounts in the stack that builds the models",
        ],
      );
      // With a repository, dispatch is on by default only where a model is built.
      assert.equal(
        parseStackConfig("prod", served({}, { delivery: { github } })).delivery?.approvalDispatch,
        undefined,
      );
      assert.deepEqual(
        problemsIn(withModel({}, { promotion: { consumerAccounts: ["222222222222", "1", "222222222222"] } })),
        [
          'promotion.consumerAccounts[1]: "1" is not an AWS account id (12 digits, quoted)',
          'promotion.consumerAccounts[2]: "222222222222" is already listed at promotion.consumerAccounts[0]',
        ],
      );
    });
  });

  describe("delivery", () => {
    const github = { repository: "example-org/mlops-platform", deployEnvironment: "staging" };
    const withDelivery = (delivery: unknown) => ({ ...minimal(), delivery });

    it("the shipped stacks deploy from the repository's staging and production environments", () => {
      const dispatch = { repository: "example-org/mlops-platform", eventType: "model-approved" };
      assert.deepEqual(parseStackConfig("staging", readStackFile("staging")).delivery, {
        github: { ...github, previewRole: true },
        approvalDispatch: dispatch,
      });
      // Prod has no registry of its own, so nothing to dispatch: approvals happen in staging's.
      assert.deepEqual(parseStackConfig("prod", readStackFile("prod")).delivery, {
        github: { ...github, deployEnvironment: "production", previewRole: true },
      });
    });

    it("defaults: a preview role and approval dispatch once a repository is named; nothing without one", () => {
      assert.equal(parseStackConfig("staging", minimal()).delivery, undefined);
      assert.deepEqual(parseStackConfig("staging", withDelivery({ github })).delivery, {
        github: { ...github, previewRole: true },
        approvalDispatch: { repository: github.repository, eventType: "model-approved" },
      });
      assert.deepEqual(
        parseStackConfig(
          "staging",
          withDelivery({
            github: { repository: github.repository, deployBranch: "release/v2", previewRole: false },
            approvalDispatch: { enabled: false },
          }),
        ).delivery,
        { github: { repository: github.repository, deployBranch: "release/v2", previewRole: false } },
      );
      assert.deepEqual(parseStackConfig("staging", withDelivery({})).delivery, {});
    });

    it("the deploy role trusts exactly one environment or branch of one repository, without wildcards", () => {
      assertProblems(
        withDelivery({ github: { repository: "example-org/*" } }),
        "delivery.github.deployEnvironment: is required unless deployBranch is set: the GitHub environment (or branch) whose jobs may assume the deploy role",
        'delivery.github.repository: "example-org/*" is not a GitHub repository (expected owner/name, e.g. example-org/mlops-platform; no wildcards)',
      );
      // The same names the deploy access and the dispatch accept: an owner ends with a letter or digit.
      for (const repository of ["example-/mlops-platform", "example-org/.."])
        assertProblems(
          withDelivery({ github: { ...github, repository } }),
          `delivery.github.repository: "${repository}" is not a GitHub repository (expected owner/name, e.g. example-org/mlops-platform; no wildcards)`,
        );
      assertProblems(
        withDelivery({ github: { ...github, deployBranch: "main" } }),
        'delivery.github.deployBranch: "main" cannot be combined with deployEnvironment ("staging"): the deploy role trusts one environment or one branch; remove one of them',
      );
      assertProblems(
        withDelivery({ github: { repository: github.repository, deployEnvironment: "prod*" } }),
        `delivery.github.deployEnvironment: "prod*" is not a GitHub environment name this role can trust (1-255 letters, digits, '.', '_', '-'; no wildcards)`,
      );
      assertProblems(
        withDelivery({ github: { repository: github.repository, deployBranch: "feature/*" } }),
        `delivery.github.deployBranch: "feature/*" is not a branch name this role can trust (e.g. main or release/v2; no wildcards, spaces or '..')`,
      );
    });

    it("an OIDC provider ARN, flags, event types and keys are checked too", () => {
      assertProblems(
        withDelivery({
          github: {
            ...github,
            oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/accounts.google.com",
            previewRole: "yes",
            environment: "staging",
          },
          approvalDispatch: { eventType: "model approved" },
        }),
        "delivery.approvalDispatch.eventType: \"model approved\" is not a repository_dispatch event type (1-100 letters, digits, '.', '_', '-')",
        'delivery.github.environment: "staging" is not a known key here (allowed: repository, deployEnvironment, deployBranch, oidcProviderArn, previewRole)',
        'delivery.github.oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/accounts.google.com" is not the ARN of a GitHub Actions OIDC provider (expected arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com)',
        'delivery.github.previewRole: "yes" must be true or false',
      );
    });

    it("approval dispatch needs a repository to dispatch to", () => {
      assertProblems(
        withDelivery({ approvalDispatch: { enabled: true } }),
        "delivery.approvalDispatch.enabled: true needs delivery.github.repository: approvals are dispatched to that repository; set delivery.github or enabled: false",
      );
      // Off by default without a repository: nothing to report, nothing created.
      assert.deepEqual(
        parseStackConfig("staging", withDelivery({ approvalDispatch: { eventType: "deploy" } })).delivery,
        {},
      );
    });
  });

  describe("reporting", () => {
    it("reports every problem at once, sorted by key path with indexes in numeric order", () => {
      const models = Array.from({ length: 11 }, (_, i) => ({ name: `model-${i}` }));
      models[2] = { name: "Model-2" };
      models[10] = { name: "model-10", endpoint: { instanceType: "ml.m5.huge" } } as (typeof models)[number];
      const raw = {
        environment: "QA",
        namePrefix: "MLOps",
        tags: { Project: "churn" },
        encryption: { keyDeletionWindowDays: 3 },
        alerts: { emails: [] },
        storage: { protectFromDeletion: "no", extra: true },
        models: [...models, { name: "model-1", pipeline: { spotTraining: false, maxWaitSeconds: 7200 } }],
      };
      const error = configError(raw);
      assert.deepEqual(
        error.problems.map((p) => p.path),
        [
          "alerts.emails",
          "encryption.keyDeletionWindowDays",
          "environment",
          "models[2].name",
          "models[10].endpoint.instanceType",
          "models[11].name",
          "models[11].pipeline.maxWaitSeconds",
          "namePrefix",
          "storage.extra",
          "storage.protectFromDeletion",
          "tags.CostCenter",
          "tags.Owner",
        ],
      );
      assert.equal(error.message.split("\n").length, 1 + error.problems.length);
    });

    it("is a pulumi.RunError whose first line counts the problems", () => {
      const error = configError({ ...minimal(), environment: "QA", models: [] });
      assert.ok(error instanceof pulumi.RunError);
      assert.ok(pulumi.RunError.isInstance(error));
      assert.equal(error.name, "ConfigError");
      assert.equal(error.stack, "staging");
      assert.equal(
        error.message.split("\n")[0],
        'stack "staging" has 2 problems in its mlops configuration:',
      );
      assert.equal(
        configError({ ...minimal(), models: [] }).message,
        'stack "staging" has 1 problem in its mlops configuration:\n  - models: [] must list at least one model',
      );
    });

    it("shortens long values in the message but keeps them whole in problems", () => {
      const description = "x".repeat(200);
      const error = configError(withModel({ description, descripton: description }));
      assert.equal(error.problems[0].value, description);
      assert.equal(
        error.message.split("\n")[1],
        `  - models[0].descripton: "${"x".repeat(76)}... is not a known key here (did you mean "description"? allowed: name, description, source, pipeline, endpoint, monitoring, retraining, batch)`,
      );
    });
  });

  describe("loadStackConfig", () => {
    before(() => {
      pulumi.runtime.setMocks(
        {
          newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
          call: (args) => args.inputs,
        },
        "mlops",
        "prod",
      );
    });

    afterEach(() => pulumi.runtime.setAllConfig({}));

    it("reads the stack's mlops:* keys as the Pulumi CLI hands them over, ignoring other namespaces", () => {
      pulumi.runtime.setAllConfig(stackFileConfig("prod"));
      assert.equal(pulumi.getStack(), "prod");
      assert.equal(pulumi.runtime.allConfig()["aws:region"], "us-east-1");
      assert.deepEqual(loadStackConfig(), parseStackConfig("prod", readStackFile("prod")));
      assert.equal(loadStackConfig().namePrefix, "mlops-prod");
    });

    it("reports a stray mlops: key under the stack's name", () => {
      pulumi.runtime.setAllConfig({ ...stackFileConfig("prod"), "mlops:bogus": "1" });
      assert.throws(
        () => loadStackConfig(),
        (e) =>
          e instanceof ConfigError &&
          e.message ===
            'stack "prod" has 1 problem in its mlops configuration:\n' +
              "  - bogus: 1 is not a known key here (allowed: environment, namePrefix, requireMonitoring, tags, encryption, network, alerts, storage, security, models, promotion, delivery)",
      );
    });
  });

  describe("properties", () => {
    /** Where the arbitrary values go: each mapping of a full configuration. */
    const parents: readonly (readonly (string | number)[])[] = [
      [],
      ["tags"],
      ["encryption"],
      ["network"],
      ["alerts"],
      ["storage"],
      ["security"],
      ["models"],
      ["models", 0],
      ["models", 0, "pipeline"],
      ["models", 0, "pipeline", "hyperparameters"],
      ["models", 0, "endpoint"],
      ["models", 0, "endpoint", "autoscaling"],
      ["models", 0, "monitoring"],
      ["models", 0, "monitoring", "driftAlarms"],
      ["models", 1],
      ["delivery"],
      ["delivery", "github"],
      ["delivery", "approvalDispatch"],
    ];
    const keys = [
      ...["environment", "namePrefix", "tags", "encryption", "network", "alerts", "storage", "models"],
      ...["Environment", "Project", "kmsKeyArn", "subnetIds", "emails", "protectFromDeletion", "name"],
      ...["security", "permissionsBoundaryArn"],
      ...["pipeline", "endpoint", "monitoring", "spotTraining", "maxRuntimeSeconds", "maxWaitSeconds"],
      ...["autoscaling", "minCapacity", "maxCapacity", "initialInstanceCount", "instanceType", "0", "1"],
      ...["dataCapture", "enabled", "scheduleExpression", "baseline", "driftAlarms", "features"],
      ...["delivery", "github", "repository", "deployEnvironment", "deployBranch", "approvalDispatch"],
      ...["__proto__", "constructor", "toString"],
    ];

    function full(): Raw {
      return withModel(
        {
          pipeline: { maxWaitSeconds: 7200, hyperparameters: { max_depth: 5 } },
          endpoint: { initialInstanceCount: 2, autoscaling: { minCapacity: 2, maxCapacity: 4 } },
          monitoring: { driftAlarms: { features: ["age", "income"] } },
        },
        {
          network: { subnetIds: ["subnet-0123abcd"], securityGroupIds: ["sg-0123abcd"] },
          encryption: {},
          storage: {},
          security: { permissionsBoundaryArn: "arn:aws:iam::123456789012:policy/mlops-boundary" },
          delivery: {
            github: { repository: "example-org/churn", deployEnvironment: "staging" },
            approvalDispatch: { eventType: "model-approved" },
          },
        },
      );
    }

    it("for any JSON value at any key, parsing returns or throws a ConfigError, never another error", () => {
      const edit = fc.tuple(
        fc.constantFrom(...parents),
        fc.oneof(fc.constantFrom(...keys), fc.string()),
        fc.jsonValue(),
      );
      fc.assert(
        fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
          const raw = full();
          (raw.models as Raw[]).push({ name: "second" });
          for (const [parentPath, key, value] of edits) {
            let parent: unknown = raw;
            for (const step of parentPath)
              parent = (parent as Record<string | number, unknown> | null)?.[step];
            if (typeof parent !== "object" || parent === null) continue;
            // No JSON document gives an array another length than its items: not an edit a stack file can make
            // (and a list's length cannot be redefined).
            if (Array.isArray(parent) && key === "length") continue;
            // defineProperty, not assignment: JSON.parse makes "__proto__" an own key too.
            Object.defineProperty(parent, key, {
              value,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          }
          try {
            parseStackConfig("staging", raw);
          } catch (error) {
            if (!(error instanceof ConfigError)) throw error;
            assert.ok(error.problems.length > 0);
          }
        }),
        { numRuns: 300 },
      );
    });

    it("any string that is not a ProductionVariantInstanceType is refused at endpoint.instanceType", () => {
      const valid = new Set<string>(Object.values(ProductionVariantInstanceType));
      const nearMiss = fc
        .tuple(fc.constantFrom(...valid), fc.string({ maxLength: 3 }))
        .map(([type, suffix]) => `${type}${suffix}`);
      const candidate = fc.oneof(
        fc.string(),
        nearMiss,
        fc.constantFrom(...valid).map((t) => t.toUpperCase()),
      );
      fc.assert(
        fc.property(
          candidate.filter((type) => !valid.has(type)),
          (type) => {
            const error = configError(withModel({ endpoint: { instanceType: type } }));
            assert.equal(error.problems.length, 1);
            const [problem] = error.problems;
            assert.equal(problem.path, "models[0].endpoint.instanceType");
            assert.equal(problem.value, type);
            const suggestion =
              /^is not a SageMaker instance type for endpoints \(did you mean "(.+)"\?\)$/.exec(
                problem.message,
              );
            assert.ok(suggestion, problem.message);
            assert.ok(valid.has(suggestion[1]), `suggested ${suggestion[1]}`);
          },
        ),
        { numRuns: 200 },
      );
    });
  });
});
