import { policyDocument, PolicyDocument } from "../shared/policyDocument";

/** Other accounts that may read some of a bucket's objects. */
export interface BucketReaders {
  /** Accounts (12 digits) whose principals may read; each account's own IAM policies then decide which. */
  readonly accounts: readonly string[];
  /** Keys of the objects they may read, IAM wildcards allowed (e.g. `pipelines/*`); at least one. */
  readonly keyPatterns: readonly string[];
}

/**
 * Refuses every request to the bucket that does not use TLS, for every principal: encryption at
 * rest is of little use if the data crosses the network in the clear.
 */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
  return policyDocument({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  });
}

/**
 * Policy of a secure bucket: the TLS-only denial and, for each of `readers`' accounts, reading
 * (`s3:GetObject`) the objects whose keys match its patterns, over TLS only. Without readers it is
 * exactly {@link tlsOnlyBucketPolicy}.
 */
export function secureBucketPolicy(bucketArn: string, readers?: BucketReaders): PolicyDocument {
  const tlsOnly = tlsOnlyBucketPolicy(bucketArn);
  if (readers === undefined || readers.accounts.length === 0) return tlsOnly;
  // A bucket ARN names its partition (arn:<partition>:s3:::<bucket>), which the principals share.
  const partition = bucketArn.split(":")[1];
  return policyDocument(...tlsOnly.Statement, {
    Sid: "OtherAccountsReadObjects",
    Effect: "Allow",
    Principal: { AWS: readers.accounts.map((account) => `arn:${partition}:iam::${account}:root`) },
    Action: "s3:GetObject",
    Resource: readers.keyPatterns.map((pattern) => `${bucketArn}/${pattern}`),
    // The denial above already refuses plain HTTP; the grant says so itself, should it ever be read alone.
    Condition: { Bool: { "aws:SecureTransport": "true" } },
  });
}
