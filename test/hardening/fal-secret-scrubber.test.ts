import { describe, expect, it } from 'vitest';
import { errorSummary, fieldProblems } from '../../src/adapters/fal/fal-outcomes.js';
import { secretScrubber } from '../../src/adapters/fal/secret-scrubber.js';

const KEY_ID = 'fk_canary_0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const KEY_SECRET = '5f4dcc3b5aa765d61d8327deb882cf99';
const KEY = `${KEY_ID}:${KEY_SECRET}`;
const scrub = secretScrubber(KEY);

describe('the fal key scrubber', () => {
  it.each([
    ['the whole key', KEY],
    ['the key id', KEY_ID],
    ['the key secret', KEY_SECRET],
    ['URL-encoded', encodeURIComponent(KEY)],
    ['base64', Buffer.from(KEY).toString('base64')],
    ['base64url of the secret', Buffer.from(KEY_SECRET).toString('base64url')],
    ['base64 of the Authorization header', Buffer.from(`Key ${KEY}`).toString('base64')],
    ['base64 of the header as basic credentials', Buffer.from(`user:${KEY}`).toString('base64')],
    ['hex', Buffer.from(KEY).toString('hex')],
    ['upper-case hex of the id', Buffer.from(KEY_ID).toString('hex').toUpperCase()],
    ['a 12-character fragment', KEY.slice(20, 32)],
  ])('removes %s', (_what, spelling) => {
    const out = scrub(`before ${spelling} after`);
    expect(out.startsWith('before ')).toBe(true);
    expect(out.endsWith(' after')).toBe(true);
    expect(out).toContain('[redacted]');
    // Only an encoding's edge groups survive (up to 8 characters before, mixed with what precedes the key, 4 after).
    expect(out.length).toBeLessThanOrEqual(`before [redacted] after`.length + 12);
  });

  it('leaves text without the key alone', () => {
    for (const text of ['Sampling step 3/30', 'fal-ai/uni-animate', 'video_url: No person found in the video', '']) {
      expect(scrub(text)).toBe(text);
    }
  });

  it('scrubs before cutting, so a key at the cut leaves no fragment in error summaries and field messages', () => {
    const detail = (limit: number) => `${'x'.repeat(limit - 20)}auth was Key ${KEY}`;
    expect(errorSummary(500, { detail: detail(200) }, scrub)).toBe(`500: ${'x'.repeat(180)}auth was Key [redact`);
    const [problem] = fieldProblems({ detail: [{ loc: ['body', 'prompt'], msg: detail(300) }] }, scrub);
    expect(problem).toEqual({ field: 'prompt', message: `${'x'.repeat(280)}auth was Key [redact` });
    expect(errorSummary(500, { detail: 'no', error_type: `bad_${KEY_SECRET}` }, scrub)).toBe('500 (bad_[redacted]): no');
  });

  it('removes a short secret only whole', () => {
    expect(secretScrubber('sandbox')('key sandbox, not sandbo')).toBe('key [redacted], not sandbo');
  });
});
