// Checks a value against Elektra's validation metadata before it is sent (a stock elektrad stores these
// metakeys but does not enforce them): check/type, check/enum (array or the older single-string form,
// with check/enum/multi), check/range. validate() answers null when the value is fine, else a message.

const INTEGER = {
  short: [-(2n ** 15n), 2n ** 15n - 1n],
  unsigned_short: [0n, 2n ** 16n - 1n],
  long: [-(2n ** 31n), 2n ** 31n - 1n],
  unsigned_long: [0n, 2n ** 32n - 1n],
  long_long: [-(2n ** 63n), 2n ** 63n - 1n],
  unsigned_long_long: [0n, 2n ** 64n - 1n],
  octet: [0n, 255n],
};
const BOOLEAN = ['0', '1', 'true', 'false', 'yes', 'no', 'on', 'off', 'enabled', 'disabled', 'enable', 'disable'];

function checkType(type, v) {
  if (type in INTEGER) {
    // Elektra writes the number back as it reads it: no +, no leading zeros, no spaces (the daemon checks the same)
    if (!/^(0|-?[1-9]\d*)$/.test(v)) return `must be a whole number written plainly, like 42 or -7 (${type})`;
    const n = BigInt(v);
    const [lo, hi] = INTEGER[type];
    if (n < lo || n > hi) return `must be between ${lo} and ${hi} (${type})`;
    return null;
  }
  if (type === 'float' || type === 'double' || type === 'long_double') {
    return v.trim() !== '' && Number.isFinite(Number(v)) ? null : `must be a number (${type})`;
  }
  if (type === 'boolean') {
    return BOOLEAN.includes(v.toLowerCase()) ? null : 'must be a boolean: 1, 0, true, false, yes, no, on or off';
  }
  if (type === 'char') return [...v].length === 1 ? null : 'must be exactly one character (char)';
  return null; // string, any, enum, wchar, ... accept everything here
}

/** The allowed values of check/enum: the array form (#0, #1, #_10 ...) or the older 'a', 'b' string. */
export function enumValues(meta) {
  const items = Object.keys(meta)
    .filter(k => /^check\/enum\/#_*\d+$/.test(k))
    .sort((a, b) => Number(a.replace(/\D/g, '')) - Number(b.replace(/\D/g, '')))
    .map(k => meta[k]);
  if (items.length) return items;
  const single = meta['check/enum'];
  if (single === undefined || /^#_*\d+$/.test(single)) return null;
  const quoted = [...single.matchAll(/'([^']*)'/g)].map(m => m[1]);
  return quoted.length ? quoted : single.split(',').map(s => s.trim()).filter(Boolean);
}

function checkRange(range, v) {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) return `must be a number in ${range}`;
  const num = '([-+]?\\d+(?:\\.\\d+)?)';
  const ok = range.split(',').some(part => {
    const m = part.trim().match(new RegExp(`^${num}(?:\\s*-\\s*${num})?$`));
    if (!m) return false;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    return x >= lo && x <= hi;
  });
  return ok ? null : `must be in the range ${range}`;
}

/** null when value satisfies the check/* metadata in meta, else a message for the user. */
export function validate(value, meta) {
  if (!meta) return null;
  const v = String(value);
  const type = meta['check/type'];
  if (type) {
    const m = checkType(type, v);
    if (m) return m;
  }
  const allowed = enumValues(meta);
  if (allowed) {
    const delim = meta['check/enum/multi'];
    const values = delim ? v.split(delim) : [v];
    const bad = values.find(x => !allowed.includes(x));
    if (bad !== undefined) return `must be one of ${allowed.map(a => `'${a}'`).join(', ')}` + (delim ? ` (separated by '${delim}')` : '');
  }
  if (meta['check/range']) {
    const m = checkRange(meta['check/range'], v);
    if (m) return m;
  }
  return null;
}

/** Whether the metadata asks for any check this module understands. */
export function hasChecks(meta) {
  return !!meta && Object.keys(meta).some(k => k === 'check/type' || k === 'check/range' || k.startsWith('check/enum'));
}
