/** A one-line progress indicator on stderr, drawn only on a terminal: CI logs stay clean. */
export class Progress {
  private readonly enabled: boolean;
  private frame = 0;
  private last = "";

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.stream = stream;
    this.enabled = stream.isTTY === true && process.env.CI === undefined;
  }

  private readonly stream: NodeJS.WriteStream;

  /** Shows `text` (replacing what was shown). */
  show(text: string): void {
    if (!this.enabled || text === this.last) return;
    this.last = text;
    const spinner = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"[this.frame++ % 10];
    this.stream.write(`\r\x1b[2K${spinner} ${text}`);
  }

  /** Clears the line. */
  done(): void {
    if (this.enabled && this.last !== "") this.stream.write("\r\x1b[2K");
    this.last = "";
  }
}
