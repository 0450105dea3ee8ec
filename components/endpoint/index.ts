/** Real-time inference: a model's registry versions served by a SageMaker endpoint, with its alarms and autoscaling. */
export { alarmName, variantAlarms } from "./alarms";
export type { AlarmThresholds } from "./alarms";
export { CONFIGURATION_DIGEST_TAG, configurationDigest, instanceCounts } from "./fleet";
export type { InstanceCountChoice, LiveEndpoint, LiveFleet, LiveVariant } from "./fleet";
export { hasLocalInstanceStorage } from "./instanceStorage";
export { ModelEndpoint, modelEndpointFootprint, modelRoleName } from "./modelEndpoint";
export type {
  DataCaptureArgs,
  DeploymentArgs,
  EndpointVariantArgs,
  ModelEndpointArgs,
  ServedModelPackage,
  ServerlessCapacity,
  ShadowVariantArgs,
  VariantAutoscaling,
} from "./modelEndpoint";
export { modelExecutionPolicy } from "./modelEndpointPolicy";
export type { ModelRoleScope } from "./modelEndpointPolicy";
