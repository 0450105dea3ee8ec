import { readFileSync } from "node:fs";
import { EXIT, main, OUTPUT_OPTIONS, outputFiles, parseFlags, text } from "./main";
import { Progress } from "./progress";
import { parsePlan } from "./report/json";
import { InputError, packPolicyNames } from "./stackFile";

const USAGE =
  "usage: npm run policy -- --plan <file> --stack <name> [--policy-config <file>] [--json <file>] [--sarif <file>] [--junit <file>] [--mermaid <file>] [--no-color]";

/**
 * `npm run policy -- --plan FILE --stack <name>`: runs the policy pack on a plan written by
 * `npm run preview -- --json` (or edited by hand), with the stack's pack config.
 */
main(async () => {
  const flags = parseFlags(
    process.argv.slice(2),
    {
      plan: { type: "string" },
      stack: { type: "string" },
      "policy-config": { type: "string" },
      "no-color": { type: "boolean" },
      ...OUTPUT_OPTIONS,
    },
    USAGE,
  );
  const planFile = text(flags, "plan") ?? "";
  if (planFile === "") throw new InputError(`--plan is required\n${USAGE}`);
  const stack = text(flags, "stack") ?? "";
  if (stack === "") throw new InputError(`--stack is required\n${USAGE}`);
  let content: string;
  try {
    content = readFileSync(planFile, "utf8");
  } catch (error) {
    throw new InputError(
      `cannot read --plan ${planFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const saved = parsePlan(content, planFile);
  // Loaded once the input is known to be good: the pack driver loads gRPC and Pulumi's protocol.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runPack } = require("./pack") as typeof import("./pack");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { report } = require("./output") as typeof import("./output");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { exitCodeOf } = require("./report/findings") as typeof import("./report/findings");
  const progress = new Progress();
  const findings = await runPack(saved.resources, {
    stack: stack,
    configFile: text(flags, "policy-config"),
    onProgress: (done, total) =>
      progress.show(`Checking policies ${done}/${total ?? saved.resources.length + 1}`),
  });
  progress.done();
  const plan = { ...saved, stack: stack, findings };
  process.stdout.write(
    report(plan, {
      files: outputFiles(flags),
      color: process.stdout.isTTY === true && flags["no-color"] !== true,
      tree: false,
      policies: packPolicyNames(),
    }),
  );
  return exitCodeOf(findings) === 1 ? EXIT.mandatory : EXIT.clean;
});
