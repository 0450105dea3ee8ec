import { readFileSync } from "node:fs";
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
import { parsePlan } from "./report/json";
import { InputError, packPolicyNames } from "./stackFile";

const USAGE =
  "usage: npm run policy -- --plan <file> [--stack <name>] [--policy-config <file>] [--json <file>] [--sarif <file>] [--junit <file>] [--mermaid <file>] [--no-color]";

const HELP = `${USAGE}

Runs the policy pack on a plan written by \`npm run preview -- --json\` (or edited by hand), with the
stack's pack config.

Flags:
  --plan <file>           the plan to check (required)
  --stack <name>          the stack whose pack config applies (default: the plan's stack; must match it)
  --policy-config <file>  the pack config instead of policies/config/<stack>.json
  --json <file>           write the plan with the new findings
  --sarif <file>          write the findings as SARIF 2.1.0 (GitHub code scanning)
  --junit <file>          write the findings as JUnit XML
  --mermaid <file>        write an architecture diagram of the stack (Mermaid)
  --no-color              plain text on a terminal too
  -h, --help              this text

Examples:
  npm run policy -- --plan staging.json
  npm run policy -- --plan staging.json --policy-config my-pack-config.json --sarif staging.sarif

The -- after \`npm run policy\` is needed: without it npm keeps the flags for itself.
Exit codes: 0 no finding or advisory findings only, 1 mandatory findings, 2 bad input.
`;

const OPTIONS: FlagOptions = {
  plan: { type: "string" },
  stack: { type: "string" },
  "policy-config": { type: "string" },
  "no-color": { type: "boolean" },
  ...OUTPUT_OPTIONS,
};

/**
 * `npm run policy -- --plan FILE [--stack <name>]`: runs the policy pack on a plan written by
 * `npm run preview -- --json` (or edited by hand), with the pack config of the plan's stack.
 */
main(async () => {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    process.stdout.write(HELP);
    return EXIT.clean;
  }
  const dashes = forgottenDashes("policy", argv, OPTIONS, process.env);
  if (dashes !== undefined) throw new InputError(dashes);
  const flags = parseFlags(argv, OPTIONS, USAGE);
  const planFile = text(flags, "plan") ?? "";
  if (planFile === "") throw new InputError(`--plan is required\n${USAGE}`);
  let content: string;
  try {
    content = readFileSync(planFile, "utf8");
  } catch (error) {
    throw new InputError(
      `cannot read --plan ${planFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const saved = parsePlan(content, planFile);
  const stack = text(flags, "stack") ?? saved.stack;
  if (stack !== saved.stack) {
    throw new InputError(
      `--stack ${stack} does not match the plan: ${planFile} is a plan of stack ${saved.stack} (leave --stack out to use it)`,
    );
  }
  // Loaded once the input is known to be good: the pack driver loads gRPC and Pulumi's protocol.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runPack } = require("./pack") as typeof import("./pack");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { report } = require("./output") as typeof import("./output");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { exitCodeOf } = require("./report/findings") as typeof import("./report/findings");
  const progress = new Progress();
  let described: readonly DescribedPolicy[] = [];
  const findings = await runPack(saved.resources, {
    stack,
    configFile: text(flags, "policy-config"),
    onDescribed: (policies) => (described = policies),
    onProgress: (done, total) =>
      progress.show(`Checking policies ${done}/${total ?? saved.resources.length + 1}`),
  });
  progress.done();
  const plan = { ...saved, stack, findings };
  process.stdout.write(
    report(plan, {
      files: outputFiles(flags),
      color: process.stdout.isTTY === true && flags["no-color"] !== true,
      tree: false,
      policies: packPolicyNames(),
      described,
    }),
  );
  return exitCodeOf(findings) === 1 ? EXIT.mandatory : EXIT.clean;
});
