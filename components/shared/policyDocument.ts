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

export type PolicyCondition = NonNullable<PolicyStatement["Condition"]>;

/** The account and resources an AWS service may act for, as the service names them in its request. */
export interface ServiceSourceScope {
  /** Our account: `aws:SourceAccount` must equal it. */
  readonly accountId: string;
  /**
   * The resources the service acts for (`aws:SourceArn`), IAM wildcards allowed with `ArnLike`.
   * @default none: only the account is checked, for services that send no `aws:SourceArn`
   */
  readonly sourceArn?: string | readonly string[];
  /** `ArnEquals` for exact ARNs, `ArnLike` for patterns. @default "ArnLike" */
  readonly arnOperator?: "ArnEquals" | "ArnLike";
}

/**
 * The condition that keeps an AWS service from acting for anyone but us (the cross-service
 * confused deputy): `aws:SourceAccount` is our account and, where the service sends it,
 * `aws:SourceArn` is one of our resources. Both keys are present only when a service calls on
 * behalf of a resource ("AWS global condition context keys", IAM user guide,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount),
 * and a condition on a key the request lacks never matches, so each caller cites the page of the
 * service that says it sends them.
 */
export function sourceCondition(scope: ServiceSourceScope): PolicyCondition {
  const { sourceArn } = scope;
  return {
    StringEquals: { "aws:SourceAccount": scope.accountId },
    ...(sourceArn !== undefined && {
      // A copy: documents never share an array with their caller.
      [scope.arnOperator ?? "ArnLike"]: {
        "aws:SourceArn": typeof sourceArn === "string" ? sourceArn : [...sourceArn],
      },
    }),
  };
}

/**
 * Trust policy that lets one AWS service assume a role, and nobody else; `condition` narrows it
 * further where the service sends keys such as `aws:SourceAccount` (`sourceCondition`).
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
