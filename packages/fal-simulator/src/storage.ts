import { createHash, randomUUID } from 'node:crypto';
import type { ObjectLifecycle, StoredFile } from './types.js';

export interface InitiatedUpload {
  upload_url: string;
  file_url: string;
}

interface PendingUpload {
  filePath: string;
  contentType: string;
  objectLifecycle: ObjectLifecycle | undefined;
}

interface PendingMultipart extends PendingUpload {
  parts: Map<number, { bytes: Buffer; etag: string }>;
}

export const SINGLE_UPLOAD_PREFIX = '/storage/put/';
export const MULTIPART_UPLOAD_PREFIX = '/storage/multipart/';

/** fal CDN v3 in memory: initiate hands out an upload URL, the PUT stores bytes under the file URL's path. */
export class FileStore {
  private readonly files = new Map<string, StoredFile>();
  private readonly uploads = new Map<string, PendingUpload>();
  private readonly multiparts = new Map<string, PendingMultipart>();

  constructor(private readonly onChange: () => void) {}

  initiate(base: string, contentType: string, fileName: string, objectLifecycle: ObjectLifecycle | undefined): InitiatedUpload {
    const token = randomUUID();
    const filePath = `/files/${token}/${encodeURIComponent(fileName)}`;
    this.uploads.set(token, { filePath, contentType, objectLifecycle });
    return { upload_url: `${base}${SINGLE_UPLOAD_PREFIX}${token}`, file_url: `${base}${filePath}` };
  }

  initiateMultipart(base: string, contentType: string, fileName: string, objectLifecycle: ObjectLifecycle | undefined): InitiatedUpload {
    const token = randomUUID();
    const filePath = `/files/${token}/${encodeURIComponent(fileName)}`;
    this.multiparts.set(token, { filePath, contentType, objectLifecycle, parts: new Map() });
    return { upload_url: `${base}${MULTIPART_UPLOAD_PREFIX}${token}`, file_url: `${base}${filePath}` };
  }

  /** false when the token was never issued. */
  put(token: string, bytes: Buffer, contentType: string | undefined): boolean {
    const upload = this.uploads.get(token);
    if (!upload) return false;
    this.store(upload.filePath, { bytes, contentType: contentType ?? upload.contentType, objectLifecycle: upload.objectLifecycle });
    return true;
  }

  putPart(token: string, partNumber: number, bytes: Buffer): { partNumber: number; etag: string } | undefined {
    const upload = this.multiparts.get(token);
    if (!upload) return undefined;
    const etag = createHash('md5').update(bytes).digest('hex');
    upload.parts.set(partNumber, { bytes, etag });
    return { partNumber, etag };
  }

  /** Assembles the listed parts in part-number order; answers an error message when they do not match the uploads. */
  complete(token: string, parts: unknown): { error: string } | undefined {
    const upload = this.multiparts.get(token);
    if (!upload) return { error: 'Upload not found' };
    if (!Array.isArray(parts) || parts.length === 0) return { error: 'parts must be a non-empty list' };
    const chunks: { partNumber: number; bytes: Buffer }[] = [];
    for (const part of parts as unknown[]) {
      const { partNumber, etag } = (part ?? {}) as { partNumber?: unknown; etag?: unknown };
      const stored = typeof partNumber === 'number' ? upload.parts.get(partNumber) : undefined;
      if (!stored || stored.etag !== etag) return { error: `Part ${String(partNumber)} was not uploaded with that etag` };
      chunks.push({ partNumber: partNumber as number, bytes: stored.bytes });
    }
    chunks.sort((a, b) => a.partNumber - b.partNumber);
    this.multiparts.delete(token);
    const bytes = Buffer.concat(chunks.map((c) => c.bytes));
    this.store(upload.filePath, { bytes, contentType: upload.contentType, objectLifecycle: upload.objectLifecycle });
    return undefined;
  }

  get(filePath: string): StoredFile | undefined {
    return this.files.get(filePath);
  }

  /** Every stored file with its path, oldest first. */
  all(): [filePath: string, file: StoredFile][] {
    return [...this.files.entries()];
  }

  private store(filePath: string, file: StoredFile): void {
    this.files.set(filePath, file);
    this.onChange();
  }
}
