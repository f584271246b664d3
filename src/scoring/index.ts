export { isSnapshotValid } from './snapshot-validity.js';
export { ENGAGEMENT_POLICY, originalPlatformName, scoreContent, scoreMinerEngagement } from './engagement-policy.js';
export type { EngagementParams } from './engagement-policy.js';
export {
  DEFAULT_GROWTH_PARAMS,
  GROWTH_POLICY,
  botMultiplier,
  engagementMultiplier,
  rawGrowthScore,
  scoreMinerGrowth,
} from './growth-policy.js';
export type { GrowthPolicyParams } from './growth-policy.js';
export {
  SCORING_POLICIES,
  isActiveMiner,
  policyId,
  scoreMiner,
  scoringOptionsFromConfig,
  validateScoringOptions,
} from './policies.js';
export { selectWeights } from './select-weights.js';
export type { SelectWeightsOptions } from './select-weights.js';
export { contentKey, resolveOwners } from './resolve-owners.js';
export type {
  OwnershipClaim,
  OwnershipLoss,
  OwnershipLossReason,
  OwnershipResolution,
  ResolveOwnersOptions,
} from './resolve-owners.js';
export type * from './types.js';
