import {
  EXIT,
  forgottenDashes,
  main,
  OUTPUT_OPTIONS,
  outputFiles,
  parseFlags,
  text,
  wantsHelp,
  type FlagOptions,
} from "./main";
import type { DescribedPolicy } from "./pack";
import { Progress } from "./progress";
import { InputError, packPolicyNames, projectName, readStackConfigFile, REPOSITORY_ROOT } from "./stackFile";

const USAGE =
  "usage: npm run preview -- --stack <name> [--account-id <12 digits>] [--model-package <model>=<ARN>]... [--empty-registry] " +
  "[--policy-config <file>] [--json <file>] [--sarif <file>] [--junit <file>] [--mermaid <file>] [--expand] [--no-color]";

/** `npm run preview -- --help`. */
const HELP = `${USAGE}

Shows what \`pulumi preview\` would create for a stack and what the policy pack says about it, with
no AWS account and no Pulumi CLI.

Flags:
  --stack <name>                 the stack: Pulumi.<name>.yaml and policies/config/<name>.json (required)
  --account-id <12 digits>       the account of the mocked ARNs (default: the stack's aws:allowedAccountIds, else 123456789012)
  --model-package <model>=<ARN>  a version of <model>'s own group (or source group) for its endpoint to serve (repeatable; default: version 1)
  --empty-registry               take the model registry as empty, as on a first deploy: latest-approved and latest-verified find nothing
  --policy-config <file>         the pack config instead of policies/config/<stack>.json
  --json <file>                  write the plan
  --sarif <file>                 write the findings as SARIF 2.1.0 (GitHub code scanning)
  --junit <file>                 write the findings as JUnit XML
  --mermaid <file>               write an architecture diagram of the stack (Mermaid)
  --expand                       list every resource in the tree, not one line per run of more than three of one type
  --no-color                     plain text on a terminal too
  -h, --help                     this text

Examples:
  npm run preview -- --stack staging
  npm run preview -- --stack prod --json prod.json --sarif prod.sarif
  npm run preview -- --stack staging --model-package diagnosis=arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-staging-diagnosis/3
  npm run preview -- --stack prod --empty-registry

The -- after \`npm run preview\` is needed: without it npm keeps the flags for itself.
Exit codes: 0 no finding or advisory findings only, 1 mandatory findings, 2 bad input.
`;

const OPTIONS: FlagOptions = {
  stack: { type: "string" },
  "account-id": { type: "string" },
  "model-package": { type: "string", multiple: true },
  "empty-registry": { type: "boolean" },
  "policy-config": { type: "string" },
  root: { type: "string" },
  expand: { type: "boolean" },
  "no-color": { type: "boolean" },
  ...OUTPUT_OPTIONS,
};

/**
 * `npm run preview -- --stack <name>`: what `pulumi preview` would create for a stack and what the
 * policy pack says about it, with no AWS account and no Pulumi CLI.
 */
main(async () => {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    process.stdout.write(HELP);
    return EXIT.clean;
  }
  const dashes = forgottenDashes("preview", argv, OPTIONS, process.env);
  if (dashes !== undefined) throw new InputError(dashes);
  const flags = parseFlags(argv, OPTIONS, USAGE);
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
  let described: readonly DescribedPolicy[] = [];
  const checking = runPack(feed, {
    stack,
    project,
    pack,
    configFile: text(flags, "policy-config"),
    onConfigured: configured,
    onDescribed: (policies) => (described = policies),
    onProgress: (done, total) =>
      progress.show(`Checking policies ${done}${total === undefined ? "" : `/${total}`}`),
  });
  const running = runProgramOffline({
    stack,
    accountId: text(flags, "account-id"),
    modelPackages: flags["model-package"] as string[] | undefined,
    emptyRegistry: flags["empty-registry"] === true,
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
      expand: flags.expand === true,
      // Fitted to the terminal; a file or pipe gets the default width, so saved output is the same everywhere.
      width: process.stdout.isTTY ? process.stdout.columns : undefined,
      policies: packPolicyNames(),
      described,
    }),
  );
  return exitCodeOf(findings) === 1 ? EXIT.mandatory : EXIT.clean;
});
