import type { PolicyStatement } from "./policyDocument";

/** The stack's VPC settings, when it has one. */
export interface NetworkScope {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

/**
 * Jobs and endpoints in a VPC get elastic network interfaces in the stack's subnets and security
 * groups. `who` names the statements ("Job" → `CreateJobNetworkInterfaces`).
 */
export function vpcStatements(
  who: "Job" | "Endpoint",
  network: NetworkScope,
  arn: (service: string, resource: string) => string,
): PolicyStatement[] {
  const interfaces = arn("ec2", "network-interface/*");
  return [
    {
      Sid: `Create${who}NetworkInterfaces`,
      Effect: "Allow",
      Action: "ec2:CreateNetworkInterface",
      Resource: [
        interfaces,
        ...network.subnetIds.map((id) => arn("ec2", `subnet/${id}`)),
        ...network.securityGroupIds.map((id) => arn("ec2", `security-group/${id}`)),
      ],
    },
    {
      Sid: `Manage${who}NetworkInterfaces`,
      Effect: "Allow",
      Action: [
        "ec2:CreateNetworkInterfacePermission",
        "ec2:DeleteNetworkInterface",
        "ec2:DeleteNetworkInterfacePermission",
      ],
      Resource: interfaces,
      // Interface ids are AWS's: only interfaces in the stack's subnets (ec2:Subnet is a condition
      // key of the network-interface resource type).
      Condition: { ArnEquals: { "ec2:Subnet": network.subnetIds.map((id) => arn("ec2", `subnet/${id}`)) } },
    },
    {
      Sid: `Describe${who}Network`,
      Effect: "Allow",
      Action: [
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeVpcs",
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
      ],
      Resource: "*",
    },
  ];
}
