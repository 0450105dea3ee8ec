import * as path from "node:path";

/** The platform's components folder, where each function's handler and the shared modules live. */
export const COMPONENTS_DIR = path.resolve(__dirname, "..", "..", "components");

/** The shared Python module every function's deployment package carries next to its handler. */
export const AWS_CLIENTS_FILE = path.join(COMPONENTS_DIR, "shared", "functions", "aws_clients.py");

/**
 * The files of an archive (a Lambda function's `code`) as the runtime sends it to the engine:
 * each file's name in the archive and the file it is read from.
 */
export function archiveFiles(archive: unknown): Record<string, string> {
  const assets = (archive as { assets?: Record<string, { path?: unknown }> } | undefined)?.assets;
  if (assets === undefined) throw new Error(`not an archive of assets: ${JSON.stringify(archive)}`);
  return Object.fromEntries(
    Object.entries(assets).map(([name, asset]) => {
      if (typeof asset.path !== "string") {
        throw new Error(`${name} is not a file asset: ${JSON.stringify(asset)}`);
      }
      return [name, asset.path];
    }),
  );
}
