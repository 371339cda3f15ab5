#!/usr/bin/env node
// Browser tests of the three pages against the real server.
//   node run.mjs --binary build/outagedesk --source . --artifacts build/e2e-artifacts
// Starts `outagedesk serve` on 127.0.0.1:0 with a temporary database and
// config, creates tokens with `outagedesk token create`, drives Debian's
// Chromium (/usr/bin/chromium, headless) through playwright-core, writes a
// screenshot of every page to the artifacts folder, and stops only the
// server and browser it started. A missing Chromium is a failure, not a skip.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.OUTAGEDESK_CHROMIUM || '/usr/bin/chromium';
const LIVE_BOUND_MS = 10000; // the goal is 1 s; the bound is generous for a loaded 2-core CI machine
// Sanitized builds (scripts/test --sanitize) run slower: waits for the server to start or stop scale with this.
const TIME_SCALE = Math.max(1, Number(process.env.OUTAGEDESK_TEST_TIME_SCALE) || 1);
// The first line of an ASan/LSan/UBSan report in a child's stderr; a sanitized server or CLI run that prints one fails the run.
const SANITIZER_REPORT = /^.*(ERROR: AddressSanitizer|ERROR: LeakSanitizer|SUMMARY: AddressSanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer|Sanitizer has encountered a fatal error).*$/m;

// ---------- arguments and prerequisites ----------

function argument(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}
const source = path.resolve(argument('source', path.join(here, '..', '..')));
const binary = path.resolve(argument('binary', path.join(source, 'build', 'outagedesk')));
const artifacts = path.resolve(argument('artifacts', path.join(source, 'build', 'e2e-artifacts')));

function die(message) {
  console.error(`e2e: ${message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

if (!fs.existsSync(binary)) die(`the server binary ${binary} does not exist; build it first`);
if (!fs.existsSync(CHROMIUM)) die(`Chromium is not installed at ${CHROMIUM}; scripts/test installs it (Debian package chromium)`);
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  die(`playwright-core is not installed (${e.message}); run "npm ci" in tests/e2e (scripts/test does)`);
}
fs.mkdirSync(artifacts, { recursive: true });
for (const old of fs.readdirSync(artifacts)) if (old.endsWith('.png')) fs.rmSync(path.join(artifacts, old));

// ---------- the server ----------

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'outagedesk-e2e-'));
const configFile = path.join(scratch, 'outagedesk.json');
fs.writeFileSync(configFile, JSON.stringify({
  listen: '127.0.0.1:0',
  database: path.join(scratch, 'outagedesk.db'),
  threads: 2,
  log_level: 'info',
  templates_dir: path.join(source, 'config', 'templates'),
  web_root: path.join(source, 'web'),
  notify: { gateway_url: '', quiet_hours: null },
  surge: { prefix_length: 3, window_seconds: 300, threshold: 3, baseline_multiple: 5 },
}, null, 2));

function cli(...args) {
  const run = spawnSync(binary, [...args, '--config', configFile], { encoding: 'utf8', timeout: 60000 * TIME_SCALE });
  if (run.status !== 0) throw new Error(`outagedesk ${args.join(' ')} failed: ${run.stderr}`);
  const report = SANITIZER_REPORT.exec(run.stderr);
  if (report) throw new Error(`outagedesk ${args.join(' ')} reported a sanitizer error: ${report[0]}\n${run.stderr}`);
  return run.stdout.trim();
}

let server = null;
let serverLog = '';
let browser = null;

function startServer() {
  return new Promise((resolve, reject) => {
    server = spawn(binary, ['serve', '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    const timer = setTimeout(() => reject(new Error(`the server did not report its port:\n${serverLog}`)), 30000 * TIME_SCALE);
    server.stderr.setEncoding('utf8');
    server.stderr.on('data', (chunk) => {
      serverLog += chunk;
      const found = /listening on 127\.0\.0\.1:(\d+)/.exec(serverLog);
      if (found) {
        clearTimeout(timer);
        resolve(Number(found[1]));
      }
    });
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}):\n${serverLog}`));
    });
  });
}

// Every thread's stack of a live process, through gdb when it is installed,
// so a hang is reported with where it was; '' without gdb.
function threadStacks(pid) {
  if (!fs.existsSync('/usr/bin/gdb')) return '';
  const run = spawnSync('/usr/bin/gdb', ['-p', String(pid), '-batch', '-nx', '-ex', 'thread apply all bt'],
    { encoding: 'utf8', timeout: 60000 });
  return `${run.stdout || ''}${run.stderr || ''}`;
}

// Stops what was started; returns what went wrong with the server's exit, or ''.
async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  let problem = '';
  if (server && server.exitCode === null && server.signalCode === null) {
    const gone = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    let killed = false;
    let stacks = '';
    const timer = setTimeout(() => {
      killed = true;
      stacks = threadStacks(server.pid);
      server.kill('SIGKILL');
    }, 30000 * TIME_SCALE);
    await gone;
    clearTimeout(timer);
    if (killed) problem = `the server did not exit after SIGTERM${stacks ? `; its threads then:\n${stacks}` : ''}`;
    else if (server.exitCode !== 0) problem = `the server exited with ${server.exitCode ?? server.signalCode} after SIGTERM`;
  }
  // The stderr pipe may still hold the last bytes (a leak report at exit) after the exit event.
  if (server && server.stderr && !server.stderr.readableEnded) {
    await new Promise((resolve) => { server.stderr.once('end', resolve); setTimeout(resolve, 2000); });
  }
  const report = SANITIZER_REPORT.exec(serverLog);
  if (report) problem = `${problem ? `${problem}; ` : ''}the server reported a sanitizer error: ${report[0]}`;
  server = null;
  fs.rmSync(scratch, { recursive: true, force: true });
  return problem;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await cleanup();
    process.exit(1);
  });
}

// ---------- helpers ----------

let base = '';
let opsToken = '';
let agentToken = '';

async function call(method, url, tokenValue, body, headers = {}) {
  const sent = { ...headers };
  if (tokenValue) sent.Authorization = `Bearer ${tokenValue}`;
  if (body !== undefined) sent['Content-Type'] = 'application/json';
  const res = await fetch(base + url, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

// fetch() tidies "/a/../b" away; the server must see the path as sent.
function rawGet(target) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: new URL(base).port, path: target }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
  });
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

const results = [];
const timings = {};
const pageErrors = [];

async function step(name, body) {
  const started = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok   - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false, error: e.message });
    console.log(`FAIL - ${name}: ${e.message}`);
    throw e;
  }
}

async function shot(page, name) {
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

function watch(page, label) {
  page.on('console', (message) => {
    // The refusals the scenarios provoke on purpose (wrong role, invalid field, stale version) are
    // logged by the browser too; anything else, a CSP refusal above all, is a failure.
    if (message.type() !== 'error' || /status of (403|412|422) /.test(message.text())) return;
    pageErrors.push(`${label}: ${message.text()}`);
  });
  page.on('pageerror', (error) => pageErrors.push(`${label}: ${error.message}`));
}

async function signIn(page, pathName, tokenValue) {
  await page.goto(base + pathName);
  await page.fill('#login-token', tokenValue);
  await page.press('#login-token', 'Enter');
  await page.waitForSelector('#app:not([hidden])');
  await page.waitForSelector('#live-state[data-state="live"]', { timeout: LIVE_BOUND_MS });
}

const number = (page, selector, attribute) => page.$eval(selector, (node, a) => Number(node.dataset[a]), attribute);

// ---------- the scenarios ----------

async function main() {
  cli('migrate');
  opsToken = cli('token', 'create', '--role', 'ops', '--name', 'olga');
  agentToken = cli('token', 'create', '--role', 'agent', '--name', 'ana');
  const port = await startServer();
  base = `http://127.0.0.1:${port}`;
  console.log(`server on ${base}; artifacts in ${artifacts}`);

  for (const [id, customer] of Object.entries({
    'C-1001': { phone: '+34612345678', postcode: '28013', language: 'es', services: ['broadband', 'fixed_voice'], monthly_fee_cents: 4500 },
    'C-2002': { phone: '+34699111222', postcode: '08001', language: 'en', services: ['broadband'], monthly_fee_cents: 3000 },
  })) {
    const put = await call('PUT', `/v1/customers/${id}`, opsToken, customer);
    expect(put.status === 201 || put.status === 200, `PUT customer ${id}: ${put.status} ${put.text}`);
  }

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright gives the browser a fresh, temporary --user-data-dir of its own.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const ops = await (await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-GB', timezoneId: 'Europe/Madrid' })).newPage();
  const desk = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'es-ES', timezoneId: 'Europe/Madrid' })).newPage();
  const statusContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'es-ES', timezoneId: 'Europe/Madrid' });
  const status = await statusContext.newPage();
  const outside = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: 'en-GB', timezoneId: 'Europe/Madrid' })).newPage();
  for (const [page, label] of [[ops, 'ops'], [desk, 'desk'], [status, 'status'], [outside, 'status-outside']]) watch(page, label);

  await step('pages are served with a strict CSP, caching headers and no way out of web/', async () => {
    const page = await call('GET', '/ops');
    expect(page.status === 200, `/ops answered ${page.status}`);
    expect(page.headers.get('content-type').startsWith('text/html'), 'HTML content type');
    expect(page.headers.get('cache-control') === 'no-cache', `HTML Cache-Control: ${page.headers.get('cache-control')}`);
    const csp = page.headers.get('content-security-policy') || '';
    expect(csp.includes("default-src 'self'") && csp.includes("script-src 'self'") && !csp.includes('unsafe-inline'), `CSP: ${csp}`);
    expect(page.headers.get('x-content-type-options') === 'nosniff', 'nosniff');
    expect(page.headers.get('referrer-policy'), 'Referrer-Policy');
    const asset = /src="(\/assets\/[0-9a-f]+\/ops\.js)"/.exec(page.text);
    expect(asset, 'the page names a versioned asset');
    const js = await call('GET', asset[1]);
    expect(js.status === 200 && js.headers.get('content-type').startsWith('text/javascript'), `asset: ${js.status}`);
    expect(js.headers.get('cache-control').includes('immutable'), `asset Cache-Control: ${js.headers.get('cache-control')}`);
    const again = await call('GET', asset[1], null, undefined, { 'If-None-Match': js.headers.get('etag') });
    expect(again.status === 304, `revalidation answered ${again.status}`);
    for (const bad of ['/assets/../../etc/passwd', `${asset[1].replace('ops.js', '')}..%2f..%2fconfig%2foutagedesk.json`,
      `${asset[1].replace('ops.js', '')}%2e%2e/ops.js`, '/status/../ops', '/nope']) {
      const res = await rawGet(bad);
      expect(res.status === 404 && JSON.parse(res.body).error.code === 'not_found', `${bad} answered ${res.status}`);
    }
  });

  await step('ops and the agent desk sign in with their tokens; the wrong role is told so', async () => {
    await ops.goto(`${base}/ops`);
    await ops.fill('#login-token', agentToken);
    await ops.press('#login-token', 'Enter');
    await ops.waitForSelector('#login-token-error:has-text("ops role")');
    await signIn(ops, '/ops', opsToken);
    await signIn(desk, '/desk', agentToken);
  });

  await step('the desk is open on customer C-1001, not affected yet', async () => {
    await desk.check('input[name="kind"][value="customer_id"]');
    await desk.fill('#q', 'C-1001');
    await desk.press('#q', 'Enter');
    await desk.waitForSelector('#banner[data-affected="false"]');
    await desk.evaluate(() => { window.__sameDocument = 'desk'; });
    await shot(desk, 'desk-before');
  });

  await step('the status pages are open on 28013 (Spanish) and 08001 (English): no known incident', async () => {
    await status.goto(`${base}/status?postcode=28013`);
    await status.waitForSelector('#all-clear');
    expect((await status.textContent('h1')) === 'Estado del servicio', 'a Spanish browser gets the Spanish page');
    await status.evaluate(() => { window.__sameDocument = 'status'; });
    await outside.goto(`${base}/status`);
    expect((await outside.textContent('h1')) === 'Service status', 'an English browser gets the English page');
    await outside.fill('#postcode', '08 001');
    await outside.press('#postcode', 'Enter');
    await outside.waitForSelector('#all-clear');
  });

  await step('an invalid area expression is rejected next to the areas field', async () => {
    await ops.fill('#d-title', 'Corte de fibra en Madrid centro');
    await ops.fill('#d-areas', '28013, 28100..2819');
    await ops.waitForSelector('#d-areas-error:has-text("range bounds differ in length")');
    expect(await ops.getAttribute('#d-areas', 'aria-invalid') === 'true', 'the field is marked invalid');
    expect((await ops.getAttribute('#d-areas', 'aria-describedby')).includes('d-areas-error'), 'the error is tied to the field');
    await ops.click('#d-submit');
    expect(await ops.evaluate(() => document.activeElement.id) === 'd-areas', 'focus goes to the field at fault');
    const list = await call('GET', '/v1/incidents?state=all', opsToken);
    expect(list.json.items.length === 0, 'nothing was declared');
    await shot(ops, 'ops-invalid-area');
  });

  await step("the server's 422 lands next to the message that caused it", async () => {
    await ops.fill('#d-areas', '28013, 2801*');
    await ops.fill('#msg-es-ivr', 'Avería en su zona: {{nope}}');
    await ops.click('#d-submit');
    await ops.waitForSelector('#msg-es-ivr-error:has-text("unknown placeholder")');
    expect(await ops.getAttribute('#msg-es-ivr', 'aria-invalid') === 'true', 'the message field is marked invalid');
    const list = await call('GET', '/v1/incidents?state=all', opsToken);
    expect(list.json.items.length === 0, 'nothing was declared');
  });

  let incidentId = '';
  let resolvedIncidentId = '';
  await step('an ops user declares an incident through the form, with a live preview', async () => {
    await ops.fill('#msg-es-ivr', '');
    await ops.check('#d-services input[value="broadband"]');
    await ops.check('#d-services input[value="fixed_voice"]');
    await ops.selectOption('#d-template', 'fibre_cut');
    // Three hours from now, as a datetime-local value in the browser's own zone.
    const eta = await ops.evaluate(() => {
      const d = new Date(Date.now() + 3 * 3600 * 1000);
      const pad = (n) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    });
    await ops.fill('#d-eta', eta);
    await ops.fill('#msg-es-agent_script', 'Avería {{ref}} en {{areas}}. Estado: {{status}}. Lea esto al cliente.');
    await ops.fill('#msg-es-status_page', 'Corte de fibra en su zona. Estado: {{status}}. Reparación: {{eta}}.');
    await ops.waitForSelector('#d-preview li[data-channel="agent_script"]:has-text("Avería INC-… en 28013 y 2801*. Estado: en investigación.")');
    const [answer] = await Promise.all([
      ops.waitForResponse((res) => res.url().endsWith('/v1/incidents') && res.request().method() === 'POST'),
      ops.click('#d-submit'),
    ]);
    expect(answer.status() === 201, `declare answered ${answer.status()}`);
    incidentId = (await answer.json()).id;
    await ops.waitForSelector(`#incidents tr[data-incident="${incidentId}"]`);
    await ops.waitForSelector(`#detail[data-incident="${incidentId}"]`);
    await shot(ops, 'ops-declared');
  });

  await step('the agent desk, already open, shows the banner and the script without a reload', async () => {
    await desk.waitForSelector('#banner[data-affected="true"]', { timeout: LIVE_BOUND_MS });
    await desk.waitForSelector(`#scripts article[data-incident="${incidentId}"] .script:has-text("Avería ${incidentId} en 28013 y 2801*")`);
    expect(await desk.evaluate(() => window.__sameDocument) === 'desk', 'the desk page was not reloaded');
    const sent = await number(ops, 'body', 'declareSentAt');
    const answered = await number(ops, 'body', 'declaredAt');
    const shown = await number(desk, '#banner', 'changedAt');
    timings.declare_to_desk_ms = shown - sent;
    timings.declare_answer_to_desk_ms = shown - answered;
    console.log(`     desk banner + script: ${shown - sent} ms after the declare was sent (${shown - answered} ms after its answer)`);
    expect(shown - sent <= LIVE_BOUND_MS, 'within the bound');
    await shot(desk, 'desk-affected');
  });

  await step('the public status page for 28013 shows it; 08001, outside the area, does not', async () => {
    const declaredAt = await number(ops, 'body', 'declareSentAt');
    await status.waitForSelector(`.incident-card[data-incident="${incidentId}"]`, { timeout: LIVE_BOUND_MS });
    timings.declare_to_status_ms = Date.now() - declaredAt;
    console.log(`     status page: within ${timings.declare_to_status_ms} ms (it polls every 5 s)`);
    expect((await status.textContent('.incident-card .message')).includes('Corte de fibra en su zona. Estado: en investigación'),
      'the status_page text in Spanish');
    expect(await status.evaluate(() => window.__sameDocument) === 'status', 'the status page was not reloaded');
    await shot(status, 'status-affected-es');
    await status.click('.lang-switch button[data-lang="en"]');
    await status.waitForSelector('.incident-card .message:has-text("Fibre cut")');
    expect((await status.textContent('h1')) === 'Service status', 'switched to English');
    await shot(status, 'status-affected-en');
    // Let the outside page poll at least once after the declare.
    const before = await outside.textContent('#updated');
    await outside.waitForFunction((text) => document.querySelector('#updated').textContent !== text, before, { timeout: LIVE_BOUND_MS });
    await outside.waitForTimeout(5500);
    expect(await outside.$('.incident-card') === null, '08001 shows no incident');
    expect(await outside.$('#all-clear') !== null, '08001 says there is no known incident');
    await shot(outside, 'status-outside');
  });

  await step('an update from the ops console reaches the desk script live', async () => {
    await ops.selectOption('#e-status', 'identified');
    await ops.selectOption('#e-msg-lang', 'es');
    await ops.selectOption('#e-msg-channel', 'agent_script');
    await ops.fill('#e-msg-text', 'Avería {{ref}} localizada. Estado: {{status}}. Reparación: {{eta}}.');
    await ops.fill('#e-note', 'cable located');
    await ops.evaluate(() => { document.body.dataset.updateSentAt = String(Date.now()); });
    await ops.click('#e-submit');
    await ops.waitForSelector('#detail[data-version="2"]');
    await desk.waitForSelector(`#scripts .script:has-text("Avería ${incidentId} localizada. Estado: causa identificada")`, { timeout: LIVE_BOUND_MS });
    const sent = await number(ops, 'body', 'updateSentAt');
    const shown = await number(desk, '#banner', 'changedAt');
    timings.update_to_desk_ms = shown - sent;
    console.log(`     desk script updated ${shown - sent} ms after the update was sent`);
    await desk.waitForSelector(`#scripts article[data-version="2"] .script-meta:has-text("script version 2")`);
    expect(await desk.evaluate(() => window.__sameDocument) === 'desk', 'the desk page was not reloaded');
  });

  await step('an update with a stale version shows the conflict message', async () => {
    // Someone else (another ops user, through the API) changes it first.
    const other = await call('PATCH', `/v1/incidents/${incidentId}`, opsToken, { note: 'other ops: crew on site' }, { 'If-Match': '"2"' });
    expect(other.status === 200, `the other update answered ${other.status}`);
    await ops.waitForSelector('#detail[data-version="3"]', { timeout: LIVE_BOUND_MS });
    await ops.fill('#e-note', 'my change, made on version 2');
    await ops.click('#e-submit');
    await ops.waitForSelector('#e-conflict:not([hidden])');
    const text = await ops.textContent('#e-conflict-text');
    expect(/someone else changed this incident first; reload/i.test(text), `conflict message: ${text}`);
    await shot(ops, 'ops-conflict');
    const incident = await call('GET', `/v1/incidents/${incidentId}`, opsToken);
    expect(incident.json.version === 3, 'the stale update changed nothing');
    await ops.click('#e-reload');
    await ops.waitForSelector('#e-conflict', { state: 'hidden' });
  });

  await step('the agent logs the contact and promises a callback in a few keystrokes; ops counts follow', async () => {
    await desk.focus('#c-note');
    await desk.keyboard.type('No internet since this morning');
    await desk.keyboard.press('Enter');
    await desk.waitForSelector('#history li[data-contact]:has-text("No internet since this morning")');
    await desk.focus('#cb-note');
    await desk.keyboard.type('Call to confirm the line is back');
    await desk.keyboard.press('Enter');
    await desk.waitForSelector('#callbacks li[data-callback]:has-text("Call to confirm the line is back")');
    await ops.waitForSelector(`#incidents tr[data-incident="${incidentId}"] td[data-stat="contacts"]:text-is("1")`, { timeout: LIVE_BOUND_MS });
    await shot(desk, 'desk-contact-logged');
  });

  await step('a surge alert arrives live and ops declare from it', async () => {
    for (const postcode of ['46001', '46002', '46003']) {
      const contact = await call('POST', '/v1/contacts', agentToken, { postcode, channel: 'voice', reason: 'no_service', outcome: 'handled' });
      expect(contact.status === 201, `contact answered ${contact.status} ${contact.text}`);
    }
    await ops.waitForSelector('#alerts li[data-alert]:has-text("460*")', { timeout: LIVE_BOUND_MS });
    await shot(ops, 'ops-alert');
    await ops.click('#alerts li[data-alert] button:has-text("Declare from this alert")');
    await ops.waitForSelector('#d-from-alert:not([hidden])');
    await ops.fill('#d-title', 'Datos móviles en Valencia');
    await ops.selectOption('#d-template', 'mobile_data');
    const [answer] = await Promise.all([
      ops.waitForResponse((res) => /\/v1\/alerts\/[^/]+\/declare$/.test(res.url())),
      ops.click('#d-submit'),
    ]);
    expect(answer.status() === 201, `declare from alert answered ${answer.status()}`);
    const declared = await answer.json();
    expect(declared.areas.join() === '460*', `areas ${declared.areas}`);
    await ops.waitForSelector('#alerts-empty:not([hidden])');
    const resolved = await call('POST', `/v1/incidents/${declared.id}/resolve`, opsToken, { note: 'e2e: done' });
    expect(resolved.status === 200, `resolve answered ${resolved.status}`);
    resolvedIncidentId = declared.id;
    await ops.waitForSelector(`#incidents tr[data-incident="${declared.id}"]`, { state: 'detached', timeout: LIVE_BOUND_MS });
    await ops.click(`#incidents tr[data-incident="${incidentId}"] button`);
    await ops.waitForSelector(`#detail[data-incident="${incidentId}"]`);
  });

  await step("the browser's area check agrees with the server on every kind of mistake", async () => {
    // A resolved incident refuses updates (409), but only after the body is parsed: a bad area is
    // a 422 first. So each expression is judged by the server without changing anything.
    const cases = ['28001', '280*', '28100..28199', '*', 'sw1a 1aa', '28-001', '28100..2819', '28199..28100', '2*8',
      'a#b', '1', '12345678901', '1234567890*', '123456789*', '28..', '..28', '2.8', '28...30', '28100..28*', ' - ', 'ñ',
      '28100 .. 28199', 'AB..AZ'];
    const browser = await ops.evaluate(async (list) => {
      const src = document.querySelector('script[type="module"]').getAttribute('src');
      const { parseArea } = await import(src.replace('ops.js', 'areas.js'));
      return list.map((text) => parseArea(text).error || null);
    }, cases);
    for (const [i, text] of cases.entries()) {
      const res = await call('PATCH', `/v1/incidents/${resolvedIncidentId}`, opsToken, { areas: [text] });
      const server = res.status === 422 ? res.json.error.message.replace(/^areas\[0\]: /, '') : null;
      expect(res.status === 422 || res.status === 409, `${JSON.stringify(text)}: server answered ${res.status}`);
      expect(server === browser[i], `${JSON.stringify(text)}: server says ${server}, browser says ${browser[i]}`);
    }
  });

  await step('resolving from the ops console clears all three pages', async () => {
    await ops.fill('#r-note', 'splice repaired');
    await ops.click('#r-submit');
    await ops.click('#r-confirm');
    await ops.waitForSelector('#detail[data-status="resolved"]');
    const resolvedAt = Date.now();
    await ops.waitForSelector('#incidents-empty:not([hidden])', { timeout: LIVE_BOUND_MS });
    await desk.waitForSelector('#banner[data-affected="false"]', { timeout: LIVE_BOUND_MS });
    timings.resolve_to_desk_ms = Date.now() - resolvedAt;
    await status.waitForSelector('#all-clear', { timeout: LIVE_BOUND_MS });
    timings.resolve_to_status_ms = Date.now() - resolvedAt;
    console.log(`     cleared: desk within ${timings.resolve_to_desk_ms} ms, status page within ${timings.resolve_to_status_ms} ms`);
    expect(await desk.evaluate(() => window.__sameDocument) === 'desk', 'the desk page was not reloaded');
    await shot(ops, 'ops-resolved');
    await shot(desk, 'desk-resolved');
    await shot(status, 'status-resolved');
  });

  await step('keyboard: the desk lookup is reachable with "/" and every form control has a label', async () => {
    await desk.click('h1');
    await desk.keyboard.press('/');
    expect(await desk.evaluate(() => document.activeElement.id) === 'q', '"/" focuses the lookup');
    for (const page of [ops, desk, status]) {
      const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
        .filter((c) => c.type !== 'hidden' && !(c.labels && c.labels.length) && !c.getAttribute('aria-label'))
        .map((c) => c.id || c.name));
      expect(unlabelled.length === 0, `controls without a label: ${unlabelled.join(', ')}`);
    }
  });

  await step('no page logged a script error or a Content-Security-Policy violation', async () => {
    expect(pageErrors.length === 0, pageErrors.join('\n'));
  });
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  if (!results.length || results[results.length - 1].ok) console.log(`FAIL - setup: ${e.stack || e.message}`);
  if (browser) {
    for (const context of browser.contexts()) {
      for (const [i, page] of context.pages().entries()) {
        await page.screenshot({ path: path.join(artifacts, `failure-${browser.contexts().indexOf(context)}-${i}.png`), fullPage: true }).catch(() => {});
      }
    }
  }
  if (pageErrors.length) console.log(`page errors:\n${pageErrors.join('\n')}`);
  console.log(`server log (last lines):\n${serverLog.split('\n').slice(-30).join('\n')}`);
} finally {
  const problem = await cleanup();
  if (problem) {
    failed = true;
    console.log(`FAIL - server exit: ${problem}`);
    console.log(`server log (last lines):\n${serverLog.split('\n').slice(-60).join('\n')}`);
  }
}
fs.writeFileSync(path.join(artifacts, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
const passed = results.filter((r) => r.ok).length;
console.log(`screenshots and timings.json in ${artifacts}`);
console.log(`${passed} passed, ${results.length - passed + (failed && results.every((r) => r.ok) ? 1 : 0)} failed`);
process.exit(failed ? 1 : 0);
