import assert from "node:assert/strict";
import { join } from "node:path";
import { UsageError } from "../../src/errors.ts";
import {
  commitPartial,
  findPartials,
  OutputExists,
  partialFileName,
  resolveOutputTarget,
} from "../../src/files/output_target.ts";
import { MAX_FILE_NAME_BYTES } from "../../src/protocol/limits.ts";

const FILE_ID = "7k2m9q0abc";

/** Runs `body` with a fresh temporary directory, removed afterwards. */
async function inTempDirectory(body: (directory: string) => Promise<void>): Promise<void> {
  const directory = await Deno.makeTempDir({ prefix: "mochi-output-" });
  try {
    await body(directory);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

function request(cwd: string, output: string | undefined, force = false) {
  return { output, cwd, offeredName: "../notes.pdf", fileId: FILE_ID, force };
}

Deno.test("'-' means standard output, whatever exists", async () => {
  assert.deepEqual(await resolveOutputTarget(request("/nonexistent", "-")), { kind: "stdout" });
});

Deno.test("no output: the sanitised offered name in the working directory", async () => {
  await inTempDirectory(async (cwd) => {
    assert.deepEqual(await resolveOutputTarget(request(cwd, undefined)), {
      kind: "file",
      finalPath: join(cwd, "notes.pdf"),
      partialPath: join(cwd, `.notes.pdf.${FILE_ID}.mochi-part`),
    });
  });
});

Deno.test("an existing directory: the sanitised offered name inside it", async () => {
  await inTempDirectory(async (cwd) => {
    const downloads = join(cwd, "downloads");
    await Deno.mkdir(downloads);
    for (const output of [downloads, `${downloads}/`, "downloads"]) {
      const target = await resolveOutputTarget(request(cwd, output));
      assert.deepEqual(target, {
        kind: "file",
        finalPath: join(downloads, "notes.pdf"),
        partialPath: join(downloads, `.notes.pdf.${FILE_ID}.mochi-part`),
      }, output);
    }
  });
});

Deno.test("any other path is the file itself; its directory must exist", async () => {
  await inTempDirectory(async (cwd) => {
    const path = join(cwd, "report.pdf");
    assert.deepEqual(await resolveOutputTarget(request(cwd, path)), {
      kind: "file",
      finalPath: path,
      partialPath: join(cwd, `.report.pdf.${FILE_ID}.mochi-part`),
    });
    await assert.rejects(
      resolveOutputTarget(request(cwd, join(cwd, "missing", "report.pdf"))),
      (error) =>
        error instanceof UsageError &&
        error.message ===
          `Cannot write ${join(cwd, "missing", "report.pdf")}: the directory ${
            join(cwd, "missing")
          } does not exist`,
    );
    await Deno.writeTextFile(join(cwd, "plain"), "x");
    await assert.rejects(
      resolveOutputTarget(request(cwd, join(cwd, "plain", "report.pdf"))),
      /plain is not a directory/,
    );
    await assert.rejects(
      resolveOutputTarget(request(cwd, join(cwd, "newdir") + "/")),
      /Cannot write into .*newdir\/: no such directory/,
    );
  });
});

Deno.test("an existing file is refused without force and replaced with it", async () => {
  await inTempDirectory(async (cwd) => {
    await Deno.writeTextFile(join(cwd, "notes.pdf"), "old");
    await assert.rejects(
      resolveOutputTarget(request(cwd, undefined)),
      (error) =>
        error instanceof OutputExists &&
        error.message === "Cannot write notes.pdf: it already exists (use --force to overwrite)" &&
        error.path === join(cwd, "notes.pdf"),
    );
    const outside = await Deno.makeTempFile({ prefix: "mochi-output-" });
    try {
      await assert.rejects(
        resolveOutputTarget(request(cwd, outside)),
        new RegExp(`^OutputExists: Cannot write ${outside}: it already exists`),
      );
    } finally {
      await Deno.remove(outside);
    }
    const forced = await resolveOutputTarget(request(cwd, undefined, true));
    assert.equal(forced.kind === "file" && forced.finalPath, join(cwd, "notes.pdf"));
  });
});

Deno.test("a dangling symlink counts as existing; a directory in the way cannot be forced", async () => {
  await inTempDirectory(async (cwd) => {
    await Deno.symlink(join(cwd, "nowhere"), join(cwd, "notes.pdf"));
    await assert.rejects(resolveOutputTarget(request(cwd, undefined)), OutputExists);
  });
  await inTempDirectory(async (cwd) => {
    await Deno.mkdir(join(cwd, "notes.pdf"));
    const offered = { ...request(cwd, undefined, true), offeredName: "notes.pdf" };
    await assert.rejects(resolveOutputTarget(offered), /notes\.pdf: it is a directory/);
  });
});

Deno.test("partial file names: hidden, per file id, within the name limit", () => {
  assert.equal(partialFileName("notes.pdf", FILE_ID), `.notes.pdf.${FILE_ID}.mochi-part`);
  const long = partialFileName("é".repeat(127) + "x", "z".repeat(32));
  assert.ok(new TextEncoder().encode(long).length <= MAX_FILE_NAME_BYTES);
  assert.ok(long.endsWith(`.${"z".repeat(32)}.mochi-part`));
  for (const fileId of ["", "../x", "ABC", "a.b", "a/b", "z".repeat(33)]) {
    assert.throws(() => partialFileName("notes.pdf", fileId), UsageError, fileId);
  }
});

Deno.test("findPartials lists interrupted downloads, optionally for one name", async () => {
  await inTempDirectory(async (directory) => {
    await Deno.writeFile(join(directory, ".notes.pdf.aaaa.mochi-part"), new Uint8Array(10));
    await Deno.writeFile(join(directory, ".notes.pdf.bbbb.mochi-part"), new Uint8Array(3));
    await Deno.writeFile(join(directory, ".a.b.c.cccc.mochi-part"), new Uint8Array(0));
    // Not partial files: no id, ids with a hyphen or capitals, a directory, a symlink, no leading dot.
    await Deno.writeFile(join(directory, ".x.mochi-part"), new Uint8Array(1));
    await Deno.writeFile(join(directory, ".notes.pdf.a-b.mochi-part"), new Uint8Array(1));
    await Deno.writeFile(join(directory, ".notes.pdf.AAAA.mochi-part"), new Uint8Array(1));
    await Deno.mkdir(join(directory, ".dir.dddd.mochi-part"));
    await Deno.symlink(
      join(directory, ".notes.pdf.aaaa.mochi-part"),
      join(directory, ".link.eeee.mochi-part"),
    );
    await Deno.writeFile(join(directory, "notes.pdf.ffff.mochi-part"), new Uint8Array(1));
    await Deno.writeFile(join(directory, "notes.pdf"), new Uint8Array(1));

    assert.deepEqual(await findPartials(directory), [
      {
        path: join(directory, ".a.b.c.cccc.mochi-part"),
        fileId: "cccc",
        baseName: "a.b.c",
        size: 0,
      },
      {
        path: join(directory, ".notes.pdf.aaaa.mochi-part"),
        fileId: "aaaa",
        baseName: "notes.pdf",
        size: 10,
      },
      {
        path: join(directory, ".notes.pdf.bbbb.mochi-part"),
        fileId: "bbbb",
        baseName: "notes.pdf",
        size: 3,
      },
    ]);
    assert.deepEqual(
      (await findPartials(directory, "notes.pdf")).map((partial) => partial.fileId),
      ["aaaa", "bbbb"],
    );
    assert.deepEqual(await findPartials(directory, "other.pdf"), []);
    assert.deepEqual(await findPartials(join(directory, "missing")), []);
  });
});

Deno.test("findPartials finds what resolveOutputTarget names, even for long names", async () => {
  await inTempDirectory(async (cwd) => {
    const offeredName = "ü".repeat(120) + ".tar.gz";
    const fileId = "z".repeat(32);
    const target = await resolveOutputTarget({ ...request(cwd, undefined), offeredName, fileId });
    assert.equal(target.kind, "file");
    if (target.kind !== "file") return;
    await Deno.writeFile(target.partialPath, new Uint8Array(7));
    const [partial, ...others] = await findPartials(cwd, offeredName);
    assert.deepEqual(others, []);
    assert.equal(partial?.path, target.partialPath);
    assert.equal(partial?.fileId, fileId);
    assert.equal(partial?.size, 7);
  });
});

Deno.test("commitPartial moves the file into place and never clobbers without force", async () => {
  await inTempDirectory(async (directory) => {
    const partialPath = join(directory, `.notes.pdf.${FILE_ID}.mochi-part`);
    const finalPath = join(directory, "notes.pdf");
    await Deno.writeTextFile(partialPath, "new");
    await commitPartial(partialPath, finalPath, false);
    assert.equal(await Deno.readTextFile(finalPath), "new");
    await assert.rejects(Deno.lstat(partialPath), Deno.errors.NotFound);

    // A file that appeared after the check: kept, and so is the partial file.
    await Deno.writeTextFile(partialPath, "newer");
    await assert.rejects(commitPartial(partialPath, finalPath, false), OutputExists);
    assert.equal(await Deno.readTextFile(finalPath), "new");
    assert.equal(await Deno.readTextFile(partialPath), "newer");

    await commitPartial(partialPath, finalPath, true);
    assert.equal(await Deno.readTextFile(finalPath), "newer");
    await assert.rejects(Deno.lstat(partialPath), Deno.errors.NotFound);

    await assert.rejects(commitPartial(partialPath, finalPath, false), Deno.errors.NotFound);
  });
});
