/**
 * Rows as aligned columns, two spaces apart, for list commands. Every
 * column but the last is padded to its widest cell, and cut at `clip`
 * characters when given; trailing spaces are trimmed.
 */
export function table(rows: string[][], clip = Number.POSITIVE_INFINITY): string {
  const widths = rows[0]!.map((_, c) => Math.min(clip, Math.max(...rows.map((r) => (r[c] ?? '').length))));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === r.length - 1 ? cell : cell.slice(0, widths[c]).padEnd(widths[c]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
