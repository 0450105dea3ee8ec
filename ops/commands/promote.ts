import {
  DescribeEndpointConfigCommand,
  DescribeModelPackageCommand,
  EndpointStatus,
  UpdateModelPackageCommand,
  type ModelLifeCycle,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { LIFECYCLE_STATUS, lifecycleMetadataKey } from "../../components/shared/names";
import { callAws } from "../awsErrors";
import { closeClients } from "../clients";
import { parseCommandLine, textFlag, type OpsCommand, type Output } from "../command";
import { EXIT, inputError, OpsError } from "../errors";
import { describeEndpointIfAny, servedPackage } from "../liveEndpoint";
import { loadTarget } from "../stack";
import { deployedEndpoint, readStackOutputs, type DeployedEndpoint } from "../stackOutputs";

/** A status promotion records: the values of LIFECYCLE_STATUS. */
export type LifecycleStatus = (typeof LIFECYCLE_STATUS)[keyof typeof LIFECYCLE_STATUS];

const STATUSES: readonly LifecycleStatus[] = Object.values(LIFECYCLE_STATUS);

/** ModelLifeCycle Stage and StageStatus in the SageMaker API reference: 1 to 63 characters. */
const STAGE_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
/** ModelLifeCycle StageDescription in the SageMaker API reference: `.{0,1024}`. */
const MAX_DESCRIPTION_LENGTH = 1024;
/** What `.` of the API's pattern does not match (a Java regular expression): line terminators. */
const LINE_BREAK = /[\n\r\u0085\u2028\u2029]/;

const USAGE =
  "usage: npm run ops -- promote <stack> <model> [--status Verified|Deployed] [--description TEXT] " +
  "[--outputs FILE] [--registry-only]";

const HELP = `${USAGE}

Records in the model registry that the model package the stack's endpoint serves reached the stack's
environment, with SageMaker's model lifecycle (UpdateModelPackage):
  - ModelLifeCycle: Stage = the stack's environment, StageStatus = --status, StageDescription =
    --description;
  - CustomerMetadataProperties lifecycle:<environment> = the status. ModelLifeCycle holds the latest
    stage only; this key keeps each stage's status, and a later stage does not overwrite it. The
    package's other keys are kept.
Stacks whose endpoint serves latest-verified deploy the newest approved package of their source group
that either record says is Verified in the source's environment.

Run it once verify (and the smoke test) passed. It promotes only the package the endpoint serves:
  - the package is the stack's outputs' models.<model>.endpoint.modelPackageArn;
  - the endpoint must exist and be InService, and the model of its live configuration's primary
    variant (endpoint.variantName) must have been created from that package (DescribeEndpoint,
    DescribeEndpointConfig, DescribeModel); anything else is refused and nothing is changed.
A package that already records this stage and status (and --description, when given) is left as it is.

  --status S          Verified (default: verified and smoke-tested) or Deployed (serving, no smoke test)
  --description TEXT  kept as the StageDescription, e.g. the URL of the workflow run (one line, at most
                      ${MAX_DESCRIPTION_LENGTH} characters)
  --outputs FILE      what \`pulumi stack output --json --stack <stack>\` printed
                      (default: run that command, which needs the Pulumi CLI and a login)
  --registry-only     do not look at the endpoint: promote the package the stack's outputs say it
                      deployed. For a workflow that ran verify with the stack's own credentials in an
                      earlier job and records the promotion with the building account's (the endpoint
                      of another account cannot be described with them)

Every request uses the credentials it is given, in the stack's region. The endpoint, its configuration
and its model are looked up in the credentials' own account, which must be the stack's. The package is
described and updated by its ARN, in the account that holds it: a stack that serves a model another
stack built (prod serves staging's packages) records the lifecycle on that stack's package, so the
identity needs sagemaker:DescribeModelPackage and sagemaker:UpdateModelPackage on it there.

Exit codes: 0 promoted (or already promoted), 1 the endpoint does not serve the package (missing, not
InService, another package) or no endpoint deployed, 2 bad input, 4 AWS error.
`;

/** `npm run ops -- promote <stack> <model>`. */
export const promoteCommand: OpsCommand = {
  name: "promote",
  summary: "record the stack's stage (Verified or Deployed) on the model package the live endpoint serves",
  help: HELP,
  async run(argv, io) {
    const line = parseCommandLine(
      argv,
      {
        status: { type: "string" },
        description: { type: "string" },
        outputs: { type: "string" },
        "registry-only": { type: "boolean" },
      },
      ["stack", "model"],
      USAGE,
    );
    if (line === "help") {
      io.out.write(HELP);
      return EXIT.ok;
    }
    const [stack = "", model = ""] = line.positionals;
    const status = checkStatus(textFlag(line.flags, "status", LIFECYCLE_STATUS.verified));
    const description = checkDescription(textFlag(line.flags, "description"));
    const target = loadTarget(stack, model, io.root);
    const stage = checkStage(target.config.environment, stack);
    const file = textFlag(line.flags, "outputs");
    const outputs = await readStackOutputs(stack, { ...(file === undefined ? {} : { file }), root: io.root });
    const endpoint = deployedEndpoint(outputs, stack, model);
    const clients = io.clients(target);
    try {
      await promoteModelPackage(clients.sageMaker, io.out, {
        stack,
        model,
        endpoint,
        variantName: target.model.endpoint.variantName,
        stage,
        status,
        ...(description === undefined ? {} : { description }),
        checkEndpoint: line.flags["registry-only"] !== true,
      });
      return EXIT.ok;
    } finally {
      closeClients(clients);
    }
  },
};

export interface PromoteRequest {
  readonly stack: string;
  readonly model: string;
  /** What the stack deployed: the endpoint and the model package of its primary variant. */
  readonly endpoint: DeployedEndpoint;
  /** The primary variant (`endpoint.variantName` of the model). */
  readonly variantName: string;
  /** The stack's environment: ModelLifeCycle Stage. */
  readonly stage: string;
  /** ModelLifeCycle StageStatus, and the value of `lifecycle:<stage>`. */
  readonly status: string;
  /** ModelLifeCycle StageDescription, e.g. the URL of the workflow run. */
  readonly description?: string;
  /**
   * Check that the live endpoint serves the package (false: `--registry-only`, for credentials of
   * the building account, after a verify with the stack's own). @default true
   */
  readonly checkEndpoint?: boolean;
}

export interface PromoteResult {
  readonly packageArn: string;
  /** False when the package already recorded this stage and status: nothing was sent. */
  readonly changed: boolean;
}

/**
 * Checks that the endpoint serves the package the stack deployed, then records the stage on it
 * (UpdateModelPackage with ModelLifeCycle and the `lifecycle:<stage>` metadata key), unless it
 * already records it. Prints the package and what was recorded.
 *
 * @throws OpsError 2 for a stage, status or description SageMaker would refuse (before any request),
 *   1 when the endpoint is missing, not InService or serves another package (nothing is changed),
 *   4 when a request fails.
 */
export async function promoteModelPackage(
  client: SageMakerClient,
  out: Output,
  request: PromoteRequest,
): Promise<PromoteResult> {
  const stage = checkStage(request.stage, request.stack);
  const status = checkStatus(request.status);
  const description = checkDescription(request.description);
  const { endpoint } = request;
  const packageArn = endpoint.modelPackageArn;
  if (request.checkEndpoint === false) {
    out.write(
      `Stack ${request.stack} deployed ${packageArn} for model ${request.model} ` +
        `(endpoint ${endpoint.name} not checked: --registry-only)\n`,
    );
  } else {
    await checkServed(client, request);
    out.write(
      `Endpoint ${endpoint.name} (stack ${request.stack}, model ${request.model}) serves ${packageArn}\n`,
    );
  }

  const where = "in the account of the registry that holds it";
  const described = await callAws(
    {
      action: `describe model package ${packageArn}`,
      permission: `sagemaker:DescribeModelPackage on the model package (${where})`,
      notFound:
        `Endpoint ${endpoint.name} serves it, but its registry no longer holds it: there is nothing to record ` +
        "the lifecycle on.",
    },
    () => client.send(new DescribeModelPackageCommand({ ModelPackageName: packageArn })),
  );
  const key = lifecycleMetadataKey(stage);
  const current = described.ModelLifeCycle;
  if (
    current?.Stage === stage &&
    current.StageStatus === status &&
    (description === undefined || current.StageDescription === description) &&
    described.CustomerMetadataProperties?.[key] === status
  ) {
    out.write(`Already promoted: ${recorded(stage, status, current.StageDescription)}; nothing changed.\n`);
    return { packageArn, changed: false };
  }

  const lifecycle: ModelLifeCycle = {
    Stage: stage,
    StageStatus: status,
    ...(description === undefined ? {} : { StageDescription: description }),
  };
  await callAws(
    {
      action: `record stage ${stage}, status ${status} on model package ${packageArn}`,
      permission: `sagemaker:UpdateModelPackage on the model package (${where})`,
    },
    () =>
      client.send(
        new UpdateModelPackageCommand({
          ModelPackageArn: packageArn,
          ModelLifeCycle: lifecycle,
          // UpdateModelPackage adds or overwrites the keys given and keeps the others.
          CustomerMetadataProperties: { [key]: status },
        }),
      ),
  );
  out.write(`Promoted: ${recorded(stage, status, description)}\n`);
  return { packageArn, changed: true };
}

/** "stage staging, status Verified (https://…)" */
function recorded(stage: string, status: string, description: string | undefined): string {
  return `stage ${stage}, status ${status}${description === undefined || description === "" ? "" : ` (${description})`}`;
}

/**
 * Refuses (exit 1) unless the endpoint is InService and the model of its live configuration's
 * primary variant was created from the package the stack deployed.
 */
async function checkServed(client: SageMakerClient, request: PromoteRequest): Promise<void> {
  const { endpoint, variantName } = request;
  const expected = endpoint.modelPackageArn;
  const live = await describeEndpointIfAny(client, endpoint.name);
  if (live === undefined) throw refused(request, "does not exist (expected: InService, serving it)");
  const status = live.EndpointStatus ?? "unknown";
  if (status !== EndpointStatus.IN_SERVICE) {
    throw refused(
      request,
      `is not InService: expected ${EndpointStatus.IN_SERVICE}, live ${status}` +
        (live.FailureReason ? ` (${live.FailureReason})` : ""),
    );
  }
  const configName = live.EndpointConfigName ?? "none";
  const config = await callAws(
    {
      action: `describe endpoint config "${configName}"`,
      permission: "sagemaker:DescribeEndpointConfig on the endpoint config",
    },
    () => client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })),
  );
  const variants = config.ProductionVariants ?? [];
  const primary = variants.find((variant) => variant.VariantName === variantName);
  if (primary === undefined) {
    const names = variants.map((variant) => variant.VariantName ?? "(unnamed)");
    throw refused(
      request,
      `has no variant ${variantName}: expected it to serve ${expected}, live endpoint config ${configName} ` +
        `has ${names.length === 0 ? "no variants" : `variants ${names.join(", ")}`}`,
    );
  }
  const modelName = primary.ModelName ?? "";
  const served = await servedPackage(client, modelName);
  if (served !== expected) {
    throw refused(
      request,
      `serves another model package on variant ${variantName}: expected ${expected} (deployed by the stack), ` +
        `live ${served} (model ${modelName} of endpoint config ${configName})`,
    );
  }
}

function refused(request: PromoteRequest, detail: string): OpsError {
  const { stack, model, endpoint } = request;
  return new OpsError(
    EXIT.failed,
    `will not promote ${endpoint.modelPackageArn}: endpoint ${endpoint.name} (stack ${stack}, model ${model}) ` +
      `${detail}. Nothing was changed. Promotion follows a passed verify and smoke test: run ` +
      `\`npm run ops -- verify ${stack} ${model}\`.`,
  );
}

/** --status: one of the LIFECYCLE_STATUS values. */
function checkStatus(value: string | undefined): LifecycleStatus {
  const status = STATUSES.find((candidate) => candidate === value);
  if (status === undefined) {
    throw inputError(`--status "${value ?? ""}": expected one of ${STATUSES.join(", ")}`);
  }
  return status;
}

/** --description: one line of at most 1024 characters (ModelLifeCycle StageDescription), trimmed. */
function checkDescription(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") {
    throw inputError(
      "--description is empty: leave it out, or say where the package was checked (e.g. the URL of the workflow run)",
    );
  }
  if (LINE_BREAK.test(trimmed)) {
    throw inputError(
      "--description must be one line: SageMaker's ModelLifeCycle StageDescription allows no line breaks",
    );
  }
  if (trimmed.length > MAX_DESCRIPTION_LENGTH) {
    throw inputError(
      `--description is ${trimmed.length} characters long; SageMaker's ModelLifeCycle StageDescription ` +
        `holds at most ${MAX_DESCRIPTION_LENGTH}`,
    );
  }
  return trimmed;
}

/** The stack's environment as ModelLifeCycle Stage. The stack config's pattern is narrower: a safeguard. */
function checkStage(stage: string, stack: string): string {
  if (!STAGE_PATTERN.test(stage)) {
    throw inputError(
      `environment "${stage}" of stack ${stack} cannot be a ModelLifeCycle Stage (1 to 63 letters, digits and ` +
        "hyphens, starting and ending with a letter or digit)",
    );
  }
  return stage;
}
