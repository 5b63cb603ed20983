import { join } from 'node:path';
import { contractSuite } from './contract-harness.js';

contractSuite({
  adapter: 'gemini',
  api: 'gemini',
  config: (url, dir) => ({
    yaml: `
adapter: gemini
model: gemini-2.5-flash
env:
  GEMINI_CLI_HOME: ${join(dir, 'gemini')}
  GOOGLE_GEMINI_BASE_URL: "${url}"
  GEMINI_API_KEY: test-not-a-real-key
price: { inputPerMTok: 0.3, outputPerMTok: 2.5 }
sandbox: { writable: [${join(dir, 'gemini')}] }
`,
    files: {
      [join(dir, 'gemini', '.gemini', 'settings.json')]: JSON.stringify({
        security: { auth: { selectedType: 'gemini-api-key' } },
        general: { maxAttempts: 3 },
      }),
    },
  }),
  write: (path, content) => ({ tool: 'write_file', input: { file_path: path, content } }),
  shell: (command) => ({ tool: 'run_shell_command', input: { command, description: 'run a command' } }),
  costUsd: 'priced',
  // With maxAttempts 3, gemini waits twice before it gives up on a 5xx.
  serverErrorMs: 90_000,
});
