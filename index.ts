import { platform } from "./program";
import { createSageMakerClient } from "./registry/client";
import { EXPECTED_PACKAGES_VARIABLE, parseExpectedPackages } from "./registry/expectedPackages";
import { readLiveFleet } from "./registry/liveEndpoints";
import { resolveModelPackage } from "./registry/modelPackages";
import { loadAwsSettings } from "./stacks/load";

/**
 * The stack as `pulumi preview` and `pulumi up` run it: endpoints serve what the model registry holds,
 * and a new endpoint configuration starts with as many instances as the live fleet runs.
 */
export = async () => {
  const sagemaker = createSageMakerClient(loadAwsSettings());
  return platform({
    resolve: (request) => resolveModelPackage(sagemaker, request),
    liveFleet: (endpointName) => readLiveFleet(sagemaker, endpointName),
    // Set by the promotion workflow: a serving stack deploys exactly the version that was verified.
    expectedPackages: parseExpectedPackages(process.env[EXPECTED_PACKAGES_VARIABLE]),
  });
};
