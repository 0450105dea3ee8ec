import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, show } from "../lib/rule";
import { at, plainProps, UNKNOWN } from "../lib/sagemakerValues";

interface Config {
  readonly allowedProtocols: readonly string[];
}

/**
 * The protocols SNS delivers to, as `Subscribe` takes them
 * (https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html), but `http`: SNS then POSTs
 * each message, and the basic-auth credentials an endpoint URL may carry, unencrypted over the
 * internet. The pack config cannot allow it.
 */
export const DELIVERY_PROTOCOLS = [
  "application",
  "email",
  "email-json",
  "firehose",
  "https",
  "lambda",
  "sms",
  "sqs",
] as const;

/** An endpoint URL as messages show it: without the user and password SNS's basic auth puts in it. */
function redacted(endpoint: string): string {
  return endpoint.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1***@");
}

const subscription = validateResourceOfType(aws.sns.TopicSubscription, (proxied, args, report) => {
  const { allowedProtocols } = args.getConfig<Config>();
  const props = plainProps(proxied);
  const protocol = at(props, "protocol");
  const what = `Subscription "${args.name}"`;
  // Unknown during preview (built from another resource): checked when known.
  if (protocol === UNKNOWN) return;
  if (protocol === "http") {
    report(
      `${what}: protocol "http" has SNS send the topic's messages (and any credentials in the endpoint URL) unencrypted; subscribe an https:// endpoint with protocol "https".`,
    );
    return;
  }
  if (typeof protocol !== "string" || !allowedProtocols.includes(protocol)) {
    report(
      `${what}: protocol ${show(protocol)} is not one of allowedProtocols ${show(allowedProtocols)}; deliver with one of them, or add it to allowedProtocols in the pack config.`,
    );
    return;
  }
  const endpoint = at(props, "endpoint");
  if (protocol === "https" && endpoint !== UNKNOWN && !/^https:\/\//i.test(String(endpoint ?? "")))
    report(
      `${what}: protocol "https" with endpoint ${show(typeof endpoint === "string" ? redacted(endpoint) : endpoint)}, which is not an https:// URL; use the endpoint's https:// URL.`,
    );
});

/**
 * Requires every SNS subscription of the stack to deliver with a protocol of `allowedProtocols`
 * (default: every protocol SNS has but `http`), and an `https` subscription to name an `https://`
 * endpoint. `http` is never allowed, whatever the config says: SNS would POST the alerts, and the
 * basic-auth credentials an endpoint URL may carry, in clear text
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-http-https-endpoint-as-subscriber.html). A stack
 * that wants its alerts only where it controls the reader (e.g. email to a team list, or a queue)
 * narrows `allowedProtocols` in its pack config.
 *
 * No Security Hub control checks subscriptions (SNS.1 to SNS.4 judge the topic: key, delivery
 * logging, tags, public access).
 *
 * During preview: an unknown protocol or endpoint (built from another resource's output) is
 * assumed to comply and checked when known, before the subscription is created.
 */
export const restrictSnsSubscriptionProtocols = resourceRule({
  name: "restrict-sns-subscription-protocols",
  description:
    "Requires every SNS subscription to deliver with a protocol of allowedProtocols (never http), and https subscriptions to an https:// endpoint.",
  severity: "medium",
  config: {
    allowedProtocols: {
      type: "array",
      items: { type: "string", enum: [...DELIVERY_PROTOCOLS] },
      description:
        'SNS protocols subscriptions may deliver with; "http" is never allowed (it sends messages unencrypted).',
      default: [...DELIVERY_PROTOCOLS],
    },
  },
  validateResource: subscription,
});
