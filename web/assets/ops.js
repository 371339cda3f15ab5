// Ops console: active incidents with live counts, surge alerts, declare,
// update (with the version check) and resolve. Uses only the /v1 API.
import { api, ApiError, etagVersion } from './api.js';
import { checkAreas, splitAreas } from './areas.js';
import { $, $$, el, clear, showFieldError, clearFieldErrors, formatTime, localInputToUtc, utcToLocalInput, money } from './dom.js';
import { openEvents, showLiveState, incidentEvents } from './events.js';
import { channels, channelNames, renderParts } from './render.js';
import { setupLogin } from './session.js';

// Counts (contacts, deflected, notified) change without an event of their own,
// so the list is also re-read on this period while the tab is visible.
const COUNTS_REFRESH_MS = 5000;
const LANGS = ['es', 'en'];

let token = null;
let stream = null;
let refreshTimer = null;
let incidents = [];
let detail = null; // the incident open in the detail panel, as last read
let editBase = null; // the incident as it was when the editor was (re)loaded
let fromAlert = null;
let declareAttempt = null; // {body, key}: a retry of the same body reuses its Idempotency-Key

const severityNames = { minor: 'Minor', major: 'Major', critical: 'Critical' };
const statusNames = { investigating: 'Investigating', identified: 'Identified', monitoring: 'Monitoring', resolved: 'Resolved' };

function notice(text, kind = 'good') {
  const box = el('div', { class: `notice ${kind}` }, el('p', { text }));
  $('#notices').prepend(box);
  setTimeout(() => box.remove(), 15000);
}

// ---------- lists ----------

async function loadIncidents() {
  const { data } = await api('GET', '/v1/incidents?state=active&limit=200', { token });
  incidents = data.items;
  renderIncidents();
}

function renderIncidents() {
  const table = $('#incidents');
  const body = clear($('tbody', table));
  table.hidden = incidents.length === 0;
  $('#incidents-empty').hidden = incidents.length > 0;
  for (const item of incidents) {
    const open = el('button', { type: 'button', class: 'secondary', 'aria-label': `Open ${item.id}: ${item.title}` }, item.id);
    open.addEventListener('click', () => openDetail(item.id, { focus: true }));
    body.append(el('tr', { 'data-incident': item.id, class: detail && detail.id === item.id ? 'selected' : null },
      el('td', {}, open, ' ', item.title),
      el('td', {}, el('span', { class: `badge ${item.severity}` }, severityNames[item.severity])),
      el('td', { text: statusNames[item.status] || item.status }),
      el('td', {}, item.eta ? formatTime(item.eta) : '—'),
      el('td', { text: item.areas.join(', ') }),
      el('td', { class: 'num', 'data-stat': 'contacts', text: item.stats.contacts }),
      el('td', { class: 'num', 'data-stat': 'deflected', text: item.stats.deflected }),
      el('td', { class: 'num', 'data-stat': 'notified', text: item.stats.notified }),
      el('td', { class: 'num', 'data-stat': 'affected_customers', text: item.stats.affected_customers }),
      el('td', { class: 'num', text: item.version })));
  }
}

async function loadAlerts() {
  const { data } = await api('GET', '/v1/alerts?status=open&limit=50', { token });
  const list = clear($('#alerts'));
  $('#alerts-empty').hidden = data.items.length > 0;
  for (const alert of data.items) {
    const declare = el('button', { type: 'button' }, 'Declare from this alert');
    declare.addEventListener('click', () => startFromAlert(alert));
    const dismiss = el('button', { type: 'button', class: 'secondary' }, 'Dismiss');
    dismiss.addEventListener('click', async () => {
      try {
        await api('POST', `/v1/alerts/${encodeURIComponent(alert.id)}/dismiss`, { token });
        notice(`Alert ${alert.id} dismissed.`);
        loadAlerts();
      } catch (e) {
        notice(`Could not dismiss ${alert.id}: ${e.message}`, 'bad');
      }
    });
    const minutes = Math.round(alert.window_seconds / 60);
    list.append(el('li', { 'data-alert': alert.id },
      el('strong', { text: `${alert.id} · area ${alert.area}` }),
      el('p', { text: `${alert.count} unmatched “no service” contacts in ${minutes} min (first ${formatTime(alert.first_at)}, last ${formatTime(alert.last_at)}).` }),
      el('div', { class: 'buttons' }, declare, dismiss)));
  }
}

function refreshLists() {
  return Promise.all([
    loadIncidents().catch((e) => notice(`Could not load incidents: ${e.message}`, 'bad')),
    loadAlerts().catch(() => {}),
  ]);
}

function scheduleRefresh() {
  clearInterval(refreshTimer);
  refreshTimer = setInterval(() => {
    if (!document.hidden) refreshLists();
  }, COUNTS_REFRESH_MS);
}

// ---------- live events ----------

function onEvent(event) {
  if (event.type === 'alert.raised') {
    notice(`Surge alert ${event.alert?.id ?? ''}: area ${event.alert?.area ?? ''}.`, 'warn');
    loadAlerts().catch(() => {});
    return;
  }
  if (!event.type.startsWith('incident.')) return;
  loadIncidents().catch(() => {});
  if (detail && event.incident && event.incident.id === detail.id) openDetail(detail.id, { keepEditor: true });
}

// ---------- declare ----------

function buildMessageEditors() {
  for (const lang of LANGS) {
    const box = $(`#d-messages-${lang}`);
    for (const channel of channels) {
      const id = `msg-${lang}-${channel}`;
      box.append(el('label', { for: id }, `${channelNames[channel]} (${lang})`),
        el('textarea', { id, rows: channel === 'email' ? 3 : 2, 'data-lang': lang, 'data-channel': channel }));
    }
  }
  const select = $('#e-msg-channel');
  for (const channel of channels) select.append(el('option', { value: channel }, channelNames[channel]));
}

function currentLang() {
  return $('input[name="d-lang"]:checked').value;
}

function showLang(lang) {
  for (const l of LANGS) $(`#d-messages-${l}`).hidden = l !== lang;
  $(`input[name="d-lang"][value="${lang}"]`).checked = true;
  renderPreview();
}

// Live check of the areas box: each expression shown as the server reads it,
// the first error next to the field, worded as the server words it.
function checkAreaField(textarea, list, { quietWhenEmpty = true } = {}) {
  const entries = splitAreas(textarea.value);
  const { results, errors } = checkAreas(entries);
  clear(list);
  for (const r of results) {
    list.append(el('li', { class: r.error ? 'bad' : null, 'data-index': r.index },
      r.error ? `✗ ${r.entry}` : `✓ ${r.text === '*' ? '* (everywhere)' : r.text}`));
  }
  const shown = errors.filter((e) => e.index !== null || !quietWhenEmpty || textarea.dataset.touched);
  showFieldError(textarea, shown.map((e) => describeAreaError(e, entries)).join(' '));
  return { entries, results, errors };
}

function describeAreaError(error, entries) {
  if (error.index === null) return 'Give at least one area.';
  const entry = entries[error.index];
  return `Entry ${error.index + 1}, “${entry}”: ${error.message.replace(/^areas\[\d+\]: /, '')}.`;
}

function updateAreaSummary() {
  if (fromAlert) return;
  const { results, errors } = checkAreaField($('#d-areas'), $('#d-areas-check'));
  const valid = results.filter((r) => !r.error).length;
  $('#d-areas-summary').textContent = results.length === 0 ? '' :
    errors.length ? `${errors.length} of ${results.length} areas need fixing.` : `${valid} area${valid === 1 ? '' : 's'} ready.`;
  renderPreview();
}

function previewValues() {
  const areas = fromAlert ? [fromAlert.area]
    : checkAreas(splitAreas($('#d-areas').value)).results.filter((r) => !r.error).map((r) => r.text);
  return {
    ref: 'INC-…',
    title: $('#d-title').value.trim() || '(title)',
    eta: localInputToUtc($('#d-eta').value),
    status: $('#d-status').value,
    areas,
    compensation: '',
  };
}

function renderPreview() {
  const lang = currentLang();
  const values = previewValues();
  const template = $('#d-template').value;
  $('#d-preview-lang').textContent = `(${lang === 'es' ? 'Español' : 'English'}; times in your browser's zone)`;
  const list = clear($('#d-preview'));
  for (const channel of channels) {
    const text = $(`#msg-${lang}-${channel}`).value;
    const item = el('li', { 'data-channel': channel }, el('span', { class: 'channel', text: channelNames[channel] }));
    if (!text.trim()) {
      item.append(el('span', { class: 'empty', text: template ? `From the “${template}” template.` : 'Not set: the default language’s text is used.' }));
    } else {
      const out = el('span', { class: 'rendered' });
      for (const part of renderParts(text, values, lang)) {
        if (part.text !== undefined) out.append(part.text);
        else out.append(el('mark', { class: 'unknown', title: part.unclosed ? 'unclosed {{' : 'unknown placeholder' }, part.raw));
      }
      item.append(out);
      if (channel === 'sms') {
        const length = out.textContent.length;
        item.append(el('span', { class: 'hint', text: ` — ${length} characters (${Math.max(1, Math.ceil(length / 160))} SMS)` }));
      }
    }
    list.append(item);
  }
}

function declareBody() {
  const body = {
    title: $('#d-title').value.trim(),
    severity: $('#d-severity').value,
    status: $('#d-status').value,
  };
  const services = $$('#d-services input:checked').map((box) => box.value);
  if (services.length) body.services = services;
  if (!fromAlert) body.areas = splitAreas($('#d-areas').value);
  const template = $('#d-template').value;
  if (template) body.template = template;
  const eta = localInputToUtc($('#d-eta').value);
  if (eta) body.eta = eta;
  const messages = {};
  for (const area of $$('#d-messages textarea')) {
    if (!area.value.trim()) continue;
    (messages[area.dataset.lang] ||= {})[area.dataset.channel] = area.value;
  }
  if (Object.keys(messages).length) body.messages = messages;
  const note = $('#d-note').value.trim();
  if (note) body.note = note;
  return body;
}

// The API's `field` ("areas[2]", "messages.es.ivr", "services[1]") -> the element to mark.
function declareFieldElement(field) {
  if (!field) return null;
  if (field === 'title') return $('#d-title');
  if (field === 'severity') return $('#d-severity');
  if (field === 'status') return $('#d-status');
  if (field === 'template') return $('#d-template');
  if (field === 'eta') return $('#d-eta');
  if (field === 'note') return $('#d-note');
  if (field === 'services' || field.startsWith('services[')) return $('#d-services');
  if (field === 'areas' || field.startsWith('areas[')) return fromAlert ? null : $('#d-areas');
  const message = /^messages\.([^.]+)\.([a-z_]+)$/.exec(field);
  if (message && LANGS.includes(message[1]) && channels.includes(message[2])) {
    showLang(message[1]);
    return $(`#msg-${message[1]}-${message[2]}`);
  }
  if (field.startsWith('messages')) return $('#d-messages');
  return null;
}

function showApiError(error, fieldElement, formError) {
  const target = error instanceof ApiError ? fieldElement(error.field) : null;
  if (target) {
    showFieldError(target, error.message);
    target.focus();
  } else {
    formError.textContent = error.message;
    formError.focus?.();
  }
}

function startFromAlert(alert) {
  fromAlert = alert;
  $('#d-from-alert-text').textContent =
    `Declaring from alert ${alert.id}: the incident covers the alert's area ${alert.area} (${alert.count} contacts).`;
  $('#d-from-alert').hidden = false;
  $('#d-areas-block').hidden = true;
  if (!$('#d-title').value) $('#d-title').value = `Outage around ${alert.area}`;
  renderPreview();
  $('#d-title').focus();
}

function stopFromAlert() {
  fromAlert = null;
  $('#d-from-alert').hidden = true;
  $('#d-areas-block').hidden = false;
  updateAreaSummary();
}

async function submitDeclare(event) {
  event.preventDefault();
  const form = $('#declare');
  clearFieldErrors(form);
  $('#d-form-error').textContent = '';
  let problem = null;
  if (!$('#d-title').value.trim() && !$('#d-template').value) {
    problem = problem || $('#d-title');
    showFieldError($('#d-title'), 'Give the incident a title.');
  }
  if (!fromAlert) {
    $('#d-areas').dataset.touched = '1';
    const { errors } = checkAreaField($('#d-areas'), $('#d-areas-check'), { quietWhenEmpty: false });
    if (errors.length) problem = problem || $('#d-areas');
  }
  if (problem) {
    problem.focus();
    return;
  }
  const body = declareBody();
  const text = JSON.stringify(body);
  if (!declareAttempt || declareAttempt.body !== text) declareAttempt = { body: text, key: crypto.randomUUID() };
  const button = $('#d-submit');
  button.disabled = true;
  try {
    const path = fromAlert ? `/v1/alerts/${encodeURIComponent(fromAlert.id)}/declare` : '/v1/incidents';
    document.body.dataset.declareSentAt = String(Date.now()); // for the browser tests' timing
    const { data } = await api('POST', path, { token, body, headers: { 'Idempotency-Key': declareAttempt.key } });
    declareAttempt = null;
    document.body.dataset.declaredAt = String(Date.now());
    notice(`Declared ${data.id}: ${data.title}.`);
    form.reset();
    $('#d-areas').dataset.touched = '';
    if (fromAlert) stopFromAlert();
    updateAreaSummary();
    showLang('es');
    await Promise.all([loadIncidents(), loadAlerts()]).catch(() => {});
    await openDetail(data.id, { focus: true });
  } catch (e) {
    showApiError(e, declareFieldElement, $('#d-form-error'));
  } finally {
    button.disabled = false;
  }
}

// ---------- detail, update, resolve ----------

async function openDetail(id, { focus = false, keepEditor = false } = {}) {
  let answer;
  try {
    answer = await api('GET', `/v1/incidents/${encodeURIComponent(id)}`, { token });
  } catch (e) {
    notice(`Could not open ${id}: ${e.message}`, 'bad');
    return;
  }
  const sameIncident = detail && detail.id === id;
  detail = answer.data;
  detail.version = etagVersion(answer.etag) ?? detail.version;
  renderDetail();
  if (!keepEditor || !sameIncident || !editBase) resetEditor();
  else if (detail.version !== editBase.version) {
    const stale = $('#e-stale');
    stale.textContent = `Someone else changed ${detail.id} since you opened it (now version ${detail.version}; your editor has version ${editBase.version}).`;
    stale.hidden = false;
  }
  renderIncidents();
  const panel = $('#detail');
  panel.hidden = false;
  if (focus) $('#detail-title').focus();
}

function renderDetail() {
  const panel = $('#detail');
  panel.dataset.incident = detail.id;
  panel.dataset.version = detail.version;
  panel.dataset.status = detail.status;
  $('#detail-title').textContent = `${detail.id} · ${detail.title}`;
  const facts = clear($('#detail-facts'));
  const fact = (name, value) => facts.append(el('dt', { text: name }), el('dd', {}, value));
  fact('Status', statusNames[detail.status] || detail.status);
  fact('Severity', el('span', { class: `badge ${detail.severity}` }, severityNames[detail.severity]));
  fact('Version', String(detail.version));
  fact('Services', detail.services.length ? detail.services.join(', ') : 'all');
  fact('Areas', detail.areas.join(', '));
  fact('Started', formatTime(detail.started_at));
  fact('ETA', detail.eta ? formatTime(detail.eta) : 'no estimate');
  if (detail.resolved_at) fact('Resolved', formatTime(detail.resolved_at));
  fact('Contacts', String(detail.stats.contacts));
  fact('Deflected by IVR', String(detail.stats.deflected));
  fact('Notified', String(detail.stats.notified));
  fact('Affected customers', String(detail.stats.affected_customers));
  const compensation = el('dd', { id: 'detail-compensation' }, detail.status === 'resolved' ? 'computing…' : 'computed when resolved');
  facts.append(el('dt', { text: 'Compensation' }), compensation);
  if (detail.status === 'resolved') loadCompensation(detail.id, compensation);

  $('#edit-block').hidden = detail.status === 'resolved';
  const timeline = clear($('#timeline'));
  for (const entry of [...(detail.timeline || [])].reverse()) {
    timeline.append(el('li', {},
      el('time', { datetime: entry.at }, formatTime(entry.at)),
      ` · v${entry.version} · ${statusNames[entry.status] || entry.status} · ${entry.actor}`,
      entry.note ? el('div', { text: entry.note }) : null));
  }
}

async function loadCompensation(id, cell) {
  try {
    const { data } = await api('GET', `/v1/incidents/${encodeURIComponent(id)}/compensations?limit=10000`, { token });
    const payable = data.items.filter((row) => row.payable);
    const total = payable.reduce((sum, row) => sum + row.amount_cents, 0);
    const currency = data.items[0]?.currency || 'EUR';
    cell.textContent = `${money(total, currency)} for ${payable.length} customers${data.complete ? '' : ' (still computing)'}`;
  } catch {
    cell.textContent = 'not available';
  }
}

function resetEditor() {
  editBase = structuredClone(detail);
  const form = $('#edit');
  clearFieldErrors(form);
  $('#e-form-error').textContent = '';
  $('#e-conflict').hidden = true;
  $('#e-stale').hidden = true;
  $('#r-conflict').hidden = true;
  $('#r-form-error').textContent = '';
  $('#e-status').value = detail.status === 'resolved' ? 'monitoring' : detail.status;
  $('#e-severity').value = detail.severity;
  $('#e-eta').value = utcToLocalInput(detail.eta);
  $('#e-eta-clear').checked = false;
  $('#e-areas').value = detail.areas.join(', ');
  $('#e-note').value = '';
  fillMessageEditor();
  checkAreaField($('#e-areas'), $('#e-areas-check'));
  cancelResolve();
}

function fillMessageEditor() {
  const lang = $('#e-msg-lang').value;
  const channel = $('#e-msg-channel').value;
  $('#e-msg-text').value = editBase?.messages?.[lang]?.[channel] ?? '';
}

function editFieldElement(field) {
  if (!field) return null;
  if (field === 'status') return $('#e-status');
  if (field === 'severity') return $('#e-severity');
  if (field === 'eta') return $('#e-eta');
  if (field === 'note') return $('#e-note');
  if (field === 'areas' || field.startsWith('areas[')) return $('#e-areas');
  if (field.startsWith('messages')) return $('#e-msg-text');
  return null;
}

function showConflict(box, textNode, error) {
  const now = etagVersion(error.etag);
  textNode.textContent = 'Someone else changed this incident first; reload it to see their change, then make yours again.' +
    (now ? ` (It is now at version ${now}.)` : '');
  box.hidden = false;
  $('#e-stale').hidden = true;
}

async function submitEdit(event) {
  event.preventDefault();
  const form = $('#edit');
  clearFieldErrors(form);
  $('#e-form-error').textContent = '';
  $('#e-conflict').hidden = true;
  const patch = {};
  if ($('#e-status').value !== editBase.status) patch.status = $('#e-status').value;
  if ($('#e-severity').value !== editBase.severity) patch.severity = $('#e-severity').value;
  if ($('#e-eta-clear').checked) {
    if (editBase.eta) patch.eta = null;
  } else {
    const eta = localInputToUtc($('#e-eta').value);
    if (eta && eta !== editBase.eta && $('#e-eta').value !== utcToLocalInput(editBase.eta)) patch.eta = eta;
  }
  const areas = splitAreas($('#e-areas').value);
  if (areas.join(',') !== editBase.areas.join(',')) {
    const { errors } = checkAreaField($('#e-areas'), $('#e-areas-check'), { quietWhenEmpty: false });
    if (errors.length) {
      $('#e-areas').focus();
      return;
    }
    patch.areas = areas;
  }
  const lang = $('#e-msg-lang').value;
  const channel = $('#e-msg-channel').value;
  const text = $('#e-msg-text').value;
  if (text !== (editBase.messages?.[lang]?.[channel] ?? '') && text.trim()) patch.messages = { [lang]: { [channel]: text } };
  const note = $('#e-note').value.trim();
  if (note) patch.note = note;
  if (Object.keys(patch).length === 0) {
    $('#e-form-error').textContent = 'Nothing to save: change a field or write a note.';
    return;
  }
  const button = $('#e-submit');
  button.disabled = true;
  try {
    const answer = await api('PATCH', `/v1/incidents/${encodeURIComponent(editBase.id)}`, {
      token, body: patch, headers: { 'If-Match': `"${editBase.version}"` },
    });
    detail = answer.data;
    renderDetail();
    resetEditor();
    notice(`Saved ${detail.id}: now version ${detail.version}.`);
    loadIncidents().catch(() => {});
  } catch (e) {
    if (e instanceof ApiError && e.status === 412) showConflict($('#e-conflict'), $('#e-conflict-text'), e);
    else showApiError(e, editFieldElement, $('#e-form-error'));
  } finally {
    button.disabled = false;
  }
}

function askResolve(event) {
  event.preventDefault();
  $('#r-submit').hidden = true;
  $('#r-confirm').hidden = false;
  $('#r-cancel').hidden = false;
  $('#r-confirm').focus();
}

function cancelResolve() {
  $('#r-submit').hidden = false;
  $('#r-confirm').hidden = true;
  $('#r-cancel').hidden = true;
}

async function confirmResolve() {
  $('#r-form-error').textContent = '';
  $('#r-conflict').hidden = true;
  const body = {};
  const note = $('#r-note').value.trim();
  if (note) body.note = note;
  try {
    const answer = await api('POST', `/v1/incidents/${encodeURIComponent(detail.id)}/resolve`, {
      token, body, headers: { 'If-Match': `"${detail.version}"` },
    });
    detail = answer.data;
    $('#r-note').value = '';
    renderDetail();
    cancelResolve();
    notice(`Resolved ${detail.id}.`);
    loadIncidents().catch(() => {});
    $('#detail-title').focus();
  } catch (e) {
    cancelResolve();
    if (e instanceof ApiError && e.status === 412) showConflict($('#r-conflict'), $('#r-conflict-text'), e);
    else showApiError(e, (f) => (f === 'note' ? $('#r-note') : null), $('#r-form-error'));
  }
}

// ---------- wiring ----------

function signedIn(value) {
  token = value;
  refreshLists();
  scheduleRefresh();
  stream?.close();
  stream = openEvents({
    token,
    types: [...incidentEvents, 'alert.raised'],
    onEvent,
    onState: (state) => {
      showLiveState($('#live-state'), state);
      if (state === 'live') refreshLists();
    },
  });
}

function signedOut() {
  token = null;
  stream?.close();
  clearInterval(refreshTimer);
  showLiveState($('#live-state'), 'unauthorized');
}

buildMessageEditors();
$('#declare').addEventListener('submit', submitDeclare);
$('#d-areas').addEventListener('input', updateAreaSummary);
$('#d-areas').addEventListener('blur', () => {
  if ($('#d-areas').value.trim()) $('#d-areas').dataset.touched = '1';
});
for (const id of ['#d-title', '#d-eta', '#d-status', '#d-template']) $(id).addEventListener('input', renderPreview);
$('#d-messages').addEventListener('input', (event) => {
  if (event.target.matches('textarea')) {
    showFieldError(event.target, '');
    renderPreview();
  }
});
for (const radio of $$('input[name="d-lang"]')) radio.addEventListener('change', () => showLang(radio.value));
$('#d-from-alert-cancel').addEventListener('click', stopFromAlert);
$('#edit').addEventListener('submit', submitEdit);
$('#e-areas').addEventListener('input', () => checkAreaField($('#e-areas'), $('#e-areas-check')));
$('#e-msg-lang').addEventListener('change', fillMessageEditor);
$('#e-msg-channel').addEventListener('change', fillMessageEditor);
$('#e-reload').addEventListener('click', async () => {
  await openDetail(detail.id);
  $('#e-status').focus();
});
$('#resolve').addEventListener('submit', askResolve);
$('#r-confirm').addEventListener('click', confirmResolve);
$('#r-cancel').addEventListener('click', () => {
  cancelResolve();
  $('#r-submit').focus();
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && token) refreshLists();
});
renderPreview();
showLiveState($('#live-state'), 'connecting');

setupLogin({
  storageKey: 'outagedesk.ops.token',
  probe: '/v1/alerts?status=open&limit=1',
  roleName: 'ops',
  onSignedIn: signedIn,
  onSignedOut: signedOut,
});
