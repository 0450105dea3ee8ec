/** `s3://bucket` or `s3://bucket/prefix`, with a valid bucket name; shared by config and components. */
export const S3_URI_PATTERN = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/;

/**
 * The bucket and key of `s3://bucket/key`; the key as written (`""` for the bucket itself).
 * @throws when `uri` is not an S3 URI.
 */
export function splitS3Uri(uri: string): { readonly bucket: string; readonly key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`"${uri}" is not an S3 URI`);
  return { bucket: match[1], key: match[2] };
}

/**
 * The folder of the object `uri` names, as an IAM resource pattern of everything in it
 * (`s3://b/models/1/model.tar.gz` → `arn:<partition>:s3:::b/models/1/*`).
 * @throws when `uri` names no object (`s3://bucket` alone).
 */
export function s3FolderArn(partition: string, uri: string): string {
  const { bucket, key } = splitS3Uri(uri);
  if (!uri.startsWith(`s3://${bucket}/`)) throw new Error(`"${uri}" is not an S3 URI`);
  const folder = key.includes("/") ? key.slice(0, key.lastIndexOf("/") + 1) : "";
  return `arn:${partition}:s3:::${bucket}/${folder}*`;
}
