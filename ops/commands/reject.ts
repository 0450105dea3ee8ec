import { ModelApprovalStatus } from "@aws-sdk/client-sagemaker";
import { reviewCommand } from "../modelReview";

/** `npm run ops -- reject <model> --reason TEXT`: a reviewed version must not be deployed. */
export const rejectCommand = reviewCommand(
  "reject",
  ModelApprovalStatus.REJECTED,
  "reject a model version in the registry (the newest pending one by default)",
);
