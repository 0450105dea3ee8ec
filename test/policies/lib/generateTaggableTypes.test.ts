import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  argsTakeTagMap,
  deriveTaggableTypes,
  TAGGABLE_TYPES_JSON,
  taggableTypesJson,
} from "../../../policies/lib/generateTaggableTypes";

/** A resource module as `@pulumi/aws` ships it: the class and its `__pulumiType` in .js, its Args in .d.ts. */
function resourceModule(className: string, type: string, argsBody: string) {
  return {
    js: `"use strict";\nclass ${className} extends pulumi.CustomResource {\n    static get(name, id, state, opts) {}\n    /** @internal */\n    static __pulumiType = '${type}';\n}\nexports.${className} = ${className};\n`,
    dts: `import * as pulumi from "@pulumi/pulumi";\nexport declare class ${className} extends pulumi.CustomResource {\n    readonly tags: pulumi.Output<{\n        [key: string]: string;\n    } | undefined>;\n}\nexport interface ${className}State {\n    tags?: pulumi.Input<{\n        [key: string]: pulumi.Input<string>;\n    } | undefined>;\n}\nexport interface ${className}Args {\n${argsBody}}\n`,
  };
}

const TAG_MAP =
  "    /**\n     * Map of tags.\n     */\n    tags?: pulumi.Input<{\n        [key: string]: pulumi.Input<string>;\n    } | undefined>;\n";
const NAME_ONLY = "    name?: pulumi.Input<string | undefined>;\n";

describe("generateTaggableTypes", () => {
  it("taggableTypes.json is what the installed @pulumi/aws gives (run `npm run generate:taggable` after an upgrade)", () => {
    const derived = deriveTaggableTypes();
    const { version } = JSON.parse(readFileSync(require.resolve("@pulumi/aws/package.json"), "utf8")) as {
      version: string;
    };
    assert.equal(derived.version, version);
    assert.equal(readFileSync(TAGGABLE_TYPES_JSON, "utf8"), taggableTypesJson(derived));
  });

  it("lists the resources whose inputs take a tag map, and only those", () => {
    const { types } = deriveTaggableTypes();
    for (const type of [
      "aws:s3/bucket:Bucket",
      "aws:sagemaker/endpoint:Endpoint",
      "aws:iam/role:Role",
      "aws:sagemaker/pipeline:Pipeline",
      "aws:appautoscaling/target:Target",
    ]) {
      assert.ok(types.includes(type), `${type} takes tags`);
    }
    for (const type of [
      "aws:iam/rolePolicy:RolePolicy",
      "aws:s3/bucketPolicy:BucketPolicy",
      "aws:cloudwatch/eventTarget:EventTarget",
      "aws:kms/alias:Alias",
      // Its `tags` is a list of {key, value, propagateAtLaunch}, not a map.
      "aws:autoscaling/group:Group",
    ]) {
      assert.ok(!types.includes(type), `${type} takes no tag map`);
    }
    assert.deepEqual(types, [...types].sort());
    assert.ok(types.length > 500, `only ${types.length} types: the scan missed modules`);
  });

  it("reads a top-level tags map of the Args interface, not of State or of nested inputs", () => {
    assert.equal(argsTakeTagMap(resourceModule("Thing", "aws:x/thing:Thing", TAG_MAP).dts, "Thing"), true);
    assert.equal(argsTakeTagMap(resourceModule("Thing", "aws:x/thing:Thing", NAME_ONLY).dts, "Thing"), false);
    const nested = "    settings?: pulumi.Input<{\n" + TAG_MAP.replace(/^ {4}/gm, "        ") + "    }>;\n";
    assert.equal(argsTakeTagMap(resourceModule("Thing", "aws:x/thing:Thing", nested).dts, "Thing"), false);
    const list = "    tags?: pulumi.Input<pulumi.Input<inputs.autoscaling.GroupTag>[] | undefined>;\n";
    assert.equal(argsTakeTagMap(resourceModule("Thing", "aws:x/thing:Thing", list).dts, "Thing"), false);
  });

  it("scans every module of a package, skipping data sources, and records its version", () => {
    const root = mkdtempSync(path.join(tmpdir(), "aws-package-"));
    try {
      mkdirSync(path.join(root, "svc"));
      mkdirSync(path.join(root, "types"));
      writeFileSync(
        path.join(root, "package.json"),
        JSON.stringify({ name: "@pulumi/aws", version: "9.9.9" }),
      );
      const files: Record<string, { js: string; dts: string }> = {
        "svc/tagged": resourceModule("Tagged", "aws:svc/tagged:Tagged", TAG_MAP),
        "svc/untagged": resourceModule("Untagged", "aws:svc/untagged:Untagged", NAME_ONLY),
        "svc/getTagged": {
          js: "function getTagged(args) {}\nexports.getTagged = getTagged;\n",
          dts: "export interface GetTaggedArgs {\n" + TAG_MAP + "}\n",
        },
        "types/input": resourceModule("Hidden", "aws:types/hidden:Hidden", TAG_MAP),
      };
      for (const [file, { js, dts }] of Object.entries(files)) {
        writeFileSync(path.join(root, `${file}.js`), js);
        writeFileSync(path.join(root, `${file}.d.ts`), dts);
      }
      assert.deepEqual(deriveTaggableTypes(root), {
        package: "@pulumi/aws",
        version: "9.9.9",
        types: ["aws:svc/tagged:Tagged"],
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
