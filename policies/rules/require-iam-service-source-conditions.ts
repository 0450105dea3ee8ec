import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import { arnGlob } from "../lib/arnPatterns";
import {
  Condition,
  DocumentStatement,
  locate,
  parsePolicyDocument,
  permissionStatementsOf,
  RESOURCE_DOCUMENT_TYPES,
  Statement,
  trustPolicyOf,
} from "../lib/iamDocuments";
import { isAccountId, servicePrincipals, whomNamed } from "../lib/principalAccounts";
import { resourceRule, show } from "../lib/rule";
import { UNKNOWN } from "../lib/sagemakerValues";

interface Config {
  readonly exemptServices: readonly string[];
  readonly sourceArnKeys: readonly string[];
}

const SOURCE_KEYS = ["aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths"];

/** Whether a service principal matches one of `patterns` (globs, compared in lower case). */
const matches = (service: string, patterns: readonly string[]) =>
  patterns.some((pattern) => arnGlob(pattern.toLowerCase()).test(service.toLowerCase()));

/**
 * Whether a condition names the source a service acts for: an organization (no wildcard in its
 * id), 12-digit accounts, or ARNs that each name an account without wildcards. An S3 bucket's ARN
 * names no account: with it, `aws:SourceAccount` is needed too.
 */
function namesSource(condition: Condition, config: Config): boolean {
  const key = condition.key.toLowerCase();
  const arnKeys = config.sourceArnKeys;
  const named =
    SOURCE_KEYS.some((sourceKey) => sourceKey.toLowerCase() === key) ||
    arnKeys.some((arnKey) => arnGlob(arnKey.toLowerCase()).test(key));
  const whom = named ? whomNamed(condition, arnKeys) : undefined;
  if (whom === undefined) return false;
  if (whom.kind === "organization") return true;
  return whom.complete && whom.accounts.length > 0 && whom.accounts.every(isAccountId);
}

/** The services of an Allow statement that act with no condition naming their source. */
function unboundServices(statement: Statement, config: Config): string[] {
  if (!statement.allows) return [];
  if (statement.conditions.some((condition) => namesSource(condition, config))) return [];
  return servicePrincipals(statement).filter((service) => !matches(service, config.exemptServices));
}

function check(found: DocumentStatement, config: Config, report: ReportViolation): void {
  const services = unboundServices(found.statement, config);
  if (services.length === 0) return;
  report(
    `${locate(found)}: lets ${services.map((service) => `"${service}"`).join(", ")} act with no condition on ${[...SOURCE_KEYS.slice(0, 3), ...config.sourceArnKeys].join(", ")} naming the stack's account or resources, so the service can be made to act for another account's resources (confused deputy); add {"StringEquals": {"aws:SourceAccount": "<account id>"}}, and an ArnLike aws:SourceArn naming the resources it acts for where the service sends it.`,
  );
}

const LAMBDA_PERMISSION = "aws:lambda/permission:Permission";

/** A prop read through the engine's proxy; {@link UNKNOWN} while it is unknown (during preview). */
function read(props: Record<string, unknown>, prop: string): unknown {
  try {
    return props[prop];
  } catch (error) {
    if (error instanceof UnknownValueError) return UNKNOWN;
    throw error;
  }
}

/**
 * A Lambda permission for a service: its `sourceAccount`, or a `sourceArn` that names an account,
 * as Lambda writes aws:SourceAccount and aws:SourceArn. A `sourceArn` unknown during preview (a
 * rule's ARN) is taken to name the stack's: it is checked again at `pulumi up`.
 */
function checkLambdaPermission(
  name: string,
  props: Record<string, unknown>,
  config: Config,
  report: ReportViolation,
) {
  const principal = props.principal;
  if (typeof principal !== "string" || !principal.endsWith(".amazonaws.com")) return;
  if (matches(principal, config.exemptServices)) return;
  const sourceAccount = read(props, "sourceAccount");
  if (sourceAccount === UNKNOWN || (typeof sourceAccount === "string" && isAccountId(sourceAccount))) return;
  const sourceArn = read(props, "sourceArn");
  if (sourceArn === UNKNOWN) return;
  const conditions: Condition[] =
    typeof sourceArn === "string" && sourceArn !== ""
      ? [{ operator: "ArnLike", key: "aws:SourceArn", values: [sourceArn] }]
      : [];
  if (conditions.some((condition) => namesSource(condition, config))) return;
  const found =
    typeof sourceArn === "string" && sourceArn !== ""
      ? `sourceArn ${show(sourceArn)} names no account`
      : "neither sourceAccount nor sourceArn is set";
  report(
    `Lambda permission "${name}": principal "${principal}" may invoke the function and ${found}, so the service can be made to invoke it for another account's resources (confused deputy); set sourceAccount to the stack's account, and sourceArn to the resource that invokes it.`,
  );
}

/**
 * Requires every role trust policy and resource policy statement that lets an AWS service act
 * (`"Principal": {"Service": ...}`) to name whom the service acts for, so that it cannot be made
 * a confused deputy: a positive condition (StringEquals, StringLike, ArnEquals, ArnLike) on
 * `aws:SourceAccount` (12-digit accounts), `aws:SourceArn` (ARNs that each name an account without
 * wildcards: an S3 bucket's names none), `aws:SourceOrgID` or `aws:SourceOrgPaths`; a Lambda
 * permission's `sourceAccount` or `sourceArn`. Which accounts it names is
 * restrict-iam-resource-principals' and restrict-iam-trust-principals' part (`trustedAccounts`).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html#cross-service-confused-deputy-prevention
 *
 * In key policies, the services that encrypt for a resource put its ARN in the encryption
 * context (`kms:EncryptionContext:aws:logs:arn`, `...:aws:sns:topicArn`, `...:aws:sqs:arn`), and AWS
 * documents conditions on it to keep a key to one account's resources: keys matching
 * `sourceArnKeys` are accepted like aws:SourceArn, with ARNs that name an account.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/encrypt_context.html
 *
 * Services that send none are exempt (`exemptServices`). By default Lambda
 * (`lambda.amazonaws.com`) assuming a function's execution role: AWS documents the execution role's
 * trust as the service principal alone and `aws:SourceArn` only for policies where the function is
 * the resource invoked, and a source condition on the execution role's trust has been seen to stop
 * functions in a VPC from being created.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
 * https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html
 * https://github.com/aws/aws-parallelcluster/pull/6926
 * Services that do send them include SageMaker (role trust, https://docs.aws.amazon.com/sagemaker/latest/dg/security-confused-deputy-prevention.html),
 * EventBridge and EventBridge Scheduler (role trust and target policies), CloudWatch alarms and
 * S3 event notifications (topic, queue and function policies).
 *
 * During preview: a document that is unknown is read through the engine's proxy, so the engine
 * reports "can't run policy ... during preview" for the resource; it is checked at `pulumi up`.
 */
export const requireIamServiceSourceConditions = resourceRule({
  name: "require-iam-service-source-conditions",
  description:
    "Role trust and resource policy statements that let an AWS service act must name whom it acts for with aws:SourceAccount, aws:SourceArn or aws:SourceOrgID.",
  severity: "high",
  config: {
    exemptServices: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: ["lambda.amazonaws.com"],
      description: "Service principals (globs) that send no source key, whose statements are not checked.",
    },
    sourceArnKeys: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: ["kms:EncryptionContext:aws:*"],
      description:
        "Condition keys (globs) whose values are ARNs of the resources a service acts for, accepted like aws:SourceArn.",
    },
  },
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    const config = args.getConfig<Config>();
    if (args.type === LAMBDA_PERMISSION) {
      checkLambdaPermission(args.name, args.props, config, report);
      return;
    }
    const trust = trustPolicyOf(args.type, args.name, args.props);
    if (trust) {
      for (const statement of parsePolicyDocument(trust.raw).statements)
        check({ document: trust, statement }, config, report);
      return;
    }
    // Identity documents have no principal: they are not read at all, so an unknown one never defers.
    if (!RESOURCE_DOCUMENT_TYPES.includes(args.type)) return;
    for (const found of permissionStatementsOf(args.type, args.name, args.props))
      check(found, config, report);
  },
});
