import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type DaemonProcess,
  killDaemon,
  oneChunkPlan,
  planStatus,
  spawnDaemon,
  waitFor,
} from '../daemon/daemon-process.js';
import { approve, met, setupLine, write } from '../support/line.js';
import { PROJECT_ROOT } from '../support/repo.js';
import { freePort, raw } from './helpers.js';

/**
 * The board in a real browser (the OS's Chromium, driven by playwright-core)
 * against `jidoka daemon` on a test repository with scripted agents: a plan
 * approved from the page (with the token; refused without), its maker's
 * output live on the page (a script tag in it stays text), the line turning
 * yellow when the scope breaker trips and red when the cord is pulled from
 * the page, each within a second of the state file. Screenshots:
 * test-results/board.png (yellow, output coming in; the README's picture,
 * copied where JIDOKA_BOARD_SCREENSHOT says) and board-stopped.png. Last, a
 * stop with the page still connected: the daemon exits at once.
 */
const CHROMIUM = process.env.JIDOKA_CHROMIUM ?? '/usr/bin/chromium';
const HOSTILE =
  '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> done <b>bold?</b>';

let browser: Browser | undefined;
let daemon: DaemonProcess | undefined;
beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set JIDOKA_CHROMIUM)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await killDaemon(daemon);
  daemon = undefined;
});

/** The wiki `jidoka init` writes, as files for setupLine. */
function templateWiki(): Record<string, string> {
  const dir = join(PROJECT_ROOT, 'templates', 'wiki');
  return Object.fromEntries(readdirSync(dir).map((f) => [`wiki/${f}`, readFileSync(join(dir, f), 'utf8')]));
}

function lineState(root: string): string {
  const f = join(root, '.jidoka/state/line.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { state: string }).state : 'running';
}

/** How long after the state file says `state` the page shows `word` (ms). */
async function shownWithin(page: Page, root: string, state: string, word: string): Promise<number> {
  await waitFor(
    () => lineState(root) === state,
    60_000,
    `line ${state}`,
    () => daemon?.stderr() ?? '',
  );
  const seen = Date.now();
  await page.waitForFunction((w) => document.getElementById('line-word')?.textContent === w, word, {
    timeout: 10_000,
    polling: 50,
  });
  return Date.now() - seen;
}

describe('the board in a browser', () => {
  it('shows the line live, acts with the token only, and keeps agent output as text', {
    timeout: 180_000,
  }, async () => {
    const port = await freePort();
    const { root } = setupLine({
      planId: 'p1',
      plan: oneChunkPlan('p1', 'proposed'),
      roles: ['maker', 'checker', 'goal'],
      script: {
        maker: [
          // First attempt: hostile output, a few seconds of work, then a file outside the scope (the breaker).
          [
            { stdout: `${HOSTILE}\n` },
            { printFor: 4000, every: 200 },
            write('src/a.js', 'module.exports = "a";\n'),
            write('docs/notes.md', 'out of scope\n'),
          ],
          // Second attempt: long enough to pull the cord while it runs.
          [{ printFor: 60_000, every: 500 }],
        ],
        checker: [[approve('ok')]],
        goal: [[met('ok')]],
      },
      extraConfig: { board: { host: '127.0.0.1', port }, daemon: { gracePeriod: '1s' } },
      files: {
        ...templateWiki(),
        'wiki/notes.md': '# Notes\n\nSee [the old page](gone.md).\n',
        'plans/p9.md': oneChunkPlan('p9', 'done'),
      },
    });
    // A done plan whose merged result failed (its branch gone, so the queue leaves it alone): the merge queue panel says why.
    mkdirSync(join(root, '.jidoka/state/plans'), { recursive: true });
    writeFileSync(
      join(root, '.jidoka/state/plans/p9.json'),
      JSON.stringify({
        plan: 'p9',
        status: 'done',
        spend: { usd: 0, tokens: 0 },
        attempts: [],
        runIds: [],
        mergeCheck: {
          status: 'failed',
          main: 'main',
          mainSha: 'abcdef0123456789',
          branchSha: '0123456789abcdef',
          reason: 'the checks failed on jidoka/p9 merged with main (abcdef012345): <b>tests</b>',
          failedChecks: ['<b>tests</b>'],
          at: new Date().toISOString(),
        },
      }),
    );
    daemon = spawnDaemon(root);
    await daemon.waitForLog(/^board: http:\/\/127\.0\.0\.1:\d+\//);
    const token = readFileSync(join(root, '.jidoka/board.token'), 'utf8').trim();

    const page = await browser!.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const offsite: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(`http://127.0.0.1:${port}/`)) offsite.push(r.url());
    });
    await page.goto(`http://127.0.0.1:${port}/#token=${token}`);
    await page.waitForFunction(() => document.getElementById('line-word')?.textContent === 'RUNNING');
    expect(page.url()).not.toContain(token); // the token leaves the address bar
    expect(await page.locator('#merge-queue li.failed[data-plan="p9"]').textContent()).toBe(
      'not merged: p9: failed on the merged tree: <b>tests</b> (main abcdef012345); jidoka review p9',
    );

    // The wiki's health: the daemon's live lint finds the broken link, and sees it fixed without a lint run.
    const wiki = page.locator('#wiki');
    await wiki
      .locator('.finding', { hasText: 'notes.md' })
      .filter({ hasText: 'gone.md' })
      .waitFor({ timeout: 30_000 });
    writeFileSync(join(root, 'wiki/notes.md'), '# Notes\n\nSee [the index](index.md).\n');
    await page.waitForFunction(
      () => /relinted notes\.md/.test(document.getElementById('wiki')?.textContent ?? ''),
      undefined,
      { timeout: 5_000 },
    );
    expect(await wiki.locator('.finding', { hasText: 'gone.md' }).count()).toBe(0);

    // Without the token the approval is refused and nothing changes.
    const refused = await raw(port, { method: 'POST', path: '/api/actions/plans/p1/approve' });
    expect(refused.status).toBe(401);
    expect(planStatus(root, 'p1')).toBe('proposed');

    // With it, from the page.
    await page.click('tr[data-plan="p1"] button[data-to="approve"]');
    await waitFor(() => planStatus(root, 'p1') !== 'proposed', 10_000, 'p1 approved');
    expect(planStatus(root, 'p1')).toMatch(/approved|running/);

    // The maker runs: its step is live, and its output is text.
    const tail = page.locator('.step[data-plan="p1"] pre.tail');
    await tail.filter({ hasText: 'still working' }).waitFor({ timeout: 60_000 });
    expect(await page.locator('.step[data-plan="p1"] .role').textContent()).toBe('maker');
    expect(await tail.textContent()).toContain(HOSTILE);
    expect(await page.locator('pre.tail script, pre.tail img, pre.tail b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    // The scope breaker trips: yellow, within a second of the state file.
    expect(await shownWithin(page, root, 'yellow', 'YELLOW')).toBeLessThan(1000);
    // The picture for the README: the yellow line with the second attempt's output coming in.
    await tail.filter({ hasText: 'still working' }).waitFor({ timeout: 60_000 });
    await page.locator('#metrics canvas').first().waitFor();
    const out = join(PROJECT_ROOT, 'test-results');
    mkdirSync(out, { recursive: true });
    await page.screenshot({ path: join(out, 'board.png'), fullPage: true });

    // Pull the cord from the page while the second attempt runs: red.
    await page.locator('.step[data-plan="p1"] .role').waitFor({ timeout: 60_000 });
    page.once('dialog', (d) => void d.accept('stopped from the board test'));
    await page.click('#pull');
    expect(await shownWithin(page, root, 'stopped', 'STOPPED')).toBeLessThan(1000);
    await page.locator('.incident', { hasText: 'stopped from the board test' }).first().waitFor();
    expect(await page.locator('#line-reason').textContent()).toContain('stopped from the board test');

    // The lean figures panel reads /api/metrics (src/metrics) and draws its charts with uPlot.
    await page.locator('#metrics .figure', { hasText: 'first-pass yield: maker' }).waitFor();
    expect(await page.locator('#metrics canvas').count()).toBeGreaterThan(0);

    expect(errors).toEqual([]);
    expect(offsite).toEqual([]);
    await page.screenshot({ path: join(out, 'board-stopped.png'), fullPage: true });
    if (process.env.JIDOKA_BOARD_SCREENSHOT)
      copyFileSync(join(out, 'board.png'), process.env.JIDOKA_BOARD_SCREENSHOT);
    // A stop with the page still open (its event stream connected): the daemon closes the board and exits at once.
    const stopAt = Date.now();
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(10_000);
    expect(
      daemon.messages().some((m) => /still running .* after it stopped/.test(m)),
      daemon.stderr(),
    ).toBe(false);
    await page.close();
  });
});
