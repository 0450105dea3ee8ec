/**
 * The offline preview's public face: what code outside preview/ (the tests' helpers, bench/) may
 * use. The rest of preview/ is how `npm run preview` and `npm run policy` work and may change
 * with them; only preview's own tests (test/preview/) reach past this file.
 *
 * `npm run preview` and `npm run policy` (cli.ts, policyCli.ts) do not load this file: they load
 * the program and the pack only once the command line has been checked.
 */

// The repository and its stack files.
export {
  InputError,
  knownStacks,
  packPolicyNames,
  projectName,
  readStackConfigFile,
  REPOSITORY_ROOT,
  stackAccountId,
  type StackConfigFile,
} from "./stackFile";

// The program under Pulumi's mock runtime: the recorder of every registered resource, and the
// program run for a stack as `pulumi preview` would run it, with no AWS account.
export {
  DEFAULT_ACCOUNT_ID,
  type EncodedProperties,
  type MockAccount,
  type MockOptions,
  type RecordedResource,
  recordResources,
  settle,
  UNKNOWN_VALUE,
} from "./mocks";
export { type OfflineRunOptions, type ProgramPlan, runProgramOffline, withoutRuntimeDebugging } from "./run";

// The policy pack, compiled and run in its own process as the Pulumi CLI runs it.
export {
  compilePack,
  PackConfigError,
  type PackProcess,
  ResourceFeed,
  runPack,
  type RunPackOptions,
  startPack,
} from "./pack";

// The plan (what a run produces and `--json` writes) and the reports written from it.
export type { EnforcementLevel, Plan, PlanFinding, PlanResource } from "./plan";

// A pack config as the engine reads it, checked against the policies' config schemas.
export { parsePackConfig, reconcilePackConfig } from "./packConfig";
export { parsePlan, PlanFormatError, toJson } from "./report/json";
export { type OutputFiles, report } from "./output";
export { exitCodeOf, renderFindings } from "./report/findings";
export { toJunit, type JunitOptions } from "./report/junit";
export { toMermaid } from "./report/mermaid";
export { type SarifLog, type SarifOptions, toSarif } from "./report/sarif";
export { renderTree } from "./report/tree";
