/** Resource limits for reading one PDF. Every limit turns into a clear AppError, never a crash. */
export interface PdfLimits {
  /** Largest file accepted, in bytes (default 50 MB, the document store's default). */
  maxBytes: number;
  /** Most pages read. */
  maxPages: number;
  /** Most characters of text kept across all pages. */
  maxChars: number;
  /** Wall-clock budget for extraction, in milliseconds. */
  timeoutMs: number;
  /** Largest decoded size of one compressed non-image stream (decompression-bomb guard). */
  maxStreamBytes: number;
  /** Largest decoded size of all compressed non-image streams together. */
  maxDecodedBytes: number;
}

export const DEFAULT_PDF_LIMITS: PdfLimits = {
  maxBytes: 50 * 1024 * 1024,
  maxPages: 2_000,
  maxChars: 20_000_000,
  timeoutMs: 30_000,
  maxStreamBytes: 64 * 1024 * 1024,
  maxDecodedBytes: 256 * 1024 * 1024,
};
