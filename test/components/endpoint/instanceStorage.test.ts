import assert from "node:assert/strict";
import { ProductionVariantInstanceType } from "@aws-sdk/client-sagemaker";
import { hasLocalInstanceStorage } from "../../../components/endpoint/instanceStorage";

describe("hasLocalInstanceStorage", () => {
  it("recognises NVMe instance types, with or without a 'd' in the family", () => {
    for (const type of [
      "ml.m5d.large",
      "ml.c5d.xlarge",
      "ml.r5d.2xlarge",
      "ml.g4dn.xlarge",
      "ml.p4d.24xlarge",
      "ml.g5.xlarge",
      "ml.m6gd.large",
    ]) {
      assert.equal(hasLocalInstanceStorage(type), true, type);
    }
  });

  it("leaves EBS-only instance types to be encrypted with the stack key", () => {
    for (const type of [
      "ml.t2.medium",
      "ml.m5.xlarge",
      "ml.c5.large",
      "ml.c6gn.large",
      "ml.inf2.xlarge",
      "ml.m6g.large",
    ]) {
      assert.equal(hasLocalInstanceStorage(type), false, type);
    }
  });

  it("knows every family of SageMaker endpoint instance types the SDK lists", () => {
    // Fails when the SDK adds a family: decide whether it has local storage and extend the list.
    const families = [...new Set(Object.values(ProductionVariantInstanceType).map((t) => t.split(".")[1]))];
    const withStorage = families.filter((family) => hasLocalInstanceStorage(`ml.${family}.xlarge`)).sort();
    assert.deepEqual(withStorage, [
      "c5d",
      "c6gd",
      "dl1",
      "g4dn",
      "g5",
      "g6",
      "g6e",
      "m5d",
      "m6gd",
      "p4d",
      "p4de",
      "p5",
      "p5e",
      "p5en",
      "p6-b200",
      "p6-b300",
      "p6e-gb200",
      "r5d",
      "r6gd",
      "r7gd",
      "trn1",
      "trn1n",
      "trn2",
    ]);
  });
});
