import {
  DeleteModelPackageCommand,
  ModelPackageSortBy,
  SortOrder,
  paginateListModelPackages,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { modelBaseName } from "../../registry/endpointPackages";
import type { StackConfig } from "../../stacks/config";
import { awsError, isNotFound } from "../awsErrors";
import { closeClients } from "../clients";
import { parseCommandLine, type OpsCommand, type Output } from "../command";
import { EXIT, inputError } from "../errors";
import { loadStack } from "../stack";
import { cleanupUnused, DRY_RUN } from "./cleanup";

const USAGE = "usage: npm run ops -- teardown <stack> [--yes]";

const HELP = `${USAGE}

Makes a stack that does not protect its resources (mlops:storage.protectFromDeletion false)
destroyable: \`pulumi destroy\` cannot delete a model package group that still holds versions, and
leaves the endpoint configurations and models Pulumi keeps (retainOnDelete). For each model of the
stack it
  - deletes every version of the model package group <namePrefix>-<model>, whatever its approval
    status (a group that does not exist has none);
  - deletes the endpoint configurations and models its endpoint no longer uses, as cleanup does.
Then it says what comes next: \`pulumi destroy\` and teardown once more while an endpoint exists.

Prints what it would delete and deletes nothing, unless --yes is given.

  --yes   delete them

A stack whose models other accounts serve (mlops:promotion.consumerAccounts) is refused too: their
stacks deploy its versions.

Exit codes: 0 done (or nothing to delete), 1 an endpoint is changing (run again once it is
InService), 2 bad input, a stack that protects its resources or shares its models, 4 AWS error.
`;

/** `npm run ops -- teardown <stack> [--yes]`. */
export const teardownCommand: OpsCommand = {
  name: "teardown",
  summary: "make an unprotected stack destroyable: delete its model versions and unused endpoint resources",
  help: HELP,
  async run(argv, io) {
    const line = parseCommandLine(argv, { yes: { type: "boolean" } }, ["stack"], USAGE);
    if (line === "help") {
      io.out.write(HELP);
      return EXIT.ok;
    }
    const [stack = ""] = line.positionals;
    const target = loadStack(stack, io.root);
    if (target.config.storage.protectFromDeletion) {
      throw inputError(
        `stack ${stack} protects its resources (mlops:storage.protectFromDeletion in Pulumi.${stack}.yaml): ` +
          "tearing it down takes setting it to false and a `pulumi up` first",
      );
    }
    const consumers = target.config.promotion.consumerAccounts;
    if (consumers.length > 0) {
      throw inputError(
        `stack ${stack} shares its models with account${consumers.length === 1 ? "" : "s"} ${consumers.join(", ")} ` +
          `(mlops:promotion.consumerAccounts in Pulumi.${stack}.yaml), whose stacks serve its versions: deleting them ` +
          "would leave those stacks nothing to deploy. Stop serving them there, remove the accounts and run " +
          "`pulumi up` first",
      );
    }
    const clients = io.clients(target);
    try {
      await teardownStack(clients.sageMaker, io.out, {
        stack,
        config: target.config,
        apply: line.flags.yes === true,
      });
      return EXIT.ok;
    } finally {
      closeClients(clients);
    }
  },
};

export interface TeardownRequest {
  readonly stack: string;
  readonly config: StackConfig;
  /** Delete (--yes); otherwise only print what would be deleted. */
  readonly apply: boolean;
}

export interface TeardownResult {
  /** The models whose endpoint still exists. */
  readonly endpoints: readonly string[];
  /** Model package versions, endpoint configurations and models deleted, or to delete in a dry run. */
  readonly unused: number;
}

/**
 * For each model of the stack, deletes every version of its model package group and then, as
 * cleanup does, the endpoint configurations and models its endpoint does not use; prints each and
 * what comes next.
 *
 * @throws OpsError 1 when an endpoint is changing configurations, 4 when a request fails.
 */
export async function teardownStack(
  client: SageMakerClient,
  out: Output,
  request: TeardownRequest,
): Promise<TeardownResult> {
  const { stack, config, apply } = request;
  const endpoints: string[] = [];
  let unused = 0;
  for (const model of config.models) {
    const baseName = modelBaseName(config, model.name);
    unused += await deleteModelPackages(client, out, { groupName: baseName, model: model.name, apply });
    const cleaned = await cleanupUnused(client, out, { stack, model: model.name, baseName, apply });
    unused += cleaned.unused;
    if (cleaned.endpointExists) endpoints.push(model.name);
  }
  if (!apply && unused > 0) out.write(DRY_RUN);
  out.write(
    endpoints.length > 0
      ? `next: \`pulumi destroy --stack ${stack}\`, then run \`npm run ops -- teardown ${stack} --yes\` again to ` +
          "delete the endpoint configurations and models that Pulumi keeps (retainOnDelete)\n"
      : `${!apply && unused > 0 ? "Once these are deleted, nothing" : "Nothing"} of the endpoints of stack ${stack} ` +
          `is left, besides what \`pulumi destroy --stack ${stack}\` still has to delete.\n`,
  );
  return { endpoints, unused };
}

interface PackagesRequest {
  readonly groupName: string;
  readonly model: string;
  readonly apply: boolean;
}

/**
 * Lists every version of the group (every approval status, every page, oldest first) and deletes
 * each when `apply` is set; one already gone counts as deleted.
 *
 * @returns how many versions there were.
 */
async function deleteModelPackages(
  client: SageMakerClient,
  out: Output,
  { groupName, model, apply }: PackagesRequest,
): Promise<number> {
  const versions = await listVersions(client, groupName);
  const heading = `Model package group ${groupName} (model ${model}): `;
  if (versions === undefined) {
    out.write(`${heading}does not exist\n`);
    return 0;
  }
  out.write(
    `${heading}${versions.length === 0 ? "no" : versions.length} version${versions.length === 1 ? "" : "s"}\n`,
  );
  for (const arn of versions) {
    if (!apply) {
      out.write(`  ${"would delete".padEnd(12)}  model package ${arn}\n`);
      continue;
    }
    let deleted = true;
    try {
      await client.send(new DeleteModelPackageCommand({ ModelPackageName: arn }));
    } catch (error) {
      if (!isNotFound(error)) {
        throw awsError(error, {
          action: `delete model package ${arn}`,
          permission: "sagemaker:DeleteModelPackage on the group's model packages",
        });
      }
      deleted = false;
    }
    out.write(`  ${(deleted ? "deleted" : "already gone").padEnd(12)}  model package ${arn}\n`);
  }
  return versions.length;
}

/** The ARNs of the group's versions, oldest first; undefined when the group does not exist. */
async function listVersions(client: SageMakerClient, groupName: string): Promise<string[] | undefined> {
  const arns: string[] = [];
  try {
    const pages = paginateListModelPackages(
      { client, pageSize: 100 },
      {
        ModelPackageGroupName: groupName,
        SortBy: ModelPackageSortBy.CREATION_TIME,
        SortOrder: SortOrder.ASCENDING,
      },
    );
    for await (const page of pages) {
      for (const summary of page.ModelPackageSummaryList ?? []) {
        if (summary.ModelPackageArn !== undefined) arns.push(summary.ModelPackageArn);
      }
    }
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw awsError(error, {
      action: `list the versions of model package group "${groupName}"`,
      permission: "sagemaker:ListModelPackages",
    });
  }
  return arns;
}
