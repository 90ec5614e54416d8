/**
 * The shortest run of a secret's spelling that is removed wherever it appears: a fragment that long
 * (a key cut by an upstream, or by the gateway's own length limits) is still worth hiding.
 */
export const SCRUB_FRAGMENT_CHARS = 8;

const REDACTED = '[redacted]';

/**
 * Removes a secret from text that came from elsewhere (an upstream error body or log line may echo
 * request headers). It removes every run of at least SCRUB_FRAGMENT_CHARS characters of any
 * spelling of the secret: the whole and, for a fal key `<key id>:<key secret>`, each half, each raw,
 * URL-encoded, hex (lower and upper case), base64 and base64url (at each of the three alignments
 * the secret can have inside a longer encoded text). A secret shorter than that is removed whole.
 * Scrub before cutting a text short: what is left then holds no fragment of that length.
 */
export function secretScrubber(secret: string | undefined): (text: string) => string {
  if (!secret) return (text) => text;
  const spellings = spellingsOf(secret);
  if (secret.length < SCRUB_FRAGMENT_CHARS) {
    return (text) => spellings.reduce((out, spelling) => out.split(spelling).join(REDACTED), text);
  }
  const fragments = new Set<string>();
  for (const spelling of spellings) {
    for (let i = 0; i + SCRUB_FRAGMENT_CHARS <= spelling.length; i++) fragments.add(spelling.slice(i, i + SCRUB_FRAGMENT_CHARS));
  }
  // fal answers every status poll with every log line so far: short texts repeat, so their results are kept.
  const memo = new Map<string, string>();
  const scrubFragments = (text: string): string => {
    let out = '';
    /** Where the text not yet copied to `out` starts; -1 until the first fragment. */
    let kept = -1;
    for (let i = 0; i + SCRUB_FRAGMENT_CHARS <= text.length; i++) {
      if (!fragments.has(text.slice(i, i + SCRUB_FRAGMENT_CHARS))) continue;
      // A fragment overlapping or touching the previous one extends its redaction.
      if (kept < 0 || i > kept) out += text.slice(Math.max(kept, 0), i) + REDACTED;
      kept = i + SCRUB_FRAGMENT_CHARS;
    }
    return kept < 0 ? text : out + text.slice(kept);
  };
  return (text) => {
    if (text.length > MEMO_MAX_CHARS) return scrubFragments(text);
    let scrubbed = memo.get(text);
    if (scrubbed === undefined) {
      scrubbed = scrubFragments(text);
      if (memo.size >= MEMO_ENTRIES) memo.clear();
      memo.set(text, scrubbed);
    }
    return scrubbed;
  };
}

const MEMO_MAX_CHARS = 256;
const MEMO_ENTRIES = 4096;

/** Every spelling of `secret` and of each half of an `id:secret` pair, as listed above. */
export function spellingsOf(secret: string): string[] {
  const colon = secret.indexOf(':');
  const parts = colon > 0 && colon < secret.length - 1 ? [secret, secret.slice(0, colon), secret.slice(colon + 1)] : [secret];
  const spellings = parts.flatMap((part) => {
    const bytes = Buffer.from(part, 'utf8');
    const hex = bytes.toString('hex');
    return [
      part,
      encodeURIComponent(part),
      hex,
      hex.toUpperCase(),
      ...alignedBase64(bytes, 'base64'),
      ...alignedBase64(bytes, 'base64url'),
    ];
  });
  return [...new Set(spellings)].filter((spelling) => spelling.length > 0);
}

/**
 * The characters of `bytes`' encoding that are the same wherever the bytes sit inside a longer
 * encoded text, for each of the three offsets (mod 3) they can start at: the 4-character groups
 * made only of the secret's bytes.
 */
function alignedBase64(bytes: Buffer, encoding: 'base64' | 'base64url'): string[] {
  return [0, 1, 2].map((offset) => {
    const skip = offset === 0 ? 0 : 3 - offset;
    const whole = Math.floor((bytes.length - skip) / 3) * 3;
    return whole > 0 ? bytes.subarray(skip, skip + whole).toString(encoding) : '';
  });
}
