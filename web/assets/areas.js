// Area expressions checked in the browser while ops type, with the same
// rules and the same words as the server (src/domain/area.cpp). The server
// stays the judge: a 422 it sends still lands next to the field.
//   exact 28001 · prefix 280* · range 28100..28199 · everywhere *

const MIN_POSTCODE = 2;
const MAX_POSTCODE = 10;
const MAX_PREFIX = 9;

const isSpace = (c) => c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\v' || c === '\f';
const isAlnum = (c) => /^[0-9A-Za-z]$/.test(c);

function trim(text) {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text[start])) start++;
  while (end > start && isSpace(text[end - 1])) end--;
  return text.slice(start, end);
}

// Upper-cases and drops the separators people type.
function squeeze(text) {
  let out = '';
  for (const c of text) {
    if (c === ' ' || c === '-') continue;
    out += c >= 'a' && c <= 'z' ? c.toUpperCase() : c;
  }
  return out;
}

function describeInvalid(c) {
  const code = c.codePointAt(0);
  if (code >= 0x21 && code < 0x7f) return `invalid character '${c}'`;
  // The server reports the first byte, as non-ASCII is read as UTF-8.
  const byte = new TextEncoder().encode(c)[0];
  return `invalid byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

function parseRange(text) {
  const sep = text.indexOf('..');
  if (sep < 0 || text.indexOf('.', sep + 2) >= 0 || text.slice(0, sep).includes('.')) {
    return { error: "a range is written lo..hi, with exactly one '..'" };
  }
  if (text.includes('*')) return { error: "a range bound may not contain '*'" };
  const lo = squeeze(text.slice(0, sep));
  const hi = squeeze(text.slice(sep + 2));
  if (!lo) return { error: 'range is missing its lower bound' };
  if (!hi) return { error: 'range is missing its upper bound' };
  for (const bound of [lo, hi]) {
    if (bound.length < MIN_POSTCODE || bound.length > MAX_POSTCODE) return { error: 'each range bound needs 2 to 10 characters' };
  }
  if (lo.length !== hi.length) return { error: 'range bounds differ in length' };
  if (lo > hi) return { error: 'range is reversed (lo > hi)' };
  return { kind: 'range', text: `${lo}..${hi}`, lo, hi };
}

// One expression -> {kind, text, ...} or {error}.
export function parseArea(raw) {
  const text = trim(raw);
  if (!text) return { error: 'empty expression' };
  for (const c of text) {
    if (!isAlnum(c) && c !== ' ' && c !== '-' && c !== '*' && c !== '.') return { error: describeInvalid(c) };
  }
  if (text.includes('.')) return parseRange(text);
  const star = text.indexOf('*');
  if (star >= 0) {
    if (star + 1 !== text.length) return { error: "'*' may only end a prefix" };
    const prefix = squeeze(text.slice(0, star));
    if (prefix.length > MAX_PREFIX) return { error: "a prefix has at most 9 characters before '*'" };
    if (!prefix) return { kind: 'all', text: '*' };
    return { kind: 'prefix', text: `${prefix}*`, prefix };
  }
  const postcode = squeeze(text);
  if (!postcode) return { error: 'empty expression' };
  if (postcode.length < MIN_POSTCODE) return { error: 'an exact postcode needs at least 2 characters' };
  if (postcode.length > MAX_POSTCODE) return { error: 'an exact postcode has at most 10 characters' };
  return { kind: 'exact', text: postcode };
}

// What ops type in the areas box: expressions separated by commas, semicolons
// or new lines (spaces stay inside an expression: "sw1a 1aa").
export function splitAreas(text) {
  return text.split(/[,;\n]/).map((part) => part.trim()).filter((part) => part !== '');
}

// Checks every entry; errors are worded as the server words them ("areas[2]: …").
export function checkAreas(entries, field = 'areas') {
  const results = entries.map((entry, index) => ({ index, entry, ...parseArea(entry) }));
  const errors = results.filter((r) => r.error).map((r) => ({
    field: `${field}[${r.index}]`,
    message: `${field}[${r.index}]: ${r.error}`,
    index: r.index,
  }));
  if (entries.length === 0) errors.push({ field, message: `${field}: at least one area is required`, index: null });
  return { results, errors };
}

export function areaMatches(area, postcode) {
  switch (area.kind) {
    case 'exact': return postcode === area.text;
    case 'prefix': return postcode.startsWith(area.prefix);
    case 'range': return postcode.length === area.lo.length && area.lo <= postcode && postcode <= area.hi;
    case 'all': return true;
    default: return false;
  }
}
