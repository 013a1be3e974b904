import { existsSync, renameSync, rmSync } from 'node:fs';

/**
 * Moves `from` into the place of `to` (replacing it), or, with `from` undefined, removes `to`.
 * The old folder is moved aside before the new one moves in, so `to` is never half-written.
 */
export function replaceDirectory(from: string | undefined, to: string): void {
  if (from === undefined) {
    rmSync(to, { recursive: true, force: true });
    return;
  }
  const old = `${to}.old-${process.pid}`;
  if (existsSync(to)) renameSync(to, old);
  renameSync(from, to);
  rmSync(old, { recursive: true, force: true });
}
