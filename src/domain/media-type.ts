export type MediaKind = 'image' | 'video';

/** Bytes enough to tell a file's type. */
export const SNIFF_BYTES = 64;

/** The real type of a file from its magic bytes, when it is one the model accepts. */
export function sniffType(bytes: Uint8Array): { kind: MediaKind; mime: string } | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { kind: 'image', mime: 'image/jpeg' };
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return { kind: 'image', mime: 'image/png' };
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return { kind: 'image', mime: 'image/webp' };
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3 && ascii(0, 64).includes('webm')) {
    return { kind: 'video', mime: 'video/webm' };
  }
  if (ascii(4, 8) === 'ftyp') return { kind: 'video', mime: ascii(8, 12) === 'qt  ' ? 'video/quicktime' : 'video/mp4' };
  if (['moov', 'mdat', 'wide', 'free'].includes(ascii(4, 8))) return { kind: 'video', mime: 'video/quicktime' };
  return undefined;
}
