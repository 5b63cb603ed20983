import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * False once the process is gone. A killed orphan can linger as a zombie
 * until its parent (in a container, an init that reaps late) collects it; a
 * zombie runs nothing, so it counts as gone.
 */
export function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
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

/**
 * The host pid of a process the fake agent spawned (`spawnChild` with a
 * `pidFile`): inside the sandbox's PID namespace the pid it wrote is not the
 * host's, so the child is found by the tag in its argv. Undefined: no
 * process carries the tag (gone). Without a tag file, the pid as written.
 */
export function spawnedPid(pidFile: string): number | undefined {
  const tagFile = `${pidFile}.tag`;
  if (!existsSync(tagFile)) return Number(readFileSync(pidFile, 'utf8'));
  return pidsWith(readFileSync(tagFile, 'utf8').trim())[0];
}

/** Host pids whose command line contains `needle` (zombies included; alive() tells them apart). */
export function pidsWith(needle: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(needle)) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
