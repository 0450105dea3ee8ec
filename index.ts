import { platform } from "./program";
import { createSageMakerClient } from "./registry/client";
import { resolveModelPackage } from "./registry/modelPackages";
import { loadAwsSettings } from "./stacks/load";

/** The stack as `pulumi preview` and `pulumi up` run it: endpoints serve what the model registry holds. */
export = async () => {
  const sagemaker = createSageMakerClient(loadAwsSettings());
  return platform({ resolve: (request) => resolveModelPackage(sagemaker, request) });
};
