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
