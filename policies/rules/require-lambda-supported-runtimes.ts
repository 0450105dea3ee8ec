import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, show } from "../lib/rule";
import { at, isSet, plainProps, UNKNOWN } from "../lib/sagemakerValues";

interface Config {
  readonly allowedRuntimes: readonly string[];
}

/**
 * The Python and Node.js runtimes Lambda supports as of December 2026, per the deprecation dates of
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html: python3.12 (deprecated
 * 2028-10-31), python3.13 and python3.14 (2029-06-30), nodejs22.x (2027-04-30), nodejs24.x
 * (2028-04-30). nodejs20.x (2026-04-30), python3.10 and python3.11 (2026-06-30, with Amazon
 * Linux 2) are deprecated: Lambda no longer patches them.
 */
export const SUPPORTED_RUNTIMES: readonly string[] = [
  "nodejs22.x",
  "nodejs24.x",
  "python3.12",
  "python3.13",
  "python3.14",
];

const lambdaFunction = validateResourceOfType(aws.lambda.Function, (proxied, args, report) => {
  const props = plainProps(proxied);
  const packageType = at(props, "packageType");
  if (packageType === "Image")
    return args.notApplicable(
      `Function "${args.name}" is a container image, which brings its own runtime; scan the image instead.`,
    );
  const runtime = at(props, "runtime");
  // Unknown during preview: checked when known, before the function is created or updated.
  if (packageType === UNKNOWN || runtime === UNKNOWN) return;
  const { allowedRuntimes } = args.getConfig<Config>();
  const what = `Function "${args.name}"`;
  if (!isSet(runtime)) {
    report(
      `${what} sets no runtime, which a .zip function needs; set runtime to one of allowedRuntimes ${show(allowedRuntimes)}.`,
    );
    return;
  }
  if (typeof runtime === "string" && allowedRuntimes.includes(runtime)) return;
  // The allowed runtimes of the same language first: moving to one of them is the smaller change.
  const language = typeof runtime === "string" ? (/^[a-z]+/.exec(runtime)?.[0] ?? "") : "";
  const sameLanguage = allowedRuntimes.filter((allowed) => language !== "" && allowed.startsWith(language));
  report(
    `${what}: runtime ${show(runtime)} is not one of allowedRuntimes ${show(allowedRuntimes)}, the runtimes Lambda still patches; move the function to ${sameLanguage.length > 0 ? `one of ${show(sameLanguage)}` : "one of them"}.`,
  );
});

/**
 * Requires every Lambda function of the stack that is deployed as a .zip archive to run on a
 * runtime of `allowedRuntimes`: by default the Python and Node.js runtimes Lambda still supports
 * ({@link SUPPORTED_RUNTIMES}). Lambda deprecates a runtime when its language version or operating
 * system stops getting security updates; a function left on it keeps running, unpatched, and can
 * no longer be updated once updates are blocked
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html). Update the list as Lambda
 * adds and deprecates runtimes, or per stack in the pack config (e.g. to allow an OS-only runtime
 * such as provided.al2023).
 *
 * This is Security Hub control Lambda.2 ("Lambda functions should use supported runtimes", checked
 * by lambda-function-settings-check with its `runtime` parameter), which likewise does not judge
 * functions deployed as container images (`packageType` Image): their runtime is in the image
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/lambda-controls.html,
 * https://docs.aws.amazon.com/config/latest/developerguide/lambda-function-settings-check.html).
 *
 * During preview: an unknown runtime or package type is assumed to comply and checked when known.
 */
export const requireLambdaSupportedRuntimes = resourceRule({
  name: "require-lambda-supported-runtimes",
  description:
    "Requires every Lambda function deployed as a .zip archive to run on a runtime of allowedRuntimes, the runtimes Lambda still supports.",
  severity: "medium",
  controls: ["Lambda.2"],
  config: {
    allowedRuntimes: {
      type: "array",
      items: { type: "string", minLength: 1 },
      minItems: 1,
      description: "Lambda runtime identifiers .zip functions may use, e.g. python3.12.",
      default: [...SUPPORTED_RUNTIMES],
    },
  },
  validateResource: lambdaFunction,
});
