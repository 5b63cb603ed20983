import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';

/** The human behind a command, for approvals and resolutions: git's user.name <user.email>, else the OS user. */
export function whoAmI(cwd: string): string {
  const get = (key: string) => {
    try {
      return execFileSync('git', ['config', '--get', key], {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return '';
    }
  };
  const name = get('user.name');
  const email = get('user.email');
  if (name) return email ? `${name} <${email}>` : name;
  return process.env.USER || process.env.USERNAME || userInfo().username;
}
