import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';

/** The README's per-CLI configuration is valid jidoka.yaml and names what the contract tests configure. */
describe('README, "Agent CLIs"', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Agent CLIs'), readme.indexOf('## Sandbox'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

  it('is a jidoka.yaml Jidoka accepts, one role per CLI', () => {
    const agents = parseConfig(yaml).agents;
    expect(Object.values(agents).map((a) => a?.adapter)).toEqual([
      'claude',
      'codex',
      'opencode',
      'gemini',
      'pi',
    ]);
  });

  it('names the variables and files each contract test sets', () => {
    for (const name of [
      'ANTHROPIC_BASE_URL',
      'model_providers.mine=',
      'OPENCODE_CONFIG',
      'GEMINI_CLI_HOME',
      'GOOGLE_GEMINI_BASE_URL',
      '"selectedType": "gemini-api-key"',
      '"maxAttempts": 3',
      'PI_CODING_AGENT_DIR',
      '"api": "openai-completions"',
      '"npm": "@ai-sdk/openai-compatible"',
    ])
      expect(section).toContain(name);
  });
});
