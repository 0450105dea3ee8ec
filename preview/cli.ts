import { EXIT, main, OUTPUT_OPTIONS, outputFiles, parseFlags, text } from "./main";
import { Progress } from "./progress";
import { InputError, packPolicyNames, projectName, readStackConfigFile, REPOSITORY_ROOT } from "./stackFile";

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
  const root = text(flags, "root") ?? REPOSITORY_ROOT;
  readStackConfigFile(stack, root);
  const project = projectName(root);
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
  // The pack checks each resource as the program registers it, on the other core: the program
  // runs once the pack is configured, so that the pack has work from the first resource on.
  const feed = new ResourceFeed();
  let configured!: () => void;
  const packReady = new Promise<void>((resolve) => (configured = resolve));
  const checking = runPack(feed, {
    stack,
    project,
    pack,
    configFile: text(flags, "policy-config"),
    onConfigured: configured,
    onProgress: (done, total) =>
      progress.show(`Checking policies ${done}${total === undefined ? "" : `/${total}`}`),
  });
  const running = runProgramOffline({
    stack,
    accountId: text(flags, "account-id"),
    modelPackages: flags["model-package"] as string[] | undefined,
    root,
    onResource: (resource, encoded) => feed.push(resource, encoded),
    // A pack that fails before it is configured ends the run without running the program.
    startAfter: Promise.race([packReady, checking]),
  });
  running.then(
    () => feed.close(),
    (error: unknown) => feed.fail(error),
  );
  const [program, findings] = await Promise.all([running, checking]);
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
