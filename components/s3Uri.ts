/** `s3://bucket` or `s3://bucket/prefix`, with a valid bucket name; shared by config and components. */
export const S3_URI_PATTERN = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/;
