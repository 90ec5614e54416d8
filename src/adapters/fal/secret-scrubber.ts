/**
 * Removes a secret from text that came from elsewhere (an upstream error body may echo
 * request headers), in the raw, URL-encoded, base64 and hex spellings.
 */
export function secretScrubber(secret: string | undefined): (text: string) => string {
  if (!secret) return (text) => text;
  const spellings = [
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    Buffer.from(secret).toString('hex'),
  ];
  return (text) => spellings.reduce((out, spelling) => out.split(spelling).join('[redacted]'), text);
}
