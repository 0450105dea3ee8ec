/**
 * Retraining: what starts a model's build pipeline besides a person (new data, a schedule, drift
 * here or in a consumer account), and a serving stack's forwarding of drift to the building account.
 */
export {
  DriftForwarding,
  driftForwardingFootprint,
  failedForwardsAlarm,
  forwardingPolicy,
  forwardingTrustPolicy,
  sourceDriftBusArn,
} from "./driftForwarding";
export type { DriftForwardingArgs } from "./driftForwarding";
export {
  DRIFT_EVENT_DETAIL_TYPE,
  DRIFT_EVENT_SOURCE,
  driftEventBusName,
  driftEventBusPolicy,
  retrainingQueuePolicy,
} from "./retrainingPolicy";
export { RETRAINING_SETTINGS, retrainingSettings } from "./settings";
export {
  driftEventPattern,
  failedTrainingStartsAlarm,
  newDataEventPattern,
  TrainingTriggers,
  trainingTriggerRoleNames,
  trainingTriggersFootprint,
} from "./trainingTriggers";
export type { TrainingTriggersArgs } from "./trainingTriggers";
