/**
 * A byte-bounded buffer that keeps only the most recent output. Agent and test processes can print megabytes;
 * the end of the output (the failure, the summary) is what matters, so we keep the tail in bounded memory.
 */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = false;

  constructor(private readonly maxBytes: number) {
    if (!Number.isFinite(maxBytes) || maxBytes < 0) throw new RangeError(`invalid maxBytes: ${maxBytes}`);
  }

  /** Adds output; older bytes beyond maxBytes are discarded. */
  append(chunk: string | Buffer): void {
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    if (buf.length === 0) return;
    this.chunks.push(buf);
    this.size += buf.length;
    while (this.size > this.maxBytes) {
      const first = this.chunks[0];
      if (!first) break;
      const excess = this.size - this.maxBytes;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
      this.dropped = true;
    }
  }

  /** The kept tail, decoded as UTF-8; a character cut at the start is skipped rather than shown as garbage. */
  toString(): string {
    let buf = Buffer.concat(this.chunks, this.size);
    if (this.dropped) {
      // Skip UTF-8 continuation bytes (10xxxxxx) left over from a character split by truncation.
      let start = 0;
      while (start < buf.length && start < 3 && ((buf[start] ?? 0) & 0xc0) === 0x80) start++;
      buf = buf.subarray(start);
    }
    return buf.toString("utf8");
  }

  /** True once any output has been discarded. */
  get truncated(): boolean {
    return this.dropped;
  }
}
