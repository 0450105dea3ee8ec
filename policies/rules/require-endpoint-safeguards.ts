import { show, stackRule } from "../lib/rule";
import {
  checksDrift,
  configurationsOf,
  DATA_QUALITY_JOB_DEFINITION_TYPE,
  DRIFT_CHECK_SCRIPT,
  ENDPOINT_CONFIGURATION_TYPE,
  ENDPOINT_TYPE,
  MONITORING_SCHEDULE_TYPE,
  monitors,
  PIPELINE_TYPE,
  SCHEDULE_TYPE,
  startsPipeline,
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

/** The stack's monitoring resources of both engines. */
interface Monitoring {
  readonly schedules: readonly StackItem[];
  readonly jobDefinitions: readonly StackItem[];
  readonly pipelines: readonly StackItem[];
  readonly pipelineSchedules: readonly StackItem[];
}

/**
 * Why an endpoint is not monitored for drift ("" when it is): neither a Model Monitor schedule
 * reads its traffic, nor a schedule starts a pipeline that runs the drift check on it.
 */
function unmonitored(what: string, endpoint: StackItem, monitoring: Monitoring): string {
  if (monitoring.schedules.some((schedule) => monitors(schedule, endpoint, monitoring.jobDefinitions)))
    return "";
  const checks = monitoring.pipelines.filter((pipeline) => checksDrift(pipeline, endpoint));
  if (checks.some((pipeline) => monitoring.pipelineSchedules.some((s) => startsPipeline(s, pipeline))))
    return "";
  if (checks.length > 0) {
    const names = checks.map((pipeline) => `"${pipeline.resource.name}"`).join(", ");
    return `${what}: its drift check pipeline ${names} is started by no schedule: no enabled aws.scheduler.Schedule targets StartPipelineExecution with its name as PipelineName; add one (the DriftCheck component creates it) so that drift is checked.`;
  }
  return `${what} is not monitored for drift: no aws.sagemaker.MonitoringSchedule runs a job whose endpointInput is this endpoint, and no pipeline runs ${DRIFT_CHECK_SCRIPT} with --endpoint set to it; add one (the DriftCheck component, or the MonitoringSchedule component where Model Monitor is available) so that drift is detected.`;
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
 * on in the endpoint configuration it uses (`requireDataCapture`), a drift check of its captured
 * traffic on a schedule (`requireMonitoring`), and blue/green deployments that roll back on
 * CloudWatch alarms (`requireBlueGreen`: `deploymentConfig.blueGreenUpdatePolicy` and a non-empty
 * `deploymentConfig.autoRollbackConfiguration.alarms`). Meant for prod: the pack config enables it
 * per stack. Serverless endpoints can neither capture data nor be monitored: waive them.
 *
 * Either engine monitors an endpoint:
 * - SageMaker Model Monitor: a monitoring schedule whose job reads the endpoint's captured traffic.
 *   A schedule is linked to its data-quality job definition by `monitoringJobDefinitionName`, and
 *   the job to the endpoint by `endpointInput.endpointName`.
 * - The platform's drift check: a SageMaker pipeline with a Processing step, at any depth (e.g. in
 *   a Condition step's IfSteps), whose container runs `drift_check.py` with `--endpoint <endpoint
 *   name>` in its ContainerArguments, started by an EventBridge Scheduler schedule that is not
 *   DISABLED, through the universal target `arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution`
 *   with the pipeline's name as `PipelineName` in its input. A drift check pipeline that no schedule
 *   starts is reported as such.
 *
 * An endpoint is linked to its configuration by `endpointConfigName` (the configuration's `name`).
 * During preview, the names of auto-named resources and what is built from other resources' outputs
 * (a pipeline definition, a schedule's input) are unknown: the links then follow dependencies (the
 * property's dependencies when the engine gives them, otherwise all of the resource's): a pipeline's
 * `pipelineDefinition` on the endpoint, a schedule's `target` on the pipeline. A configuration that
 * is not in the stack cannot be checked and is skipped. Unknown values (a capture flag, a deployment
 * setting, a schedule's target or state) are assumed to comply; the rule never reads through unknown
 * values, so it never gives the engine's advisory. Stack rules run again at the end of `pulumi up`
 * on the final state, with every value known.
 */
export const requireEndpointSafeguards = stackRule({
  name: "require-endpoint-safeguards",
  description:
    "Requires every SageMaker endpoint to capture data, be checked for drift on a schedule (Model Monitor or the drift check pipeline), and deploy blue/green with rollback alarms.",
  severity: "medium",
  config: {
    requireDataCapture: {
      type: "boolean",
      description: "The endpoint configuration an endpoint uses must capture data.",
      default: true,
    },
    requireMonitoring: {
      type: "boolean",
      description:
        "A Model Monitor schedule, or a scheduled drift check pipeline, must read each endpoint's captured traffic.",
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
    const monitoring: Monitoring = {
      schedules: ofTypes(items, [MONITORING_SCHEDULE_TYPE]),
      jobDefinitions: ofTypes(items, [DATA_QUALITY_JOB_DEFINITION_TYPE]),
      pipelines: ofTypes(items, [PIPELINE_TYPE]),
      pipelineSchedules: ofTypes(items, [SCHEDULE_TYPE]),
    };
    for (const endpoint of ofTypes(items, [ENDPOINT_TYPE])) {
      const physical = at(endpoint.props, "name");
      // The physical name is the one monitoring jobs refer to; shown when it differs.
      const named =
        typeof physical === "string" && physical !== endpoint.resource.name ? ` (${show(physical)})` : "";
      const what = `Endpoint "${endpoint.resource.name}"${named}`;
      const findings: string[] = [];
      if (config.requireDataCapture) {
        for (const configuration of configurationsOf(endpoint, configurations)) {
          const off = captureOff(configuration);
          if (off !== "")
            findings.push(
              `${what}: its endpoint configuration "${configuration.resource.name}" does not capture data (${off}); enable capture so that its traffic can be checked for drift against the baseline.`,
            );
        }
      }
      if (config.requireMonitoring) {
        const problem = unmonitored(what, endpoint, monitoring);
        if (problem !== "") findings.push(problem);
      }
      if (config.requireBlueGreen) findings.push(...deploymentFindings(what, endpoint));
      for (const finding of findings) report(finding, endpoint.resource.urn);
    }
  },
});
