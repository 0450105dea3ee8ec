import assert from "node:assert/strict";
import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  type ProductionVariantInstanceType,
  type SageMakerClient,
  type Tag,
} from "@aws-sdk/client-sagemaker";
import * as pulumi from "@pulumi/pulumi";
import { ModelPackageLookupError } from "../../registry/errors";

/**
 * A SageMaker model as ModelEndpoint creates one for a variant: from a model package, with the
 * model role, tagged like the stack's resources.
 */
export function createServedModel(
  client: SageMakerClient,
  model: {
    readonly name: string;
    readonly packageArn: string;
    readonly roleArn?: string;
    readonly tags?: readonly Tag[];
  },
) {
  return client.send(
    new CreateModelCommand({
      ModelName: model.name,
      ExecutionRoleArn: model.roleArn ?? "arn:aws:iam::123456789012:role/mlops-test-model-role",
      PrimaryContainer: { ModelPackageName: model.packageArn },
      ...(model.tags === undefined ? {} : { Tags: [...model.tags] }),
    }),
  );
}

/** An endpoint configuration with one production variant `primary` serving `modelName`. */
export function createPrimaryConfig(
  client: SageMakerClient,
  config: {
    readonly name: string;
    readonly modelName: string;
    readonly instanceType?: ProductionVariantInstanceType;
    readonly instanceCount?: number;
    readonly tags?: readonly Tag[];
  },
) {
  return client.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: config.name,
      ProductionVariants: [
        {
          VariantName: "primary",
          ModelName: config.modelName,
          InstanceType: config.instanceType ?? "ml.t2.medium",
          InitialInstanceCount: config.instanceCount ?? 1,
        },
      ],
      ...(config.tags === undefined ? {} : { Tags: [...config.tags] }),
    }),
  );
}

/** What the proxy of motoServer.ts answers for SageMaker throttling: HTTP 400 with the JSON error type. */
export const THROTTLED = {
  respond: { status: 400, body: { __type: "ThrottlingException", message: "Rate exceeded" } },
} as const;

/** Expects a ModelPackageLookupError (a Pulumi RunError, printed without a stack trace) with exactly this message. */
export async function rejectsWithLookupError(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ModelPackageLookupError, `not a ModelPackageLookupError: ${String(error)}`);
    assert.ok(pulumi.RunError.isInstance(error));
    assert.equal(error.message, message);
    return true;
  });
}
