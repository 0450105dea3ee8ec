import { appendFileSync, readFileSync } from "node:fs";
import { deliverySettings } from "../../components/delivery/settings";
import { main, parseFlags, text } from "../../preview/main";
import { InputError, knownStacks, readStackConfigFile, REPOSITORY_ROOT } from "../../preview/stackFile";
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
 *   merge updates them, each with its GitHub environment and whether its deploy runs the smoke test
 *   (`[{"stack": "staging", "environment": "staging", "smoke-test": true}, ...]`): the matrix of
 *   `deploy.yml`, and what `model-approved.yml` looks the payload's stack up in.
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
}

const USAGE =
  "usage: stackModels.ts configured --stack <stack> --model <model>\n" +
  "       stackModels.ts endpoints --stack <stack> --outputs <file> [--model <model>] [--summary <file>]\n" +
  "       stackModels.ts package --stack <stack> --outputs <file> --model <model>\n" +
  "       stackModels.ts deploy-environment --stack <stack>\n" +
  "       stackModels.ts deploy-order";

/** Commands that take no --stack. */
const WITHOUT_STACK = new Set(["deploy-order"]);

/** The models `Pulumi.<stack>.yaml` configures, in its order. */
export function configuredModels(stack: string, root = REPOSITORY_ROOT): string[] {
  const models = readStackConfigFile(stack, root).config["mlops:models"];
  const list: unknown = models === undefined ? [] : JSON.parse(models);
  if (!Array.isArray(list)) throw new InputError(`Pulumi.${stack}.yaml: mlops:models is not a list`);
  return list.map((model: { name?: unknown }) => String(model?.name));
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
 * deploy on merge updates them: by `mlops:delivery.deployOrder`, lowest first, then by stack name.
 */
export function deployOrder(root = REPOSITORY_ROOT): StackDeploy[] {
  return knownStacks(root)
    .flatMap((stack) => {
      const delivery = deliveryOf(stack, root);
      const environment = delivery?.github?.deployEnvironment;
      return delivery === undefined || environment === undefined
        ? []
        : [{ order: delivery.deployOrder, deploy: { stack, environment, "smoke-test": delivery.smokeTest } }];
    })
    .sort((a, b) => a.order - b.order || compareNames(a.deploy.stack, b.deploy.stack))
    .map(({ deploy }) => deploy);
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

/** Runs one command with its arguments; what it prints goes to `write`. */
export function run(argv: readonly string[], write: (line: string) => void): number {
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
      checkConfigured(stack, required(flags, "model"));
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
      write(deployEnvironment(stack));
      return 0;
    case "deploy-order":
      write(JSON.stringify(deployOrder()));
      return 0;
    default:
      throw new InputError(`unknown command ${JSON.stringify(command ?? "")}\n${USAGE}`);
  }
}

if (require.main === module) {
  main(async () => run(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)));
}
