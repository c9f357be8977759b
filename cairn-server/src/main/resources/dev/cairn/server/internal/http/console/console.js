// Cairn web console (docs/console.md). Plain JavaScript, no build step, no dependencies.
// It reads the HTTP API of docs/api.md: the namespace's service list and the selected
// service's instances arrive as server-sent events; their health checks' output is read from
// GET .../checks (it changes without a revision, so it is polled); deregistration and
// maintenance use the API's own DELETE and PUT. Registry data is only ever rendered as text (textContent).
'use strict';

/** Metadata key marking an instance in maintenance; its value is the health to restore. */
const MAINTENANCE_KEY = 'cairn.maintenance';
/** At most this many instance rows are drawn; searching narrows the rest down. */
const MAX_ROWS = 500;
const HEALTHS = ['passing', 'warning', 'critical'];
/** How often the shown service's check output is read again (it changes without a revision). */
const CHECKS_POLL_MS = 5000;

const state = {
  namespace: 'default',
  service: '', // the selected service, '' for none
  services: [], // [{name, instances, passing, revision}], sorted by name
  servicesLoaded: false,
  instances: new Map(), // id -> instance of the selected service
  instancesLoaded: false,
  checks: new Map(), // id -> {output, checkedAgoMillis, ...} of GET .../checks, selected service
  fresh: new Set(), // ids added or changed since the last render, highlighted once
  revision: 0,
};
const streams = { services: null, instances: null };
let renderQueued = false;
let messageTimer = 0;
const checksLoad = { running: false, again: false, soon: 0 };

const $ = (id) => document.getElementById(id);

document.addEventListener('DOMContentLoaded', () => {
  $('namespace').addEventListener('change', () => {
    const ns = $('namespace').value.trim() || 'default';
    location.hash = hashFor(ns, '');
  });
  for (const id of ['service-search', 'search']) $(id).addEventListener('input', schedule);
  for (const id of ['health-filter', 'tag-filter', 'zone-filter']) {
    $(id).addEventListener('change', schedule);
  }
  window.addEventListener('hashchange', applyHash);
  setInterval(() => {
    if (state.service && document.visibilityState !== 'hidden') loadChecks();
  }, CHECKS_POLL_MS);
  applyHash();
  pollCluster();
});

// ---- cluster: this member, who leads, and each member's lag (polled; no events carry them)

/** How often a cluster member's view of its cluster is read again. */
const CLUSTER_POLL_MS = 2000;

async function pollCluster() {
  try {
    const status = await (await fetch('/v1/status')).json();
    const clustered = Boolean(status.cluster);
    $('cluster').hidden = !clustered;
    $('members-pane').hidden = !clustered;
    if (!clustered) return; // a single node: nothing to show, nothing to poll
    $('cluster').textContent = 'node ' + status.nodeId + ' \u00b7 ' + status.role
        + (status.leader ? ' \u00b7 leader ' + status.leader : ' \u00b7 no leader');
    $('cluster').classList.toggle('bad', !status.leader);
    const r = await fetch('/v1/cluster/members');
    if (r.ok) {
      const members = (await r.json()).members;
      $('members').querySelector('tbody').replaceChildren(...members.map((m) => el('tr',
          m.role === 'leader' ? 'leader' : '',
          textCell(m.id), textCell(m.address), textCell(m.role),
          textCell(m.lastContactMillis < 0 ? '?' : m.lastContactMillis + ' ms', 'num'),
          textCell(m.matchIndex < 0 ? '?' : String(m.matchIndex), 'num'),
          textCell(m.lag < 0 ? '?' : String(m.lag), 'num'))));
    }
  } catch (e) {
    // The connection indicator tells when the server is away; try again later.
  }
  setTimeout(pollCluster, CLUSTER_POLL_MS);
}

// ---- navigation: #/<namespace>/<service>

function hashFor(namespace, service) {
  return '#/' + encodeURIComponent(namespace) + (service ? '/' + encodeURIComponent(service) : '');
}

function applyHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const namespace = safeDecode(parts[0]) || 'default';
  const service = safeDecode(parts[1]);
  const namespaceChanged = namespace !== state.namespace || !streams.services;
  if (namespaceChanged) {
    state.namespace = namespace;
    $('namespace').value = namespace;
    watchServices();
  }
  if (namespaceChanged || service !== state.service) {
    state.service = service;
    $('tag-filter').value = '';
    $('zone-filter').value = '';
    watchInstances();
  }
  schedule();
}

function safeDecode(text) {
  try {
    return decodeURIComponent(text || '');
  } catch (e) {
    return '';
  }
}

// ---- live data: two event streams

function nsParam() {
  return 'namespace=' + encodeURIComponent(state.namespace);
}

function watchServices() {
  if (streams.services) streams.services.close();
  state.services = [];
  state.servicesLoaded = false;
  const es = new EventSource('/v1/watch/services?' + nsParam());
  streams.services = es;
  es.addEventListener('services', (e) => {
    if (es !== streams.services) return;
    const body = JSON.parse(e.data);
    state.services = body.services;
    state.servicesLoaded = true;
    seen(body.revision);
  });
  watchErrors(es, 'services', () => '/v1/services?' + nsParam(), watchServices);
}

function watchInstances() {
  if (streams.instances) streams.instances.close();
  streams.instances = null;
  state.instances = new Map();
  state.instancesLoaded = false;
  state.checks = new Map();
  state.fresh.clear();
  if (!state.service) return;
  const path = '/v1/services/' + encodeURIComponent(state.service) + '/instances?' + nsParam();
  const es = new EventSource(
    '/v1/watch/services/' + encodeURIComponent(state.service) + '?' + nsParam());
  streams.instances = es;
  es.addEventListener('snapshot', (e) => {
    if (es !== streams.instances) return;
    const body = JSON.parse(e.data);
    state.instances = new Map(body.instances.map((i) => [i.id, i]));
    state.instancesLoaded = true;
    seen(body.revision);
    checksSoon();
  });
  for (const type of ['added', 'updated']) {
    es.addEventListener(type, (e) => {
      if (es !== streams.instances) return;
      const body = JSON.parse(e.data);
      state.instances.set(body.instance.id, body.instance);
      state.fresh.add(body.instance.id);
      seen(body.revision);
      if (body.instance.check) checksSoon();
    });
  }
  es.addEventListener('removed', (e) => {
    if (es !== streams.instances) return;
    const body = JSON.parse(e.data);
    state.instances.delete(body.instance.id);
    seen(body.revision);
  });
  watchErrors(es, 'instances', () => path, watchInstances);
}

/** Reads the check output once the current burst of events is over (one request per burst). */
function checksSoon() {
  clearTimeout(checksLoad.soon);
  checksLoad.soon = setTimeout(loadChecks, 100);
}

/**
 * Reads the selected service's check states (GET .../checks) into state.checks. One request at a
 * time; a call while one runs asks for another after it. Errors (an empty service is 404) keep
 * what was shown.
 */
async function loadChecks() {
  if (!state.service) return;
  if (checksLoad.running) {
    checksLoad.again = true;
    return;
  }
  checksLoad.running = true;
  const service = state.service;
  const namespace = state.namespace;
  try {
    const r = await fetch('/v1/services/' + encodeURIComponent(service) + '/checks?' + nsParam());
    if (r.ok && service === state.service && namespace === state.namespace) {
      const body = await r.json();
      state.checks = new Map(body.checks.map((c) => [c.id, c]));
      schedule();
    }
  } catch (e) {
    // offline: the connection indicator says so; the next poll retries
  } finally {
    checksLoad.running = false;
    if (checksLoad.again) {
      checksLoad.again = false;
      loadChecks();
    }
  }
}

/**
 * EventSource reconnects by itself after a network error, resuming with Last-Event-ID. A refused
 * stream (an HTTP error status) is closed for good: show the API's message and retry later.
 */
function watchErrors(es, which, readPath, restart) {
  es.addEventListener('open', () => connection());
  es.addEventListener('error', async () => {
    connection();
    if (es.readyState !== EventSource.CLOSED || es !== streams[which]) return;
    showMessage(await errorOf(readPath()));
    setTimeout(() => {
      if (es === streams[which]) restart();
      schedule();
    }, 5000);
  });
}

/** Why a stream was refused: the API's error message for a plain GET of the same resource. */
async function errorOf(path) {
  try {
    const r = await fetch(path);
    if (r.ok) return 'the event stream was interrupted; reconnecting';
    const body = await r.json().catch(() => ({}));
    return body.error ? body.error.message : 'the event stream was refused (HTTP ' + r.status + ')';
  } catch (e) {
    return 'cannot reach the server';
  }
}

function seen(revision) {
  if (revision > state.revision) state.revision = revision;
  schedule();
}

function connection() {
  const open = Object.values(streams).filter(Boolean);
  const el = $('conn');
  const live = open.length > 0 && open.every((s) => s.readyState === EventSource.OPEN);
  const down = open.some((s) => s.readyState === EventSource.CLOSED);
  el.className = 'conn ' + (live ? 'live' : down ? 'down' : '');
  el.textContent = live ? 'live' : down ? 'disconnected' : 'reconnecting';
}

// ---- actions

async function deregister(inst, button) {
  if (!confirm('Deregister ' + inst.id + ' from ' + inst.service + '?')) return;
  await send(button, 'DELETE', instancePath(inst), null);
}

/**
 * Maintenance re-registers the instance as critical, keeping the health it had under the
 * metadata key cairn.maintenance; ending it restores that health and drops the key.
 */
async function toggleMaintenance(inst, button) {
  const metadata = Object.assign({}, inst.metadata);
  let health;
  if (MAINTENANCE_KEY in metadata) {
    health = HEALTHS.includes(metadata[MAINTENANCE_KEY]) ? metadata[MAINTENANCE_KEY] : 'passing';
    delete metadata[MAINTENANCE_KEY];
  } else {
    metadata[MAINTENANCE_KEY] = inst.health;
    health = 'critical';
  }
  const body = {
    address: inst.address, ports: inst.ports, tags: inst.tags, metadata: metadata,
    weight: inst.weight, zone: inst.zone, health: health,
  };
  if (inst.session) body.session = inst.session;
  if (inst.check) body.check = inst.check; // a re-registration without it would drop the check
  await send(button, 'PUT', instancePath(inst), body);
}

function instancePath(inst) {
  return '/v1/services/' + encodeURIComponent(inst.service) + '/instances/' +
    encodeURIComponent(inst.id) + '?' + nsParam();
}

async function send(button, method, path, body) {
  button.disabled = true;
  try {
    const init = { method: method };
    if (body) {
      init.headers = { 'Content-Type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    const r = await fetch(path, init);
    if (!r.ok) {
      const answer = await r.json().catch(() => ({}));
      showMessage(answer.error ? answer.error.message : method + ' failed: HTTP ' + r.status);
    } else {
      showMessage('');
    }
  } catch (e) {
    showMessage('cannot reach the server');
  } finally {
    button.disabled = false;
  }
}

function showMessage(text) {
  const el = $('message');
  el.textContent = text;
  el.hidden = !text;
  clearTimeout(messageTimer);
  if (text) messageTimer = setTimeout(() => showMessage(''), 10000);
}

// ---- rendering: at most once per frame, from state

function schedule() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function render() {
  connection();
  $('revision').textContent = state.revision ? 'revision ' + state.revision : '';
  renderServices();
  renderInstances();
  state.fresh.clear();
}

function renderServices() {
  const q = $('service-search').value.trim().toLowerCase();
  const shown = state.services.filter((s) => !q || s.name.includes(q));
  $('services').tBodies[0].replaceChildren(...shown.map(serviceRow));
  const empty = $('no-services');
  empty.hidden = !state.servicesLoaded || shown.length > 0;
  empty.textContent = state.services.length ? 'No service matches.' : 'No services in this namespace.';
}

function serviceRow(s) {
  const tr = el('tr', s.name === state.service ? 'selected' : '');
  tr.dataset.service = s.name;
  const link = el('a', '', s.name);
  link.href = hashFor(state.namespace, s.name);
  tr.append(cell(link), textCell(String(s.instances), 'num'));
  const bar = el('span', 'bar');
  const fill = el('span');
  fill.style.width = (s.instances ? (100 * s.passing) / s.instances : 0) + '%';
  bar.append(fill);
  const text = el('span', 'small ' + (s.passing === s.instances ? 'muted' : 'short'),
    s.passing + '/' + s.instances);
  bar.title = s.passing + ' of ' + count(s.instances, 'instance') + ' passing';
  const health = cell(bar, text);
  health.className = 'nowrap';
  tr.append(health);
  return tr;
}

/** "1 instance", "2 instances". */
function count(n, noun) {
  return n + ' ' + (n === 1 ? noun : noun + 's');
}

function renderInstances() {
  $('service-title').textContent = state.service ? state.service : 'Select a service';
  const all = [...state.instances.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  fillOptions($('tag-filter'), 'any tag', all.flatMap((i) => i.tags));
  fillOptions($('zone-filter'), 'any zone', all.map((i) => i.zone).filter(Boolean));
  const filter = currentFilter();
  const matching = all.filter((i) => filter(i));
  const drawn = matching.slice(0, MAX_ROWS);
  $('instances').tBodies[0].replaceChildren(...drawn.map(instanceRow));
  $('shown').textContent = !state.service ? '' :
    matching.length === all.length ? count(all.length, 'instance') :
    matching.length + ' of ' + count(all.length, 'instance') +
      (drawn.length < matching.length ? ', first ' + drawn.length + ' shown' : '');
  const empty = $('no-instances');
  empty.hidden = !state.service || !state.instancesLoaded || drawn.length > 0;
  empty.textContent = all.length ? 'No instance matches the search and filters.' :
    'No instances: the service is empty or does not exist yet.';
}

/** Keeps a select's options in step with the values present, keeping the chosen one. */
function fillOptions(select, anyLabel, values) {
  const chosen = select.value;
  const wanted = [...new Set(values)].sort();
  if (chosen && !wanted.includes(chosen)) wanted.push(chosen);
  const current = [...select.options].slice(1).map((o) => o.value);
  if (current.length === wanted.length && current.every((v, i) => v === wanted[i])) return;
  select.replaceChildren(new Option(anyLabel, ''), ...wanted.map((v) => new Option(v, v)));
  select.value = chosen;
}

function currentFilter() {
  const terms = $('search').value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const health = $('health-filter').value;
  const tag = $('tag-filter').value;
  const zone = $('zone-filter').value;
  return (inst) => {
    if (health === 'maintenance' ? !inMaintenance(inst) : health && inst.health !== health) {
      return false;
    }
    if (tag && !inst.tags.includes(tag)) return false;
    if (zone && inst.zone !== zone) return false;
    if (!terms.length) return true;
    const text = searchText(inst);
    return terms.every((t) => text.includes(t));
  };
}

function searchText(inst) {
  return [
    inst.id, inst.address, inst.zone, inst.session || '', inst.health, ...inst.tags,
    ...Object.entries(inst.ports).map(([k, v]) => k + ':' + v),
    ...Object.entries(inst.metadata).map(([k, v]) => k + '=' + v),
    checkSummary(inst) || '', checkOutput(inst) || '',
  ].join(' ').toLowerCase();
}

function inMaintenance(inst) {
  return Object.prototype.hasOwnProperty.call(inst.metadata, MAINTENANCE_KEY);
}

/** The instance's health check in a few words ("http :http /health every 10s"), or null. */
function checkSummary(inst) {
  const c = inst.check;
  if (!c || typeof c !== 'object' || typeof c.type !== 'string') return null;
  return [c.type, c.port ? ':' + c.port : '', c.path || '', c.interval ? 'every ' + c.interval : '']
    .filter(Boolean).join(' ');
}

/** A health check's output: GET .../checks, or any of these shapes in the instance, else null. */
function checkOutput(inst) {
  const checked = state.checks.get(inst.id);
  if (checked && typeof checked.output === 'string' && checked.output) return checked.output;
  if (typeof inst.checkOutput === 'string') return inst.checkOutput;
  const check = inst.check;
  if (check && typeof check === 'object' && typeof check.output === 'string') return check.output;
  if (Array.isArray(inst.checks)) {
    const lines = inst.checks
      .filter((c) => c && typeof c.output === 'string')
      .map((c) => (c.name ? c.name + ': ' : '') + c.output);
    return lines.length ? lines.join('\n') : null;
  }
  return null;
}

function instanceRow(inst) {
  const tr = el('tr', state.fresh.has(inst.id) ? 'fresh' : '');
  tr.dataset.instance = inst.id;
  tr.append(cell(el('strong', 'mono', inst.id), el('br'), el('span', 'small muted', inst.kind)));
  const ports = Object.entries(inst.ports).map(([k, v]) => el('span', 'chip mono', k + ':' + v));
  tr.append(cell(el('div', 'mono', inst.address), el('div', '', ...ports)));
  tr.append(cell(...inst.tags.map((t) => el('span', 'chip', t))));
  tr.append(textCell(inst.zone || '—', inst.zone ? '' : 'muted'));
  tr.append(textCell(String(inst.weight), 'num'));
  const health = [el('span', 'badge ' + inst.health, inst.health)];
  if (inMaintenance(inst)) health.push(' ', el('span', 'badge maintenance', 'maintenance'));
  const check = checkSummary(inst);
  if (check) health.push(el('div', 'small muted', 'check: ' + check));
  const output = checkOutput(inst);
  if (output) {
    const pre = el('pre', 'check', output);
    const checked = state.checks.get(inst.id);
    if (checked && checked.checkedAgoMillis >= 0) {
      pre.title = 'last ' + (checked.type === 'ttl' ? 'report or expiry ' : 'probe ') +
        Math.round(checked.checkedAgoMillis / 1000) + ' s before it was read' +
        (checked.consecutive > 1 ? '; ' + checked.consecutive + ' such results in a row' : '');
    }
    health.push(pre);
  }
  tr.append(cell(...health));
  tr.append(cell(inst.session ? sessionLabel(inst.session) : el('span', 'muted', '—')));
  tr.append(cell(...Object.entries(inst.metadata).map(([k, v]) => el('span', 'chip', k + '=' + v))));
  const maintenance = el('button', '', inMaintenance(inst) ? 'end maintenance' : 'maintenance');
  maintenance.title = inMaintenance(inst)
    ? 'Restore the health it had before' : 'Mark critical until maintenance ends';
  if (check && !inMaintenance(inst)) {
    // Its check (run by the server, or reported by the instance) would soon undo it.
    maintenance.disabled = true;
    maintenance.title = 'Its health check decides its health';
  }
  maintenance.addEventListener('click', () => toggleMaintenance(inst, maintenance));
  const remove = el('button', 'danger', 'deregister');
  remove.addEventListener('click', () => deregister(inst, remove));
  tr.append(el('td', 'actions', maintenance, ' ', remove));
  return tr;
}

/** A session id, shortened to its first 8 characters; the whole id is in the tooltip. */
function sessionLabel(id) {
  const label = el('span', 'mono small', id.length > 9 ? id.slice(0, 8) + '…' : id);
  label.title = 'session ' + id;
  return label;
}

/** A table cell holding nodes; strings become text nodes. */
function cell(...children) {
  return el('td', '', ...children);
}

/** A table cell holding the text, with classes. */
function textCell(text, className) {
  return el('td', className, text);
}

/** An element with classes and children; strings become text nodes. */
function el(tag, className, ...children) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  e.append(...children);
  return e;
}
