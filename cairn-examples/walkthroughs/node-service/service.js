// A Node.js service that registers itself with Cairn over the HTTP API, keeps its registration
// alive, and watches a service, with nothing but Node's standard library (Node 18+: fetch).
//
//   node service.js --registry http://127.0.0.1:8500 --service hello-node --watch hello-node
//
// It answers GET /hello, opens a session (TTL 10 s by default), registers an instance owned by the
// session (port "http"), renews the session at a third of its TTL, prints the changes of the
// watched service as they happen (Server-Sent Events), and on SIGTERM or Ctrl-C closes the
// session, which removes its instance at once.
const http = require('node:http');
const os = require('node:os');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const registry = option('registry', 'http://127.0.0.1:8500');
const service = option('service', 'hello-node');
const id = option('id', `hello-node-${os.hostname()}`);
const watched = option('watch', service);
const ttl = Number(option('ttl', '10'));

async function call(method, path, body, secret) {
  const headers = body ? { 'Content-Type': 'application/json' } : {};
  // The session's secret: its id alone (shown in every read) renews, joins or closes nothing.
  if (secret) headers['X-Cairn-Session-Secret'] = secret;
  const response = await fetch(registry + path, {
    method,
    headers,
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${path}: ${response.status} ${text}`);
  }
  return text ? JSON.parse(text) : {};
}

// Follows a service through Server-Sent Events: "event:" and "data:" lines, a blank line ends an
// event. (Resuming after a disconnect with Last-Event-ID is left out for brevity.)
async function watch(signal) {
  const response = await fetch(`${registry}/v1/watch/services/${watched}`, { signal });
  const decoder = new TextDecoder();
  let buffer = '';
  let event = null;
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.startsWith('event: ')) {
        event = line.slice('event: '.length);
      } else if (line.startsWith('data: ')) {
        const data = JSON.parse(line.slice('data: '.length));
        if (event === 'snapshot') {
          console.log(`watch: snapshot ${data.instances.map((i) => i.id).sort().join(' ')}`);
        } else {
          console.log(`watch: ${event} ${data.instance.id}`);
        }
      }
    }
  }
}

async function main() {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/hello') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ greeting: 'hello from Node', instance: id }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)); // 0: a free port
  const port = server.address().port;

  const session = await call('POST', '/v1/sessions', { ttl: `${ttl}s`, name: id });
  const instance = { address: '127.0.0.1', ports: { http: port }, metadata: { lang: 'node' } };
  await call(
    'PUT',
    `/v1/services/${service}/instances/${id}?session=${session.id}`,
    instance,
    session.secret,
  );
  console.log(`registered ${id} on port ${port}`);

  // Renew at a third of the TTL, so that one lost request does not end the session.
  const renewing = setInterval(() => {
    call('PUT', `/v1/sessions/${session.id}/renew`, undefined, session.secret)
      .then(() => console.log('renewed'))
      .catch((err) => console.log(`renew failed: ${err.message}`));
  }, (ttl * 1000) / 3);

  const watching = new AbortController();
  watch(watching.signal).catch((err) => {
    if (err.name !== 'AbortError') console.log(`watch ended: ${err.message}`);
  });

  const shutDown = async () => {
    clearInterval(renewing);
    watching.abort();
    await call('DELETE', `/v1/sessions/${session.id}`, undefined, session.secret); // removes it now
    console.log('deregistered');
    server.close();
    server.closeAllConnections();
  };
  process.on('SIGTERM', shutDown);
  process.on('SIGINT', shutDown);
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
