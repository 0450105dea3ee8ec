import { policyDocument, PolicyDocument } from "../shared/policyDocument";

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
