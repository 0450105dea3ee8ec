import type { PolicyStatement } from "./policyDocument";

/**
 * `kms:Decrypt` on the keys of the accounts that built the served model versions, only as S3 uses
 * them to hand over those accounts' objects (`kms:ViaService`): a model's artifacts and baseline
 * stay encrypted with the building stack's key, whose key policy lets this account decrypt through
 * S3 only. Key ids of another account cannot be known here, so the keys are named by account; the
 * building account's key policy is what limits it to its artifacts buckets. Undefined without such
 * accounts.
 */
export function sourceKeysStatement(
  sid: string,
  scope: { readonly partition: string; readonly region: string; readonly accountIds: readonly string[] },
): PolicyStatement | undefined {
  const accounts = [...new Set(scope.accountIds)].sort();
  if (accounts.length === 0) return undefined;
  const { partition, region } = scope;
  return {
    Sid: sid,
    Effect: "Allow",
    Action: "kms:Decrypt",
    Resource: accounts.map((account) => `arn:${partition}:kms:${region}:${account}:key/*`),
    Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
  };
}

/** The account of an ARN (`arn:<partition>:<service>:<region>:<account>:...`); undefined when it names none. */
export function accountOfArn(arn: string): string | undefined {
  const account = arn.split(":")[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}
