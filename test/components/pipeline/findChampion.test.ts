import assert from "node:assert/strict";
import * as path from "node:path";
import { startMotoServer, type MotoServer } from "../../helpers/motoServer";
import { checkBoto3, runLambdaSteps, type LambdaStep, type StepOutcome } from "../../helpers/pythonLambda";

/**
 * The function of the build pipeline's FindChampion step (components/pipeline/functions/find_champion.py),
 * run against a local AWS API (moto_server): it answers with the model of the group's latest
 * approved version, or writes the placeholder that stands for none and answers with its folder.
 * Every case runs in one interpreter against one server.
 */

const HANDLER = {
  file: path.resolve(__dirname, "..", "..", "..", "components", "pipeline", "functions", "find_champion.py"),
  name: "handler",
};
const ARTIFACTS = "mlops-staging-diagnosis-artifacts-1a2b3c4";
const ARN_PREFIX = "arn:aws:sagemaker:us-east-1:123456789012:model-package";
const modelUri = (group: string, version: number) =>
  `s3://${ARTIFACTS}/pipelines/exec-${group}-${version}/Train/model/job/output/model.tar.gz`;
const placeholderUri = (execution: string) =>
  `s3://${ARTIFACTS}/pipeline-work/${execution}/FindChampion/none`;

/** Groups and the approval statuses of their versions, oldest first, as the test registers them. */
const GROUPS = {
  // Two approved versions, then a newer one awaiting approval and a rejected one.
  "mlops-staging-diagnosis": ["Approved", "Approved", "PendingManualApproval", "Rejected"],
  // Newer than all of the above, approved, in another group.
  "mlops-staging-fraud": ["Approved"],
  // Versions, none approved.
  "mlops-staging-churn": ["PendingManualApproval", "Rejected"],
} as const;

const setUp: LambdaStep[] = [
  { call: ["s3", "create_bucket", { Bucket: ARTIFACTS }] },
  ...Object.entries(GROUPS).flatMap(([group, statuses]): LambdaStep[] => [
    { call: ["sagemaker", "create_model_package_group", { ModelPackageGroupName: group }] },
    ...statuses.map((status, index): LambdaStep => ({
      call: [
        "sagemaker",
        "create_model_package",
        {
          ModelPackageGroupName: group,
          ModelApprovalStatus: status,
          InferenceSpecification: {
            Containers: [
              {
                Image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
                ModelDataUrl: modelUri(group, index + 1),
              },
            ],
            SupportedContentTypes: ["text/csv"],
            SupportedResponseMIMETypes: ["text/csv"],
          },
        },
      ],
    })),
  ]),
  // An approved version whose container has no model archive to score.
  { call: ["sagemaker", "create_model_package_group", { ModelPackageGroupName: "mlops-staging-nomodel" }] },
  {
    call: [
      "sagemaker",
      "create_model_package",
      {
        ModelPackageGroupName: "mlops-staging-nomodel",
        ModelApprovalStatus: "Approved",
        InferenceSpecification: {
          Containers: [{ Image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1" }],
          SupportedContentTypes: ["text/csv"],
          SupportedResponseMIMETypes: ["text/csv"],
        },
      },
    ],
  },
];

const CASES = {
  champion: {
    model_package_group_name: "mlops-staging-diagnosis",
    placeholder_uri: placeholderUri("exec-a"),
  },
  none: { model_package_group_name: "mlops-staging-churn", placeholder_uri: placeholderUri("exec-b") },
  retried: { model_package_group_name: "mlops-staging-churn", placeholder_uri: placeholderUri("exec-b") },
  noModel: { model_package_group_name: "mlops-staging-nomodel", placeholder_uri: placeholderUri("exec-c") },
} as const;

/** Bad events, each with the error it must raise. */
const BAD_EVENTS: readonly (readonly [unknown, string, string])[] = [
  [
    { placeholder_uri: placeholderUri("exec-d") },
    "ValueError",
    "model_package_group_name must be a model package group name, got null",
  ],
  [
    { model_package_group_name: "mlops staging", placeholder_uri: placeholderUri("exec-d") },
    "ValueError",
    'model_package_group_name must be a model package group name, got "mlops staging"',
  ],
  [
    { model_package_group_name: "mlops-staging-churn", placeholder_uri: `https://${ARTIFACTS}/none` },
    "ValueError",
    `placeholder_uri must be an S3 folder such as s3://bucket/prefix, got "https://${ARTIFACTS}/none"`,
  ],
  [
    { model_package_group_name: "mlops-staging-churn", placeholder_uri: `s3://${ARTIFACTS}/` },
    "ValueError",
    `placeholder_uri must be an S3 folder such as s3://bucket/prefix, got "s3://${ARTIFACTS}/"`,
  ],
  [["not", "an", "object"], "ValueError", 'the event must be a JSON object, got ["not", "an", "object"]'],
];

describe("find_champion.py, the build pipeline's FindChampion step (against moto_server)", function () {
  this.timeout(30_000);
  let moto: MotoServer;
  const outcomes = new Map<string, StepOutcome>();
  let objects: StepOutcome;
  let placeholder: StepOutcome;
  let bad: StepOutcome[];

  before(async () => {
    [, moto] = await Promise.all([checkBoto3(), startMotoServer()]);
    const names = Object.keys(CASES);
    const steps: LambdaStep[] = [
      ...setUp,
      ...Object.values(CASES).map((event) => ({ invoke: event })),
      { call: ["s3", "list_objects_v2", { Bucket: ARTIFACTS }] },
      {
        call: [
          "s3",
          "get_object",
          { Bucket: ARTIFACTS, Key: "pipeline-work/exec-b/FindChampion/none/NO_CHAMPION" },
        ],
      },
      ...BAD_EVENTS.map(([event]) => ({ invoke: event })),
    ];
    const results = await runLambdaSteps(HANDLER, steps, { endpoint: moto.endpoint });
    for (const [index, outcome] of results.slice(0, setUp.length).entries()) {
      assert.equal(outcome.error, undefined, `set-up step ${index}: ${JSON.stringify(outcome.error)}`);
    }
    const rest = results.slice(setUp.length);
    names.forEach((name, index) => outcomes.set(name, rest[index] as StepOutcome));
    [objects, placeholder] = rest.slice(names.length, names.length + 2) as [StepOutcome, StepOutcome];
    bad = rest.slice(names.length + 2);
  });

  after(async () => {
    await moto?.stop();
  });

  const outcome = (name: keyof typeof CASES): StepOutcome => {
    const found = outcomes.get(name);
    assert.ok(found, `no outcome for ${name}`);
    return found;
  };

  it("answers with the model of the newest approved version, not a newer one awaiting approval", () => {
    const found = outcome("champion");
    assert.equal(found.error, undefined, JSON.stringify(found.error));
    assert.deepEqual(found.result, {
      ChampionModelUri: modelUri("mlops-staging-diagnosis", 2),
      ChampionArn: `${ARN_PREFIX}/mlops-staging-diagnosis/2`,
    });
    assert.deepEqual(found.calls, [
      {
        service: "sagemaker",
        operation: "ListModelPackages",
        params: {
          ModelPackageGroupName: "mlops-staging-diagnosis",
          ModelApprovalStatus: "Approved",
          SortBy: "CreationTime",
          SortOrder: "Descending",
          MaxResults: 1,
        },
      },
      {
        service: "sagemaker",
        operation: "DescribeModelPackage",
        params: { ModelPackageName: `${ARN_PREFIX}/mlops-staging-diagnosis/2` },
      },
    ]);
    assert.equal(
      found.stdout,
      `find-champion: group mlops-staging-diagnosis's latest approved version is ${ARN_PREFIX}/mlops-staging-diagnosis/2, ` +
        `model ${modelUri("mlops-staging-diagnosis", 2)}\n`,
    );
  });

  it("without an approved version, writes the empty placeholder and answers with its folder and no ARN", () => {
    const found = outcome("none");
    assert.equal(found.error, undefined, JSON.stringify(found.error));
    assert.deepEqual(found.result, {
      ChampionModelUri: `s3://${ARTIFACTS}/pipeline-work/exec-b/FindChampion/none/`,
      ChampionArn: "",
    });
    assert.deepEqual(found.calls, [
      {
        service: "sagemaker",
        operation: "ListModelPackages",
        params: {
          ModelPackageGroupName: "mlops-staging-churn",
          ModelApprovalStatus: "Approved",
          SortBy: "CreationTime",
          SortOrder: "Descending",
          MaxResults: 1,
        },
      },
      {
        service: "s3",
        operation: "PutObject",
        params: {
          Bucket: ARTIFACTS,
          Key: "pipeline-work/exec-b/FindChampion/none/NO_CHAMPION",
          // boto3 hands the body on as a stream; the get below reads it back empty.
          Body: "<BytesIO>",
          ContentType: "text/plain",
        },
      },
    ]);
    assert.equal(
      found.stdout,
      `find-champion: group mlops-staging-churn has no approved version; placeholder s3://${ARTIFACTS}/pipeline-work/exec-b/FindChampion/none/\n`,
    );
    // The placeholder is the folder's one object, and empty.
    assert.equal((placeholder.result as { Body: string }).Body, "");
    const keys = ((objects.result as { Contents?: { Key: string }[] }).Contents ?? []).map((o) => o.Key);
    assert.deepEqual(keys, ["pipeline-work/exec-b/FindChampion/none/NO_CHAMPION"]);
  });

  it("answers a retried step the same way, writing the same object", () => {
    assert.deepEqual(outcome("retried").result, outcome("none").result);
    assert.deepEqual(outcome("retried").calls, outcome("none").calls);
  });

  it("fails, naming the version, when the approved version has no model.tar.gz to compare with", () => {
    const found = outcome("noModel");
    assert.deepEqual(found.error, {
      type: "ChampionError",
      message: `the approved version ${ARN_PREFIX}/mlops-staging-nomodel/1 has no model.tar.gz to compare with (ModelDataUrl of its first container: null)`,
    });
  });

  it("refuses bad events with a message naming the key and the value, before any call", () => {
    assert.deepEqual(
      bad.map((result) => [result.error?.type, result.error?.message, result.calls.length]),
      BAD_EVENTS.map(([, type, message]) => [type, message, 0]),
    );
  });
});
