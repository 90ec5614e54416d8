import { fileURLToPath } from 'node:url';

/** The repository root (the bench always runs its children from there). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of a file in the repository. */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}

/** Node arguments that let a child run a TypeScript file of this repository. */
export const TSX_ARGS = ['--import', 'tsx'];
