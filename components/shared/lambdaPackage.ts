import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

/**
 * The Python modules that every function's deployment package carries next to its handler, by
 * their file name in the package. Handlers import them by that name: Lambda puts the package's
 * root on the import path.
 */
export const LAMBDA_SHARED_MODULES: Readonly<Record<string, string>> = {
  "aws_clients.py": path.join(__dirname, "functions", "aws_clients.py"),
};

/** The files of a Python function's deployment package: file name in the package → file to read. */
export function lambdaPackageFiles(handlerFile: string): Record<string, string> {
  const handlerName = path.basename(handlerFile);
  if (handlerName in LAMBDA_SHARED_MODULES) {
    throw new Error(`the handler ${handlerFile} has the name of a shared module of the package`);
  }
  return { [handlerName]: handlerFile, ...LAMBDA_SHARED_MODULES };
}

/** A Python function's `code`: its handler file and the shared modules, at the package's root. */
export function lambdaCode(handlerFile: string): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive(
    Object.fromEntries(
      Object.entries(lambdaPackageFiles(handlerFile)).map(([name, file]) => [
        name,
        new pulumi.asset.FileAsset(file),
      ]),
    ),
  );
}
