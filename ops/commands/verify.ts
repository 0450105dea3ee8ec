import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  EndpointStatus,
  type DescribeEndpointCommandOutput,
  type DescribeEndpointConfigCommandOutput,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { LATEST_APPROVED } from "../../components/shared/names";
import { awsError, callAws, isNotFound } from "../awsErrors";
import { closeClients } from "../clients";
import { parseCommandLine, textFlag, type OpsCommand, type Output } from "../command";
import { EXIT } from "../errors";
import { loadTarget, type ModelConfig } from "../stack";
import { deployedEndpoint, readStackOutputs, type DeployedEndpoint } from "../stackOutputs";

const USAGE = "usage: npm run ops -- verify <stack> <model> [--outputs FILE]";

const HELP = `${USAGE}

Checks that the model's endpoint runs what the stack deployed:
  - the endpoint is InService;
  - its live EndpointConfigName is the one the stack deployed (SageMaker rolls a failed update back
    to the previous configuration while the stack's state still records the new one);
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
  const checks = await endpointChecks(client, request);
  for (const check of checks) out.write(`  ${check.ok ? "ok      " : "MISMATCH"}  ${check.text}\n`);
  const mismatches = checks.filter((check) => !check.ok).length;
  if (mismatches === 0) {
    out.write(`Verified: the endpoint runs what stack ${request.stack} deployed.\n`);
    return EXIT.ok;
  }
  out.write(
    `${mismatches} mismatch${mismatches === 1 ? "" : "es"}: the endpoint does not run what stack ${request.stack} deployed.\n`,
  );
  return EXIT.failed;
}

async function endpointChecks(client: SageMakerClient, request: VerifyRequest): Promise<Check[]> {
  const { endpoint } = request;
  const live = await describeEndpoint(client, endpoint.name);
  if (live === undefined) {
    return [
      {
        ok: false,
        text: `endpoint: expected ${endpoint.name} (deployed by the stack), live: it does not exist`,
      },
    ];
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
  checks.push(
    liveConfig === endpoint.configName
      ? { ok: true, text: `endpoint config ${liveConfig}` }
      : {
          ok: false,
          text:
            `endpoint config: expected ${endpoint.configName} (deployed by the stack), live ${liveConfig} ` +
            "(SageMaker rolled the update back, or another update is under way)",
        },
  );
  checks.push(...(await variantChecks(client, liveConfig, request.variants)));
  return checks;
}

async function describeEndpoint(
  client: SageMakerClient,
  name: string,
): Promise<DescribeEndpointCommandOutput | undefined> {
  try {
    return await client.send(new DescribeEndpointCommand({ EndpointName: name }));
  } catch (error) {
    // A missing endpoint is a finding of the check, not an error of the command.
    if (isNotFound(error)) return undefined;
    throw awsError(error, {
      action: `describe endpoint "${name}"`,
      permission: "sagemaker:DescribeEndpoint on the endpoint",
    });
  }
}

/** The variants of the live configuration against the expected ones, by variant name. */
async function variantChecks(
  client: SageMakerClient,
  configName: string,
  expected: readonly ExpectedVariant[],
): Promise<Check[]> {
  const config = await callAws(
    {
      action: `describe endpoint config "${configName}"`,
      permission: "sagemaker:DescribeEndpointConfig on the endpoint config",
    },
    () => client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })),
  );
  const liveVariants = variantsOf(config);
  const checks: Check[] = [];
  for (const variant of liveVariants) {
    const served = await servedPackage(client, variant.modelName);
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
  return checks;
}

function variantsOf(config: DescribeEndpointConfigCommandOutput): { name: string; modelName: string }[] {
  return [...(config.ProductionVariants ?? []), ...(config.ShadowProductionVariants ?? [])].map(
    (variant) => ({
      name: variant.VariantName ?? "(unnamed)",
      modelName: variant.ModelName ?? "",
    }),
  );
}

/** The model package a SageMaker model was created from, or a description of what it serves instead. */
async function servedPackage(client: SageMakerClient, modelName: string): Promise<string> {
  const model = await callAws(
    {
      action: `describe model "${modelName}"`,
      permission: "sagemaker:DescribeModel on the endpoint's models",
    },
    () => client.send(new DescribeModelCommand({ ModelName: modelName })),
  );
  const containers = [
    ...(model.PrimaryContainer ? [model.PrimaryContainer] : []),
    ...(model.Containers ?? []),
  ];
  const packages = containers.flatMap((container) =>
    container.ModelPackageName ? [container.ModelPackageName] : [],
  );
  return packages[0] ?? `no model package (image ${containers[0]?.Image ?? "none"})`;
}
