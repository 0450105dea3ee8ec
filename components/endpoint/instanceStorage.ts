/**
 * Families whose instances come with local NVMe storage but no "d" in their name. Their volumes
 * are encrypted by the instance's hardware, and SageMaker refuses an endpoint configuration with a
 * KMS key for them.
 */
const NVME_FAMILIES_WITHOUT_D = new Set([
  "dl1",
  "g5",
  "g6",
  "g6e",
  "p5",
  "p5e",
  "p5en",
  "p6-b200",
  "p6-b300",
  "p6e-gb200",
  "trn1",
  "trn1n",
  "trn2",
]);

/** Whether an instance type has local instance storage (e.g. ml.m5d.large, ml.g4dn.xlarge, ml.g5.xlarge). */
export function hasLocalInstanceStorage(instanceType: string): boolean {
  const family = instanceType.split(".")[1] ?? "";
  // m5d, c5d, r5d, m6id, c6id, g4dn, p3dn, p4d, p4de: a "d" after the generation digit.
  return /^[a-z]+\d+[a-z]*d[a-z]*$/.test(family) || NVME_FAMILIES_WITHOUT_D.has(family);
}
