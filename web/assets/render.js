// A preview of how a message will read once the server renders it
// (src/domain/message.cpp): the same placeholders and wording. The server
// renders the real text, in its configured time zone; this preview uses the
// browser's, which ops see beside it.

export const channels = ['agent_script', 'ivr', 'sms', 'email', 'status_page', 'social'];
export const channelNames = {
  agent_script: 'Agent script', ivr: 'IVR', sms: 'SMS', email: 'Email', status_page: 'Status page', social: 'Social',
};
export const placeholders = ['ref', 'title', 'eta', 'status', 'areas', 'compensation'];

const statusWords = {
  es: { investigating: 'en investigación', identified: 'causa identificada', monitoring: 'en observación', resolved: 'resuelta' },
  en: { investigating: 'under investigation', identified: 'cause identified', monitoring: 'being monitored', resolved: 'resolved' },
};
const monthsEs = ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre',
  'noviembre', 'diciembre'];
const monthsEn = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
  'November', 'December'];

const wording = (lang) => (String(lang).toLowerCase().split(/[-_]/)[0] === 'es' ? 'es' : 'en');

function etaText(eta, w, now = new Date()) {
  if (!eta) return w === 'es' ? 'sin hora estimada todavía' : 'no estimate yet';
  const at = new Date(eta);
  const day = (d) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / 86400000;
  const ahead = day(at) - day(now);
  const clock = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  const withYear = Math.abs(ahead) > 180;
  if (w === 'es') {
    const atClock = (at.getHours() === 1 ? 'a la ' : 'a las ') + clock;
    if (ahead === 0) return `hoy ${atClock}`;
    if (ahead === 1) return `mañana ${atClock}`;
    return `el ${at.getDate()} de ${monthsEs[at.getMonth()]}${withYear ? ` de ${at.getFullYear()}` : ''} ${atClock}`;
  }
  if (ahead === 0) return `today at ${clock}`;
  if (ahead === 1) return `tomorrow at ${clock}`;
  return `on ${at.getDate()} ${monthsEn[at.getMonth()]}${withYear ? ` ${at.getFullYear()}` : ''} at ${clock}`;
}

function areasText(areas, w) {
  return areas.map((a, i) => (i === 0 ? '' : i + 1 === areas.length ? (w === 'es' ? ' y ' : ' and ') : ', ') + a).join('');
}

// Splits a text into parts: {text} literals and {placeholder, known, raw}.
export function renderParts(text, values, lang) {
  const w = wording(lang);
  const parts = [];
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf('{{', pos);
    if (open < 0) break;
    const close = text.indexOf('}}', open + 2);
    if (close < 0) {
      parts.push({ text: text.slice(pos, open) });
      parts.push({ raw: text.slice(open), known: false, unclosed: true });
      return parts;
    }
    parts.push({ text: text.slice(pos, open) });
    const name = text.slice(open + 2, close).trim();
    const raw = text.slice(open, close + 2);
    let value = null;
    switch (name) {
      case 'ref': value = values.ref; break;
      case 'title': value = values.title; break;
      case 'eta': value = etaText(values.eta, w); break;
      case 'status': value = statusWords[w][values.status] || values.status; break;
      case 'areas': value = areasText(values.areas || [], w); break;
      case 'compensation': value = values.compensation ?? ''; break;
      default: value = null;
    }
    parts.push(value === null ? { raw, known: false } : { text: value, placeholder: name });
    pos = close + 2;
  }
  if (pos < text.length) parts.push({ text: text.slice(pos) });
  return parts;
}

export function renderText(text, values, lang) {
  return renderParts(text, values, lang).map((p) => (p.text !== undefined ? p.text : p.raw)).join('');
}
