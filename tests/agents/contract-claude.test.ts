import { join } from 'node:path';
import { expect } from 'vitest';
import { contractSuite } from './contract-harness.js';

contractSuite({
  adapter: 'claude',
  api: 'anthropic',
  config: (url) => ({
    yaml: `
adapter: claude
model: claude-sonnet-4-5
maxTurns: 6
env: { ANTHROPIC_BASE_URL: "${url}", ANTHROPIC_API_KEY: sk-ant-test-not-a-real-key }
`,
  }),
  write: (path, content) => ({ tool: 'Write', input: { file_path: path, content } }),
  shell: (command) => ({ tool: 'Bash', input: { command, description: 'run a command' } }),
  costUsd: 'reported',
  maker: (r) => {
    expect(r.parsed).toMatchObject({ subtype: 'success', turns: 3 });
    expect(r.parsed.usage).toMatchObject({ inputTokens: 300, outputTokens: 60, totalTokens: 360 });
    expect(r.parsed.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.parsed.permissionDenials).toBeUndefined();
  },
  // claude's own permissions refuse a judge's edit and shell write before the sandbox has to.
  judge: (r, sb) =>
    expect(r.parsed.permissionDenials).toEqual([
      `Write: ${join(sb.worktree, 'sneaky.txt')}`,
      `Bash: echo edited > ${join(sb.main, 'sneaky-main.txt')}; echo edited > sneaky-shell.txt`,
    ]),
});
