import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';

/** The human behind a command, for approvals and resolutions: git user.name <email>, else the OS user. */
export function whoAmI(cwd: string): string {
  try {
    const name = execFileSync('git', ['config', 'user.name'], { cwd, encoding: 'utf8' }).trim();
    let email = '';
    try {
      email = execFileSync('git', ['config', 'user.email'], { cwd, encoding: 'utf8' }).trim();
    } catch {}
    if (name) return email ? `${name} <${email}>` : name;
  } catch {}
  return process.env.USER ?? userInfo().username;
}
