/**
 * Parses Prometheus' text format into `name{sorted labels}` -> value, so tests read a series whatever order the
 * labels were written in. Comment lines are skipped.
 */
export function parsePromText(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels = match[2] ? [...match[2].matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((m) => `${m[1]}="${m[2]}"`).sort() : [];
    out.set(series(match[1]!, labels), Number(match[3]));
  }
  return out;
}

/** The key of one series: `name{a="1",b="2"}` with labels sorted. */
export function seriesKey(name: string, labels: Record<string, string> = {}): string {
  return series(
    name,
    Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .sort(),
  );
}

function series(name: string, labels: string[]): string {
  return labels.length ? `${name}{${labels.join(",")}}` : name;
}
