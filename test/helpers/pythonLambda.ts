import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { lambdaPackageFiles } from "../../components/shared/lambdaPackage";
import { PYTHON } from "./python";

/**
 * Runs a Python Lambda handler the way Lambda would call it, against a local AWS API (a moto
 * server): one interpreter per batch of steps, so that a test pays the start-up and the boto3
 * import once. A step invokes the handler with an event, makes one boto3 call of the test's own
 * (to put objects before, or read queues and metrics after), or sets a name of the handler's module.
 * The handler runs from a folder with the files of its deployment package and nothing else, so
 * that a module the package lacks fails the tests as it would fail in Lambda.
 *
 * The interpreter is the tests' ({@link PYTHON}); it needs boto3 (Debian: python3-boto3).
 */

/** One step of a batch. */
export type LambdaStep =
  /** Calls the handler with this event. */
  | { readonly invoke: unknown }
  /** A boto3 client call of the test: `[service, method, parameters]`, e.g. `["s3", "put_object", {...}]`. */
  | { readonly call: readonly [string, string, Readonly<Record<string, unknown>>?] }
  /**
   * Sets module-level names of the handler's module for the rest of the batch, e.g. a smaller
   * batch size, so that a limit of the real API can be exercised with a handful of items.
   */
  | { readonly set: Readonly<Record<string, unknown>> };

/**
 * Stands, in an event or in call parameters, for part of an earlier step's result, e.g.
 * `resultOf(0, "TopicArn")` for the ARN that step 0's `create_topic` returned.
 */
export function resultOf(step: number, ...path: readonly (string | number)[]): unknown {
  return { $result: [step, ...path] };
}

/** An AWS API call the handler made, with its parameters as the handler passed them. */
export interface AwsCall {
  /** Service as boto3's events name it: `s3`, `cloudwatch`, `sns`. */
  readonly service: string;
  /** Operation: `ListObjectsV2`, `PutMetricData`. */
  readonly operation: string;
  /** Parameters; bytes and other values JSON cannot hold are replaced by `<type>`. */
  readonly params: Readonly<Record<string, unknown>>;
}

/** What a step did. */
export interface StepOutcome {
  /**
   * What the handler returned, or the response of a call (without ResponseMetadata; streaming
   * bodies read as UTF-8 text, times as ISO strings).
   */
  readonly result?: unknown;
  /** The exception it raised instead. */
  readonly error?: { readonly type: string; readonly message: string };
  /** What the handler printed. */
  readonly stdout: string;
  /** The AWS calls the handler made (none for a call step). */
  readonly calls: readonly AwsCall[];
}

export interface LambdaHandler {
  /** The handler's Python file. */
  readonly file: string;
  /** Its function, e.g. `handler`. */
  readonly name: string;
}

/**
 * The batch runner. The handler's calls and the test's go through boto3's default session (which
 * loads each service's model once); its events record the calls made while the handler runs.
 */
const DRIVER = `
import contextlib, datetime, importlib, io, json, os, sys
import boto3

# As Lambda loads "<module>.<function>": the module by its name, from its folder.
path, name = sys.argv[1], sys.argv[2]
steps = json.load(sys.stdin)
sys.path.insert(0, os.path.dirname(path))
module = importlib.import_module(os.path.splitext(os.path.basename(path))[0])
function = getattr(module, name)

boto3.setup_default_session()
recorded = []
recording = False

def record(event_name, params, **_):
    if not recording:
        return
    service, operation = event_name.split(".")[1:3]
    copy = json.loads(json.dumps(params, default=lambda value: "<%s>" % type(value).__name__))
    recorded.append({"service": service, "operation": operation, "params": copy})

boto3.DEFAULT_SESSION.events.register("before-parameter-build", record)
clients = {}

def plain(value):
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if hasattr(value, "read"):
        return value.read().decode("utf-8")
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value

def resolve(value):
    """Replaces each {"$result": [step, key, ...]} by that part of an earlier step's result."""
    if isinstance(value, dict):
        if set(value) == {"$result"}:
            index, *path = value["$result"]
            found = outcomes[index]["result"]
            for part in path:
                found = found[part]
            return found
        return {key: resolve(item) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item) for item in value]
    return value

outcomes = []
for step in steps:
    recorded.clear()
    printed = io.StringIO()
    outcome = {}
    try:
        if "set" in step:
            for key, value in step["set"].items():
                if not hasattr(module, key):
                    raise AttributeError("the module has no %s to set" % key)
                setattr(module, key, value)
        elif "invoke" in step:
            recording = True
            try:
                with contextlib.redirect_stdout(printed):
                    outcome["result"] = function(resolve(step["invoke"]), None)
            finally:
                recording = False
        else:
            service, method, params = resolve(list(step["call"]) + [{}])[:3]
            if service not in clients:
                clients[service] = boto3.client(service, endpoint_url=os.environ["AWS_ENDPOINT_URL"])
            outcome["result"] = plain(getattr(clients[service], method)(**params))
    except Exception as error:
        outcome["error"] = {"type": type(error).__name__, "message": str(error)}
    outcome["stdout"] = printed.getvalue()
    outcome["calls"] = list(recorded)
    outcomes.append(outcome)
json.dump(outcomes, sys.stdout)
`;

/** Environment of the interpreter: the moto server, test credentials, and no configuration of this machine's. */
function lambdaEnvironment(endpoint: string, extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("AWS_")),
  );
  return {
    ...inherited,
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONIOENCODING: "utf-8",
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

/** A temporary folder laid out as the handler's deployment package; returns the handler's copy. */
function packageFolder(handlerFile: string): { readonly folder: string; readonly handlerCopy: string } {
  const folder = mkdtempSync(path.join(tmpdir(), "lambda-package-"));
  for (const [name, file] of Object.entries(lambdaPackageFiles(handlerFile))) {
    copyFileSync(file, path.join(folder, name));
  }
  return { folder, handlerCopy: path.join(folder, path.basename(handlerFile)) };
}

/** Runs `steps` in one interpreter, in order, and returns what each did. */
export function runLambdaSteps(
  handler: LambdaHandler,
  steps: readonly LambdaStep[],
  options: { readonly endpoint: string; readonly env?: Readonly<Record<string, string>> },
): Promise<StepOutcome[]> {
  return new Promise((resolve, reject) => {
    const { folder, handlerCopy } = packageFolder(handler.file);
    const child = execFile(
      PYTHON,
      ["-c", DRIVER, handlerCopy, handler.name],
      {
        encoding: "utf8",
        env: lambdaEnvironment(options.endpoint, options.env ?? {}),
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        rmSync(folder, { recursive: true, force: true });
        if (error) {
          const reason = typeof error.code === "number" ? `exit code ${error.code}` : error.message;
          reject(new Error(`${PYTHON} could not run the steps of ${handler.file} (${reason}):\n${stderr}`));
          return;
        }
        resolve(JSON.parse(stdout) as StepOutcome[]);
      },
    );
    child.stdin?.end(JSON.stringify(steps));
  });
}

/** Fails with a helpful message when the interpreter cannot import boto3. */
export function checkBoto3(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ["-c", "import boto3"], { encoding: "utf8" }, (error, _stdout, stderr) => {
      if (error) {
        reject(
          new Error(
            `${PYTHON} cannot import boto3, which the Lambda handlers' tests need: ${stderr.trim()}. ` +
              "On Debian: apt-get install python3-boto3; or set ML_TEST_PYTHON to an interpreter that has it.",
          ),
        );
        return;
      }
      resolve();
    });
  });
}
