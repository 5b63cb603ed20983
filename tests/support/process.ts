import { readFileSync } from 'node:fs';

/**
 * False once the process is gone. A killed orphan can linger as a zombie
 * until its parent (in a container, an init that reaps late) collects it; a
 * zombie runs nothing, so it counts as gone.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
