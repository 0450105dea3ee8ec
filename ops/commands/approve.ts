import { ModelApprovalStatus } from "@aws-sdk/client-sagemaker";
import { reviewCommand } from "../modelReview";

/** `npm run ops -- approve <model> --reason TEXT`: a reviewed version may be deployed. */
export const approveCommand = reviewCommand(
  "approve",
  ModelApprovalStatus.APPROVED,
  "approve a model version in the registry (the newest pending one by default)",
);
