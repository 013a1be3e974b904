import type { KeyPath } from '../source';

/** A problem found by a semantic check, before it is given a file position. */
export interface Finding {
  readonly file: string;
  readonly path: KeyPath;
  readonly message: string;
  /** Point at the key rather than its value (for missing or duplicate entries). */
  readonly onKey?: boolean;
}

/** Where a site sits in its file. */
export interface SiteRef {
  readonly file: string;
  /** Key path of the site within its file, e.g. ['sites', 0]. */
  readonly base: KeyPath;
}

export const at = (ref: SiteRef, path: KeyPath, message: string): Finding => ({ file: ref.file, path: [...ref.base, ...path], message });
