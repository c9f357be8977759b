// Cairn web console (docs/console.md). Plain JavaScript, no build step, no dependencies.
// It reads the HTTP API of docs/api.md: the namespace's service list and the selected
// service's instances arrive as server-sent events; their health checks' output is read from
// GET .../checks (it changes without a revision, so it is polled); deregistration and
// maintenance use the API's own DELETE and PUT. The charts and the event timeline come from the
// server's last hour (GET /v1/history/..., decision 0153), drawn as SVG here. Registry data is
// only ever rendered as text (textContent). With ACLs on it asks for a token first, keeps it in
// session storage and sends it as a header (X-Cairn-Token) with every request, streams included;
// the server answers only what the token may read, and write buttons show only where it may write
// (GET /v1/acl/self, decision 0172).
'use strict';

/** Where the tab keeps its ACL token (session storage: this tab only, gone when it closes). */
const TOKEN_KEY = 'cairn.token';
/** How long a stream waits before it reconnects after a network error. */
const STREAM_RETRY_MS = 1000;

/** Metadata key marking an instance in maintenance; its value is the health to restore. */
const MAINTENANCE_KEY = 'cairn.maintenance';
/** At most this many instance rows are drawn; searching narrows the rest down. */
const MAX_ROWS = 500;
const HEALTHS = ['passing', 'warning', 'critical'];
/** How often the shown service's check output is read again (it changes without a revision). */
const CHECKS_POLL_MS = 5000;
/** The charts' time window: the last hour, as the server keeps it. */
const HOUR_MS = 3600 * 1000;
/** The shortest time span a chart shows. */
const MIN_SPAN_MS = 60 * 1000;
/** How often the services' counts (sampled each minute) and the server's steps are read again. */
const SERVICE_HISTORY_POLL_MS = 30000;
const SERVER_HISTORY_POLL_MS = 5000;
/** Events kept and drawn in the timeline, newest first. */
const MAX_EVENTS = 200;
const SVG_NS = 'http://www.w3.org/2000/svg';

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
  history: { times: [], services: new Map() }, // GET /v1/history/services: name -> {instances, passing}
  server: null, // GET /v1/history/server
  events: [], // GET /v1/history/events, oldest first, at most MAX_EVENTS
  eventsAfter: 0, // the revision of the newest event read
  eventsTruncated: false, // the server left older events of the namespace out
  freshEvents: new Set(), // revisions of events read since the last render
  acl: false, // the server checks tokens
  mayWrite: true, // the token may write the selected service (always, with ACLs off)
  mayReadCluster: true, // the token may read the server's status, members and charts
};
let token = sessionStorage.getItem(TOKEN_KEY) || '';
let started = false;
const streams = { services: null, instances: null };
let renderQueued = false;
let messageTimer = 0;
const checksLoad = { running: false, again: false, soon: 0 };
const eventsLoad = { running: false, again: false, soon: 0 };
let serverLoadedAt = 0;
/** The registry's id (X-Cairn-Registry-Id) the streams last answered with; '' before one. */
let registryId = '';

const $ = (id) => document.getElementById(id);

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('token').value.trim();
    $('token').value = '';
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    begin();
  });
  $('logout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });
  begin();
});

// ---- ACLs: ask for a token, and show nothing before one that may read is given

/**
 * What the token (or none) may do in a namespace: GET /v1/acl/self, with ?service= for one
 * service. Answers {self} or, when the server refused, {error} (the API's error, or one naming
 * the HTTP status); rejects when the server cannot be reached.
 */
async function whoAmI(namespace, service) {
  let path = '/v1/acl/self?namespace=' + encodeURIComponent(namespace);
  if (service) path += '&service=' + encodeURIComponent(service);
  const r = await api(path);
  if (r.ok) return { self: await r.json() };
  const body = await r.json().catch(() => ({}));
  return { error: body.error || { message: 'the server answered HTTP ' + r.status } };
}

async function begin() {
  state.namespace = safeDecode(location.hash.replace(/^#\/?/, '').split('/')[0]) || 'default';
  let answer;
  let namespaceRefused = false;
  try {
    answer = await whoAmI(state.namespace, '');
    if (answer.error && answer.error.field === 'namespace') {
      // A link to a namespace that cannot exist: open the console anyway; the namespace's stream
      // then shows the API's message, and the namespace field is there to choose another.
      namespaceRefused = true;
      answer = await whoAmI('default', '');
    }
  } catch (e) {
    answer = { error: { message: 'cannot reach the server' } };
  }
  const self = answer.self;
  if (!self) {
    // Not a question of tokens: say what went wrong, without the token form, and ask again.
    loginError(answer.error.message + '; trying again');
    $('login-form').hidden = true;
    $('login').hidden = false;
    setTimeout(begin, 5000);
    return;
  }
  $('login-form').hidden = false;
  loginError('');
  if (self.acl && (self.token === 'unknown' || (!self.may.listServices && !namespaceRefused))) {
    if (token) {
      loginError(self.token === 'unknown' ? 'unknown token: not one this registry issued'
        : 'this token may read no service of namespace ' + state.namespace);
      sessionStorage.removeItem(TOKEN_KEY);
      token = '';
    }
    askForToken();
    return;
  }
  state.acl = self.acl;
  state.mayWrite = !self.acl;
  state.mayReadCluster = Boolean(self.may.readCluster);
  // The server's charts need cluster read: without it they stay out rather than empty.
  document.querySelector('#activity-pane .charts').hidden = !state.mayReadCluster;
  $('login').hidden = true;
  $('main').hidden = false;
  $('logout').hidden = !self.acl || !token;
  $('whoami').hidden = !self.acl;
  $('whoami').textContent = self.accessorId ? 'token ' + self.accessorId.slice(0, 8) + '…' : 'anonymous';
  $('whoami').title = self.accessorId;
  if (!started) start();
  else applyHash(); // after a refused token: open the streams again, with the new one
  if (state.mayReadCluster && !clusterPolling) pollCluster();
}

/** Shows the token form alone: no pane, no stream, no polling (the pollers skip a hidden page). */
function askForToken() {
  for (const which of Object.keys(streams)) {
    if (streams[which]) streams[which].close();
    streams[which] = null;
  }
  $('main').hidden = true;
  $('logout').hidden = true;
  $('whoami').hidden = true;
  $('cluster').hidden = true;
  $('login').hidden = false;
  connection();
  $('token').focus();
}

/**
 * The server refused the token on a stream (an `event: error` of an open stream, decision 0217,
 * or a refused reconnection). Asks the server whether it still knows the token: when it does not
 * (the token was deleted), the console drops it and asks for another, saying why, rather than
 * retrying it; a token it still knows (that may not read this namespace or service, or no longer)
 * gets the message in the pane, as any refused stream. Answers whether it asked for a token.
 */
async function tokenRefused(message) {
  if (!state.acl || $('main').hidden) return true;
  let self;
  try {
    self = (await whoAmI(state.namespace, '')).self;
  } catch (e) {
    return false; // offline: the streams retry as usual
  }
  if (!self || self.token !== 'unknown') return false;
  sessionStorage.removeItem(TOKEN_KEY);
  token = '';
  loginError('the registry no longer knows this token (was it deleted?): ' + message);
  askForToken();
  return true;
}

/** Whether the page shows the registry and is visible: pollers skip their turn otherwise. */
function showing() {
  return !$('main').hidden && document.visibilityState !== 'hidden';
}

function loginError(text) {
  $('login-error').textContent = text;
  $('login-error').hidden = !text;
}

/** fetch with the tab's token as X-Cairn-Token (when it has one); never a cookie. */
function api(path, init) {
  const options = Object.assign({}, init || {});
  if (token) options.headers = Object.assign({}, options.headers, { 'X-Cairn-Token': token });
  return fetch(path, options);
}

function start() {
  started = true;
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
    if (state.service && showing()) loadChecks();
  }, CHECKS_POLL_MS);
  setInterval(() => {
    if (showing()) loadServiceHistory();
  }, SERVICE_HISTORY_POLL_MS);
  setInterval(() => {
    if (showing()) loadServerHistory();
  }, SERVER_HISTORY_POLL_MS);
  loadServerHistory();
  applyHash();
}

// ---- cluster: this member, who leads, and each member's lag (polled; no events carry them)

/** How often a cluster member's view of its cluster is read again. */
const CLUSTER_POLL_MS = 2000;

let clusterPolling = false;
/** The member's id, once its status was read: named when it cannot be reached any more. */
let clusterNode = '';

async function pollCluster() {
  clusterPolling = state.mayReadCluster && !$('main').hidden;
  if (!clusterPolling) return; // its token may not, or there is none: nothing to show
  try {
    const status = await (await api('/v1/status')).json();
    const clustered = Boolean(status.cluster);
    $('cluster').hidden = !clustered;
    $('members-pane').hidden = !clustered;
    if (!clustered) {
      clusterPolling = false;
      return; // a single node: nothing to show, nothing to poll
    }
    clusterNode = status.nodeId;
    $('cluster').textContent = 'node ' + status.nodeId + ' \u00b7 ' + status.role
        + (status.leader ? ' \u00b7 leader ' + status.leader : ' \u00b7 no leader');
    $('cluster').classList.toggle('bad', !status.leader);
    $('members-pane').classList.remove('stale');
    $('members-note').textContent = '';
    const r = await api('/v1/cluster/members');
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
    // This member is away: what was read from it is no longer true; say so, and try again later.
    if (clusterNode) {
      $('cluster').textContent = 'node ' + clusterNode + ' \u00b7 cannot reach this member';
      $('cluster').classList.add('bad');
      $('members-pane').classList.add('stale');
      $('members-note').textContent = 'as this member last saw them, at ' +
        ($('members-note').dataset.at || '?');
    }
    setTimeout(pollCluster, CLUSTER_POLL_MS);
    return;
  }
  $('members-note').dataset.at = new Date().toLocaleTimeString();
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
  state.history = { times: [], services: new Map() };
  state.events = [];
  state.eventsAfter = 0;
  loadServiceHistory();
  const es = new Stream('/v1/watch/services?' + nsParam());
  streams.services = es;
  es.addEventListener('services', (e) => {
    if (es !== streams.services) return;
    const body = JSON.parse(e.data);
    state.services = body.services;
    state.servicesLoaded = true;
    seen(body.revision);
    eventsSoon(); // something changed in the namespace: its events tell what
    if (Date.now() - serverLoadedAt > 1000) loadServerHistory();
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
  state.mayWrite = !state.acl;
  if (!state.service) return;
  if (state.acl) loadRights();
  const path = '/v1/services/' + encodeURIComponent(state.service) + '/instances?' + nsParam();
  const es = new Stream(
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

/** Whether the token may write the selected service: its write buttons show only then. */
async function loadRights() {
  const service = state.service;
  const namespace = state.namespace;
  try {
    const self = (await whoAmI(namespace, service)).self;
    if (self && service === state.service && namespace === state.namespace) {
      state.mayWrite = Boolean(self.may.writeService);
      schedule();
    }
  } catch (e) {
    // offline: no buttons until the next selection
  }
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
    const r = await api('/v1/services/' + encodeURIComponent(service) + '/checks?' + nsParam());
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

// ---- the last hour: counts, rates and events kept by the server (GET /v1/history/...)

/** Reads every service's counts of the last hour (sampled by the server each minute). */
async function loadServiceHistory() {
  const namespace = state.namespace;
  const body = await readJson('/v1/history/services?' + nsParam());
  if (!body || namespace !== state.namespace) return;
  state.history = {
    times: body.times.map((t) => Date.parse(t)),
    services: new Map(body.services.map((s) => [s.service, s])),
  };
  schedule();
}

/** Reads the server's write rate and push latency of the last hour, and the step in progress. */
async function loadServerHistory() {
  if (!state.mayReadCluster) return;
  serverLoadedAt = Date.now();
  const body = await readJson('/v1/history/server');
  if (!body) return;
  state.server = body;
  schedule();
}

/** Reads the namespace's new events once the current burst of changes is over. */
function eventsSoon() {
  clearTimeout(eventsLoad.soon);
  eventsLoad.soon = setTimeout(loadEvents, 50);
}

/** Reads the events after the newest one read; one request at a time, like loadChecks. */
async function loadEvents() {
  if (eventsLoad.running) {
    eventsLoad.again = true;
    return;
  }
  eventsLoad.running = true;
  const namespace = state.namespace;
  try {
    // From the newest revision read, again: a revision's events may span services, read apart.
    const body = await readJson('/v1/history/events?' + nsParam() + '&after=' +
      Math.max(0, state.eventsAfter - 1) + '&limit=' + MAX_EVENTS);
    if (body && namespace === state.namespace) {
      const fresh = body.events.filter((e) => e.revision > state.eventsAfter ||
        (e.revision === state.eventsAfter && !state.events.some((o) => sameEvent(o, e))));
      for (const e of fresh) state.freshEvents.add(e.revision + ' ' + e.id);
      state.events = state.events.concat(fresh).slice(-MAX_EVENTS);
      if (state.events.length) state.eventsAfter = state.events[state.events.length - 1].revision;
      state.eventsTruncated = body.truncated;
      schedule();
    }
  } finally {
    eventsLoad.running = false;
    if (eventsLoad.again) {
      eventsLoad.again = false;
      loadEvents();
    }
  }
}

function sameEvent(a, b) {
  return a.revision === b.revision && a.service === b.service && a.id === b.id && a.type === b.type;
}

/** A GET's JSON body, or null when it failed (offline, refused: the charts keep what they have). */
async function readJson(path) {
  try {
    const r = await api(path);
    return r.ok ? await r.json() : null;
  } catch (e) {
    return null;
  }
}

/**
 * A server-sent event stream read with fetch, so that it carries the token as a header
 * (EventSource cannot send one). It behaves as EventSource where the console relies on it:
 * 'open', 'error' and named MessageEvents (data, lastEventId), readyState and close(); after a
 * network error it reconnects by itself, resuming with Last-Event-ID; an HTTP error status (a
 * refusal) closes it for good.
 */
class Stream extends EventTarget {
  constructor(path) {
    super();
    this.path = path;
    this.readyState = Stream.CONNECTING;
    this.lastEventId = '';
    this.aborter = null;
    this.connect();
  }

  close() {
    this.readyState = Stream.CLOSED;
    if (this.aborter) this.aborter.abort();
  }

  async connect() {
    if (this.readyState === Stream.CLOSED) return;
    this.aborter = new AbortController();
    const headers = { Accept: 'text/event-stream' };
    if (this.lastEventId) headers['Last-Event-ID'] = this.lastEventId;
    let response;
    try {
      response = await api(this.path, { headers: headers, signal: this.aborter.signal, cache: 'no-store' });
    } catch (e) {
      this.retry();
      return;
    }
    if (this.readyState === Stream.CLOSED) return;
    if (!response.ok || !response.body) {
      this.status = response.status;
      this.readyState = Stream.CLOSED;
      this.dispatchEvent(new Event('error'));
      return;
    }
    const id = response.headers.get('X-Cairn-Registry-Id') || '';
    if (id && registryId && id !== registryId) {
      // Another registry (a history that started empty): its revisions do not compare with the
      // ones seen, and resuming from one would skip its first events. Start afresh (decision 0201).
      registryId = id;
      this.close();
      anotherRegistry();
      return;
    }
    if (id) registryId = id;
    this.readyState = Stream.OPEN;
    this.dispatchEvent(new Event('open'));
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let frame = { type: 'message', data: [], id: null };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const lines = (buffer + value).split('\n');
        buffer = lines.pop();
        for (let line of lines) {
          if (line.endsWith('\r')) line = line.slice(0, -1);
          if (line === '') {
            this.deliver(frame);
            frame = { type: 'message', data: [], id: null };
            continue;
          }
          if (line.startsWith(':')) continue; // a keep-alive
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let v = colon < 0 ? '' : line.slice(colon + 1);
          if (v.startsWith(' ')) v = v.slice(1);
          if (field === 'event') frame.type = v;
          else if (field === 'data') frame.data.push(v);
          else if (field === 'id') frame.id = v;
        }
      }
    } catch (e) {
      // closed here, or the connection broke
    }
    this.retry();
  }

  deliver(frame) {
    if (frame.id !== null) this.lastEventId = frame.id;
    if (!frame.data.length || this.readyState !== Stream.OPEN) return;
    this.dispatchEvent(new MessageEvent(frame.type,
      { data: frame.data.join('\n'), lastEventId: this.lastEventId }));
  }

  retry() {
    if (this.readyState === Stream.CLOSED) return;
    this.readyState = Stream.CONNECTING;
    this.dispatchEvent(new Event('error'));
    setTimeout(() => this.connect(), STREAM_RETRY_MS);
  }
}
Stream.CONNECTING = 0;
Stream.OPEN = 1;
Stream.CLOSED = 2;

/**
 * A stream reconnects by itself after a network error, resuming with Last-Event-ID. A refused
 * stream (an HTTP error status) is closed for good: show the API's message and retry later.
 */
function watchErrors(es, which, readPath, restart) {
  es.addEventListener('open', () => connection());
  es.addEventListener('error', async (e) => {
    connection();
    if (e.data && es === streams[which]) {
      // An `event: error` the server sent before ending the stream (decision 0217).
      const error = parseError(e.data);
      if (error.field === 'token' && (await tokenRefused(error.message))) return;
      showMessage(error.message);
      return; // the stream ends now and reconnects, which tells whether it is still refused
    }
    if (es.readyState !== Stream.CLOSED || es !== streams[which]) return;
    const error = await errorOf(readPath());
    if (es !== streams[which]) return;
    if (error.field === 'token' && (await tokenRefused(error.message))) return;
    showMessage(error.message);
    setTimeout(() => {
      if (es === streams[which]) restart();
      schedule();
    }, 5000);
  });
}

/** Why a stream was refused: the API's error ({message, field}) for a plain GET of the same resource. */
async function errorOf(path) {
  try {
    const r = await api(path);
    if (r.ok) return { message: 'the event stream was interrupted; reconnecting' };
    const body = await r.json().catch(() => ({}));
    return body.error || { message: 'the event stream was refused (HTTP ' + r.status + ')' };
  } catch (e) {
    return { message: 'cannot reach the server' };
  }
}

/** The error of an `event: error` frame's data: {message, field}. */
function parseError(data) {
  try {
    const body = JSON.parse(data);
    if (body.error && typeof body.error.message === 'string') return body.error;
  } catch (e) {
    // not the API's error body
  }
  return { message: 'the server ended the event stream' };
}

/** The server answers for another registry: forget what was seen, and read it all again. */
function anotherRegistry() {
  state.revision = 0;
  watchServices();
  watchInstances();
  schedule();
}

function seen(revision) {
  if (revision > state.revision) state.revision = revision;
  schedule();
}

function connection() {
  const open = Object.values(streams).filter(Boolean);
  const el = $('conn');
  if ($('main').hidden) {
    // Asking for a token: nothing is read, so nothing is live or reconnecting.
    el.className = 'conn';
    el.textContent = 'no token';
    return;
  }
  const live = open.length > 0 && open.every((s) => s.readyState === Stream.OPEN);
  const down = open.some((s) => s.readyState === Stream.CLOSED);
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
    const r = await api(path, init);
    if (!r.ok) {
      const answer = await r.json().catch(() => ({}));
      showMessage(answer.error ? answer.error.message : method + ' failed: HTTP ' + r.status);
      // Refused for its token (its policies changed): ask again, so that the buttons go.
      if (state.acl && (r.status === 401 || r.status === 403)) loadRights();
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
  renderServiceTrend();
  renderServer();
  renderTimeline();
  state.fresh.clear();
  state.freshEvents.clear();
}

function renderServices() {
  const q = $('service-search').value.trim().toLowerCase();
  const shown = state.services.filter((s) => !q || s.name.includes(q));
  patchChildren($('services').tBodies[0], shown.map(serviceRow), (tr) => tr.dataset.service);
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
  const spark = svg('svg', 'chart spark');
  spark.setAttribute('role', 'img');
  const points = servicePoints(s);
  drawChart(spark, points, COUNT_LINES, 1);
  spark.setAttribute('aria-label', trendText(points));
  const title = svg('title');
  title.textContent = trendText(points);
  spark.append(title);
  tr.append(cell(spark));
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
  patchChildren($('instances').tBodies[0], drawn.map(instanceRow), (tr) => tr.dataset.instance);
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
  } else if (inst.session) {
    // Re-registering it needs its session's secret (decision 0165), which only its owner has.
    maintenance.disabled = true;
    maintenance.title = 'Owned by a session: only its owner can re-register it';
  }
  // The row may outlive this render (patchChildren keeps it): act on the instance as it is now.
  maintenance.addEventListener('click', (e) => act(inst.id, toggleMaintenance, e.currentTarget));
  const remove = el('button', 'danger', 'deregister');
  remove.addEventListener('click', (e) => act(inst.id, deregister, e.currentTarget));
  if (inst.session) {
    // Removing it needs its session's secret too (decision 0165); it goes with its session.
    remove.disabled = true;
    remove.title = 'Owned by a session: it goes when its session ends';
  }
  // Only where the token may write (always with ACLs off): no button that would be refused.
  tr.append(state.mayWrite ? el('td', 'actions', maintenance, ' ', remove) : el('td', 'actions'));
  return tr;
}

/** A session id, shortened to its first 8 characters; the whole id is in the tooltip. */
function sessionLabel(id) {
  const label = el('span', 'mono small', id.length > 9 ? id.slice(0, 8) + '…' : id);
  label.title = 'session ' + id;
  return label;
}

// ---- charts: plain SVG paths over the last hour

const COUNT_LINES = [
  { key: 'instances', cls: 'instances', area: true },
  { key: 'passing', cls: 'passing', area: true },
];

/**
 * A service's counts at each of the server's samples (0 where it had none: it did not exist
 * yet, or had emptied), then now, from the live service list.
 */
function servicePoints(s) {
  const kept = state.history.services.get(s.name);
  const points = state.history.times.map((t, i) => ({
    t: t,
    instances: kept ? kept.instances[i] : 0,
    passing: kept ? kept.passing[i] : 0,
  }));
  points.push({ t: Date.now(), instances: s.instances, passing: s.passing });
  return points;
}

/** "the last hour: 2 to 4 instances; passing now 4 of 4, lowest 50 %". */
function trendText(points) {
  const counts = points.map((p) => p.instances);
  const now = points[points.length - 1];
  const shares = points.filter((p) => p.instances > 0).map((p) => p.passing / p.instances);
  const low = shares.length ? Math.round(100 * Math.min(...shares)) : 100;
  return spanText(points) + ': ' + Math.min(...counts) + ' to ' + count(Math.max(...counts), 'instance') +
    '; passing now ' + now.passing + ' of ' + now.instances + ', lowest ' + low + ' %';
}

function renderServiceTrend() {
  const s = state.services.find((x) => x.name === state.service);
  $('service-trend').hidden = !s;
  if (!s) return;
  const points = servicePoints(s);
  drawChart($('service-chart'), points, COUNT_LINES, 1);
  $('service-trend-text').textContent = trendText(points);
}

function renderServer() {
  const body = state.server;
  if (!body) return;
  const points = body.times.map((t, i) => ({
    t: Date.parse(t),
    writes: body.writesPerSecond[i],
    pushes: body.pushes[i],
    mean: body.pushLagMeanMillis[i],
    max: body.pushLagMaxMillis[i],
  }));
  const c = body.current;
  points.push({
    t: Date.parse(c.time), writes: c.writesPerSecond, pushes: c.pushes,
    mean: c.pushLagMeanMillis, max: c.pushLagMaxMillis,
  });
  drawChart($('writes-chart'), points, [{ key: 'writes', cls: 'writes', area: true }], 1);
  drawChart($('lag-chart'), points, [
    { key: 'max', cls: 'lag-max' }, { key: 'mean', cls: 'lag-mean' }], 1);
  const pushes = points.reduce((n, p) => n + p.pushes, 0);
  $('lag-chart').dataset.pushes = String(pushes);
  const peak = (key) => Math.max(...points.map((p) => p[key]));
  $('writes-now').textContent = spanText(points) + ': now ' + fmt(c.writesPerSecond) + ', peak ' +
    fmt(peak('writes'));
  $('lag-now').textContent = pushes ? spanText(points) + ': now mean ' + fmt(c.pushLagMeanMillis) + ', max ' +
    fmt(c.pushLagMaxMillis) + '; peak ' + fmt(peak('max')) + ' over ' + count(pushes, 'push') :
    'no pushes to watchers yet';
}

function fmt(n) {
  return n >= 100 ? String(Math.round(n)) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/**
 * The time span a chart shows: the last hour up to the last point, or less when the server has
 * kept less (it started recently), at least a minute.
 */
function chartSpan(points) {
  const end = points.length ? points[points.length - 1].t : Date.now();
  const first = points.length ? points[0].t : end;
  return { start: Math.min(end - MIN_SPAN_MS, Math.max(end - HOUR_MS, first)), end: end };
}

/** "the last hour", "the last 12 min". */
function spanText(points) {
  const span = chartSpan(points);
  const minutes = Math.round((span.end - span.start) / 60000);
  return minutes >= 59 ? 'the last hour' : 'the last ' + minutes + ' min';
}

/**
 * Draws the lines (and areas under them) of points [{t, <key>: value}] into an SVG, time on x
 * over chartSpan, 0..max on y (at least floor). Notes on the element how many points it drew and
 * their largest value, for the browser test.
 */
function drawChart(el, points, lines, floor) {
  const w = 600;
  const h = 100;
  el.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
  el.setAttribute('preserveAspectRatio', 'none');
  const { start, end } = chartSpan(points);
  const range = end - start;
  const shown = points.filter((p) => p.t >= start);
  const top = Math.max(0, ...shown.flatMap((p) => lines.map((l) => p[l.key])));
  const max = Math.max(floor, top);
  const x = (t) => (((t - start) / range) * w).toFixed(1);
  const y = (v) => (h - 1 - (v / max) * (h - 4)).toFixed(1);
  const paths = [];
  for (const l of lines) {
    if (!shown.length) continue;
    const steps = shown.map((p) => [x(p.t), y(p[l.key])]);
    if (steps.length === 1) steps.unshift([(steps[0][0] - 4).toFixed(1), steps[0][1]]);
    const line = steps.map(([px, py], i) => (i ? 'L' : 'M') + px + ' ' + py).join(' ');
    if (l.area) {
      const area = svg('path', l.cls + ' area');
      area.setAttribute('d', line + ' L' + steps[steps.length - 1][0] + ' ' + h + ' L' +
        steps[0][0] + ' ' + h + ' Z');
      paths.push(area);
    }
    const stroke = svg('path', l.cls);
    stroke.setAttribute('d', line);
    paths.push(stroke);
  }
  const keep = [...el.children].filter((c) => c.tagName === 'title');
  el.replaceChildren(...paths, ...keep);
  el.dataset.points = String(shown.length);
  el.dataset.max = String(top);
}

/** An SVG element with classes. */
function svg(tag, className) {
  const e = document.createElementNS(SVG_NS, tag);
  if (className) e.setAttribute('class', className);
  return e;
}

// ---- the event timeline: newest first

function renderTimeline() {
  const list = $('timeline');
  const items = state.events.slice().reverse().map(eventItem);
  patchChildren(list, items, (li) => li.dataset.revision + ' ' + li.dataset.event);
  $('no-events').hidden = state.events.length > 0;
  $('events-note').textContent = state.events.length ?
    'the latest ' + count(state.events.length, 'event') + ' of ' + state.namespace +
      (state.eventsTruncated ? ' (older ones left out)' : '') : '';
}

const EVENT_LABELS = { registered: 'registered', removed: 'removed', health: 'health', updated: 'updated' };

function eventItem(e) {
  const li = el('li', state.freshEvents.has(e.revision + ' ' + e.id) ? 'fresh' : '');
  li.dataset.event = e.type + ' ' + e.service + '/' + e.id;
  li.dataset.revision = String(e.revision);
  const when = new Date(e.time);
  const time = el('time', '', isNaN(when) ? e.time : when.toLocaleTimeString());
  time.dateTime = e.time;
  time.title = e.time;
  const link = el('a', '', e.service);
  link.href = hashFor(state.namespace, e.service);
  const what = [el('span', 'badge ev-' + e.type, EVENT_LABELS[e.type] || e.type)];
  const parts = [time, el('span', 'mono small muted', 'r' + e.revision), ...what,
    el('span', '', link, ' / ', el('span', 'mono', e.id))];
  if (e.type === 'health' && e.previousHealth) {
    parts.push(el('span', '', el('span', 'badge ' + e.previousHealth, e.previousHealth), ' \u2192 ',
      el('span', 'badge ' + e.health, e.health)));
  } else if (e.type !== 'removed') {
    parts.push(el('span', 'badge ' + e.health, e.health));
  }
  li.append(...parts);
  return li;
}

/** Runs an action on the selected service's instance id as it is now, if it still is. */
function act(id, action, button) {
  const inst = state.instances.get(id);
  if (inst) action(inst, button);
}

/**
 * Makes parent's children the given nodes (each with a key unique among them), changing the
 * children already there in place instead of replacing them: a render lands whenever a stream or a
 * poll answers, and a link or button replaced between a click's press and its release loses the
 * click (the browser sends it to the common ancestor). A kept child takes the new one's
 * attributes and content; only children whose key went are removed.
 */
function patchChildren(parent, nodes, key) {
  const wanted = new Set(nodes.map(key));
  if (wanted.size !== nodes.length) {
    parent.replaceChildren(...nodes); // keys not unique: nothing to match rows by
    return;
  }
  const kept = new Map();
  for (const child of [...parent.children]) kept.set(key(child), child);
  for (const child of [...parent.children]) {
    const k = key(child);
    if (!wanted.has(k)) {
      child.remove();
      kept.delete(k);
    } else if (kept.get(k) !== child) {
      child.remove(); // an older one with the same key
    }
  }
  let next = parent.firstElementChild;
  for (const node of nodes) {
    const old = kept.get(key(node));
    if (!old) {
      parent.insertBefore(node, next);
      continue;
    }
    patchNode(old, node);
    if (old === next) next = old.nextElementSibling;
    else parent.insertBefore(old, next); // moved (the order changed)
  }
}

/** Makes node have equal to want, keeping have and whatever of it can stay. */
function patchNode(have, want) {
  if (have.isEqualNode(want)) return;
  if (have.nodeType !== Node.ELEMENT_NODE) {
    if (have.nodeType === want.nodeType) have.nodeValue = want.nodeValue;
    else have.replaceWith(want);
    return;
  }
  for (const a of [...have.attributes]) {
    if (!want.hasAttribute(a.name)) have.removeAttribute(a.name);
  }
  for (const a of want.attributes) {
    if (have.getAttribute(a.name) === a.value) continue;
    // The content security policy refuses a style attribute set as text; the CSSOM may set it.
    if (a.name === 'style') have.style.cssText = want.style.cssText;
    else have.setAttribute(a.name, a.value);
  }
  const wanted = [...want.childNodes];
  const had = [...have.childNodes];
  for (let i = 0; i < wanted.length; i++) {
    const h = had[i];
    if (!h) have.append(wanted[i]);
    else if (h.nodeName !== wanted[i].nodeName || h.namespaceURI !== wanted[i].namespaceURI) {
      h.replaceWith(wanted[i]);
    } else patchNode(h, wanted[i]);
  }
  for (let i = wanted.length; i < had.length; i++) had[i].remove();
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
