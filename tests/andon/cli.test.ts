import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempRepo, tempRepo } from '../git/fixture.js';
import { fillWhysText } from './helpers.js';

const CLI = resolve(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

function jidoka(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, JIDOKA_LOG_LEVEL: 'silent' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('jidoka andon (the built CLI)', () => {
  let repo: TempRepo;
  afterEach(() => repo?.cleanup());

  it('pull, list, show and resolve, refusing placeholders and unfilled whys', () => {
    repo = tempRepo();
    let r = jidoka(repo.dir, 'andon', 'list', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ line: { state: 'running' }, incidents: [] });

    r = jidoka(repo.dir, 'andon', 'pull', '--reason', 'TBD');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--reason is not a real answer: "TBD" is a placeholder/);

    r = jidoka(repo.dir, 'andon', 'pull', '--reason', 'the maker rewrote the README twice', '--json');
    expect(r.code).toBe(0);
    const pulled = JSON.parse(r.stdout) as { incident: string; file: string };
    expect(pulled.incident).toMatch(/^INC-\d{8}-\d{6}-manual$/);
    const id = pulled.incident;

    r = jidoka(repo.dir, 'andon', 'list');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`line: STOPPED by ${id} \\(agent_error: the maker rewrote the README twice\\)`),
    );
    expect(r.stdout).toMatch(
      new RegExp(`${id}\\s+contained\\s+red\\s+agent_error\\s+-\\s+Line stopped by hand`),
    );

    r = jidoka(repo.dir, 'andon', 'show', id, '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({
      id,
      detector: 'manual',
      status: 'contained',
      file: pulled.file,
    });
    expect(JSON.parse(r.stdout).whys).toHaveLength(3);
    expect(jidoka(repo.dir, 'andon', 'show', id).stdout).toContain('## Five Whys');
    expect(jidoka(repo.dir, 'andon', 'show', 'INC-nope').code).toBe(2);

    const args = [
      'andon',
      'resolve',
      id,
      '--root-cause',
      'The plan did not say the README is out of bounds.',
      '--countermeasure',
      'Never edit README.md unless the plan scope names it.',
      '--level',
      'L3',
    ];
    r = jidoka(repo.dir, ...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the Five Whys of .* are not filled in/);
    expect(
      jidoka(
        repo.dir,
        'andon',
        'resolve',
        id,
        '--root-cause',
        'N/A',
        '--countermeasure',
        'x y z w',
        '--level',
        'L1',
      ).code,
    ).toBe(2);

    const file = join(repo.dir, pulled.file);
    writeFileSync(file, fillWhysText(readFileSync(file, 'utf8')));
    r = jidoka(repo.dir, ...args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${id} resolved (L3).`);
    expect(r.stdout).toContain('Kaizen: the countermeasure was added to the Standards in agents/CONTEXT.md.');
    expect(r.stdout).toContain('The line is running again.');
    expect(readFileSync(join(repo.dir, 'agents', 'CONTEXT.md'), 'utf8')).toContain(
      'Never edit README.md unless the plan scope names it.',
    );
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo.dir, encoding: 'utf8' })).toMatch(
      /wiki\//,
    );

    r = jidoka(repo.dir, 'andon', 'list', '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({
      line: { state: 'running' },
      incidents: [{ id, status: 'resolved', prevention_level: 'L3' }],
    });
  });
});
