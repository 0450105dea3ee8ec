import { appendFileSync, readFileSync } from "node:fs";
import { deliverySettings } from "../../components/delivery/settings";
import { groupArnParts } from "../../components/promotion/settings";
import { LIFECYCLE_STATUS } from "../../components/shared/names";
import { describeValue } from "../../components/shared/settings";
import { main, parseFlags, text } from "../../preview/main";
import {
  InputError,
  knownStacks,
  readStackConfigFile,
  REPOSITORY_ROOT,
  stackAccountId,
} from "../../preview/stackFile";
import { defaultNamePrefix } from "../../stacks/config";
import { parseConfigValue } from "../../stacks/configValue";
import { formatProblems, problemsFromIssues } from "../../stacks/errors";

/**
 * The models a deploy checks, for `.github/workflows/deploy-stack.yml`:
 *
 * - `configured --stack S --model M`: fails unless `Pulumi.<S>.yaml` configures model M (checked before
 *   `pulumi up`, so that a dispatch naming an unknown model changes nothing).
 * - `endpoints --stack S --outputs FILE [--model M] [--summary FILE]`: prints, on one line, the models whose
 *   endpoint the stack deployed (`pulumi stack output --json`), or only M, which must have one; appends a
 *   table of the endpoints to the summary file.
 * - `package --stack S --outputs FILE --model M`: prints the model package M's endpoint serves.
 * - `deploy-environment --stack S`: prints the GitHub environment whose jobs may deploy stack S, the one its
 *   deploy role trusts (`mlops:delivery.github.deployEnvironment` of `Pulumi.<S>.yaml`).
 * - `deploy-order`: prints, as one line of JSON, the stacks GitHub Actions deploys, in the order the deploy on
 *   merge updates them, each with its GitHub environment, whether its deploy runs the smoke test, the status
 *   its deploy promotes the verified packages to and the GitHub environment that records it
 *   (`[{"stack": "staging", "environment": "staging", "smoke-test": true, "promote": "Verified",
 *   "registry-environment": ""}, ...]`): the matrix of `deploy.yml`, and what `model-approved.yml` looks the
 *   payload's stack up in.
 * - `serving --stack S --model M`: prints, as one line of JSON in deploy order, the deploy-order entries of the
 *   stacks that serve model M from stack S's registry, each with the name of its model that serves it
 *   (`"model"`): the serving deploys `model-approved.yml` runs after an approval in S's registry.
 *
 * Promotion: a stack whose models have no `source` builds them, and its deploy records `Verified` on the packages
 * it verified, in its own registry. A stack whose models name a `source.modelPackageGroupArn` serves the packages
 * of the stack that builds them (its building stack: the stack file whose account, the first of
 * `aws:allowedAccountIds`, and `aws:region` are the ARN's, and whose `<namePrefix>-<model>` is the group's name,
 * for a model it builds); its deploy records `Deployed` on them, from a job in the building stack's GitHub
 * environment, as the registry shares nothing writable with the serving account.
 */

/** The endpoint of a model in the stack outputs (see program.ts); `null` until a version is approved. */
export interface EndpointOutputs {
  readonly name: string;
  readonly configName: string;
  readonly modelPackageArn: string;
}

/** What these commands read of `pulumi stack output --json`: `models.<model>.endpoint`. */
export interface StackOutputs {
  readonly models: Readonly<Record<string, { readonly endpoint: EndpointOutputs | null }>>;
}

/** A stack GitHub Actions deploys: one entry of `deploy.yml`'s matrix. */
export interface StackDeploy {
  readonly stack: string;
  /** The GitHub environment the deploy runs in (`mlops:delivery.github.deployEnvironment`). */
  readonly environment: string;
  /** Whether the deploy smoke-tests the endpoints it verified (`mlops:delivery.smokeTest`). */
  readonly "smoke-test": boolean;
  /**
   * What the deploy records on the model packages it verified: `Verified` where the stack builds its models,
   * `Deployed` where it serves another stack's.
   */
  readonly promote: PromoteStatus;
  /**
   * The GitHub environment of the building stack, whose deploy role records a serving stack's promotion in its
   * registry; "" for a stack that builds its models (its own deploy job records it).
   */
  readonly "registry-environment": string;
}

/** A deploy of a stack that serves a model another stack built: an entry of `serving`. */
export interface ServingDeploy extends StackDeploy {
  /** The serving stack's model that serves the building stack's model: the model its deploy verifies. */
  readonly model: string;
}

/** The statuses a deploy promotes to (components/shared/names.ts). */
export type PromoteStatus = (typeof LIFECYCLE_STATUS)[keyof typeof LIFECYCLE_STATUS];

/** A model as `mlops:models` lists it, before validation. */
interface RawModel {
  readonly name: string;
  /** `source`, as written; undefined for a model the stack builds. */
  readonly source: unknown;
}

/** A model a stack builds, in its registry (`<namePrefix>-<model>`). */
interface BuiltModel {
  readonly stack: string;
  readonly model: string;
}

/** A stack GitHub Actions deploys, with the models it serves from another stack's registry. */
interface PlannedDeploy {
  readonly deploy: StackDeploy;
  readonly served: readonly { readonly model: string; readonly from: BuiltModel }[];
}

const USAGE =
  "usage: stackModels.ts configured --stack <stack> --model <model>\n" +
  "       stackModels.ts endpoints --stack <stack> --outputs <file> [--model <model>] [--summary <file>]\n" +
  "       stackModels.ts package --stack <stack> --outputs <file> --model <model>\n" +
  "       stackModels.ts deploy-environment --stack <stack>\n" +
  "       stackModels.ts deploy-order\n" +
  "       stackModels.ts serving --stack <stack> --model <model>";

/** Commands that take no --stack. */
const WITHOUT_STACK = new Set(["deploy-order"]);

/** The models `Pulumi.<stack>.yaml` configures, in its order. */
export function configuredModels(stack: string, root = REPOSITORY_ROOT): string[] {
  return rawModels(stack, root).map((model) => model.name);
}

/** `mlops:models` of the stack file, as written. */
function rawModels(stack: string, root: string): RawModel[] {
  const models = readStackConfigFile(stack, root).config["mlops:models"];
  const list: unknown = models === undefined ? [] : parseConfigValue(models);
  if (!Array.isArray(list)) throw new InputError(`Pulumi.${stack}.yaml: mlops:models is not a list`);
  return list.map((model: { name?: unknown; source?: unknown } | null) => ({
    name: String(model?.name),
    source: model?.source,
  }));
}

/**
 * `mlops:delivery` of the stack file, validated as the program validates it and with its defaults
 * (`components/delivery/settings.ts`); undefined when the stack sets none.
 */
export function deliveryOf(stack: string, root = REPOSITORY_ROOT) {
  const text = readStackConfigFile(stack, root).config["mlops:delivery"];
  if (text === undefined) return undefined;
  const value = parseConfigValue(text);
  const result = deliverySettings.safeParse(value, { reportInput: true });
  if (!result.success) {
    const problems = problemsFromIssues(result.error.issues).map((problem) => ({
      ...problem,
      path: problem.path === "" ? "delivery" : `delivery.${problem.path}`,
    }));
    // The program's message for the same problems (stacks/errors.ts), after the file's name.
    const message = formatProblems(stack, problems);
    throw new InputError(`Pulumi.${stack}.yaml: ${message.charAt(0).toLowerCase()}${message.slice(1)}`);
  }
  return result.data;
}

/**
 * The GitHub environment whose jobs may assume the stack's deploy role: `mlops:delivery.github.deployEnvironment`.
 * A deploy of the stack runs in it, and so waits for its reviewers.
 */
export function deployEnvironment(stack: string, root = REPOSITORY_ROOT): string {
  const environment = deliveryOf(stack, root)?.github?.deployEnvironment;
  if (environment === undefined) {
    throw new InputError(
      `Pulumi.${stack}.yaml sets no mlops:delivery.github.deployEnvironment: no GitHub environment deploys ` +
        `stack ${stack} (docs/delivery.md)`,
    );
  }
  return environment;
}

/**
 * The stacks GitHub Actions deploys (those whose stack file names a GitHub environment), in the order the
 * deploy on merge updates them: by `mlops:delivery.deployOrder`, lowest first, then by stack name; each with
 * what its deploy promotes (see the top of this file).
 *
 * @throws InputError listing every problem (file and key path) when a stack's served models do not all come
 *   from one stack of the repository that GitHub Actions deploys.
 */
export function deployOrder(root = REPOSITORY_ROOT): StackDeploy[] {
  return plannedDeploys(root).map(({ deploy }) => deploy);
}

/**
 * The deploys of the stacks that serve model `model` of stack `stack` (which builds it) from its registry, in
 * deploy order, each with its own model's name: one entry per serving model.
 */
export function servingStacks(stack: string, model: string, root = REPOSITORY_ROOT): ServingDeploy[] {
  const models = rawModels(stack, root);
  const index = models.findIndex((candidate) => candidate.name === model);
  if (index < 0) {
    throw new InputError(
      `model "${model}" is not configured in Pulumi.${stack}.yaml (models: ${listed(models.map((m) => m.name))})`,
    );
  }
  const { source } = models[index];
  if (source !== undefined) {
    throw new InputError(
      `stack ${stack} does not build model "${model}": Pulumi.${stack}.yaml: models[${index}].source serves it ` +
        `from ${shown(asRecord(source)?.modelPackageGroupArn)}; its versions are approved and promoted ` +
        `in the registry of the stack that builds it`,
    );
  }
  return plannedDeploys(root).flatMap(({ deploy, served }) =>
    served
      .filter(({ from }) => from.stack === stack && from.model === model)
      .map((serving) => ({ ...deploy, model: serving.model })),
  );
}

/** The stacks GitHub Actions deploys, in deploy order, with what each serves from which stack's registry. */
function plannedDeploys(root: string): PlannedDeploy[] {
  const stacks = knownStacks(root);
  const deployed = stacks
    .flatMap((stack) => {
      const delivery = deliveryOf(stack, root);
      const environment = delivery?.github?.deployEnvironment;
      return delivery === undefined || environment === undefined
        ? []
        : [{ order: delivery.deployOrder, stack, environment, smokeTest: delivery.smokeTest }];
    })
    .sort((a, b) => a.order - b.order || compareNames(a.stack, b.stack));
  const environments = new Map(deployed.map(({ stack, environment }) => [stack, environment]));
  const problems: string[] = [];
  let registries: Map<string, BuiltModel> | undefined;
  const planned = deployed.map(({ stack, environment, smokeTest }): PlannedDeploy => {
    const models = rawModels(stack, root).map((model, index) => ({ ...model, index }));
    const sourced = models.filter((model) => model.source !== undefined);
    const entry = { stack, environment, "smoke-test": smokeTest };
    if (sourced.length === 0) {
      return {
        deploy: { ...entry, promote: LIFECYCLE_STATUS.verified, "registry-environment": "" },
        served: [],
      };
    }
    const file = `Pulumi.${stack}.yaml`;
    // One job records a stack's promotion, with one registry's role: a stack cannot also build models.
    for (const built of models.filter((model) => model.source === undefined)) {
      problems.push(
        `${file}: models[${built.index}].source: missing, while models[${sourced[0].index}] is served from ` +
          `another stack's registry: a stack either builds all its models or serves them all from one building ` +
          `stack, whose GitHub environment records its promotion`,
      );
    }
    const served: { model: string; from: BuiltModel }[] = [];
    let building: { stack: string; index: number } | undefined;
    for (const model of sourced) {
      const arn = asRecord(model.source)?.modelPackageGroupArn;
      const at = `${file}: models[${model.index}].source.modelPackageGroupArn: ${shown(arn)}`;
      const parts = typeof arn === "string" ? groupArnParts(arn) : undefined;
      if (parts === undefined) {
        problems.push(
          `${at} is not a model package group ARN (arn:aws:sagemaker:<region>:<account>:model-package-group/<name>)`,
        );
        continue;
      }
      registries ??= builtModels(stacks, root, problems);
      const from = registries.get(registryKey(parts.region, parts.accountId, parts.groupName));
      if (from === undefined) {
        problems.push(
          `${at} is the registry of no stack of this repository: no stack file deploys to account ` +
            `${parts.accountId} (the first of aws:allowedAccountIds) in region ${parts.region} (aws:region) and ` +
            `builds a model whose group, <namePrefix>-<model>, is ${parts.groupName}`,
        );
        continue;
      }
      if (!environments.has(from.stack)) {
        problems.push(
          `${at} is the registry of stack ${from.stack}, which GitHub Actions does not deploy ` +
            `(Pulumi.${from.stack}.yaml names no mlops:delivery.github.deployEnvironment): the promotion of ` +
            `stack ${stack} is recorded by a job in the building stack's GitHub environment`,
        );
        continue;
      }
      if (building !== undefined && building.stack !== from.stack) {
        problems.push(
          `${at} is the registry of stack ${from.stack}, but models[${building.index}] is served from stack ` +
            `${building.stack}'s: a stack serves the models of one building stack, whose GitHub environment ` +
            `records its promotion`,
        );
        continue;
      }
      building ??= { stack: from.stack, index: model.index };
      served.push({ model: model.name, from });
    }
    return {
      deploy: {
        ...entry,
        promote: LIFECYCLE_STATUS.deployed,
        "registry-environment": building === undefined ? "" : (environments.get(building.stack) ?? ""),
      },
      served,
    };
  });
  if (problems.length > 0) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    throw new InputError(
      [
        `${count} with the promotion between the stack files (docs/delivery.md, "Promotion"):`,
        ...problems.map((problem) => `  - ${problem}`),
      ].join("\n"),
    );
  }
  return planned;
}

/**
 * The registries of the repository's stacks: each model a stack builds (no `source`), by the region, account
 * and name of its model package group (`<namePrefix>-<model>`). A stack file without `aws:region` or
 * `aws:allowedAccountIds` has none that can be found; an invalid `aws:allowedAccountIds` is a problem.
 */
function builtModels(stacks: readonly string[], root: string, problems: string[]): Map<string, BuiltModel> {
  const registries = new Map<string, BuiltModel>();
  for (const stack of stacks) {
    const { config } = readStackConfigFile(stack, root);
    let account: string | undefined;
    try {
      account = stackAccountId(stack, config);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(error.message);
    }
    const region = config["aws:region"];
    if (account === undefined || region === undefined) continue;
    const prefix = config["mlops:namePrefix"] ?? defaultNamePrefix(stack);
    for (const model of rawModels(stack, root)) {
      if (model.source !== undefined) continue;
      registries.set(registryKey(region, account, `${prefix}-${model.name}`), { stack, model: model.name });
    }
  }
  return registries;
}

function registryKey(region: string, account: string, groupName: string): string {
  return `${region}:${account}:${groupName}`;
}

/** A value as written: a whole ARN, however long; anything else as the stack config's messages show it. */
function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : describeValue(value);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Stack names in code-point order, the same on every machine (unlike `localeCompare`). */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Fails unless the stack configures the model. */
export function checkConfigured(stack: string, model: string, root = REPOSITORY_ROOT): void {
  const models = configuredModels(stack, root);
  if (!models.includes(model)) {
    throw new InputError(
      `model "${model}" is not configured in Pulumi.${stack}.yaml (models: ${listed(models)})`,
    );
  }
}

/** Reads `pulumi stack output --json`, checking the part these commands use. */
export function parseStackOutputs(json: string, file: string): StackOutputs {
  let outputs: unknown;
  try {
    outputs = JSON.parse(json);
  } catch (error) {
    throw new InputError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const models = (outputs as { models?: unknown } | null)?.models;
  if (typeof models !== "object" || models === null || Array.isArray(models)) {
    throw new InputError(
      `${file} has no "models" mapping: is it \`pulumi stack output --json\` of this project?`,
    );
  }
  const problems: string[] = [];
  for (const [model, value] of Object.entries(models as Record<string, unknown>)) {
    const endpoint = (value as { endpoint?: unknown } | null)?.endpoint;
    if (endpoint === null) continue;
    const fields = endpoint as Partial<Record<keyof EndpointOutputs, unknown>> | undefined;
    for (const key of ["name", "configName", "modelPackageArn"] as const) {
      if (typeof fields?.[key] !== "string" || fields[key] === "") {
        problems.push(`models.${model}.endpoint.${key} is missing (an endpoint or null is expected)`);
      }
    }
  }
  if (problems.length > 0) throw new InputError(`${file}: ${problems.join("; ")}`);
  return outputs as StackOutputs;
}

/**
 * The models to verify after a deploy: every model with an endpoint, or only `model`, which must have
 * one (its package was approved, so the deploy must have given it an endpoint).
 */
export function modelsToVerify(outputs: StackOutputs, stack: string, model?: string): string[] {
  const all = Object.keys(outputs.models);
  if (model === undefined) return all.filter((name) => outputs.models[name].endpoint !== null);
  if (!all.includes(model)) {
    throw new InputError(`model "${model}" is not in the outputs of stack ${stack} (models: ${listed(all)})`);
  }
  if (outputs.models[model].endpoint === null) {
    throw new InputError(
      `model "${model}" has no endpoint in stack ${stack}: its endpoint output stays null until a version ` +
        `of its model package group is approved`,
    );
  }
  return [model];
}

/** The model package the model's endpoint serves. */
export function deployedPackage(outputs: StackOutputs, stack: string, model: string): string {
  const [verified] = modelsToVerify(outputs, stack, model);
  return (outputs.models[verified].endpoint as EndpointOutputs).modelPackageArn;
}

/** A Markdown table of the stack's endpoints, for the job summary. */
export function endpointsTable(outputs: StackOutputs, stack: string): string {
  const rows = Object.entries(outputs.models).map(([model, { endpoint }]) =>
    endpoint === null
      ? `| ${model} | none yet | | |`
      : `| ${model} | \`${endpoint.name}\` | \`${endpoint.configName}\` | \`${endpoint.modelPackageArn}\` |`,
  );
  return [
    `### Endpoints of stack ${stack}`,
    "",
    "| Model | Endpoint | Endpoint config | Model package |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}

function listed(names: readonly string[]): string {
  return names.length > 0 ? names.join(", ") : "none";
}

function required(flags: Record<string, unknown>, key: string): string {
  const value = flags[key];
  if (typeof value !== "string" || value === "") throw new InputError(`--${key} is required\n${USAGE}`);
  return value;
}

/** Runs one command with its arguments, on the stack files in `root`; what it prints goes to `write`. */
export function run(argv: readonly string[], write: (line: string) => void, root = REPOSITORY_ROOT): number {
  const [command, ...rest] = argv;
  const flags = parseFlags(
    rest,
    {
      stack: { type: "string" },
      model: { type: "string" },
      outputs: { type: "string" },
      summary: { type: "string" },
    },
    USAGE,
  );
  const withoutStack = WITHOUT_STACK.has(command ?? "");
  if (withoutStack && Object.values(flags).some((value) => value !== undefined)) {
    throw new InputError(`${command} takes no flags\n${USAGE}`);
  }
  const stack = withoutStack ? "" : required(flags, "stack");
  // The workflow passes an empty --model when it verifies every model.
  const given = text(flags, "model");
  const model = given === "" ? undefined : given;
  const readOutputs = () => {
    const file = required(flags, "outputs");
    return parseStackOutputs(readFileSync(file, "utf8"), file);
  };
  switch (command) {
    case "configured":
      checkConfigured(stack, required(flags, "model"), root);
      return 0;
    case "endpoints": {
      const outputs = readOutputs();
      const summary = text(flags, "summary");
      if (summary !== undefined) appendFileSync(summary, endpointsTable(outputs, stack));
      write(modelsToVerify(outputs, stack, model).join(" "));
      return 0;
    }
    case "package":
      write(deployedPackage(readOutputs(), stack, required(flags, "model")));
      return 0;
    case "deploy-environment":
      write(deployEnvironment(stack, root));
      return 0;
    case "deploy-order":
      write(JSON.stringify(deployOrder(root)));
      return 0;
    case "serving":
      write(JSON.stringify(servingStacks(stack, required(flags, "model"), root)));
      return 0;
    default:
      throw new InputError(`unknown command ${JSON.stringify(command ?? "")}\n${USAGE}`);
  }
}

if (require.main === module) {
  main(async () => run(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)));
}
