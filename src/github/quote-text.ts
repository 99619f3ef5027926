/**
 * Text an agent or a test run wrote, made safe to post on GitHub. Two ways, both pure:
 * - `fenced`: a code block, for output shown as it is (agent summary, test output, error text): nothing in a
 *   code block is live on GitHub (no mention, reference, closing keyword, image, link or HTML).
 * - `inertMarkdown`: for text that should keep its markdown (a review): the live parts are broken up instead.
 */

/** A fenced code block holding `text` verbatim; the fence is longer than any backtick run in it. Pure, linear. */
export function fenced(text: string): string {
  let longest = 2;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const ticks = "`".repeat(longest + 1);
  return `${ticks}\n${text}\n${ticks}`;
}

/** Invisible, so the text reads the same, but GitHub no longer recognises the word or the reference. */
const ZWSP = "\u200b";

/**
 * Markdown with its live parts made inert, keeping the rest readable. Pure, linear. Lines inside fenced code
 * blocks are left as they are (nothing there is live); everywhere else:
 * - HTML and autolinks: `<` becomes `&lt;` (no tag, no `<img>`, no `<details>` that hides text).
 * - Images: `![` becomes `!\[`, so nothing is loaded from an address the agent chose.
 * - @mentions and team mentions: `@` gets a zero-width space after it (nobody is notified).
 * - Closing keywords (`Closes #1`, `fixes owner/repo#2`, `resolved https://…/issues/3`): the keyword is broken, so
 *   merging a pull request closes nothing the agent named; plain `#1` references stay links.
 * Inline code spans are treated as text (a `<` there shows as `&lt;`): being safe beats being pretty.
 */
export function inertMarkdown(text: string): string {
  let fence: string | undefined;
  return text
    .split("\n")
    .map((line) => {
      const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence) {
        if (marker && marker[0] === fence[0] && marker.length >= fence.length && !line.slice(line.indexOf(marker) + marker.length).trim())
          fence = undefined;
        return line;
      }
      if (marker && !(marker[0] === "`" && line.slice(line.indexOf(marker) + marker.length).includes("`"))) {
        fence = marker;
        return inertLine(line);
      }
      return inertLine(line);
    })
    .join("\n");
}

function inertLine(line: string): string {
  return line
    .replace(/</g, "&lt;")
    .replace(/!\[/g, "!\\[")
    .replace(/@(?=[A-Za-z0-9_-])/g, `@${ZWSP}`)
    .replace(/\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b/gi, (word: string) => `${word.slice(0, 1)}${ZWSP}${word.slice(1)}`);
}
