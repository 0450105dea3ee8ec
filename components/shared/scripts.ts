import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";

/** The folder of the scripts SageMaker jobs run, and of the sample data, that ship with the platform. */
export const ML_DIR = path.resolve(__dirname, "..", "..", "ml");

/**
 * `code/<digest>/<file>`: content-addressed, so that a changed script is a new object and changes
 * the definition that names it, and the key says which version ran.
 */
export function scriptKey(file: string): string {
  const digest = createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 12);
  return `code/${digest}/${path.basename(file)}`;
}
