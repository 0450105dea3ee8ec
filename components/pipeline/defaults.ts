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

/** AWS prebuilt images the jobs run in, matching the libraries `ml/` is tested with. */
export const IMAGES = {
  sklearn: { repositoryName: "sagemaker-scikit-learn", imageTag: "1.2-1-cpu-py3" },
  xgboost: { repositoryName: "sagemaker-xgboost", imageTag: "1.7-1" },
  // AWS publishes the Model Monitor analyzer under the `latest` tag only, so it cannot be pinned.
  modelMonitor: { repositoryName: "sagemaker-model-monitor-analyzer", imageTag: "latest" },
} as const;
