/**
 * A stack setting's value as Pulumi hands it to a program: structured values (mappings, lists) as
 * JSON text, plain values as strings. The program, the offline preview and the workflows' scripts
 * read stack files through this one function.
 */
export function parseConfigValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
