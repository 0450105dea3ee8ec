/** Promotion: one model package, built and verified in one stack, served by others across accounts. */
export {
  groupArnOfPackage,
  groupArnParts,
  PROMOTION_DEFAULTS,
  PROMOTION_SETTINGS,
  promotionSettings,
  SOURCE_SETTINGS,
  sourceProblems,
  sourceSettings,
} from "./settings";
export type { GroupArnParts, SourceProblem, StackPlace } from "./settings";
