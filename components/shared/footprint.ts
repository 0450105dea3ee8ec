import type * as pulumi from "@pulumi/pulumi";

/** A role that a resource hands to an AWS service, which then acts as that role (`iam:PassRole`). */
export interface PassedRole {
  /** The service the role is passed to (`iam:PassedToService`), e.g. `sagemaker.amazonaws.com`. */
  readonly service: string;
  readonly roleArn: pulumi.Input<string>;
  /**
   * The role's physical name where the component fixes it: the deploy policy is sized with it
   * rather than with the longest name IAM allows. @default unknown (an auto-named role)
   */
  readonly roleName?: string;
}

/**
 * What a component deploys, as far as the stack's deploy role is concerned: the Pulumi types of
 * the custom resources it creates and the roles it hands to services. Each component states its
 * own from its arguments, so that the deploy role's permissions are a product of the stack's
 * configuration and components, whatever order they are created in; the components' tests check
 * each footprint against what the component really registers.
 */
export interface DeployFootprint {
  /** Pulumi types, e.g. `aws:sagemaker/model:Model`, each once. */
  readonly types: readonly string[];
  readonly passedRoles: readonly PassedRole[];
}

/** Several footprints as one: each type once, the roles in the order given. */
export function combineFootprints(...footprints: readonly DeployFootprint[]): DeployFootprint {
  return {
    types: [...new Set(footprints.flatMap((footprint) => footprint.types))],
    passedRoles: footprints.flatMap((footprint) => footprint.passedRoles),
  };
}

/** The Pulumi types of the AWS resources the components create, named once. */
export const TYPES = {
  kmsKey: "aws:kms/key:Key",
  kmsAlias: "aws:kms/alias:Alias",
  bucket: "aws:s3/bucket:Bucket",
  bucketOwnershipControls: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  bucketPublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketVersioning: "aws:s3/bucketVersioning:BucketVersioning",
  bucketEncryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  bucketLifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  bucketObject: "aws:s3/bucketObjectv2:BucketObjectv2",
  bucketLogging: "aws:s3/bucketLogging:BucketLogging",
  topic: "aws:sns/topic:Topic",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  topicSubscription: "aws:sns/topicSubscription:TopicSubscription",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  managedPolicy: "aws:iam/policy:Policy",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  oidcProvider: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  modelPackageGroup: "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
  modelPackageGroupPolicy: "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy",
  pipeline: "aws:sagemaker/pipeline:Pipeline",
  model: "aws:sagemaker/model:Model",
  endpointConfiguration: "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
  endpoint: "aws:sagemaker/endpoint:Endpoint",
  dataQualityJobDefinition: "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
  monitoringSchedule: "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  eventRule: "aws:cloudwatch/eventRule:EventRule",
  eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
  eventConnection: "aws:cloudwatch/eventConnection:EventConnection",
  eventApiDestination: "aws:cloudwatch/eventApiDestination:EventApiDestination",
  queue: "aws:sqs/queue:Queue",
  queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
  scalingTarget: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
  lambdaFunction: "aws:lambda/function:Function",
  lambdaPermission: "aws:lambda/permission:Permission",
  bucketNotification: "aws:s3/bucketNotification:BucketNotification",
  eventBus: "aws:cloudwatch/eventBus:EventBus",
  eventBusPolicy: "aws:cloudwatch/eventBusPolicy:EventBusPolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  schedule: "aws:scheduler/schedule:Schedule",
} as const;

/** SageMaker assumes the roles of pipelines, models and monitoring jobs. */
export const SAGEMAKER_SERVICE = "sagemaker.amazonaws.com";
/** Lambda assumes a function's execution role (`role`). */
export const LAMBDA_SERVICE = "lambda.amazonaws.com";
/** EventBridge Scheduler assumes a schedule's target role (`target.roleArn`). */
export const SCHEDULER_SERVICE = "scheduler.amazonaws.com";
/** EventBridge assumes a rule target's role, and delivers to functions and queues as itself. */
export const EVENTBRIDGE_SERVICE = "events.amazonaws.com";
