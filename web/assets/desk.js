// Agent desk: who is calling, are they affected, what to say. The banner and
// the script follow ops' changes live: every incident event re-reads the
// caller's context (GET /v1/agent/context), which is served from memory.
import { api, ApiError } from './api.js';
import { $, el, clear, showFieldError, clearFieldErrors, formatTime, localInputToUtc, money } from './dom.js';
import { openEvents, showLiveState, incidentEvents } from './events.js';
import { setupLogin } from './session.js';

let token = null;
let stream = null;
let lookup = null; // {kind, value} of the caller on screen
let context = null;
let refetch = null; // pending re-read, so a burst of events costs one request
let generation = 0; // answers to older lookups are dropped

const statusNames = { investigating: 'investigating', identified: 'cause identified', monitoring: 'fix applied, monitoring', resolved: 'resolved' };
const reasonNames = { no_service: 'no service', degraded: 'degraded service', billing: 'billing', sales: 'sales', other: 'other' };

function notice(text, kind = 'good') {
  const box = el('div', { class: `notice ${kind}` }, el('p', { text }));
  $('#notices').prepend(box);
  setTimeout(() => box.remove(), 20000);
}

function queryFor({ kind, value }) {
  return new URLSearchParams({ [kind]: value }).toString();
}

async function loadContext({ announce = false } = {}) {
  if (!lookup) return;
  const mine = ++generation;
  try {
    const { data } = await api('GET', `/v1/agent/context?${queryFor(lookup)}`, { token });
    if (mine !== generation) return;
    context = data;
    render();
    if (announce) $('#banner-title').focus();
  } catch (e) {
    if (mine !== generation) return;
    if (e instanceof ApiError && (e.status === 422 || e.status === 404)) {
      const field = e.status === 404 ? 'No such customer.' : e.message;
      showFieldError($('#q'), field);
      $('#context').hidden = true;
      $('#q').focus();
      return;
    }
    notice(`Could not load the caller: ${e.message}`, 'bad');
  }
}

function scheduleReload() {
  clearTimeout(refetch);
  refetch = setTimeout(() => loadContext(), 30);
}

function render() {
  $('#context').hidden = false;
  renderBanner();
  renderScripts();
  renderCustomer();
  renderHistory();
  const canCallBack = Boolean(context.customer);
  $('#cb-unavailable').hidden = canCallBack;
  for (const control of $('#callback').elements) control.disabled = !canCallBack;
  // A sensible default reason saves a keystroke on the calls that matter.
  if (!$('#c-note').value) $('#c-reason').value = context.affected ? 'no_service' : 'other';
}

function renderBanner() {
  const banner = $('#banner');
  const who = context.customer ? `${context.customer.id} (${context.postcode})` : context.postcode || 'this caller';
  banner.classList.remove('affected', 'clear', 'unknown');
  if (context.affected) {
    banner.classList.add('affected');
    const ids = context.incidents.map((i) => i.id).join(', ');
    $('#banner-title').textContent = `AFFECTED by ${context.incidents.length === 1 ? 'an outage' : `${context.incidents.length} outages`}`;
    const first = context.incidents[0];
    $('#banner-detail').textContent = `${who}: ${ids} — ${first.title}. Status: ${statusNames[first.status] || first.status}. ` +
      (first.eta ? `Expected fix ${formatTime(first.eta)}.` : 'No estimated fix yet.');
  } else if (context.reason === 'unknown_caller') {
    banner.classList.add('unknown');
    $('#banner-title').textContent = 'UNKNOWN CALLER';
    $('#banner-detail').textContent = 'No customer has this number. Ask for the postcode and look it up.';
  } else {
    banner.classList.add('clear');
    $('#banner-title').textContent = 'NOT AFFECTED';
    $('#banner-detail').textContent = `${who}: no known outage covers this caller. Troubleshoot as usual.`;
  }
  const shown = `${context.affected}|${context.incidents.map((i) => `${i.id}@${i.version}`).join(',')}`;
  // When what the agent sees last changed (the browser tests measure it).
  if (banner.dataset.shown !== shown) banner.dataset.changedAt = String(Date.now());
  banner.dataset.shown = shown;
  banner.dataset.affected = String(Boolean(context.affected));
}

function renderScripts() {
  const box = clear($('#scripts'));
  for (const incident of context.incidents) {
    box.append(el('article', { class: 'panel', 'data-incident': incident.id, 'data-version': incident.version },
      el('h2', { text: `Read this to the caller (${incident.id})` }),
      el('p', { class: 'script', text: incident.script || '(no script written yet)' }),
      el('p', { class: 'script-meta', text: `${incident.id} · script version ${incident.version} · ${incident.severity} · ` +
        `${statusNames[incident.status] || incident.status}${incident.eta ? ` · ETA ${formatTime(incident.eta)}` : ''}` })));
  }
}

function renderCustomer() {
  const facts = clear($('#customer-facts'));
  const fact = (name, value) => facts.append(el('dt', { text: name }), el('dd', { text: value }));
  const c = context.customer;
  if (c) {
    fact('Customer', c.id);
    if (c.phone) fact('Phone', c.phone);
    fact('Postcode', c.postcode);
    fact('Services', c.services.length ? c.services.join(', ') : 'all');
    fact('Language', c.language);
    if (c.tariff) fact('Tariff', c.tariff);
  } else {
    fact('Customer', 'not registered');
    fact('Postcode', context.postcode || 'unknown');
  }
  fact('Owner', context.owner ? `${context.owner}${context.owner_until ? ` (until ${formatTime(context.owner_until)})` : ''}` : 'nobody yet');
  const h = context.ivr_handoff;
  $('#handoff').textContent = h
    ? `${formatTime(h.at)}: came through the IVR about ${reasonNames[h.reason] || h.reason}` +
      `${h.announcement_version !== null ? `, heard announcement version ${h.announcement_version}` : ''}` +
      `${h.verified ? ', identity verified' : ''}; outcome ${h.outcome}.`
    : 'Nothing: the caller did not come through the IVR just now.';
}

function renderHistory() {
  const callbacks = clear($('#callbacks'));
  if (!context.callbacks.length) callbacks.append(el('li', { class: 'hint', text: 'None open.' }));
  for (const cb of context.callbacks) {
    const done = el('button', { type: 'button', class: 'secondary' }, 'Mark done');
    done.addEventListener('click', async () => {
      try {
        await api('POST', `/v1/callbacks/${encodeURIComponent(cb.id)}/complete`, { token });
        notice(`Callback ${cb.id} done.`);
        loadContext();
      } catch (e) {
        notice(`Could not complete ${cb.id}: ${e.message}`, 'bad');
      }
    });
    callbacks.append(el('li', { 'data-callback': cb.id },
      el('strong', { text: `${formatTime(cb.due_at)}${cb.overdue ? ' — OVERDUE' : ''}` }),
      ` · ${cb.agent}${cb.note ? ` · ${cb.note}` : ''} `, done));
  }

  const compensation = clear($('#compensation'));
  if (!context.compensation.length) compensation.append(el('li', { class: 'hint', text: 'Nothing due.' }));
  for (const row of context.compensation) {
    compensation.append(el('li', {},
      el('strong', { text: money(row.amount_cents, row.currency) }),
      ` · ${row.incident_id || ''} · ${row.service} · ${row.payable ? 'payable' : 'below the minimum'}`,
      row.explanation ? el('div', { class: 'hint', text: row.explanation }) : null));
  }

  const history = clear($('#history'));
  if (!context.contacts.length) history.append(el('li', { class: 'hint', text: 'No earlier contact.' }));
  for (const c of context.contacts) {
    history.append(el('li', { 'data-contact': c.id },
      el('time', { datetime: c.created_at }, formatTime(c.created_at)),
      ` · ${c.channel} · ${reasonNames[c.reason] || c.reason} · ${c.outcome}${c.agent ? ` · ${c.agent}` : ''}` +
        `${c.incident_ids.length ? ` · ${c.incident_ids.join(', ')}` : ''}`,
      c.note ? el('div', { text: c.note }) : null));
  }
}

// ---------- lookup ----------

function guessKind(value) {
  const compact = value.replace(/[\s().-]/g, '');
  if (/^\+\d{6,}$/.test(compact) || /^00\d{6,}$/.test(compact) || /^\d{9,}$/.test(compact)) return 'phone';
  return null;
}

function submitLookup(event) {
  event.preventDefault();
  const input = $('#q');
  const value = input.value.trim();
  showFieldError(input, '');
  if (!value) {
    showFieldError(input, 'Type a phone number, a customer id or a postcode.');
    input.focus();
    return;
  }
  let kind = $('input[name="kind"]:checked').value;
  // A long number typed while "postcode" is ticked is a phone: no postcode has 9+ digits here.
  const guessed = guessKind(value);
  if (guessed && kind === 'postcode') kind = guessed;
  lookup = { kind, value };
  context = null;
  loadContext({ announce: true });
}

// ---------- contact and callback ----------

function contactFieldElement(field) {
  return { note: $('#c-note'), reason: $('#c-reason'), outcome: $('#c-outcome'), channel: $('#c-channel') }[field] || null;
}

async function submitContact(event) {
  event.preventDefault();
  if (!context) return;
  const form = $('#contact');
  clearFieldErrors(form);
  $('#c-form-error').textContent = '';
  const body = {
    channel: $('#c-channel').value,
    reason: $('#c-reason').value,
    outcome: $('#c-outcome').value,
  };
  if (context.customer) body.customer_id = context.customer.id;
  else if (lookup.kind === 'phone') body.phone = lookup.value;
  if (!context.customer && context.postcode) body.postcode = context.postcode;
  const note = $('#c-note').value.trim();
  if (note) body.note = note;
  const button = $('#c-submit');
  button.disabled = true;
  try {
    const { data } = await api('POST', '/v1/contacts', { token, body, headers: { 'Idempotency-Key': crypto.randomUUID() } });
    notice(`Contact ${data.id} logged${data.incident_ids.length ? ` against ${data.incident_ids.join(', ')}` : ''}.`);
    $('#c-note').value = '';
    if (body.outcome === 'callback' && context.customer) $('#cb-when').focus();
    await loadContext();
  } catch (e) {
    const target = e instanceof ApiError ? contactFieldElement(e.field) : null;
    if (target) {
      showFieldError(target, e.message);
      target.focus();
    } else {
      $('#c-form-error').textContent = e.message;
    }
  } finally {
    button.disabled = false;
  }
}

function callbackDue() {
  const when = $('#cb-when').value;
  if (when === 'custom') return localInputToUtc($('#cb-at').value);
  const at = new Date();
  if (when === 'tomorrow') {
    at.setDate(at.getDate() + 1);
    at.setHours(9, 0, 0, 0);
  } else {
    at.setMinutes(at.getMinutes() + Number(when), 0, 0);
  }
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function submitCallback(event) {
  event.preventDefault();
  if (!context?.customer) return;
  const form = $('#callback');
  clearFieldErrors(form);
  $('#cb-form-error').textContent = '';
  const due = callbackDue();
  if (!due) {
    showFieldError($('#cb-at'), 'Choose the date and time of the callback.');
    $('#cb-at').focus();
    return;
  }
  const body = { customer_id: context.customer.id, due_at: due };
  const note = $('#cb-note').value.trim();
  if (note) body.note = note;
  const button = $('#cb-submit');
  button.disabled = true;
  try {
    const { data } = await api('POST', '/v1/callbacks', { token, body, headers: { 'Idempotency-Key': crypto.randomUUID() } });
    notice(`Callback ${data.id} promised for ${formatTime(data.due_at)}.`);
    $('#cb-note').value = '';
    await loadContext();
  } catch (e) {
    const map = { due_at: $('#cb-when').value === 'custom' ? $('#cb-at') : $('#cb-when'), note: $('#cb-note') };
    const target = e instanceof ApiError ? map[e.field] : null;
    if (target) {
      showFieldError(target, e.message);
      target.focus();
    } else {
      $('#cb-form-error').textContent = e.message;
    }
  } finally {
    button.disabled = false;
  }
}

// ---------- wiring ----------

function onEvent(event) {
  if (event.type === 'callback.due') {
    const cb = event.callback || {};
    notice(`Callback ${cb.id || ''} for ${cb.customer_id || 'a customer'} is due now (${cb.agent || 'unassigned'}).`, 'warn');
    if (context?.customer && cb.customer_id === context.customer.id) scheduleReload();
    return;
  }
  // Any incident change may add or remove this caller, or change the script.
  if (lookup) scheduleReload();
}

function signedIn(value) {
  token = value;
  stream?.close();
  stream = openEvents({
    token,
    types: [...incidentEvents, 'callback.due'],
    onEvent,
    onState: (state) => {
      showLiveState($('#live-state'), state);
      if (state === 'live' && lookup) scheduleReload();
    },
  });
  $('#q').focus();
}

function signedOut() {
  token = null;
  stream?.close();
  lookup = null;
  context = null;
  $('#context').hidden = true;
  showLiveState($('#live-state'), 'unauthorized');
}

$('#lookup').addEventListener('submit', submitLookup);
$('#contact').addEventListener('submit', submitContact);
$('#callback').addEventListener('submit', submitCallback);
$('#cb-when').addEventListener('change', () => {
  const custom = $('#cb-when').value === 'custom';
  $('#cb-at-block').hidden = !custom;
  if (custom) $('#cb-at').focus();
});
document.addEventListener('keydown', (event) => {
  if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.matches('input, textarea, select') || target.isContentEditable) return;
  event.preventDefault();
  $('#q').focus();
  $('#q').select();
});
showLiveState($('#live-state'), 'connecting');

setupLogin({
  storageKey: 'outagedesk.desk.token',
  probe: '/v1/incidents?state=active&limit=1',
  roleName: 'agent',
  onSignedIn: signedIn,
  onSignedOut: signedOut,
});
