import { join } from 'node:path';
import { contractSuite } from './contract-harness.js';

contractSuite({
  adapter: 'pi',
  api: 'chat',
  config: (url, dir) => ({
    yaml: `
adapter: pi
model: local/test-model
env: { PI_CODING_AGENT_DIR: ${join(dir, 'pi')}, LOCAL_API_KEY: sk-test-not-a-real-key, PI_OFFLINE: "1" }
`,
    files: {
      [join(dir, 'pi', 'models.json')]: JSON.stringify(
        {
          providers: {
            local: {
              baseUrl: `${url}/v1`,
              api: 'openai-completions',
              apiKey: 'LOCAL_API_KEY',
              compat: { supportsDeveloperRole: false, supportsReasoningEffort: false },
              models: [{ id: 'test-model', cost: { input: 1, output: 10, cacheRead: 0, cacheWrite: 0 } }],
            },
          },
        },
        null,
        2,
      ),
    },
  }),
  write: (path, content) => ({ tool: 'write', input: { path, content } }),
  shell: (command) => ({ tool: 'bash', input: { command } }),
  costUsd: 'reported',
});
