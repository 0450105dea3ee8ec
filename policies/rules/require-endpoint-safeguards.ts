import { show, stackRule } from "../lib/rule";
import {
  configurationsOf,
  DATA_QUALITY_JOB_DEFINITION_TYPE,
  ENDPOINT_CONFIGURATION_TYPE,
  ENDPOINT_TYPE,
  MONITORING_SCHEDULE_TYPE,
  monitors,
} from "../lib/sagemakerResources";
import { at, isSet, list, ofTypes, stackItems, StackItem, UNKNOWN } from "../lib/sagemakerValues";

interface Config {
  readonly requireDataCapture: boolean;
  readonly requireMonitoring: boolean;
  readonly requireBlueGreen: boolean;
}

/** Why data capture of an endpoint configuration is off ("" when it is on or unknown). */
function captureOff(configuration: StackItem): string {
  const capture = at(configuration.props, "dataCaptureConfig");
  if (!isSet(capture)) return "dataCaptureConfig is not set";
  const enabled = at(capture, "enableCapture");
  return enabled === true || enabled === UNKNOWN ? "" : `dataCaptureConfig.enableCapture is ${show(enabled)}`;
}

/** Findings about an endpoint's deployment configuration. */
function deploymentFindings(what: string, endpoint: StackItem): string[] {
  const findings: string[] = [];
  const blueGreen = at(endpoint.props, "deploymentConfig", "blueGreenUpdatePolicy");
  if (!isSet(blueGreen))
    findings.push(
      `${what}: deploymentConfig.blueGreenUpdatePolicy is not set, so a new version replaces the old one without a baking period; set it (e.g. trafficRoutingConfiguration type CANARY or ALL_AT_ONCE with waitIntervalInSeconds).`,
    );
  const alarms = list(at(endpoint.props, "deploymentConfig", "autoRollbackConfiguration", "alarms"));
  if (alarms !== UNKNOWN && alarms.length === 0)
    findings.push(
      `${what}: deploymentConfig.autoRollbackConfiguration.alarms is empty, so a failing deployment is not rolled back; list the CloudWatch alarms (e.g. 5XX errors, p99 latency) that roll it back.`,
    );
  return findings;
}

/**
 * Requires every SageMaker endpoint to have the safeguards of a production endpoint: data capture
 * on in the endpoint configuration it uses (`requireDataCapture`), a monitoring schedule whose
 * job reads its captured traffic (`requireMonitoring`), and blue/green deployments that roll back
 * on CloudWatch alarms (`requireBlueGreen`: `deploymentConfig.blueGreenUpdatePolicy` and a
 * non-empty `deploymentConfig.autoRollbackConfiguration.alarms`). Meant for prod: the pack config
 * enables it per stack. Serverless endpoints can neither capture data nor be monitored: waive them.
 *
 * An endpoint is linked to its configuration by `endpointConfigName` (the configuration's `name`),
 * and a schedule to its data-quality job definition by `monitoringJobDefinitionName`, and the job
 * to the endpoint by `endpointInput.endpointName`. During preview, the names of auto-named
 * configurations and job definitions are unknown: the links then follow dependencies (the
 * property's dependencies when the engine gives them, otherwise all of the resource's). A
 * configuration that is not in the stack cannot be checked and is skipped. Unknown values (a
 * capture flag, a deployment setting) are assumed to comply; the rule never reads through unknown
 * values, so it never gives the engine's advisory. Stack rules run again at the end of `pulumi up`
 * on the final state, with every value known.
 */
export const requireEndpointSafeguards = stackRule({
  name: "require-endpoint-safeguards",
  description:
    "Requires every SageMaker endpoint to capture data, be monitored by a schedule, and deploy blue/green with rollback alarms.",
  config: {
    requireDataCapture: {
      type: "boolean",
      description: "The endpoint configuration an endpoint uses must capture data.",
      default: true,
    },
    requireMonitoring: {
      type: "boolean",
      description: "A monitoring schedule must read each endpoint's captured traffic.",
      default: true,
    },
    requireBlueGreen: {
      type: "boolean",
      description: "Endpoints must deploy blue/green and roll back on CloudWatch alarms.",
      default: true,
    },
  },
  validateStack: (args, report) => {
    const config = args.getConfig<Config>();
    const items = stackItems(args.resources);
    const configurations = ofTypes(items, [ENDPOINT_CONFIGURATION_TYPE]);
    const schedules = ofTypes(items, [MONITORING_SCHEDULE_TYPE]);
    const jobDefinitions = ofTypes(items, [DATA_QUALITY_JOB_DEFINITION_TYPE]);
    for (const endpoint of ofTypes(items, [ENDPOINT_TYPE])) {
      const physical = at(endpoint.props, "name");
      // The physical name is the one job definitions refer to; shown when it differs.
      const named =
        typeof physical === "string" && physical !== endpoint.resource.name ? ` (${show(physical)})` : "";
      const what = `Endpoint "${endpoint.resource.name}"${named}`;
      const findings: string[] = [];
      if (config.requireDataCapture) {
        for (const configuration of configurationsOf(endpoint, configurations)) {
          const off = captureOff(configuration);
          if (off !== "")
            findings.push(
              `${what}: its endpoint configuration "${configuration.resource.name}" does not capture data (${off}); enable capture so that Model Monitor can compare live traffic with the baseline.`,
            );
        }
      }
      if (config.requireMonitoring && !schedules.some((s) => monitors(s, endpoint, jobDefinitions)))
        findings.push(
          `${what} has no monitoring schedule: no aws.sagemaker.MonitoringSchedule runs a job whose endpointInput is this endpoint; add one (e.g. the MonitoringSchedule component) so that drift is detected.`,
        );
      if (config.requireBlueGreen) findings.push(...deploymentFindings(what, endpoint));
      for (const finding of findings) report(finding, endpoint.resource.urn);
    }
  },
});
