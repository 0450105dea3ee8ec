import * as path from "node:path";
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { lambdaCode } from "./lambdaPackage";

/**
 * What every Python function of the platform shares: the runtime its handlers and Debian's boto3
 * in the tests both run, Graviton (arm64, the cheaper architecture for the same work), the
 * deployment package of `lambdaCode`, and text logs to the log group the stack creates for it
 * (`functionLogGroup`). The handler is `handler` in the handler file's module.
 */
export function pythonFunctionArgs(handlerFile: string, logGroupName: pulumi.Input<string>) {
  return {
    runtime: aws.lambda.Runtime.Python3d12,
    architectures: ["arm64"],
    handler: `${path.basename(handlerFile, ".py")}.handler`,
    code: lambdaCode(handlerFile),
    loggingConfig: { logFormat: "Text", logGroup: logGroupName },
  };
}

export interface FunctionLogGroupArgs {
  /** The stack key: logs may hold what the function saw. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /**
   * One of CloudWatch Logs' periods (`LOG_RETENTION_PERIODS`), checked by the calling component:
   * the stack's `storage.logRetentionDays`.
   */
  readonly retentionInDays: number;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The function's log group, `/aws/lambda/<functionName>`, created by the stack with retention and
 * the stack key before the function runs: otherwise Lambda creates it on first use, kept forever
 * and unencrypted by the key.
 */
export function functionLogGroup(
  resourceName: string,
  functionName: string,
  args: FunctionLogGroupArgs,
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.LogGroup {
  return new aws.cloudwatch.LogGroup(
    resourceName,
    {
      name: `/aws/lambda/${functionName}`,
      retentionInDays: args.retentionInDays,
      kmsKeyId: args.kmsKeyArn,
      tags: args.tags,
    },
    opts,
  );
}
