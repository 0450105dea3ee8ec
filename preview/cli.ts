import { EXIT, main, OUTPUT_OPTIONS, outputFiles, parseFlags, text } from "./main";
import { Progress } from "./progress";
import { InputError, packPolicyNames, readStackConfigFile, REPOSITORY_ROOT } from "./stackFile";

const USAGE =
  "usage: npm run preview -- --stack <name> [--account-id <12 digits>] [--model-package <model>=<ARN>]... " +
  "[--policy-config <file>] [--json <file>] [--sarif <file>] [--junit <file>] [--mermaid <file>] [--no-color]";

/**
 * `npm run preview -- --stack <name>`: what `pulumi preview` would create for a stack and what the
 * policy pack says about it, with no AWS account and no Pulumi CLI.
 */
main(async () => {
  const flags = parseFlags(
    process.argv.slice(2),
    {
      stack: { type: "string" },
      "account-id": { type: "string" },
      "model-package": { type: "string", multiple: true },
      "policy-config": { type: "string" },
      root: { type: "string" },
      "no-color": { type: "boolean" },
      ...OUTPUT_OPTIONS,
    },
    USAGE,
  );
  const stack = text(flags, "stack") ?? "";
  if (stack === "") throw new InputError(`--stack is required\n${USAGE}`);
  // Answered before the program and the pack are loaded, which takes a while.
  readStackConfigFile(stack, text(flags, "root") ?? REPOSITORY_ROOT);
  // The pack starts first, in its own process, while this one loads and runs the program.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { compilePack, ResourceFeed, runPack, startPack } = require("./pack") as typeof import("./pack");
  // Spawned before the program's modules load: requiring them blocks this process for a while.
  const pack = startPack(await compilePack());
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runProgramOffline } = require("./run") as typeof import("./run");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { report } = require("./output") as typeof import("./output");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { exitCodeOf } = require("./report/findings") as typeof import("./report/findings");
  const progress = new Progress();
  progress.show(`Running the program for stack ${stack} ...`);
  // The pack checks each resource as the program registers it.
  const feed = new ResourceFeed();
  const running = runProgramOffline({
    stack,
    accountId: text(flags, "account-id"),
    modelPackages: flags["model-package"] as string[] | undefined,
    root: text(flags, "root"),
    onResource: (resource) => feed.push(resource),
  });
  running.then(
    () => feed.close(),
    (error: unknown) => feed.fail(error),
  );
  const [program, findings] = await Promise.all([
    running,
    runPack(feed, {
      stack,
      pack,
      configFile: text(flags, "policy-config"),
      onProgress: (done, total) =>
        progress.show(`Checking policies ${done}${total === undefined ? "" : `/${total}`}`),
    }),
  ]);
  progress.done();
  const plan = { ...program, findings };
  process.stdout.write(
    report(plan, {
      files: outputFiles(flags),
      color: process.stdout.isTTY === true && flags["no-color"] !== true,
      tree: true,
      policies: packPolicyNames(),
    }),
  );
  return exitCodeOf(findings) === 1 ? EXIT.mandatory : EXIT.clean;
});
