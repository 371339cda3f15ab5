// Public status page: a postcode in, the outages covering it out, kept current.
// It polls GET /v1/status every few seconds rather than listening to the event
// stream: the public has no token, and streams need one (a ticket is issued
// only to agent and IVR tokens), so a cheap cached-in-memory poll it is.
import { api, ApiError } from './api.js';
import { $, $$, el, clear, showFieldError } from './dom.js';

const POLL_MS = 5000;

const strings = {
  en: {
    title: 'Service status',
    skip: 'Skip to content',
    postcodeLabel: 'Your postcode',
    postcodeHint: 'For example 28013. We show any outage we know of there.',
    check: 'Check',
    badPostcode: 'Enter a postcode of 2 to 10 letters or digits, for example 28013.',
    needPostcode: 'Enter your postcode to check.',
    affected: (n, pc) => (n === 1 ? `There is a known problem affecting ${pc}` : `There are ${n} known problems affecting ${pc}`),
    clear: (pc) => `No known incident in ${pc}.`,
    clearMore: 'If something is not working, restart your equipment; if that does not help, contact us.',
    status: 'Status',
    eta: 'Expected fix',
    noEta: 'No estimate yet',
    lastUpdate: 'Last update',
    since: 'Since',
    services: 'Services',
    updated: (t) => `Checked at ${t}. This page updates itself.`,
    offline: 'We cannot reach the server right now; we keep trying.',
    statuses: { investigating: 'Investigating', identified: 'Cause identified', monitoring: 'Fix applied, monitoring', resolved: 'Resolved' },
    serviceNames: { mobile_voice: 'Mobile calls', mobile_data: 'Mobile data', fixed_voice: 'Landline', broadband: 'Internet', tv: 'TV' },
  },
  es: {
    title: 'Estado del servicio',
    skip: 'Ir al contenido',
    postcodeLabel: 'Tu código postal',
    postcodeHint: 'Por ejemplo 28013. Te mostramos cualquier avería que conozcamos allí.',
    check: 'Consultar',
    badPostcode: 'Escribe un código postal de 2 a 10 letras o cifras, por ejemplo 28013.',
    needPostcode: 'Escribe tu código postal para consultar.',
    affected: (n, pc) => (n === 1 ? `Hay una avería conocida que afecta a ${pc}` : `Hay ${n} averías conocidas que afectan a ${pc}`),
    clear: (pc) => `No hay ninguna incidencia conocida en ${pc}.`,
    clearMore: 'Si algo no funciona, reinicia tu equipo; si no se soluciona, contacta con nosotros.',
    status: 'Estado',
    eta: 'Reparación prevista',
    noEta: 'Sin hora estimada todavía',
    lastUpdate: 'Última actualización',
    since: 'Desde',
    services: 'Servicios',
    updated: (t) => `Consultado a las ${t}. Esta página se actualiza sola.`,
    offline: 'Ahora no podemos contactar con el servidor; seguimos intentándolo.',
    statuses: { investigating: 'En investigación', identified: 'Causa identificada', monitoring: 'Reparado, en observación', resolved: 'Resuelta' },
    serviceNames: { mobile_voice: 'Llamadas móviles', mobile_data: 'Datos móviles', fixed_voice: 'Teléfono fijo', broadband: 'Internet', tv: 'TV' },
  },
};

const params = new URLSearchParams(location.search);
let lang = pickLanguage();
let postcode = null;
let lastBody = null;
let timer = null;
let inFlight = null;

function pickLanguage() {
  const wanted = [params.get('lang'), localStorage.getItem('outagedesk.lang'), ...(navigator.languages || [navigator.language])];
  for (const code of wanted) {
    const primary = String(code || '').toLowerCase().split('-')[0];
    if (primary === 'es' || primary === 'en') return primary;
  }
  return 'en';
}

const t = () => strings[lang];

function normalisePostcode(raw) {
  const text = raw.replace(/[\s-]/g, '').toUpperCase();
  return /^[0-9A-Z]{2,10}$/.test(text) ? text : null;
}

function applyLanguage() {
  document.documentElement.lang = lang;
  document.title = t().title;
  for (const node of $$('[data-i18n]')) node.textContent = t()[node.dataset.i18n];
  for (const button of $$('.lang-switch button')) button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
}

function updateUrl() {
  const next = new URLSearchParams(location.search);
  if (postcode) next.set('postcode', postcode);
  next.set('lang', lang);
  history.replaceState(null, '', `${location.pathname}?${next}`);
}

function relative(iso) {
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(Math.round(seconds), 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86400), 'day');
}

const when = (iso) => new Date(iso).toLocaleString(lang, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

function render(data) {
  const result = $('#result');
  clear(result);
  result.dataset.postcode = data.postcode;
  if (!data.active) {
    result.dataset.state = 'clear';
    result.append(el('div', { class: 'all-clear', id: 'all-clear' },
      el('h2', { text: t().clear(data.postcode) }),
      el('p', { text: t().clearMore })));
    return;
  }
  result.dataset.state = 'affected';
  result.append(el('h2', { text: t().affected(data.incidents.length, data.postcode) }));
  for (const incident of data.incidents) {
    const services = (incident.services || []).map((s) => t().serviceNames[s] || s).join(', ');
    result.append(el('article', { class: 'incident-card', 'data-incident': incident.id },
      el('h3', { text: incident.title }),
      el('p', { class: 'message', text: incident.message }),
      el('dl', {},
        el('dt', { text: t().status }), el('dd', { text: t().statuses[incident.status] || incident.status }),
        services ? [el('dt', { text: t().services }), el('dd', { text: services })] : null,
        el('dt', { text: t().eta }),
        el('dd', {}, incident.eta ? el('time', { datetime: incident.eta }, when(incident.eta)) : t().noEta),
        el('dt', { text: t().since }), el('dd', {}, el('time', { datetime: incident.started_at }, when(incident.started_at))),
        el('dt', { text: t().lastUpdate }),
        el('dd', {}, el('time', { datetime: incident.updated_at, title: when(incident.updated_at) }, relative(incident.updated_at))))));
  }
}

async function refresh() {
  if (!postcode) return;
  inFlight?.abort();
  inFlight = new AbortController();
  const query = new URLSearchParams({ postcode, lang });
  try {
    const { data } = await api('GET', `/v1/status?${query}`, { signal: inFlight.signal });
    const body = JSON.stringify(data);
    // Re-rendering unchanged content would make screen readers repeat it.
    if (body !== lastBody) {
      lastBody = body;
      render(data);
    }
    $('#updated').textContent = t().updated(new Date().toLocaleTimeString(lang));
  } catch (e) {
    if (e.name === 'AbortError') return;
    if (e instanceof ApiError && e.status === 422) {
      showFieldError($('#postcode'), t().badPostcode);
      stop();
      return;
    }
    $('#updated').textContent = t().offline;
  }
}

function stop() {
  clearTimeout(timer);
  timer = null;
}

function schedule() {
  stop();
  timer = setTimeout(async () => {
    if (!document.hidden) await refresh();
    schedule();
  }, POLL_MS);
}

function lookUp(raw) {
  const input = $('#postcode');
  const value = normalisePostcode(raw);
  if (!value) {
    showFieldError(input, raw.trim() ? t().badPostcode : t().needPostcode);
    input.focus();
    return;
  }
  showFieldError(input, '');
  postcode = value;
  lastBody = null;
  updateUrl();
  refresh();
  schedule();
}

$('#lookup').addEventListener('submit', (event) => {
  event.preventDefault();
  lookUp($('#postcode').value);
});

for (const button of $$('.lang-switch button')) {
  button.addEventListener('click', () => {
    lang = button.dataset.lang;
    localStorage.setItem('outagedesk.lang', lang);
    applyLanguage();
    const input = $('#postcode');
    if (input.getAttribute('aria-invalid') === 'true') showFieldError(input, t().badPostcode);
    updateUrl();
    lastBody = null;
    refresh();
  });
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && postcode) refresh();
});

applyLanguage();
if (params.get('postcode')) {
  $('#postcode').value = params.get('postcode');
  lookUp(params.get('postcode'));
}
