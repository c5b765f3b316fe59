import { inflateRawSync } from "node:zlib";
import { AppError } from "../../domain/errors.ts";

/** One entry of a zip's central directory. Nothing is decompressed to list it. */
export interface ZipEntryInfo {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const MAX_ZIP_ENTRIES = 20_000;

function corrupt(message: string): AppError {
  return new AppError("DOCUMENT_CORRUPT", message);
}

/**
 * Lists a zip's entries from its central directory, treating the archive as hostile: a path
 * that escapes its folder, or declared sizes past `maxUncompressed` (or expanding more than
 * 1000-fold past 10 MB), give ARCHIVE_UNSAFE; a damaged directory gives DOCUMENT_CORRUPT.
 */
export function readZipDirectory(bytes: Uint8Array, maxUncompressed: number): ZipEntryInfo[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const searchFrom = Math.max(0, bytes.length - 22 - 65_535);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= searchFrom; i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt("The zip-based file is truncated or damaged (no central directory).");
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    throw new AppError("DOCUMENT_TYPE_UNSUPPORTED", "ZIP64 archives are not accepted as documents.", {
      details: { detected: "zip64" },
    });
  }
  if (cdOffset + cdSize > bytes.length || count > MAX_ZIP_ENTRIES) {
    throw corrupt("The zip-based file's directory points outside the file.");
  }
  const entries: ZipEntryInfo[] = [];
  let total = 0;
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== 0x02014b50) {
      throw corrupt("The zip-based file's directory is damaged.");
    }
    const method = view.getUint16(p + 10, true);
    const compressedSize = view.getUint32(p + 20, true);
    const uncompressedSize = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const localHeaderOffset = view.getUint32(p + 42, true);
    if (p + 46 + nameLength > bytes.length) throw corrupt("The zip-based file's directory is damaged.");
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + p + 46, nameLength).toString("utf8");
    if (/(?:^|[\\/])\.\.(?:[\\/]|$)/.test(name) || /^(?:[\\/]|[A-Za-z]:)/.test(name) || name.includes("\0")) {
      throw new AppError("ARCHIVE_UNSAFE", "The archive holds a path that escapes its folder.", {
        details: { entry: name.slice(0, 200) },
      });
    }
    total += uncompressedSize;
    if (
      total > maxUncompressed ||
      (compressedSize > 0 && uncompressedSize / compressedSize > 1_000 && uncompressedSize > 10 * 1024 * 1024)
    ) {
      throw new AppError("ARCHIVE_UNSAFE", "The archive expands far beyond its size (a zip bomb).", {
        details: { declaredBytes: total, limit: maxUncompressed },
      });
    }
    entries.push({ name, method, compressedSize, uncompressedSize, localHeaderOffset });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * The bytes of one entry (stored or deflated), inflated with a cap of the size its directory
 * declared, so that an entry lying about its size cannot expand past it.
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntryInfo): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== 0x04034b50) {
    throw corrupt(`The zip entry ${entry.name} is damaged.`);
  }
  const dataStart = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > bytes.length) throw corrupt(`The zip entry ${entry.name} is truncated.`);
  const data = bytes.subarray(dataStart, dataEnd);
  if (entry.method === 0) return data;
  if (entry.method !== 8) {
    throw new AppError(
      "DOCUMENT_TYPE_UNSUPPORTED",
      `The zip entry ${entry.name} uses an unsupported compression.`,
      {
        details: { method: entry.method },
      },
    );
  }
  try {
    const out = inflateRawSync(data, { maxOutputLength: Math.max(entry.uncompressedSize, 1) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new AppError("ARCHIVE_UNSAFE", `The zip entry ${entry.name} expands beyond its declared size.`);
    }
    throw corrupt(`The zip entry ${entry.name} cannot be decompressed.`);
  }
}
