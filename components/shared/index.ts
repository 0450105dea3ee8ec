/** Pieces every capability uses, and `stacks/` and `policies/` too. */
export * from "./account";
export * from "./arn";
export * from "./containers";
export * from "./footprint";
export * from "./names";
export * from "./policyDocument";
export * from "./s3Uri";
export * from "./vpc";
export * from "./sourceKeys";
