/** ARNs the platform derives from what it is given. */

/** An ECR image URI: by tag or by digest, in any partition. */
const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._/-]+?)(?::[\w.-]+|@sha256:[0-9a-f]{64})?$/;

/** `<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` → the repository's ARN. */
export function ecrRepositoryArn(partition: string, image: string): string {
  const match = ECR_IMAGE.exec(image);
  if (!match) throw new Error(`"${image}" is not an Amazon ECR image URI; SageMaker only pulls from ECR`);
  const [, registry, region, repository] = match;
  return `arn:${partition}:ecr:${region}:${registry}:repository/${repository}`;
}
