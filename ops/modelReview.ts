import {
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ModelApprovalStatus,
  ModelPackageSortBy,
  SortOrder,
  UpdateModelPackageCommand,
  paginateListModelPackages,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { callAws } from "./awsErrors";
import { closeClients } from "./clients";
import { parseCommandLine, textFlag, type OpsCommand, type Output } from "./command";
import { EXIT, inputError, OpsError } from "./errors";
import { loadTarget, requireBuiltHere } from "./stack";

/** The decisions a reviewer records in the model registry. */
export type Decision = typeof ModelApprovalStatus.APPROVED | typeof ModelApprovalStatus.REJECTED;

const DEFAULT_STACK = "staging";
/** UpdateModelPackage's limit for ApprovalDescription. */
const MAX_REASON_LENGTH = 1024;
/** `arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>` */
const VERSION_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/([^/]+)\/(\d+)$/;

function usage(name: string): string {
  return `usage: npm run ops -- ${name} <model> --reason TEXT [--stack <name>] [--package ARN]`;
}

function help(name: string, decision: Decision): string {
  return `${usage(name)}

Sets a version of the model's package group (<namePrefix>-<model> of the stack) to ${decision},
recording the reason as its ApprovalDescription.

  --reason TEXT    why (required; up to ${MAX_REASON_LENGTH} characters), kept in the registry with the decision
  --stack <name>   stack whose model registry holds the version (default ${DEFAULT_STACK})
  --package ARN    the version to decide on; it must belong to the model's group
                   (default: the newest version waiting as PendingManualApproval)

Exit codes: 0 recorded, 2 bad input (unknown stack or model, missing --reason, a version of
another group), 4 AWS error or nothing to decide on (no pending version, unknown version).
`;
}

/** The approve and reject commands: the same steps, another decision. */
export function reviewCommand(name: string, decision: Decision, summary: string): OpsCommand {
  return {
    name,
    summary,
    help: help(name, decision),
    async run(argv, io) {
      const line = parseCommandLine(
        argv,
        { stack: { type: "string" }, package: { type: "string" }, reason: { type: "string" } },
        ["model"],
        usage(name),
      );
      if (line === "help") {
        io.out.write(help(name, decision));
        return EXIT.ok;
      }
      const { flags, positionals } = line;
      const reason = checkReason(textFlag(flags, "reason"), usage(name));
      const target = loadTarget(textFlag(flags, "stack", DEFAULT_STACK), positionals[0] ?? "", io.root);
      requireBuiltHere(target, `${name} its versions`);
      const packageArn = textFlag(flags, "package");
      if (packageArn !== undefined) checkPackageArn(packageArn, target.baseName);
      const clients = io.clients(target);
      try {
        await reviewModelPackage(clients.sageMaker, io.out, {
          groupName: target.baseName,
          stack: target.stack,
          decision,
          reason,
          ...(packageArn === undefined ? {} : { packageArn }),
        });
        return EXIT.ok;
      } finally {
        closeClients(clients);
      }
    },
  };
}

function checkReason(reason: string | undefined, usageLine: string): string {
  const trimmed = reason?.trim() ?? "";
  if (trimmed === "") {
    throw inputError(
      `--reason is required: say why, it is kept with the decision in the registry\n${usageLine}`,
    );
  }
  if (trimmed.length > MAX_REASON_LENGTH) {
    throw inputError(
      `--reason is ${trimmed.length} characters long; the registry keeps at most ${MAX_REASON_LENGTH}`,
    );
  }
  return trimmed;
}

/**
 * Refuses, before any request, an ARN that is not a model package version or that belongs to
 * another group.
 */
function checkPackageArn(arn: string, groupName: string): void {
  const match = VERSION_ARN.exec(arn);
  if (match === null) {
    throw inputError(
      `--package "${arn}" is not a model package version ARN ` +
        `(arn:aws:sagemaker:<region>:<account>:model-package/${groupName}/<version>)`,
    );
  }
  if (match[1] !== groupName) throw otherGroup(arn, match[1] ?? "", groupName);
}

function otherGroup(arn: string, actual: string, expected: string): OpsError {
  return inputError(
    `--package ${arn} is a version of model package group "${actual}", not of "${expected}"; ` +
      `pass a version of "${expected}"`,
  );
}

export interface ReviewRequest {
  /** The model's package group. */
  readonly groupName: string;
  /** The stack the group belongs to, for messages. */
  readonly stack: string;
  readonly decision: Decision;
  readonly reason: string;
  /** The version to decide on; default the newest PendingManualApproval version of the group. */
  readonly packageArn?: string;
}

/** The version a decision was recorded on. */
export interface ReviewedVersion {
  readonly arn: string;
  readonly version: number | undefined;
  /** Its status before the decision. */
  readonly previousStatus: string;
}

/**
 * Records an approval or rejection (UpdateModelPackage with ModelApprovalStatus and
 * ApprovalDescription) and prints what was decided.
 *
 * @throws OpsError 2 when the package belongs to another group, 4 when there is no pending version,
 *   the package or group does not exist, or a request fails.
 */
export async function reviewModelPackage(
  client: SageMakerClient,
  out: Output,
  request: ReviewRequest,
): Promise<ReviewedVersion> {
  const { groupName, decision } = request;
  const version =
    request.packageArn === undefined
      ? await newestPending(client, request)
      : await describeVersion(client, request.packageArn, request);
  await callAws(
    {
      action: `set model package ${version.arn} to ${decision}`,
      permission: "sagemaker:UpdateModelPackage on the group's model packages",
    },
    () =>
      client.send(
        new UpdateModelPackageCommand({
          ModelPackageArn: version.arn,
          ModelApprovalStatus: decision,
          ApprovalDescription: request.reason,
        }),
      ),
  );
  const was = version.previousStatus === decision ? `already ${decision}` : `was ${version.previousStatus}`;
  out.write(
    `${decision}: version ${version.version ?? "?"} of ${groupName} (${version.arn}; ${was})\n` +
      `Reason: ${request.reason}\n`,
  );
  if (decision === ModelApprovalStatus.APPROVED) {
    out.write(
      "Endpoints that serve latest-approved from this group pick it up at their stack's next `pulumi up`.\n",
    );
  }
  return version;
}

async function describeVersion(
  client: SageMakerClient,
  arn: string,
  request: ReviewRequest,
): Promise<ReviewedVersion> {
  const described = await callAws(
    {
      action: `describe model package ${arn}`,
      permission: "sagemaker:DescribeModelPackage on the group's model packages",
      notFound: `List the versions of "${request.groupName}" in the model registry and pass one of them.`,
    },
    () => client.send(new DescribeModelPackageCommand({ ModelPackageName: arn })),
  );
  const group = described.ModelPackageGroupName ?? "none";
  if (group !== request.groupName) throw otherGroup(arn, group, request.groupName);
  return {
    arn: described.ModelPackageArn ?? arn,
    version: described.ModelPackageVersion,
    previousStatus: described.ModelApprovalStatus ?? "without approval status",
  };
}

async function newestPending(client: SageMakerClient, request: ReviewRequest): Promise<ReviewedVersion> {
  const { groupName } = request;
  const call = {
    action: `list the versions of model package group "${groupName}" waiting for approval`,
    permission: "sagemaker:ListModelPackages",
  };
  const newest = await callAws(call, async () => {
    const pages = paginateListModelPackages(
      { client, pageSize: 100 },
      {
        ModelPackageGroupName: groupName,
        ModelApprovalStatus: ModelApprovalStatus.PENDING_MANUAL_APPROVAL,
        SortBy: ModelPackageSortBy.CREATION_TIME,
        SortOrder: SortOrder.DESCENDING,
      },
    );
    for await (const page of pages) {
      const first = page.ModelPackageSummaryList?.[0];
      if (first !== undefined) return first;
    }
    return undefined;
  });
  if (newest?.ModelPackageArn !== undefined) {
    return {
      arn: newest.ModelPackageArn,
      version: newest.ModelPackageVersion,
      previousStatus: newest.ModelApprovalStatus ?? ModelApprovalStatus.PENDING_MANUAL_APPROVAL,
    };
  }
  // An empty list does not say whether the group exists: ask, to say which fix applies.
  await callAws(
    {
      action: `find model package group "${groupName}"`,
      permission: "sagemaker:DescribeModelPackageGroup on the group",
      notFound: `Run \`pulumi up\` on stack ${request.stack} to create it.`,
    },
    () => client.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: groupName })),
  );
  throw new OpsError(
    EXIT.aws,
    `model package group "${groupName}" has no version waiting for approval (PendingManualApproval): ` +
      `run its pipeline (npm run ops -- start-pipeline <model> --stack ${request.stack}) or name a version with --package`,
  );
}
