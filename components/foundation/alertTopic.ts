import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccountContext } from "../shared/account";
import { DeployFootprint, TYPES } from "../shared/footprint";
import { alertTopicPolicy } from "./alertTopicPolicy";

/** What SNS accepts as a (standard) topic name. */
const TOPIC_NAME_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * A plausible address: no spaces, one "@", a dotted domain of DNS labels. Not RFC 5322; it is
 * meant to catch typos and pasted lists before AWS sends a confirmation e-mail nobody receives.
 */
const EMAIL_PATTERN =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** Longest address SMTP can deliver to (RFC 5321 path limit less the angle brackets). */
const MAX_EMAIL_LENGTH = 254;

/** SNS limits display names to 100 characters; for e-mail they become the sender's name. */
const MAX_DISPLAY_NAME_LENGTH = 100;

/** Characters EventBridge allows in rule names. */
const RULE_NAME_PATTERN = /^[A-Za-z0-9._-]+$/;

export interface AlertTopicArgs {
  /** Where the stack deploys, looked up once per stack (`lookupAccountContext`). */
  readonly account: AccountContext;
  /** KMS key that encrypts messages at rest; its key policy must let CloudWatch and EventBridge use it. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Who is alerted: each address gets an e-mail subscription, which its owner must confirm. At least one. */
  readonly emails: readonly string[];
  /** Tags for the topic. */
  readonly tags: Readonly<Record<string, string>>;
  /** Only CloudWatch alarms whose names start with this may publish. @default the component name */
  readonly alarmNamePrefix?: string;
  /** Only EventBridge rules whose names start with this may publish. @default the component name */
  readonly eventRuleNamePrefix?: string;
}

type ResolvedArgs = Required<AlertTopicArgs>;

/** Applies every default in one place. Pure. */
export function withDefaults(name: string, args: AlertTopicArgs): ResolvedArgs {
  return {
    account: args.account,
    kmsKeyArn: args.kmsKeyArn,
    emails: args.emails,
    tags: args.tags,
    alarmNamePrefix: args.alarmNamePrefix ?? name,
    eventRuleNamePrefix: args.eventRuleNamePrefix ?? name,
  };
}

/** The address as part of a resource name; the same address always gives the same name. */
function emailSlug(email: string): string {
  return email
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** Every problem with the arguments, so that nothing is created from a half-valid request. */
export function validateArgs(name: string, resolved: ResolvedArgs): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => ok || problems.push(message);
  check(
    TOPIC_NAME_PATTERN.test(name),
    `name "${name}" must be 1-256 letters, digits, hyphens and underscores (an SNS topic name)`,
  );
  check(resolved.emails.length > 0, "emails must list at least one address");
  for (const email of resolved.emails) {
    check(
      email.length <= MAX_EMAIL_LENGTH && EMAIL_PATTERN.test(email),
      `email "${email}" is not a valid e-mail address`,
    );
  }
  // Subscriptions are named after the address, so two addresses with the same slug would collide.
  const bySlug = new Map<string, string[]>();
  for (const email of resolved.emails) {
    const slug = emailSlug(email);
    bySlug.set(slug, [...(bySlug.get(slug) ?? []), email]);
  }
  for (const [slug, emails] of bySlug) {
    if (emails.length < 2) continue;
    const listed = emails.map((e) => `"${e}"`).join(", ");
    check(
      false,
      new Set(emails.map((e) => e.toLowerCase())).size === 1
        ? `emails lists ${listed}: each address must appear once`
        : `emails ${listed} would share the subscription name "${name}-email-${slug}"`,
    );
  }
  // A wildcard or an empty prefix would let every alarm or rule of the account publish.
  check(
    resolved.alarmNamePrefix !== "" && !/[*?\p{Cc}]/u.test(resolved.alarmNamePrefix),
    `alarmNamePrefix "${resolved.alarmNamePrefix}" must be non-empty, without "*", "?" or control characters`,
  );
  check(
    RULE_NAME_PATTERN.test(resolved.eventRuleNamePrefix),
    `eventRuleNamePrefix "${resolved.eventRuleNamePrefix}" must be letters, digits, ".", "-" and "_" (an EventBridge rule name)`,
  );
  return problems;
}

/** A topic, its policy and a subscription per address (validation requires at least one). */
export function alertTopicFootprint(): DeployFootprint {
  return { types: [TYPES.topic, TYPES.topicPolicy, TYPES.topicSubscription], passedRoles: [] };
}

/**
 * The SNS topic alarms and EventBridge rules of the platform publish to, with an e-mail
 * subscription per on-call address. Messages are encrypted with the stack key, only this
 * account's alarms and rules with the given name prefixes may publish, and only over TLS.
 */
export class AlertTopic extends pulumi.ComponentResource {
  public readonly topicArn: pulumi.Output<string>;
  public readonly topicName: pulumi.Output<string>;
  /** The resource types it creates and the roles it hands to services, for the deploy role. */
  public readonly footprint: DeployFootprint;

  constructor(name: string, args: AlertTopicArgs, opts?: pulumi.ComponentResourceOptions) {
    const config = withDefaults(name, args);
    const problems = validateArgs(name, config);
    // Before super(), so that a refused request registers nothing, not even the component.
    if (problems.length > 0) throw new Error(`AlertTopic ${name}: ${problems.join("; ")}.`);
    super("mlops:sns:AlertTopic", name, {}, opts);

    const parent = { parent: this };
    const { partition, region, accountId } = args.account;

    const topic = new aws.sns.Topic(
      name,
      {
        // A fixed name, not an auto-named one: on-call people recognise it in e-mails and the console.
        name,
        // Shown as the sender of every alert e-mail; the name is ASCII, so characters are bytes.
        displayName: `MLOps alerts - ${name}`.slice(0, MAX_DISPLAY_NAME_LENGTH),
        kmsMasterKeyId: config.kmsKeyArn,
        tags: config.tags,
      },
      parent,
    );
    new aws.sns.TopicPolicy(
      `${name}-policy`,
      {
        arn: topic.arn,
        policy: pulumi.all([partition, region, accountId, topic.arn]).apply(([p, r, account, topicArn]) =>
          JSON.stringify(
            alertTopicPolicy({
              partition: p,
              region: r,
              accountId: account,
              topicArn,
              alarmNamePrefix: config.alarmNamePrefix,
              eventRuleNamePrefix: config.eventRuleNamePrefix,
            }),
          ),
        ),
      },
      parent,
    );
    // Named after the address, not its position, so that reordering the list replaces nothing.
    // A subscription still awaiting confirmation cannot be unsubscribed: removing its address here
    // only forgets it, and SNS drops it with the topic.
    for (const email of config.emails) {
      new aws.sns.TopicSubscription(
        `${name}-email-${emailSlug(email)}`,
        { topic: topic.arn, protocol: "email", endpoint: email },
        parent,
      );
    }

    this.footprint = alertTopicFootprint();
    this.topicArn = topic.arn;
    this.topicName = topic.name;
    this.registerOutputs({ topicArn: this.topicArn, topicName: this.topicName });
  }
}
