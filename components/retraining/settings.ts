import { z } from "zod";
import { flag, integer, strictObject, text } from "../shared/settings";

/**
 * `models[].retraining`: what starts a model's build pipeline besides a person. Each setting's
 * default, range and description, once.
 */

export const NEW_DATA_DEFAULTS = { enabled: false, inputPrefix: "input/", marker: "_SUCCESS" };
export const NEW_DATA_SETTINGS = {
  enabled: flag()
    .default(NEW_DATA_DEFAULTS.enabled)
    .describe(
      "Start a run when a dataset is complete in the model's data bucket (its marker object is written).",
    ),
  inputPrefix: z
    .string({ error: "must be a key prefix ending in /" })
    .regex(/^([a-zA-Z0-9!_.*'()-]+\/)+$/, { error: "must be a key prefix ending in / (e.g. input/)" })
    .default(NEW_DATA_DEFAULTS.inputPrefix)
    .describe(
      "Where datasets arrive in the data bucket: each dataset is a folder <inputPrefix><dataset>/ of CSV files.",
    ),
  marker: text("an object name")
    .regex(/^[a-zA-Z0-9!_.*'()-]{1,100}$/, { error: "must be an object name without / (e.g. _SUCCESS)" })
    .default(NEW_DATA_DEFAULTS.marker)
    .describe("The object written last into a dataset's folder: it starts one run on that folder."),
};

export const DRIFT_RETRAINING_DEFAULTS = { enabled: false, minIntervalHours: 24 };
export const DRIFT_RETRAINING_SETTINGS = {
  enabled: flag()
    .default(DRIFT_RETRAINING_DEFAULTS.enabled)
    .describe(
      "Start a run when a drift check of an endpoint serving the model finds drift, here or in a consumer account; it trains on the newest complete dataset under newData.inputPrefix.",
    ),
  minIntervalHours: integer(1, 720)
    .default(DRIFT_RETRAINING_DEFAULTS.minIntervalHours)
    .describe(
      "Hours after a drift-started run during which further drift starts none: a lasting drift retrains once.",
    ),
};

/** EventBridge Scheduler's cron(...) (six fields) or rate(...) expressions. */
const SCHEDULER_EXPRESSION = /^(cron\((\S+ ){5}\S+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/;

export const RETRAINING_SETTINGS = {
  newData: strictObject(NEW_DATA_SETTINGS)
    .default(strictObject(NEW_DATA_SETTINGS).parse({}))
    .describe("Retrain on new data."),
  schedule: z
    .string({ error: "must be an EventBridge Scheduler expression" })
    .regex(SCHEDULER_EXPRESSION, {
      error:
        'must be an EventBridge Scheduler expression: cron(<6 fields>) or rate(<n> <unit>), e.g. "cron(0 3 ? * MON *)"',
    })
    .optional()
    .describe("Retrain on the current input on a schedule (UTC). Unset: no scheduled runs."),
  drift: strictObject(DRIFT_RETRAINING_SETTINGS)
    .default(strictObject(DRIFT_RETRAINING_SETTINGS).parse({}))
    .describe("Retrain when the model's traffic drifts."),
};

export const retrainingSettings = strictObject(RETRAINING_SETTINGS);
