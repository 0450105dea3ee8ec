import { writeFileSync } from "node:fs";
import type { Plan } from "./plan";
import { renderFindings } from "./report/findings";
import { toJson } from "./report/json";
import { toJunit } from "./report/junit";
import { toMermaid } from "./report/mermaid";
import { SarifPolicy, toSarif } from "./report/sarif";
import { renderTree } from "./report/tree";

/** The files a run may write, from `--json`, `--sarif`, `--junit` and `--mermaid`. */
export interface OutputFiles {
  readonly json?: string;
  readonly sarif?: string;
  readonly junit?: string;
  readonly mermaid?: string;
}

/** The pack's name and version, as the findings' tool. */
const PACK = { packName: "mlops-guardrails", packVersion: "0.1.0" };

/** Writes the requested files and returns the text for the terminal: the tree (if asked) and the findings. */
export function report(
  plan: Plan,
  options: {
    readonly files: OutputFiles;
    readonly color: boolean;
    readonly tree: boolean;
    /** `--expand`: every resource in the tree, none collapsed. @default false */
    readonly expand?: boolean;
    /** Columns the tree fits in (the terminal's). @default 120 */
    readonly width?: number;
    readonly policies?: readonly string[];
    /** The pack's policies as it describes itself (`runPack`'s `onDescribed`), for the SARIF rules' severity and controls. */
    readonly described?: readonly SarifPolicy[];
  },
): string {
  const { files } = options;
  if (files.json) writeFileSync(files.json, toJson(plan));
  if (files.sarif) {
    const sarif = toSarif(plan, { ...PACK, policies: options.described });
    writeFileSync(files.sarif, `${JSON.stringify(sarif, null, 2)}\n`);
  }
  if (files.junit) writeFileSync(files.junit, toJunit(plan, { policies: options.policies }));
  if (files.mermaid) writeFileSync(files.mermaid, `${toMermaid(plan)}\n`);
  const parts = options.tree
    ? [renderTree(plan, { color: options.color, expand: options.expand === true, width: options.width })]
    : [];
  parts.push(renderFindings(plan, { color: options.color }));
  return `${parts.join("\n\n")}\n`;
}
