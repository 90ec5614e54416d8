export interface FieldError {
  loc: (string | number)[];
  msg: string;
  type: string;
}

type Check = (value: unknown) => Omit<FieldError, 'loc'> | undefined;

const RESOLUTIONS = ['480p', '720p'];

const STR_EXPECTED = { msg: 'str type expected', type: 'type_error.str' };

const isString: Check = (v) => (typeof v === 'string' ? undefined : STR_EXPECTED);

const nonEmptyString: Check = (v) => {
  if (typeof v !== 'string') return STR_EXPECTED;
  return v.length > 0 ? undefined : { msg: 'ensure this value has at least 1 characters', type: 'value_error.any_str.min_length' };
};

/** Like fal, which downloads inputs while validating: a host under `.invalid` (RFC 2606) can never be fetched. */
const UNREACHABLE = { msg: 'Could not download the file from the given URL', type: 'value_error.file_download' };

const fileUrl: Check = (v) => {
  if (typeof v !== 'string') return STR_EXPECTED;
  if (!isFileUrl(v)) return { msg: 'invalid or missing URL scheme', type: 'value_error.url.scheme' };
  return /^https?:$/.test(new URL(v).protocol) && new URL(v).hostname.endsWith('.invalid') ? UNREACHABLE : undefined;
};

const resolution: Check = (v) =>
  typeof v === 'string' && RESOLUTIONS.includes(v)
    ? undefined
    : { msg: "unexpected value; permitted: '480p', '720p'", type: 'value_error.const' };

function integerIn(min: number, max: number): Check {
  return (v) =>
    typeof v === 'number' && Number.isInteger(v)
      ? inRange(v, min, max)
      : { msg: 'value is not a valid integer', type: 'type_error.integer' };
}

function numberIn(min: number, max: number): Check {
  return (v) =>
    typeof v === 'number' && Number.isFinite(v) ? inRange(v, min, max) : { msg: 'value is not a valid float', type: 'type_error.float' };
}

function inRange(v: number, min: number, max: number): Omit<FieldError, 'loc'> | undefined {
  if (v < min) return { msg: `ensure this value is greater than or equal to ${min}`, type: 'value_error.number.not_ge' };
  if (v > max) return { msg: `ensure this value is less than or equal to ${max}`, type: 'value_error.number.not_le' };
  return undefined;
}

function isFileUrl(value: string): boolean {
  if (/^data:[^,]*,/.test(value)) return true;
  if (!/^https?:\/\//i.test(value)) return false;
  return URL.canParse(value);
}

const FIELDS: { name: string; required: boolean; check: Check }[] = [
  { name: 'prompt', required: true, check: nonEmptyString },
  { name: 'image_url', required: true, check: fileUrl },
  { name: 'video_url', required: true, check: fileUrl },
  { name: 'negative_prompt', required: false, check: isString },
  { name: 'resolution', required: false, check: resolution },
  { name: 'num_inference_steps', required: false, check: integerIn(1, 100) },
  { name: 'cfg_scale', required: false, check: numberIn(0, 20) },
  { name: 'seed', required: false, check: integerIn(0, Number.MAX_SAFE_INTEGER) },
];

export type Validation = { ok: true; input: Record<string, unknown> } | { ok: false; errors: FieldError[] };

/** Validates a uni-animate input the way fal's pydantic models report it: every field error at once. */
export function validateInput(input: unknown): Validation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }] };
  }
  const fields = input as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const { name, required, check } of FIELDS) {
    const value = fields[name];
    if (value === undefined || value === null) {
      if (required) errors.push({ loc: ['body', name], msg: 'field required', type: 'value_error.missing' });
      continue;
    }
    const error = check(value);
    if (error) errors.push({ loc: ['body', name], ...error });
  }
  return errors.length === 0 ? { ok: true, input: fields } : { ok: false, errors };
}
