import { fileURLToPath } from 'node:url';

/** The repository root (the bench always runs its children from there). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of a file in the repository. */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}

/** Where `npm run bench` writes BENCHMARKS.md and bench-results.json unless BENCH_OUT_DIR says otherwise. */
export const RESULTS_DIR = repoPath('bench/results');

/** The Node flags the gateway runs with, as `npm start` gives them: a fixed, larger young generation. */
export const GATEWAY_NODE_ARGS = ['--max-semi-space-size=64', '--min-semi-space-size=64'];

/**
 * Node arguments that let a child run a TypeScript file of this repository. `--conditions=@uni-animate/source`
 * makes `@uni-animate/fal-simulator` resolve to its TypeScript sources, not its (maybe unbuilt) dist.
 */
export const TSX_ARGS = ['--conditions=@uni-animate/source', '--import', 'tsx'];
