/**
 * Where a received file goes, and how it gets there without ever leaving a
 * half-written file under its final name.
 *
 * Bytes are written to a *partial* file beside the final one
 * (`.<name>.<fileId>.mochi-part`): in the same directory so the final
 * rename is atomic (a rename cannot cross file systems), hidden so it does
 * not look like the finished file, and named deterministically so running
 * the same download again finds it and resumes instead of starting over.
 * Once the content is verified, {@link commitPartial} moves it into place.
 *
 * @module
 */

import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { UsageError } from "../errors.ts";
import { isFileIdText } from "../protocol/fields.ts";
import { MAX_FILE_ID_CHARACTERS, MAX_FILE_NAME_BYTES } from "../protocol/limits.ts";
import { sanitiseFileName } from "./file_names.ts";
import { truncateUtf8, utf8Length } from "./_utf8.ts";

/** The final file is already there and overwriting was not asked for. The user can fix it. */
export class OutputExists extends UsageError {
  /** Creates the error for `path`; `shownPath` is how the message names it. */
  constructor(
    /** The absolute path that exists. */
    readonly path: string,
    shownPath: string = path,
  ) {
    super(`Cannot write ${shownPath}: it already exists (use --force to overwrite)`);
  }
}

/** Where a received file's bytes go. */
export type OutputTarget =
  | {
    /** Straight to standard output: no partial file, no resume. */
    kind: "stdout";
  }
  | {
    /** To a file, through a partial file. */
    kind: "file";
    /** Absolute path the verified file ends up at. */
    finalPath: string;
    /** Absolute path the bytes are written to until verified; same directory as `finalPath`. */
    partialPath: string;
  };

/** What {@link resolveOutputTarget} decides from. */
export interface OutputRequest {
  /** Absolute path (a directory or a file), `"-"` for standard output, undefined for `cwd`. */
  output: string | undefined;
  /** Absolute path of the user's working directory. */
  cwd: string;
  /** The file name the sender offered: untrusted, sanitised before use. */
  offeredName: string;
  /** The file's id, which makes the partial file's name unique to this file. */
  fileId: string;
  /** Whether an existing final file may be replaced. */
  force: boolean;
}

/**
 * Decides where a received file goes:
 * - `"-"`: standard output;
 * - an existing directory, or undefined (the working directory): the
 *   sanitised offered name inside it;
 * - any other path: that path itself, whose parent directory must exist.
 *
 * It throws {@link OutputExists} when the final file exists and `force` is
 * false, and {@link UsageError} when the path cannot be used (missing parent
 * directory, a directory in the way). Nothing is created.
 */
export async function resolveOutputTarget(request: OutputRequest): Promise<OutputTarget> {
  if (request.output === "-") return { kind: "stdout" };
  const finalPath = await finalPathFor(request);
  const shownPath = pathForMessages(finalPath, request.cwd);
  const existing = await lstatOrNull(finalPath);
  if (existing?.isDirectory) {
    throw new UsageError(`Cannot write ${shownPath}: it is a directory`);
  }
  if (existing !== null && !request.force) throw new OutputExists(finalPath, shownPath);
  return {
    kind: "file",
    finalPath,
    partialPath: join(dirname(finalPath), partialFileName(basename(finalPath), request.fileId)),
  };
}

async function finalPathFor(request: OutputRequest): Promise<string> {
  const safeName = sanitiseFileName(request.offeredName);
  if (request.output === undefined) return join(request.cwd, safeName);
  const path = resolve(request.cwd, request.output);
  const info = await statOrNull(path);
  if (info?.isDirectory) return join(path, safeName);
  // "dir/" names a directory: writing a file called "dir" instead would surprise.
  if (/[/\\]$/.test(request.output) && info === null) {
    throw new UsageError(`Cannot write into ${request.output}: no such directory`);
  }
  const parent = dirname(path);
  const parentInfo = await statOrNull(parent);
  if (parentInfo === null) {
    throw new UsageError(`Cannot write ${path}: the directory ${parent} does not exist`);
  }
  if (!parentInfo.isDirectory) {
    throw new UsageError(`Cannot write ${path}: ${parent} is not a directory`);
  }
  return path;
}

const PARTIAL_SUFFIX = ".mochi-part";
// The id has no dots, so the last `.<id>.mochi-part` is unambiguous whatever the base name holds.
const PARTIAL_NAME = new RegExp(
  `^\\.(.+)\\.([0-9a-z]{1,${MAX_FILE_ID_CHARACTERS}})\\.mochi-part$`,
  "s",
);

/**
 * The name of the partial file for `baseName` (the final file's name) and
 * `fileId`: `.<baseName>.<fileId>.mochi-part`. A long base name is cut so
 * the whole stays within {@link MAX_FILE_NAME_BYTES} (most file systems'
 * limit); {@link findPartials} reports the cut base name.
 *
 * @example
 * ```ts
 * import { partialFileName } from "./output_target.ts";
 * if (partialFileName("notes.pdf", "7k2m9q") !== ".notes.pdf.7k2m9q.mochi-part") throw new Error();
 * ```
 */
export function partialFileName(baseName: string, fileId: string): string {
  // The id becomes part of a path: anything but [0-9a-z] could climb out of the directory.
  if (!isFileIdText(fileId)) {
    throw new UsageError(
      `Cannot name a partial file for id '${fileId}': expected 1 to ${MAX_FILE_ID_CHARACTERS} ` +
        "characters of 0-9 and a-z",
    );
  }
  return `.${partialBaseName(baseName, fileId)}.${fileId}${PARTIAL_SUFFIX}`;
}

function partialBaseName(baseName: string, fileId: string): string {
  const overhead = utf8Length(`..${fileId}${PARTIAL_SUFFIX}`);
  return truncateUtf8(baseName, MAX_FILE_NAME_BYTES - overhead);
}

/** A partial file left by an interrupted download, found by {@link findPartials}. */
export interface PartialFile {
  /** Absolute path of the partial file. */
  path: string;
  /** The id of the file it is part of. */
  fileId: string;
  /** The final file's name, as far as it fits in the partial file's name. */
  baseName: string;
  /** Bytes already received. */
  size: number;
}

/**
 * The partial files in `directory` (only those for `baseName`, when given),
 * sorted by name, so a download run again without an id can find what an
 * interrupted one left. A directory that does not exist holds none.
 * Symbolic links are skipped: a partial file is always one mochi created.
 */
export async function findPartials(directory: string, baseName?: string): Promise<PartialFile[]> {
  const found: PartialFile[] = [];
  try {
    for await (const entry of Deno.readDir(directory)) {
      const match = entry.isFile ? PARTIAL_NAME.exec(entry.name) : null;
      if (match === null) continue;
      const [, partialBase = "", fileId = ""] = match;
      if (baseName !== undefined && partialBase !== partialBaseName(baseName, fileId)) continue;
      const path = join(directory, entry.name);
      const info = await lstatOrNull(path);
      if (info === null || !info.isFile) continue; // removed or replaced while listing
      found.push({ path, fileId, baseName: partialBase, size: info.size });
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Moves a complete, verified partial file to its final path. Flush the
 * file (`syncData`) and close it first: a rename is atomic, not durable.
 *
 * With `force` it is a plain rename, which atomically replaces an existing
 * file. Without, it must not clobber a file that appeared since
 * {@link resolveOutputTarget} checked: a hard link to the final path fails
 * if anything is there, atomically, and the partial name is then removed.
 * File systems without hard links (FAT, some network shares) fall back to
 * checking and renaming, which leaves a short race. On {@link OutputExists}
 * the partial file is kept, so a run with `--force` need not download again.
 */
export async function commitPartial(
  partialPath: string,
  finalPath: string,
  force: boolean,
): Promise<void> {
  if (force) {
    await Deno.rename(partialPath, finalPath);
    return;
  }
  try {
    await Deno.link(partialPath, finalPath);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) throw new OutputExists(finalPath);
    if (error instanceof Deno.errors.NotFound) throw error; // no partial file: nothing to commit
    if (await lstatOrNull(finalPath) !== null) throw new OutputExists(finalPath);
    await Deno.rename(partialPath, finalPath);
    return;
  }
  try {
    await Deno.remove(partialPath);
  } catch (error) {
    // The file is in place; a partial name that is already gone changes nothing.
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** The path relative to `cwd` when inside it (what the user typed, usually), else absolute. */
function pathForMessages(path: string, cwd: string): string {
  const inside = relative(cwd, path);
  const outside = inside === "" || /^\.\.(?:[/\\]|$)/.test(inside) || isAbsolute(inside);
  return outside ? path : inside;
}

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    // NotADirectory: a parent is a file; the caller then reports that parent.
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return null;
    }
    throw error;
  }
}

async function lstatOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}
