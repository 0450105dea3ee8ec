import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** What `taggableTypes.json` holds: the AWS resource types that take a tag map, and where the list comes from. */
export interface TaggableTypesFile {
  /** The package the list was derived from. */
  readonly package: "@pulumi/aws";
  /** Its version: a different installed version means the list must be generated again. */
  readonly version: string;
  /** Resource type tokens (`aws:s3/bucket:Bucket`), sorted. */
  readonly types: readonly string[];
}

/** Where the list is written, next to the module that reads it. */
export const TAGGABLE_TYPES_JSON = path.join(__dirname, "taggableTypes.json");

/** The installed `@pulumi/aws`. */
export function installedAwsPackage(): string {
  return path.dirname(require.resolve("@pulumi/aws/package.json"));
}

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    // `types/` holds the nested input and output shapes, not resources.
    if (entry.isDirectory() && entry.name !== "types" && entry.name !== "node_modules")
      yield* filesUnder(file);
    else if (entry.isFile()) yield file;
  }
}

/** The body of `export interface <name> { ... }` in a declaration file, or undefined. */
function interfaceBody(declarations: string, name: string): string | undefined {
  const start = declarations.indexOf(`\nexport interface ${name} {\n`);
  if (start < 0) return undefined;
  const end = declarations.indexOf("\n}\n", start + 1);
  return end < 0 ? undefined : declarations.slice(start, end);
}

/**
 * Whether a resource's Args interface has a top-level `tags` map (`tags?: pulumi.Input<{ [key: string]: ... }>`).
 * Resources whose `tags` is something else (the list of an autoscaling group, a tag filter of
 * DevOps Guru) are left out: they do not take the provider's default tags either.
 */
export function argsTakeTagMap(declarations: string, className: string): boolean {
  const body = interfaceBody(declarations, `${className}Args`);
  return (
    body !== undefined &&
    /\n {4}tags\?: pulumi\.Input<\{\n\s+\[key: string\]: pulumi\.Input<string>;/.test(body)
  );
}

/**
 * The type tokens of every resource in the installed `@pulumi/aws` whose inputs take a tag map:
 * each module's `.js` names its class and `__pulumiType`, its `.d.ts` declares `<Class>Args`.
 */
export function deriveTaggableTypes(packageDir: string = installedAwsPackage()): TaggableTypesFile {
  const types = new Set<string>();
  for (const file of filesUnder(packageDir)) {
    if (!file.endsWith(".js")) continue;
    const source = readFileSync(file, "utf8");
    const resource =
      /\nclass (\w+) extends pulumi\.CustomResource \{[\s\S]*?\n {4}static __pulumiType = '([^']+)';/.exec(
        source,
      );
    if (!resource) continue;
    const [, className, type] = resource as unknown as [string, string, string];
    const declarations = readFileSync(file.replace(/\.js$/, ".d.ts"), "utf8");
    if (argsTakeTagMap(declarations, className)) types.add(type);
  }
  const { version } = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as {
    version: string;
  };
  return { package: "@pulumi/aws", version, types: [...types].sort() };
}

/** The file's text: stable formatting, so that regenerating an unchanged list changes nothing. */
export function taggableTypesJson(file: TaggableTypesFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

// `npm run generate:taggable` after upgrading @pulumi/aws; a test fails until it is run.
if (require.main === module) {
  const file = deriveTaggableTypes();
  writeFileSync(TAGGABLE_TYPES_JSON, taggableTypesJson(file));
  console.log(`${TAGGABLE_TYPES_JSON}: ${file.types.length} taggable types of @pulumi/aws ${file.version}`);
}
