import { isatty } from 'node:tty';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { logFormatFor } from '../../src/logger.js';

describe('the log format', () => {
  it('is what LOG_FORMAT says, whatever NODE_ENV or stdout', () => {
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).log.format).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'json' }).log.format).toBe('json');
    expect(logFormatFor('pretty', true)).toBe('pretty');
    expect(logFormatFor('json', false)).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'yaml' })).toThrow(ConfigError);
  });

  it('is JSON in production; outside it, pretty only on a terminal', () => {
    expect(loadConfig({}).log.format).toBeUndefined();
    expect(logFormatFor(undefined, true)).toBe('json');
    expect(logFormatFor(undefined, false)).toBe(isatty(1) ? 'pretty' : 'json');
  });
});
