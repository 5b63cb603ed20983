import type { AdapterName } from '../../config/schema.js';
import type { Adapter } from '../types.js';
import { aider } from './aider.js';
import { claude } from './claude.js';
import { codex } from './codex.js';
import { command } from './command.js';
import { gemini } from './gemini.js';
import { opencode } from './opencode.js';
import { pi } from './pi.js';

/** Every built-in adapter by the name `jidoka.yaml` uses. */
export const adapters: Record<AdapterName, Adapter> = { claude, codex, opencode, gemini, pi, aider, command };
