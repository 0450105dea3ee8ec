/** Hyperparameters of the built-in XGBoost algorithm for binary classification; config may override any. */
export const DEFAULT_HYPERPARAMETERS: Readonly<Record<string, string>> = {
  objective: "binary:logistic",
  eval_metric: "auc",
  num_round: "100",
  max_depth: "5",
  eta: "0.2",
  gamma: "4",
  min_child_weight: "6",
  subsample: "0.8",
  early_stopping_rounds: "10",
};
