import {
  DescribeEndpointCommand,
  DescribeModelCommand,
  EndpointStatus,
  type DescribeEndpointCommandOutput,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { awsError, callAws, isNotFound } from "./awsErrors";

/**
 * Endpoint statuses in which the configuration an endpoint runs is about to change, or to go: what
 * it uses cannot be judged (verify) nor cleaned up (cleanup) until it is InService again.
 */
export const CHANGING_STATUSES: readonly string[] = [
  EndpointStatus.CREATING,
  EndpointStatus.UPDATING,
  EndpointStatus.SYSTEM_UPDATING,
  EndpointStatus.ROLLING_BACK,
  EndpointStatus.DELETING,
];

/**
 * DescribeEndpoint, or undefined when the endpoint does not exist (never deployed, or destroyed):
 * for verify a finding, for cleanup an endpoint that uses nothing.
 *
 * @throws OpsError 4 when the request fails for another reason.
 */
export async function describeEndpointIfAny(
  client: SageMakerClient,
  name: string,
): Promise<DescribeEndpointCommandOutput | undefined> {
  try {
    return await client.send(new DescribeEndpointCommand({ EndpointName: name }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw awsError(error, {
      action: `describe endpoint "${name}"`,
      permission: "sagemaker:DescribeEndpoint on the endpoint",
    });
  }
}

/** The model package a SageMaker model was created from, or a description of what it serves instead. */
export async function servedPackage(client: SageMakerClient, modelName: string): Promise<string> {
  const model = await callAws(
    {
      action: `describe model "${modelName}"`,
      permission: "sagemaker:DescribeModel on the endpoint's models",
    },
    () => client.send(new DescribeModelCommand({ ModelName: modelName })),
  );
  const containers = [
    ...(model.PrimaryContainer ? [model.PrimaryContainer] : []),
    ...(model.Containers ?? []),
  ];
  const packages = containers.flatMap((container) =>
    container.ModelPackageName ? [container.ModelPackageName] : [],
  );
  return packages[0] ?? `no model package (image ${containers[0]?.Image ?? "none"})`;
}
