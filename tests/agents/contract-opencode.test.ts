import { join } from 'node:path';
import { contractSuite } from './contract-harness.js';

contractSuite({
  adapter: 'opencode',
  api: 'chat',
  config: (url, dir) => ({
    yaml: `
adapter: opencode
model: local/test-model
env: { OPENCODE_CONFIG: ${join(dir, 'opencode.json')}, LOCAL_API_KEY: sk-test-not-a-real-key }
`,
    files: {
      [join(dir, 'opencode.json')]: JSON.stringify(
        {
          $schema: 'https://opencode.ai/config.json',
          provider: {
            local: {
              npm: '@ai-sdk/openai-compatible',
              name: 'Local',
              options: { baseURL: `${url}/v1`, apiKey: '{env:LOCAL_API_KEY}' },
              models: { 'test-model': { name: 'Test model', cost: { input: 1, output: 10 } } },
            },
          },
        },
        null,
        2,
      ),
    },
  }),
  write: (path, content) => ({ tool: 'write', input: { filePath: path, content } }),
  shell: (command) => ({ tool: 'bash', input: { command, description: 'run a command' } }),
  costUsd: 'reported',
  // opencode is heavy to start (a session database, a snapshot repository): two at a time. It retries a
  // 5xx five times with backoff (2 s doubling, its own constants) before it gives up.
  parallel: 2,
  hangTimeoutMs: 90_000,
  serverErrorMs: 150_000,
});
