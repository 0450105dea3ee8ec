import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * AWS's prebuilt SageMaker images the platform's jobs run in, matching the libraries `ml/` is
 * tested with (the scikit-learn 1.2-1 and XGBoost 1.7-1 containers).
 */
export const PREBUILT_IMAGES = {
  sklearn: { repositoryName: "sagemaker-scikit-learn", imageTag: "1.2-1-cpu-py3" },
  xgboost: { repositoryName: "sagemaker-xgboost", imageTag: "1.7-1" },
  // AWS publishes the Model Monitor analyzer under the `latest` tag only, so it cannot be pinned.
  modelMonitor: { repositoryName: "sagemaker-model-monitor-analyzer", imageTag: "latest" },
} as const;

export type PrebuiltImageName = keyof typeof PREBUILT_IMAGES;

/** One of AWS's prebuilt images in the stack's region. */
export interface PrebuiltImage {
  /** The image URI jobs run (`<registry>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`). */
  readonly uri: pulumi.Input<string>;
  /** Its ECR repository, which a role may pull from. */
  readonly repositoryArn: pulumi.Input<string>;
}

/**
 * Where the stack deploys: looked up once per stack and handed to every component, so that a
 * stack of any number of models makes the same few provider calls (each caller-identity look-up
 * is an STS call under the Pulumi CLI).
 */
export interface AccountContext {
  readonly partition: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  /** AWS's prebuilt images in the region; in AWS's regions the analyzer has a registry account of its own. */
  readonly images: Readonly<Record<PrebuiltImageName, PrebuiltImage>>;
}

/** Looks up the stack's partition, region, account and prebuilt images: six provider calls in all. */
export function lookupAccountContext(opts?: pulumi.InvokeOutputOptions): AccountContext {
  const partition = aws.getPartitionOutput({}, opts).partition;
  const image = (name: PrebuiltImageName): PrebuiltImage => {
    const found = aws.sagemaker.getPrebuiltEcrImageOutput(PREBUILT_IMAGES[name], opts);
    return {
      uri: found.registryPath,
      repositoryArn: pulumi.interpolate`arn:${partition}:ecr:${found.region}:${found.registryId}:repository/${found.repositoryName}`,
    };
  };
  return {
    partition,
    region: aws.getRegionOutput({}, opts).region,
    accountId: aws.getCallerIdentityOutput({}, opts).accountId,
    images: { sklearn: image("sklearn"), xgboost: image("xgboost"), modelMonitor: image("modelMonitor") },
  };
}
