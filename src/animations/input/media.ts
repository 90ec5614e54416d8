import { createHash } from 'node:crypto';
import { badUserInput, type FieldProblem } from '../../domain/errors.js';
import { SNIFF_BYTES, sniffType, type MediaKind } from '../../domain/media-type.js';

/** Where an input file comes from: a URL fal can fetch itself, or bytes the gateway uploads. */
export type MediaSource = { kind: 'url'; url: string } | { kind: 'upload'; file: File; digest: string };

export interface MediaLimits {
  maxImageBytes: number;
  maxVideoBytes: number;
}

const ALLOWED: Record<MediaKind, string> = {
  image: 'JPEG, PNG or WebP',
  video: 'MP4, WebM or QuickTime',
};

/**
 * Picks the one source of an input file from a URL field and a file field: exactly one
 * must be given. Uploaded files and data: URIs are size-checked, then type-checked from
 * their first bytes (the declared type is not trusted), and become bytes to upload.
 */
export async function resolveMedia(
  kind: MediaKind,
  fields: { urlField: string; fileField: string },
  url: string | null | undefined,
  file: Blob | null | undefined,
  limits: MediaLimits,
): Promise<MediaSource> {
  const problem = (message: string): FieldProblem => ({ field: file ? fields.fileField : fields.urlField, message });
  if ((url == null) === (file == null)) {
    throw badUserInput([{ field: fields.urlField, message: `give exactly one of ${fields.urlField} and ${fields.fileField}` }]);
  }
  const maxBytes = kind === 'image' ? limits.maxImageBytes : limits.maxVideoBytes;
  if (file) {
    // The File scalar lets only files through; anything else that reaches here is bad input, not a crash.
    if (typeof (file as Partial<Blob>).arrayBuffer !== 'function' || typeof file.size !== 'number') {
      throw badUserInput([problem('must be a file part of a multipart request')]);
    }
    if (file.size > maxBytes) throw badUserInput([problem(`is larger than ${maxBytes} bytes`)]);
    // Multipart files may be another library's Blob, which the global File cannot wrap: take the bytes.
    return upload(kind, new Uint8Array(await file.arrayBuffer()), fileNameOf(file, kind), problem);
  }
  if (url!.startsWith('data:')) {
    const decoded = decodeDataUri(url!, maxBytes);
    if (typeof decoded === 'string') throw badUserInput([problem(decoded)]);
    return upload(kind, decoded, kind, problem);
  }
  return { kind: 'url', url: url! };
}

function upload(
  kind: MediaKind,
  bytes: Uint8Array<ArrayBuffer>,
  fileName: string,
  problem: (message: string) => FieldProblem,
): MediaSource {
  const type = sniffType(bytes.subarray(0, SNIFF_BYTES));
  if (!type || type.kind !== kind) throw badUserInput([problem(`must be a ${ALLOWED[kind]} file`)]);
  const extension = type.mime.split('/')[1]!.replace('quicktime', 'mov').replace('jpeg', 'jpg');
  return {
    kind: 'upload',
    file: new File([bytes], `${fileName.replace(/\.[^.]*$/, '')}.${extension}`, { type: type.mime }),
    digest: createHash('sha256').update(bytes).digest('hex'),
  };
}

/** The bytes of a data: URI, or why they cannot be used; checks the size before decoding. */
function decodeDataUri(uri: string, maxBytes: number): Uint8Array<ArrayBuffer> | string {
  const comma = uri.indexOf(',');
  const meta = uri.slice(5, comma);
  const payload = uri.slice(comma + 1);
  const base64 = /;base64$/i.test(meta);
  const estimated = base64 ? Math.floor((payload.length * 3) / 4) : payload.length;
  if (estimated > maxBytes + 3) return `is larger than ${maxBytes} bytes`;
  try {
    const bytes = base64 ? Buffer.from(payload, 'base64') : Buffer.from(decodeURIComponent(payload), 'latin1');
    return bytes.length > maxBytes
      ? `is larger than ${maxBytes} bytes`
      : new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
  } catch {
    return 'is not a readable data: URI';
  }
}

function fileNameOf(file: Blob, kind: MediaKind): string {
  const name = (file as Partial<File>).name;
  return typeof name === 'string' && /^[\w.-]{1,100}$/.test(name) ? name : kind;
}
