import type {
  EnforcementLevel,
  Policy,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidation,
  ResourceValidationPolicy,
  StackValidation,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import {
  clearRecordedWaivers,
  FindingTarget,
  matchWaiver,
  recordWaivers,
  Waiver,
  WAIVERS_SCHEMA,
} from "./waivers";

/** A finding a waiver set aside: still listed, by the `list-policy-waivers` rule. */
export interface WaivedFinding {
  readonly policy: string;
  readonly resource: FindingTarget;
  readonly message: string;
  readonly waiver: Waiver;
}

/**
 * Waived findings of this run. The engine runs one pack process per update and asks for the stack
 * checks after every resource check, so the stack-level listing sees all of them.
 */
const waived = new Map<string, WaivedFinding>();

/** Waived findings recorded so far, oldest first. */
export function waivedFindings(): WaivedFinding[] {
  return [...waived.values()];
}

/** Forgets the recorded waived findings (between test cases). */
export function clearWaivedFindings(): void {
  waived.clear();
  clearRecordedWaivers();
}

/** Test seam: the day waivers are compared with. */
let clock: () => Date = () => new Date();
export function setPolicyClock(now: () => Date): void {
  clock = now;
}

/** The name a URN ends with (`urn:pulumi:stack::project::type::name`). */
export function nameOfUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** Sends a finding to `report` unless a waiver in force covers it; notes expired waivers in the message. */
function waivable(
  policy: string,
  waivers: readonly Waiver[],
  report: ReportViolation,
  fallback: FindingTarget | undefined,
): ReportViolation {
  return (message, urn) => {
    const target =
      urn !== undefined
        ? { urn, name: nameOfUrn(urn) }
        : fallback && { urn: fallback.urn, name: fallback.name };
    const match = target ? matchWaiver(waivers, target, clock()) : { status: "none" as const };
    if (match.status === "waived" && target) {
      waived.set(`${policy}\u0000${target.urn}\u0000${message}`, {
        policy,
        resource: target,
        message,
        waiver: match.waiver,
      });
      return;
    }
    const suffix =
      match.status === "expired"
        ? ` (The waiver for "${match.waiver.resource}" expired on ${match.waiver.expires}: ${match.waiver.reason}.)`
        : "";
    report(message + suffix, urn);
  };
}

/** A finding's severity, as AWS Security Hub grades its controls. */
export type Severity = "critical" | "high" | "medium" | "low";

/**
 * The form of a control id: `<service>.<number>`, as AWS Security Hub numbers the controls of AWS
 * Foundational Security Best Practices, e.g. `S3.5`, `SageMaker.14`
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html).
 */
export const CONTROL_ID = /^[A-Za-z0-9]+\.[0-9]+$/;

interface RuleBase {
  /** `<verb>-<resource>-<thing>`, the file's name. */
  readonly name: string;
  /** One sentence: what the rule requires. */
  readonly description: string;
  /** @default "mandatory"; per stack in `policies/config/<stack>.json`. */
  readonly enforcementLevel?: EnforcementLevel;
  /** Settings of the rule, each with its default; `waivers` is added to every rule. */
  readonly config?: Record<string, PolicyConfigJSONSchema>;
  /** How bad a finding is, for triage (the rule table, SARIF's `security-severity`). */
  readonly severity: Severity;
  /**
   * The AWS Foundational Security Best Practices controls the rule checks, e.g. `KMS.4`: only those
   * whose check the rule makes (for the resources the stack creates). @default none
   */
  readonly controls?: readonly string[];
}

/** What a rule says of itself besides its checks: how bad its findings are and the controls it checks. */
export interface RuleMetadata {
  readonly severity: Severity;
  readonly controls: readonly string[];
}

function configSchema(config: RuleBase["config"]): PolicyConfigSchema {
  return { properties: { ...config, waivers: WAIVERS_SCHEMA } };
}

/**
 * A rule's metadata as `@pulumi/policy` fields: `severity`, and the controls as the policy's
 * `tags`. The pack serves both to the engine (GetAnalyzerInfo), so that a preview run in another
 * process, and Pulumi Cloud, learn them with the rule's name and description.
 */
function metadataFields(definition: RuleBase): { severity: Severity; tags: string[] } {
  const controls = definition.controls ?? [];
  const malformed = controls.filter((control) => !CONTROL_ID.test(control));
  if (malformed.length > 0) {
    throw new Error(
      `Rule "${definition.name}": controls ${malformed.map((control) => JSON.stringify(control)).join(", ")} ` +
        `are not control ids like "S3.5" (<service>.<number>).`,
    );
  }
  return { severity: definition.severity, tags: [...controls] };
}

/** The severity and controls of a rule of the pack (built by `resourceRule` or `stackRule`); undefined for any other policy. */
export function ruleMetadata(policy: Policy): RuleMetadata | undefined {
  return policy.severity === undefined
    ? undefined
    : { severity: policy.severity, controls: policy.tags ?? [] };
}

/** A policy's waivers, recorded so that `list-policy-waivers` can report those that match no resource. */
function waiversOf(policy: string, getConfig: () => object): readonly Waiver[] {
  const waivers = (getConfig() as { waivers?: readonly Waiver[] }).waivers ?? [];
  recordWaivers(policy, waivers);
  return waivers;
}

/** The resource type a `validateResourceOfType` validation is for; undefined for any other validation. */
function typeOf(validate: ResourceValidation): string | undefined {
  return (validate as { __pulumiType?: string }).__pulumiType;
}

/**
 * Validations of one type each, as a single validation that runs the one for the resource's type.
 * The engine decodes a resource's properties once per validation of a rule, and each validation
 * for another type throws its own not-applicable error: as one validation, a rule for three types
 * costs every resource one decoding instead of three. Returns undefined unless every validation
 * is for a different type.
 */
export function byResourceType(validations: readonly ResourceValidation[]): ResourceValidation | undefined {
  const byType = new Map<string, ResourceValidation>();
  for (const validate of validations) {
    const type = typeOf(validate);
    if (type === undefined || byType.has(type)) return undefined;
    byType.set(type, validate);
  }
  const types = [...byType.keys()].map((type) => `'${type}'`).join(", ");
  return (args, report) => {
    const validate = byType.get(args.type);
    return validate
      ? validate(args, report)
      : args.notApplicable(`Policy only applies to resources of types ${types}`);
  };
}

/** A resource rule whose findings can be waived from the pack config. */
export function resourceRule(
  definition: RuleBase & { readonly validateResource: ResourceValidation | ResourceValidation[] },
): ResourceValidationPolicy {
  const given = [definition.validateResource].flat();
  // A single validation keeps its own type, which the engine's fast path below needs.
  const validations = given.length > 1 ? [byResourceType(given) ?? given].flat() : given;
  const wrapped = validations.map((validate) => {
    const fn: ResourceValidation = (args, report) =>
      validate(args, waivable(definition.name, waiversOf(definition.name, args.getConfig), report, args));
    // Keeps the engine's fast path: a rule for one type is skipped for every other type.
    const type = typeOf(validate);
    if (type) Object.assign(fn, { __pulumiType: type });
    return fn;
  });
  return {
    name: definition.name,
    description: definition.description,
    enforcementLevel: definition.enforcementLevel ?? "mandatory",
    ...metadataFields(definition),
    configSchema: configSchema(definition.config),
    validateResource: wrapped.length === 1 ? wrapped[0] : wrapped,
  };
}

/** A stack rule whose findings (reported with the resource's URN) can be waived from the pack config. */
export function stackRule(
  definition: RuleBase & { readonly validateStack: StackValidation },
): StackValidationPolicy {
  return {
    name: definition.name,
    description: definition.description,
    enforcementLevel: definition.enforcementLevel ?? "mandatory",
    ...metadataFields(definition),
    configSchema: configSchema(definition.config),
    validateStack: (args, report) =>
      definition.validateStack(
        args,
        waivable(definition.name, waiversOf(definition.name, args.getConfig), report, undefined),
      ),
  };
}

/** A value as a message shows it: JSON, shortened. */
export function show(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 120 ? `${json.slice(0, 117)}...` : json;
}
