import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  requireLambdaSupportedRuntimes as rule,
  SUPPORTED_RUNTIMES,
} from "../../../policies/rules/require-lambda-supported-runtimes";
import { checkResource, UNKNOWN, usePolicyDay } from "../../helpers/policyArgs";
import { previewStacks, programStacks, propsOfType } from "../../helpers/programStacks";

const FUNCTION = "aws:lambda/function:Function";
const NOTHING = { violations: [], notApplicable: [], unknown: [] };
const ALLOWED = '["nodejs22.x","nodejs24.x","python3.12","python3.13","python3.14"]';

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The rule's entry in a stack's pack config. */
function packEntry(stack: string): unknown {
  const text = readFileSync(path.resolve(__dirname, "../../../policies/config", `${stack}.json`), "utf8");
  return JSON.parse(text)["require-lambda-supported-runtimes"];
}

describe("require-lambda-supported-runtimes", () => {
  let stacks: Awaited<ReturnType<typeof programStacks>>;
  let previews: Awaited<ReturnType<typeof previewStacks>>;
  before(async () => {
    stacks = await programStacks();
    previews = await previewStacks();
  });
  usePolicyDay("2026-11-22");

  /** A copy of the props of one of staging's functions (they share the platform's Python runtime). */
  const fn = (): Props => propsOfType(stacks.staging, FUNCTION);
  const check = async (props: Props, config?: Record<string, unknown>) => {
    const { violations, notApplicable, unknown } = await checkResource(rule, FUNCTION, props, {
      name: "steps",
      config,
    });
    return { violations, notApplicable, unknown };
  };

  it("passes every function of the shipped stacks, deployed and in a first preview, with their pack config", async () => {
    for (const stack of ["staging", "prod"] as const) {
      assert.equal(packEntry(stack), "mandatory", stack);
      for (const resources of [stacks[stack], previews[stack]]) {
        const functions = resources.filter((r) => r.type === FUNCTION);
        assert.ok(functions.length > 0, stack);
        for (const f of functions) {
          assert.equal(f.props.runtime, "python3.12", f.name);
          assert.deepEqual(await check(f.props), NOTHING, `${stack} ${f.name}`);
        }
      }
    }
  });

  it("applies to Lambda functions only", async () => {
    const outcome = await checkResource(rule, "aws:lambda/layerVersion:LayerVersion", {});
    assert.deepEqual(outcome.notApplicable, [
      "Policy only applies to resources of type 'aws:lambda/function:Function'",
    ]);
  });

  it("allows the Python and Node.js runtimes Lambda supports by default", () => {
    assert.deepEqual(rule.configSchema?.properties?.allowedRuntimes?.default, [...SUPPORTED_RUNTIMES]);
    assert.equal(JSON.stringify(SUPPORTED_RUNTIMES), ALLOWED);
  });

  it("reports a deprecated runtime, with the supported ones of its language", async () => {
    assert.deepEqual((await check({ ...fn(), runtime: "python3.11" })).violations, [
      `Function "steps": runtime "python3.11" is not one of allowedRuntimes ${ALLOWED}, the runtimes Lambda still patches; move the function to one of ["python3.12","python3.13","python3.14"].`,
    ]);
    assert.deepEqual((await check({ ...fn(), runtime: "nodejs20.x" })).violations, [
      `Function "steps": runtime "nodejs20.x" is not one of allowedRuntimes ${ALLOWED}, the runtimes Lambda still patches; move the function to one of ["nodejs22.x","nodejs24.x"].`,
    ]);
  });

  it("reports a runtime of another language than those allowed", async () => {
    assert.deepEqual((await check({ ...fn(), runtime: "java21" })).violations, [
      `Function "steps": runtime "java21" is not one of allowedRuntimes ${ALLOWED}, the runtimes Lambda still patches; move the function to one of them.`,
    ]);
  });

  it("takes the runtimes a stack's pack config allows instead", async () => {
    const config = { allowedRuntimes: ["python3.13", "provided.al2023"] };
    assert.deepEqual(await check({ ...fn(), runtime: "provided.al2023" }, config), NOTHING);
    assert.deepEqual((await check(fn(), config)).violations, [
      'Function "steps": runtime "python3.12" is not one of allowedRuntimes ["python3.13","provided.al2023"], the runtimes Lambda still patches; move the function to one of ["python3.13"].',
    ]);
  });

  it("reports a .zip function without a runtime", async () => {
    const bare = fn();
    delete bare.runtime;
    assert.deepEqual((await check(bare)).violations, [
      `Function "steps" sets no runtime, which a .zip function needs; set runtime to one of allowedRuntimes ${ALLOWED}.`,
    ]);
    assert.equal((await check({ ...bare, packageType: "Zip" })).violations.length, 1);
  });

  it("does not judge a container image function, whose runtime is the image's, as Security Hub Lambda.2 does not", async () => {
    const image: Props = {
      ...fn(),
      packageType: "Image",
      imageUri: "111111111111.dkr.ecr.us-east-1.amazonaws.com/steps:1",
    };
    delete image.runtime;
    delete image.handler;
    assert.deepEqual(await check(image), {
      violations: [],
      notApplicable: [
        'Function "steps" is a container image, which brings its own runtime; scan the image instead.',
      ],
      unknown: [],
    });
  });

  describe("waivers", () => {
    const old = () => ({ ...fn(), runtime: "python3.9" });
    it("set aside a finding while in force", async () => {
      const waivers = [{ resource: "steps", reason: "migration planned", expires: "2026-12-31" }];
      assert.deepEqual((await check(old(), { waivers })).violations, []);
    });
    it("add the expiry to the finding once expired", async () => {
      const waivers = [{ resource: "ste*", reason: "migration planned", expires: "2026-11-01" }];
      const [message] = (await check(old(), { waivers })).violations;
      assert.match(message, /\(The waiver for "ste\*" expired on 2026-11-01: migration planned\.\)$/);
    });
  });

  describe("during preview", () => {
    it("assumes an unknown runtime or package type complies, without the engine's advisory", async () => {
      assert.deepEqual(await check({ ...fn(), runtime: UNKNOWN.string }), NOTHING);
      assert.deepEqual(await check({ ...fn(), runtime: "python3.9", packageType: UNKNOWN.string }), NOTHING);
    });
  });
});
