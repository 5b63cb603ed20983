import { userInfo } from 'node:os';
import { runGitSync } from '../git/run.js';

/** The human behind a command, for approvals and resolutions: git's user.name <user.email>, else the OS user. */
export function whoAmI(cwd: string): string {
  const get = (key: string) => {
    try {
      return runGitSync(cwd, ['config', '--get', key]).trim();
    } catch {
      return '';
    }
  };
  const name = get('user.name');
  const email = get('user.email');
  if (name) return email ? `${name} <${email}>` : name;
  return process.env.USER || process.env.USERNAME || userInfo().username;
}
