import { chmodSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diffStat, diffWorktree, forceAddedIgnored, parseUnifiedDiff } from '../../src/git/diff.js';
import { type TempRepo, tempRepo } from './fixture.js';

describe('parseUnifiedDiff', () => {
  it('reads additions, modifications, deletions and their lines', () => {
    const text = [
      'diff --git a/src/a.ts b/src/a.ts',
      'index 1..2 100644',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -1,3 +1,3 @@',
      ' keep',
      '-old line',
      '+new line',
      '+-- starts with dashes',
      'diff --git a/gone.txt b/gone.txt',
      'deleted file mode 100644',
      'index 3..0',
      '--- a/gone.txt',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-bye',
      '\\ No newline at end of file',
      'diff --git a/new.txt b/new.txt',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/new.txt',
      '@@ -0,0 +1 @@',
      '++++ plus',
      '',
    ].join('\n');
    expect(parseUnifiedDiff(text)).toEqual([
      {
        path: 'src/a.ts',
        status: 'modified',
        additions: 2,
        deletions: 1,
        binary: false,
        addedLines: ['new line', '-- starts with dashes'],
        removedLines: ['old line'],
      },
      {
        path: 'gone.txt',
        status: 'deleted',
        additions: 0,
        deletions: 1,
        binary: false,
        addedLines: [],
        removedLines: ['bye'],
      },
      {
        path: 'new.txt',
        status: 'added',
        additions: 1,
        deletions: 0,
        binary: false,
        addedLines: ['+++ plus'],
        removedLines: [],
      },
    ]);
  });

  it('reads renames with spaces, quoted paths, binaries, mode-only and type changes', () => {
    const text = [
      'diff --git a/b.bin b/b.bin',
      'index 8..f 100644',
      'Binary files a/b.bin and b/b.bin differ',
      'diff --git a/m.sh b/m.sh',
      'old mode 100644',
      'new mode 100755',
      'diff --git a/link b/link',
      'deleted file mode 120000',
      '--- a/link',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-keep.txt',
      '\\ No newline at end of file',
      'diff --git a/link b/link',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/link',
      '@@ -0,0 +1 @@',
      '+notlink',
      'diff --git a/keep.txt b/new name.txt',
      'similarity index 87%',
      'rename from keep.txt',
      'rename to new name.txt',
      '--- a/keep.txt',
      '+++ b/new name.txt\t',
      '@@ -5,3 +5,4 @@ d',
      ' g',
      '+h',
      'diff --git "a/tab\\there\\303\\274.txt" "b/tab\\there\\303\\274.txt"',
      'new file mode 100644',
      '--- /dev/null',
      '+++ "b/tab\\there\\303\\274.txt"',
      '@@ -0,0 +1 @@',
      '+q',
      'diff --git a/x.png b/x.png',
      'new file mode 100644',
      'Binary files /dev/null and b/x.png differ',
    ].join('\n');
    const changes = parseUnifiedDiff(text);
    expect(changes.map((c) => [c.status, c.path, c.oldPath, c.binary, c.additions, c.deletions])).toEqual([
      ['modified', 'b.bin', undefined, true, 0, 0],
      ['modified', 'm.sh', undefined, false, 0, 0],
      ['typechange', 'link', undefined, false, 1, 1],
      ['renamed', 'new name.txt', 'keep.txt', false, 1, 0],
      ['added', 'tab\thereü.txt', undefined, false, 1, 0],
      ['added', 'x.png', undefined, true, 0, 0],
    ]);
  });

  it('returns nothing for an empty diff', () => {
    expect(parseUnifiedDiff('')).toEqual([]);
  });
});

describe('diffWorktree on a real repository', () => {
  let repo: TempRepo;
  afterEach(() => repo?.cleanup());

  it('counts untracked files, renames, deletions, binaries and mode changes against the base', async () => {
    repo = tempRepo({
      'src/keep.ts': 'a\nb\nc\nd\ne\nf\ng\n',
      'src/del.ts': 'x\n',
      'run.sh': 'echo hi\n',
      'img.bin': '\u0000\u0001bin',
    });
    const base = repo.git('rev-parse', 'HEAD').trim();
    repo.git('mv', 'src/keep.ts', 'src/moved.ts');
    writeFileSync(join(repo.dir, 'src/moved.ts'), 'a\nb\nc\nd\ne\nf\ng\nh\n');
    rmSync(join(repo.dir, 'src/del.ts'));
    chmodSync(join(repo.dir, 'run.sh'), 0o755);
    writeFileSync(join(repo.dir, 'img.bin'), '\u0000\u0002bin2');
    repo.write('src/new file.ts', 'export const x = 1;\n');
    repo.write('debug.log', 'ignored\n');
    symlinkSync('src/moved.ts', join(repo.dir, 'link'));
    const changes = await diffWorktree(repo.dir, base);
    const byPath = Object.fromEntries(changes.map((c) => [c.path, c]));
    expect(Object.keys(byPath).sort()).toEqual([
      'img.bin',
      'link',
      'run.sh',
      'src/del.ts',
      'src/moved.ts',
      'src/new file.ts',
    ]);
    expect(byPath['src/moved.ts']).toMatchObject({
      status: 'renamed',
      oldPath: 'src/keep.ts',
      addedLines: ['h'],
    });
    expect(byPath['src/del.ts']).toMatchObject({ status: 'deleted', removedLines: ['x'] });
    expect(byPath['img.bin']).toMatchObject({ status: 'modified', binary: true });
    expect(byPath['run.sh']).toMatchObject({ status: 'modified', additions: 0, deletions: 0 });
    expect(byPath['src/new file.ts']).toMatchObject({ status: 'added', addedLines: ['export const x = 1;'] });
    const stat = await diffStat(repo.dir, base);
    expect(stat).toMatch(/src\/\{keep.ts => moved.ts\}/);
    expect(stat).toMatch(/files? changed/);
  });

  it('includes commits the agent made on the branch, and reports no change as empty', async () => {
    repo = tempRepo({ 'a.txt': '1\n' });
    const base = repo.git('rev-parse', 'HEAD').trim();
    expect(await diffWorktree(repo.dir, base)).toEqual([]);
    repo.write('a.txt', '2\n');
    repo.commit('agent commit');
    const changes = await diffWorktree(repo.dir, base);
    expect(changes).toMatchObject([
      { path: 'a.txt', status: 'modified', addedLines: ['2'], removedLines: ['1'] },
    ]);
  });

  it('finds gitignored files that were force-added, and only those', async () => {
    repo = tempRepo({ 'a.txt': '1\n' });
    const base = repo.git('rev-parse', 'HEAD').trim();
    repo.write('.env', 'TOKEN=1\n');
    repo.write('ok.txt', 'fine\n');
    repo.git('add', '-f', '.env');
    const changes = await diffWorktree(repo.dir, base);
    expect(changes.map((c) => c.path).sort()).toEqual(['.env', 'ok.txt']);
    expect(await forceAddedIgnored(repo.dir, changes)).toEqual(['.env']);
    expect(
      await forceAddedIgnored(
        repo.dir,
        changes.filter((c) => c.path === 'ok.txt'),
      ),
    ).toEqual([]);
  });
});
