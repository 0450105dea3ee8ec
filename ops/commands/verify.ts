import {
  DescribeEndpointConfigCommand,
  EndpointStatus,
  type DescribeEndpointCommandOutput,
  type DescribeEndpointConfigCommandOutput,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { LATEST_APPROVED } from "../../components/shared/names";
import { callAws } from "../awsErrors";
import { closeClients } from "../clients";
import { parseCommandLine, textFlag, type OpsCommand, type Output } from "../command";
import { EXIT } from "../errors";
import { CHANGING_STATUSES, describeEndpointIfAny, servedPackage } from "../liveEndpoint";
import { loadTarget, type ModelConfig } from "../stack";
import { deployedEndpoint, readStackOutputs, type DeployedEndpoint } from "../stackOutputs";

const USAGE = "usage: npm run ops -- verify <stack> <model> [--outputs FILE]";

const HELP = `${USAGE}

Checks that the model's endpoint runs what the stack deployed:
  - the endpoint is InService;
  - its live EndpointConfigName is the one the stack deployed (SageMaker rolls a failed update back
    to the previous configuration while the stack's state still records the new one); after such a
    rollback it prints the reason (DescribeEndpoint FailureReason), the rollback alarms and the steps
    to recover;
  - each variant of the live configuration serves the model package the stack deployed
    (DescribeEndpointConfig, then DescribeModel of each variant's model).

What the stack deployed is read from its outputs (models.<model>.endpoint: name, configName,
modelPackageArn), and the variants from Pulumi.<stack>.yaml.

  --outputs FILE   what \`pulumi stack output --json --stack <stack>\` printed
                   (default: run that command, which needs the Pulumi CLI and a login)

Exit codes: 0 the endpoint matches, 1 a mismatch (each printed with expected and live values) or
no endpoint deployed, 2 bad input, 4 AWS error.
`;

/** `npm run ops -- verify <stack> <model>`. */
export const verifyCommand: OpsCommand = {
  name: "verify",
  summary: "check that the live endpoint runs the configuration and model package the stack deployed",
  help: HELP,
  async run(argv, io) {
    const line = parseCommandLine(argv, { outputs: { type: "string" } }, ["stack", "model"], USAGE);
    if (line === "help") {
      io.out.write(HELP);
      return EXIT.ok;
    }
    const [stack = "", model = ""] = line.positionals;
    const target = loadTarget(stack, model, io.root);
    const file = textFlag(line.flags, "outputs");
    const outputs = await readStackOutputs(stack, { ...(file === undefined ? {} : { file }), root: io.root });
    const endpoint = deployedEndpoint(outputs, stack, model);
    const clients = io.clients(target);
    try {
      return await verifyEndpoint(clients.sageMaker, io.out, {
        stack,
        model,
        endpoint,
        variants: expectedVariants(target.model, endpoint),
      });
    } finally {
      closeClients(clients);
    }
  },
};

/** A variant the stack deployed and the model package it serves; undefined when the outputs do not say. */
export interface ExpectedVariant {
  readonly name: string;
  readonly modelPackageArn: string | undefined;
}

/**
 * The variants of the model's endpoint as the program deploys them: the primary one with the
 * package of the outputs, challengers with their pinned packages, and the shadow variant (its
 * package known only when pinned).
 */
export function expectedVariants(model: ModelConfig, endpoint: DeployedEndpoint): ExpectedVariant[] {
  const { variantName, challengers, shadow } = model.endpoint;
  return [
    { name: variantName, modelPackageArn: endpoint.modelPackageArn },
    ...challengers.map((challenger) => ({ name: challenger.name, modelPackageArn: challenger.modelPackage })),
    ...(shadow === undefined
      ? []
      : [
          {
            name: shadow.name,
            modelPackageArn: shadow.modelPackage === LATEST_APPROVED ? undefined : shadow.modelPackage,
          },
        ]),
  ];
}

export interface VerifyRequest {
  readonly stack: string;
  readonly model: string;
  /** What the stack deployed. */
  readonly endpoint: DeployedEndpoint;
  readonly variants: readonly ExpectedVariant[];
}

/** One check, passed or not. */
interface Check {
  readonly ok: boolean;
  readonly text: string;
}

/** What verify found, and how to recover when AWS rolled the stack's update back. */
interface Findings {
  readonly checks: readonly Check[];
  /** Lines explaining a rollback and the way out; empty otherwise. */
  readonly recovery: readonly string[];
}

/**
 * Compares the live endpoint with what the stack deployed and prints each check, mismatches with
 * the expected and the live value.
 *
 * @returns 0 when everything matches, 1 otherwise.
 * @throws OpsError 4 when a request fails for another reason than a missing endpoint.
 */
export async function verifyEndpoint(
  client: SageMakerClient,
  out: Output,
  request: VerifyRequest,
): Promise<number> {
  const { endpoint } = request;
  out.write(`Endpoint ${endpoint.name} (stack ${request.stack}, model ${request.model})\n`);
  const { checks, recovery } = await endpointChecks(client, request);
  for (const check of checks) out.write(`  ${check.ok ? "ok      " : "MISMATCH"}  ${check.text}\n`);
  const mismatches = checks.filter((check) => !check.ok).length;
  if (mismatches === 0) {
    out.write(`Verified: the endpoint runs what stack ${request.stack} deployed.\n`);
    return EXIT.ok;
  }
  out.write(
    `${mismatches} mismatch${mismatches === 1 ? "" : "es"}: the endpoint does not run what stack ${request.stack} deployed.\n`,
  );
  for (const line of recovery) out.write(`${line}\n`);
  return EXIT.failed;
}

async function endpointChecks(client: SageMakerClient, request: VerifyRequest): Promise<Findings> {
  const { endpoint } = request;
  const live = await describeEndpointIfAny(client, endpoint.name);
  if (live === undefined) {
    return {
      checks: [
        {
          ok: false,
          text: `endpoint: expected ${endpoint.name} (deployed by the stack), live: it does not exist`,
        },
      ],
      recovery: [],
    };
  }
  const checks: Check[] = [];
  const status = live.EndpointStatus ?? "unknown";
  checks.push(
    status === EndpointStatus.IN_SERVICE
      ? { ok: true, text: `status ${status}` }
      : {
          ok: false,
          text:
            `status: expected ${EndpointStatus.IN_SERVICE}, live ${status}` +
            (live.FailureReason ? ` (${live.FailureReason})` : ""),
        },
  );
  const liveConfig = live.EndpointConfigName ?? "none";
  const pending = live.PendingDeploymentSummary?.EndpointConfigName;
  const changing = CHANGING_STATUSES.includes(status) || pending !== undefined;
  const rolledBack = liveConfig !== endpoint.configName && !changing;
  checks.push(
    liveConfig === endpoint.configName
      ? { ok: true, text: `endpoint config ${liveConfig}` }
      : {
          ok: false,
          text:
            `endpoint config: expected ${endpoint.configName} (deployed by the stack), live ${liveConfig} ` +
            (rolledBack
              ? "(SageMaker rolled the update back)"
              : `(the endpoint is changing, status ${status}${pending === undefined ? "" : `, deploying ${pending}`}: ` +
                "verify again once it is InService)"),
        },
  );
  const variants = await variantChecks(client, liveConfig, request.variants);
  checks.push(...variants.checks);
  return {
    checks,
    recovery: rolledBack ? rollbackRecovery(request, live, variants.served) : [],
  };
}

/**
 * What happened and exactly how to recover, when the endpoint runs another configuration than the
 * stack's and no update is under way: SageMaker rolled the stack's blue/green update back (its
 * alarms fired, or the new fleet failed its health checks) and the provider recorded success
 * (terraform-provider-aws #48997). The configuration it returned to still exists: the stack never
 * deletes a replaced one (`retainOnDelete`).
 */
function rollbackRecovery(
  request: VerifyRequest,
  live: DescribeEndpointCommandOutput,
  served: ReadonlyMap<string, string>,
): string[] {
  const { stack, model, endpoint } = request;
  const alarms = (live.LastDeploymentConfig?.AutoRollbackConfiguration?.Alarms ?? []).flatMap((alarm) =>
    alarm.AlarmName ? [alarm.AlarmName] : [],
  );
  const primary = request.variants[0];
  const livePackage = primary === undefined ? undefined : served.get(primary.name);
  return [
    `AWS rolled the update back: the endpoint serves ${live.EndpointConfigName ?? "none"} again, while ` +
      `stack ${stack} records ${endpoint.configName}.`,
    `  Reason (DescribeEndpoint FailureReason): ${live.FailureReason ?? "none given"}`,
    ...(alarms.length > 0 ? [`  Rollback alarms: ${alarms.join(", ")}`] : []),
    "To recover:",
    `  1. Find the cause: the reason above, the history of the rollback alarms, and the endpoint's logs ` +
      `(CloudWatch log group /aws/sagemaker/Endpoints/${endpoint.name}).`,
    `  2. pulumi refresh --stack ${stack} --yes   records that the endpoint runs ` +
      `${live.EndpointConfigName ?? "none"} (the stack keeps replaced configurations, so it still exists).`,
    `  3. Either fix the cause and deploy the same version again: pulumi up --stack ${stack}`,
    `     or keep serving the previous version: npm run ops -- reject ${model} --stack ${stack} ` +
      `--package ${endpoint.modelPackageArn} --reason "rolled back: <cause>"` +
      (livePackage === undefined || !livePackage.startsWith("arn:")
        ? ""
        : ` (or pin ${livePackage} as endpoint.modelPackage of model ${model} in Pulumi.${stack}.yaml)`) +
      `, then pulumi up --stack ${stack}.`,
  ];
}

/** The variants of the live configuration against the expected ones, by variant name. */
async function variantChecks(
  client: SageMakerClient,
  configName: string,
  expected: readonly ExpectedVariant[],
): Promise<{ checks: Check[]; served: Map<string, string> }> {
  const config = await callAws(
    {
      action: `describe endpoint config "${configName}"`,
      permission: "sagemaker:DescribeEndpointConfig on the endpoint config",
    },
    () => client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })),
  );
  const liveVariants = variantsOf(config);
  const checks: Check[] = [];
  const servedBy = new Map<string, string>();
  for (const variant of liveVariants) {
    const served = await servedPackage(client, variant.modelName);
    servedBy.set(variant.name, served);
    const wanted = expected.find((candidate) => candidate.name === variant.name);
    if (wanted === undefined) {
      checks.push({
        ok: false,
        text: `variant ${variant.name}: not deployed by the stack, live serves ${served} (model ${variant.modelName})`,
      });
    } else if (wanted.modelPackageArn === undefined) {
      checks.push({
        ok: true,
        text: `variant ${variant.name} serves ${served} (not compared: the stack outputs do not record it)`,
      });
    } else if (served === wanted.modelPackageArn) {
      checks.push({ ok: true, text: `variant ${variant.name} serves ${served}` });
    } else {
      checks.push({
        ok: false,
        text:
          `variant ${variant.name} model package: expected ${wanted.modelPackageArn} (deployed by the stack), ` +
          `live ${served} (model ${variant.modelName})`,
      });
    }
  }
  for (const wanted of expected) {
    if (
      wanted.modelPackageArn !== undefined &&
      !liveVariants.some((variant) => variant.name === wanted.name)
    ) {
      checks.push({
        ok: false,
        text: `variant ${wanted.name}: expected (serving ${wanted.modelPackageArn}), live endpoint config ${configName} has no such variant`,
      });
    }
  }
  return { checks, served: servedBy };
}

function variantsOf(config: DescribeEndpointConfigCommandOutput): { name: string; modelName: string }[] {
  return [...(config.ProductionVariants ?? []), ...(config.ShadowProductionVariants ?? [])].map(
    (variant) => ({
      name: variant.VariantName ?? "(unnamed)",
      modelName: variant.ModelName ?? "",
    }),
  );
}
