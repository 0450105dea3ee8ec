import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  ListTagsCommand,
  type DescribeEndpointCommandOutput,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { CONFIGURATION_DIGEST_TAG, type LiveFleet, type LiveVariant } from "../components/endpoint/fleet";
import { describeAwsError, ModelPackageLookupError } from "./errors";
import { isNotFound } from "./notFound";

/**
 * Reads the live fleet of an endpoint by its name: what the program sizes a new configuration from
 * (`size`), or whether an endpoint the plan leaves out is serving (`guard`).
 */
export type LiveFleetReader = (endpointName: string, purpose: "size" | "guard") => Promise<LiveFleet>;

const PERMISSION =
  "sagemaker:DescribeEndpoint, sagemaker:DescribeEndpointConfig and sagemaker:ListTags on the stack's " +
  "endpoints and endpoint configurations (arn:aws:sagemaker:<region>:<account>:endpoint/<namePrefix>-* " +
  "and endpoint-config/<namePrefix>-*)";

/**
 * The live endpoint's variants (the instances each runs or is scaling to), the configuration it
 * runs, that configuration's instance counts and its digest tag.
 *
 * @returns `{ source: "none" }` when the endpoint does not exist yet (a first deploy).
 * @throws ModelPackageLookupError, naming the permission, when a request fails for another reason.
 */
export async function readLiveFleet(client: SageMakerClient, endpointName: string): Promise<LiveFleet> {
  const what = `endpoint "${endpointName}" (the live fleet a new endpoint configuration starts with)`;
  const send = async <T>(request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      throw new ModelPackageLookupError(describeAwsError(error, what, PERMISSION), { cause: error });
    }
  };
  let endpoint: DescribeEndpointCommandOutput;
  try {
    endpoint = await client.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  } catch (error) {
    if (isNotFound(error)) return { source: "none" };
    throw new ModelPackageLookupError(describeAwsError(error, what, PERMISSION), { cause: error });
  }
  const configName = endpoint.EndpointConfigName ?? "";
  const config = await send(() =>
    client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })),
  );
  const tags =
    config.EndpointConfigArn === undefined
      ? []
      : ((await send(() => client.send(new ListTagsCommand({ ResourceArn: config.EndpointConfigArn }))))
          .Tags ?? []);
  const digest = tags.find((tag) => tag.Key === CONFIGURATION_DIGEST_TAG)?.Value;
  const variants = (endpoint.ProductionVariants ?? []).map((variant): LiveVariant => {
    const configured = config.ProductionVariants?.find(
      (candidate) => candidate.VariantName === variant.VariantName,
    )?.InitialInstanceCount;
    // While the autoscaler scales out, Desired is where the fleet is going; while it scales in,
    // Current is what still serves. The larger one never starts a new fleet short of capacity.
    const counts = [variant.CurrentInstanceCount, variant.DesiredInstanceCount].filter(
      (count): count is number => count !== undefined,
    );
    return {
      name: variant.VariantName ?? "",
      ...(counts.length === 0 ? {} : { instanceCount: Math.max(...counts) }),
      ...(configured === undefined ? {} : { configuredInstanceCount: configured }),
    };
  });
  return {
    source: "endpoint",
    endpoint: {
      endpointConfigName: configName,
      ...(digest === undefined ? {} : { configurationDigest: digest }),
      variants,
    },
  };
}
