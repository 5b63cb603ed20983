/**
 * The first key that appears twice in one object of a JSON text, as a
 * dotted path (`usage.costUsd`), or undefined. JSON.parse keeps the last of
 * two equal keys without a word; a verdict must not depend on which one a
 * reader keeps. Expects text JSON.parse accepted; keys compare decoded
 * (`"a"` and `"\u0061"` are one key).
 */
export function duplicateKey(text: string): string | undefined {
  type Frame = { keys: Set<string>; expectKey: boolean; key?: string } | { array: true; key?: string };
  const stack: Frame[] = [];
  let pendingKey: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      const end = stringEnd(text, i);
      const s = JSON.parse(text.slice(i, end + 1)) as string;
      i = end;
      if (top && 'keys' in top && top.expectKey) {
        if (top.keys.has(s)) return [...stack.map((f) => f.key).filter((k) => k !== undefined), s].join('.');
        top.keys.add(s);
        top.expectKey = false;
        pendingKey = s;
      }
    } else if (c === '{' || c === '[') {
      const key = top && 'keys' in top ? pendingKey : undefined;
      stack.push(c === '{' ? { keys: new Set(), expectKey: true, key } : { array: true, key });
    } else if (c === '}' || c === ']') stack.pop();
    else if (c === ',' && top && 'keys' in top) top.expectKey = true;
  }
  return undefined;
}

/** Index of the closing quote of the string literal opening at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}
