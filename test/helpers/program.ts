import { DRIFT_BASELINE_CONTENT_TYPE } from "../../components/pipeline/definition";
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  ModelApprovalStatus,
} from "@aws-sdk/client-sagemaker";
import * as pulumi from "@pulumi/pulumi";
import { recordResources, settle } from "./mocks";
import { MotoServer, startMotoServer, testClient } from "./motoServer";

const PROGRAM = require.resolve("../../index");

/** Loads index.ts afresh: its exported function is the program, run once per stack here. */
export function loadProgram<Outputs = unknown>(): () => Promise<Outputs> {
  // The module cache would hand back the first stack's program; each run needs its own.
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
  delete require.cache[PROGRAM];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(PROGRAM) as () => Promise<Outputs>;
}

/**
 * Warnings and infos the program logs (Pulumi's log goes to the console when no engine is attached):
 * kept for the test to read instead of printed.
 */
export async function capturingLogs<T>(
  run: () => Promise<T>,
): Promise<{ result: T; warnings: string[]; infos: string[] }> {
  const warnings: string[] = [];
  const infos: string[] = [];
  const { warn, log } = console;
  console.warn = (message: unknown) => warnings.push(String(message));
  console.log = (message: unknown, ...rest: unknown[]) => {
    if (typeof message === "string" && message.startsWith("info: [runtime] ")) infos.push(message);
    else log(message, ...rest);
  };
  try {
    return { result: await run(), warnings, infos };
  } finally {
    console.warn = warn;
    console.log = log;
  }
}

/** Runs index.ts under mocks with the given stack's config, as `pulumi preview` would. */
export async function runProgram<Outputs = unknown>(
  stack: string,
  config: Record<string, string>,
  preview = false,
) {
  const recorded = recordResources(stack, preview);
  pulumi.runtime.setAllConfig(config);
  const { result: program, warnings, infos } = await capturingLogs(() => loadProgram<Outputs>()());
  await settle(recorded);
  return { recorded, program, warnings, infos };
}

export const XGBOOST = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
/** Where the pipeline's DataQualityBaseline step of run `run` wrote the baseline of group `group`. */
export const baselineUri = (group: string, run: number, file: "statistics" | "constraints") =>
  `s3://${group}-artifacts/pipelines/run${run}/DataQualityBaseline/baseline/${file}.json`;

/** Where the pipeline's DriftBaseline step of run `run` wrote the drift baseline of group `group`. */
export const driftBaselineUri = (group: string, run: number) =>
  `s3://${group}-artifacts/pipelines/run${run}/DriftBaseline/drift-baseline/drift_baseline.json`;

/**
 * The model registry as the program finds it: staging has an approved version, with its baselines,
 * that `npm run ops -- promote staging` recorded as verified in staging (which prod serves), and a
 * pending one; the prod group holds versions of a registry of its own, for stacks that build in prod.
 */
export async function seedRegistry(endpoint: string) {
  const client = testClient(endpoint);
  const versions = {
    "mlops-staging-diagnosis": [ModelApprovalStatus.APPROVED, ModelApprovalStatus.PENDING_MANUAL_APPROVAL],
    "mlops-prod-diagnosis": [
      ModelApprovalStatus.APPROVED,
      ModelApprovalStatus.APPROVED,
      ModelApprovalStatus.REJECTED,
    ],
  };
  for (const [group, statuses] of Object.entries(versions)) {
    await client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
    for (const [index, status] of statuses.entries()) {
      await client.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: group,
          ModelApprovalStatus: status,
          InferenceSpecification: {
            Containers: [
              {
                Image: XGBOOST,
                ModelDataUrl: `s3://${group}-artifacts/pipelines/run${index + 1}/Train/output/model.tar.gz`,
              },
            ],
            SupportedContentTypes: ["text/csv"],
            SupportedResponseMIMETypes: ["text/csv"],
          },
          // Approved versions of staging's group were deployed, verified and promoted there.
          ...(group === "mlops-staging-diagnosis" && status === ModelApprovalStatus.APPROVED
            ? { CustomerMetadataProperties: { "lifecycle:staging": "Verified" } }
            : {}),
          // As the pipeline registers them: the baselines calculated from this version's training
          // data, the drift check's and (with pipeline.modelMonitorBaseline) Model Monitor's.
          ModelMetrics: {
            ModelDataQuality: {
              Statistics: {
                ContentType: DRIFT_BASELINE_CONTENT_TYPE,
                S3Uri: driftBaselineUri(group, index + 1),
              },
            },
          },
          DriftCheckBaselines: {
            ModelDataQuality: {
              Statistics: {
                ContentType: "application/json",
                S3Uri: baselineUri(group, index + 1, "statistics"),
              },
              Constraints: {
                ContentType: "application/json",
                S3Uri: baselineUri(group, index + 1, "constraints"),
              },
            },
          },
        }),
      );
    }
  }
  client.destroy();
}

const REGISTRY_ENV = ["AWS_ENDPOINT_URL_SAGEMAKER", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;

/**
 * Starts moto, seeds the registry the shipped stacks deploy from, and points the program's SDK
 * client at it through the environment, the way it finds AWS. Returns the server and a function
 * that stops it and restores the environment.
 */
export async function startSeededRegistry(): Promise<{ moto: MotoServer; stop: () => Promise<void> }> {
  const saved = Object.fromEntries(REGISTRY_ENV.map((key) => [key, process.env[key]]));
  const moto = await startMotoServer();
  try {
    await seedRegistry(moto.endpoint);
  } catch (error) {
    await moto.stop();
    throw error;
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SAGEMAKER: moto.endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
  });
  return {
    moto,
    stop: async () => {
      for (const key of REGISTRY_ENV) {
        if (saved[key] === undefined) Reflect.deleteProperty(process.env, key);
        else process.env[key] = saved[key];
      }
      await moto.stop();
    },
  };
}
