import assert from "node:assert/strict";
import {
  accountOfArn,
  actionResourceFormats,
  arnGlob,
  coversType,
  isOnlyWildcards,
  namesOfType,
  parseArnPattern,
  reachOf,
  serviceResourceFormats,
} from "../../../policies/lib/arnPatterns";

const ACCOUNT = "111111111111";
const arn = (text: string) => parseArnPattern(text) ?? assert.fail(`${text} is an ARN`);
const format = (text: string) => arn(text);

describe("arnPatterns", () => {
  describe("parseArnPattern", () => {
    it("splits the six sections, the resource part keeping its colons", () => {
      assert.deepEqual(parseArnPattern(`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/x:log-stream:*`), {
        partition: "aws",
        service: "logs",
        region: "us-east-1",
        account: ACCOUNT,
        resource: "log-group:/aws/x:log-stream:*",
      });
      assert.deepEqual(parseArnPattern("arn:aws:s3:::bucket/*"), {
        partition: "aws",
        service: "s3",
        region: "",
        account: "",
        resource: "bucket/*",
      });
    });

    it("reads an ARN cut short after a trailing * as * to the end", () => {
      assert.deepEqual(parseArnPattern("arn:aws:s3:*"), {
        partition: "aws",
        service: "s3",
        region: "*",
        account: "*",
        resource: "*",
      });
      assert.deepEqual(parseArnPattern("arn:*"), {
        partition: "*",
        service: "*",
        region: "*",
        account: "*",
        resource: "*",
      });
    });

    it("returns undefined for what is not an ARN", () => {
      assert.equal(parseArnPattern("*"), undefined);
      assert.equal(parseArnPattern("arn:aws:s3"), undefined);
      assert.equal(parseArnPattern("bucket/key"), undefined);
    });
  });

  it("accountOfArn: the account section, empty for S3", () => {
    assert.equal(accountOfArn(`arn:aws:iam::${ACCOUNT}:root`), ACCOUNT);
    assert.equal(accountOfArn("arn:aws:s3:::b"), "");
    assert.equal(accountOfArn(ACCOUNT), undefined);
  });

  it("isOnlyWildcards and arnGlob follow IAM's * and ?", () => {
    assert.equal(isOnlyWildcards("*"), true);
    assert.equal(isOnlyWildcards("?*"), true);
    assert.equal(isOnlyWildcards(""), false);
    assert.equal(isOnlyWildcards("a*"), false);
    assert.equal(arnGlob("key/*").test("key/a/b:c"), true);
    assert.equal(arnGlob("key/?").test("key/ab"), false);
    assert.equal(arnGlob("Key/*").test("key/a"), false, "ARNs are compared case-sensitively");
  });

  describe("coversType", () => {
    const KEY = format("arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}");
    const STREAM = format(
      "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}",
    );
    const SCHEDULE = format(
      "arn:${Partition}:scheduler:${Region}:${Account}:schedule/${GroupName}/${ScheduleName}",
    );
    const BUCKET = format("arn:${Partition}:s3:::${BucketName}");

    it("covers a type when only wildcards stand where its names go", () => {
      assert.equal(coversType(arn(`arn:aws:kms:us-east-1:${ACCOUNT}:key/*`), KEY), true);
      assert.equal(coversType(arn(`arn:aws:kms:us-east-1:${ACCOUNT}:*`), KEY), true);
      assert.equal(coversType(arn(`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:*`), STREAM), true);
      assert.equal(coversType(arn("arn:aws:s3:::*"), BUCKET), true);
    });

    it("does not cover a type where a name is written", () => {
      assert.equal(coversType(arn(`arn:aws:kms:us-east-1:${ACCOUNT}:key/0d5a-*`), KEY), false);
      assert.equal(
        coversType(arn(`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/x:log-stream:*`), STREAM),
        false,
      );
      assert.equal(
        coversType(arn(`arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/default/*`), SCHEDULE),
        false,
      );
      assert.equal(coversType(arn("arn:aws:s3:::mlops-staging-*"), BUCKET), false);
      assert.equal(
        coversType(arn(`arn:aws:kms:us-east-1:${ACCOUNT}:key/????`), KEY),
        false,
        "names of one length",
      );
    });

    it("does not cover a type whose ARNs cannot hold the pattern's region or account", () => {
      assert.equal(coversType(arn("arn:aws:kms:::key/*"), KEY), false);
      assert.equal(coversType(arn(`arn:aws:s3:us-east-1:${ACCOUNT}:*`), BUCKET), false);
      assert.equal(coversType(arn(`arn:aws:sns:us-east-1:${ACCOUNT}:*`), KEY), false, "another service");
    });
  });

  it("namesOfType: a name written where the format has one", () => {
    const SUBNET = format("arn:${Partition}:ec2:${Region}:${Account}:subnet/${SubnetId}");
    assert.equal(namesOfType(arn(`arn:aws:ec2:us-east-1:${ACCOUNT}:subnet/subnet-0a1b2c3d`), SUBNET), true);
    assert.equal(namesOfType(arn(`arn:aws:ec2:us-east-1:${ACCOUNT}:subnet/*`), SUBNET), false);
    assert.equal(namesOfType(arn(`arn:aws:ec2:us-east-1:${ACCOUNT}:security-group/sg-1`), SUBNET), false);
  });

  describe("reachOf", () => {
    it("reaches everything with only wildcards or a wildcard in the service", async () => {
      const formats = await actionResourceFormats("s3:GetObject");
      assert.deepEqual(reachOf("**", formats), { kind: "everything" });
      assert.deepEqual(reachOf("arn:*:*:*:*:*", formats), { kind: "everything" });
      assert.deepEqual(reachOf("arn:*", formats), { kind: "everything" });
    });

    it("reaches other places with a wildcard in the region or account", async () => {
      const formats = await actionResourceFormats("sagemaker:DescribeEndpoint");
      assert.deepEqual(reachOf("arn:aws:sagemaker:*:*:*", formats), {
        kind: "other-places",
        sections: ["region", "account"],
      });
      assert.deepEqual(reachOf("arn:aws:sagemaker:us-east-1:*:endpoint/mlops-*", formats), {
        kind: "other-places",
        sections: ["account"],
      });
      assert.deepEqual(reachOf(`arn:aws:sagemaker:us-*:${ACCOUNT}:endpoint/mlops-*`, formats), {
        kind: "other-places",
        sections: ["region"],
      });
    });

    it("reaches every bucket and object of every account with arn:aws:s3:::*", async () => {
      assert.deepEqual(reachOf("arn:aws:s3:::*", await actionResourceFormats("s3:GetObject")), {
        kind: "every-account-type",
        types: ["object"],
      });
      assert.deepEqual(reachOf("arn:aws:s3:::*", await serviceResourceFormats("s3")), {
        kind: "every-account-type",
        types: ["bucket", "object"],
      });
    });

    it("reaches every resource of a type in the account named", async () => {
      assert.deepEqual(
        reachOf(`arn:aws:kms:us-east-1:${ACCOUNT}:key/*`, await actionResourceFormats("kms:Decrypt")),
        {
          kind: "type",
          types: ["key"],
          service: "kms",
        },
      );
      const endpoint = await actionResourceFormats("sagemaker:DescribeEndpoint");
      assert.deepEqual(reachOf(`arn:aws:sagemaker:us-east-1:${ACCOUNT}:*`, endpoint), {
        kind: "type",
        types: ["endpoint"],
        service: "sagemaker",
      });
    });

    it("reaches no further than its names with a prefix, and not at all for another action's types", async () => {
      const endpoint = await actionResourceFormats("sagemaker:DescribeEndpoint");
      assert.equal(
        reachOf(`arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint/mlops-staging-*`, endpoint),
        undefined,
      );
      assert.equal(reachOf(`arn:aws:kms:us-east-1:${ACCOUNT}:key/*`, endpoint), undefined);
      assert.equal(reachOf("not-an-arn", endpoint), undefined);
    });

    it("lets a statement that names another required type bind a created resource's type", async () => {
      const create = await actionResourceFormats("ec2:CreateNetworkInterface");
      const interfaces = `arn:aws:ec2:us-east-1:${ACCOUNT}:network-interface/*`;
      const subnet = `arn:aws:ec2:us-east-1:${ACCOUNT}:subnet/subnet-0a1b2c3d`;
      assert.equal(reachOf(interfaces, create, [subnet]), undefined);
      assert.deepEqual(reachOf(interfaces, create, [`arn:aws:ec2:us-east-1:${ACCOUNT}:subnet/*`]), {
        kind: "type",
        types: ["network-interface"],
        service: "ec2",
      });
      const remove = await actionResourceFormats("ec2:DeleteNetworkInterface");
      assert.deepEqual(reachOf(interfaces, remove, [subnet]), {
        kind: "type",
        types: ["network-interface"],
        service: "ec2",
      });
    });
  });

  it("actionResourceFormats: each resource type of the action, whether it is required", async () => {
    const formats = await actionResourceFormats("ec2:CreateNetworkInterface");
    assert.deepEqual(formats.map((f) => [f.type, f.required]).sort(), [
      ["network-interface", true],
      ["security-group", false],
      ["subnet", true],
    ]);
    assert.deepEqual(await actionResourceFormats("nosuchservice:Get"), []);
  });
});
