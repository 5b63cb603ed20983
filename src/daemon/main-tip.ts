import type { Config } from '../config/schema.js';
import { gitAt, mainBranch, revParse } from '../git/repo.js';

export interface MainTip {
  /** Read main's commit now; true when it moved since the last look (the first look only records it). */
  moved(config: Config): Promise<boolean>;
}

/** The main branch's commit as last seen, so that a merge (main moving) starts the documentation loop. */
export function createMainTip(root: string): MainTip {
  let last: string | undefined;
  return {
    async moved(config) {
      const git = gitAt(root);
      const sha = await revParse(git, await mainBranch(git, config.git.mainBranch));
      const moved = !!last && !!sha && sha !== last;
      last = sha;
      return moved;
    },
  };
}
