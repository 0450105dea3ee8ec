import {
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointConfigCommand,
  paginateListEndpointConfigs,
  paginateListModels,
  paginateListTags,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { awsError, callAws, isNotFound } from "../awsErrors";
import { closeClients } from "../clients";
import { parseCommandLine, type OpsCommand, type Output } from "../command";
import { EXIT, OpsError } from "../errors";
import { CHANGING_STATUSES, describeEndpointIfAny } from "../liveEndpoint";
import { loadTarget } from "../stack";

const USAGE = "usage: npm run ops -- cleanup <stack> <model> [--yes]";

const HELP = `${USAGE}

Deletes the model's endpoint configurations and SageMaker models that its endpoint no longer uses.
Pulumi keeps the ones it replaces (retainOnDelete), because SageMaker may roll an update back to the
previous configuration; this removes them once nothing uses them.

  - in use: the endpoint's EndpointConfigName, the configuration of a deployment under way
    (PendingDeploymentSummary), and the models their variants (production and shadow) name;
  - candidates: the endpoint configurations and models named <namePrefix>-<model>-… whose Model tag
    is the model (another model whose name starts the same is left alone);
  - the model batch inference scores with (<namePrefix>-<model>-batch-model-…) is never one: Pulumi
    replaces and deletes it;
  - without an endpoint (after \`pulumi destroy\`), none is in use;
  - an endpoint that is Creating, Updating, SystemUpdating, RollingBack or Deleting is refused:
    what it uses is changing.

Prints what it would delete and deletes nothing, unless --yes is given.

  --yes   delete them: the unused endpoint configurations first, then the unused models

Exit codes: 0 done (or nothing to delete), 1 the endpoint is changing (nothing deleted), 2 bad input,
4 AWS error.
`;

/** `npm run ops -- cleanup <stack> <model> [--yes]`. */
export const cleanupCommand: OpsCommand = {
  name: "cleanup",
  summary: "delete the model's endpoint configurations and models that its endpoint no longer uses",
  help: HELP,
  async run(argv, io) {
    const line = parseCommandLine(argv, { yes: { type: "boolean" } }, ["stack", "model"], USAGE);
    if (line === "help") {
      io.out.write(HELP);
      return EXIT.ok;
    }
    const [stack = "", model = ""] = line.positionals;
    const target = loadTarget(stack, model, io.root);
    const apply = line.flags.yes === true;
    const clients = io.clients(target);
    try {
      const result = await cleanupUnused(clients.sageMaker, io.out, {
        stack,
        model,
        baseName: target.baseName,
        apply,
      });
      if (!apply && result.unused > 0) io.out.write(DRY_RUN);
      return EXIT.ok;
    } finally {
      closeClients(clients);
    }
  },
};

/** The last line of a dry run that found something to delete. */
export const DRY_RUN = "Dry run: nothing was deleted. Run again with --yes to delete them.\n";

export interface CleanupRequest {
  readonly stack: string;
  readonly model: string;
  /** `<namePrefix>-<model>`: the endpoint's name and the start of its configurations' and models' names. */
  readonly baseName: string;
  /** Delete (--yes); otherwise only print what would be deleted. */
  readonly apply: boolean;
}

export interface CleanupResult {
  /** Whether the model's endpoint exists. */
  readonly endpointExists: boolean;
  /** Endpoint configurations and models of the model that nothing uses: deleted, or to delete in a dry run. */
  readonly unused: number;
}

/** Where a configuration or model in use is used. */
type Use = "live" | "being deployed";

/** An endpoint configuration or model of the model, named `<baseName>-…` and tagged with it. */
interface Candidate {
  readonly kind: "endpoint config" | "model";
  readonly name: string;
  readonly use: Use | undefined;
}

/**
 * Finds the model's endpoint configurations and SageMaker models that its endpoint does not use,
 * prints one line for each configuration and model of the model (kept or deleted) and a summary,
 * and deletes the unused ones when `request.apply` is set: configurations first, then models. One
 * already gone counts as deleted.
 *
 * @throws OpsError 1 when the endpoint is changing configurations (nothing is deleted), 4 when a
 *   request fails.
 */
export async function cleanupUnused(
  client: SageMakerClient,
  out: Output,
  request: CleanupRequest,
): Promise<CleanupResult> {
  const { baseName } = request;
  const endpoint = await describeEndpointIfAny(client, baseName);
  const status = endpoint?.EndpointStatus ?? "unknown";
  if (endpoint !== undefined && CHANGING_STATUSES.includes(status)) {
    throw new OpsError(
      EXIT.failed,
      `endpoint ${baseName} is ${status}, so the endpoint configurations it uses are changing: nothing was ` +
        "deleted. Run the command again once the endpoint is InService.",
    );
  }
  const live = endpoint?.EndpointConfigName;
  const pending = endpoint?.PendingDeploymentSummary?.EndpointConfigName;
  // The live configuration first: what it uses is "live" even when the pending one uses it too.
  const configsInUse = new Map<string, Use>();
  const modelsInUse = new Map<string, Use>();
  for (const [configName, use] of [
    [live, "live"],
    [pending, "being deployed"],
  ] as const) {
    if (configName === undefined || configsInUse.has(configName)) continue;
    configsInUse.set(configName, use);
    for (const modelName of await modelsOf(client, configName, baseName)) {
      if (!modelsInUse.has(modelName)) modelsInUse.set(modelName, use);
    }
  }

  const prefix = `${baseName}-`;
  const own: Candidate[] = [];
  let otherConfigs = 0;
  let otherModels = 0;
  for (const { name, arn } of await listConfigs(client, prefix)) {
    const tag = await modelTag(client, arn, name);
    if (tag === request.model) own.push({ kind: "endpoint config", name, use: configsInUse.get(name) });
    else if (tag !== GONE) otherConfigs++;
  }
  // The batch inference model is Pulumi's to replace and delete (it is not retained): never a candidate.
  const batchModels = `${baseName}-batch-model-`;
  for (const { name, arn } of (await listModels(client, prefix)).filter(
    (m) => !m.name.startsWith(batchModels),
  )) {
    const tag = await modelTag(client, arn, name);
    if (tag === request.model) own.push({ kind: "model", name, use: modelsInUse.get(name) });
    else if (tag !== GONE) otherModels++;
  }

  out.write(
    `Endpoint ${baseName} (stack ${request.stack}, model ${request.model}): ` +
      (endpoint === undefined
        ? "does not exist, so none of the model's endpoint configurations and models is in use\n"
        : `${status} on ${live ?? "no endpoint config"}${pending === undefined ? "" : `, deploying ${pending}`}\n`),
  );
  let gone = 0;
  for (const candidate of own) {
    if (candidate.use !== undefined) {
      out.write(`  ${"keep".padEnd(12)}  ${candidate.kind} ${candidate.name} (${candidate.use})\n`);
    } else if (!request.apply) {
      out.write(`  ${"would delete".padEnd(12)}  ${candidate.kind} ${candidate.name}\n`);
    } else {
      const deleted = await remove(client, candidate);
      if (!deleted) gone++;
      out.write(
        `  ${(deleted ? "deleted" : "already gone").padEnd(12)}  ${candidate.kind} ${candidate.name}\n`,
      );
    }
  }

  const count = (kind: Candidate["kind"], kept: boolean) =>
    own.filter((candidate) => candidate.kind === kind && (candidate.use !== undefined) === kept).length;
  if (otherConfigs + otherModels > 0) {
    out.write(
      `Left alone: ${both(otherConfigs, otherModels)} named ${prefix}… of another model (or without a Model tag).\n`,
    );
  }
  const unused = count("endpoint config", false) + count("model", false);
  const deletedText = both(count("endpoint config", false), count("model", false));
  const action =
    unused === 0
      ? "Nothing to delete"
      : request.apply
        ? `Deleted ${deletedText}${gone === 0 ? "" : ` (${gone} already gone)`}`
        : `Would delete ${deletedText}`;
  const kept = count("endpoint config", true) + count("model", true);
  out.write(
    `${action}; in use: ${kept === 0 ? "none" : both(count("endpoint config", true), count("model", true))}.\n`,
  );
  return { endpointExists: endpoint !== undefined, unused };
}

/** "1 endpoint config and 2 models", leaving out a kind there is none of. */
function both(configs: number, models: number): string {
  const parts = [
    ...(configs === 0 ? [] : [`${configs} endpoint config${configs === 1 ? "" : "s"}`]),
    ...(models === 0 ? [] : [`${models} model${models === 1 ? "" : "s"}`]),
  ];
  return parts.length === 0 ? "nothing" : parts.join(" and ");
}

/** The models the variants of an endpoint configuration in use name, production and shadow. */
async function modelsOf(
  client: SageMakerClient,
  configName: string,
  endpointName: string,
): Promise<string[]> {
  const config = await callAws(
    {
      action: `describe endpoint config "${configName}"`,
      permission: "sagemaker:DescribeEndpointConfig on the endpoint config",
      // Without it, the models the endpoint runs cannot be told from the others.
      notFound:
        `Endpoint ${endpointName} uses it, so the models it runs are unknown and nothing was deleted. ` +
        "Deploy the endpoint again (`pulumi up`) to give it a configuration that exists.",
    },
    () => client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })),
  );
  return [...(config.ProductionVariants ?? []), ...(config.ShadowProductionVariants ?? [])].flatMap(
    (variant) => (variant.ModelName === undefined ? [] : [variant.ModelName]),
  );
}

interface Named {
  readonly name: string;
  readonly arn: string;
}

/** Every endpoint configuration whose name starts with `prefix`, by name. */
async function listConfigs(client: SageMakerClient, prefix: string): Promise<Named[]> {
  const found = await callAws(
    { action: `list the endpoint configs named ${prefix}…`, permission: "sagemaker:ListEndpointConfigs" },
    async () => {
      const named: Named[] = [];
      for await (const page of paginateListEndpointConfigs(
        { client, pageSize: 100 },
        { NameContains: prefix },
      )) {
        for (const config of page.EndpointConfigs ?? []) {
          named.push({ name: config.EndpointConfigName ?? "", arn: config.EndpointConfigArn ?? "" });
        }
      }
      return named;
    },
  );
  return startingWith(found, prefix);
}

/** Every SageMaker model whose name starts with `prefix`, by name. */
async function listModels(client: SageMakerClient, prefix: string): Promise<Named[]> {
  const found = await callAws(
    { action: `list the models named ${prefix}…`, permission: "sagemaker:ListModels" },
    async () => {
      const named: Named[] = [];
      for await (const page of paginateListModels({ client, pageSize: 100 }, { NameContains: prefix })) {
        for (const model of page.Models ?? []) {
          named.push({ name: model.ModelName ?? "", arn: model.ModelArn ?? "" });
        }
      }
      return named;
    },
  );
  return startingWith(found, prefix);
}

/** NameContains matches anywhere in the name: keep those that start with the prefix. */
function startingWith(found: readonly Named[], prefix: string): Named[] {
  return found
    .filter((named) => named.name.startsWith(prefix) && named.arn !== "")
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What {@link modelTag} answers for a resource deleted since it was listed. */
const GONE = Symbol("gone");

/** The value of the resource's Model tag (undefined without one), or GONE when it was deleted meanwhile. */
async function modelTag(
  client: SageMakerClient,
  arn: string,
  name: string,
): Promise<string | undefined | typeof GONE> {
  try {
    for await (const page of paginateListTags({ client, pageSize: 100 }, { ResourceArn: arn })) {
      const tag = page.Tags?.find((candidate) => candidate.Key === "Model");
      if (tag !== undefined) return tag.Value ?? "";
    }
    return undefined;
  } catch (error) {
    if (isNotFound(error)) return GONE;
    throw awsError(error, {
      action: `list the tags of ${name}`,
      permission: "sagemaker:ListTags on the model's endpoint configs and models",
    });
  }
}

/** Deletes an unused configuration or model; false when it was already gone. */
async function remove(client: SageMakerClient, candidate: Candidate): Promise<boolean> {
  const { kind, name } = candidate;
  try {
    if (kind === "endpoint config") {
      await client.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name }));
    } else {
      await client.send(new DeleteModelCommand({ ModelName: name }));
    }
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw awsError(error, {
      action: `delete ${kind} ${name}`,
      permission:
        kind === "endpoint config"
          ? "sagemaker:DeleteEndpointConfig on the model's endpoint configs"
          : "sagemaker:DeleteModel on the model's models",
    });
  }
}
