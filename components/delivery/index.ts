/** Delivery from GitHub Actions: the OIDC deploy and preview roles, and model approvals dispatched to GitHub. */
export { DEPLOY_PERMISSIONS } from "./deployPermissions";
export type { DeployScope, Grant, RolePass, TypePermissions } from "./deployPermissions";
export { deployPolicy, previewPolicy, unknownResourceTypes } from "./deployPolicy";
export { approvalEventPattern, dispatchEndpoint, dispatchNames } from "./dispatch";
export { deadLetterQueuePolicy, dispatchTrustPolicy, invokeApiDestinationPolicy } from "./dispatchPolicy";
export {
  DEFAULT_DISPATCH_EVENT_TYPE,
  GITHUB_BRANCH_PATTERN,
  GITHUB_ENVIRONMENT_PATTERN,
  GITHUB_OIDC_PROVIDER_ARN_PATTERN,
  GITHUB_REPOSITORY_PATTERN,
} from "./github";
export { accessNames, coveredTypes, GithubDeployAccess, rolePasses } from "./githubDeployAccess";
export type { GithubDeployAccessArgs } from "./githubDeployAccess";
export { GITHUB_OIDC_HOST, githubTrustPolicy } from "./githubTrust";
export { ModelApprovalDispatch, modelApprovalDispatchFootprint } from "./modelApprovalDispatch";
export type { ApprovalDispatchModel, ModelApprovalDispatchArgs } from "./modelApprovalDispatch";
