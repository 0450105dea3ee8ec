/** An IAM policy document as AWS reads it; the builders in this folder return these. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: "*" | Readonly<Record<string, string | readonly string[]>>;
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<
    Record<string, Readonly<Record<string, string | boolean | readonly string[]>>>
  >;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

export function policyDocument(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * Trust policy that lets one AWS service assume a role, and nobody else; `condition` narrows it
 * further where the service sends keys such as `aws:SourceAccount`.
 */
export function serviceTrustPolicy(
  service: string,
  condition?: PolicyStatement["Condition"],
): PolicyDocument {
  return policyDocument({
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    ...(condition && { Condition: condition }),
  });
}
