import type { AccountContext } from "../../components/shared/account";
import { ACCOUNT_ID, REGION } from "./mocks";

/** The account context components get in the tests: what the mocks answer for the stack's look-ups. */
export const TEST_ACCOUNT: AccountContext = {
  partition: "aws",
  region: REGION,
  accountId: ACCOUNT_ID,
  images: {
    sklearn: {
      uri: `683313688378.dkr.ecr.${REGION}.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3`,
      repositoryArn: `arn:aws:ecr:${REGION}:683313688378:repository/sagemaker-scikit-learn`,
    },
    xgboost: {
      uri: `683313688378.dkr.ecr.${REGION}.amazonaws.com/sagemaker-xgboost:1.7-1`,
      repositoryArn: `arn:aws:ecr:${REGION}:683313688378:repository/sagemaker-xgboost`,
    },
    modelMonitor: {
      uri: `156813124566.dkr.ecr.${REGION}.amazonaws.com/sagemaker-model-monitor-analyzer:latest`,
      repositoryArn: `arn:aws:ecr:${REGION}:156813124566:repository/sagemaker-model-monitor-analyzer`,
    },
  },
};

/** The permissions boundary components' roles carry in the tests: a policy of the mocks' account. */
export const TEST_BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT_ID}:policy/mlops-test-permissions-boundary`;
