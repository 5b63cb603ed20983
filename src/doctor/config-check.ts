import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE, ConfigError, formatProblem, parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { describeError } from '../core/errors.js';
import { templatesDir } from '../init/templates-dir.js';
import type { DoctorCheck } from './report.js';

export interface ConfigCheck {
  check: DoctorCheck;
  /** The valid config and its text (for line numbers in later hints), when it is valid. */
  loaded: { config: Config; text: string } | undefined;
}

/** jidoka.yaml must exist and validate; each problem is named with its line and key. */
export function checkConfig(root: string): ConfigCheck {
  const path = join(root, CONFIG_FILE);
  if (!existsSync(path)) {
    return {
      loaded: undefined,
      check: {
        id: 'config',
        status: 'fail',
        message: `no ${CONFIG_FILE} in ${root}`,
        hint: 'run `jidoka init` to create a documented one',
      },
    };
  }
  const text = readFileSync(path, 'utf8');
  try {
    const config = parseConfig(text, CONFIG_FILE);
    const roles = Object.keys(config.agents).length;
    return {
      loaded: { config, text },
      check: {
        id: 'config',
        status: 'ok',
        message: `${CONFIG_FILE} is valid (${roles} role${roles === 1 ? '' : 's'}, ${config.checks.length} check${config.checks.length === 1 ? '' : 's'})`,
        details: { path },
      },
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) {
      return {
        loaded: undefined,
        check: { id: 'config', status: 'fail', message: `${CONFIG_FILE}: ${describeError(err)}` },
      };
    }
    const n = err.problems.length;
    return {
      loaded: undefined,
      check: {
        id: 'config',
        status: 'fail',
        message: `${CONFIG_FILE} has ${n === 1 ? 'a problem' : `${n} problems`}:\n${err.problems.map((p) => formatProblem(p).trim()).join('\n')}`,
        hint: `fix the ${n === 1 ? 'line' : 'lines'} above; every key is documented, with its default, in ${join(templatesDir(), CONFIG_FILE)}`,
        details: { path, problems: err.problems },
      },
    };
  }
}
