import assert from "node:assert/strict";
import { requireKmsKeyRotation as rule } from "../../../policies/rules/require-kms-key-rotation";
import { checkResource, UNKNOWN, usePolicyDay } from "../../helpers/policyArgs";
import { previewStacks, programStacks, propsOfType } from "../../helpers/programStacks";

const KEY = "aws:kms/key:Key";
const NOTHING = { violations: [], notApplicable: [], unknown: [] };

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("require-kms-key-rotation", () => {
  let stacks: Awaited<ReturnType<typeof programStacks>>;
  let previews: Awaited<ReturnType<typeof previewStacks>>;
  before(async () => {
    stacks = await programStacks();
    previews = await previewStacks();
  });
  usePolicyDay("2026-11-22");

  /** A copy of the props of staging's platform key, the one key a stack creates. */
  const key = (): Props => propsOfType(stacks.staging, KEY);
  const check = async (props: Props, config?: Record<string, unknown>) => {
    const { violations, notApplicable, unknown } = await checkResource(rule, KEY, props, {
      name: "platform-key",
      config,
    });
    return { violations, notApplicable, unknown };
  };

  it("passes the key of each shipped stack, deployed and in a first preview", async () => {
    for (const stack of ["staging", "prod"] as const) {
      for (const resources of [stacks[stack], previews[stack]]) {
        const keys = resources.filter((r) => r.type === KEY);
        assert.equal(keys.length, 1, stack);
        assert.deepEqual(await check(keys[0].props), NOTHING, stack);
      }
    }
  });

  it("applies to KMS keys only", async () => {
    const outcome = await checkResource(rule, "aws:kms/replicaKey:ReplicaKey", {});
    assert.deepEqual(outcome.notApplicable, ["Policy only applies to resources of type 'aws:kms/key:Key'"]);
  });

  it("reports rotation turned off, or left at KMS's default (off)", async () => {
    const off = key();
    off.enableKeyRotation = false;
    assert.deepEqual((await check(off)).violations, [
      'Key "platform-key": enableKeyRotation is false; set it to true so that KMS rotates the key material at least every 365 days.',
    ]);
    const unset = key();
    delete unset.enableKeyRotation;
    assert.deepEqual((await check(unset)).violations, [
      'Key "platform-key": enableKeyRotation is not set (KMS does not rotate customer managed keys by default); set it to true so that KMS rotates the key material at least every 365 days.',
    ]);
  });

  it("reports a rotation period longer than maxRotationPeriodDays, also KMS's 365 days when none is set", async () => {
    const long = key();
    long.rotationPeriodInDays = 730;
    assert.deepEqual((await check(long)).violations, [
      'Key "platform-key": rotationPeriodInDays 730 is longer than maxRotationPeriodDays 365; set rotationPeriodInDays to 365 or less.',
    ]);
    assert.deepEqual((await check(long, { maxRotationPeriodDays: 730 })).violations, []);
    const short = key();
    short.rotationPeriodInDays = 90;
    assert.deepEqual((await check(short, { maxRotationPeriodDays: 180 })).violations, []);
    assert.deepEqual((await check(key(), { maxRotationPeriodDays: 180 })).violations, [
      'Key "platform-key": rotationPeriodInDays is not set, so KMS rotates every 365 days, longer than maxRotationPeriodDays 180; set rotationPeriodInDays to 180 or less.',
    ]);
  });

  it("does not apply to keys KMS cannot rotate: asymmetric, HMAC, in a custom key store", async () => {
    const cases: [Props, string][] = [
      [
        { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" },
        'its key spec "RSA_2048" is not a symmetric encryption key, which KMS cannot rotate automatically',
      ],
      [
        { customerMasterKeySpec: "HMAC_256", keyUsage: "GENERATE_VERIFY_MAC" },
        'its key spec "HMAC_256" is not a symmetric encryption key, which KMS cannot rotate automatically',
      ],
      [
        { keyUsage: "GENERATE_VERIFY_MAC" },
        'its key usage "GENERATE_VERIFY_MAC" is not encryption, which KMS cannot rotate automatically',
      ],
      [
        { customKeyStoreId: "cks-1234567890abcdef0" },
        "it is in a custom key store, whose keys KMS cannot rotate automatically",
      ],
      [
        { xksKeyId: "external-key-1" },
        "it is in a custom key store, whose keys KMS cannot rotate automatically",
      ],
    ];
    for (const [change, reason] of cases) {
      const props = { ...key(), ...change };
      delete props.enableKeyRotation;
      assert.deepEqual(
        await check(props),
        { ...NOTHING, notApplicable: [`Key "platform-key": ${reason}.`] },
        reason,
      );
    }
    // The symmetric default, spelled out, is judged.
    const symmetric: Props = {
      ...key(),
      customerMasterKeySpec: "SYMMETRIC_DEFAULT",
      keyUsage: "ENCRYPT_DECRYPT",
    };
    symmetric.enableKeyRotation = false;
    assert.equal((await check(symmetric)).violations.length, 1);
  });

  describe("waivers", () => {
    const off = () => ({ ...key(), enableKeyRotation: false });
    it("set aside a finding while in force", async () => {
      const waivers = [
        { resource: "platform-key", reason: "rotation after the audit", expires: "2026-12-31" },
      ];
      assert.deepEqual((await check(off(), { waivers })).violations, []);
    });
    it("add the expiry to the finding once expired", async () => {
      const waivers = [{ resource: "platform-*", reason: "rotation after the audit", expires: "2026-11-01" }];
      const [message] = (await check(off(), { waivers })).violations;
      assert.match(
        message,
        /at least every 365 days\. \(The waiver for "platform-\*" expired on 2026-11-01: rotation after the audit\.\)$/,
      );
    });
  });

  describe("during preview", () => {
    it("assumes unknown rotation settings comply, and unknown key specs are symmetric, without the engine's advisory", async () => {
      assert.deepEqual(await check({ ...key(), enableKeyRotation: UNKNOWN.boolean }), NOTHING);
      assert.deepEqual(
        await check({ ...key(), rotationPeriodInDays: UNKNOWN.number }, { maxRotationPeriodDays: 90 }),
        NOTHING,
      );
      const unknownSpec = { ...key(), customerMasterKeySpec: UNKNOWN.string, keyUsage: UNKNOWN.string };
      assert.deepEqual(await check(unknownSpec), NOTHING);
      assert.equal((await check({ ...unknownSpec, enableKeyRotation: false })).violations.length, 1);
    });
  });
});
