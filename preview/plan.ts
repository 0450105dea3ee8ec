/**
 * The plan an offline preview produces and `npm run policy` reads: what `pulumi preview` would
 * create for a stack, and what the policy pack says about it. Written by `--json` (format in docs/preview.md).
 */

/** The options of a resource that decide what deleting or replacing it does. */
export interface PlanResourceOptions {
  /** Pulumi refuses to delete it (`pulumi destroy` fails until the option is removed). */
  readonly protect: boolean;
  /** Pulumi drops it from the stack's state without deleting it in the cloud. */
  readonly retainOnDelete: boolean;
  /** A replacement deletes it before creating its successor, instead of after. */
  readonly deleteBeforeReplace: boolean;
}

/** One resource the program registers. */
export interface PlanResource {
  readonly urn: string;
  /** Pulumi type token, e.g. `aws:s3/bucket:Bucket` or `mlops:sagemaker:ModelEndpoint`. */
  readonly type: string;
  readonly name: string;
  /** The (mocked) physical id; "" for components. */
  readonly id: string;
  /** URN of the parent; "" for the stack's direct children. */
  readonly parent: string;
  /** False for component resources. */
  readonly custom: boolean;
  /** URNs this resource depends on (through its inputs and `dependsOn`). */
  readonly dependencies: readonly string[];
  /** For each input property, the URNs its value came from. */
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
  /** Resource options that decide what a delete does: Pulumi refuses it, keeps the cloud resource, or deletes before replacing. */
  readonly options: PlanResourceOptions;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, unknown>>;
}

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/** One policy finding. */
export interface PlanFinding {
  readonly policy: string;
  readonly enforcementLevel: EnforcementLevel;
  /** The resource it is about; undefined for a stack-wide finding without a resource. */
  readonly urn?: string;
  readonly message: string;
}

export interface Plan {
  readonly project: string;
  readonly stack: string;
  readonly resources: readonly PlanResource[];
  /** The stack's outputs (what `pulumi stack output` would show). */
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly findings: readonly PlanFinding[];
  /** What the offline run assumed in place of AWS (e.g. the model package served), for people to read. */
  readonly notes?: readonly string[];
}
