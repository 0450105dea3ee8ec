/** What every stack has once or per model: its KMS key, secure buckets and alert topics. */
export { AlertTopic, alertTopicFootprint } from "./alertTopic";
export type { AlertTopicArgs } from "./alertTopic";
export { alertTopicPolicy } from "./alertTopicPolicy";
export { PlatformKey, platformKeyFootprint } from "./platformKey";
export type { PlatformKeyArgs } from "./platformKey";
export { platformKeyPolicy } from "./platformKeyPolicy";
export type { KeyConsumers, KeyPolicyScope } from "./platformKeyPolicy";
export { SecureBucket, secureBucketFootprint } from "./secureBucket";
export type { SecureBucketArgs } from "./secureBucket";
export { secureBucketPolicy, tlsOnlyBucketPolicy } from "./secureBucketPolicy";
export type { BucketReaders } from "./secureBucketPolicy";
