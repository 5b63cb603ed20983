import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approve, met, write } from '../support/line.js';
import { git } from '../support/repo.js';
import {
  alive,
  calls,
  childPid,
  expectDone,
  expectRedStop,
  incidentFile,
  line,
  run,
  SPAWN_CHILD,
  showAt,
  worktree,
} from './harness.js';

const AWS_KEY = 'AKIAZ7Q3MEXW5KT2LB9P';
const PRIVATE_KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

/** Every file under `dir` (recursively), as text. */
function allText(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

describe('breaker: secrets (end to end)', () => {
  it('an AWS key and a private key in the diff: red, never committed on the plan branch, redacted in the incident', () => {
    const l = line({
      script: {
        maker: [
          [
            write('src/a.js', `module.exports = "a";\nconst awsKey = "${AWS_KEY}";\n`),
            write('src/deploy.pem', `${PRIVATE_KEY}\n`),
            SPAWN_CHILD,
          ],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    const r = run(l.root, l.planId);
    const id = expectRedStop(l, r, { category: 'secret_leak', detector: 'secrets' });
    expect(r.json.message).toMatch(
      /possible secret in the diff: AWS access key id in src\/a\.js, private key in src\/deploy\.pem/,
    );
    expect(alive(childPid(l))).toBe(false);
    expect(calls(l).checker).toBeUndefined();
    // Never committed on the plan branch; rolled back out of the worktree (and its index).
    const history = git(l.root, 'log', '-p', `jidoka/${l.planId}`);
    expect(history).not.toContain(AWS_KEY);
    expect(history).not.toContain('PRIVATE KEY');
    expect(existsSync(join(worktree(l), 'src', 'deploy.pem'))).toBe(false);
    expect(git(worktree(l), 'status', '--porcelain')).toBe('');
    // Preserved (locally, under the ref) for a human to rotate, and the page says so.
    expect(showAt(l.root, `refs/andon/${id}`, 'src/a.js')).toContain(AWS_KEY);
    const page = readFileSync(incidentFile(l.root, id), 'utf8');
    expect(page).toContain('AKIA… (20 chars)');
    expect(page).toContain('rotate the secret');
    // The full secret is nowhere in the wiki or the run records Jidoka wrote.
    expect(allText(join(l.root, 'wiki'))).not.toContain(AWS_KEY);
    expect(allText(join(l.root, '.jidoka', 'runs'))).not.toContain(AWS_KEY);
  });

  it('does not trip on secrets read from the environment, placeholders and hashes', () => {
    const l = line({
      script: {
        maker: [
          [
            write(
              'src/a.js',
              [
                'module.exports = "a";',
                'const apiKey = process.env.API_KEY;',
                'const token = "<your-token>";',
                'const sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";',
                '',
              ].join('\n'),
            ),
          ],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, l.planId));
  });
});
