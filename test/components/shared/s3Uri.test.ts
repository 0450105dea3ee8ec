import assert from "node:assert/strict";
import { s3FolderArn } from "../../../components/shared/s3Uri";

describe("s3FolderArn", () => {
  it("is everything in the folder of the object a URI names", () => {
    assert.equal(
      s3FolderArn("aws", "s3://b-artifacts/pipelines/exec-1/Train/model/model.tar.gz"),
      "arn:aws:s3:::b-artifacts/pipelines/exec-1/Train/model/*",
    );
    assert.equal(s3FolderArn("aws-cn", "s3://b-data/model.tar.gz"), "arn:aws-cn:s3:::b-data/*");
    assert.equal(
      s3FolderArn("aws", "s3://b-data/data-capture/endpoint/"),
      "arn:aws:s3:::b-data/data-capture/endpoint/*",
    );
  });

  it("refuses a URI that names no object", () => {
    assert.throws(() => s3FolderArn("aws", "s3://b-data"), { message: '"s3://b-data" is not an S3 URI' });
    assert.throws(() => s3FolderArn("aws", "https://b-data/x"), {
      message: '"https://b-data/x" is not an S3 URI',
    });
  });
});
