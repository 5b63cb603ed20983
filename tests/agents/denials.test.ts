import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseClaude } from '../../src/agents/adapters/claude.js';

/** claude reports refused tool uses in the result event, with exit 0: each becomes one readable line. */
describe('permission denials in claude output', () => {
  const fixture = readFileSync(join(import.meta.dirname, 'fixtures', 'claude-denials.json'), 'utf8');

  it('reads each refused tool use as "Tool: what" (command, file, else its input), and the run is no error', () => {
    const parsed = parseClaude(fixture, '');
    expect(parsed.isError).toBe(false);
    expect(parsed.permissionDenials).toEqual([
      'Bash: npm test',
      'Write: /etc/hosts',
      'WebFetch: {"url":"https://example.invalid"}',
    ]);
    expect(parsed.usage?.totalTokens).toBe(2120);
  });

  it('finds them in the last result event of stream-json output too', () => {
    const stream = [
      '{"type":"system","subtype":"init","session_id":"7c1e2f40-0000-4000-8000-000000000042"}',
      '{"type":"assistant","message":{"content":[{"type":"text","text":"working"}]}}',
      JSON.stringify(JSON.parse(fixture)),
    ].join('\n');
    expect(parseClaude(stream, '').permissionDenials).toHaveLength(3);
  });

  it('an empty list is no denial', () => {
    const none = JSON.stringify({ ...JSON.parse(fixture), permission_denials: [] });
    expect(parseClaude(none, '').permissionDenials).toBeUndefined();
  });
});
