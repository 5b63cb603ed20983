import { expect } from 'vitest';
import { contractSuite } from './contract-harness.js';

const shellQuote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

contractSuite({
  adapter: 'codex',
  api: 'openai',
  config: (url) => ({
    yaml: `
adapter: codex
model: gpt-test
args:
  - -c
  - model_provider="local"
  - -c
  - model_providers.local={name="local",base_url="${url}/v1",env_key="LOCAL_API_KEY",wire_api="responses"}
env: { LOCAL_API_KEY: sk-test-not-a-real-key }
price: { inputPerMTok: 1, outputPerMTok: 10 }
`,
  }),
  // codex edits files through its shell tool (or apply_patch): one tool for both.
  write: (path, content) => ({
    tool: 'exec_command',
    input: { cmd: `printf %s ${shellQuote(content)} > ${path}` },
  }),
  shell: (command) => ({ tool: 'exec_command', input: { cmd: command } }),
  costUsd: 'priced',
  // codex retries a 5xx five times, then reports its own sentence instead of the API's body.
  serverErrorText: 'experiencing high demand',
  maker: (r) => {
    expect(r.parsed).toMatchObject({ subtype: 'success', turns: 1 });
    expect(r.parsed.usage).toEqual({
      inputTokens: 300,
      outputTokens: 60,
      cachedInputTokens: 0,
      totalTokens: 360,
    });
    expect(r.parsed.costUsd).toBeCloseTo((300 * 1 + 60 * 10) / 1e6, 10);
    expect(r.parsed.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  },
});
